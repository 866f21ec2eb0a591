"""Distillation loss terms as plain torch functions.

Each function takes student tensors first and teacher tensors second and
returns a scalar tensor. None of them detaches anything: the caller decides
what is a constant (:class:`~vskdlearn.losses.DistillationLoss` detaches the
teacher's outputs).
"""

import torch
import torch.nn.functional as F

from .._docs import fill_docs

__all__ = [
    "angle_loss",
    "attention_loss",
    "distance_loss",
    "semantic_loss",
    "similarity_preserving_loss",
    "soft_label_loss",
]

# Squared distances below this are treated as zero (a point and itself, or
# duplicates): the square root has no usable gradient there.
_EPS = 1e-12

# The parameters of the relational (RKD) losses, which compare embeddings of
# any widths: a docstring holds the placeholder line ``{embedding_pair}``.
_SHARED_DOCS = {
    "embedding_pair": """\
Parameters
----------
student : torch.Tensor of shape (batch, student_dim)
teacher : torch.Tensor of shape (batch, teacher_dim)
""",
}


def _shared_docs(documented):
    return fill_docs(documented, _SHARED_DOCS)


def _check_pair(student, teacher, name, same_width=False):
    if student.ndim < 2 or teacher.ndim < 2:
        raise ValueError(
            f"{name} expects (batch, features) tensors, got shapes "
            f"{tuple(student.shape)} and {tuple(teacher.shape)}."
        )
    if student.shape[0] != teacher.shape[0]:
        raise ValueError(
            f"{name}: student and teacher batches differ in size "
            f"({student.shape[0]} vs {teacher.shape[0]}); they must hold the same "
            "samples in the same order."
        )
    if same_width and student.shape != teacher.shape:
        raise ValueError(
            f"{name} compares tensors element-wise, got shapes "
            f"{tuple(student.shape)} and {tuple(teacher.shape)}; project the "
            "student to the teacher's width first."
        )


def pairwise_distances(embedding):
    """Euclidean distances between all rows, exact zeros on the diagonal.

    Parameters
    ----------
    embedding : torch.Tensor of shape (batch, ...)

    Returns
    -------
    distances : torch.Tensor of shape (batch, batch)
    """
    e = embedding.flatten(1)
    squared = (e.unsqueeze(0) - e.unsqueeze(1)).pow(2).sum(-1)
    clamped = squared.clamp_min(_EPS)
    return clamped.sqrt() * (squared > _EPS)


def _normalised_distances(embedding):
    distances = pairwise_distances(embedding)
    positive = distances[distances > 0]
    if positive.numel() == 0:
        return None
    return distances / positive.mean()


@_shared_docs
def distance_loss(student, teacher):
    r"""Distance-wise relational loss (RKD-D, Park et al., CVPR 2019).

    With :math:`\psi(x_i, x_j) = \lVert x_i - x_j \rVert_2 / \mu`, where
    :math:`\mu` is the mean of the non-zero pairwise distances of the batch in
    the same space,

    .. math::
        L_D = \frac{1}{b^2} \sum_{i, j} \ell_\delta\big(
              \psi(s_i, s_j), \psi(t_i, t_j)\big)

    with :math:`\ell_\delta` the smooth-L1 (Huber, :math:`\delta = 1`) loss.
    The mean runs over all :math:`b^2` ordered pairs, the diagonal included
    (where both sides are 0), as in the RKD reference code. Dividing by the
    mean distance makes the loss invariant to the scale of either space, so
    student and teacher embeddings may have different widths and units.

    {embedding_pair}

    Returns
    -------
    loss : torch.Tensor (scalar)
        0 when a batch has fewer than 2 distinct points in either space
        (no distance to compare).

    Examples
    --------
    >>> import torch
    >>> from vskdlearn.losses import distance_loss
    >>> s = torch.tensor([[0.0, 0.0], [3.0, 0.0], [0.0, 4.0]])
    >>> float(distance_loss(s, 10 * s))
    0.0
    """
    _check_pair(student, teacher, "distance_loss")
    s = _normalised_distances(student)
    t = _normalised_distances(teacher)
    if s is None or t is None:
        return student.sum() * 0.0
    return F.smooth_l1_loss(s, t, reduction="mean")


