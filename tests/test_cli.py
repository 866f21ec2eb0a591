"""The vskd command: errors as messages, reports on disk, Ctrl-C keeps results."""

import os
import re
import signal
import sys

import numpy as np
import pandas as pd
import pytest

from vskdlearn import cli
from vskdlearn.experiments import ExperimentConfig

TINY = """\
dataset = "synthetic"
teacher = "skeleton"
student = "small"
methods = ["alone", "dask"]
seeds = [0]
image_size = 8
n_timestamps = 32
n_frames = 8
teacher_epochs = 1
student_epochs = 1

[synthetic]
n_subjects = 4
n_classes = 3
n_recordings = 2
image_size = 16
"""


@pytest.fixture
def tiny_config(tmp_path):
    path = tmp_path / "tiny.toml"
    path.write_text(TINY)
    return path


def run(capsys, *argv):
    status = cli.main(list(argv))
    out, err = capsys.readouterr()
    return status, out, err


@pytest.mark.parametrize(
    "argv, message",
    [
        (["run"], "Say which data to run on"),
        (["run", "--dataset", "utd-mhad"], "needs --data-home"),
        (
            ["run", "--dataset", "utd-mhad", "--data-home", "/nonexistent/utd"],
            "no utd-mhad data at /nonexistent/utd.*personal.utdallas.edu",
        ),
        (
            ["run", "--dataset", "utd-mhad", "--data-home", "/nonexistent/utd"],
            r"or run `vskd fetch utd-mhad \[--data-home PATH\]`",
        ),
        (["run", "--dataset", "synthetic", "--teacher", "depth"], "no teacher 'depth'"),
        (["run", "--dataset", "synthetic", "--methods", "dask,xx"], "Unknown method"),
        (
            ["run", "--dataset", "synthetic", "--seeds", "0"],
            "--seeds must be at least 1",
        ),
        (["run", "--config", "/nonexistent.toml"], "No configuration file"),
        (["run", "--dataset", "synthetic", "--gaf-scaling", "a,b"], "--gaf-scaling"),
    ],
)
def test_errors_are_messages_not_tracebacks(capsys, argv, message):
    status, out, err = run(capsys, *argv)
    assert status == 2
    assert err.startswith("vskd: error: ")
    assert "Traceback" not in err
    assert re.search(message, err), err


ROOT_READS_ANYTHING = pytest.mark.skipif(
    sys.platform == "win32" or os.geteuid() == 0,
    reason="root reads and writes anywhere; permissions cannot lock a file",
)


def _folder(path):
    path.mkdir()


def _previous_run(path):
    path.mkdir()
    (path / "config.toml").write_text(TINY)


def _yaml(path):
    path.write_text("dataset: synthetic\nseeds: [0]\n")


def _empty(path):
    path.write_text("")


def _unreadable(path):
    path.write_text(TINY)
    path.chmod(0)


@pytest.mark.parametrize(
    "name, make, message",
    [
        ("runs", _folder, r"runs is a folder, not a configuration file\.$"),
        (
            "runs",
            _previous_run,
            r"runs is a folder.*did you mean .*runs.config\.toml\?",
        ),
        ("exp.yaml", _yaml, "exp.yaml is a YAML file; configuration files are TOML"),
        # Empty YAML would otherwise run the default config as empty TOML.
        ("exp.yml", _empty, "exp.yml is a YAML file"),
        pytest.param(
            "exp.toml",
            _unreadable,
            "Cannot read the configuration file .*exp.toml: Permission denied",
            marks=ROOT_READS_ANYTHING,
        ),
    ],
)
def test_unreadable_config_files_are_messages(capsys, tmp_path, name, make, message):
    make(tmp_path / name)
    status, _, err = run(capsys, "run", "--config", str(tmp_path / name))
    assert status == 2
    assert err.startswith("vskd: error: ")
    assert "Traceback" not in err
    assert re.search(message, err), err


