"""
========================================================
Distilling a video teacher into an accelerometer student
========================================================

A camera sees the whole body; a watch feels one wrist. This example trains a
*teacher* on video clips, then a *student* that sees only the right-wrist
accelerometer (as Gramian Angular Field images) and learns from the labels
and from the teacher's outputs for the same recordings, with the DASK loss.
It compares that student with the same network trained on the labels alone.

The data is synthetic (:func:`~vskdlearn.datasets.make_multimodal_activities`,
no download): eight activities in four pairs that move the right arm the same
way and differ in the legs or the left arm, which the wrist barely feels.

Every setting here is small so that the example runs in well under a minute
on a laptop CPU: few recordings, 8 video frames of 24x24 pixels, a narrow
teacher, few epochs, one seed. The accuracies below are those of this one
small run, not a benchmark; ``vskd demo`` and ``vskd run`` repeat the
comparison with larger settings and over several seeds.
"""

# %%
# Paired recordings, split across subjects
# ----------------------------------------
# Row ``i`` of ``video`` and row ``i`` of ``accelerometer`` are the same
# recording. The ``"cross_subject"`` protocol trains on the odd subjects and
# tests on the even ones, so every test subject is new to both networks.
import matplotlib.pyplot as plt
import numpy as np
from sklearn.frozen import FrozenEstimator
from sklearn.metrics import ConfusionMatrixDisplay
from sklearn.pipeline import make_pipeline

from vskdlearn import DistilledStudentClassifier, GAFTransformer, TeacherClassifier
from vskdlearn.datasets import make_multimodal_activities
from vskdlearn.losses import PAPER_DASK_WEIGHTS

data = make_multimodal_activities(
    n_recordings=6, n_frames=8, image_size=24, random_state=0
)
train, test = data.split("cross_subject")
print(data.video.shape, data.accelerometer.shape)
print(f"{len(train)} training and {len(test)} test recordings")

# %%
# The teacher: a temporal relation network on the video
# -----------------------------------------------------
# ``module__`` parameters reach the network: a narrower frame CNN
# (``width=16``) on 4 frames per clip keeps the example fast.
teacher = TeacherClassifier(
    modality="video",
    max_epochs=15,
    module__width=16,
    module__n_segments=4,
    random_state=0,
)
teacher.fit(data.video[train], data.target[train])
print(
    f"teacher (video), test accuracy: {teacher.score(data.video[test], data.target[test]):.3f}"
)

# %%
# Two students on the accelerometer
# ---------------------------------
# Both are the same pipeline: GAF images of the three accelerometer axes
# (``method="both"``: GASF and GADF, six channels; ``scaling="fit"`` keeps
# the signal's amplitude) and the default small CNN student. The first is
# trained on the labels alone (``distillation="none"``); the second with DASK,
# from a fitted teacher wrapped in :class:`~sklearn.frozen.FrozenEstimator`
# so that it is used as it is. The teacher's input of the same training
# recordings reaches the student as ``teacher_X``; with metadata routing
# off (scikit-learn's default), a pipeline takes it as
# ``<step name>__teacher_X``.


def student_pipeline(**student_params):
    return make_pipeline(
        GAFTransformer(image_size=24, method="both", scaling="fit"),
        DistilledStudentClassifier(max_epochs=25, random_state=0, **student_params),
    )


alone = student_pipeline(distillation="none")
alone.fit(data.accelerometer[train], data.target[train])

# The paper's DASK: soft labels plus its distance, angle and semantic weights
# (the student's defaults keep only the soft labels).
distilled = student_pipeline(
    teacher=FrozenEstimator(teacher), distillation="dask", **PAPER_DASK_WEIGHTS
)
distilled.fit(
    data.accelerometer[train],
    data.target[train],
    distilledstudentclassifier__teacher_X=data.video[train],
)

# %%
# Prediction needs the accelerometer only
# ---------------------------------------
# The fitted student takes raw accelerometer windows, ``(n, 3,
# n_timestamps)``, and nothing else: the camera is needed for training only.
watch_windows = data.accelerometer[test]
predicted = distilled.predict(watch_windows)
_, first_of_each = np.unique(data.target[test], return_index=True)
print("the first test recording of each activity:")
for i in first_of_each:
    true, guess = (
        data.target_names[data.target[test][i]],
        data.target_names[predicted[i]],
    )
    print(f"  true {true:<24} predicted {guess}")

# %%
# Accuracy and confusions
# -----------------------
# Activities ``2k`` and ``2k + 1`` share the arm motion, so besides accuracy
# we print how often the student finds the right *pair*. Test accuracy on
# this many recordings has a standard error of about
# ``sqrt(p (1 - p) / n_test)``, printed too: differences smaller than about
# twice that are noise, as are differences between seeds of the same setting.
y_test = data.target[test]
predictions = {"student alone": alone.predict(watch_windows), "DASK student": predicted}
for name, pred in predictions.items():
    accuracy = np.mean(pred == y_test)
    pairs = np.mean(pred // 2 == y_test // 2)
    error = np.sqrt(accuracy * (1 - accuracy) / len(test))
    print(
        f"{name:<14} accuracy {accuracy:.3f} (+- {error:.3f}), right pair {pairs:.3f}"
    )

names = [name.replace("_", " ") for name in data.target_names]
fig, axes = plt.subplots(1, 2, figsize=(11, 5.2), layout="constrained")
for ax, (title, pred) in zip(axes, predictions.items(), strict=True):
    ConfusionMatrixDisplay.from_predictions(
        y_test,
        pred,
        display_labels=names,
        normalize="true",
        values_format=".2f",
        colorbar=False,
        ax=ax,
        xticks_rotation=90,
    )
    ax.set_title(f"{title}: accelerometer only")
plt.show()

# %%
# Most errors, for both students, stay inside a pair (the 2x2 blocks on the
# diagonal): the wrist tells the arm motion apart easily, and whether the
# legs or the other arm also moved only through weak pelvis and trunk
# motion. That is the knowledge the video teacher holds. With settings this
# small and one seed, read any gap between the two students against the
# standard error printed above before calling it an effect.
