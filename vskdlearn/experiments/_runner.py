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
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from ._config import METHODS, ConfigError
from ._datasets import DATASETS
from ._tasks import fit_student, fit_teacher

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


def _save_model(pipe, output, name, seed):
    import joblib

    folder = Path(output, "models")
    folder.mkdir(parents=True, exist_ok=True)
    slug = re.sub(r"[^A-Za-z0-9]+", "-", name).strip("-").lower()
    joblib.dump(pipe, folder / f"{slug}-seed{seed}.joblib")


def _check_cv_folds(config, train_groups):
    # GroupKFold needs a subject per fold; say so before the teacher trains.
    n_subjects = np.unique(train_groups).size
    if config.grid and config.cv_folds > n_subjects:
        raise ConfigError(
            f"--cv-folds {config.cv_folds} is more than the {n_subjects} training "
            f"subjects of {config.protocol!r}; the grid search needs one subject per "
            f"fold at least. Use --cv-folds {n_subjects} or less."
        )


@dataclass
class _Task:
    """One submitted fit: where its row goes and what it is."""

    order: int
    seed: int
    method: str
    name: str
    future: object


def run_experiment(config, *, progress=True, on_run=None, log=None, client=None):
    """Run ``config`` and return an :class:`ExperimentResult`.

    Parameters
    ----------
    config : ExperimentConfig
    progress : bool
        Show a progress bar on stderr (one step per fitted model; run
        serially it also shows the model in training and its epoch).
    on_run : callable or None
        Called with each finished row (a dict) and the result so far, so a
        caller can write results to disk as they come.
    log : callable or None
        Called with one-line messages of what is being done.
    client : distributed.Client or None
        Run the fits as tasks on this Dask cluster: a teacher per seed, and
        a student per seed and method (and grid point) that reads its
        teacher's outputs. None runs them one after the other here.
    """
    from tqdm.auto import tqdm

    from ._cluster import runner_for

    log = log or (lambda message: None)
    spec = DATASETS[config.dataset]
    log(f"loading {config.dataset} (teacher input: {config.teacher_name})")
    data = spec.load(config)  # config.validate() checked the protocol
    split = data.split(config.protocol)
    y = np.asarray(data.target)
    _check_split(config, y, np.asarray(data.subject), split, data.target_names, log)
    result = ExperimentResult(
        runs=pd.DataFrame(), class_names=[str(n) for n in data.target_names]
    )
    confusion_method = "dask" if "dask" in config.methods else config.methods[-1]
    result.confusion_method = METHODS[confusion_method][0]
    n_steps = len(config.seeds) * (1 + len(config.methods))
    bar = tqdm(total=n_steps, desc="vskd", unit="model", disable=not progress)
    runner, tasks = runner_for(client, log), []
    try:
        tasks = _submit(runner, config, spec, data, split, bar if progress else None)
        collect = _Collector(config, result, y[split[1]], confusion_method, on_run)
        by_future = {id(t.future): t for t in tasks}
        for future in runner.as_completed([t.future for t in tasks]):
            collect(by_future[id(future)], log)
            bar.update()
    except KeyboardInterrupt:
        # What finished is kept; what is queued on a cluster is dropped.
        result.interrupted = True
        runner.cancel(t.future for t in tasks)
    finally:
        bar.close()
    return result


def _check_split(config, y, groups, split, target_names, log):
    train, test = split
    n_classes_train = np.unique(y[train]).size
    if n_classes_train < 2:
        raise ConfigError(
            f"The training split of {config.protocol!r} holds {n_classes_train} "
            "class(es); at least two are needed. Is the data home complete?"
        )
    _check_cv_folds(config, groups[train])
    log(
        f"{config.protocol}: {len(train)} training and {len(test)} test recordings, "
        f"{len(target_names)} classes"
    )


