"""Each loss term against values computed by hand on tiny tensors."""

import math

import pytest
import torch

from vskdlearn.losses import (
    angle_loss,
    attention_loss,
    distance_loss,
    pairwise_distances,
    semantic_loss,
    similarity_preserving_loss,
    soft_label_loss,
)

# A 3-4-5 right triangle and three collinear points.
TRIANGLE = torch.tensor([[0.0, 0.0], [3.0, 0.0], [0.0, 4.0]])
LINE = torch.tensor([[0.0, 0.0], [1.0, 0.0], [2.0, 0.0]])


def test_pairwise_distances_by_hand():
    expected = torch.tensor([[0.0, 3.0, 4.0], [3.0, 0.0, 5.0], [4.0, 5.0, 0.0]])
    torch.testing.assert_close(pairwise_distances(TRIANGLE), expected)


def test_distance_loss_by_hand_quadratic_part():
    # Triangle: distances 3, 4, 5 (pairs 01, 02, 12), mean 4 -> 0.75, 1, 1.25.
    # Line: distances 1, 2, 1, mean 4/3 -> 0.75, 1.5, 0.75.
    # Differences 0, -0.5, 0.5: smooth-L1 0.5 * x**2 = 0, 0.125, 0.125.
    # Each pair appears twice among the 9 ordered pairs (diagonal: 0):
    # 2 * 0.25 / 9.
    value = distance_loss(TRIANGLE, LINE)
    assert value.item() == pytest.approx(2 * 0.25 / 9, rel=1e-6)


def test_distance_loss_by_hand_linear_part_and_duplicates():
    # Student: 1-D points 0, 0, 0, 1 (three duplicates). Non-zero distances
    # (pairs 03, 13, 23) are all 1, mean 1; pairs 01, 02, 12 are 0.
    # Teacher: 0, 1, 2, 3 -> pairs 01..23: 1, 2, 3, 1, 2, 1, mean 10/6, so
    # normalised 0.6, 1.2, 1.8, 0.6, 1.2, 0.6.
    # Student in the same order: 0, 0, 1, 0, 1, 1.
    # Differences -0.6, -1.2, -0.8, -0.6, -0.2, 0.4 -> smooth-L1
    # 0.18, 0.7 (|x| - 0.5), 0.32, 0.18, 0.02, 0.08: sum 1.48, twice, / 16.
    student = torch.tensor([[0.0], [0.0], [0.0], [1.0]])
    teacher = torch.tensor([[0.0], [1.0], [2.0], [3.0]])
    assert distance_loss(student, teacher).item() == pytest.approx(2 * 1.48 / 16)


def test_angle_loss_by_hand():
    # Student: right angle at point 0 of (0,0), (1,0), (0,1): cosines at
    # point 0, 1, 2 are 0, 1/sqrt(2), 1/sqrt(2).
    # Teacher (collinear 0, 1, 2): cosines 1, -1, 1.
    # Of the 27 triplets (i, j, k), for each j: two with i == k != j give 1
    # on both sides, two give the cosine at j, the other five give 0.
    # Differences at j: -1 -> 0.5; 1/sqrt(2) + 1 -> |x| - 0.5;
    # 1/sqrt(2) - 1 -> 0.5 x**2; twice each: total 3.5 exactly, / 27.
    student = torch.tensor([[0.0, 0.0], [1.0, 0.0], [0.0, 1.0]])
    assert angle_loss(student, LINE).item() == pytest.approx(3.5 / 27, rel=1e-6)


def test_semantic_loss_by_hand():
    # Squared differences 0, 4, 9, 0 -> mean 13 / 4.
    s = torch.tensor([[1.0, 2.0], [3.0, 4.0]])
    t = torch.tensor([[1.0, 0.0], [0.0, 4.0]])
    assert semantic_loss(s, t).item() == pytest.approx(3.25)


