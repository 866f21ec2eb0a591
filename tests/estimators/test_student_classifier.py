import pickle

import joblib
import numpy as np
import pytest
import torch
from sklearn.base import BaseEstimator, ClassifierMixin, clone
from sklearn.exceptions import NotFittedError
from sklearn.frozen import FrozenEstimator
from skorch.callbacks import Callback

from vskdlearn import DistilledStudentClassifier, Modalities, TeacherClassifier
from vskdlearn.estimators._student import AttentionPairingError
from vskdlearn.losses import PAPER_DASK_WEIGHTS as PAPER_WEIGHTS
from vskdlearn.networks import SensorCNN, SmallStudent


@pytest.fixture
def frozen(fitted_teacher):
    return FrozenEstimator(fitted_teacher)


@pytest.mark.parametrize("distillation", ["none", "kd", "rkd", "sp", "dask"])
def test_every_method_trains_and_logs_its_terms(
    paired, frozen, student_small, distillation
):
    images, skeleton, y = paired
    student = DistilledStudentClassifier(
        frozen,
        distillation=distillation,
        max_epochs=2,
        random_state=0,
        **PAPER_WEIGHTS,
        **student_small,
    ).fit(images, y, teacher_X=skeleton)
    np.testing.assert_array_equal(student.classes_, ["sit", "stand", "walk"])
    assert student.predict(images).shape == (len(y),)
    np.testing.assert_allclose(student.predict_proba(images).sum(axis=1), 1)
    terms = {
        "none": {"ce"},
        "kd": {"ce", "kd"},
        "rkd": {"ce", "distance", "angle"},
        "sp": {"ce", "sp"},
        "dask": {"ce", "kd", "distance", "angle", "semantic"},
    }[distillation]
    batch = student.history_[-1, "batches", 0]
    # (the one-cycle schedule records its "event_lr" per batch too)
    logged = {k[len("train_") :] for k in batch if k.startswith("train_")}
    assert logged - {"loss", "batch_size"} == terms
    assert (student.teacher_ is None) == (distillation == "none")


def test_ablation_drops_the_terms_weighted_zero(paired, frozen, student_small):
    images, skeleton, y = paired
    student = DistilledStudentClassifier(
        frozen,
        kd_weight=0,
        angle_weight=0,
        distance_weight=1,
        semantic_weight=1,
        max_epochs=1,
        **student_small,
    ).fit(images, y, teacher_X=skeleton)
    batch = student.history_[-1, "batches", 0]
    assert "train_angle" not in batch and "train_kd" not in batch
    assert "train_distance" in batch and "train_semantic" in batch


def test_dask_learns_a_projection_to_the_teachers_width(paired, frozen, student_small):
    images, skeleton, y = paired
    student = DistilledStudentClassifier(frozen, max_epochs=1, **student_small)
    student.fit(images, y, teacher_X=skeleton)
    projection = student.net_.criterion_.projection
    assert (projection.in_features, projection.out_features) == (8, 16)
    names = {name for name, _ in student.net_.get_all_learnable_params()}
    assert "projection.weight" in names


def test_attention_transfer_where_shapes_allow(paired, frozen):
    images, skeleton, y = paired
    series = images.reshape(len(images), 2, -1)  # (n, 2, 64): a series over time
    student = DistilledStudentClassifier(
        frozen, distillation="at", max_epochs=1, module__width=4
    ).fit(series, y, teacher_X=skeleton)
    assert isinstance(student.net_.module_.backbone, SensorCNN)
    assert "train_attention" in student.history_[-1, "batches", 0]
    assert student.predict(series).shape == (len(y),)
    with pytest.raises(AttentionPairingError, match="same number of spatial axes"):
        DistilledStudentClassifier(frozen, distillation="at", max_epochs=1).fit(
            images, y, teacher_X=skeleton
        )


def test_attention_transfer_needs_a_teacher_with_feature_maps(paired):
    images, skeleton, y = paired
    series = images.reshape(len(images), 2, -1)
    bundle = Modalities(skeleton=skeleton, accelerometer=series)
    fusion = TeacherClassifier("fusion", max_epochs=1, module__embedding_dim=8)
    student = DistilledStudentClassifier(
        FrozenEstimator(fusion.fit(bundle, y)), distillation="at", max_epochs=1
    )
    with pytest.raises(
        AttentionPairingError, match="'at' needs the teacher's feature maps: The"
    ):
        student.fit(series, y, teacher_X=bundle)


