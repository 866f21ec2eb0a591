"""The paper's experiments as a library: configure, run, report.

``vskd run`` and ``vskd demo`` are thin shells over :func:`run_experiment`
and :func:`write_report`.
"""

from ._config import METHODS, STUDENTS, ConfigError, ExperimentConfig
from ._datasets import DATASETS
from ._report import format_table, write_report
from ._runner import ExperimentResult, run_experiment

__all__ = [
    "DATASETS",
    "METHODS",
    "STUDENTS",
    "ConfigError",
    "ExperimentConfig",
    "ExperimentResult",
    "format_table",
    "run_experiment",
    "write_report",
]