@pytest.mark.parametrize("temperature", [1.0, 2.0, 4.0])
def test_soft_label_loss_by_hand(temperature):
    # Row 0: teacher softmax(v / T) = (3/4, 1/4), student (1/2, 1/2):
    # KL = 3/4 ln(3/2) + 1/4 ln(1/2). Row 1: identical logits, KL = 0.
    # batchmean: / 2, then * T**2.
    z = torch.tensor([[0.0, 0.0], [1.0, -1.0]])
    v = torch.tensor([[temperature * math.log(3.0), 0.0], [1.0, -1.0]])
    kl = 0.75 * math.log(1.5) + 0.25 * math.log(0.5)
    expected = temperature**2 * kl / 2
    assert soft_label_loss(z, v, temperature).item() == pytest.approx(expected)


def test_similarity_preserving_loss_by_hand():
    # Student rows orthogonal: G = I. Teacher rows equal: G = all ones,
    # rows normalised to 1/sqrt(2). ||G_S - G_T||^2 = 2 (1 - 1/sqrt(2))^2
    # + 2 * 1/2 = 4 - 2 sqrt(2); / b^2 = 4.
    s = torch.tensor([[1.0, 0.0], [0.0, 1.0]])
    t = torch.tensor([[1.0, 0.0, 0.0], [1.0, 0.0, 0.0]])
    expected = (4 - 2 * math.sqrt(2)) / 4
    assert similarity_preserving_loss(s, t).item() == pytest.approx(expected)


def test_attention_loss_by_hand():
    # Student: one channel [[1, 0], [0, 0]] -> Q = (1, 0, 0, 0), normalised
    # the same. Teacher: channels [[2, 0], [0, 0]] and [[0, 0], [0, 2]] ->
    # Q = mean of squares = (2, 0, 0, 2) -> (1, 0, 0, 1) / sqrt(2).
    # Squared differences (1 - 1/sqrt(2))^2, 0, 0, 1/2; mean over 4.
    s = torch.tensor([[[[1.0, 0.0], [0.0, 0.0]]]])
    t = torch.tensor([[[[2.0, 0.0], [0.0, 0.0]], [[0.0, 0.0], [0.0, 2.0]]]])
    expected = ((1 - 1 / math.sqrt(2)) ** 2 + 0.5) / 4
    assert attention_loss([s], [t]).item() == pytest.approx(expected)
    # A single tensor is one pair; several pairs add up.
    assert attention_loss(s, t).item() == pytest.approx(expected)
    assert attention_loss([s, s], [t, t]).item() == pytest.approx(2 * expected)


def test_attention_loss_resizes_the_larger_map():
    # Teacher 4x4 map, energy only in its top-left 2x2 block: pooled to 2x2
    # it is (4, 0, 0, 0) -> normalised like the student's (1, 0, 0, 0).
    s = torch.tensor([[[[1.0, 0.0], [0.0, 0.0]]]])
    t = torch.zeros(1, 1, 4, 4)
    t[..., :2, :2] = 2.0
    assert attention_loss(s, t).item() == pytest.approx(0.0, abs=1e-7)
    assert attention_loss(t, s).item() == pytest.approx(0.0, abs=1e-7)


@pytest.mark.parametrize(
    ("student", "teacher", "message"),
    [
        (torch.zeros(2, 3, 4, 4), torch.zeros(2, 3, 16), "same number of spatial"),
        (torch.zeros(2, 3, 4, 4), torch.zeros(3, 3, 4, 4), "batch sizes differ"),
        ([torch.zeros(2, 3, 4, 4)] * 2, [torch.zeros(2, 3, 4, 4)], "1 teacher"),
        (torch.zeros(2, 3), torch.zeros(2, 3), "channels, \\*spatial"),
    ],
)
def test_attention_loss_errors(student, teacher, message):
    with pytest.raises(ValueError, match=message):
        attention_loss(student, teacher)


