"""The units of work of ``vskd run``: one teacher fit, one student fit.

Each is a plain function of plain data that returns plain data, so that it
runs the same inline (the serial path), on a Dask worker thread or process,
or on another machine. A student task reads its seed's teacher through the
teacher task's result: the teacher's outputs on the training samples (a
``TeacherOutputs``, kilobytes), never the teacher's input.
"""

import contextlib
import time

import numpy as np
import pandas as pd

from ._config import METHODS
from ._progress import with_epoch_progress

__all__ = ["fit_student", "fit_teacher", "make_student"]


def _count_parameters(estimator):
    module = estimator.net_.module_
    return int(sum(p.numel() for p in module.parameters()))


def _encoded(student, X):
    """What a GAF student's backbone sees for windows ``X``, as numpy."""
    import torch

    module = student.net_.module_.eval()
    with torch.no_grad():
        return module.encode(torch.as_tensor(X, dtype=torch.float32)).numpy()


def _timed_predict(predict, X):
    start = time.process_time()
    pred = predict(X)
    # CPU time, not wall time: it is what a battery pays, and it is steadier
    # on a shared machine.
    return pred, 1000 * (time.process_time() - start) / max(len(X), 1)


def _history_frame(estimator):
    history = estimator.history_
    keys = [k for k in ("train_loss", "valid_loss", "valid_acc") if k in history[-1]]
    frame = pd.DataFrame({k: history[:, k] for k in keys}, index=history[:, "epoch"])
    frame["train_ce"] = _train_cross_entropy(estimator)
    return frame


def _train_cross_entropy(estimator):
    """Training cross-entropy per epoch: the one term every model's loss shares.

    ``train_loss`` is each model's own objective (cross-entropy plus weighted
    distillation terms), so curves of different methods are not comparable.
    """
    from ..estimators import TeacherClassifier

    history = estimator.history_
    if isinstance(estimator, TeacherClassifier):  # trained on cross-entropy alone
        return history[:, "train_loss"]
    per_epoch = []
    for epoch in history:
        batches = [b for b in epoch["batches"] if "train_ce" in b]
        sizes = [b["train_batch_size"] for b in batches]
        # Weighted by batch size, as skorch averages train_loss.
        per_epoch.append(
            np.average([b["train_ce"] for b in batches], weights=sizes)
            if batches
            else np.nan
        )
    return per_epoch


def _run_settings(config, seed):
    """What every model of a run is given alike: batch, seed, device, precision."""
    return {
        "batch_size": config.batch_size,
        "random_state": seed,
        "device": config.device,
        "mixed_precision": config.mixed_precision,
    }


def make_student(config, method, teacher, seed):
    """A student on raw windows trained with ``method``'s recipe.

    The GAF students (``"small"``, ``"resnet18"``) encode the windows inside
    their network, so they are augmented in the series domain like the
    ``"sensor"`` student and no image is stored. ``teacher`` may be None when
    the student is given the teacher's outputs.
    """
    from sklearn.frozen import FrozenEstimator

    from ..estimators import DistilledStudentClassifier
    from ..gaf import GAFTransformer
    from ..networks import ResNet18Student, SmallStudent

    _, params = METHODS[method]
    encoder = None
    if config.student != "sensor":
        encoder = GAFTransformer(
            image_size=config.image_size,
            method=config.gaf_method,
            scaling=config.gaf_scaling,
        )
    return DistilledStudentClassifier(
        teacher=None if teacher is None else FrozenEstimator(teacher),
        module={"sensor": None, "small": SmallStudent, "resnet18": ResNet18Student}[
            config.student
        ],
        encoder=encoder,
        augmentation="auto" if config.augmentation else None,
        magnitude=config.magnitude,
        max_epochs=config.student_epochs,
        lr=config.lr,
        **_run_settings(config, seed),
        **params,
    )


