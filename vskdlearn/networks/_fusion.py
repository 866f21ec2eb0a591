"""Late-fusion teacher over several modalities."""

from collections.abc import Mapping

import torch
from torch import nn

from .._modality_kinds import MODALITY_KINDS
from ._base import check_positive_int, check_probability
from ._layers import EmbeddingNetwork, shared_docs

__all__ = ["FusionTeacher"]


def _infer_kind(name, shape):
    # The registry's kinds, in order: a name hint first, then the shape.
    lowered = name.lower()
    for kind, entry in MODALITY_KINDS.items():
        if any(word in lowered for word in entry.name_hints):
            return kind
    for kind, entry in MODALITY_KINDS.items():
        if entry.looks_like(shape):
            return kind
    raise ValueError(
        f"cannot tell which branch modality {name!r} of per-sample shape {shape} "
        "needs: expected "
        + ", ".join(f"{k.sample_layout} for {k.name}" for k in MODALITY_KINDS.values())
        + f" (one sample's shape). Pass modality_kinds={{{name!r}: "
        + " | ".join(repr(kind) for kind in MODALITY_KINDS)
        + "}."
    )


def _check_shape(name, shape):
    try:
        shape = tuple(shape)
    except TypeError:
        raise TypeError(
            f"input_shape[{name!r}] must be a tuple of ints (the shape of one "
            f"sample), got {shape!r}."
        ) from None
    return shape


