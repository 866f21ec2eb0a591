"""Fits that leave the process as they found it, devices, teacher outputs as data."""

import pickle
import threading

import numpy as np
import pytest
import sklearn
import torch
from sklearn.exceptions import NotFittedError
from sklearn.frozen import FrozenEstimator
from sklearn.model_selection import GridSearchCV, StratifiedKFold

from vskdlearn import DistilledStudentClassifier, TeacherClassifier, TeacherOutputs
from vskdlearn.estimators._teacher_outputs import AttentionPairingError


def _student(frozen, student_small, seed=0, **params):
    return DistilledStudentClassifier(
        frozen, max_epochs=2, batch_size=8, random_state=seed, **student_small, **params
    )


def test_fit_and_predict_leave_torchs_global_generator_alone(
    paired, fitted_teacher, student_small
):
    images, skeleton, y = paired
    torch.manual_seed(7)
    state = torch.get_rng_state()
    student = _student(FrozenEstimator(fitted_teacher), student_small)
    student.fit(images, y, teacher_X=skeleton).predict(images)
    assert torch.equal(torch.get_rng_state(), state)


def test_fits_on_threads_give_the_serial_results(paired, fitted_teacher, student_small):
    images, skeleton, y = paired
    frozen = FrozenEstimator(fitted_teacher)

    def run(seed):
        student = _student(frozen, student_small, seed)
        return student.fit(images, y, teacher_X=skeleton).predict_proba(images)

    serial = {seed: run(seed) for seed in range(3)}
    threaded = {}
    threads = [
        threading.Thread(target=lambda s=s: threaded.__setitem__(s, run(s)))
        for s in range(3)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    for seed in range(3):
        np.testing.assert_array_equal(threaded[seed], serial[seed])


@pytest.mark.parametrize(
    "device, message",
    [
        ("gpu", "not a torch device"),
        ("cuda:1", "device='auto'"),
        ("mps" if not torch.backends.mps.is_available() else "cuda:99", "device='cpu'"),
    ],
)
def test_device_strings_are_checked(paired, student_small, device, message):
    images, _, y = paired
    student = DistilledStudentClassifier(
        distillation="none", max_epochs=1, device=device, **student_small
    )
    with pytest.raises(ValueError, match=message):
        student.fit(images, y)


def test_any_torch_device_string_is_taken(paired, student_small):
    images, _, y = paired
    student = DistilledStudentClassifier(
        distillation="none", max_epochs=1, device="cpu:0", **student_small
    ).fit(images, y)
    assert student.device_ == "cpu:0"


def test_a_gpu_fitted_model_predicts_on_a_cpu_only_machine(
    paired, fitted_teacher, student_small
):
    # Simulated: a model that says it was fitted on "cuda" (as one pickled on
    # a GPU machine does), unpickled where torch sees no CUDA device.
    if torch.cuda.is_available():
        pytest.skip("needs a machine without CUDA")
    images, skeleton, y = paired
    student = _student(FrozenEstimator(fitted_teacher), student_small)
    student.fit(images, y, teacher_X=skeleton)
    expected = student.predict_proba(images)
    student.device_ = student.net_.device = "cuda"
    with pytest.warns(UserWarning, match="no CUDA devices"):
        loaded = pickle.loads(pickle.dumps(student))
    assert loaded.device_ == "cpu" and str(loaded.net_.device) == "cpu"
    np.testing.assert_allclose(loaded.predict_proba(images), expected, rtol=1e-6)


def test_mixed_precision_trains_and_predicts_float32(paired, student_small):
    images, _, y = paired
    student = DistilledStudentClassifier(
        distillation="none", max_epochs=2, mixed_precision=True, **student_small
    ).fit(images, y)
    logits, embedding = student.predict_logits_and_embeddings(images)
    assert logits.dtype == np.float32 and np.isfinite(logits).all()


def test_loss_terms_are_kept_as_tensors_until_the_epoch_ends(
    paired, fitted_teacher, student_small
):
    images, skeleton, y = paired
    student = _student(FrozenEstimator(fitted_teacher), student_small)
    student.fit(images, y, teacher_X=skeleton)
    terms = student.net_.criterion_.last_term_tensors
    assert all(torch.is_tensor(v) for v in terms.values())
    # ... and the history holds plain floats, as skorch's own does.
    batch = student.history_[-1, "batches", 0]
    assert isinstance(batch["train_loss"], float) and isinstance(
        batch["train_kd"], float
    )


def test_teacher_outputs_teach_like_the_teacher(paired, fitted_teacher, student_small):
    images, skeleton, y = paired
    frozen = FrozenEstimator(fitted_teacher)
    from_input = _student(frozen, student_small).fit(images, y, teacher_X=skeleton)
    outputs = TeacherOutputs.from_teacher(fitted_teacher, skeleton)
    assert outputs.nbytes < skeleton.nbytes
    # No teacher at all: the outputs are all the student needs.
    from_outputs = _student(None, student_small).fit(images, y, teacher_X=outputs)
    np.testing.assert_array_equal(
        from_outputs.predict_proba(images), from_input.predict_proba(images)
    )
    assert from_outputs.teacher_ is None


class _CountingTeacher(TeacherClassifier):
    passes = 0

    def predict_logits_and_embeddings(self, X):
        type(self).passes += 1
        return super().predict_logits_and_embeddings(X)


def test_a_grid_search_on_teacher_outputs_runs_the_teacher_once(
    paired, teacher_small, student_small
):
    images, skeleton, y = paired
    teacher = _CountingTeacher(max_epochs=2, random_state=0, **teacher_small)
    teacher.fit(skeleton, y)
    grid = {"angle_weight": [0.0, 1.0]}
    results = {}
    with sklearn.config_context(enable_metadata_routing=True):
        for what in ("teacher_X", "outputs"):
            _CountingTeacher.passes = 0
            teacher_X = skeleton
            if what == "outputs":
                teacher_X = TeacherOutputs.from_teacher(teacher, skeleton)
            search = GridSearchCV(
                _student(FrozenEstimator(teacher), student_small, kd_weight=1.0),
                grid,
                cv=StratifiedKFold(3),
            ).fit(images, y, teacher_X=teacher_X)
            results[what] = (_CountingTeacher.passes, search.cv_results_)
    assert results["teacher_X"][0] == 2 * 3 + 1  # every candidate and fold, refit
    assert results["outputs"][0] == 1
    np.testing.assert_array_equal(
        results["outputs"][1]["mean_test_score"],
        results["teacher_X"][1]["mean_test_score"],
    )


def test_teacher_outputs_index_and_check_like_sample_arrays():
    outputs = TeacherOutputs(
        np.zeros((5, 3)),
        np.ones((5, 4)),
        classes=["a", "b", "c"],
        feature_maps=[np.zeros((5, 2, 7))],
    )
    part = outputs[np.array([0, 3])]
    assert len(part) == 2 and part.feature_maps[0].shape == (2, 2, 7)
    assert list(part.classes) == ["a", "b", "c"]
    with pytest.raises(ValueError, match="sample-aligned"):
        TeacherOutputs(np.zeros((5, 3)), np.ones((4, 4)))
    with pytest.raises(ValueError, match="3 classes were given"):
        TeacherOutputs(np.zeros((5, 2)), np.ones((5, 4)), classes=["a", "b", "c"])


def test_teacher_outputs_of_other_classes_or_without_maps_are_refused(
    paired, student_small
):
    images, _, y = paired
    wrong = TeacherOutputs(
        np.zeros((len(y), 3)), np.ones((len(y), 4)), classes=[0, 1, 2]
    )
    with pytest.raises(ValueError, match="same labels"):
        _student(None, student_small).fit(images, y, teacher_X=wrong)
    no_maps = TeacherOutputs(np.zeros((len(y), 3)), np.ones((len(y), 4)))
    with pytest.raises(AttentionPairingError, match="feature_maps=True"):
        _student(None, student_small, distillation="at").fit(
            images, y, teacher_X=no_maps
        )


class _OutputsOfWhatItSaw(TeacherClassifier):
    """A teacher whose logits say how many samples it was fitted on."""

    def fit(self, X, y, groups=None):
        super().fit(X, y)
        self.n_fit_ = len(X)
        return self

    def predict_logits_and_embeddings(self, X):
        logits, embeddings = super().predict_logits_and_embeddings(X)
        return np.full_like(logits, self.n_fit_), embeddings


def test_cross_fitted_outputs_come_from_teachers_that_never_saw_the_group(
    paired, teacher_small
):
    _, skeleton, y = paired
    groups = np.arange(len(y)) % 4
    teacher = _OutputsOfWhatItSaw(max_epochs=1, random_state=0, **teacher_small)
    full = teacher.fit(skeleton, y)
    outputs = TeacherOutputs.cross_fitted(full, skeleton, y, groups=groups)
    # Each sample's logits from the teacher fitted on the other three groups.
    held_out_size = np.bincount(groups)[groups]
    np.testing.assert_array_equal(outputs.logits[:, 0], len(y) - held_out_size)
    # Embeddings from the teacher fitted on every sample, one space for all.
    np.testing.assert_array_equal(
        outputs.embeddings, full.predict_logits_and_embeddings(skeleton)[1]
    )
    assert list(outputs.classes) == list(full.classes_)
    # An unfitted teacher is fitted on all samples for the embeddings.
    unfitted = _OutputsOfWhatItSaw(max_epochs=1, random_state=0, **teacher_small)
    again = TeacherOutputs.cross_fitted(unfitted, skeleton, y, groups=groups)
    np.testing.assert_array_equal(again.logits, outputs.logits)
    np.testing.assert_array_equal(again.embeddings, outputs.embeddings)


def test_cross_fitted_outputs_refuse_folds_without_a_class(paired, teacher_small):
    _, skeleton, y = paired
    teacher = TeacherClassifier(max_epochs=1, random_state=0, **teacher_small)
    with pytest.raises(ValueError, match="has no samples of classes"):
        # Grouped by label: each fold's training part lacks its held-out class.
        TeacherOutputs.cross_fitted(teacher.fit(skeleton, y), skeleton, y, groups=y)


@pytest.mark.parametrize(
    ("case", "error", "message"),
    [
        ("short y", ValueError, "must be sample-aligned"),
        ("one group", ValueError, "a single group"),
        ("folds leave samples out", ValueError, "samples out of every held-out part"),
        ("frozen unfitted", NotFittedError, "FrozenEstimator around an unfitted"),
    ],
)
def test_cross_fitted_outputs_say_what_is_wrong(
    paired, fitted_teacher, teacher_small, case, error, message
):
    _, skeleton, y = paired
    teacher, kwargs = fitted_teacher, {"groups": np.arange(len(y)) % 3}
    if case == "short y":
        y = y[:-1]
    elif case == "one group":
        kwargs = {"groups": np.zeros(len(y))}
    elif case == "folds leave samples out":
        every = np.arange(len(y))
        # Two folds whose held-out parts miss the last sample.
        kwargs = {"cv": [(every[::2], every[1:-1:2]), (every[1::2], every[:-1:2])]}
    else:
        teacher = FrozenEstimator(TeacherClassifier(max_epochs=1, **teacher_small))
    with pytest.raises(error, match=message):
        TeacherOutputs.cross_fitted(teacher, skeleton, y, **kwargs)


def test_a_student_learns_from_cross_fitted_outputs(
    paired, fitted_teacher, student_small
):
    images, skeleton, y = paired
    outputs = TeacherOutputs.cross_fitted(
        fitted_teacher, skeleton, y, groups=np.arange(len(y)) % 3
    )
    student = _student(None, student_small).fit(images, y, teacher_X=outputs)
    assert student.predict(images).shape == y.shape
