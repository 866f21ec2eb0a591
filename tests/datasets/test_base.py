import os
import pickle
import time
from pathlib import Path

import numpy as np
import pytest
from sklearn.model_selection import GroupKFold, cross_val_score
from sklearn.tree import DecisionTreeClassifier

import vskdlearn
from vskdlearn.datasets import ActivityDataset, load_basic_motions
from vskdlearn.datasets._base import (
    clean_times,
    interpolate,
    listing,
    resample_on_normalised_time,
    resize_image,
    stack_or_objects,
)
from vskdlearn.datasets._cache import CONTENT_HASH_LIMIT, cache_key
from vskdlearn.datasets._readers import read_pgm


def _dataset():
    return ActivityDataset(
        name="toy",
        accelerometer=np.arange(24, dtype=np.float32).reshape(4, 3, 2),
        target=np.array([0, 1, 0, 1]),
        target_names=np.array(["a", "b"]),
        subject=np.array([1, 1, 2, 3]),
        modality_names=("accelerometer",),
        protocol_rules={
            "by_subject": {
                "factor": "subject",
                "train": (1,),
                "test": (2, 3),
                "description": "subject 1 train",
            }
        },
    )


def test_split_modalities_repr_and_pickle():
    data = _dataset()
    assert data.protocols == ("by_subject",)
    train, test = data.split("by_subject")
    np.testing.assert_array_equal(train, [0, 1])
    np.testing.assert_array_equal(test, [2, 3])
    assert train.dtype.kind == "i"
    assert "accelerometer: (4, 3, 2) float32" in repr(data)
    assert data.modalities()["accelerometer"].shape == (4, 3, 2)
    restored = pickle.loads(pickle.dumps(data))
    np.testing.assert_array_equal(restored.split("by_subject")[0], train)
    assert restored.target_names[1] == "b"


def test_interpolate_linear_nearest_and_edges():
    values = np.array([[0.0], [10.0], [20.0]])
    times = np.array([0.0, 1.0, 3.0])
    out = interpolate(values, times, [-1.0, 0.5, 2.0, 5.0])
    np.testing.assert_allclose(out[:, 0], [0.0, 5.0, 15.0, 20.0])
    nearest = interpolate(values, times, [0.4, 0.6, 2.1, 9.0], kind="nearest")
    np.testing.assert_allclose(nearest[:, 0], [0.0, 10.0, 20.0, 20.0])
    single = interpolate(values[:1], times[:1], [0.0, 1.0])
    np.testing.assert_allclose(single[:, 0], [0.0, 0.0])


def test_resampling_aligns_streams_of_different_rates():
    # The same ramp sampled at 50 Hz and 30 Hz lines up on normalised time.
    fast = np.linspace(0, 1, 150)[:, None]
    slow = np.linspace(0, 1, 90)[:, None]
    np.testing.assert_allclose(
        resample_on_normalised_time(fast, 20), resample_on_normalised_time(slow, 20)
    )
    times = np.cumsum(np.r_[0, np.full(9, 0.1), np.full(10, 0.3)])
    values = times[:, None]
    np.testing.assert_allclose(
        resample_on_normalised_time(values, 5, times=times)[:, 0],
        np.linspace(0, times[-1], 5),
    )


def test_clean_times_sorts_and_averages_duplicates():
    times, values = clean_times([2.0, 1.0, 2.0, 3.0], [[4.0], [1.0], [6.0], [9.0]])
    np.testing.assert_array_equal(times, [1.0, 2.0, 3.0])
    np.testing.assert_array_equal(values[:, 0], [1.0, 5.0, 9.0])


def test_resize_image_area_and_nearest():
    image = np.arange(16, dtype=float).reshape(4, 4)
    np.testing.assert_allclose(resize_image(image, (2, 2)), [[2.5, 4.5], [10.5, 12.5]])
    nearest = resize_image(image.astype(np.uint16), (2, 2), method="nearest")
    assert nearest.dtype == np.uint16 and nearest[0, 0] in (0, 5)
    assert resize_image(image, None) is image


def test_stack_or_objects():
    same = stack_or_objects([np.zeros(3), np.ones(3)], np.float32)
    assert same.shape == (2, 3) and same.dtype == np.float32
    ragged = stack_or_objects([np.zeros(3), np.ones(3)], np.float32, ragged=True)
    assert ragged.dtype == object and ragged[1].dtype == np.float32


@pytest.mark.parametrize(
    "n, limit, expected",
    [
        (2, 3, "  r0\n  r1"),
        (3, 3, "  r0\n  r1\n  r2"),
        (5, 3, "  r0\n  r1\n  r2\n  ... and 2 more (see x)"),
    ],
)
def test_listing_truncates_long_lists(n, limit, expected):
    assert listing((f"r{i}" for i in range(n)), limit, " (see x)") == expected


def test_cache_key_changes_with_the_package_version(tmp_path, monkeypatch):
    path = tmp_path / "f.txt"
    path.write_text("1 2 3")
    key = cache_key("loader", {"n": 1}, [path])
    assert cache_key("loader", {"n": 1}, [path]) == key
    monkeypatch.setattr(vskdlearn, "__version__", "99.0")
    assert cache_key("loader", {"n": 1}, [path]) != key


