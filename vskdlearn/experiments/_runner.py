"""Run the paper's comparison: a teacher, then students trained several ways.

For every seed: fit the teacher on the training subjects' vision (or
multimodal) data, then, for every method, a ``DistilledStudentClassifier`` on
the same subjects' raw accelerometer windows (a GAF student encodes them
inside its network), and score everything on the test subjects (the student
on the accelerometer alone). Model selection, where asked for, is a
``GridSearchCV`` with ``GroupKFold`` over the training subjects: the test
split is touched only to score.
"""

import re
import time
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from ._config import METHODS, ConfigError
from ._datasets import DATASETS
from ._progress import with_epoch_progress

__all__ = ["ExperimentResult", "run_experiment"]

TEACHER_METHOD = "teacher"


@dataclass
class ExperimentResult:
    """What a run measured.

    Attributes
    ----------
    runs : pandas.DataFrame
        One row per (seed, model): accuracy, macro-F1, parameters, CPU
        milliseconds per window at prediction, training seconds.
    class_names : list of str
    confusion : ndarray or None
        Confusion matrix of the DASK student (else the last method), summed
        over seeds, rows true class, columns predicted.
    confusion_method : str or None
    histories : dict of str to pandas.DataFrame
        Per-epoch training losses of each model at the first seed:
        ``train_loss`` (the model's own objective) and ``train_ce`` (its
        cross-entropy term, comparable across models).
    gaf_examples : ndarray or None
        GAF images of one training window per class, ``(n_classes, C, S, S)``.
    notes : list of str
        What the run could not do and why (e.g. a method skipped).
    interrupted : bool
        True when the run was stopped (Ctrl-C) before it finished; ``runs``
        holds the finished models.
    """

    runs: pd.DataFrame
    class_names: list
    confusion: np.ndarray | None = None
    confusion_method: str | None = None
    histories: dict = field(default_factory=dict)
    gaf_examples: np.ndarray | None = None
    notes: list = field(default_factory=list)
    interrupted: bool = False

    def summary(self):
        """Mean and standard deviation over seeds, one row per model."""
        return summarise(self.runs)


def summarise(runs):
    if runs.empty:
        return pd.DataFrame()
    order = list(dict.fromkeys(runs["model"]))
    grouped = runs.groupby("model", sort=False)
    summary = pd.DataFrame(
        {
            "accuracy_mean": grouped["accuracy"].mean(),
            # ddof=0 so one seed gives 0, not NaN
            "accuracy_std": grouped["accuracy"].std(ddof=0),
            "macro_f1_mean": grouped["macro_f1"].mean(),
            "macro_f1_std": grouped["macro_f1"].std(ddof=0),
            "parameters": grouped["parameters"].first(),
            "ms_per_window": grouped["ms_per_window"].mean(),
            "train_seconds": grouped["train_seconds"].mean(),
            "n_seeds": grouped["seed"].nunique(),
        }
    ).loc[order]
    summary.index.name = "model"
    return summary.join(paired_gains(runs)).reset_index()


def paired_gains(runs, baseline="alone"):
    """Accuracy gain of each student over the student alone, seed by seed.

    For every model trained with a method other than ``baseline`` (and not
    the teacher): the mean and standard deviation over seeds of its accuracy
    minus the ``baseline`` student's accuracy at the same seed, and the number
    of such pairs. Indexed by model; empty when no baseline ran.
    """
    columns = ["gain_vs_alone_mean", "gain_vs_alone_std", "n_pairs"]
    alone = runs[runs["method"] == baseline].set_index("seed")["accuracy"]
    students = runs[~runs["method"].isin([baseline, TEACHER_METHOD])]
    if alone.empty or students.empty:
        return pd.DataFrame(columns=columns, index=pd.Index([], name="model"))
    paired = students[students["seed"].isin(alone.index)]
    gain = paired["accuracy"].to_numpy() - alone.loc[paired["seed"]].to_numpy()
    grouped = pd.Series(gain, index=paired["model"]).groupby(level=0, sort=False)
    return pd.DataFrame(
        {
            "gain_vs_alone_mean": grouped.mean(),
            "gain_vs_alone_std": grouped.std(ddof=0),  # as accuracy_std
            "n_pairs": grouped.size(),
        }
    )


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


