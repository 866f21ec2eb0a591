"""Distillation on real UTD-MHAD, cross-subject: teachers, student alone, KD, RKD,
SP and DASK, each over several seeds.

Protocol: odd subjects (1, 3, 5, 7) train, even subjects (2, 4, 6, 8) test.
The student sees only the wrist/thigh accelerometer, encoded as 6-channel
64x64 GAF images; the teachers see the skeleton (and, for the fusion
teacher, the accelerometer and gyroscope too).

Model selection uses the training subjects only: each method's loss weights
are picked from a few candidates (``CANDIDATES``) by accuracy on the
validation protocol (train on subjects 1, 3, 5; score subject 7; seed 0),
then the chosen setting is trained on subjects 1, 3, 5, 7 with every seed
and scored once on the test subjects. Epochs and learning rates are fixed.

Printed: the validation scores of the candidates, then a Markdown table of
test accuracy (mean and std over the seeds), the network's parameter count
and its CPU time per epoch (process time over all threads divided by the
epochs), then the wall time of a student epoch with a teacher over one
without (both from skorch's per-epoch timer in this run; the teacher's
outputs are computed once per fit, before the epochs).

    OMP_NUM_THREADS=1 python benchmarks/bench_distillation_utd.py

The data folder is ``../shared/datasets/utd_mhad`` next to the repository, or
``$VSKD_SHARED_DATASETS/utd_mhad``, or ``--root``.
"""

import argparse
import os
import time
from pathlib import Path

import numpy as np
import torch
from sklearn.frozen import FrozenEstimator

from vskdlearn import (
    DistilledStudentClassifier,
    GAFTransformer,
    Modalities,
    TeacherClassifier,
)
from vskdlearn.datasets import load_utd_mhad

TEACHER_EPOCHS = 60
STUDENT_EPOCHS = 30
GAF = {"image_size": 64, "method": "both"}
# Student recipes: row name -> candidate DistilledStudentClassifier parameters,
# the first being the library's defaults for that method.
CANDIDATES = {
    "student alone": [{"distillation": "none"}],
    "KD (soft labels)": [
        {"distillation": "kd"},
        {"distillation": "kd", "kd_weight": 0.1},
    ],
    "RKD (distance + angle)": [
        {"distillation": "rkd"},
        {"distillation": "rkd", "distance_weight": 25.0, "angle_weight": 50.0},
    ],
    "SP (similarity-preserving)": [
        {"distillation": "sp"},
        {"distillation": "sp", "sp_weight": 300.0},
        {"distillation": "sp", "sp_weight": 30.0},
    ],
    "DASK": [
        {"distillation": "dask"},
        {"distillation": "dask", "kd_weight": 0.1},
        {"distillation": "dask", "kd_weight": 0.0},
    ],
}


def _root(arg):
    if arg:
        return Path(arg)
    shared = os.environ.get("VSKD_SHARED_DATASETS")
    if shared:
        return Path(shared) / "utd_mhad"
    return (
        Path(__file__).resolve().parents[1].parent / "shared" / "datasets" / "utd_mhad"
    )


def _n_params(estimator):
    return sum(p.numel() for p in estimator.net_.module_.parameters())


