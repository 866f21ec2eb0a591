"""Students on raw windows: encoder and augmentation inside the network."""

import numpy as np
import pytest
import torch
from sklearn import config_context
from sklearn.frozen import FrozenEstimator
from sklearn.model_selection import GridSearchCV, GroupKFold
from sklearn.pipeline import Pipeline

from vskdlearn import DistilledStudentClassifier, GAFTransformer, TeacherClassifier
from vskdlearn.augmentation import AugmentationLayer, SensorAugmentation
from vskdlearn.networks import SensorCNN, SmallStudent, StudentModel

SMALL_SENSOR = {"module__width": 4, "module__embedding_dim": 8}


def _windows(n_per_class=12, n_classes=3, length=32, seed=0):
    """3-axis windows whose class sets the frequency of the x axis."""
    rng = np.random.default_rng(seed)
    y = np.repeat(np.arange(n_classes), n_per_class)
    t = np.arange(length)
    X = rng.normal(scale=0.2, size=(len(y), 3, length))
    X[:, 0] += np.sin((y[:, None] + 1) * t / 4)
    subject = np.arange(len(y)) % 4
    return X.astype(np.float32), y, subject


@pytest.fixture(scope="module")
def sensor_teacher():
    X, y, _ = _windows()
    return TeacherClassifier(
        "accelerometer", max_epochs=2, random_state=0, **SMALL_SENSOR
    ).fit(X, y)


def test_default_student_on_windows_is_augmented_with_a_magnitude_channel(
    sensor_teacher,
):
    X, y, _ = _windows()
    student = DistilledStudentClassifier(
        FrozenEstimator(sensor_teacher), max_epochs=2, random_state=0, **SMALL_SENSOR
    ).fit(X, y, teacher_X=X)
    module = student.net_.module_
    assert isinstance(module, StudentModel)
    assert isinstance(module.augmentation, AugmentationLayer)
    assert module.augmentation.rotation == SensorAugmentation().rotation
    assert isinstance(module.backbone, SensorCNN)
    assert module.backbone.input_shape == (4, 32)  # x, y, z and |a|
    assert student.input_shape_ == (3, 32) and student.n_features_in_ == 3
    assert student.encoder_ is None


def test_augmentation_is_off_at_predict(sensor_teacher):
    X, y, _ = _windows()
    student = DistilledStudentClassifier(
        FrozenEstimator(sensor_teacher), max_epochs=2, random_state=0, **SMALL_SENSOR
    ).fit(X, y, teacher_X=X)
    first = student.predict_proba(X)
    np.testing.assert_array_equal(first, student.predict_proba(X))
    module = student.net_.module_.eval()
    with torch.no_grad():
        logits = module.backbone(module.derive(torch.from_numpy(X)))[0]
    np.testing.assert_allclose(
        first, torch.softmax(logits.double(), 1).numpy(), rtol=1e-5, atol=1e-6
    )


def test_same_seed_same_student_other_seed_other_student(sensor_teacher):
    X, y, _ = _windows()

    def fit(seed):
        return DistilledStudentClassifier(
            FrozenEstimator(sensor_teacher),
            max_epochs=3,
            random_state=seed,
            augmentation=SensorAugmentation(mixup=0.4),
            **SMALL_SENSOR,
        ).fit(X, y, teacher_X=X)

    np.testing.assert_array_equal(fit(0).predict_proba(X), fit(0).predict_proba(X))
    assert not np.allclose(fit(0).predict_proba(X), fit(1).predict_proba(X))


def test_the_augmentation_changes_what_the_network_learns(sensor_teacher):
    X, y, _ = _windows()
    common = dict(max_epochs=3, random_state=0, **SMALL_SENSOR)
    plain = DistilledStudentClassifier(
        FrozenEstimator(sensor_teacher), augmentation=None, **common
    ).fit(X, y, teacher_X=X)
    augmented = DistilledStudentClassifier(
        FrozenEstimator(sensor_teacher), **common
    ).fit(X, y, teacher_X=X)
    assert not np.allclose(plain.predict_proba(X), augmented.predict_proba(X))


def test_mixup_blends_the_losses_of_both_samples(sensor_teacher):
    X, y, _ = _windows()
    student = DistilledStudentClassifier(
        FrozenEstimator(sensor_teacher),
        max_epochs=2,
        random_state=0,
        augmentation=SensorAugmentation(mixup=1.0),
        **SMALL_SENSOR,
    ).fit(X, y, teacher_X=X)
    batch = student.history_[-1, "batches", 0]
    assert {"train_ce", "train_kd"} <= set(batch)
    assert np.isfinite(student.predict_proba(X)).all()
    # The mixup generator is training-only state, like the teacher rows.
    assert student.net_.mixup_generator_ is None