@shared_docs
class FusionTeacher(EmbeddingNetwork):
    """One branch per modality, late-fused into one embedding.

    Each modality gets the network made for it, with an embedding of width
    ``branch_dim``: skeletons a :class:`SkeletonTeacher`, ``(n_channels,
    n_timestamps)`` sensor series (accelerometer, gyroscope, ...) a
    :class:`SensorCNN`, videos (and depth, as one-channel video) a
    :class:`VideoTRNTeacher`. The branch is chosen from the modality's name
    (``"skeleton"``, ``"accelerometer"``, ``"gyroscope"``, ``"inertial"``,
    ``"video"``, ``"depth"``, ...) or, failing that, from its shape; pass
    ``modality_kinds`` to choose yourself. The branch embeddings are
    concatenated and mapped by ``fc0`` (ReLU) to the fused embedding, which
    the ``classifier`` reads.

    In training mode, each branch embedding of each sample is dropped (set
    to zero, the others rescaled) with probability ``modality_dropout``,
    never all of them at once, so that no modality can carry the whole
    decision and the fused embedding stays informative when one modality is
    weak.

    Parameters
    ----------
    {n_classes}
    input_shape : dict of str to tuple of int
        Modality name to the shape of one sample of it, e.g.
        ``{"skeleton": (32, 20, 3), "accelerometer": (3, 128)}``.
    embedding_dim : int, default=256
        Width of the fused embedding.
    branch_dim : int, default=128
        Width of each branch's embedding.
    modality_dropout : float, default=0.2
        Probability of dropping a branch embedding of a sample in training.
    dropout : float, default=0.3
        Dropout before the classifier (and inside the branches).
    modality_kinds : dict of str to str, optional
        Modality name to ``"skeleton"``, ``"sensor"``, ``"video"`` or
        ``"depth"``, overriding the choice made from names and shapes.
    branch_params : dict of str to dict, optional
        Extra constructor arguments per modality name, e.g.
        ``{"skeleton": {"root_joint": 0}}``.

    Attributes
    ----------
    embedding_dim : int
        Width of the fused embedding returned by :meth:`forward`.
    branches : torch.nn.ModuleDict
        The branch network of each modality.
    modality_kinds : dict of str to str
        The branch kind chosen for each modality.

    Examples
    --------
    >>> import torch
    >>> from vskdlearn.networks import FusionTeacher
    >>> net = FusionTeacher(
    ...     n_classes=27,
    ...     input_shape={"skeleton": (32, 20, 3), "accelerometer": (3, 128)},
    ... )
    >>> logits, embedding = net(
    ...     skeleton=torch.randn(2, 32, 20, 3), accelerometer=torch.randn(2, 3, 128)
    ... )
    {teacher_example_shapes}
    """

    def __init__(
        self,
        n_classes,
        input_shape,
        embedding_dim=256,
        branch_dim=128,
        modality_dropout=0.2,
        dropout=0.3,
        modality_kinds=None,
        branch_params=None,
    ):
        from .. import networks

        super().__init__()
        self.n_classes = check_positive_int(n_classes, "n_classes")
        if not isinstance(input_shape, Mapping) or not input_shape:
            raise ValueError(
                "FusionTeacher input_shape must be a non-empty dict of modality "
                "name to per-sample shape, e.g. {'skeleton': (32, 20, 3), "
                f"'accelerometer': (3, 128)}}; got {input_shape!r}."
            )
        self.input_shape = {
            str(name): _check_shape(name, shape) for name, shape in input_shape.items()
        }
        self.embedding_dim = check_positive_int(embedding_dim, "embedding_dim")
        self.branch_dim = check_positive_int(branch_dim, "branch_dim")
        self.modality_dropout = check_probability(modality_dropout, "modality_dropout")
        self.dropout = check_probability(dropout, "dropout")

        modality_kinds = dict(modality_kinds or {})
        branch_params = dict(branch_params or {})
        for label, given in (
            ("modality_kinds", modality_kinds),
            ("branch_params", branch_params),
        ):
            unknown = sorted(set(given) - set(self.input_shape))
            if unknown:
                raise ValueError(
                    f"{label} names modalities {unknown} that are not in "
                    f"input_shape {sorted(self.input_shape)}."
                )
        for name, kind in modality_kinds.items():
            if kind not in MODALITY_KINDS:
                raise ValueError(
                    f"modality_kinds[{name!r}] must be one of {tuple(MODALITY_KINDS)}, "
                    f"got {kind!r}."
                )

        self.modality_kinds = {}
        self.branches = nn.ModuleDict()
        for name, shape in self.input_shape.items():
            kind = modality_kinds.get(name) or _infer_kind(name, shape)
            self.modality_kinds[name] = kind
            params = {
                "n_classes": self.n_classes,
                "embedding_dim": self.branch_dim,
                "dropout": self.dropout,
                **branch_params.get(name, {}),
            }
            try:
                entry = MODALITY_KINDS[kind]
                network = getattr(networks, entry.network)
                branch = network(input_shape=entry.network_shape(shape), **params)
            except ValueError as exc:
                raise ValueError(f"modality {name!r} (branch {kind!r}): {exc}") from exc
            # Only the branch embedding is used: a branch classifier would be
            # parameters that never receive a gradient.
            branch.classifier = nn.Identity()
            self.branches[name] = branch

        fused_width = self.branch_dim * len(self.branches)
        self._add_head(fused_width)

    def _drop_modalities(self, embeddings):
        batch, n_branches = embeddings[0].shape[0], len(embeddings)
        device = embeddings[0].device
        keep = torch.rand(batch, n_branches, device=device) >= self.modality_dropout
        # A sample that lost every modality keeps one, chosen at random.
        empty = ~keep.any(dim=1)
        if empty.any():
            chosen = torch.randint(n_branches, (batch,), device=device)
            keep[empty, chosen[empty]] = True
        scale = n_branches / keep.sum(dim=1, keepdim=True).float()
        weights = keep.float() * scale
        return [e * weights[:, i : i + 1] for i, e in enumerate(embeddings)]

    @shared_docs
    def forward(self, **modalities):
        """Classify a batch of multimodal recordings.

        Parameters
        ----------
        **modalities : torch.Tensor
            One keyword per modality named in ``input_shape``, each of shape
            ``(batch, *input_shape[name])``.

        Returns
        -------
        {returns}
        """
        missing = sorted(set(self.input_shape) - set(modalities))
        unexpected = sorted(set(modalities) - set(self.input_shape))
        if missing or unexpected:
            raise ValueError(
                f"FusionTeacher was built for modalities {sorted(self.input_shape)}; "
                f"missing {missing}, unexpected {unexpected}."
            )
        embeddings = []
        for name, branch in self.branches.items():
            entry = MODALITY_KINDS[self.modality_kinds[name]]
            embeddings.append(branch(entry.to_network(modalities[name]))[1])
        if self.training and self.modality_dropout > 0 and len(embeddings) > 1:
            embeddings = self._drop_modalities(embeddings)
        return self._classify(torch.cat(embeddings, dim=1))
