"""Choose Berkeley MHAD's body-sensor teacher on the training subjects only.

The shared copy of Berkeley MHAD has accelerometers only, so ``vskd run``'s
teacher is a network on all six Shimmers (18 channels) and the student reads
the right wrist (h02). Leave-one-subject-out over some of the cross-subject
training subjects (1-7; ``--subjects``): for each held-out subject and seed,
every candidate teacher recipe is fitted on the other six training subjects,
then the student alone and a student distilled (soft labels, the default)
from each teacher; each is scored on the held-out subject. The test subjects
(8-12) are dropped right after loading: nothing here can see them.

Prints, per candidate, the validation accuracy (mean ± std over folds x
seeds) and the paired difference against the student trained alone (same
fold, same seed). Run it with one torch thread::

    OMP_NUM_THREADS=1 python benchmarks/select_teacher_berkeley.py --data-home PATH/TO/berkeley_mhad
"""

import argparse

import numpy as np
import torch
from _selection import candidate_names, fit_and_score, print_paired_table
from sklearn.frozen import FrozenEstimator

from vskdlearn import DistilledStudentClassifier, TeacherClassifier
from vskdlearn.augmentation import SensorAugmentation
from vskdlearn.datasets import load_berkeley_mhad

# name -> TeacherClassifier(modality="accelerometer") parameters.
TEACHERS = {
    "teacher 30 epochs (library defaults)": {},
    # The raw-window student's recipe (chosen on UTD-MHAD's training
    # subjects, select_recipe_utd.py), applied to the teacher's 18 channels.
    "teacher with the student's recipe": {
        "augmentation": SensorAugmentation(),
        "max_epochs": 150,
        "lr": 2e-3,
        "lr_schedule": "onecycle",
    },
}


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data-home", required=True)
    parser.add_argument("--seeds", type=int, default=1)
    parser.add_argument("--epochs", type=int, default=150, help="student epochs")
    parser.add_argument(
        "--subjects", default="1,4,7", help="held-out training subjects"
    )
    parser.add_argument(
        "--candidates",
        default=",".join(TEACHERS),
        help="comma-separated names from TEACHERS (default: all)",
    )
    args = parser.parse_args()
    names = candidate_names(parser, args.candidates, TEACHERS)

    data = load_berkeley_mhad(args.data_home, modalities=("accelerometer",), cache=True)
    train, _ = data.split("cross_subject")  # the test subjects are never used
    body = data.accelerometer[train]
    wrist_channels = [
        i
        for i, c in enumerate(data.channel_names["accelerometer"])
        if c.startswith("h02")
    ]
    wrist = body[:, wrist_channels]
    y = np.asarray(data.target)[train]
    subject = np.asarray(data.subject)[train]
    held_out_subjects = [int(s) for s in args.subjects.split(",")]
    print(
        f"{len(y)} training recordings of subjects {sorted(set(subject.tolist()))}; "
        f"held out in turn {held_out_subjects}; torch threads {torch.get_num_threads()}"
    )

    rows = ["alone", *(f"KD from {name}" for name in names)]
    scores = {row: {} for row in rows}
    seconds = {row: [] for row in rows}
    for seed in range(args.seeds):
        for held_out in held_out_subjects:
            fit, val = subject != held_out, subject == held_out
            line = [f"seed {seed} subject {held_out}:"]
            teachers = {}
            for name in names:
                teacher = TeacherClassifier(
                    modality="accelerometer", random_state=seed, **TEACHERS[name]
                )
                teachers[name] = teacher.fit(body[fit], y[fit])
                line.append(f"{name} {teacher.score(body[val], y[val]):.3f}")
            for row in rows:
                name = row.removeprefix("KD from ")
                student = DistilledStudentClassifier(
                    None if row == "alone" else FrozenEstimator(teachers[name]),
                    distillation="none" if row == "alone" else "kd",
                    max_epochs=args.epochs,
                    random_state=seed,
                )
                line.append(
                    fit_and_score(
                        student,
                        (wrist[fit], y[fit]),
                        (wrist[val], y[val]),
                        (scores, seconds, row, (seed, held_out)),
                        teacher_X=None if row == "alone" else body[fit],
                    )
                )
            print("; ".join(line), flush=True)

    print_paired_table(scores, seconds, reference="alone")
    print(f"\n{args.seeds} seed(s) x {len(held_out_subjects)} held-out subjects each.")


if __name__ == "__main__":
    main()
