import pickle

import joblib
import numpy as np
import pytest
import torch
from sklearn.base import clone
from sklearn.exceptions import NotFittedError
from sklearn.model_selection import GridSearchCV, KFold, cross_val_score
from skorch.callbacks import Callback

from vskdlearn import Modalities, TeacherClassifier


def test_fit_predict_in_the_users_labels(paired, fitted_teacher):
    _, skeleton, y = paired
    teacher = fitted_teacher
    np.testing.assert_array_equal(teacher.classes_, ["sit", "stand", "walk"])
    assert set(teacher.predict(skeleton)) <= set(teacher.classes_)
    proba = teacher.predict_proba(skeleton)
    assert proba.shape == (len(y), 3)
    np.testing.assert_allclose(proba.sum(axis=1), 1)
    np.testing.assert_array_equal(
        teacher.classes_[proba.argmax(axis=1)], teacher.predict(skeleton)
    )
    assert 0 <= teacher.score(skeleton, y) <= 1
    assert teacher.n_features_in_ == 8


def test_embeddings_and_logits_come_from_one_forward_pass(paired, fitted_teacher):
    _, skeleton, _ = paired
    logits, embeddings = fitted_teacher.predict_logits_and_embeddings(skeleton)
    assert logits.dtype == embeddings.dtype == np.float32
    assert (
        embeddings.shape
        == (len(skeleton), 16)
        == (
            len(skeleton),
            fitted_teacher.embedding_dim_,
        )
    )
    np.testing.assert_array_equal(fitted_teacher.embed(skeleton), embeddings)
    np.testing.assert_allclose(fitted_teacher.decision_function(skeleton), logits)
    # Batches of 5 give the same outputs as batches of 32 (eval mode).
    copy = pickle.loads(pickle.dumps(fitted_teacher))
    copy.net_.batch_size = 5
    np.testing.assert_allclose(copy.embed(skeleton), embeddings, atol=1e-5)


def test_learns_an_easy_problem(make_paired, teacher_small):
    images, skeleton, y = make_paired(n_per_class=20, seed=1)
    # Small batches: enough steps for batch norm's running statistics to settle.
    teacher = TeacherClassifier(
        max_epochs=10, batch_size=8, random_state=0, **teacher_small
    )
    teacher.fit(skeleton, y)
    _, skeleton_test, y_test = make_paired(n_per_class=20, seed=2)
    # Three classes: chance is 1/3.
    assert teacher.score(skeleton_test, y_test) > 0.8


def test_same_seed_same_predictions_and_torch_state_untouched(paired, teacher_small):
    _, skeleton, y = paired
    torch.manual_seed(123)
    before = torch.get_rng_state()
    probas = [
        TeacherClassifier(max_epochs=2, random_state=7, **teacher_small)
        .fit(skeleton, y)
        .predict_proba(skeleton)
        for _ in range(2)
    ]
    np.testing.assert_array_equal(probas[0], probas[1])
    assert torch.equal(torch.get_rng_state(), before)
    other = TeacherClassifier(max_epochs=2, random_state=8, **teacher_small)
    assert not np.allclose(other.fit(skeleton, y).predict_proba(skeleton), probas[0])


@pytest.mark.parametrize(
    "modality, shape, dtype",
    [
        ("video", (4, 3, 8, 8), np.uint8),
        ("video", (4, 3, 8, 8), np.float32),
        ("depth", (4, 8, 8), np.float32),
        ("accelerometer", (3, 16), np.float32),
        ("gyroscope", (16,), np.float32),
    ],
)
def test_other_modalities(modality, shape, dtype):
    rng = np.random.default_rng(0)
    X = rng.integers(0, 255, size=(12, *shape)).astype(dtype)
    if dtype == np.float32:
        X /= 255
    y = np.repeat([0, 1], 6)
    small = {"module__width": 4, "module__embedding_dim": 8}
    if modality == "video":
        small["module__frame_dim"] = 8
    teacher = TeacherClassifier(modality, max_epochs=1, random_state=0, **small)
    teacher.fit(X, y)
    assert teacher.embed(X).shape == (12, 8)
    # Binary problems: one score per sample, as scikit-learn expects.
    assert teacher.decision_function(X).shape == (12,)