def test_gaf_student_equals_the_image_network_on_gaf_images(sensor_teacher):
    X, y, _ = _windows()
    gaf = GAFTransformer(image_size=8, method="both", scaling="fit")
    student = DistilledStudentClassifier(
        FrozenEstimator(sensor_teacher),
        encoder=gaf,
        augmentation=None,
        magnitude=False,
        max_epochs=2,
        random_state=0,
        module__width=4,
        module__embedding_dim=8,
    ).fit(X, y, teacher_X=X)
    assert isinstance(student.net_.module_.backbone, SmallStudent)
    # The encoder was fitted inside fit, on the training windows: the same
    # ranges as a GAFTransformer fitted on them outside.
    images = GAFTransformer(image_size=8, method="both", scaling="fit").fit_transform(X)
    np.testing.assert_allclose(student.encoder_.transform(X), images, atol=1e-5)
    backbone = student.net_.module_.backbone.eval()
    with torch.no_grad():
        logits = backbone(torch.from_numpy(images))[0]
    np.testing.assert_array_equal(
        student.predict(X), student.classes_[logits.argmax(1).numpy()]
    )
    np.testing.assert_allclose(
        student.predict_proba(X),
        torch.softmax(logits.double(), 1).numpy(),
        rtol=1e-4,
        atol=1e-5,
    )


def test_gaf_student_sees_the_magnitude_channel_too(sensor_teacher):
    X, y, _ = _windows()
    student = DistilledStudentClassifier(
        FrozenEstimator(sensor_teacher),
        encoder=GAFTransformer(image_size=8, method="both", scaling="fit"),
        max_epochs=1,
        random_state=0,
        module__width=4,
        module__embedding_dim=8,
    ).fit(X, y, teacher_X=X)
    # 4 series (x, y, z, |a|), GASF and GADF of each.
    assert student.net_.module_.backbone.input_shape == (8, 8, 8)


@pytest.mark.parametrize(
    "params, message",
    [
        ({"augmentation": SensorAugmentation()}, "augmentation= works on raw"),
        ({"magnitude": True}, "magnitude= works on raw"),
        ({"encoder": GAFTransformer(image_size=4)}, "encoder= works on raw"),
    ],
)
def test_window_options_are_refused_on_images(params, message, paired, fitted_teacher):
    images, skeleton, y = paired
    student = DistilledStudentClassifier(
        FrozenEstimator(fitted_teacher), max_epochs=1, **params
    )
    with pytest.raises(ValueError, match=message):
        student.fit(images, y, teacher_X=skeleton)


def test_magnitude_needs_three_axis_sensors(sensor_teacher):
    X, y, _ = _windows()
    student = DistilledStudentClassifier(
        distillation="none", magnitude=True, max_epochs=1, **SMALL_SENSOR
    )
    with pytest.raises(ValueError, match="groups of 3; they have 2"):
        student.fit(X[:, :2], y)
    # "auto" adds none there and turns rotation off, so other sensors work.
    auto = DistilledStudentClassifier(distillation="none", max_epochs=1, **SMALL_SENSOR)
    auto.fit(X[:, :2], y)
    assert auto.net_.module_.derive is None
    assert auto.net_.module_.augmentation.rotation == 0


def test_early_stopping_holds_out_whole_subjects(sensor_teacher):
    X, y, subject = _windows()
    student = DistilledStudentClassifier(
        FrozenEstimator(sensor_teacher),
        early_stopping=True,
        validation_fraction=0.25,
        max_epochs=2,
        random_state=0,
        **SMALL_SENSOR,
    )
    student.fit(X, y, teacher_X=X, groups=subject)
    split = student.net_.train_split
    assert len(split.valid) > 0
    assert not set(subject[split.train]) & set(subject[split.valid])
    assert len(set(subject[split.valid])) == 1  # a quarter of 4 subjects
    assert "valid_loss" in student.history_[-1]
    with pytest.raises(ValueError, match="at least 2 groups"):
        student.fit(X, y, teacher_X=X, groups=np.zeros(len(y)))
    with pytest.raises(ValueError, match="one group .* per sample"):
        student.fit(X, y, teacher_X=X, groups=subject[:-1])


