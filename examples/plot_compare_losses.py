"""
==============================================
Comparing distillation losses with one teacher
==============================================

:class:`~vskdlearn.DistilledStudentClassifier` trains its student with one
of several objectives, chosen by ``distillation``: the labels alone
(``"none"``), soft labels (``"kd"``, Hinton et al.), distance and angle
relations (``"rkd"``, Park et al.), similarity preservation (``"sp"``, Tung
and Mori), attention transfer (``"at"``, Zagoruyko and Komodakis) and DASK
(``"dask"``, Ni et al.), which adds soft labels, distance, angle and
semantic terms. The formulas are in the user guide's page on distillation
losses. This example trains one student per objective from the *same*
fitted teacher and compares their test accuracy across subjects.

Read the result for what it is: the settings are small so that the example
runs in under a minute on a laptop CPU (few recordings, 24x24 GAF images, 20
epochs, default weights, nothing tuned) and there is **one seed**. Test
accuracy on 192 recordings has a binomial standard error of about 3 points,
drawn as error bars, and another seed moves every bar as well: differences
within about twice that are noise, not a ranking of the losses, and larger
ones are worth checking over seeds before believing them. ``vskd run --methods alone,kd,rkd,sp,dask --seeds
5`` repeats the comparison over seeds.
"""

# %%
# Data and one teacher
# --------------------
# A skeleton teacher: besides being fast, its deepest feature maps run over
# time, like those of a 1-D CNN on the raw accelerometer, which attention
# transfer needs (see below).
import matplotlib.pyplot as plt
import numpy as np
from matplotlib.patches import Patch
from sklearn.frozen import FrozenEstimator
from sklearn.pipeline import make_pipeline

from vskdlearn import DistilledStudentClassifier, GAFTransformer, TeacherClassifier
from vskdlearn.datasets import make_multimodal_activities
from vskdlearn.losses import PAPER_DASK_WEIGHTS

data = make_multimodal_activities(n_recordings=6, n_frames=8, random_state=0)
train, test = data.split("cross_subject")
y_train, y_test = data.target[train], data.target[test]

teacher = TeacherClassifier(modality="skeleton", max_epochs=15, random_state=0)
teacher.fit(data.skeleton[train], y_train)
teacher_accuracy = teacher.score(data.skeleton[test], y_test)
print(f"skeleton teacher, test accuracy: {teacher_accuracy:.3f}")

# %%
# One GAF-image student per objective
# -----------------------------------
# Same pipeline, same seed, same teacher; only ``distillation`` changes, with
# the literature's weights (the paper's DASK weights for the relational
# terms; each method reads only the weights of its own terms).
accuracy = {}
for method in ["none", "kd", "rkd", "sp", "dask"]:
    pipe = make_pipeline(
        GAFTransformer(image_size=24, method="both", scaling="fit"),
        DistilledStudentClassifier(
            teacher=FrozenEstimator(teacher),
            distillation=method,
            max_epochs=20,
            random_state=0,
            **PAPER_DASK_WEIGHTS,
        ),
    )
    pipe.fit(
        data.accelerometer[train],
        y_train,
        distilledstudentclassifier__teacher_X=data.skeleton[train],
    )
    accuracy["GAF", method] = pipe.score(data.accelerometer[test], y_test)

# %%
# Attention transfer needs maps of the same kind
# ----------------------------------------------
# ``"at"`` matches the student's and the teacher's deepest feature maps, so
# both must have the same number of spatial axes. A GAF image student has
# two (image rows and columns) and the skeleton teacher one (time), so AT is
# run on another student: the default 1-D CNN on the raw accelerometer
# series (:class:`~vskdlearn.networks.SensorCNN`, chosen automatically for
# ``(n, 3, n_timestamps)`` input). Its baseline is that same network with
# ``"none"``; compare AT with that bar, not with the GAF students.
for method in ["none", "at"]:
    student = DistilledStudentClassifier(
        teacher=FrozenEstimator(teacher),
        distillation=method,
        max_epochs=20,
        random_state=0,
    )
    student.fit(data.accelerometer[train], y_train, teacher_X=data.skeleton[train])
    accuracy["raw series", method] = student.score(data.accelerometer[test], y_test)

for (student_input, method), value in accuracy.items():
    print(f"{student_input:>10} student, {method:<4}  test accuracy {value:.3f}")

# %%
# Test accuracy, one seed
# -----------------------
# Error bars: one binomial standard error, ``sqrt(p (1 - p) / n_test)``.
# Where they overlap, this run does not tell the objectives apart. Every
# method ran with its default weights: a bar well below the student alone's
# says that those weights do not suit this student and data, which a
# cross-validated search over them (see the grid-search example) can
# settle; it is not a verdict on the method.
students = [student_input for student_input, _ in accuracy]
methods = [method for _, method in accuracy]
values = np.array(list(accuracy.values()))
errors = np.sqrt(values * (1 - values) / len(test))
colour = {"GAF": "tab:blue", "raw series": "tab:green"}
fig, ax = plt.subplots(figsize=(9, 4.2), layout="constrained")
bars = ax.bar(
    range(len(values)),
    values,
    yerr=errors,
    capsize=4,
    color=[colour[name] for name in students],
    tick_label=methods,
)
ax.bar_label(bars, fmt="%.2f", label_type="center", color="white")
ax.legend(
    [Patch(color=c) for c in colour.values()],
    [f"{name} student" for name in colour],
    loc="lower left",
)
ax.axhline(teacher_accuracy, color="tab:gray", linestyle="--", linewidth=1)
ax.text(
    len(accuracy) - 0.5,
    teacher_accuracy,
    "skeleton teacher",
    ha="right",
    va="bottom",
    color="tab:gray",
)
ax.set_ylim(0, 1.05)
ax.set_ylabel("test accuracy (cross-subject)")
ax.set_title("Students on the accelerometer only: one seed, small settings")
plt.show()
