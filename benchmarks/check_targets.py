"""Where a student stands against the project's accuracy and cost targets.

Reads the output folders of ``vskd run`` (their ``summary.csv``) and prints,
per target, what the run measured and whether it is reached. The targets
(issue "Students on raw accelerometer windows"):

* UTD-MHAD, cross-subject: the distilled student (the default recipe, soft
  labels) at >= 91 % (the project's goal is 93 %), with a paired gain of at
  least +2 points over the same student alone;
* Berkeley MHAD, cross-subject: the distilled right-wrist student at >= 92 %,
  with a paired gain above 0;
* cost: one raw-window student fit on UTD-MHAD under 2 minutes (wall time,
  as the run measured it, over the 120 s budget: below 1 is within it).

The runs::

    OMP_NUM_THREADS=1 vskd run --dataset utd-mhad --data-home PATH/TO/utd_mhad --methods alone,kd --seeds 3 --output results/utd-mhad-kd
    OMP_NUM_THREADS=1 vskd run --dataset berkeley-mhad --data-home PATH/TO/berkeley_mhad --methods alone,kd --seeds 3 --output results/berkeley-kd
    python benchmarks/check_targets.py --utd results/utd-mhad-kd --berkeley results/berkeley-kd

Accuracy targets are read, never asserted: this prints, a test never checks
them.
"""

import argparse
from pathlib import Path

import pandas as pd

DISTILLED = "KD (soft labels)"  # the default recipe's row in vskd run's tables
ALONE = "student alone"
FIT_BUDGET_S = 120.0


def _summary(folder):
    path = Path(folder) / "summary.csv"
    if not path.is_file():
        raise SystemExit(f"{path} not found: give the --output folder of a vskd run.")
    summary = pd.read_csv(path).set_index("model")
    missing = {DISTILLED, ALONE} - set(summary.index)
    if missing:
        raise SystemExit(
            f"{path} has no rows {sorted(missing)}: run vskd run with --methods alone,kd."
        )
    return summary


def _row(target, measured, reached):
    return f"| {target} | {measured} | {'yes' if reached else 'no'} |"


def _accuracy_row(name, summary, floor):
    kd = summary.loc[DISTILLED]
    accuracy = 100 * kd["accuracy_mean"]
    return _row(
        f"{name}: distilled student >= {floor:g} %",
        f"{accuracy:.1f} ± {100 * kd['accuracy_std']:.1f} % ({int(kd['n_seeds'])} seeds)",
        accuracy >= floor,
    )


def _gain_row(name, summary, min_gain, strict):
    kd = summary.loc[DISTILLED]
    gain = 100 * kd["gain_vs_alone_mean"]
    alone = 100 * summary.loc[ALONE, "accuracy_mean"]
    return _row(
        f"{name}: paired gain {'>' if strict else '>='} {min_gain:+g} points",
        f"{gain:+.1f} ± {100 * kd['gain_vs_alone_std']:.1f} (alone {alone:.1f} %)",
        gain > min_gain if strict else gain >= min_gain,
    )


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--utd", help="output folder of the UTD-MHAD run")
    parser.add_argument("--berkeley", help="output folder of the Berkeley MHAD run")
    args = parser.parse_args()
    if not (args.utd or args.berkeley):
        parser.error("give --utd and/or --berkeley")

    rows = []
    if args.utd:
        utd = _summary(args.utd)
        rows += [
            _accuracy_row("UTD-MHAD", utd, 91.0),
            _gain_row("UTD-MHAD", utd, 2.0, strict=False),
            _accuracy_row("UTD-MHAD (goal)", utd, 93.0),
        ]
        seconds = max(
            utd.loc[ALONE, "train_seconds"], utd.loc[DISTILLED, "train_seconds"]
        )
        rows.append(
            _row(
                "UTD-MHAD: one student fit < 2 min",
                f"{seconds:.0f} s, {seconds / FIT_BUDGET_S:.2f} x the budget",
                seconds < FIT_BUDGET_S,
            )
        )
    if args.berkeley:
        berkeley = _summary(args.berkeley)
        rows += [
            _accuracy_row("Berkeley MHAD", berkeley, 92.0),
            _gain_row("Berkeley MHAD", berkeley, 0.0, strict=True),
        ]
    print("| target | measured | reached |\n|---|---|---|")
    print("\n".join(rows))


if __name__ == "__main__":
    main()
