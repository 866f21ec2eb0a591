"""Redraw a ``vskd run`` accuracy figure from its ``results.csv``.

For runs whose report predates the figure, or to restyle it::

    python benchmarks/plot_results_csv.py RUN_DIR OUT.png
"""

import sys
from pathlib import Path

import pandas as pd

from vskdlearn.experiments import ExperimentConfig
from vskdlearn.experiments._report import _save_accuracy
from vskdlearn.experiments._runner import ExperimentResult


def main(run_dir, out):
    run_dir = Path(run_dir)
    runs = pd.read_csv(run_dir / "results.csv")
    config = ExperimentConfig.from_toml(run_dir / "config.toml")
    _save_accuracy(ExperimentResult(runs=runs, class_names=[]), config, Path(out))
    print(f"wrote {out}")


if __name__ == "__main__":
    main(*sys.argv[1:3])
