"""Choose the raw-window student's recipe on UTD-MHAD's training subjects only.

Leave-one-subject-out over the cross-subject training subjects (1, 3, 5, 7):
for each held-out subject and seed, a fusion teacher (skeleton, accelerometer,
gyroscope; ``vskd run``'s default) is fitted on the other three subjects, then
every candidate student on their accelerometer; each is scored on the held-out
subject's accelerometer. The test subjects (2, 4, 6, 8) are dropped right
after loading: nothing here can see them.

Prints, per candidate, the validation accuracy (mean ± std over folds x
seeds) and the paired difference against the student trained alone (same
fold, same seed). Run it with one torch thread::

    OMP_NUM_THREADS=1 python benchmarks/select_recipe_utd.py --data-home PATH/TO/utd_mhad
"""

import argparse

import numpy as np
import torch
from _selection import candidate_names, fit_and_score, print_paired_table
from sklearn.frozen import FrozenEstimator

from vskdlearn import (
    DistilledStudentClassifier,
    Modalities,
    TeacherClassifier,
    TeacherOutputs,
)
from vskdlearn.datasets import load_utd_mhad
from vskdlearn.losses import PAPER_DASK_WEIGHTS

# name -> DistilledStudentClassifier parameters (on top of the defaults);
# "teacher_outputs": "cross-fitted" gives the student out-of-fold teacher
# logits (TeacherOutputs.cross_fitted over the fold's training subjects).
CROSS_FITTED = {"teacher_outputs": "cross-fitted"}
CANDIDATES = {
    "alone": {"distillation": "none"},
    "alone (no augmentation)": {"distillation": "none", "augmentation": None},
    "KD (default)": {},
    "KD (no augmentation)": {"augmentation": None},
    "KD + DASK relational terms (paper weights)": {**PAPER_DASK_WEIGHTS},
    "KD + DASK relational terms x0.1": {
        k: 0.1 * v for k, v in PAPER_DASK_WEIGHTS.items()
    },
    "KD T = 8": {"temperature": 8.0},
    "KD cross-fitted": CROSS_FITTED,
    "KD cross-fitted T = 2": {**CROSS_FITTED, "temperature": 2.0},
    "KD cross-fitted kd_weight 2": {**CROSS_FITTED, "kd_weight": 2.0},
}


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data-home", required=True)
    parser.add_argument("--seeds", type=int, default=1)
    parser.add_argument("--epochs", type=int, default=150)
    parser.add_argument(
        "--candidates",
        default=",".join(CANDIDATES),
        help="comma-separated names from CANDIDATES (default: all)",
    )
    args = parser.parse_args()
    names = candidate_names(parser, args.candidates, CANDIDATES)
    if "alone" not in names:
        names.insert(0, "alone")  # the paired reference

    data = load_utd_mhad(args.data_home, modalities=("inertial", "skeleton"))
    train, _ = data.split("cross_subject")  # the test subjects are never used
    acc = data.accelerometer[train]
    y = np.asarray(data.target)[train]
    subject = np.asarray(data.subject)[train]
    fusion = Modalities(
        skeleton=data.skeleton[train],
        accelerometer=acc,
        gyroscope=data.gyroscope[train],
    )
    print(
        f"{len(y)} training recordings of subjects {sorted(set(subject))}; "
        f"torch threads {torch.get_num_threads()}"
    )

    scores = {name: {} for name in names}
    seconds = {name: [] for name in names}
    for seed in range(args.seeds):
        for held_out in sorted(set(subject)):
            fit, val = subject != held_out, subject == held_out
            teacher = TeacherClassifier(modality="fusion", random_state=seed)
            teacher.fit(fusion[fit], y[fit])
            teacher_acc = teacher.score(fusion[val], y[val])
            line = [f"seed {seed} subject {held_out}: teacher {teacher_acc:.3f}"]
            cross_fitted = None
            for name in names:
                params = dict(CANDIDATES[name])
                teacher_X = fusion[fit]
                if params.pop("teacher_outputs", None) == "cross-fitted":
                    if cross_fitted is None:  # one set per fold, shared
                        cross_fitted = TeacherOutputs.cross_fitted(
                            teacher, fusion[fit], y[fit], groups=subject[fit]
                        )
                    teacher_X = cross_fitted
                student = DistilledStudentClassifier(
                    FrozenEstimator(teacher),
                    max_epochs=args.epochs,
                    random_state=seed,
                    **params,
                )
                line.append(
                    fit_and_score(
                        student,
                        (acc[fit], y[fit]),
                        (acc[val], y[val]),
                        (scores, seconds, name, (seed, held_out)),
                        teacher_X=teacher_X,
                    )
                )
            print("; ".join(line), flush=True)

    print_paired_table(scores, seconds, reference="alone")
    print(f"\n{args.seeds} seed(s) x {len(set(subject))} held-out subjects each.")


if __name__ == "__main__":
    main()
