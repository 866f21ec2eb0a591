"""
=======================================================
UTD-MHAD: skeleton and fusion teachers, a watch student
=======================================================

UTD-MHAD (Chen et al., ICIP 2015) has 27 actions by 8 subjects, recorded by
a Kinect (skeleton, depth, video) and one inertial sensor (accelerometer and
gyroscope) on the right wrist, or the right thigh for the last six actions.
This example trains two teachers on the training subjects:

* a skeleton teacher, on the Kinect's 20 joints;
* a fusion teacher, on the skeleton *and* the inertial sensor together,

then distils each into an accelerometer-only student, and compares them with
the same student trained on the labels alone, across subjects (subjects 1,
3, 5, 7 train; 2, 4, 6, 8 test).

UTD-MHAD is not shipped with vskdlearn. Download the ``Inertial`` and
``Skeleton`` archives from the authors' page
(https://personal.utdallas.edu/~kehtar/UTD-MHAD.html) and extract them into
a folder ``utd_mhad/`` inside vskdlearn's data home (``~/vskdlearn_data``,
or the folder named by the environment variable ``VSKDLEARN_DATA``); or call
:func:`vskdlearn.datasets.fetch_utd_mhad`, which downloads them there. Without the
files, the example says so and stops.

The settings are small so that the example runs in under a minute on a
laptop CPU (64 accelerometer samples and 16 skeleton frames per recording,
24x24 GAF images, 15 epochs, one seed). They are far from the paper's, and
one seed on 430 test recordings cannot separate methods a few points apart:
``vskd run --dataset utd-mhad`` runs the full comparison over several seeds.
"""

# %%
# Find the data
# -------------
# vskdlearn's data home first (``VSKDLEARN_DATA`` or ``~/vskdlearn_data``,
# where :func:`~vskdlearn.datasets.fetch_utd_mhad` downloads), then
# ``../shared/datasets`` next to the repository, found from this file's
# location or from the working directory (the documentation build runs
# examples from ``examples/``).
import os
from pathlib import Path

import matplotlib.pyplot as plt


def find_utd_mhad():
    # The data home is only looked at: nothing is created.
    data_home = os.environ.get("VSKDLEARN_DATA", "~/vskdlearn_data")
    candidates = [Path(data_home).expanduser()]
    try:
        repository = Path(__file__).resolve().parents[1]
        candidates.append(repository.parent / "shared" / "datasets")
    except NameError:  # no __file__, e.g. in a notebook
        pass
    here = Path.cwd().resolve()
    candidates += [here.parent / "shared" / "datasets"]
    candidates += [here.parent.parent / "shared" / "datasets"]
    for candidate in candidates:
        if (candidate / "utd_mhad").is_dir():
            return candidate / "utd_mhad"
    return None


root = find_utd_mhad()
if root is None:
    print(
        "UTD-MHAD was not found, so this example stops here.\n"
        "Get the Inertial and Skeleton archives from "
        "https://personal.utdallas.edu/~kehtar/UTD-MHAD.html,\n"
        "extract them into a folder named utd_mhad/ and set VSKDLEARN_DATA to "
        "the folder that holds utd_mhad/:\n"
        "    VSKDLEARN_DATA=~/data python plot_utd_mhad.py\n"
        "or call vskdlearn.datasets.fetch_utd_mhad(), which downloads them "
        "where this example looks too."
    )
else:
    print("reading", root)

# %%
# Load the skeleton and the inertial sensor
# -----------------------------------------
# ``"inertial"`` gives both ``accelerometer`` and ``gyroscope``. Every stream
# is resampled over the same normalised span of each recording.
if root is not None:
    from vskdlearn.datasets import load_utd_mhad

    data = load_utd_mhad(
        root, modalities=("inertial", "skeleton"), n_timestamps=64, n_frames=16
    )
    train, test = data.split("cross_subject")
    print(data.accelerometer.shape, data.skeleton.shape)
    print(f"{len(train)} training and {len(test)} test recordings")

# %%
# Two teachers
# ------------
# A fusion teacher takes a :class:`~vskdlearn.Modalities` bundle, indexed
# like one array: ``data.modalities(...)`` builds it, ``bundle[train]``
# selects the same recordings in every modality. It has one branch per
# modality.
if root is not None:
    from vskdlearn import TeacherClassifier

    skeleton_teacher = TeacherClassifier(
        modality="skeleton", max_epochs=15, random_state=0
    )
    skeleton_teacher.fit(data.skeleton[train], data.target[train])

    fused = data.modalities("skeleton", "accelerometer", "gyroscope")
    fusion_teacher = TeacherClassifier(modality="fusion", max_epochs=15, random_state=0)
    fusion_teacher.fit(fused[train], data.target[train])

    teacher_accuracy = {
        "skeleton teacher": skeleton_teacher.score(
            data.skeleton[test], data.target[test]
        ),
        "fusion teacher": fusion_teacher.score(fused[test], data.target[test]),
    }
    for name, accuracy in teacher_accuracy.items():
        print(f"{name:<17} test accuracy {accuracy:.3f}")

# %%
# Three accelerometer students
# ----------------------------
# The same pipeline each time (GAF images, then the small CNN student); only
# the teacher differs. Each fitted teacher is frozen, and its input for the
# same training recordings goes in as ``teacher_X``.
if root is not None:
    from sklearn.frozen import FrozenEstimator
    from sklearn.pipeline import make_pipeline

    from vskdlearn import DistilledStudentClassifier, GAFTransformer
    from vskdlearn.losses import PAPER_DASK_WEIGHTS

    def student(teacher, teacher_X):
        pipe = make_pipeline(
            GAFTransformer(image_size=24, method="both", scaling="fit"),
            DistilledStudentClassifier(
                teacher=None if teacher is None else FrozenEstimator(teacher),
                distillation="none" if teacher is None else "dask",
                **PAPER_DASK_WEIGHTS,
                max_epochs=15,
                random_state=0,
            ),
        )
        extra = {}
        if teacher is not None:
            extra["distilledstudentclassifier__teacher_X"] = teacher_X[train]
        return pipe.fit(data.accelerometer[train], data.target[train], **extra)

    students = {
        "student alone": student(None, None),
        "DASK from skeleton": student(skeleton_teacher, data.skeleton),
        "DASK from fusion": student(fusion_teacher, fused),
    }
    student_accuracy = {
        name: model.score(data.accelerometer[test], data.target[test])
        for name, model in students.items()
    }
    for name, accuracy in student_accuracy.items():
        print(f"{name:<19} test accuracy {accuracy:.3f} (accelerometer only)")

# %%
# Teachers see the skeleton (and, for the fusion teacher, the inertial
# sensor too); students see the accelerometer only, at test time. With these
# small settings and one seed, a gap of a few points between the students is
# within noise: compare them over seeds with ``vskd run``.
if root is not None:
    accuracies = {**teacher_accuracy, **student_accuracy}
    fig, ax = plt.subplots(figsize=(8, 4), layout="constrained")
    colours = ["tab:gray"] * len(teacher_accuracy) + ["tab:blue"] * len(students)
    bars = ax.bar(
        [name.replace(" ", "\n", 1) for name in accuracies],
        list(accuracies.values()),
        color=colours,
    )
    ax.bar_label(bars, fmt="%.3f")
    ax.set_ylim(0, 1)
    ax.set_ylabel("test accuracy (cross-subject)")
    ax.set_title("UTD-MHAD, one seed, small settings: teachers (grey), students")
    plt.show()