@pytest.mark.parametrize(
    "argv, message",
    [
        (
            ["--dataset", "utd-mhad", "--data-home", "{data}", "--protocol", "nope"],
            r"utd-mhad dataset has no protocol 'nope'; .*'cross_subject', 'trial'",
        ),
        (["--config", "{config}", "--protocol", "trial"], "no protocol 'trial'"),
        (
            ["--dataset", "utd-mhad", "--data-home", "{data}", "--teacher", "mocap"],
            "no teacher 'mocap'",
        ),
        (["--dataset", "utd-mhad", "--data-home", "{missing}"], "no utd-mhad data"),
        # Valid options, but no data in the folder: found only by loading it.
        (["--dataset", "utd-mhad", "--data-home", "{data}"], "UTD-MHAD"),
    ],
)
def test_no_output_folder_is_left_by_a_refused_run(
    capsys, tmp_path, tiny_config, monkeypatch, argv, message
):
    monkeypatch.setenv("VSKDLEARN_DATA", str(tmp_path / "data-home"))
    (tmp_path / "empty").mkdir()
    places = {
        "data": tmp_path / "empty",
        "missing": tmp_path / "missing",
        "config": tiny_config,
    }
    argv = [a.format(**places) for a in argv]
    out = tmp_path / "not" / "made"
    status, _, err = run(capsys, "run", *argv, "--output", str(out), "--quiet")
    assert status == 2
    assert "Traceback" not in err
    assert re.search(message, err), err
    assert not (tmp_path / "not").exists()


def _finished_run(config, *, progress, on_run, log):
    # Stands in for training: one model, saved as it finishes, with a curve.
    from vskdlearn.experiments import ExperimentResult

    row = {
        "seed": 0,
        "model": "student alone",
        "method": "alone",
        "accuracy": 0.5,
        "macro_f1": 0.5,
        "parameters": 10,
        "ms_per_window": 0.1,
        "train_seconds": 1.0,
        "best_params": "",
    }
    result = ExperimentResult(runs=pd.DataFrame([row]), class_names=["a", "b"])
    result.histories["student alone"] = pd.DataFrame(
        {"train_loss": [1.0, 0.5], "train_ce": [1.0, 0.5]}
    )
    on_run(row, result)
    return result


@pytest.mark.parametrize(
    "in_the_way",
    [
        "results.csv",
        "config.toml",
        "report.md",
        "accuracy_by_method.png",
        "learning_curves.png",
    ],
)
def test_output_write_failures_are_messages(
    capsys, tmp_path, tiny_config, monkeypatch, in_the_way
):
    from vskdlearn import experiments

    monkeypatch.setattr(experiments, "run_experiment", _finished_run)
    out = tmp_path / "report"
    (out / in_the_way).mkdir(parents=True)  # a folder where a file goes
    status, _, err = run(
        capsys, "run", "--config", str(tiny_config), "--output", str(out), "--overwrite"
    )
    assert status == 2
    assert err.startswith("vskd: error: ")
    assert "Traceback" not in err
    assert re.search(f"cannot write .*report.{re.escape(in_the_way)}: ", err), err


def _write(text, *, encoding="utf-8"):
    def make(path):
        path.write_bytes(text.encode(encoding))

    return make


@pytest.mark.parametrize(
    "make, message",
    [
        (
            _write("dataset = 'synthetic'\n# café\n", encoding="latin-1"),
            r"exp.toml is not UTF-8 text \(byte 0xe9 at offset 27\); TOML files "
            "are UTF-8",
        ),
        (
            _write(TINY.replace("n_subjects = 4", "n_subject = 4")),
            r"Unknown key 'n_subject' in the \[synthetic\] table; "
            r"make_multimodal_activities takes \[.*'n_subjects'",
        ),
        # TOML puts a top-level key written after the header into the table.
        (
            _write(TINY + "cv_folds = 2\n"),
            r"'cv_folds' is a top-level setting, but it sits in the \[synthetic\] "
            "table: TOML puts every key written after the",
        ),
        (
            _write(TINY.replace("n_timestamps = 32", "n_timestamps = 4")),
            "image_size=8 is larger than n_timestamps=4.*--image-size 4 or less",
        ),
    ],
)
def test_bad_config_files_are_refused_before_training(
    capsys, tmp_path, monkeypatch, make, message
):
    from vskdlearn import estimators

    def no_training(*args, **kwargs):
        raise AssertionError("a refused config must not train")

    monkeypatch.setattr(estimators.TeacherClassifier, "fit", no_training)
    make(tmp_path / "exp.toml")
    out = tmp_path / "out"
    status, _, err = run(
        capsys, "run", "--config", str(tmp_path / "exp.toml"), "--output", str(out)
    )
    assert status == 2
    assert err.startswith("vskd: error: ") and err.count("\n") == 1
    assert "Traceback" not in err
    assert re.search(message, err), err
    assert not out.exists()


