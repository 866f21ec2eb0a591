"""Each student sample meets the teacher outputs of *its own* recording.

The student below is an oracle: its embedding is its input, a random code
unique to the sample, and the teacher's embedding is the code in
``teacher_X``. With the cross-entropy switched off, the DASK terms (soft
labels, distances, angles) are exactly 0 for a batch when each student row
is paired with its own teacher row, and clearly positive when rows are mixed
up. (The semantic term is off: the student rescales teacher embeddings to
unit root-mean-square, which the oracle does not copy.) The authors' released code zipped two independently
shuffled loaders; these tests fail on such a pairing.
"""

import numpy as np
import pytest
import torch
from sklearn import config_context
from sklearn.base import BaseEstimator, ClassifierMixin
from sklearn.frozen import FrozenEstimator
from sklearn.model_selection import KFold, cross_validate
from torch import nn

from vskdlearn import DistilledStudentClassifier

N_CLASSES, CODE = 3, 6


class _Oracle(nn.Module):
    """Returns its input code as embedding (and its head as logits)."""

    def __init__(self, n_classes, input_shape):
        super().__init__()
        self.n_classes = n_classes
        self.scale = nn.Parameter(torch.ones(()))  # something to optimise
        self.seen = []

    def forward(self, x):
        code = x.flatten(1) * self.scale
        if self.training:
            self.seen.append(code[:, 0].detach().clone())
        return code[:, : self.n_classes], code


class _CodeTeacher(ClassifierMixin, BaseEstimator):
    """A fitted teacher whose outputs are the code given as ``teacher_X``."""

    def fit(self, X, y):
        self.classes_ = np.unique(y)
        return self

    def predict_logits_and_embeddings(self, X):
        X = np.asarray(X, dtype=np.float32)
        return X[:, :N_CLASSES], X


def _data(n=48, seed=0):
    rng = np.random.default_rng(seed)
    codes = rng.normal(size=(n, CODE)).astype(np.float32)
    y = np.arange(n) % N_CLASSES
    # The student sees the code as a one-channel series; the teacher sees it too.
    return codes[:, None, :], codes, y


def _student(**params):
    teacher = FrozenEstimator(_CodeTeacher().fit(None, np.arange(N_CLASSES)))
    params = {"augmentation": None, **params}
    return DistilledStudentClassifier(
        teacher,
        _Oracle,
        ce_weight=0.0,
        distance_weight=1.0,
        angle_weight=2.0,
        semantic_weight=0.0,
        # SGD without momentum or decay: a zero loss leaves the oracle as it is.
        optimizer=torch.optim.SGD,
        lr=0.01,
        batch_size=8,
        max_epochs=2,
        random_state=0,
        **params,
    )


# Noise far below the codes' spread: the augmented oracle's loss stays near 0
# when each row meets its own teacher row, and not when rows are mixed up.
_FAINT = {"rotation": 0, "scaling": 0, "time_warp": 0, "crop": 0, "jitter": 1e-5}


def _batch_losses(student, prefix="train"):
    return np.array(
        [
            batch[f"{prefix}_loss"]
            for epoch in student.history_
            for batch in epoch["batches"]
            if f"{prefix}_loss" in batch
        ]
    )


def test_pairs_hold_when_the_training_set_is_shuffled():
    X, teacher_X, y = _data()
    student = _student().fit(X, y, teacher_X=teacher_X)
    assert np.abs(_batch_losses(student)).max() < 1e-6
    # The data loader really shuffled: batches did not come in data order.
    seen = torch.cat(student.net_.module_.backbone.seen[: len(y) // 8]).numpy()
    assert sorted(seen) == sorted(X[:, 0, 0])
    assert not np.array_equal(seen, X[:, 0, 0])

    order = np.random.default_rng(1).permutation(len(y))
    shuffled = _student().fit(X[order], y[order], teacher_X=teacher_X[order])
    assert np.abs(_batch_losses(shuffled)).max() < 1e-6


def test_mixed_up_rows_are_caught():
    # The negative control: the same check fails for a broken pairing.
    X, teacher_X, y = _data()
    order = np.random.default_rng(1).permutation(len(y))
    student = _student().fit(X, y, teacher_X=teacher_X[order])
    assert _batch_losses(student).min() > 0.05


def test_pairs_hold_in_the_validation_split():
    X, teacher_X, y = _data(n=60)
    student = _student(early_stopping=True, validation_fraction=0.2)
    student.fit(X, y, teacher_X=teacher_X)
    assert len(_batch_losses(student, "valid")) > 0
    assert np.abs(_batch_losses(student, "valid")).max() < 1e-6
    assert np.abs(_batch_losses(student)).max() < 1e-6


def test_pairs_hold_under_augmentation_and_a_subject_split():
    from vskdlearn.augmentation import SensorAugmentation

    X, teacher_X, y = _data(n=60)
    subject = np.arange(len(y)) % 5
    student = _student(
        augmentation=SensorAugmentation(**_FAINT),
        early_stopping=True,
        validation_fraction=0.2,
    ).fit(X, y, teacher_X=teacher_X, groups=subject)
    train, valid = _batch_losses(student), _batch_losses(student, "valid")
    assert len(valid) > 0
    assert np.abs(train).max() < 1e-3 and np.abs(valid).max() < 1e-6
    # The augmentation really ran in training (the faint noise is not 0).
    assert np.abs(train).max() > 0
    order = np.random.default_rng(1).permutation(len(y))
    mixed = _student(augmentation=SensorAugmentation(**_FAINT)).fit(
        X, y, teacher_X=teacher_X[order]
    )
    assert _batch_losses(mixed).min() > 0.05


@pytest.mark.parametrize("routing", [True, False])
def test_pairs_hold_in_every_cross_validation_fold(routing):
    X, teacher_X, y = _data(n=60)
    cv = KFold(3, shuffle=True, random_state=0)
    # With routing off, cross_validate passes params to fit, split per fold.
    with config_context(enable_metadata_routing=routing):
        result = cross_validate(
            _student(),
            X,
            y,
            cv=cv,
            return_estimator=True,
            params={"teacher_X": teacher_X},
        )
    for student in result["estimator"]:
        assert np.abs(_batch_losses(student)).max() < 1e-6
