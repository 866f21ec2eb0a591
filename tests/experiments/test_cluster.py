"""Experiments and grid searches on a Dask cluster give the serial results.

Each cluster is a LocalCluster of 2 workers started here: threads in this
process, or worker processes (each imports torch: a few seconds to start).
"""

import logging
import os
import signal

import numpy as np
import pandas as pd
import pytest
import sklearn
from sklearn.frozen import FrozenEstimator
from sklearn.model_selection import GridSearchCV, GroupKFold

from vskdlearn import cli
from vskdlearn.experiments import ExperimentConfig, run_experiment

distributed = pytest.importorskip("distributed")
joblib = pytest.importorskip("joblib")

TINY = {
    "dataset": "synthetic",
    "teacher": "skeleton",
    "student": "small",
    "methods": ["alone", "dask"],
    "seeds": [0, 1],
    "image_size": 8,
    "n_timestamps": 32,
    "n_frames": 8,
    "teacher_epochs": 1,
    "student_epochs": 1,
    "synthetic": {"n_subjects": 4, "n_classes": 3, "n_recordings": 2, "image_size": 16},
}
# What a run measures that a clock decides, not the seeds.
TIMINGS = ["ms_per_window", "train_seconds"]


def _cluster(processes):
    cluster = distributed.LocalCluster(
        n_workers=2,
        threads_per_worker=1,
        processes=processes,
        dashboard_address=None,
        silence_logs=logging.ERROR,
    )
    return cluster, distributed.Client(cluster)


@pytest.fixture(scope="module")
def process_client():
    cluster, client = _cluster(processes=True)
    yield client
    client.close()
    cluster.close()


@pytest.fixture(scope="module", params=["threads", "processes"])
def client(request):
    if request.param == "processes":
        yield request.getfixturevalue("process_client")
        return
    cluster, client = _cluster(processes=False)
    yield client
    client.close()
    cluster.close()


@pytest.fixture(scope="module")
def serial_runs():
    config = ExperimentConfig(**TINY, grid={"angle_weight": [0.0, 1.0]}, cv_folds=2)
    return run_experiment(config, progress=False).runs


def test_a_run_on_the_cluster_gives_the_serial_results(client, serial_runs):
    config = ExperimentConfig(**TINY, grid={"angle_weight": [0.0, 1.0]}, cv_folds=2)
    runs = run_experiment(config, progress=False, client=client).runs
    pd.testing.assert_frame_equal(
        runs.drop(columns=TIMINGS), serial_runs.drop(columns=TIMINGS)
    )
    assert (runs["best_params"] != "").sum() == 2  # the grid ran, once per seed


def test_grid_search_under_the_dask_backend_gives_the_serial_results(client):
    from vskdlearn import DistilledStudentClassifier, TeacherClassifier, TeacherOutputs
    from vskdlearn.datasets import make_multimodal_activities

    data = make_multimodal_activities(
        n_subjects=4,
        n_classes=3,
        n_recordings=2,
        n_timestamps=32,
        n_frames=8,
        random_state=0,
    )
    teacher = TeacherClassifier(
        modality="skeleton",
        max_epochs=1,
        random_state=0,
        module__hidden_dim=8,
        module__embedding_dim=8,
    ).fit(data.skeleton, data.target)
    student = DistilledStudentClassifier(
        FrozenEstimator(teacher),
        max_epochs=1,
        random_state=0,
        module__width=4,
        module__embedding_dim=8,
    )
    results = {}
    # Routed teacher_X: the teacher's input, and its outputs.
    for what, teacher_X in (
        ("input", data.skeleton),
        ("outputs", TeacherOutputs.from_teacher(teacher, data.skeleton)),
    ):
        for backend in ("serial", "dask"):
            search = GridSearchCV(
                student, {"angle_weight": [0.0, 1.0]}, cv=GroupKFold(2), n_jobs=-1
            )
            context = joblib.parallel_config(
                backend if backend == "dask" else "sequential"
            )
            with context, sklearn.config_context(enable_metadata_routing=True):
                search.fit(
                    data.accelerometer,
                    data.target,
                    teacher_X=teacher_X,
                    groups=data.subject,
                )
            results[what, backend] = search.cv_results_
    for what in ("input", "outputs"):
        for key in ("split0_test_score", "split1_test_score", "mean_test_score"):
            np.testing.assert_array_equal(
                results[what, "dask"][key], results[what, "serial"][key]
            )


def test_vskd_run_on_workers_writes_the_serial_results(tmp_path, capsys):
    config = tmp_path / "tiny.toml"
    config.write_text(ExperimentConfig(**{**TINY, "seeds": [0]}).to_toml())
    outputs = {}
    for name, extra in (("serial", []), ("workers", ["--workers", "2"])):
        out = tmp_path / name
        status = cli.main(
            ["run", "--config", str(config), "--output", str(out), "--quiet", *extra]
        )
        assert status == 0, capsys.readouterr().err
        outputs[name] = pd.read_csv(out / "results.csv").drop(columns=TIMINGS)
    pd.testing.assert_frame_equal(outputs["workers"], outputs["serial"])


def test_a_lost_worker_loses_no_finished_result(process_client):
    # Last in this file: the cluster loses a worker (its nanny restarts it).
    client = process_client
    finished = []

    def kill_a_worker_once(row, result):
        finished.append(row)
        if len(finished) == 1:
            # A worker process dies (as on a crashed machine); its nanny
            # starts another, and Dask reruns what it held.
            pid = next(iter(client.run(os.getpid).values()))
            os.kill(pid, signal.SIGKILL)

    result = run_experiment(
        ExperimentConfig(**TINY),
        progress=False,
        on_run=kill_a_worker_once,
        client=client,
    )
    assert not result.interrupted
    runs = result.runs
    first = finished[0]
    kept = runs[(runs["seed"] == first["seed"]) & (runs["model"] == first["model"])]
    assert kept["accuracy"].tolist() == [first["accuracy"]]
    # Every fit ends in a row or in a note saying it was lost.
    lost = [n for n in result.notes if "was lost" in n]
    assert len(runs) + len(lost) == 2 * 3