def test_image_size_beyond_the_window_is_refused_before_training(capsys, tmp_path):
    out = tmp_path / "out"
    status, _, err = run(
        capsys,
        "run",
        "--dataset",
        "synthetic",
        "--student",
        "small",
        "--image-size",
        "200",
        "--output",
        str(out),
    )
    assert status == 2
    assert "image_size=200 is larger than n_timestamps=128" in err
    assert not out.exists()


def test_more_folds_than_training_subjects_is_refused_before_training(
    capsys, tmp_path, tiny_config, monkeypatch
):
    from vskdlearn import estimators

    def no_training(*args, **kwargs):
        raise AssertionError("a refused run must not train")

    monkeypatch.setattr(estimators.TeacherClassifier, "fit", no_training)
    out = tmp_path / "out"
    # The tiny config has 4 subjects, 2 of them training.
    status, _, err = run(
        capsys,
        "run",
        "--config",
        str(tiny_config),
        "--grid",
        "angle_weight=0,1",
        "--cv-folds",
        "3",
        "--output",
        str(out),
        "--quiet",
    )
    assert status == 2
    assert "Traceback" not in err
    assert "--cv-folds 3 is more than the 2 training subjects" in err, err
    assert "Use --cv-folds 2 or less" in err
    assert not out.exists()


@pytest.mark.parametrize("dataset", ["utd-mhad", "berkeley-mhad"])
def test_a_data_home_holding_a_recording_twice_is_a_message(
    capsys, tmp_path, monkeypatch, dataset
):
    import shutil

    trees = _dataset_trees()
    root = tmp_path / "home"
    if dataset == "utd-mhad":
        trees.utd_tree(root)
        copy = "Inertial/a1_s1_t1_inertial.mat"
    else:
        trees.berkeley_tree(root, camera=False, mocap=False)
        copy = next(p for p in root.rglob("*.txt")).relative_to(root)
    (root / "second-copy").mkdir()
    shutil.copy(root / copy, root / "second-copy")
    monkeypatch.setenv("VSKDLEARN_DATA", str(tmp_path / "data-home"))
    status, _, err = run(
        capsys,
        "run",
        "--dataset",
        dataset,
        "--data-home",
        str(root),
        "--quiet",
        "--output",
        str(tmp_path / "out"),
    )
    assert status == 2
    assert "Traceback" not in err
    assert re.search(r"found twice: .* and .*second-copy", err), err


def test_a_second_run_into_the_same_folder_is_refused(
    capsys, tmp_path, tiny_config, monkeypatch
):
    from vskdlearn import experiments

    monkeypatch.setattr(experiments, "run_experiment", _finished_run)
    out = tmp_path / "report"
    argv = ["run", "--config", str(tiny_config), "--output", str(out), "--quiet"]
    assert run(capsys, *argv)[0] == 0
    (out / "gaf_per_class.png").write_bytes(b"a figure of an earlier run")
    (out / "notes.txt").write_text("mine")
    before = (out / "results.csv").read_text()
    status, _, err = run(capsys, *argv)
    assert status == 2
    assert err == (
        f"vskd: error: {out} is not empty (a previous report?); pass --overwrite to "
        "replace it, or choose another folder with --output.\n"
    )
    assert (out / "results.csv").read_text() == before
    # --overwrite replaces the report, leaving no figure of the earlier run.
    assert run(capsys, *argv, "--overwrite")[0] == 0
    assert not (out / "gaf_per_class.png").exists()
    assert (out / "notes.txt").read_text() == "mine"
    assert (out / "report.md").is_file()


def test_demo_refuses_a_used_output_folder(capsys, tmp_path):
    (tmp_path / "report.md").write_text("")
    status, _, err = run(capsys, "demo", "--output", str(tmp_path))
    assert status == 2 and "is not empty" in err and "--overwrite" in err