def _angles(embedding):
    e = embedding.flatten(1)
    # differences[j, i] = e_i - e_j, unit length (zero for i == j)
    differences = F.normalize(e.unsqueeze(0) - e.unsqueeze(1), p=2, dim=2)
    # cosines[j, i, k] = cos of the angle at e_j between e_i and e_k
    return torch.bmm(differences, differences.transpose(1, 2))


@_shared_docs
def angle_loss(student, teacher):
    r"""Angle-wise relational loss (RKD-A, Park et al., CVPR 2019).

    For every triplet :math:`(i, j, k)`, the cosine of the angle at
    :math:`x_j`,

    .. math::
        \psi(x_i, x_j, x_k) = \left\langle
        \frac{x_i - x_j}{\lVert x_i - x_j \rVert},
        \frac{x_k - x_j}{\lVert x_k - x_j \rVert} \right\rangle,
        \qquad
        L_A = \frac{1}{b^3} \sum_{i, j, k} \ell_\delta\big(
              \psi(s_i, s_j, s_k), \psi(t_i, t_j, t_k)\big).

    Degenerate triplets (``i == j`` or ``k == j``) give a cosine of 0 on both
    sides and ``i == k`` a cosine of 1, as in the RKD reference code; the mean
    runs over all :math:`b^3` triplets. Angles do not change when a space is
    translated, rotated or scaled.

    {embedding_pair}

    Returns
    -------
    loss : torch.Tensor (scalar)

    Examples
    --------
    >>> import torch
    >>> from vskdlearn.losses import angle_loss
    >>> s = torch.tensor([[0.0, 0.0], [3.0, 0.0], [0.0, 4.0]])
    >>> float(angle_loss(s, 2 * s + 1))
    0.0
    """
    _check_pair(student, teacher, "angle_loss")
    return F.smooth_l1_loss(_angles(student), _angles(teacher), reduction="mean")


def semantic_loss(student, teacher):
    r"""Semantic loss of DASK: mean squared error between embeddings.

    .. math::
        L_S = \frac{1}{b\,d} \sum_i \lVert W s_i - t_i \rVert_2^2

    where :math:`W s_i` is the student embedding already projected to the
    teacher's width :math:`d` (the projection lives in
    :class:`~vskdlearn.losses.DistillationLoss`).

    Parameters
    ----------
    student : torch.Tensor of shape (batch, teacher_dim)
        Projected student embedding.
    teacher : torch.Tensor of shape (batch, teacher_dim)

    Returns
    -------
    loss : torch.Tensor (scalar)
    """
    _check_pair(student, teacher, "semantic_loss", same_width=True)
    return F.mse_loss(student, teacher)


def soft_label_loss(student_logits, teacher_logits, temperature=4.0):
    r"""Soft-label loss of Hinton et al. (2015).

    .. math::
        L_{KD} = T^2\, \frac{1}{b} \sum_i
        \mathrm{KL}\big(\mathrm{softmax}(v_i / T) \,\Vert\,
        \mathrm{softmax}(z_i / T)\big)

    with student logits :math:`z`, teacher logits :math:`v` and temperature
    :math:`T`; the :math:`T^2` keeps the gradient size independent of
    :math:`T`.

    Parameters
    ----------
    student_logits : torch.Tensor of shape (batch, n_classes)
    teacher_logits : torch.Tensor of shape (batch, n_classes)
    temperature : float, default=4.0
        Must be > 0.

    Returns
    -------
    loss : torch.Tensor (scalar)
    """
    _check_pair(student_logits, teacher_logits, "soft_label_loss", same_width=True)
    if not temperature > 0:
        raise ValueError(f"temperature must be > 0, got {temperature!r}.")
    log_p_student = F.log_softmax(student_logits / temperature, dim=1)
    log_p_teacher = F.log_softmax(teacher_logits / temperature, dim=1)
    kl = F.kl_div(log_p_student, log_p_teacher, reduction="batchmean", log_target=True)
    return kl * temperature**2


def _similarity(x):
    a = x.flatten(1)
    return F.normalize(a @ a.T, p=2, dim=1)


