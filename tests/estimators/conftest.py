"""Tiny paired data and small settings for the estimator tests.

Networks train for a few epochs on a few dozen samples, so each test takes a
fraction of a second; the sizes are the smallest the default networks take.
"""

import numpy as np
import pytest
import torch

# Small networks: the defaults are sized for real data.
TEACHER_SMALL = {"module__hidden_dim": 16, "module__embedding_dim": 16}
STUDENT_SMALL = {"module__width": 4, "module__embedding_dim": 8}


@pytest.fixture
def teacher_small():
    return dict(TEACHER_SMALL)


@pytest.fixture
def student_small():
    return dict(STUDENT_SMALL)


@pytest.fixture(autouse=True)
def _one_thread():
    # Tests share two cores with other work; one thread keeps timings sane.
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(threads)


def _make_paired(n_per_class=12, n_classes=3, labels=None, seed=0):
    """Skeletons (teacher), GAF-like images (student) and labels, sample-aligned.

    Class ``k`` swings the skeleton's arms at its own pace and brightens image
    channel ``k % 2``, so both modalities carry the label.
    """
    rng = np.random.default_rng(seed)
    y_int = np.repeat(np.arange(n_classes), n_per_class)
    n = len(y_int)
    pose = np.random.default_rng(1234).normal(size=(20, 3))  # one body shape
    skeleton = pose + rng.normal(scale=0.05, size=(n, 8, 20, 3))
    images = rng.normal(scale=0.3, size=(n, 2, 8, 8))
    for k in range(n_classes):
        # The arms (joints 4 to 11) swing up and down, faster for higher k.
        skeleton[y_int == k, :, 4:12, 1] += np.sin((k + 1) * np.arange(8) / 3)[:, None]
        images[y_int == k, k % 2] += 1.0 + k
    skeleton, images = skeleton.astype(np.float32), images.astype(np.float32)
    y = y_int if labels is None else np.asarray(labels)[y_int]
    return images, skeleton, y


@pytest.fixture(scope="session")
def make_paired():
    return _make_paired


@pytest.fixture(scope="session")
def paired():
    return _make_paired(labels=["sit", "stand", "walk"])


@pytest.fixture(scope="session")
def fitted_teacher(paired):
    from vskdlearn import TeacherClassifier

    _, skeleton, y = paired
    return TeacherClassifier(max_epochs=3, random_state=0, **TEACHER_SMALL).fit(
        skeleton, y
    )
