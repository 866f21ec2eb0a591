"""A diverging fit stops with an error; a fitted model never gives NaN."""

import copy

import numpy as np
import pytest
import torch

from vskdlearn import DistilledStudentClassifier, TeacherClassifier


def test_teacher_with_a_huge_lr_refuses_to_pass_off_as_fitted(paired, teacher_small):
    _, skeleton, y = paired
    teacher = TeacherClassifier(lr=1e4, max_epochs=2, random_state=0, **teacher_small)
    with pytest.raises(FloatingPointError, match=r"diverged.*Lower the learning rate"):
        teacher.fit(skeleton, y)
    assert not hasattr(teacher, "net_")


def test_student_with_a_huge_lr_refuses_to_pass_off_as_fitted(paired, student_small):
    images, _, y = paired
    # The cosine schedule starts at lr: the one-cycle default warms up from
    # lr / 25, where these 4 steps stay finite (if useless).
    student = DistilledStudentClassifier(
        distillation="none",
        lr=1e4,
        lr_schedule="cosine",
        max_epochs=2,
        random_state=0,
        **student_small,
    )
    with pytest.raises(FloatingPointError, match=r"diverged.*lr=10000"):
        student.fit(images, y)


class _NaNWhileTraining(torch.nn.Module):
    """Finite in evaluation mode (so the build check passes), NaN in training."""

    def __init__(self, n_classes, input_shape):
        super().__init__()
        self.linear = torch.nn.Linear(int(np.prod(input_shape)), n_classes)

    def forward(self, x):
        logits = self.linear(x.flatten(1))
        if self.training:
            logits = logits * float("nan")
        return logits, logits


def test_a_nan_loss_stops_the_fit_in_its_epoch(paired):
    _, skeleton, y = paired
    teacher = TeacherClassifier(module=_NaNWhileTraining, max_epochs=50)
    with pytest.raises(FloatingPointError, match="loss became nan in epoch 1"):
        teacher.fit(skeleton, y)


def test_non_finite_scores_are_refused_not_returned(paired, fitted_teacher):
    _, skeleton, _ = paired
    teacher = copy.deepcopy(fitted_teacher)
    with torch.no_grad():
        next(teacher.net_.module_.parameters()).fill_(float("nan"))
    for method in (teacher.predict_proba, teacher.predict, teacher.embed):
        with pytest.raises(ValueError, match=r"not finite .* for 36 of 36 samples"):
            method(skeleton)