def test_full_disk_names_the_output_folder(capsys, tmp_path, tiny_config, monkeypatch):
    import errno

    from vskdlearn import experiments

    def full(*args, **kwargs):
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

    monkeypatch.setattr(experiments, "run_experiment", _finished_run)
    monkeypatch.setattr(experiments, "write_report", full)
    out = tmp_path / "report"
    status, _, err = run(
        capsys, "run", "--config", str(tiny_config), "--output", str(out)
    )
    assert status == 2
    assert "Traceback" not in err
    assert f"cannot write {out}: {os.strerror(errno.ENOSPC)}" in err


def test_argparse_rejects_unknown_dataset(capsys):
    with pytest.raises(SystemExit) as exc:
        cli.main(["run", "--dataset", "kth"])
    assert exc.value.code == 2
    assert "invalid choice: 'kth'" in capsys.readouterr().err


@pytest.mark.skipif(
    sys.platform == "win32" or os.geteuid() == 0,
    reason="root writes anywhere; permissions cannot make a folder unwritable",
)
def test_unwritable_output(capsys, tmp_path, tiny_config):
    locked = tmp_path / "locked"
    locked.mkdir(mode=0o500)
    status, _, err = run(
        capsys, "run", "--config", str(tiny_config), "--output", str(locked / "out")
    )
    assert status == 2 and "cannot write the report" in err


def test_output_under_a_file_is_refused(capsys, tmp_path, tiny_config):
    blocker = tmp_path / "a-file"
    blocker.write_text("")
    status, _, err = run(
        capsys, "run", "--config", str(tiny_config), "--output", str(blocker / "out")
    )
    assert status == 2 and "cannot write the report" in err


@pytest.mark.slow
def test_run_writes_a_reproducible_report(capsys, tmp_path, tiny_config):
    out = tmp_path / "report"
    status, stdout, _ = run(
        capsys, "run", "--config", str(tiny_config), "--output", str(out), "--quiet"
    )
    assert status == 0
    assert "teacher (skeleton)" in stdout and "DASK" in stdout
    for name in (
        "report.md",
        "results.csv",
        "summary.csv",
        "config.toml",
        "accuracy_by_method.png",
        "confusion_matrix.png",
        "gaf_per_class.png",
        "learning_curves.png",
    ):
        assert (out / name).is_file(), name
    # The paired gain over the student alone, in the table and the CSV.
    assert "Δ vs alone (points)" in stdout
    summary = pd.read_csv(out / "summary.csv").set_index("model")
    assert np.isnan(summary.loc["student alone", "gain_vs_alone_mean"])
    assert summary.loc["DASK", "n_pairs"] == 1
    runs = pd.read_csv(out / "results.csv")
    assert list(runs["model"]) == ["teacher (skeleton)", "student alone", "DASK"]
    assert runs["accuracy"].between(0, 1).all()
    assert (runs["parameters"] > 0).all()
    report = (out / "report.md").read_text()
    assert "| DASK |" in report and "torch" in report
    # The written config repeats the run.
    written = ExperimentConfig.from_toml(out / "config.toml")
    assert written.methods == ["alone", "dask"] and written.synthetic["n_classes"] == 3


@pytest.mark.slow
def test_ctrl_c_keeps_finished_models(capsys, tmp_path, tiny_config, monkeypatch):
    from vskdlearn.estimators._student import _DistillationNet

    def interrupted(*args, **kwargs):
        signal.raise_signal(signal.SIGINT)

    # Ctrl-C in the student's first training step, inside skorch's fit loop
    # (which swallows KeyboardInterrupt: the estimator must raise it again).
    monkeypatch.setattr(_DistillationNet, "train_step", interrupted)
    out = tmp_path / "report"
    status, stdout, err = run(
        capsys, "run", "--config", str(tiny_config), "--output", str(out), "--quiet"
    )
    assert status == 130 and "interrupted" in err
    runs = pd.read_csv(out / "results.csv")
    assert list(runs["model"]) == ["teacher (skeleton)"]
    assert "Interrupted" in (out / "report.md").read_text()


def test_python_dash_m_is_the_same_command():
    import subprocess

    out = subprocess.run(
        [sys.executable, "-m", "vskdlearn", "--version"],
        capture_output=True,
        text=True,
        check=True,
    )
    assert out.stdout.startswith("vskdlearn ")


