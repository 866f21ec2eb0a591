"""Scale-out: vskd run serial vs on Dask workers, memory per window, teacher passes.

Run from the repository root (needs ``pip install -e ".[dask]"``)::

    python benchmarks/bench_scale.py                 # all three parts
    python benchmarks/bench_scale.py --part runs --data-home ../shared/datasets/utd_mhad

Three measurements, each against a reference measured in the same run:

- ``runs``: wall time of one ``vskd run`` serially and with ``--workers 2``
  (a LocalCluster of 2 one-thread worker processes), on the synthetic data
  and, given ``--data-home``, on UTD-MHAD; the ratio serial / workers, and
  whether both wrote the same results.csv (timing columns aside).
- ``memory``: peak resident memory (ru_maxrss of a fresh process) of one
  epoch of training and a prediction of a GAF student on N raw windows, with
  the GAF inside the network (``encoder=GAFTransformer``) vs the image
  pipeline (``GAFTransformer().fit_transform`` then a student on the images),
  for N = 20,000 and 100,000 windows of 3 x 128, 32 x 32 "both" images.
- ``plan`` (given ``--data-home``): the tasks of the full UTD-MHAD table
  with a DASK grid, and the bytes each kind of task receives.
- ``grid``: how many times a 3 x 4 grid search with 4 folds runs the teacher
  (``predict_logits_and_embeddings`` calls), given ``teacher_X`` vs given the
  teacher's outputs (``TeacherOutputs``).
"""

import argparse
import os
import platform
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

RUN_ARGS = {
    "synthetic": [
        "--dataset", "synthetic", "--teacher", "skeleton", "--student", "small",
        "--methods", "alone,kd,rkd,dask", "--seeds", "2",
        "--teacher-epochs", "10", "--student-epochs", "20",
    ],
    "utd-mhad": [
        "--dataset", "utd-mhad", "--teacher", "fusion", "--student", "sensor",
        "--methods", "alone,kd,dask", "--seeds", "2",
        "--teacher-epochs", "5", "--student-epochs", "10",
    ],
}  # fmt: skip
TIMINGS = ["ms_per_window", "train_seconds"]


def machine():
    cpu = platform.processor() or platform.machine()
    try:
        with open("/proc/cpuinfo") as cpuinfo:
            cpu = next(
                line.split(":", 1)[1].strip()
                for line in cpuinfo
                if line.startswith("model name")
            )
    except (OSError, StopIteration):
        pass
    return f"{cpu}, {os.cpu_count()} cores, load average {os.getloadavg()[0]:.1f}"


def vskd_run(args, output, extra=()):
    command = [sys.executable, "-m", "vskdlearn", "run", *args, "--quiet"]
    command += ["--output", str(output), "--overwrite", *extra]
    start = time.perf_counter()
    subprocess.run(command, check=True, capture_output=True)
    return time.perf_counter() - start


def bench_runs(data_home):
    import pandas as pd

    datasets = ["synthetic"] + (["utd-mhad"] if data_home else [])
    for name in datasets:
        args = RUN_ARGS[name]
        if name != "synthetic":
            args = [*args, "--data-home", data_home]
        with tempfile.TemporaryDirectory() as tmp:
            serial = vskd_run(args, Path(tmp, "serial"))
            workers = vskd_run(args, Path(tmp, "workers"), ["--workers", "2"])
            runs = [
                pd.read_csv(Path(tmp, f, "results.csv")).drop(columns=TIMINGS)
                for f in ("serial", "workers")
            ]
        same = runs[0].equals(runs[1])
        print(
            f"runs  {name:10s} serial {serial:6.1f} s   --workers 2 {workers:6.1f} s"
            f"   ratio {serial / workers:.2f}   same results.csv: {same}"
        )


def memory_child(kind, n_windows):
    """One epoch and a prediction; prints the peak RSS in MB."""
    import torch

    torch.set_num_threads(1)
    from vskdlearn import DistilledStudentClassifier, GAFTransformer

    rng = np.random.default_rng(0)
    X = rng.standard_normal(size=(n_windows, 3, 128), dtype=np.float32)
    y = rng.integers(0, 5, size=n_windows)
    params = dict(
        distillation="none", max_epochs=1, batch_size=256, random_state=0,
        augmentation=None, magnitude=False, module__width=8,
    )  # fmt: skip
    gaf = GAFTransformer(image_size=32, method="both", scaling="fit")
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    if kind == "raw":
        student = DistilledStudentClassifier(encoder=gaf, **params).fit(X, y)
        student.predict(X)
    else:
        images = gaf.fit_transform(X)
        student = DistilledStudentClassifier(**params).fit(images, y)
        student.predict(images)
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"{peak:.0f} {before:.0f}")


def bench_memory():
    for n in (20_000, 100_000):
        peaks = {}
        for kind in ("raw", "images"):
            out = subprocess.run(
                [sys.executable, __file__, "--memory-child", kind, str(n)],
                check=True,
                capture_output=True,
                text=True,
            ).stdout.split()
            peaks[kind], start = float(out[0]), float(out[1])
        print(
            f"memory {n:7,d} windows  peak RSS: GAF in the network {peaks['raw']:6.0f} MB"
            f"   image pipeline {peaks['images']:6.0f} MB   ratio "
            f"{peaks['images'] / peaks['raw']:.1f}   (windows alone "
            f"{n * 3 * 128 * 4 / 2**20:.0f} MB, process before data {start:.0f} MB)"
        )


