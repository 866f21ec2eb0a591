"""teacher_X through Pipeline, GridSearchCV and cross-validation.

With metadata routing on, the student requests ``teacher_X`` by default (no
``set_fit_request`` call); with it off, ``<step>__teacher_X`` reaches it
through a pipeline. Either way the folds split ``teacher_X`` with ``X``.
"""

import numpy as np
import pytest
import sklearn
from sklearn import config_context
from sklearn.base import BaseEstimator, ClassifierMixin, clone
from sklearn.frozen import FrozenEstimator
from sklearn.model_selection import GridSearchCV, GroupKFold, cross_validate
from sklearn.pipeline import make_pipeline

from vskdlearn import DistilledStudentClassifier, GAFTransformer, TeacherClassifier
from vskdlearn.losses import PAPER_DASK_WEIGHTS

STUDENT = {"max_epochs": 1, "module__width": 4, "module__embedding_dim": 8}


def _recordings(n_per_class=8, seed=0):
    """Accelerometer windows, skeletons, labels and subjects (4 of them)."""
    rng = np.random.default_rng(seed)
    y = np.repeat(["clap", "wave", "sit"], n_per_class)
    n = len(y)
    t = np.linspace(0, 1, 32)
    accelerometer = rng.normal(scale=0.2, size=(n, 3, 32))
    for k, label in enumerate(["clap", "wave", "sit"]):
        accelerometer[y == label, k % 3] += np.sin(2 * np.pi * (k + 1) * t)
    skeleton = rng.normal(size=(n, 8, 20, 3)).astype(np.float32)
    subject = np.tile(np.arange(4), n // 4)
    return accelerometer.astype(np.float32), skeleton, y, subject


@pytest.fixture(scope="module")
def recordings():
    return _recordings()


@pytest.fixture(scope="module")
def teacher(recordings):
    _, skeleton, y, _ = recordings
    return TeacherClassifier(max_epochs=1, module__hidden_dim=8).fit(skeleton, y)


def _pipe(teacher, **student):
    return make_pipeline(
        GAFTransformer(image_size=8, method="both"),
        DistilledStudentClassifier(teacher=teacher, **{**STUDENT, **student}),
    )


def test_teacher_X_and_groups_are_requested_by_default():
    # groups reach the student so that its early stopping holds out subjects.
    requests = DistilledStudentClassifier().get_metadata_routing().fit.requests
    assert requests == {"teacher_X": True, "groups": True}


def test_the_design_snippet_with_routing_on(recordings, teacher):
    accelerometer, skeleton, y, subject = recordings
    with config_context(enable_metadata_routing=True):
        grid = GridSearchCV(
            _pipe(FrozenEstimator(teacher)),
            {"distilledstudentclassifier__angle_weight": [0, 1, 2]},
            cv=GroupKFold(2),
        )
        grid.fit(accelerometer, y, teacher_X=skeleton, groups=subject)
        score = grid.score(accelerometer, y)  # the student's input only
    assert len(grid.cv_results_["params"]) == 3
    assert np.isfinite(grid.cv_results_["mean_test_score"]).all()
    assert 0 <= score <= 1
    assert grid.best_estimator_[-1].teacher_ is grid.best_estimator_[-1].teacher


def test_routing_off_with_step_prefixed_teacher_X(recordings, teacher):
    accelerometer, skeleton, y, subject = recordings
    assert not sklearn.get_config()["enable_metadata_routing"]
    pipe = _pipe(FrozenEstimator(teacher))
    pipe.fit(accelerometer, y, distilledstudentclassifier__teacher_X=skeleton)
    assert pipe.predict(accelerometer).shape == y.shape
    grid = GridSearchCV(
        pipe, {"distilledstudentclassifier__kd_weight": [0.5, 1.0]}, cv=GroupKFold(2)
    )
    grid.fit(
        accelerometer,
        y,
        groups=subject,
        distilledstudentclassifier__teacher_X=skeleton,
    )
    assert np.isfinite(grid.cv_results_["mean_test_score"]).all()


def test_without_routing_a_bare_teacher_X_is_refused_by_the_pipeline(
    recordings, teacher
):
    accelerometer, skeleton, y, _ = recordings
    with pytest.raises((TypeError, ValueError), match="teacher_X"):
        _pipe(FrozenEstimator(teacher)).fit(accelerometer, y, teacher_X=skeleton)


class _Spy(ClassifierMixin, BaseEstimator):
    """Teacher that keeps the row ids of the ``teacher_X`` it was fitted on."""

    def fit(self, X, y):
        self.classes_ = np.unique(y)
        self.rows_ = np.asarray(X)[:, 0].astype(int)
        return self

    def predict_logits_and_embeddings(self, X):
        X = np.asarray(X, dtype=np.float32)
        return np.zeros((len(X), len(self.classes_)), np.float32), X


@pytest.mark.parametrize("routing", [True, False])
def test_an_unfitted_teacher_sees_only_the_training_fold(recordings, routing):
    accelerometer, _, y, subject = recordings
    rows = np.column_stack([np.arange(len(y)), np.ones((len(y), 3))])
    key = "teacher_X" if routing else "distilledstudentclassifier__teacher_X"
    with config_context(enable_metadata_routing=routing):
        params = {key: rows, **({"groups": subject} if routing else {})}
        result = cross_validate(
            _pipe(_Spy(), distillation="rkd", **PAPER_DASK_WEIGHTS),
            accelerometer,
            y,
            groups=None if routing else subject,
            cv=GroupKFold(2),
            params=params,
            return_estimator=True,
            return_indices=True,
        )
    for pipe, train in zip(
        result["estimator"], result["indices"]["train"], strict=True
    ):
        np.testing.assert_array_equal(pipe[-1].teacher_.rows_, train)


def test_grid_search_over_the_student_and_the_teachers_parameters(recordings):
    accelerometer, skeleton, y, subject = recordings
    pipe = _pipe(TeacherClassifier(max_epochs=1, module__hidden_dim=8))
    grid = {
        "distilledstudentclassifier__distillation": ["none", "kd"],
        "distilledstudentclassifier__teacher__module__hidden_dim": [4, 8],
    }
    with config_context(enable_metadata_routing=True):
        search = GridSearchCV(pipe, grid, cv=GroupKFold(2), refit=False)
        search.fit(accelerometer, y, teacher_X=skeleton, groups=subject)
    assert np.isfinite(search.cv_results_["mean_test_score"]).all()
    assert (
        clone(pipe).get_params()[
            "distilledstudentclassifier__teacher__module__hidden_dim"
        ]
        == 8
    )
