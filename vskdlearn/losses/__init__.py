"""Distillation losses: DASK and the baselines it is compared with.

Plain torch functions for each term and :class:`DistillationLoss`, the
module an estimator trains a student with.
"""

from ._distillation import DistillationLoss
from ._functional import (
    angle_loss,
    attention_loss,
    distance_loss,
    pairwise_distances,
    semantic_loss,
    similarity_preserving_loss,
    soft_label_loss,
)
from ._terms import PAPER_DASK_WEIGHTS

__all__ = [
    "DistillationLoss",
    "PAPER_DASK_WEIGHTS",
    "angle_loss",
    "attention_loss",
    "distance_loss",
    "pairwise_distances",
    "semantic_loss",
    "similarity_preserving_loss",
    "soft_label_loss",
]