@pytest.mark.parametrize(
    ("function", "student", "teacher", "message"),
    [
        (distance_loss, torch.zeros(3, 2), torch.zeros(4, 2), "batches differ"),
        (angle_loss, torch.zeros(3, 2), torch.zeros(2, 2), "same samples"),
        (semantic_loss, torch.zeros(3, 2), torch.zeros(3, 4), "project the student"),
        (similarity_preserving_loss, torch.zeros(3), torch.zeros(3), "batch"),
        (soft_label_loss, torch.zeros(3, 2), torch.zeros(3, 5), "element-wise"),
    ],
)
def test_shape_errors(function, student, teacher, message):
    with pytest.raises(ValueError, match=message):
        function(student, teacher)


@pytest.mark.parametrize("temperature", [0.0, -1.0])
def test_soft_label_loss_rejects_bad_temperature(temperature):
    with pytest.raises(ValueError, match="temperature must be > 0"):
        soft_label_loss(torch.zeros(2, 3), torch.zeros(2, 3), temperature)


def _random(seed, shape):
    return torch.randn(*shape, generator=torch.Generator().manual_seed(seed))


@pytest.mark.parametrize("factor", [1e-3, 0.5, 7.0, 1e3])
def test_distance_loss_invariant_to_scaling_either_space(factor):
    s, t = _random(0, (6, 5)), _random(1, (6, 3))
    reference = distance_loss(s, t)
    assert reference.item() > 0.01
    torch.testing.assert_close(distance_loss(factor * s, t), reference)
    torch.testing.assert_close(distance_loss(s, factor * t), reference)


def test_angle_loss_invariant_to_translation_scaling_and_rotation():
    s, t = _random(0, (5, 2)), _random(1, (5, 4))
    reference = angle_loss(s, t)
    assert reference.item() > 0.01
    rotation = torch.tensor([[0.6, -0.8], [0.8, 0.6]])
    torch.testing.assert_close(angle_loss(3.0 * s @ rotation + 5.0, t), reference)
    torch.testing.assert_close(angle_loss(s, 0.1 * t - 2.0), reference)


@pytest.mark.parametrize(
    "function",
    [
        distance_loss,
        angle_loss,
        semantic_loss,
        similarity_preserving_loss,
        soft_label_loss,
    ],
)
def test_zero_when_student_equals_teacher(function):
    x = _random(2, (6, 4))
    assert function(x, x.clone()).item() == pytest.approx(0.0, abs=1e-6)
    assert function(x, _random(3, (6, 4))).item() > 1e-3


def test_attention_loss_zero_when_maps_agree():
    x = _random(2, (3, 4, 5, 5))
    assert attention_loss(x, x.clone()).item() == pytest.approx(0.0, abs=1e-7)
    # Only where the energy is matters, not how many channels carry it.
    assert attention_loss(x, torch.cat([x, x], dim=1)).item() == pytest.approx(
        0.0, abs=1e-7
    )


def test_relational_losses_degenerate_batches_are_zero_and_finite():
    one = torch.ones(1, 3, requires_grad=True)
    same = torch.ones(4, 3, requires_grad=True)
    for s in (one, same):
        value = distance_loss(s, _random(0, (s.shape[0], 2)))
        assert value.item() == 0.0
        value.backward()
        assert torch.isfinite(s.grad).all()


@pytest.mark.parametrize(
    "function",
    [distance_loss, angle_loss, semantic_loss, similarity_preserving_loss],
)
def test_gradients_are_finite_with_duplicate_points(function):
    # Duplicated samples give zero-length differences: no NaN may come out.
    s = torch.tensor(
        [[0.0, 1.0], [0.0, 1.0], [2.0, 0.5], [1.0, 1.0]], requires_grad=True
    )
    t = torch.tensor([[1.0, 0.0], [0.0, 1.0], [0.5, 0.5], [0.0, 0.0]])
    function(s, t).backward()
    assert torch.isfinite(s.grad).all()
    assert s.grad.abs().sum() > 0
