"""One rule for every loader: a recording needs at least 2 samples.

A single sample resampled to ``n_timestamps`` is a constant window that looks
like data. Each loader refuses it naming the file, or with ``on_error="warn"``
leaves the recording out and lists it as unreadable.
"""

import re
import warnings

import numpy as np
import pytest
import scipy.io
from _trees import berkeley_tree, mmact_tree, utd_tree

from vskdlearn.datasets import (
    DatasetFileError,
    MissingRecordingsWarning,
    load_berkeley_mhad,
    load_mmact,
    load_utd_mhad,
)


def _utd_inertial(tmp_path):
    root = utd_tree(tmp_path / "u")
    path = root / "Inertial" / "a1_s1_t1_inertial.mat"
    scipy.io.savemat(path, {"d_iner": np.ones((1, 6))})
    return lambda **kw: load_utd_mhad(root, **kw), path, "1 inertial sample(s)"


def _utd_skeleton(tmp_path):
    root = utd_tree(tmp_path / "u")
    path = root / "Skeleton" / "a2_s1_t2_skeleton.mat"
    scipy.io.savemat(path, {"d_skel": np.ones((20, 3, 1))})
    return lambda **kw: load_utd_mhad(root, **kw), path, "1 skeleton frame(s)"


def _mmact_clip(tmp_path):
    root = mmact_tree(tmp_path / "m")
    path = root / "acc_watch_clip" / "subject1" / "scene2" / "session1" / "Walking.csv"
    path.write_text(path.read_text().splitlines(keepends=True)[0])
    return lambda **kw: load_mmact(root, **kw), path, "1 distinct time stamps"


def _berkeley_accelerometer(tmp_path):
    root = berkeley_tree(tmp_path / "b", camera=False, mocap=False)
    path = root / "Accelerometer" / "Shimmer02" / "acc_h02_s01_a02_r01.txt"
    path.write_text(path.read_text().splitlines(keepends=True)[0])
    return lambda **kw: load_berkeley_mhad(root, **kw), path, "1 accelerometer sample"


@pytest.mark.parametrize(
    "make", [_utd_inertial, _utd_skeleton, _mmact_clip, _berkeley_accelerometer]
)
@pytest.mark.parametrize("n_timestamps", [None, "default"])
def test_a_one_sample_recording_is_refused_naming_its_file(
    tmp_path, make, n_timestamps
):
    load, path, what = make(tmp_path)
    kwargs = {} if n_timestamps == "default" else {"n_timestamps": None}
    if make is _utd_skeleton and n_timestamps is None:
        kwargs = {"n_frames": None}
    with pytest.raises(DatasetFileError, match=re.escape(f"{path}: {what}")):
        load(**kwargs)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        with pytest.warns(MissingRecordingsWarning, match="fewer than 2"):
            data = load(on_error="warn", **kwargs)
    assert data.missing["reason"].str.contains(re.escape(str(path))).any()
