"""The registry of loss terms: the one list the loss, the student estimator
and the experiment config (so ``vskd run --grid``) read.

Adding a term is an entry in ``LOSS_TERMS`` (and its name under the methods
of ``METHOD_TERMS`` that add it), its function in ``_functional.py``, and its
``<name>_weight`` line in the signatures of ``DistillationLoss`` and
``DistilledStudentClassifier`` (scikit-learn reads parameters from the
signature; tests check both against this registry).
"""

from collections.abc import Callable
from dataclasses import dataclass
from typing import NamedTuple

import torch
import torch.nn.functional as F

from ._functional import (
    angle_loss,
    attention_loss,
    distance_loss,
    semantic_loss,
    similarity_preserving_loss,
    soft_label_loss,
)


class Batch(NamedTuple):
    """What a term is computed from, checked by ``DistillationLoss.forward``.

    ``student_embedding`` is projected to the teacher's width for ``"dask"``;
    the teacher's tensors are detached.
    """

    student_logits: torch.Tensor
    student_embedding: torch.Tensor | None
    y: torch.Tensor
    teacher_logits: torch.Tensor | None
    teacher_embedding: torch.Tensor | None
    student_features: list | None
    teacher_features: list | None
    temperature: float


@dataclass(frozen=True)
class LossTerm:
    """One term of the distillation loss.

    Parameters
    ----------
    compute : callable
        ``compute(batch) -> scalar tensor``, the unweighted term of a
        :class:`Batch`.
    default : float
        Default of the student's ``<name>_weight``.
    needs : tuple of str
        Teacher outputs the term reads, among ``"teacher_logits"``,
        ``"teacher_embedding"`` (with the student's embedding) and
        ``"teacher_features"`` (with the student's feature maps).
    paper : float, optional
        The weight of the paper's DASK (Ni et al., 2022), the default of
        :class:`DistillationLoss`; ``None``: the same as ``default``.
    parameters : tuple of str
        Other loss parameters the term reads (they follow its weight in the
        estimator's parameters and in a grid search).
    grid : bool
        Whether ``vskd run --grid`` may vary its weight (and ``parameters``).
    """

    compute: Callable
    default: float
    needs: tuple = ()
    paper: float | None = None
    parameters: tuple = ()
    grid: bool = False

    @property
    def loss_default(self):
        return self.default if self.paper is None else self.paper


def _on_embeddings(function, default, **kwargs):
    """A term comparing the student's embedding with the teacher's."""
    return LossTerm(
        lambda b: function(b.student_embedding, b.teacher_embedding),
        default,
        needs=("teacher_embedding",),
        **kwargs,
    )


LOSS_TERMS = {
    "ce": LossTerm(lambda b: F.cross_entropy(b.student_logits, b.y), 1.0, grid=True),
    "kd": LossTerm(
        lambda b: soft_label_loss(b.student_logits, b.teacher_logits, b.temperature),
        1.0,
        needs=("teacher_logits",),
        parameters=("temperature",),
        grid=True,
    ),
    "distance": _on_embeddings(distance_loss, 0.0, paper=1.0, grid=True),
    "angle": _on_embeddings(angle_loss, 0.0, paper=2.0, grid=True),
    "semantic": _on_embeddings(semantic_loss, 0.0, paper=1.0, grid=True),
    "sp": _on_embeddings(similarity_preserving_loss, 3000.0),
    "attention": LossTerm(
        lambda b: attention_loss(b.student_features, b.teacher_features),
        1000.0,
        needs=("teacher_features",),
    ),
}

# The terms each method adds up, each scaled by the parameter "<term>_weight".
METHOD_TERMS = {
    "none": ("ce",),
    "kd": ("ce", "kd"),
    "rkd": ("ce", "distance", "angle"),
    "sp": ("ce", "sp"),
    "at": ("ce", "attention"),
    "dask": ("ce", "kd", "distance", "angle", "semantic"),
}


def weight_name(term):
    """The parameter that scales ``term``: ``"<term>_weight"``."""
    return f"{term}_weight"


def loss_parameters(*, grid_only=False):
    """The loss's parameters in order: each term's weight, then its others."""
    return tuple(
        name
        for term, spec in LOSS_TERMS.items()
        if spec.grid or not grid_only
        for name in (weight_name(term), *spec.parameters)
    )


# The relational weights of the paper's DASK (Ni et al., 2022). The student's
# defaults switch them off: measured on UTD-MHAD, they cost accuracy on top
# of the soft labels (docs/benchmarks/selection.rst).
PAPER_DASK_WEIGHTS = {
    weight_name(term): spec.paper
    for term, spec in LOSS_TERMS.items()
    if spec.paper is not None
}