def _fit_timed(estimator, *args, **kwargs):
    cpu = time.process_time()
    estimator.fit(*args, **kwargs)
    cpu = time.process_time() - cpu
    epochs = len(estimator.history_)
    # skorch's per-epoch wall time: training and validation, nothing else.
    epoch_wall = float(np.mean(estimator.history_[:, "dur"]))
    return {"cpu_per_epoch": cpu / epochs, "epoch_wall": epoch_wall}


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--root", default=None)
    parser.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2])
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--teacher", choices=["fusion", "skeleton"], default="fusion")
    parser.add_argument("--teacher-epochs", type=int, default=TEACHER_EPOCHS)
    parser.add_argument("--student-epochs", type=int, default=STUDENT_EPOCHS)
    args = parser.parse_args()
    torch.set_num_threads(args.threads)

    data = load_utd_mhad(_root(args.root), modalities=("inertial", "skeleton"))
    y = data.target
    teacher_inputs = {
        "skeleton": data.skeleton,
        "fusion": Modalities(
            skeleton=data.skeleton,
            accelerometer=data.accelerometer,
            gyroscope=data.gyroscope,
        ),
    }

    def encode(train, test):
        gaf = GAFTransformer(**GAF).fit(data.accelerometer[train])
        return gaf.transform(data.accelerometer[train]), gaf.transform(
            data.accelerometer[test]
        )

    def teacher_for(kind, train, seed):
        teacher = TeacherClassifier(
            kind, max_epochs=args.teacher_epochs, random_state=seed
        )
        timing = _fit_timed(teacher, teacher_inputs[kind][train], y[train])
        return teacher, timing

    def student_for(params, teacher, X_train, train, seed):
        student = DistilledStudentClassifier(
            FrozenEstimator(teacher),
            max_epochs=args.student_epochs,
            random_state=seed,
            **params,
        )
        teacher_X = teacher_inputs[args.teacher][train]
        timing = _fit_timed(student, X_train, y[train], teacher_X=teacher_X)
        return student, timing

    # Model selection on the training subjects only.
    fit_part = np.flatnonzero(np.isin(data.subject, [1, 3, 5]))
    valid_part = np.flatnonzero(data.subject == 7)
    X_fit, X_valid = encode(fit_part, valid_part)
    teacher, _ = teacher_for(args.teacher, fit_part, 0)
    print(
        f"validation (train 1, 3, 5; score 7), {args.teacher} teacher: "
        f"{teacher.score(teacher_inputs[args.teacher][valid_part], y[valid_part]):.3f}"
    )
    chosen = {}
    for name, candidates in CANDIDATES.items():
        if len(candidates) == 1:
            chosen[name] = candidates[0]
            continue
        scores = []
        for params in candidates:
            student, _ = student_for(params, teacher, X_fit, fit_part, 0)
            scores.append(student.score(X_valid, y[valid_part]))
            print(f"  validation {name} {params}: {scores[-1]:.3f}", flush=True)
        chosen[name] = candidates[int(np.argmax(scores))]

    train, test = data.split("cross_subject")
    X_train, X_test = encode(train, test)
    rows = {}  # (name, teacher, setting) -> list of (accuracy, params, cpu/epoch)
    epoch_ratio = []
    for seed in args.seeds:
        teachers = {}
        for kind in ("skeleton", "fusion"):
            teacher, timing = teacher_for(kind, train, seed)
            accuracy = teacher.score(teacher_inputs[kind][test], y[test])
            name = {
                "skeleton": "teacher: skeleton",
                "fusion": "teacher: fusion (skeleton + accelerometer + gyroscope)",
            }[kind]
            rows.setdefault((name, "-", "-"), []).append(
                (accuracy, _n_params(teacher), timing["cpu_per_epoch"])
            )
            teachers[kind] = teacher
            print(f"seed {seed} {name}: {accuracy:.3f}", flush=True)

        walls = {}
        for name, params in chosen.items():
            student, timing = student_for(
                params, teachers[args.teacher], X_train, train, seed
            )
            accuracy = student.score(X_test, y[test])
            used = "-" if params["distillation"] == "none" else args.teacher
            setting = ", ".join(
                f"{k}={v:g}" for k, v in params.items() if k != "distillation"
            )
            rows.setdefault((name, used, setting or "defaults"), []).append(
                (accuracy, _n_params(student), timing["cpu_per_epoch"])
            )
            walls[params["distillation"]] = timing["epoch_wall"]
            print(
                f"seed {seed} {name}: {accuracy:.3f} "
                f"({timing['epoch_wall']:.2f} s/epoch wall)",
                flush=True,
            )
        epoch_ratio.append(walls["dask"] / walls["none"])

    print()
    print(
        f"UTD-MHAD cross-subject (train subjects 1, 3, 5, 7: {len(train)} "
        f"recordings; test 2, 4, 6, 8: {len(test)}); seeds {args.seeds}; torch "
        f"threads {args.threads}; teachers {args.teacher_epochs} epochs, students "
        f"{args.student_epochs} epochs; student input: accelerometer only, GAF {GAF}."
    )
    print()
    print(
        "| model | teacher | loss setting | accuracy (mean ± std) | parameters "
        "| CPU s / epoch |"
    )
    print("|---|---|---|---|---|---|")
    for (name, used, setting), values in rows.items():
        acc = np.array([v[0] for v in values])
        std = acc.std(ddof=1) if len(acc) > 1 else 0.0
        print(
            f"| {name} | {used} | {setting} | {acc.mean():.3f} ± {std:.3f} "
            f"| {values[0][1]:,} | {np.mean([v[2] for v in values]):.2f} |"
        )
    print()
    ratio = np.array(epoch_ratio)
    print(
        "student epoch wall time, DASK with teacher / alone: "
        f"{ratio.mean():.2f} (per seed: {', '.join(f'{r:.2f}' for r in ratio)})"
    )


if __name__ == "__main__":
    main()