class _GradientCounter(Callback):
    """Counts the gradients torch computes for given parameters."""

    def __init__(self, parameters):
        self.parameters = parameters

    def on_train_begin(self, net, X=None, y=None, **kwargs):
        self.counts = {"teacher": 0, "student": 0, "projection": 0}
        self.initial = {k: v.clone() for k, v in net.module_.state_dict().items()}

        def count(key):
            def hook(grad):
                self.counts[key] += 1

            return hook

        for p in self.parameters:
            p.register_hook(count("teacher"))
        for p in net.module_.parameters():
            p.register_hook(count("student"))
        for p in net.criterion_.parameters():
            p.register_hook(count("projection"))


def test_gradients_reach_the_student_and_never_the_teacher(
    paired, fitted_teacher, student_small
):
    images, skeleton, y = paired
    teacher_module = fitted_teacher.net_.module_
    before = {k: v.clone() for k, v in teacher_module.state_dict().items()}
    counter = _GradientCounter(list(teacher_module.parameters()))
    student = DistilledStudentClassifier(
        FrozenEstimator(fitted_teacher),
        max_epochs=2,
        callbacks=[("grads", counter)],
        **PAPER_WEIGHTS,
        **student_small,
    ).fit(images, y, teacher_X=skeleton)
    counts = dict(student.net_.callbacks_)["grads"].counts
    assert counts["teacher"] == 0
    assert counts["student"] > 0 and counts["projection"] > 0
    for key, value in teacher_module.state_dict().items():
        assert torch.equal(value, before[key]), key
    initial = dict(student.net_.callbacks_)["grads"].initial
    after = student.net_.module_.state_dict()
    assert any(not torch.equal(after[k], v) for k, v in initial.items())


class _Spy(ClassifierMixin, BaseEstimator):
    """A teacher that remembers which rows it was fitted on and how often it
    was asked for outputs; its embedding is ``teacher_X`` itself."""

    def __init__(self, random_state=None):
        self.random_state = random_state

    def fit(self, X, y):
        self.classes_ = np.unique(y)
        self.fitted_rows_ = np.asarray(X)[:, 0].copy()
        self.calls_ = 0
        return self

    def predict_logits_and_embeddings(self, X):
        self.calls_ += 1
        X = np.asarray(X, dtype=np.float32)
        return X[:, : len(self.classes_)], X


def test_an_unfitted_teacher_is_cloned_and_fitted_on_teacher_X(paired, student_small):
    images, _, y = paired
    teacher_X = np.column_stack([np.arange(len(y)), np.ones((len(y), 4))])
    spy = _Spy()
    student = DistilledStudentClassifier(spy, max_epochs=1, **student_small)
    student.fit(images, y, teacher_X=teacher_X)
    assert not hasattr(spy, "classes_")  # the parameter is left unfitted
    assert student.teacher_ is not spy
    np.testing.assert_array_equal(student.teacher_.fitted_rows_, np.arange(len(y)))
    # Outputs are computed once per fit, not per epoch or per batch.
    assert student.teacher_.calls_ == 1
    # The clone got a seed from the student, so that the fit is reproducible.
    assert student.teacher_.random_state is not None


def test_a_fitted_teacher_is_used_as_is(paired, student_small):
    images, _, y = paired
    teacher_X = np.column_stack([np.arange(len(y)), np.ones((len(y), 4))])
    spy = _Spy().fit(teacher_X[:5], y)  # fitted on other rows
    student = DistilledStudentClassifier(spy, max_epochs=1, **student_small)
    student.fit(images, y, teacher_X=teacher_X)
    assert student.teacher_ is spy
    assert spy.calls_ == 1 and len(spy.fitted_rows_) == 5


def test_a_dict_teacher_X_counts_samples_not_modalities(paired, student_small):
    images, skeleton, y = paired
    bundle = Modalities(skeleton=skeleton, accelerometer=images[:, :, 0])
    teacher = TeacherClassifier(
        "fusion", max_epochs=1, random_state=0, module__embedding_dim=8
    ).fit(bundle, y)
    student = DistilledStudentClassifier(
        FrozenEstimator(teacher), max_epochs=1, random_state=0, **student_small
    )
    from_bundle = student.fit(images, y, teacher_X=bundle).predict_proba(images)
    as_dict = {name: bundle[name] for name in bundle.names}
    from_dict = student.fit(images, y, teacher_X=as_dict).predict_proba(images)
    np.testing.assert_array_equal(from_dict, from_bundle)
    short = {name: value[:-1] for name, value in as_dict.items()}
    with pytest.raises(ValueError, match=f"teacher_X has {len(y) - 1} samples"):
        student.fit(images, y, teacher_X=short)


