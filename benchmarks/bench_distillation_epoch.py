"""What a teacher adds to a student epoch: DASK (and KD, RKD, SP) vs alone.

The student computes the teacher's outputs once per ``fit``, before the
epochs, so an epoch with a teacher should cost what an epoch without one
does, plus the loss terms on each batch. This script trains the same
student (default ``SmallStudent`` on UTD-MHAD accelerometer GAF images,
training subjects) for a few epochs per method, interleaving the methods
over several rounds so that a change of machine load hits all of them
alike, and prints the median epoch wall time (skorch's per-epoch timer) of
each method over the student alone, plus the one-off cost of the teacher's
outputs.

    OMP_NUM_THREADS=1 python benchmarks/bench_distillation_epoch.py

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

from vskdlearn import DistilledStudentClassifier, GAFTransformer, TeacherClassifier
from vskdlearn.datasets import load_utd_mhad

METHODS = ("none", "kd", "rkd", "sp", "dask")


def _root(arg):
    if arg:
        return Path(arg)
    shared = os.environ.get("VSKD_SHARED_DATASETS")
    if shared:
        return Path(shared) / "utd_mhad"
    return (
        Path(__file__).resolve().parents[1].parent / "shared" / "datasets" / "utd_mhad"
    )


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--root", default=None)
    parser.add_argument("--epochs", type=int, default=3)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--threads", type=int, default=1)
    args = parser.parse_args()
    torch.set_num_threads(args.threads)

    data = load_utd_mhad(_root(args.root), modalities=("inertial", "skeleton"))
    train, _ = data.split("cross_subject")
    X = GAFTransformer(image_size=64, method="both").fit_transform(
        data.accelerometer[train]
    )
    y, skeleton = data.target[train], data.skeleton[train]
    # The teacher's quality does not change the student's cost: one epoch.
    teacher = TeacherClassifier("skeleton", max_epochs=1, random_state=0)
    teacher = FrozenEstimator(teacher.fit(skeleton, y))

    start = time.perf_counter()
    teacher.predict_logits_and_embeddings(skeleton)
    outputs_seconds = time.perf_counter() - start

    durations = {method: [] for method in METHODS}
    for _ in range(args.rounds):
        for method in METHODS:
            student = DistilledStudentClassifier(
                teacher, distillation=method, max_epochs=args.epochs, random_state=0
            )
            student.fit(X, y, teacher_X=skeleton)
            # The first epoch of a fit warms caches up; the others are kept.
            durations[method].extend(student.history_[1:, "dur"])

    alone = np.median(durations["none"])
    print(
        f"UTD-MHAD training subjects: {len(y)} recordings, GAF images "
        f"{X.shape[1:]}, SmallStudent, batch 32; {args.rounds} rounds x "
        f"{args.epochs - 1} timed epochs per method; torch threads {args.threads}."
    )
    print()
    print("| method | median epoch (s) | / student alone |")
    print("|---|---|---|")
    for method in METHODS:
        median = np.median(durations[method])
        print(f"| {method} | {median:.2f} | {median / alone:.2f} |")
    print()
    print(
        f"teacher outputs for all {len(y)} training recordings, once per fit: "
        f"{outputs_seconds:.2f} s ({outputs_seconds / alone:.2f} student epochs)"
    )


if __name__ == "__main__":
    main()