@pytest.mark.slow
@pytest.mark.realdata
# The shared Berkeley copy lacks one recording, has spikes beyond 2 g and a few
# recordings whose time stamps do not cover the camera clip; the loader's
# warnings say so (tests/datasets checks them).
@pytest.mark.filterwarnings("ignore::vskdlearn.datasets.MissingRecordingsWarning")
@pytest.mark.filterwarnings("ignore::vskdlearn.datasets.ClippedValuesWarning")
@pytest.mark.filterwarnings("ignore::vskdlearn.datasets.AlignmentFallbackWarning")
@pytest.mark.parametrize(
    "dataset, folder, teacher",
    [
        ("utd-mhad", "utd_mhad", "fusion"),
        ("berkeley-mhad", "berkeley_mhad", "body-sensors"),
    ],
)
def test_run_on_real_data(
    capsys, tmp_path, monkeypatch, shared_datasets, dataset, folder, teacher
):
    monkeypatch.setenv("VSKDLEARN_DATA", str(tmp_path / "data-home"))
    out = tmp_path / "report"
    status, stdout, _ = run(
        capsys,
        "run",
        "--dataset",
        dataset,
        "--data-home",
        str(shared_datasets / folder),
        "--methods",
        "alone",
        "--seeds",
        "1",
        "--teacher-epochs",
        "1",
        "--student-epochs",
        "1",
        "--student",
        "small",
        "--image-size",
        "16",
        "--output",
        str(out),
        "--quiet",
    )
    assert status == 0
    assert f"teacher ({teacher})" in stdout
    summary = pd.read_csv(out / "summary.csv")
    assert list(summary["model"]) == [f"teacher ({teacher})", "student alone"]
    assert "on GAF 16x16" in (out / "report.md").read_text()
    assert (out / "confusion_matrix.png").is_file()


@pytest.mark.slow
def test_attention_transfer_is_skipped_without_teacher_feature_maps(
    capsys, tmp_path, tiny_config
):
    config = tmp_path / "fusion.toml"
    config.write_text(
        tiny_config.read_text()
        .replace('teacher = "skeleton"', 'teacher = "fusion"')
        .replace('methods = ["alone", "dask"]', 'methods = ["alone", "at"]')
    )
    out = tmp_path / "report"
    status, stdout, err = run(
        capsys, "run", "--config", str(config), "--output", str(out)
    )
    assert status == 0
    assert "AT (attention) skipped" in err
    runs = pd.read_csv(out / "results.csv")
    assert list(runs["model"]) == ["teacher (fusion)", "student alone"]
    report = (out / "report.md").read_text()
    assert (
        "AT (attention) skipped with the fusion teacher: distillation='at' needs "
        "the teacher's feature maps: The module" in report
    )