def test_an_unfitted_teacher_reproduces_with_the_students_seed(paired, student_small):
    images, skeleton, y = paired
    probas = [
        DistilledStudentClassifier(
            TeacherClassifier(max_epochs=1, module__hidden_dim=8),
            max_epochs=1,
            random_state=3,
            **student_small,
        )
        .fit(images, y, teacher_X=skeleton)
        .predict_proba(images)
        for _ in range(2)
    ]
    np.testing.assert_array_equal(probas[0], probas[1])


def _bad_cases():
    ok = {"teacher_X": "skeleton"}
    return [
        # (student params, fit kwargs, error, message)
        ({}, {}, ValueError, "teacher_X is missing"),
        (
            {},
            {"teacher_X": "short"},
            ValueError,
            "teacher_X has 10 samples but X has 36",
        ),
        ({}, {"teacher_X": "nan"}, ValueError, "teacher_X contains NaN"),
        (
            {"teacher": "int_labels"},
            ok,
            ValueError,
            "The teacher was fitted on classes",
        ),
        ({"teacher": "two_classes"}, ok, ValueError, "must be the same labels"),
        ({"teacher": "no_classes"}, ok, ValueError, "has no classes_; a fitted class"),
        ({"teacher": "unfitted"}, {}, NotFittedError, "no teacher_X was given to fit"),
        ({"teacher": "frozen_unfitted"}, ok, NotFittedError, "FrozenEstimator around"),
        ({"teacher": None}, ok, ValueError, "needs a teacher"),
        ({"teacher": "no_outputs"}, ok, ValueError, "gives no logits and embeddings"),
        (
            {"module": SmallStudent, "module__input_shape": (3, 8, 8)},
            ok,
            ValueError,
            "cannot take samples of shape",
        ),
        ({"angle_weight": -1.0}, ok, ValueError, "'angle_weight' parameter"),
        ({"temperature": 0}, ok, ValueError, "'temperature' parameter"),
        ({"distillation": "fitnets"}, ok, ValueError, "'distillation' parameter"),
        (
            {"distillation": "kd", "ce_weight": 0, "kd_weight": 0},
            ok,
            ValueError,
            "nothing to learn",
        ),
        ({"X": "nan"}, ok, ValueError, "Input X contains NaN"),
        ({"X": "5d"}, ok, ValueError, "X must be GAF images"),
    ]


@pytest.mark.parametrize("params, fit_kwargs, error, message", _bad_cases())
def test_bad_input(paired, fitted_teacher, params, fit_kwargs, error, message):
    images, skeleton, y = paired
    params = dict(params)
    X = {"nan": np.full_like(images, np.nan), "5d": images[:, None]}.get(
        params.pop("X", None), images
    )
    teachers = {
        "int_labels": lambda: TeacherClassifier(max_epochs=1).fit(
            skeleton, np.unique(y, return_inverse=True)[1]
        ),
        "two_classes": lambda: TeacherClassifier(max_epochs=1).fit(
            skeleton[y != "walk"], y[y != "walk"]
        ),
        "unfitted": lambda: TeacherClassifier(),
        "frozen_unfitted": lambda: FrozenEstimator(TeacherClassifier()),
        "no_outputs": lambda: FrozenEstimator(_NoOutputs().fit(skeleton, y)),
        "no_classes": lambda: FrozenEstimator(_NoClasses().fit(skeleton, y)),
    }
    teacher = params.pop("teacher", "fitted")
    teacher = (
        FrozenEstimator(fitted_teacher)
        if teacher == "fitted"
        else teachers[teacher]()
        if isinstance(teacher, str)
        else teacher
    )
    teacher_X = {
        "skeleton": skeleton,
        "short": skeleton[:10],
        "nan": np.full_like(skeleton, np.nan),
        None: None,
    }[fit_kwargs.get("teacher_X")]
    student = DistilledStudentClassifier(teacher, max_epochs=1, **params)
    with pytest.raises(error, match=message):
        student.fit(X, y, teacher_X=teacher_X)


class _NoOutputs(ClassifierMixin, BaseEstimator):
    def fit(self, X, y):
        self.classes_ = np.unique(y)
        return self