def similarity_preserving_loss(student, teacher):
    r"""Similarity-preserving loss (Tung and Mori, ICCV 2019).

    With :math:`A` the batch of activations flattened to rows,
    :math:`\tilde G = A A^\top` and :math:`G` its rows divided by their L2
    norm,

    .. math::
        L_{SP} = \frac{1}{b^2} \lVert G_S - G_T \rVert_F^2 .

    Student and teacher may have any (different) widths or map shapes: only
    the :math:`b \times b` similarities are compared.

    Parameters
    ----------
    student : torch.Tensor of shape (batch, ...)
    teacher : torch.Tensor of shape (batch, ...)

    Returns
    -------
    loss : torch.Tensor (scalar)
    """
    _check_pair(student, teacher, "similarity_preserving_loss")
    batch = student.shape[0]
    return (_similarity(student) - _similarity(teacher)).pow(2).sum() / batch**2


def _attention_map(feature_map):
    # Zagoruyko & Komodakis: mean over channels of the squared activations.
    return feature_map.pow(2).mean(dim=1)


def attention_loss(student_maps, teacher_maps):
    r"""Attention transfer loss (Zagoruyko and Komodakis, ICLR 2017).

    For each pair of feature maps of shape ``(batch, channels, *spatial)``,
    the attention map :math:`Q = \frac{1}{C}\sum_c A_c^2` is flattened and
    L2-normalised per sample, and

    .. math::
        L_{AT} = \sum_{\text{pairs}} \frac{1}{b\,n}
        \sum_i \left\lVert \frac{Q_{S,i}}{\lVert Q_{S,i} \rVert_2}
        - \frac{Q_{T,i}}{\lVert Q_{T,i} \rVert_2} \right\rVert_2^2

    (:math:`n` attention positions, the mean of the reference code). When
    the two attention maps of a pair differ in size, the larger is
    average-pooled (``adaptive_avg_pool``) to the smaller one's size.

    Parameters
    ----------
    student_maps : torch.Tensor or list of torch.Tensor
        Student feature maps, e.g. ``student.forward_features(x)``.
    teacher_maps : torch.Tensor or list of torch.Tensor
        Teacher feature maps, paired with the student's in order.

    Returns
    -------
    loss : torch.Tensor (scalar)

    Raises
    ------
    ValueError
        If the lists differ in length, or a pair differs in batch size or in
        the number of spatial axes (e.g. an image map and a time series map).
    """
    if isinstance(student_maps, torch.Tensor):
        student_maps = [student_maps]
    if isinstance(teacher_maps, torch.Tensor):
        teacher_maps = [teacher_maps]
    student_maps, teacher_maps = list(student_maps), list(teacher_maps)
    if len(student_maps) != len(teacher_maps) or not student_maps:
        raise ValueError(
            "attention_loss pairs student and teacher feature maps in order: got "
            f"{len(student_maps)} student and {len(teacher_maps)} teacher maps; "
            "pass the same, non-zero number of each."
        )
    total = 0.0
    for index, (s, t) in enumerate(zip(student_maps, teacher_maps, strict=True)):
        if s.ndim < 3 or s.ndim != t.ndim:
            raise ValueError(
                f"attention_loss pair {index}: feature maps must be (batch, "
                f"channels, *spatial) with the same number of spatial axes, got "
                f"shapes {tuple(s.shape)} and {tuple(t.shape)}."
            )
        if s.shape[0] != t.shape[0]:
            raise ValueError(
                f"attention_loss pair {index}: batch sizes differ "
                f"({s.shape[0]} vs {t.shape[0]})."
            )
        qs, qt = _attention_map(s), _attention_map(t)
        if qs.shape[1:] != qt.shape[1:]:
            size = tuple(
                min(a, b) for a, b in zip(qs.shape[1:], qt.shape[1:], strict=True)
            )
            if len(size) > 3:
                raise ValueError(
                    f"attention_loss pair {index}: cannot resize attention maps "
                    f"with {len(size)} spatial axes (at most 3)."
                )
            pool = (
                F.adaptive_avg_pool1d,
                F.adaptive_avg_pool2d,
                F.adaptive_avg_pool3d,
            )[len(size) - 1]
            qs = pool(qs.unsqueeze(1), size).squeeze(1)
            qt = pool(qt.unsqueeze(1), size).squeeze(1)
        qs = F.normalize(qs.flatten(1), p=2, dim=1)
        qt = F.normalize(qt.flatten(1), p=2, dim=1)
        total = total + (qs - qt).pow(2).mean()
    return total