def test_early_stopping_without_groups_is_stratified(sensor_teacher):
    X, y, subject = _windows()
    student = DistilledStudentClassifier(
        FrozenEstimator(sensor_teacher),
        early_stopping=True,
        validation_fraction=0.25,
        max_epochs=1,
        random_state=0,
        **SMALL_SENSOR,
    ).fit(X, y, teacher_X=X)
    valid = student.net_.train_split.valid
    assert np.bincount(y[valid]).tolist() == [3, 3, 3]


@pytest.mark.parametrize("early_stopping", [False, True])
def test_a_last_batch_of_one_does_not_break_batch_norm(early_stopping):
    # 33 samples, batch 32: the last training batch would hold one sample.
    X, y, _ = _windows(n_per_class=11)
    X, y = X[:33], y[:33]
    if early_stopping:
        X, y = np.concatenate([X, X[:4]]), np.concatenate([y, y[:4]])  # 37 - 4 = 33
    student = DistilledStudentClassifier(
        distillation="none",
        batch_size=32,
        max_epochs=2,
        early_stopping=early_stopping,
        validation_fraction=0.1,
        **SMALL_SENSOR,
    ).fit(X, y)
    assert np.isfinite(student.predict_proba(X)).all()
    # Every epoch still trains on the samples but the one dropped.
    assert student.history_[-1, "batches", 0]["train_batch_size"] == 32


def test_grid_search_reaches_the_augmentation_with_teacher_X_routed(sensor_teacher):
    X, y, subject = _windows()
    pipe = Pipeline(
        [
            (
                "student",
                DistilledStudentClassifier(
                    FrozenEstimator(sensor_teacher),
                    augmentation=SensorAugmentation(),
                    max_epochs=1,
                    random_state=0,
                    **SMALL_SENSOR,
                ),
            )
        ]
    )
    with config_context(enable_metadata_routing=True):
        grid = GridSearchCV(
            pipe, {"student__augmentation__rotation": [0.0, 45.0]}, cv=GroupKFold(2)
        )
        grid.fit(X, y, teacher_X=X, groups=subject)
    rotations = [
        p["student__augmentation__rotation"] for p in grid.cv_results_["params"]
    ]
    assert rotations == [0.0, 45.0]
    fitted = grid.best_estimator_[-1].net_.module_.augmentation
    assert fitted.rotation == grid.best_params_["student__augmentation__rotation"]
    assert np.isfinite(grid.cv_results_["mean_test_score"]).all()


def test_one_cycle_schedule_warms_up_then_anneals():
    X, y, _ = _windows()
    student = DistilledStudentClassifier(
        distillation="none", max_epochs=4, batch_size=8, lr=0.01, **SMALL_SENSOR
    ).fit(X, y)
    lrs = [b["event_lr"] for epoch in student.history_ for b in epoch["batches"]]
    assert len(lrs) == 4 * 5  # 36 samples in batches of 8
    peak = int(np.argmax(lrs))
    assert 0 < peak < len(lrs) - 1 and max(lrs) == pytest.approx(0.01, rel=0.01)
    assert lrs[-1] < 0.01 * 1e-2


def test_a_sensor_teacher_takes_the_augmentation_too():
    X, y, _ = _windows()
    teacher = TeacherClassifier(
        "accelerometer",
        augmentation=SensorAugmentation(),
        max_epochs=2,
        random_state=0,
        **SMALL_SENSOR,
    ).fit(X, y)
    assert isinstance(teacher.net_.module_.augmentation, AugmentationLayer)
    np.testing.assert_array_equal(teacher.predict_proba(X), teacher.predict_proba(X))
    with pytest.raises(ValueError, match="mixup is a student option"):
        TeacherClassifier(
            "accelerometer", augmentation=SensorAugmentation(mixup=0.2), max_epochs=1
        ).fit(X, y)
    with pytest.raises(ValueError, match="is not a sensor"):
        TeacherClassifier(
            "skeleton", augmentation=SensorAugmentation(), max_epochs=1
        ).fit(np.zeros((len(y), 4, 5, 3), np.float32), y)


def test_rkd_with_the_default_weights_says_how_to_get_the_papers(sensor_teacher):
    X, y, _ = _windows()
    student = DistilledStudentClassifier(
        FrozenEstimator(sensor_teacher), distillation="rkd", max_epochs=1
    )
    with pytest.raises(ValueError, match="learns nothing from the teacher.*PAPER_DASK"):
        student.fit(X, y, teacher_X=X)