def _bundle(n=12, seed=0):
    rng = np.random.default_rng(seed)
    y = np.repeat([0, 1], n // 2)
    skeleton = rng.normal(size=(n, 8, 20, 3)).astype(np.float32)
    accelerometer = rng.normal(size=(n, 3, 16)).astype(np.float32)
    accelerometer[y == 1] += 1
    return Modalities(skeleton=skeleton, accelerometer=accelerometer), y


FUSION_SMALL = {"module__branch_dim": 8, "module__embedding_dim": 8}


def test_fusion_of_a_modalities_bundle_splits_under_cv():
    X, y = _bundle(n=16)
    teacher = TeacherClassifier("fusion", max_epochs=1, random_state=0, **FUSION_SMALL)
    scores = cross_val_score(teacher, X, y, cv=KFold(2, shuffle=True, random_state=0))
    assert scores.shape == (2,)
    teacher.fit(X, y)
    assert teacher.modality_shapes_ == {
        "skeleton": (8, 20, 3),
        "accelerometer": (3, 16),
    }
    assert teacher.predict(X[:3]).shape == (3,)
    # A plain dict is accepted too (it is not split by cross-validation).
    as_dict = {name: X[name] for name in X.names}
    np.testing.assert_array_equal(teacher.predict(as_dict), teacher.predict(X))


def _series(n=12):
    return np.random.default_rng(0).normal(size=(n, 3, 16)), np.repeat([0, 1], n // 2)


@pytest.mark.parametrize(
    "params, X, y, error, message",
    [
        ({}, np.zeros((6, 8, 20)), [0, 1] * 3, ValueError, "n_joints, n_coords"),
        (
            {"modality": "video"},
            np.zeros((6, 4, 8, 8)),
            [0, 1] * 3,
            ValueError,
            "n_colors",
        ),
        (
            {"modality": "fusion"},
            np.zeros((6, 3, 16)),
            [0, 1] * 3,
            ValueError,
            "Modalities bundle",
        ),
        (
            {"modality": "accelerometer"},
            Modalities(accelerometer=np.zeros((6, 3, 16))),
            [0, 1] * 3,
            ValueError,
            "set modality='fusion'",
        ),
        (
            {"modality": "accelerometer"},
            np.full((6, 3, 16), np.nan),
            [0, 1] * 3,
            ValueError,
            "NaN",
        ),
        (
            {"modality": "accelerometer"},
            np.zeros((6, 3, 16)),
            [0] * 6,
            ValueError,
            "at least 2 classes",
        ),
        (
            {"modality": "accelerometer"},
            np.zeros((6, 3, 16)),
            [0, 1] * 2,
            ValueError,
            "inconsistent numbers",
        ),
        (
            {"modality": "accelerometer"},
            np.zeros((6, 3, 16)),
            None,
            ValueError,
            "requires y",
        ),
        (
            {"modality": "accelerometer", "early_stopping": True},
            np.zeros((6, 3, 16)),
            [0, 1] * 3,
            ValueError,
            "early_stopping=True carves a stratified validation split",
        ),
        (
            {"modality": "lidar"},
            np.zeros((6, 3, 16)),
            [0, 1] * 3,
            ValueError,
            "'modality' parameter",
        ),
        (
            {"max_epochs": 0},
            np.zeros((6, 8, 20, 3)),
            [0, 1] * 3,
            ValueError,
            "'max_epochs' parameter",
        ),
        (
            {"modality": "accelerometer", "module__input_shape": (6, 16)},
            np.zeros((6, 3, 16)),
            [0, 1] * 3,
            ValueError,
            "cannot take samples of shape",
        ),
        (
            {"modality": "accelerometer", "module__n_classes": 5},
            np.zeros((6, 3, 16)),
            [0, 1] * 3,
            ValueError,
            "y has 2 classes",
        ),
    ],
)
def test_bad_input(params, X, y, error, message):
    with pytest.raises(error, match=message):
        TeacherClassifier(**{"max_epochs": 1, **params}).fit(X, y)


def test_unknown_keyword_is_refused_in_fit():
    X, y = _series()
    teacher = TeacherClassifier("accelerometer", max_epoch=5)  # sic
    with pytest.raises(TypeError, match=r"\['max_epoch'\].*module__width=32"):
        teacher.fit(X, y)


def test_a_clone_refuses_the_unknown_keyword_too():
    # clone, GridSearchCV and cross_val_score rebuild the estimator from
    # get_params; a misspelling dropped there would train with the default.
    X, y = _series()
    teacher = TeacherClassifier("accelerometer", max_epoch=5)  # sic
    assert teacher.get_params()["max_epoch"] == 5
    with pytest.raises(TypeError, match=r"\['max_epoch'\]"):
        clone(teacher).fit(X, y)
    with pytest.raises(TypeError, match=r"\['max_epoch'\]"):
        cross_val_score(teacher, X, y, cv=2, error_score="raise")


def test_cuda_asked_for_without_a_gpu():
    if torch.cuda.is_available():
        pytest.skip("a GPU is present")
    X, y = _series()
    with pytest.raises(ValueError, match="device='auto'"):
        TeacherClassifier("accelerometer", device="cuda").fit(X, y)
    teacher = TeacherClassifier("accelerometer", max_epochs=1, device="auto").fit(X, y)
    assert teacher.device_ == "cpu"


def test_predict_checks_the_input(paired, fitted_teacher):
    _, skeleton, _ = paired
    with pytest.raises(NotFittedError):
        TeacherClassifier().predict(skeleton)
    with pytest.raises(ValueError, match="fitted on"):
        fitted_teacher.predict(skeleton[:, :, :10])
    with pytest.raises(ValueError, match="expecting 8 features"):
        fitted_teacher.predict(skeleton[:, :6])


def test_module_instance_is_not_trained_in_place():
    from vskdlearn.networks import SensorCNN

    X, y = _series()
    module = SensorCNN(n_classes=2, input_shape=(3, 16), width=4)
    before = {k: v.clone() for k, v in module.state_dict().items()}
    teacher = TeacherClassifier("accelerometer", module, max_epochs=2).fit(X, y)
    for key, value in module.state_dict().items():
        assert torch.equal(value, before[key]), key
    assert teacher.net_.module_ is not module
    with pytest.raises(ValueError, match="pass the module class"):
        TeacherClassifier("accelerometer", module, module__width=8).fit(X, y)


def test_prefixed_params_are_grid_searchable():
    X, y = _series(16)
    teacher = TeacherClassifier("accelerometer", max_epochs=1, module__width=4)
    params = teacher.get_params()
    assert params["module__width"] == 4
    cloned = clone(teacher)
    assert cloned.module__width == 4
    assert "module__width" in repr(teacher)
    grid = GridSearchCV(teacher, {"module__width": [2, 4]}, cv=2).fit(X, y)
    assert grid.best_estimator_.net_.module_.width in (2, 4)
    teacher.set_params(module__width=6, optimizer__weight_decay=0.0, lr=0.01)
    teacher.fit(X, y)
    assert teacher.net_.module_.width == 6
    assert teacher.net_.optimizer_.param_groups[0]["weight_decay"] == 0.0


class _RecordSplit(Callback):
    """Keeps the training and validation samples skorch used."""

    def on_train_begin(self, net, X=None, y=None, **kwargs):
        self.seen = []

    def on_epoch_begin(self, net, dataset_train=None, dataset_valid=None, **kwargs):
        self.seen.append((dataset_train.indices, dataset_valid.indices))


def test_early_stopping_holds_out_part_of_the_training_data():
    X, y = _series(40)
    teacher = TeacherClassifier(
        "accelerometer",
        max_epochs=30,
        lr=0.5,  # diverges, so the validation loss stops improving at once
        early_stopping=True,
        validation_fraction=0.25,
        n_iter_no_change=2,
        callbacks=[("record", _RecordSplit())],
        random_state=0,
        module__width=4,
    ).fit(X, y)
    history = teacher.history_
    assert len(history) < 30  # stopped early
    record = dict(teacher.net_.callbacks_)["record"]
    train, valid = (np.asarray(i) for i in record.seen[0])
    assert len(valid) == 10 and len(train) == 30
    assert set(train) | set(valid) == set(range(40)) and not set(train) & set(valid)
    np.testing.assert_array_equal(np.bincount(y[valid]), [5, 5])  # stratified
    assert "valid_loss" in history[-1] and "valid_acc" in history[-1]
    # The parameter is left as given (skorch got a copy of the callbacks).
    assert not hasattr(teacher.callbacks[0][1], "seen")


def test_cosine_schedule_and_switching_it_off():
    X, y = _series()
    teacher = TeacherClassifier("accelerometer", max_epochs=4, module__width=4)
    lrs = teacher.fit(X, y).history_[:, "event_lr"]
    assert lrs[0] == pytest.approx(1e-3) and lrs[-1] < lrs[1] < lrs[0]
    teacher.set_params(callbacks__lr_scheduler=None).fit(X, y)
    assert "event_lr" not in teacher.history_[-1]
    assert teacher.net_.optimizer_.param_groups[0]["lr"] == pytest.approx(1e-3)
    constant = TeacherClassifier("accelerometer", max_epochs=2, lr_schedule=None)
    constant.fit(X, y)
    assert "lr_scheduler" not in dict(constant.net_.callbacks_)


def test_verbose_prints_epochs_and_a_progress_bar(capsys):
    X, y = _series()
    TeacherClassifier("accelerometer", max_epochs=1, verbose=2).fit(X, y)
    captured = capsys.readouterr()
    assert "train_loss" in captured.out
    assert "it/s" in captured.err or "batches" in captured.err
    TeacherClassifier("accelerometer", max_epochs=1).fit(X, y)
    assert capsys.readouterr().out == ""


@pytest.mark.parametrize("dump", ["pickle", "joblib"])
def test_persistence(paired, fitted_teacher, tmp_path, dump):
    _, skeleton, _ = paired
    path = tmp_path / "teacher.bin"
    if dump == "pickle":
        path.write_bytes(pickle.dumps(fitted_teacher))
        loaded = pickle.loads(path.read_bytes())
    else:
        joblib.dump(fitted_teacher, path)
        loaded = joblib.load(path)
    np.testing.assert_array_equal(
        loaded.predict_proba(skeleton), fitted_teacher.predict_proba(skeleton)
    )
    np.testing.assert_array_equal(loaded.classes_, fitted_teacher.classes_)