def _dataset_trees():
    # The fixture-tree builders of the dataset tests (tests/ is not a package).
    import importlib.util
    from pathlib import Path

    path = Path(__file__).parent / "datasets" / "_trees.py"
    spec = importlib.util.spec_from_file_location("_trees_for_cli", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.mark.slow
def test_run_on_an_mmact_tree(capsys, tmp_path, monkeypatch):
    # MMAct needs the authors' agreement: a tree in its layout stands in for it.
    root = tmp_path / "mmact"
    _dataset_trees().mmact_tree(root, subjects=(1, 2, 17, 18))
    monkeypatch.setenv("VSKDLEARN_DATA", str(tmp_path / "data-home"))
    out = tmp_path / "report"
    status, stdout, _ = run(
        capsys,
        "run",
        "--dataset",
        "mmact",
        "--data-home",
        str(root),
        "--methods",
        "alone,dask",
        "--seeds",
        "1",
        "--teacher-epochs",
        "1",
        "--student-epochs",
        "1",
        "--student",
        "small",
        "--image-size",
        "8",
        "--output",
        str(out),
        "--quiet",
    )
    assert status == 0
    summary = pd.read_csv(out / "summary.csv")
    assert list(summary["model"]) == [
        "teacher (phone-sensors)",
        "student alone",
        "DASK",
    ]
    # Subjects 1-16 train, 17-20 test: 2 subjects x 2 scenes x 2 actions each.
    assert "on GAF 8x8" in (out / "report.md").read_text()


@pytest.mark.slow
def test_progress_shows_the_epoch_of_the_model_in_training(capsys, tmp_path):
    config = tmp_path / "two-epochs.toml"
    config.write_text(
        TINY.replace("teacher_epochs = 1", "teacher_epochs = 2").replace(
            "student_epochs = 1", "student_epochs = 2"
        )
    )
    argv = ["run", "--config", str(config), "--output", str(tmp_path / "out")]
    status, _, err = run(capsys, *argv)
    assert status == 0
    for model in ("teacher (skeleton)", "student alone", "DASK"):
        for epoch in (1, 2):
            assert f"seed 0: {model}, epoch {epoch}/2" in err, (model, epoch, err)
    status, _, err = run(capsys, *argv, "--quiet", "--overwrite")
    assert status == 0 and "epoch" not in err and "%|" not in err


def test_demo_help_and_readme_agree_on_its_run_time(capsys):
    from pathlib import Path

    readme = Path(__file__).parents[1] / "README.md"
    assert cli.DEMO_TIME in " ".join(readme.read_text(encoding="utf-8").split())
    with pytest.raises(SystemExit):
        cli.main(["demo", "--help"])
    assert cli.DEMO_TIME in " ".join(capsys.readouterr().out.split())


def test_ctrl_c_during_fetch_is_a_message(capsys, monkeypatch, tmp_path):
    from vskdlearn import datasets

    def interrupted(*args, **kwargs):
        raise KeyboardInterrupt

    monkeypatch.setattr(datasets, "fetch_utd_mhad", interrupted)
    status, _, err = run(capsys, "fetch", "utd-mhad", "--data-home", str(tmp_path))
    assert status == 130
    assert (
        err == "vskd: interrupted; vskd fetch again downloads only what is missing.\n"
    )


def test_save_models_then_export(capsys, tmp_path, tiny_config):
    ort = pytest.importorskip("onnxruntime")
    import joblib
    import numpy as np

    out = tmp_path / "report"
    status, _, _ = run(
        capsys, "run", "--config", str(tiny_config), "--output", str(out),
        "--quiet", "--save-models",
    )  # fmt: skip
    assert status == 0
    saved = sorted(p.name for p in (out / "models").glob("*.joblib"))
    assert saved == ["dask-seed0.joblib", "student-alone-seed0.joblib"]
    assert "save_models = true" in (out / "config.toml").read_text()

    model = out / "models" / "dask-seed0.joblib"
    status, stdout, _ = run(
        capsys, "export", str(model), "-o", str(tmp_path / "s.onnx")
    )
    assert status == 0 and "wrote" in stdout
    student = joblib.load(model)
    n_channels, n_timestamps = student.input_shape_
    windows = np.random.default_rng(0).normal(size=(5, n_channels, n_timestamps))
    windows = windows.astype(np.float32)
    session = ort.InferenceSession(str(tmp_path / "s.onnx"))
    assert session.get_inputs()[0].shape == ["batch", n_channels, n_timestamps]
    probabilities = session.run(None, {"windows": windows})[0]
    np.testing.assert_allclose(probabilities, student.predict_proba(windows), atol=1e-4)

    status, _, err = run(
        capsys, "export", str(model), "-o", str(tmp_path / "x" / "m.onnx")
    )
    assert status == 2 and "not a writable folder" in err and err.count("\n") == 1


def test_export_errors_are_one_line_messages(capsys, tmp_path):
    import joblib

    from vskdlearn import TeacherClassifier

    not_joblib = tmp_path / "notes.joblib"
    not_joblib.write_text("hello")
    other = tmp_path / "other.joblib"
    joblib.dump({"a": 1}, other)
    skeleton = tmp_path / "skeleton.joblib"
    joblib.dump(TeacherClassifier(modality="skeleton"), skeleton)
    cases = [
        ([str(tmp_path / "missing.joblib")], "no such file"),
        ([str(not_joblib)], "is not a joblib file of a fitted vskdlearn model"),
        ([str(other)], "cannot export a dict"),
        ([str(skeleton)], "modality 'skeleton' does not take sensor windows"),
    ]
    for argv, message in cases:
        status, _, err = run(capsys, "export", *argv, "-o", str(tmp_path / "m.onnx"))
        assert status == 2
        assert err.startswith("vskd: error:") and message in err
        assert err.count("\n") == 1, err
