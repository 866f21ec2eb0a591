"""
===========================================================
Choosing DASK's weights by cross-validation across subjects
===========================================================

Every DASK weight is a constructor parameter of
:class:`~vskdlearn.DistilledStudentClassifier`, so scikit-learn's
:class:`~sklearn.model_selection.GridSearchCV` can choose them. Two things
make it right for activity recognition:

* the folds must split *subjects*, not recordings
  (:class:`~sklearn.model_selection.GroupKFold` with ``groups=subject``), or
  the score rewards remembering people rather than recognising activities;
* the teacher's input (``teacher_X``) must be split with the accelerometer,
  row for row. With metadata routing on, ``GridSearchCV`` and ``Pipeline``
  do that: ``teacher_X`` is sample-aligned metadata that the student
  requests.

The search sees the training subjects only; the test subjects are used once,
at the end, to score the chosen model.

The settings are small so that the example runs in under a minute on a
laptop CPU (few recordings, 24x24 GAF images, 15 epochs, a 2x2 grid, one
seed): the scores are this run's, not a benchmark.
"""

# %%
# Data and a skeleton teacher
# ---------------------------
import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import sklearn
from sklearn.frozen import FrozenEstimator
from sklearn.model_selection import GridSearchCV, GroupKFold
from sklearn.pipeline import make_pipeline

from vskdlearn import DistilledStudentClassifier, GAFTransformer, TeacherClassifier
from vskdlearn.datasets import make_multimodal_activities

data = make_multimodal_activities(n_recordings=6, n_frames=8, random_state=0)
train, test = data.split("cross_subject")  # odd subjects train, even test
print("training subjects:", np.unique(data.subject[train]))

teacher = TeacherClassifier(modality="skeleton", max_epochs=15, random_state=0)
teacher.fit(data.skeleton[train], data.target[train])

# %%
# The grid search
# ---------------
# This is the grid search of the README's quick start and of the user guide
# (:ref:`distillation_guide`). The teacher is fitted once, on the training
# subjects, and wrapped in :class:`~sklearn.frozen.FrozenEstimator` so that
# every fold and every grid point shares it. (It has seen the validation folds' subjects during its own
# training; an unfitted teacher instead would be refitted inside every fold,
# which is stricter and costs one teacher per fit.) We vary the weights of
# the two relational terms, 0 meaning "off".
sklearn.set_config(enable_metadata_routing=True)

pipe = make_pipeline(
    GAFTransformer(image_size=24, method="both", scaling="fit"),
    DistilledStudentClassifier(
        teacher=FrozenEstimator(teacher), max_epochs=15, random_state=0
    ),
)
param_grid = {
    "distilledstudentclassifier__angle_weight": [0.0, 2.0],
    "distilledstudentclassifier__distance_weight": [0.0, 1.0],
}
grid = GridSearchCV(pipe, param_grid, cv=GroupKFold(n_splits=4))
grid.fit(
    data.accelerometer[train],
    data.target[train],
    teacher_X=data.skeleton[train],
    groups=data.subject[train],
)
print("chosen:", grid.best_params_)

# %%
# Cross-validation scores
# -----------------------
# Each bar is the mean accuracy over the four held-out training subjects,
# with the spread between them (one standard deviation). Folds of one
# subject each are small, so the spread is large: read overlapping bars as
# "no measurable difference".
results = pd.DataFrame(grid.cv_results_).rename(
    columns=lambda name: name.removeprefix("param_distilledstudentclassifier__")
)
labels = [
    f"angle {row.angle_weight:g}\ndistance {row.distance_weight:g}"
    for row in results.itertuples()
]
fig, ax = plt.subplots(figsize=(7, 4), layout="constrained")
ax.bar(
    labels,
    results["mean_test_score"],
    yerr=results["std_test_score"],
    capsize=4,
    color=["tab:orange" if r == 1 else "tab:blue" for r in results["rank_test_score"]],
)
ax.set_ylabel("cross-validation accuracy")
ax.set_ylim(0, 1)
ax.set_title("GroupKFold over the training subjects (chosen in orange)")
plt.show()
print(
    results[
        [
            "angle_weight",
            "distance_weight",
            "mean_test_score",
            "std_test_score",
            "rank_test_score",
        ]
    ]
    .round(3)
    .to_string(index=False)
)

# %%
# Score on the test subjects
# --------------------------
# ``grid`` was refitted on all training subjects with the chosen weights; it
# predicts from the accelerometer alone.
test_accuracy = grid.score(data.accelerometer[test], data.target[test])
print(f"test accuracy of the chosen student: {test_accuracy:.3f}")

# %%
# Metadata routing is a global scikit-learn setting: switch it back off so
# that code run after this example gets scikit-learn's default.
sklearn.set_config(enable_metadata_routing=False)