class _NoClasses(BaseEstimator):
    """Fitted, but not a classifier: no classes_."""

    def fit(self, X, y):
        self.n_samples_ = len(X)
        return self


def test_predict_takes_only_the_students_input(paired, frozen, student_small):
    images, skeleton, y = paired
    student = DistilledStudentClassifier(frozen, max_epochs=1, **student_small)
    student.fit(images, y, teacher_X=skeleton)
    assert 0 <= student.score(images, y) <= 1
    assert student.embed(images).shape == (len(y), 8)
    with pytest.raises(ValueError, match="expecting 2 features"):
        student.predict(np.concatenate([images, images], axis=1))
    with pytest.raises(ValueError, match="same GAF image_size"):
        student.predict(images[:, :, :4, :4])
    with pytest.raises(NotFittedError):
        DistilledStudentClassifier().predict(images)


def test_student_alone_needs_no_teacher(paired, student_small):
    images, _, y = paired
    student = DistilledStudentClassifier(
        distillation="none", max_epochs=1, **student_small
    ).fit(images, y)
    assert student.teacher_ is None
    assert isinstance(student.net_.module_.backbone, SmallStudent)


def test_same_seed_same_predictions(paired, frozen, student_small):
    images, skeleton, y = paired
    torch.manual_seed(0)
    state = torch.get_rng_state()
    probas = [
        DistilledStudentClassifier(
            frozen, max_epochs=2, random_state=1, **student_small
        )
        .fit(images, y, teacher_X=skeleton)
        .predict_proba(images)
        for _ in range(2)
    ]
    np.testing.assert_array_equal(probas[0], probas[1])
    assert torch.equal(torch.get_rng_state(), state)


def test_string_labels_and_persistence(paired, frozen, student_small, tmp_path):
    images, skeleton, y = paired
    student = DistilledStudentClassifier(frozen, max_epochs=1, **student_small)
    student.fit(images, y, teacher_X=skeleton)
    restored = pickle.loads(pickle.dumps(student))
    np.testing.assert_array_equal(restored.predict(images), student.predict(images))
    assert restored.predict(images).dtype.kind == "U"
    joblib.dump(student, tmp_path / "student.joblib")
    loaded = joblib.load(tmp_path / "student.joblib")
    np.testing.assert_array_equal(
        loaded.predict_proba(images), student.predict_proba(images)
    )
    # The teacher's outputs were for training only: they are not pickled.
    assert student.net_.teacher_embedding_ is None


def test_clone_keeps_a_frozen_teacher_and_clones_an_unfitted_one(frozen):
    student = DistilledStudentClassifier(frozen, angle_weight=1.0, module__width=4)
    cloned = clone(student)
    assert cloned.teacher is frozen  # FrozenEstimator is never cloned (nor refit)
    assert cloned.angle_weight == 1.0 and cloned.module__width == 4
    unfitted = TeacherClassifier(max_epochs=7)
    cloned = clone(DistilledStudentClassifier(unfitted))
    assert cloned.teacher is not unfitted and cloned.teacher.max_epochs == 7
    params = DistilledStudentClassifier(unfitted).get_params()
    assert params["teacher__max_epochs"] == 7


def test_a_clone_refuses_a_misspelt_keyword_of_the_student_or_its_teacher(paired):
    images, skeleton, y = paired
    student = DistilledStudentClassifier(distillation="none", max_epoch=1)  # sic
    with pytest.raises(TypeError, match=r"\['max_epoch'\]"):
        clone(student).fit(images, y)
    student = DistilledStudentClassifier(TeacherClassifier(lr_shedule=None))  # sic
    with pytest.raises(TypeError, match=r"\['lr_shedule'\]"):
        clone(student).fit(images, y, teacher_X=skeleton)


def test_loss_parameters_follow_the_registry():
    # sklearn reads parameters from the signature: each registered term needs
    # its "<term>_weight" line there, with the registry's default.
    from vskdlearn.losses._terms import LOSS_TERMS, loss_parameters, weight_name

    params = DistilledStudentClassifier().get_params()
    weights = {
        name: value for name, value in params.items() if name.endswith("_weight")
    }
    assert weights == {weight_name(t): spec.default for t, spec in LOSS_TERMS.items()}
    assert set(loss_parameters()) <= set(params)
    constraints = DistilledStudentClassifier._parameter_constraints
    assert set(loss_parameters()) <= set(constraints)
    doc = DistilledStudentClassifier.__doc__
    assert all(f"    {name} : float" in doc for name in loss_parameters())
