"""The distilled student beats the same student trained alone (synthetic data).

Scenario: the watch recordings come with unreliable labels (about half of
them wrong, as with self-reported activities), while the vision teacher was
trained on a separately and correctly annotated set of recordings. A
student trained alone learns the wrong labels; a distilled student also
learns from the teacher's outputs for the same recordings, which know
better. The gain exists only if each sample meets its own teacher outputs:
with the teacher rows mixed up it vanishes (the negative control below).

Why label noise: on the clean synthetic data the accelerometer itself limits
the student (paired activities differ in what the wrist barely feels), and
distillation did not beat the student alone there (measured on independent
draws, ``random_state=100``: 0.70 alone, 0.65-0.68 with KD, RKD or DASK,
mean of 2 seeds, 40 epochs). The settings below were chosen on such
independent draws (``random_state=100`` and ``101``); the test uses other
draws.
"""

import numpy as np
import pytest
from sklearn.frozen import FrozenEstimator

from vskdlearn import DistilledStudentClassifier, GAFTransformer, TeacherClassifier
from vskdlearn.datasets import make_multimodal_activities

SEEDS = (0, 1)


@pytest.fixture(scope="module")
def noisy_setting():
    data = make_multimodal_activities(n_recordings=4, random_state=0)
    annotated = make_multimodal_activities(n_recordings=4, random_state=1)
    train, test = data.split("cross_subject")
    gaf = GAFTransformer(image_size=32, scaling="fit").fit(data.accelerometer[train])
    rng = np.random.default_rng(0)
    y_noisy = data.target[train].copy()
    flip = rng.random(len(y_noisy)) < 0.7
    y_noisy[flip] = rng.integers(0, len(data.target_names), flip.sum())
    teacher = TeacherClassifier("skeleton", max_epochs=20, random_state=0)
    teacher.fit(annotated.skeleton, annotated.target)
    return {
        "X_train": gaf.transform(data.accelerometer[train]),
        "X_test": gaf.transform(data.accelerometer[test]),
        "y_noisy": y_noisy,
        "y_test": data.target[test],
        "teacher_X": data.skeleton[train],
        "teacher": FrozenEstimator(teacher),
        "wrong_share": np.mean(y_noisy != data.target[train]),
    }


def _mean_accuracy(setting, distillation, teacher_X, max_epochs=20):
    scores = []
    for seed in SEEDS:
        student = DistilledStudentClassifier(
            setting["teacher"],
            distillation=distillation,
            max_epochs=max_epochs,
            random_state=seed,
            module__width=8,
        )
        student.fit(setting["X_train"], setting["y_noisy"], teacher_X=teacher_X)
        scores.append(student.score(setting["X_test"], setting["y_test"]))
    return np.mean(scores)


@pytest.mark.slow
def test_distilled_student_beats_the_student_alone(noisy_setting):
    setting = noisy_setting
    assert 0.4 < setting["wrong_share"] < 0.7
    alone = _mean_accuracy(setting, "none", None)
    distilled = _mean_accuracy(setting, "dask", setting["teacher_X"])
    # 8 classes: chance is 0.125. The margin is in accuracy points.
    assert distilled >= alone + 0.05, (alone, distilled)

    order = np.random.default_rng(0).permutation(len(setting["teacher_X"]))
    mixed_up = _mean_accuracy(setting, "dask", setting["teacher_X"][order])
    assert mixed_up < distilled - 0.05, (alone, distilled, mixed_up)
    print(f"alone {alone:.3f} DASK {distilled:.3f} mixed-up {mixed_up:.3f}")


@pytest.fixture(scope="module")
def noisy_windows(noisy_setting):
    """The same noisy-label setting, the student on raw augmented windows."""
    data = make_multimodal_activities(n_recordings=4, random_state=0)
    train, test = data.split("cross_subject")
    return {
        **noisy_setting,
        "X_train": data.accelerometer[train],
        "X_test": data.accelerometer[test],
    }


@pytest.mark.slow
def test_augmented_distilled_student_beats_the_augmented_student_alone(
    noisy_windows,
):
    # 40 epochs, chosen on the independent draw random_state=100: there
    # alone 0.457, KD 0.617 (at 20 epochs 0.473 and 0.488: the teacher's
    # gain needs the longer augmented training, as on UTD-MHAD). The
    # student's defaults augment raw windows and add the magnitude channel.
    alone = _mean_accuracy(noisy_windows, "none", None, max_epochs=40)
    kd = _mean_accuracy(noisy_windows, "kd", noisy_windows["teacher_X"], max_epochs=40)
    print(f"raw windows, augmented: alone {alone:.3f} kd {kd:.3f}")
    assert kd >= alone + 0.05, (alone, kd)