def fit_teacher(config, choice, seed, data, report=None, history=False):
    """Fit a seed's teacher; its test predictions and training outputs.

    ``choice`` is the dataset's teacher entry (its modality and recipe).
    ``data`` holds ``X_train``, ``y_train`` and ``X_test`` (the teacher's
    input). The outputs keep the feature maps when a method needs them and
    the teacher has them; else ``maps_error`` says why not.
    """
    from ..estimators import AttentionPairingError, TeacherClassifier, TeacherOutputs

    teacher = TeacherClassifier(
        modality=choice.modality,
        max_epochs=config.teacher_epochs,
        **_run_settings(config, seed),
        **choice.params,
    )
    if report is not None:
        with_epoch_progress(teacher, report)
    start = time.perf_counter()
    teacher.fit(data["X_train"], data["y_train"])
    train_seconds = time.perf_counter() - start
    pred, ms = _timed_predict(teacher.predict, data["X_test"])
    maps_error = None
    try:
        outputs = TeacherOutputs.from_teacher(
            teacher, data["X_train"], feature_maps="at" in config.methods
        )
    except AttentionPairingError as exc:
        maps_error = str(exc)
        outputs = TeacherOutputs.from_teacher(teacher, data["X_train"])
    return {
        "pred": pred,
        "ms_per_window": ms,
        "train_seconds": train_seconds,
        "parameters": _count_parameters(teacher),
        "history": _history_frame(teacher) if history else None,
        "outputs": outputs,
        "maps_error": maps_error,
    }


def fit_student(config, method, seed, teacher, data, report=None, first_seed=False):
    """Fit a seed's student with ``method``, from its teacher's outputs.

    ``teacher`` is what :func:`fit_teacher` returned; ``data`` holds
    ``X_train``, ``y_train``, ``groups_train`` and ``X_test`` (the student's
    windows). Returns the test predictions and what the report shows, or
    ``{"skipped": reason}`` when the method cannot pair with this teacher.
    """
    from ..estimators import AttentionPairingError

    student = make_student(config, method, None, seed)
    if report is not None:
        with_epoch_progress(student, report)
    try:
        if method == "at" and teacher["maps_error"]:
            raise AttentionPairingError(teacher["maps_error"])
        start = time.perf_counter()
        student, best_params = _fit(config, method, student, teacher, data)
        train_seconds = time.perf_counter() - start
    except AttentionPairingError as exc:
        # Attention transfer needs teacher feature maps whose shape matches
        # the student's; not every teacher has them.
        return {"skipped": str(exc)}
    pred, ms = _timed_predict(student.predict, data["X_test"])
    examples = None
    if first_seed and student.encoder_ is not None:
        # The first training window of each class, as the network's encoder
        # sees it (magnitude channel added).
        _, first = np.unique(data["y_train"], return_index=True)
        examples = _encoded(student, data["X_train"][first])
    return {
        "pred": pred,
        "ms_per_window": ms,
        "train_seconds": train_seconds,
        "parameters": _count_parameters(student),
        "best_params": best_params,
        "history": _history_frame(student) if first_seed else None,
        "gaf_examples": examples,
        "model": student if config.save_models else None,
    }


def _fit(config, method, student, teacher, data):
    """The fitted student and its grid's best parameters (or "")."""
    import sklearn
    from sklearn.model_selection import GridSearchCV, GroupKFold

    fit_params = {"teacher_X": teacher["outputs"], "groups": data["groups_train"]}
    X, y = data["X_train"], data["y_train"]
    with sklearn.config_context(enable_metadata_routing=True):
        if not (method == "dask" and config.grid):
            return student.fit(X, y, **fit_params), ""
        search = GridSearchCV(student, config.grid, cv=GroupKFold(config.cv_folds))
        with _grid_backend(search):
            search.fit(X, y, **fit_params)
    best = ", ".join(f"{k}={v}" for k, v in search.best_params_.items())
    return search.best_estimator_, best


@contextlib.contextmanager
def _grid_backend(search):
    """On a Dask worker: the grid's candidates and folds as tasks of their own.

    joblib's Dask backend takes the worker's client, and the task leaves the
    worker's thread pool while it waits for them, so a task waiting on its
    grid never holds the thread its grid needs. Elsewhere the grid runs in
    this thread.
    """
    try:
        from distributed import get_worker

        get_worker()
    except (ImportError, ValueError):  # no Dask, or not on a worker
        yield
        return
    import joblib

    with joblib.parallel_config("dask"):
        search.set_params(n_jobs=-1)
        yield
