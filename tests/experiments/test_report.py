"""What vskd run writes: the summary table, its paired gains, the figures."""

import numpy as np
import pandas as pd
import pytest

from vskdlearn.experiments import ExperimentConfig, ExperimentResult, format_table
from vskdlearn.experiments._report import write_report
from vskdlearn.experiments._runner import paired_gains, summarise


def _runs():
    rows = []
    accuracy = {  # seed -> model -> accuracy
        0: {"teacher (video)": 0.90, "student alone": 0.60, "DASK": 0.66, "KD": 0.58},
        1: {"teacher (video)": 0.92, "student alone": 0.70, "DASK": 0.74, "KD": 0.71},
    }
    methods = {
        "teacher (video)": "teacher",
        "student alone": "alone",
        "DASK": "dask",
        "KD": "kd",
    }
    for seed, models in accuracy.items():
        for model, acc in models.items():
            rows.append(
                {
                    "seed": seed,
                    "model": model,
                    "method": methods[model],
                    "accuracy": acc,
                    "macro_f1": acc,
                    "parameters": 10,
                    "ms_per_window": 0.1,
                    "train_seconds": 1.0,
                    "best_params": "",
                }
            )
    return pd.DataFrame(rows)


def test_paired_gains_are_per_seed_differences():
    gains = paired_gains(_runs())
    assert list(gains.index) == ["DASK", "KD"]
    # DASK: +0.06 and +0.04 -> 0.05 ± 0.01; KD: -0.02 and +0.01 -> -0.005 ± 0.015.
    np.testing.assert_allclose(gains["gain_vs_alone_mean"], [0.05, -0.005])
    np.testing.assert_allclose(gains["gain_vs_alone_std"], [0.01, 0.015])
    assert list(gains["n_pairs"]) == [2, 2]
    # The std of the paired differences, not the difference of two stds.
    summary = summarise(_runs()).set_index("model")
    assert summary.loc["DASK", "accuracy_std"] == pytest.approx(0.04)


def test_pairs_are_only_the_seeds_both_ran():
    runs = _runs()
    runs = runs[~((runs["seed"] == 1) & (runs["model"] == "student alone"))]
    gains = paired_gains(runs)
    assert list(gains["n_pairs"]) == [1, 1]
    np.testing.assert_allclose(gains["gain_vs_alone_mean"], [0.06, -0.02])
    assert paired_gains(runs[runs["method"] != "alone"]).empty


@pytest.mark.parametrize("style", ["text", "markdown"])
def test_the_table_has_the_paired_gain_column(style):
    table = format_table(summarise(_runs()), style=style)
    header, *body = [line for line in table.splitlines() if "---" not in line]
    assert "Δ vs alone (points)" in header and "accuracy %" in header
    assert "seeds" in header and "CPU ms / window" in header  # kept
    dask_row = next(line for line in body if "DASK" in line)
    assert "+5.0 ± 1.0" in dask_row and "70.0 ± 4.0" in dask_row
    assert "-0.5 ± 1.5" in next(line for line in body if "KD" in line)
    # Blank for the teacher and for the student alone itself.
    alone = next(line for line in body if "student alone" in line)
    assert "±" in alone and alone.count("±") == 2  # accuracy and macro-F1 only


def test_report_draws_accuracy_and_comparable_curves(tmp_path):
    import matplotlib.image

    result = ExperimentResult(runs=_runs(), class_names=["a", "b"])
    result.histories = {
        "teacher (video)": pd.DataFrame(
            {"train_loss": [1.0, 0.5], "train_ce": [1.0, 0.5]}
        ),
        "DASK": pd.DataFrame({"train_loss": [9.0, 7.0], "train_ce": [1.1, 0.7]}),
    }
    config = ExperimentConfig(seeds=[0, 1])
    report = write_report(result, config, tmp_path).read_text()
    assert "![Accuracy by method](accuracy_by_method.png)" in report
    assert "![Training cross-entropy](learning_curves.png)" in report
    assert matplotlib.image.imread(tmp_path / "accuracy_by_method.png").size
    assert "| +5.0 ± 1.0 |" in report
    summary = pd.read_csv(tmp_path / "summary.csv")
    assert {"gain_vs_alone_mean", "gain_vs_alone_std", "n_pairs"} <= set(summary)


def test_history_has_the_training_cross_entropy_of_every_model():
    from vskdlearn import DistilledStudentClassifier, TeacherClassifier
    from vskdlearn.experiments._tasks import _history_frame

    rng = np.random.default_rng(0)
    X, y = rng.normal(size=(24, 3, 16)).astype("float32"), np.arange(24) % 2
    teacher = TeacherClassifier(modality="accelerometer", max_epochs=2).fit(X, y)
    student = DistilledStudentClassifier(
        teacher=teacher, distillation="dask", max_epochs=2, random_state=0
    ).fit(X, y, teacher_X=X)
    frame = _history_frame(student)
    assert len(frame) == 2 and np.isfinite(frame["train_ce"]).all()
    # The DASK objective adds weighted terms to the cross-entropy.
    assert (frame["train_loss"] > frame["train_ce"]).all()
    np.testing.assert_allclose(
        _history_frame(teacher)["train_ce"], _history_frame(teacher)["train_loss"]
    )


def test_accuracy_figure_has_the_gain_panel_when_the_student_alone_ran(tmp_path):
    from vskdlearn.experiments._report import _save_accuracy

    config = ExperimentConfig(seeds=[0, 1])
    runs = _runs()
    fig = _save_accuracy(ExperimentResult(runs, ["a"]), config, tmp_path / "a.png")
    accuracy, gain = fig.axes
    assert [t.get_text() for t in accuracy.get_yticklabels()] == list(
        dict.fromkeys(runs["model"])
    )
    assert [t.get_text() for t in gain.get_yticklabels()] == ["DASK", "KD"]
    no_alone = ExperimentResult(runs[runs["method"] != "alone"], ["a"])
    assert len(_save_accuracy(no_alone, config, tmp_path / "b.png").axes) == 1


def test_epoch_progress_survives_clone_deepcopy_and_pickle():
    import copy
    import pickle

    from sklearn.base import clone

    from vskdlearn import TeacherClassifier
    from vskdlearn.experiments._progress import with_epoch_progress

    seen = []
    teacher = with_epoch_progress(
        TeacherClassifier(modality="accelerometer", max_epochs=2),
        lambda epoch, max_epochs: seen.append((epoch, max_epochs)),
    )
    rng = np.random.default_rng(0)
    X, y = rng.normal(size=(16, 3, 16)).astype("float32"), np.arange(16) % 2
    # The estimator deep-copies its callbacks and clone copies parameters:
    # the report function is the same one, so the caller's bar moves.
    clone(copy.deepcopy(teacher)).fit(X, y)
    assert seen == [(1, 2), (2, 2)]
    pickle.loads(pickle.dumps(teacher.fit(X, y)))
