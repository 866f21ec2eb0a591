"""The parse cache: a hit returns what the parse did, damaged entries rebuild."""

import mmap

import numpy as np
import pytest
from _trees import utd_tree

from vskdlearn.datasets import load_utd_mhad
from vskdlearn.datasets._cache import sidecar

# The small tree leaves most of UTD-MHAD's recordings out, on purpose.
pytestmark = pytest.mark.filterwarnings(
    "ignore::vskdlearn.datasets.MissingRecordingsWarning"
)

MODALITIES = ("inertial", "skeleton", "depth")
# Resampled to one length, every modality's recordings share a shape (stored
# stacked and memory-mapped); as recorded, the inertial and skeleton lengths
# differ (stored concatenated) while the depth clips happen to agree.
EQUAL = {"n_frames": 4, "video_size": (24, 32)}
AS_RECORDED = {"n_timestamps": None, "n_frames": None, "video_size": (24, 32)}


@pytest.fixture
def root(tmp_path):
    return utd_tree(tmp_path / "u", kinds=MODALITIES)


def _mapped(array):
    # The base chain of np.frombuffer's arrays ends in a memoryview.
    while array is not None and not isinstance(array, mmap.mmap):
        array = array.obj if isinstance(array, memoryview) else array.base
    return array is not None


def _first_value(array):
    return array.flat[0]


def _load(root, cache, options):
    return load_utd_mhad(root, modalities=MODALITIES, cache=cache, **options)


def _assert_same(hit, parsed):
    assert hit.modality_names == parsed.modality_names
    for name in parsed.modality_names:
        expected, got = parsed[name], hit[name]
        assert type(got) is np.ndarray
        assert (got.dtype, got.shape) == (expected.dtype, expected.shape)
        if expected.dtype == object:
            for a, b in zip(expected, got, strict=True):
                assert type(b) is np.ndarray and b.dtype == a.dtype
                np.testing.assert_array_equal(b, a)
        else:
            np.testing.assert_array_equal(got, expected)
    np.testing.assert_array_equal(hit.target, parsed.target)
    assert hit.frame.equals(parsed.frame)


@pytest.mark.parametrize("options", [EQUAL, AS_RECORDED], ids=["equal", "recorded"])
def test_a_hit_returns_what_the_parse_did(root, tmp_path, options):
    cache = tmp_path / "c"
    parsed = _load(root, cache, options)
    hit = _load(root, cache, options)
    _assert_same(hit, parsed)
    assert _load(root, None, options).frame.equals(parsed.frame)


def test_equal_shapes_are_stored_stacked_and_mapped(root, tmp_path):
    cache = tmp_path / "c"
    _load(root, cache, EQUAL)
    (entry,) = cache.glob("*.npz")
    stored = {p.name for p in cache.glob("*.npy")}
    assert stored == {
        sidecar(entry, n).name
        for n in ("accelerometer", "gyroscope", "skeleton", "depth")
    }
    hit = _load(root, cache, EQUAL)
    assert _mapped(hit.depth) and not _mapped(_load(root, None, EQUAL).depth)
    as_recorded = tmp_path / "r"
    _load(root, as_recorded, AS_RECORDED)
    (entry,) = as_recorded.glob("*.npz")
    assert [p.name for p in as_recorded.glob("*.npy")] == [sidecar(entry, "depth").name]


def test_writing_into_a_hit_changes_neither_the_file_nor_the_next_hit(root, tmp_path):
    cache = tmp_path / "c"
    parsed = _load(root, cache, EQUAL)
    hit = _load(root, cache, EQUAL)
    assert hit.depth.flags.writeable and hit.skeleton.flags.writeable
    hit.depth[0] += 1
    hit.skeleton[:] = 0
    assert hit.depth[0, 0, 0, 0] == parsed.depth[0, 0, 0, 0] + 1
    _assert_same(_load(root, cache, EQUAL), parsed)


@pytest.mark.parametrize(
    "damage",
    [
        lambda path: path.write_bytes(path.read_bytes()[:-10]),  # truncated
        lambda path: path.write_bytes(path.read_bytes() + b"\0" * 8),  # too long
        lambda path: path.write_bytes(b"not an array"),  # no header
        lambda path: path.unlink(),  # gone
    ],
    ids=["truncated", "too-long", "no-header", "missing"],
)
def test_a_damaged_stacked_file_is_rebuilt(root, tmp_path, damage):
    cache = tmp_path / "c"
    parsed = _load(root, cache, EQUAL)
    (entry,) = cache.glob("*.npz")
    path = sidecar(entry, "depth")
    size = path.stat().st_size
    damage(path)
    _assert_same(_load(root, cache, EQUAL), parsed)
    assert path.stat().st_size == size  # written again
    _assert_same(_load(root, cache, EQUAL), parsed)


def test_a_stacked_file_of_another_shape_is_not_served(root, tmp_path):
    cache = tmp_path / "c"
    parsed = _load(root, cache, EQUAL)
    (entry,) = cache.glob("*.npz")
    path = sidecar(entry, "depth")
    np.save(path, parsed.depth[:, :2])
    _assert_same(_load(root, cache, EQUAL), parsed)


def test_joblib_workers_see_what_was_written_into_a_hit(root, tmp_path):
    # joblib sends an array backed by a numpy.memmap as a reference to its
    # file, which would drop the write; the cache's mapping is sent by value.
    joblib = pytest.importorskip("joblib")
    cache = tmp_path / "c"
    _load(root, cache, EQUAL)
    depth = _load(root, cache, EQUAL).depth
    depth.flat[0] = 7
    parallel = joblib.Parallel(n_jobs=2, max_nbytes=1024)
    seen = parallel(joblib.delayed(_first_value)(depth) for _ in range(2))
    assert seen == [7, 7]