def _edit_in_place_keeping_size_and_mtime(path, content):
    before = os.stat(path)
    time.sleep(0.05)  # past the file system's time-stamp granularity
    with open(path, "r+b") as stream:
        stream.write(content)
    os.utime(path, ns=(before.st_atime_ns, before.st_mtime_ns))
    after = os.stat(path)
    assert (after.st_size, after.st_mtime_ns) == (before.st_size, before.st_mtime_ns)


@pytest.mark.parametrize("size", [5, CONTENT_HASH_LIMIT + 1])
def test_cache_key_sees_an_edit_that_keeps_size_and_mtime(tmp_path, size):
    # Small files by their content and status-change time, large ones by the
    # status-change time alone.
    path = tmp_path / "f.txt"
    path.write_bytes(b"1" * size)
    key = cache_key("loader", {}, [path])
    _edit_in_place_keeping_size_and_mtime(path, b"9")
    assert cache_key("loader", {}, [path]) != key


def test_cache_key_sees_a_file_replaced_by_another(tmp_path):
    path, other = tmp_path / "f.txt", tmp_path / "g.txt"
    path.write_bytes(b"1 2 3")
    key = cache_key("loader", {}, [path])
    other.write_bytes(b"1 2 3")
    os.utime(other, ns=(os.stat(path).st_atime_ns, os.stat(path).st_mtime_ns))
    os.replace(other, path)  # same path, size, mtime and content; a new inode
    assert cache_key("loader", {}, [path]) != key


@pytest.mark.parametrize(
    "content, expected",
    [
        (b"P5\n3 2\n255\n" + bytes(range(6)), [[0, 1, 2], [3, 4, 5]]),
        (b"P5 # comment\n# more\n3 2 255\n" + bytes(range(6)), [[0, 1, 2], [3, 4, 5]]),
        (b"P2\n3 2\n255\n0 1 2\n3 4 5\n", [[0, 1, 2], [3, 4, 5]]),
        (b"P5\n2 1\n65535\n\x01\x00\x00\x02", [[256, 2]]),
    ],
)
def test_read_pgm(tmp_path, content, expected):
    path = tmp_path / "f.pgm"
    path.write_bytes(content)
    np.testing.assert_array_equal(read_pgm(path), expected)


@pytest.mark.parametrize(
    "content, message",
    [
        (b"P6\n1 1\n255\n\x00\x00\x00", "not a PGM image"),
        (b"P5\n3 2\n255\n\x00", "truncated image data"),
        (b"P5\n3", "truncated PGM header"),
        (b"P5\nx 2\n255\n", "malformed PGM header"),
    ],
)
def test_read_pgm_errors(tmp_path, content, message):
    path = tmp_path / "bad.pgm"
    path.write_bytes(content)
    with pytest.raises(ValueError, match=f"bad.pgm: {message}"):
        read_pgm(path)


def test_basic_motions():
    data = load_basic_motions()
    assert data.accelerometer.shape == (80, 3, 100)
    assert data.gyroscope.shape == (80, 3, 100)
    assert list(data.target_names) == ["Badminton", "Running", "Standing", "Walking"]
    np.testing.assert_array_equal(np.bincount(data.target), [20] * 4)
    train, test = data.split("original")
    assert len(train) == len(test) == 40
    assert (data.subject == -1).all()
    short = load_basic_motions(n_timestamps=50)
    assert short.accelerometer.shape == (80, 3, 50)
    np.testing.assert_allclose(
        short.accelerometer[:, :, 0], data.accelerometer[:, :, 0]
    )
    # Usable as is by scikit-learn, with the subjects as groups.
    synthetic_groups = np.arange(80) % 4
    scores = cross_val_score(
        DecisionTreeClassifier(random_state=0),
        data.accelerometer.reshape(80, -1),
        data.target,
        groups=synthetic_groups,
        cv=GroupKFold(4),
    )
    assert scores.mean() > 0.5


@pytest.mark.parametrize(
    ("value", "ok"),
    [
        (1, True),
        (np.int64(3), True),
        (None, True),
        (0, False),
        (2.0, False),
        (True, False),
    ],
)
def test_loader_lengths_are_checked_with_sklearn_constraints(value, ok):
    from vskdlearn.datasets._base import LENGTH, check_arguments

    if ok:
        check_arguments({"n_frames": LENGTH}, n_frames=value)
    else:
        with pytest.raises(ValueError, match="n_frames must be a positive int or None"):
            check_arguments({"n_frames": LENGTH}, n_frames=value)


def test_loader_warnings_name_the_callers_line(tmp_path):
    # The warnings are raised several calls deep in the shared loader steps;
    # they must still point at the line that called the loader.
    from _trees import utd_tree

    from vskdlearn.datasets import MissingRecordingsWarning, load_utd_mhad

    root = utd_tree(
        tmp_path, actions=(1, 2), subjects=(1, 2), trials=(1,), skip={(2, 2, 1)}
    )
    with pytest.warns(MissingRecordingsWarning) as caught:
        load_utd_mhad(root, modalities=("inertial",))
    assert {Path(w.filename).name for w in caught} == {Path(__file__).name}
