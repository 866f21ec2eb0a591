"""The training objective of a distilled student: DASK and its baselines."""

import math
import numbers

import torch
from torch import nn

from ._terms import LOSS_TERMS, METHOD_TERMS, Batch, weight_name

__all__ = ["DistillationLoss"]

# The terms each method adds up (kept under its former name).
TERMS = METHOD_TERMS


def _check_weight(value, name, *, positive=False):
    if (
        isinstance(value, bool)
        or not isinstance(value, numbers.Real)
        or not math.isfinite(value)
        or (value <= 0 if positive else value < 0)
    ):
        bound = "> 0" if positive else ">= 0"
        raise ValueError(f"{name} must be a finite number {bound}, got {value!r}.")
    return float(value)


def _check_dim(value, name):
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, numbers.Integral) or value < 1:
        raise ValueError(f"{name} must be a positive int or None, got {value!r}.")
    return int(value)


class DistillationLoss(nn.Module):
    r"""Loss of a student learning from labels and from a teacher.

    The total is a weighted sum of terms, chosen by ``distillation``:

    ============  ===============================================================
    ``"none"``    ``ce_weight * CE``
    ``"kd"``      ``ce_weight * CE + kd_weight * soft labels``
    ``"rkd"``     ``ce_weight * CE + distance_weight * D + angle_weight * A``
    ``"sp"``      ``ce_weight * CE + sp_weight * SP``
    ``"at"``      ``ce_weight * CE + attention_weight * AT``
    ``"dask"``    ``ce_weight * CE + kd_weight * soft labels + distance_weight
                  * D + angle_weight * A + semantic_weight * S``
    ============  ===============================================================

    with CE the cross-entropy with the labels and the other terms from
    :mod:`vskdlearn.losses` (:func:`soft_label_loss`, :func:`distance_loss`,
    :func:`angle_loss`, :func:`similarity_preserving_loss`,
    :func:`attention_loss`, :func:`semantic_loss`). Weights of terms a method
    does not use are ignored, so one set of parameters serves every method.

    For ``"dask"`` the student embedding is first mapped to the teacher's
    width by a learned linear layer :attr:`projection` (created when
    ``student_dim`` and ``teacher_dim`` differ; the identity otherwise), and
    the distance, angle and semantic terms all use the projected embedding.
    The projection's parameters belong to this module: train them with the
    student. ``"rkd"`` and ``"sp"`` compare relations within each space and
    need no projection.

    The teacher's outputs are constants: they are detached here, so no
    gradient can reach the teacher whatever the caller does.

    Parameters
    ----------
    distillation : {"dask", "kd", "rkd", "sp", "at", "none"}, default="dask"
        Method.
    ce_weight : float, default=1.0
        Weight of the cross-entropy with the true labels.
    kd_weight : float, default=1.0
        Weight of the soft-label term.
    temperature : float, default=4.0
        Softmax temperature of the soft-label term, > 0.
    distance_weight : float, default=1.0
        Weight of the distance-wise term.
    angle_weight : float, default=2.0
        Weight of the angle-wise term (the RKD reference code uses twice the
        distance weight).
    semantic_weight : float, default=1.0
        Weight of the semantic term.
    sp_weight : float, default=3000.0
        Weight of the similarity-preserving term (Tung and Mori's value).
    attention_weight : float, default=1000.0
        Weight of the attention-transfer term (Zagoruyko and Komodakis's
        value).
    student_dim, teacher_dim : int, optional
        Embedding widths; needed for ``"dask"`` when they differ.

    Attributes
    ----------
    projection : torch.nn.Module
        ``nn.Linear(student_dim, teacher_dim)`` or ``nn.Identity()``.
    terms : tuple of str
        Terms of the chosen method.
    last_terms : dict of str to float
        After each call, the unweighted value of every term whose weight is
        non-zero, and ``"total"``. Terms with weight 0 are not computed.
    last_term_tensors : dict of str to torch.Tensor
        The same values as detached 0-d tensors on the loss's device (what
        training records per batch: reading them does not wait for a GPU).

    Examples
    --------
    >>> import torch
    >>> from vskdlearn.losses import DistillationLoss
    >>> loss = DistillationLoss("dask", student_dim=64, teacher_dim=256)
    >>> total = loss(
    ...     torch.randn(8, 27), torch.randn(8, 64), torch.randint(27, (8,)),
    ...     teacher_logits=torch.randn(8, 27), teacher_embedding=torch.randn(8, 256),
    ... )
    >>> sorted(loss.last_terms)
    ['angle', 'ce', 'distance', 'kd', 'semantic', 'total']
    """

    def __init__(
        self,
        distillation="dask",
        ce_weight=1.0,
        kd_weight=1.0,
        temperature=4.0,
        distance_weight=1.0,
        angle_weight=2.0,
        semantic_weight=1.0,
        sp_weight=3000.0,
        attention_weight=1000.0,
        student_dim=None,
        teacher_dim=None,
    ):
        super().__init__()
        # The signature holds one "<term>_weight" per term of LOSS_TERMS.
        arguments = locals()
        if distillation not in TERMS:
            raise ValueError(
                f"distillation must be one of {sorted(TERMS)}, got {distillation!r}."
            )
        self.distillation = distillation
        self.terms = TERMS[distillation]
        self.weights = {
            term: _check_weight(arguments[weight_name(term)], weight_name(term))
            for term in LOSS_TERMS
        }
        self.temperature = _check_weight(temperature, "temperature", positive=True)
        self.student_dim = _check_dim(student_dim, "student_dim")
        self.teacher_dim = _check_dim(teacher_dim, "teacher_dim")
        if (
            distillation == "dask"
            and self.student_dim is not None
            and self.teacher_dim is not None
            and self.student_dim != self.teacher_dim
        ):
            self.projection = nn.Linear(self.student_dim, self.teacher_dim)
        else:
            self.projection = nn.Identity()
        self.last_term_tensors = {}

    def extra_repr(self):
        weights = ", ".join(f"{t}_weight={self.weights[t]:g}" for t in self.terms)
        return f"distillation={self.distillation!r}, {weights}"

    def _require(self, value, name, batch):
        if value is None:
            raise ValueError(
                f"distillation={self.distillation!r} needs {name}; pass the "
                "teacher's outputs for the same samples, in the same order (or use "
                "distillation='none')."
            )
        if value.shape[0] != batch:
            raise ValueError(
                f"{name} has {value.shape[0]} samples but the student batch has "
                f"{batch}; teacher and student outputs must come from the same "
                "samples in the same order."
            )
        # The teacher is a constant for the student's loss.
        return value.detach()

    def _teacher_logits(self, teacher_logits, student_logits):
        teacher_logits = self._require(
            teacher_logits, "teacher_logits", student_logits.shape[0]
        )
        if teacher_logits.shape != student_logits.shape:
            raise ValueError(
                f"teacher_logits has shape {tuple(teacher_logits.shape)} but "
                f"student_logits {tuple(student_logits.shape)}: the teacher "
                "must have been trained on the same classes."
            )
        return teacher_logits

    def _teacher_embedding(self, teacher_embedding, student_embedding, batch):
        teacher_embedding = self._require(teacher_embedding, "teacher_embedding", batch)
        if student_embedding is None:
            raise ValueError(
                f"distillation={self.distillation!r} needs student_embedding."
            )
        return teacher_embedding

    def _teacher_features(self, teacher_features, student_features, batch):
        if student_features is None:
            raise ValueError(
                f"distillation={self.distillation!r} needs student_features (the "
                "student's forward_features(x))."
            )
        if teacher_features is None:
            raise ValueError(
                f"distillation={self.distillation!r} needs teacher_features (the "
                "teacher's feature maps for the same samples)."
            )
        if isinstance(teacher_features, torch.Tensor):
            teacher_features = [teacher_features]
        return [self._require(t, "teacher_features", batch) for t in teacher_features]

    def _projected(self, student_embedding, teacher_embedding):
        width = student_embedding.shape[1]
        if self.student_dim is not None and width != self.student_dim:
            raise ValueError(
                f"student embedding has width {width} but student_dim="
                f"{self.student_dim}."
            )
        projected = self.projection(student_embedding)
        if projected.shape[1] != teacher_embedding.shape[1]:
            raise ValueError(
                f"the student embedding (width {width}) cannot be compared with "
                f"the teacher embedding (width {teacher_embedding.shape[1]}): pass "
                f"student_dim={width} and teacher_dim={teacher_embedding.shape[1]} "
                "so that DistillationLoss learns a projection between them."
            )
        return projected

    def forward(
        self,
        student_logits,
        student_embedding,
        y,
        teacher_logits=None,
        teacher_embedding=None,
        student_features=None,
        teacher_features=None,
    ):
        """Compute the total loss of a batch and record its terms.

        Parameters
        ----------
        student_logits : torch.Tensor of shape (batch, n_classes)
        student_embedding : torch.Tensor of shape (batch, student_dim)
        y : torch.Tensor of shape (batch,)
            Class indices.
        teacher_logits : torch.Tensor of shape (batch, n_classes), optional
            Needed by ``"kd"`` and ``"dask"``.
        teacher_embedding : torch.Tensor of shape (batch, teacher_dim), optional
            Needed by ``"rkd"``, ``"sp"`` and ``"dask"``.
        student_features, teacher_features : list of torch.Tensor, optional
            Paired feature maps, needed by ``"at"``.

        Returns
        -------
        total : torch.Tensor (scalar)
        """
        if student_logits.ndim != 2:
            raise ValueError(
                "student_logits must have shape (batch, n_classes), got "
                f"{tuple(student_logits.shape)}."
            )
        batch = student_logits.shape[0]
        if y.shape != (batch,):
            raise ValueError(
                f"y must have shape ({batch},) like the student batch, got "
                f"{tuple(y.shape)}."
            )
        if student_embedding is not None and student_embedding.shape[0] != batch:
            raise ValueError(
                f"student_embedding has {student_embedding.shape[0]} samples but "
                f"student_logits has {batch}."
            )
        needs = {need for term in self.terms for need in LOSS_TERMS[term].needs}
        if "teacher_logits" in needs:
            teacher_logits = self._teacher_logits(teacher_logits, student_logits)
        if "teacher_embedding" in needs:
            teacher_embedding = self._teacher_embedding(
                teacher_embedding, student_embedding, batch
            )
        if "teacher_features" in needs:
            teacher_features = self._teacher_features(
                teacher_features, student_features, batch
            )
        student = student_embedding
        if self.distillation == "dask":
            student = self._projected(student_embedding, teacher_embedding)
        return self._total(
            Batch(
                student_logits=student_logits,
                student_embedding=student,
                y=y,
                teacher_logits=teacher_logits,
                teacher_embedding=teacher_embedding,
                student_features=student_features,
                teacher_features=teacher_features,
                temperature=self.temperature,
            )
        )

    def _total(self, batch):
        """The weighted sum of the method's terms; records them."""
        total = batch.student_logits.sum() * 0.0
        terms = {}
        for term in self.terms:
            weight = self.weights[term]
            if weight == 0:
                continue
            value = LOSS_TERMS[term].compute(batch)
            terms[term] = value.detach()
            total = total + weight * value
        terms["total"] = total.detach()
        # Tensors: reading them as floats here would wait for the GPU.
        self.last_term_tensors = terms
        return total

    @property
    def last_terms(self):
        return {k: float(v) for k, v in self.last_term_tensors.items()}