def _submit(runner, config, spec, data, split, bar):
    """Submit every fit; the data each needs is shared once, not per task."""
    train, test = split
    X_teacher = spec.teacher_X(data, config.teacher_name)
    X_student = spec.student_X(data)
    y, groups = np.asarray(data.target), np.asarray(data.subject)
    teacher_data = runner.share(
        {"X_train": X_teacher[train], "y_train": y[train], "X_test": X_teacher[test]}
    )
    student_data = runner.share(
        {
            "X_train": X_student[train],
            "y_train": y[train],
            "groups_train": groups[train],
            "X_test": X_student[test],
        }
    )
    choice = spec.teachers[config.teacher_name]
    teacher_name = f"teacher ({config.teacher_name})"
    tasks = []
    for seed in config.seeds:
        first = seed == config.seeds[0]
        label = f"seed {seed}: {teacher_name}"
        teacher = runner.submit(
            f"seed {seed}: training the {config.teacher_name} teacher",
            fit_teacher,
            *(config, choice, seed, teacher_data),
            report=_epoch_report(runner, bar, label),
            history=first,
        )
        tasks.append(_Task(len(tasks), seed, TEACHER_METHOD, teacher_name, teacher))
        for method in config.methods:
            name = METHODS[method][0]
            student = runner.submit(
                f"seed {seed}: training the student, {name}",
                fit_student,
                *(config, method, seed, teacher, student_data),
                report=_epoch_report(runner, bar, f"seed {seed}: {name}"),
                first_seed=first,
            )
            tasks.append(_Task(len(tasks), seed, method, name, student))
    return tasks


def _epoch_report(runner, bar, label):
    """Run serially, the bar's postfix says which model trains, at which epoch."""
    if bar is None or not runner.serial:
        return None

    def report(epoch, max_epochs):
        bar.set_postfix_str(f"{label}, epoch {epoch}/{max_epochs}")

    return report


class _Collector:
    """Turn finished tasks into the result, in the order they were submitted."""

    def __init__(self, config, result, y_test, confusion_method, on_run):
        self.config, self.result, self.y_test = config, result, y_test
        self.confusion_method, self.on_run = confusion_method, on_run
        self.rows, self.histories, self.examples_order = {}, {}, None

    def __call__(self, task, log):
        from ._cluster import lost_task_errors

        try:
            out = task.future.result()
        except lost_task_errors() as exc:
            # The rest of the run goes on; what finished is kept.
            self._note(f"seed {task.seed}: {task.name} was lost: {exc}", log)
            return
        if "skipped" in out:
            teacher = self.config.teacher_name
            self._note(
                f"{task.name} skipped with the {teacher} teacher: {out['skipped']}", log
            )
            return
        self._keep(task, out)

    def _note(self, note, log):
        if note not in self.result.notes:
            self.result.notes.append(note)
            log(note)

    def _keep(self, task, out):
        from sklearn.metrics import accuracy_score, confusion_matrix, f1_score

        result, y_test = self.result, self.y_test
        labels = np.arange(len(result.class_names))
        pred = out["pred"]
        if out.get("model") is not None and self.config.output:
            _save_model(out["model"], self.config.output, task.name, task.seed)
        if out["history"] is not None:
            self.histories[task.order] = (task.name, out["history"])
            result.histories = dict(v for _, v in sorted(self.histories.items()))
        examples = out.get("gaf_examples")
        if examples is not None and (
            self.examples_order is None or task.order < self.examples_order
        ):
            self.examples_order, result.gaf_examples = task.order, examples
        if task.method == self.confusion_method:
            cm = confusion_matrix(y_test, pred, labels=labels)
            result.confusion = cm if result.confusion is None else result.confusion + cm
        row = {
            "seed": task.seed,
            "model": task.name,
            "method": task.method,
            "accuracy": accuracy_score(y_test, pred),
            "macro_f1": f1_score(
                y_test, pred, labels=labels, average="macro", zero_division=0
            ),
            "parameters": out["parameters"],
            "ms_per_window": out["ms_per_window"],
            "train_seconds": out["train_seconds"],
            "best_params": out.get("best_params", ""),
        }
        self.rows[task.order] = row
        result.runs = pd.DataFrame([r for _, r in sorted(self.rows.items())])
        if self.on_run is not None:
            self.on_run(row, result)