def _save_model(pipe, output, name, seed):
    import joblib

    folder = Path(output, "models")
    folder.mkdir(parents=True, exist_ok=True)
    slug = re.sub(r"[^A-Za-z0-9]+", "-", name).strip("-").lower()
    joblib.dump(pipe, folder / f"{slug}-seed{seed}.joblib")


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


def make_student(config, method, teacher, seed):
    """A student on raw windows trained with ``method``'s recipe.

    The GAF students (``"small"``, ``"resnet18"``) encode the windows inside
    their network, so they are augmented in the series domain like the
    ``"sensor"`` student and no image is stored.
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
        teacher=FrozenEstimator(teacher),
        module={"sensor": None, "small": SmallStudent, "resnet18": ResNet18Student}[
            config.student
        ],
        encoder=encoder,
        augmentation="auto" if config.augmentation else None,
        magnitude=config.magnitude,
        max_epochs=config.student_epochs,
        batch_size=config.batch_size,
        lr=config.lr,
        random_state=seed,
        **params,
    )


def _check_cv_folds(config, train_groups):
    # GroupKFold needs a subject per fold; say so before the teacher trains.
    n_subjects = np.unique(train_groups).size
    if config.grid and config.cv_folds > n_subjects:
        raise ConfigError(
            f"--cv-folds {config.cv_folds} is more than the {n_subjects} training "
            f"subjects of {config.protocol!r}; the grid search needs one subject per "
            f"fold at least. Use --cv-folds {n_subjects} or less."
        )


def run_experiment(config, *, progress=True, on_run=None, log=None):
    """Run ``config`` and return an :class:`ExperimentResult`.

    Parameters
    ----------
    config : ExperimentConfig
    progress : bool
        Show a progress bar on stderr.
    on_run : callable or None
        Called with each finished row (a dict) and the result so far, so a
        caller can write results to disk as they come.
    log : callable or None
        Called with one-line messages of what is being done.
    """
    import sklearn
    from sklearn.metrics import accuracy_score, confusion_matrix, f1_score
    from sklearn.model_selection import GridSearchCV, GroupKFold
    from tqdm.auto import tqdm

    from ..estimators import TeacherClassifier
    from ..estimators._student import AttentionPairingError

    log = log or (lambda message: None)
    spec = DATASETS[config.dataset]
    teacher_name = config.teacher_name
    log(f"loading {config.dataset} (teacher input: {teacher_name})")
    data = spec.load(config)  # config.validate() checked the protocol
    train, test = data.split(config.protocol)
    X_student = spec.student_X(data)
    X_teacher = spec.teacher_X(data, teacher_name)
    y = np.asarray(data.target)
    groups = np.asarray(data.subject)
    class_names = [str(n) for n in data.target_names]
    n_classes_train = np.unique(y[train]).size
    if n_classes_train < 2:
        raise ConfigError(
            f"The training split of {config.protocol!r} holds {n_classes_train} "
            "class(es); at least two are needed. Is the data home complete?"
        )
    _check_cv_folds(config, groups[train])
    log(
        f"{config.protocol}: {len(train)} training and {len(test)} test recordings, "
        f"{len(class_names)} classes"
    )

    result = ExperimentResult(runs=pd.DataFrame(), class_names=class_names)
    labels = np.arange(len(class_names))
    confusion_method = "dask" if "dask" in config.methods else config.methods[-1]
    result.confusion_method = METHODS[confusion_method][0]
    rows = []

    def record(row):
        rows.append(row)
        result.runs = pd.DataFrame(rows)
        if on_run is not None:
            on_run(row, result)

    def scores(pred):
        return {
            "accuracy": accuracy_score(y[test], pred),
            "macro_f1": f1_score(
                y[test], pred, labels=labels, average="macro", zero_division=0
            ),
        }

    n_steps = len(config.seeds) * (1 + len(config.methods))
    bar = tqdm(total=n_steps, desc="vskd", unit="model", disable=not progress)

    def epochs(estimator, label):
        # The bar's postfix says which model trains and at which epoch.
        if not progress:
            return estimator

        def report(epoch, max_epochs):
            bar.set_postfix_str(f"{label}, epoch {epoch}/{max_epochs}")

        return with_epoch_progress(estimator, report)

    try:
        for seed in config.seeds:
            bar.set_postfix_str(f"seed {seed}: teacher ({teacher_name})")
            log(f"seed {seed}: training the {teacher_name} teacher")
            teacher = TeacherClassifier(
                modality=spec.teachers[teacher_name].modality,
                max_epochs=config.teacher_epochs,
                batch_size=config.batch_size,
                random_state=seed,
                **spec.teachers[teacher_name].params,
            )
            epochs(teacher, f"seed {seed}: teacher ({teacher_name})")
            start = time.perf_counter()
            teacher.fit(X_teacher[train], y[train])
            train_seconds = time.perf_counter() - start
            pred, ms = _timed_predict(teacher.predict, X_teacher[test])
            if seed == config.seeds[0]:
                result.histories[f"teacher ({teacher_name})"] = _history_frame(teacher)
            record(
                {
                    "seed": seed,
                    "model": f"teacher ({teacher_name})",
                    "method": TEACHER_METHOD,
                    **scores(pred),
                    "parameters": _count_parameters(teacher),
                    "ms_per_window": ms,
                    "train_seconds": train_seconds,
                    "best_params": "",
                }
            )
            bar.update()

            for method in config.methods:
                name = METHODS[method][0]
                bar.set_postfix_str(f"seed {seed}: {name}")
                log(f"seed {seed}: training the student, {name}")
                student = epochs(
                    make_student(config, method, teacher, seed), f"seed {seed}: {name}"
                )
                estimator = student
                if method == "dask" and config.grid:
                    estimator = GridSearchCV(
                        student, config.grid, cv=GroupKFold(config.cv_folds)
                    )
                start = time.perf_counter()
                fit_params = {"teacher_X": X_teacher[train], "groups": groups[train]}
                try:
                    with sklearn.config_context(enable_metadata_routing=True):
                        estimator.fit(X_student[train], y[train], **fit_params)
                except AttentionPairingError as exc:
                    # Attention transfer needs teacher feature maps whose
                    # shape matches the student's; not every teacher has them.
                    note = f"{name} skipped with the {teacher_name} teacher: {exc}"
                    if note not in result.notes:
                        result.notes.append(note)
                        log(note)
                    bar.update()
                    continue
                train_seconds = time.perf_counter() - start
                best_params = ""
                if estimator is not student:
                    best_params = ", ".join(
                        f"{k}={v}" for k, v in estimator.best_params_.items()
                    )
                    student = estimator.best_estimator_
                pred, ms = _timed_predict(student.predict, X_student[test])
                if config.save_models and config.output:
                    _save_model(student, config.output, name, seed)
                if seed == config.seeds[0]:
                    result.histories[name] = _history_frame(student)
                    if result.gaf_examples is None and student.encoder_ is not None:
                        # The first training window of each class, as the
                        # network's encoder sees it (magnitude channel added).
                        _, first = np.unique(y[train], return_index=True)
                        result.gaf_examples = _encoded(student, X_student[train[first]])
                if method == confusion_method:
                    cm = confusion_matrix(y[test], pred, labels=labels)
                    result.confusion = (
                        cm if result.confusion is None else result.confusion + cm
                    )
                record(
                    {
                        "seed": seed,
                        "model": name,
                        "method": method,
                        **scores(pred),
                        "parameters": _count_parameters(student),
                        "ms_per_window": ms,
                        "train_seconds": train_seconds,
                        "best_params": best_params,
                    }
                )
                bar.update()
    except KeyboardInterrupt:
        result.interrupted = True
    finally:
        bar.close()
    return result
