"""Activity datasets: loaders for the authors' layouts and a synthetic generator.

Every loader returns an :class:`ActivityDataset`: one attribute per modality
(``accelerometer``, ``gyroscope``, ``skeleton``, ``video``, ...), sample-aligned
with ``target``, ``subject`` and a ``frame`` table, and ``split(name)`` for the
dataset's standard evaluation protocols.
"""

from ._base import (
    ActivityDataset,
    AlignmentFallbackWarning,
    ClippedValuesWarning,
    DatasetFileError,
    MissingRecordingsWarning,
)
from ._basic_motions import load_basic_motions
from ._berkeley_mhad import (
    BERKELEY_MHAD_ACTIONS,
    BERKELEY_MHAD_SENSORS,
    load_berkeley_mhad,
)
from ._fetch import clear_data_home, get_data_home
from ._mmact import MMACT_ACTIONS, load_mmact
from ._synthetic import SYNTHETIC_ACTIVITIES, make_multimodal_activities
from ._utd_mhad import UTD_MHAD_ACTIONS, UTD_MHAD_JOINTS, fetch_utd_mhad, load_utd_mhad

__all__ = [
    "ActivityDataset",
    "AlignmentFallbackWarning",
    "BERKELEY_MHAD_ACTIONS",
    "BERKELEY_MHAD_SENSORS",
    "ClippedValuesWarning",
    "DatasetFileError",
    "MMACT_ACTIONS",
    "MissingRecordingsWarning",
    "SYNTHETIC_ACTIVITIES",
    "UTD_MHAD_ACTIONS",
    "UTD_MHAD_JOINTS",
    "clear_data_home",
    "fetch_utd_mhad",
    "get_data_home",
    "load_basic_motions",
    "load_berkeley_mhad",
    "load_mmact",
    "load_utd_mhad",
    "make_multimodal_activities",
]