def bench_grid():
    import sklearn
    from sklearn.frozen import FrozenEstimator
    from sklearn.model_selection import GridSearchCV, GroupKFold

    from vskdlearn import DistilledStudentClassifier, TeacherClassifier, TeacherOutputs
    from vskdlearn.datasets import make_multimodal_activities

    class CountingTeacher(TeacherClassifier):
        passes = 0

        def predict_logits_and_embeddings(self, X):
            CountingTeacher.passes += 1
            return super().predict_logits_and_embeddings(X)

    data = make_multimodal_activities(
        n_subjects=4, n_classes=3, n_timestamps=32, n_frames=8, random_state=0
    )
    teacher = CountingTeacher(modality="skeleton", max_epochs=1, random_state=0)
    teacher.fit(data.skeleton, data.target)
    grid = {"angle_weight": [0.0, 1.0, 2.0], "distance_weight": [0.0, 0.5, 1.0, 2.0]}
    student = DistilledStudentClassifier(
        FrozenEstimator(teacher), max_epochs=1, random_state=0, module__width=4
    )
    counts = {}
    for what in ("teacher_X", "TeacherOutputs"):
        CountingTeacher.passes = 0
        teacher_X = data.skeleton
        if what == "TeacherOutputs":
            teacher_X = TeacherOutputs.from_teacher(teacher, data.skeleton)
        search = GridSearchCV(student, grid, cv=GroupKFold(4))
        with sklearn.config_context(enable_metadata_routing=True):
            search.fit(
                data.accelerometer,
                data.target,
                teacher_X=teacher_X,
                groups=data.subject,
            )
        counts[what] = (CountingTeacher.passes, teacher_X.nbytes)
    for what, (passes, nbytes) in counts.items():
        print(
            f"grid  3 x 4 grid, 4 folds, given {what:14s}: {passes:2d} teacher passes,"
            f" {nbytes / 1e6:.2f} MB of teacher data per task"
        )


def bench_plan(data_home):
    """Tasks and bytes of the full UTD-MHAD table on a cluster (nothing trained
    but a one-epoch teacher on 40 recordings, for its embedding width)."""
    from vskdlearn import TeacherClassifier
    from vskdlearn.experiments import ExperimentConfig
    from vskdlearn.experiments._datasets import DATASETS

    grid = {"angle_weight": [0, 1, 2], "distance_weight": [0, 0.5, 1, 2]}
    config = ExperimentConfig(
        dataset="utd-mhad", data_home=data_home, grid=grid, cv_folds=4
    )
    spec = DATASETS[config.dataset]
    data = spec.load(config)
    train, test = data.split(config.protocol)
    X_teacher = spec.teacher_X(data, config.teacher_name)
    X_student = spec.student_X(data)
    teacher = TeacherClassifier(modality="fusion", max_epochs=1, random_state=0)
    teacher.fit(X_teacher[:40], data.target[:40])
    n_classes, width = len(data.target_names), teacher.embedding_dim_
    n_seeds, n_methods = len(config.seeds), len(config.methods)
    n_grid = int(np.prod([len(v) for v in grid.values()])) * config.cv_folds + 1
    teacher_bytes = sum(X_teacher[k].nbytes for k in X_teacher.names)
    outputs = len(train) * (n_classes + width) * 4
    print(
        f"plan  UTD-MHAD, {config.teacher_name} teacher, {n_methods} methods x "
        f"{n_seeds} seeds, DASK grid {n_grid - 1} fits + refit: "
        f"{n_seeds} teacher tasks, {n_seeds * n_methods} student tasks, "
        f"{n_seeds * n_grid} grid tasks"
    )
    print(
        f"plan  shared once per worker: teacher input {teacher_bytes / 1e6:.1f} MB, "
        f"student windows {X_student.nbytes / 1e6:.1f} MB; per student or grid "
        f"task: teacher outputs {outputs / 1e6:.2f} MB ({len(train)} x "
        f"({n_classes} logits + {width} embedding) float32), instead of the "
        f"teacher input of its training recordings "
        f"{teacher_bytes * len(train) / len(data.target) / 1e6:.1f} MB"
    )


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--part", choices=["runs", "memory", "grid", "plan", "all"], default="all"
    )
    parser.add_argument("--data-home", help="UTD-MHAD folder (runs and plan parts)")
    parser.add_argument("--memory-child", nargs=2, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.memory_child:
        memory_child(args.memory_child[0], int(args.memory_child[1]))
        return
    print(f"machine: {machine()}")
    if args.part in ("grid", "all"):
        bench_grid()
    if args.part in ("memory", "all"):
        bench_memory()
    if args.part in ("plan", "all") and args.data_home:
        bench_plan(args.data_home)
    if args.part in ("runs", "all"):
        bench_runs(args.data_home)


if __name__ == "__main__":
    main()
