"""The real UTD-MHAD depth recordings (skipped when ../shared/datasets lacks them)."""

import numpy as np
import pytest

from vskdlearn import TeacherClassifier
from vskdlearn.datasets import load_utd_mhad

pytestmark = pytest.mark.realdata


@pytest.fixture(scope="module")
def real_depth(request):
    root = request.getfixturevalue("shared_datasets") / "utd_mhad"
    if not (root / "Depth").is_dir():
        pytest.skip(f"{root / 'Depth'} not found")
    return load_utd_mhad(
        root, modalities=("inertial", "depth"), n_frames=16, video_size=(60, 80)
    )


def test_counts_shapes_and_the_official_gaps(real_depth):
    data = real_depth
    assert data.depth.shape == (861, 16, 60, 80)
    assert data.depth.dtype == np.uint16  # millimetres, never floats in memory
    assert data.accelerometer.shape == (861, 3, 128)
    assert set(data.missing["recording"]) == {"a8_s1_t4", "a23_s6_t4", "a27_s8_t4"}
    assert data.missing["official"].all()
    # Segmented clips: background 0, the person 1.5 to 4.5 m away.
    body = data.depth[data.depth > 0]
    assert 0.02 < (data.depth > 0).mean() < 0.3
    assert 1500 < np.median(body) < 4500
    assert (data.frame["n_depth_frames"] >= 16).all()


def test_depth_and_inertial_are_aligned_in_time(real_depth):
    # The silhouette changes most where the wrist sensor feels most
    # acceleration; shifting one by a quarter of the clip breaks that.
    data = real_depth
    arm = data.target < 21  # the hand actions (a1 to a21)
    body = data.depth[arm] > 0
    change = (body[:, 1:] != body[:, :-1]).mean(axis=(2, 3))  # (n, 15)
    middles = (np.arange(change.shape[1]) + 1) / (change.shape[1] + 1)
    acc = np.linalg.norm(data.accelerometer[arm], axis=1)
    acc = np.abs(acc - np.median(acc, axis=1, keepdims=True))
    acc = np.array(
        [
            np.interp(
                middles,
                np.linspace(0, 1, a.size),
                np.convolve(a, np.ones(9) / 9, "same"),
            )
            for a in acc
        ]
    )
    aligned = [np.corrcoef(c, a)[0, 1] for c, a in zip(change, acc, strict=True)]
    shifted = [
        np.corrcoef(c, np.roll(a, 4))[0, 1] for c, a in zip(change, acc, strict=True)
    ]
    assert np.nanmean(aligned) > 0.3
    assert np.nanmean(shifted) < np.nanmean(aligned) - 0.3


@pytest.mark.slow
def test_a_small_depth_teacher_learns_on_real_clips(real_depth):
    # Three whole-body actions (jogging, sit to stand, squat), trained on the
    # cross-subject training subjects and scored on the test subjects.
    data = real_depth
    train, test = data.split("cross_subject")
    keep = np.isin(data.target, [21, 23, 26])
    train, test = train[keep[train]], test[keep[test]]
    teacher = TeacherClassifier(
        modality="depth",
        max_epochs=30,
        batch_size=16,
        lr=3e-3,
        lr_schedule="onecycle",
        random_state=0,
        module__width=8,
        module__embedding_dim=32,
        module__crop_size=(32, 24),
    )
    teacher.fit(data.depth[train], data.target[train])
    assert teacher.score(data.depth[test], data.target[test]) > 0.8
