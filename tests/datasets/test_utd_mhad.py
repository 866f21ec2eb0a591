import os
import pickle
import time
import warnings

import numpy as np
import pytest
import scipy.io
from _trees import utd_tree

from vskdlearn import Modalities
from vskdlearn.datasets import (
    DatasetFileError,
    MissingRecordingsWarning,
    load_utd_mhad,
)

# Fixture trees hold a few recordings of the full design: the rest is
# reported as missing. Tests about that report catch the warning explicitly.
pytestmark = pytest.mark.filterwarnings(
    "ignore::vskdlearn.datasets.MissingRecordingsWarning"
)


@pytest.fixture
def tree(tmp_path):
    return utd_tree(tmp_path / "UTD-MHAD")


def test_fixture_tree_counts_shapes_and_labels(tree):
    data = load_utd_mhad(tree, n_timestamps=50, n_frames=10)
    n = 3 * 2 * 2
    assert data.accelerometer.shape == (n, 3, 50)
    assert data.gyroscope.shape == (n, 3, 50)
    assert data.skeleton.shape == (n, 10, 20, 3)
    assert data.accelerometer.dtype == np.float32
    assert data.modality_names == ("accelerometer", "gyroscope", "skeleton")
    # The first inertial column holds the action number: labels line up.
    np.testing.assert_array_equal(data.accelerometer[:, 0, 0], data.target + 1)
    np.testing.assert_array_equal(data.accelerometer[:, 1, 0], data.subject)
    assert list(np.unique(data.target)) == [0, 1, 21]
    assert len(data.target_names) == 27 and data.target_names[21] == "jog"
    assert set(data.sensor_location[data.target == 21]) == {"right thigh"}
    assert set(data.sensor_location[data.target < 21]) == {"right wrist"}
    assert len(data.frame) == n
    assert (data.frame["n_inertial_samples"] >= 100).all()
    assert data.missing.empty is False  # everything outside the small tree
    assert data.units["accelerometer"] == "g"


def test_series_are_resampled_on_normalised_time(tree):
    data = load_utd_mhad(tree, n_timestamps=33, n_frames=7)
    # A ramp from 0 to 1 over the recording stays a ramp whatever its length.
    np.testing.assert_allclose(
        data.accelerometer[:, 2], np.tile(np.linspace(0, 1, 33), (12, 1)), atol=1e-6
    )
    np.testing.assert_allclose(
        data.skeleton[:, :, 0, 0], np.tile(np.linspace(0, 1, 7), (12, 1)), atol=1e-6
    )


def test_variable_length_keeps_native_samples(tree):
    data = load_utd_mhad(tree, n_timestamps=None, n_frames=None)
    assert data.accelerometer.dtype == object
    lengths = [a.shape[1] for a in data.accelerometer]
    np.testing.assert_array_equal(lengths, data.frame["n_inertial_samples"])
    assert [s.shape[0] for s in data.skeleton] == list(data.frame["n_skeleton_frames"])
    assert len(Modalities(skeleton=data.skeleton)[[0, 1]]) == 2


def test_protocols_on_fixture(tree):
    data = load_utd_mhad(tree)
    train, test = data.split("cross_subject")
    assert set(data.subject[train]) == {1} and set(data.subject[test]) == {2}
    train, test = data.split("trial")
    assert set(data.trial[train]) == {1, 2} and test.size == 0
    train, test = data.split("cross_subject", test=[1])
    assert set(data.subject[test]) == {1} and set(data.subject[train]) == {2}
    assert "not subject-independent" in data.protocol_description("trial")


@pytest.mark.parametrize(
    "name, kwargs, error, message",
    [
        ("nope", {}, ValueError, "Unknown protocol 'nope'.*cross_subject"),
        ("cross_subject", {"test": [9]}, ValueError, r"not in this dataset \(\[9\]\)"),
    ],
)
def test_split_errors(tree, name, kwargs, error, message):
    data = load_utd_mhad(tree)
    with pytest.raises(error, match=message):
        data.split(name, **kwargs)


def test_missing_recording_is_reported_not_dropped_silently(tmp_path):
    root = utd_tree(tmp_path / "u")
    os.remove(root / "Skeleton" / "a2_s1_t2_skeleton.mat")
    # Listed first, before the recordings of which no file exists at all.
    expected = (
        r"1 with a requested file missing.*:\n  a2_s1_t2 \(skeleton\): file not found"
    )
    with pytest.warns(MissingRecordingsWarning, match=expected):
        data = load_utd_mhad(root)
    assert len(data.target) == 11
    row = data.missing[data.missing["recording"] == "a2_s1_t2"]
    assert list(row["modality"]) == ["skeleton"]
    assert not row["official"].any()
    absent = data.missing[data.missing["recording"] == "a5_s5_t1"]
    assert set(absent["reason"]) == {"no file of this recording"}
    # Loading the inertial modality alone keeps it.
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", MissingRecordingsWarning)
        assert len(load_utd_mhad(root, modalities=("inertial",)).target) == 12


def test_officially_absent_sequences_are_listed_without_warning(tmp_path):
    root = utd_tree(
        tmp_path / "u", actions=(8,), subjects=(1,), trials=(3, 4), skip={(8, 1, 4)}
    )
    with warnings.catch_warnings():
        warnings.simplefilter("error", MissingRecordingsWarning)
        # Not a complete copy: every other recording is missing too, so
        # filter on the official row only.
        try:
            load_utd_mhad(root)
        except MissingRecordingsWarning:
            pass
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", MissingRecordingsWarning)
        data = load_utd_mhad(root)
    official = data.missing[data.missing["official"]]
    assert set(official["recording"]) >= {"a8_s1_t4"}
    assert (official["reason"] == "absent from the official release").all()


@pytest.mark.parametrize(
    "setup, message",
    [
        ("no_root", "UTD-MHAD folder not found"),
        (
            "no_skeleton",
            r"No UTD-MHAD skeleton files.*a1_s1_t1_skeleton\.mat.*Skeleton\.zip",
        ),
    ],
)
def test_missing_root_or_modality_says_what_is_expected(tmp_path, setup, message):
    if setup == "no_root":
        root = tmp_path / "absent"
    else:
        root = utd_tree(tmp_path / "u", kinds=("inertial",))
    with pytest.raises(FileNotFoundError, match=message):
        load_utd_mhad(root)


@pytest.mark.parametrize(
    "content, message",
    [
        (b"garbage, not a mat file", "not a readable MATLAB file"),
        ({"d_iner": np.zeros((50, 5))}, r"shape \(50, 5\), expected \(T, 6\)"),
        ({"other": np.zeros((50, 6))}, "no variable 'd_iner'"),
        ({"d_iner": np.full((50, 6), np.nan)}, "NaN"),
    ],
)
@pytest.mark.filterwarnings("ignore::vskdlearn.datasets.MissingRecordingsWarning")
def test_corrupt_file_raises_naming_it_or_is_skipped(tmp_path, content, message):
    root = utd_tree(tmp_path / "u")
    path = root / "Inertial" / "a1_s2_t1_inertial.mat"
    if isinstance(content, bytes):
        path.write_bytes(content)
    else:
        scipy.io.savemat(path, content)
    with pytest.raises(DatasetFileError, match=f"a1_s2_t1_inertial.mat: .*{message}"):
        load_utd_mhad(root)
    with pytest.warns(MissingRecordingsWarning, match="a1_s2_t1: unreadable"):
        data = load_utd_mhad(root, on_error="warn")
    assert len(data.target) == 11
    assert "a1_s2_t1" in set(data.missing["recording"])


def test_truncated_mat_file(tmp_path):
    root = utd_tree(tmp_path / "u")
    path = root / "Skeleton" / "a2_s2_t2_skeleton.mat"
    path.write_bytes(path.read_bytes()[:300])
    with pytest.raises(DatasetFileError, match="a2_s2_t2_skeleton.mat"):
        load_utd_mhad(root)


def test_duplicate_copies_are_refused(tmp_path):
    root = utd_tree(tmp_path / "u")
    (root / "copy").mkdir()
    (root / "copy" / "a1_s1_t1_inertial.mat").write_bytes(
        (root / "Inertial" / "a1_s1_t1_inertial.mat").read_bytes()
    )
    with pytest.raises(DatasetFileError, match="found twice"):
        load_utd_mhad(root)


@pytest.mark.parametrize(
    "kwargs, message",
    [
        ({"modalities": ("thermal",)}, "Unknown UTD-MHAD modalities"),
        ({"n_timestamps": 0}, "n_timestamps must be a positive int"),
        ({"n_frames": 2.5}, "n_frames must be a positive int"),
        ({"video_size": (10,)}, "video_size must be"),
        ({"on_error": "ignore"}, "on_error must be"),
        ({"cache": 3}, "cache must be"),
    ],
)
def test_bad_parameters(tree, kwargs, message):
    with pytest.raises(ValueError, match=message):
        load_utd_mhad(tree, **kwargs)


def test_same_result_on_every_call_and_pickles(tree):
    first, second = load_utd_mhad(tree), load_utd_mhad(tree)
    for name in first.modality_names + ("target", "subject", "trial"):
        np.testing.assert_array_equal(first[name], second[name])
    restored = pickle.loads(pickle.dumps(first))
    np.testing.assert_array_equal(
        restored.split("cross_subject")[1], first.split("cross_subject")[1]
    )


def test_cache_is_reused_and_invalidated(tmp_path):
    root = utd_tree(tmp_path / "u")
    cache = tmp_path / "cache"
    fresh = load_utd_mhad(root, cache=cache)
    assert len(list(cache.glob("utd_mhad-*.npz"))) == 1
    cached = load_utd_mhad(root, cache=cache)
    for name in fresh.modality_names + ("target", "subject"):
        np.testing.assert_array_equal(fresh[name], cached[name])
    assert list(cached.frame.columns) == list(fresh.frame.columns)
    np.testing.assert_array_equal(cached.frame["recording"], fresh.frame["recording"])
    # Rewrite one file: the entry no longer matches and the change shows.
    path = root / "Inertial" / "a1_s1_t1_inertial.mat"
    d_iner = scipy.io.loadmat(path)["d_iner"]
    d_iner[:, 0] = 42.0
    time.sleep(0.01)
    scipy.io.savemat(path, {"d_iner": d_iner})
    changed = load_utd_mhad(root, cache=cache)
    assert changed.accelerometer[0, 0, 0] == 42.0
    assert len(list(cache.glob("utd_mhad-*.npz"))) == 2
    # Different options are different entries.
    assert (
        load_utd_mhad(root, cache=cache, n_timestamps=None).accelerometer.dtype
        == object
    )
    again = load_utd_mhad(root, cache=cache, n_timestamps=None)
    assert [a.shape for a in again.accelerometer] == [
        (3, n) for n in again.frame["n_inertial_samples"]
    ]


def test_damaged_cache_entry_is_rebuilt(tmp_path):
    root = utd_tree(tmp_path / "u")
    fresh = load_utd_mhad(root, cache=tmp_path / "c")
    (entry,) = (tmp_path / "c").glob("*.npz")
    entry.write_bytes(entry.read_bytes()[:500])
    rebuilt = load_utd_mhad(root, cache=tmp_path / "c")
    np.testing.assert_array_equal(rebuilt.skeleton, fresh.skeleton)
    assert entry.stat().st_size > 500  # written again


def test_cache_true_uses_data_home(tmp_path):
    root = utd_tree(tmp_path / "u")
    load_utd_mhad(root, cache=True, data_home=tmp_path / "home")
    assert len(list((tmp_path / "home" / "cache").glob("*.npz"))) == 1


def test_modalities_bundle_for_a_fusion_teacher(tree):
    data = load_utd_mhad(tree)
    bundle = data.modalities("skeleton", "accelerometer")
    train, _ = data.split("cross_subject")
    part = bundle[train]
    assert isinstance(part, Modalities) and len(part) == len(train)
    np.testing.assert_array_equal(part["skeleton"], data.skeleton[train])
    assert data.modalities().names == data.modality_names
    with pytest.raises(ValueError, match="No modality.*video"):
        data.modalities("video")


def test_depth_is_read_and_resized(tmp_path):
    root = utd_tree(
        tmp_path / "u", actions=(1,), subjects=(1,), trials=(1,), kinds=("depth",)
    )
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", MissingRecordingsWarning)
        data = load_utd_mhad(
            root, modalities=("depth",), n_frames=4, video_size=(24, 32)
        )
    assert data.depth.shape == (1, 4, 24, 32) and data.depth.dtype == np.uint16
    np.testing.assert_array_equal(data.depth[0, :, 0, 0], [1000, 1200, 1500, 1700])
    assert data.frame["n_depth_frames"].tolist() == [8]


def test_video_is_decoded_aligned_and_resized(tmp_path):
    pytest.importorskip("av", reason="the video extra (PyAV) is not installed")
    root = utd_tree(
        tmp_path / "u",
        actions=(1,),
        subjects=(1, 2),
        trials=(1,),
        kinds=("inertial", "video"),
    )
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", MissingRecordingsWarning)
        data = load_utd_mhad(
            root, modalities=("inertial", "video"), n_frames=4, video_size=(12, 16)
        )
    assert data.video.shape == (2, 4, 3, 12, 16) and data.video.dtype == np.uint8
    # 12 frames of grey 20*i: normalised time picks frames 0, 4, 7, 11
    # (lossy coding moves grey levels by a few units).
    np.testing.assert_allclose(
        data.video[0, :, 0].mean(axis=(1, 2)), [0, 80, 140, 220], atol=8
    )
    assert data.frame["n_video_frames"].tolist() == [12, 12]


def test_video_without_pyav_names_the_extra(tmp_path, monkeypatch):
    import builtins

    real_import = builtins.__import__

    def no_av(name, *args, **kwargs):
        if name == "av":
            raise ImportError("no av")
        return real_import(name, *args, **kwargs)

    # The file is never decoded: the missing decoder is reported first.
    (tmp_path / "u").mkdir()
    (tmp_path / "u" / "a1_s1_t1_color.avi").write_bytes(b"not decoded")
    root = tmp_path / "u"
    monkeypatch.setattr(builtins, "__import__", no_av)
    with pytest.raises(ImportError, match=r"pip install 'vskdlearn\[video\]'"):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", MissingRecordingsWarning)
            load_utd_mhad(root, modalities=("video",))


# --- the real files in ../shared/datasets ----------------------------------


@pytest.fixture(scope="module")
def real_utd(request):
    shared = request.getfixturevalue("shared_datasets")
    root = shared / "utd_mhad"
    if not root.is_dir():
        pytest.skip(f"{root} not found")
    return load_utd_mhad(root, modalities=("inertial", "skeleton"))


@pytest.fixture(scope="module")
def shared_datasets_module(request):
    return request.getfixturevalue("shared_datasets")


@pytest.mark.realdata
def test_real_counts_shapes_and_protocols(real_utd):
    data = real_utd
    assert data.accelerometer.shape == (861, 3, 128)
    assert data.gyroscope.shape == (861, 3, 128)
    assert data.skeleton.shape == (861, 32, 20, 3)
    assert data.target.min() == 0 and data.target.max() == 26
    np.testing.assert_array_equal(np.unique(data.subject), np.arange(1, 9))
    assert [len(i) for i in data.split("cross_subject")] == [431, 430]
    assert [len(i) for i in data.split("trial")] == [432, 429]
    assert set(data.missing["recording"]) == {"a8_s1_t4", "a23_s6_t4", "a27_s8_t4"}
    assert data.missing["official"].all()
    assert (data.sensor_location == "right thigh").sum() == 6 * 32 - 2
    # The standing accelerometer feels 1 g; the skeleton is in metres.
    norm = np.linalg.norm(data.accelerometer, axis=1)
    assert 0.8 < np.median(norm) < 1.2
    height = data.skeleton[:, :, 0, 1] - data.skeleton[:, :, 19, 1]
    assert 1.2 < np.median(height) < 2.0


@pytest.mark.realdata
def test_real_modalities_are_aligned_in_time(real_utd):
    # Where the skeleton's right wrist moves fastest, the wrist sensor feels
    # most acceleration: their time courses correlate, and stop correlating
    # when one of them is shifted by a sixth of the recording.
    data = real_utd
    wrist = data.target < 21
    speed = np.linalg.norm(np.diff(data.skeleton[wrist][:, :, 10], axis=1), axis=-1)
    middles = (np.arange(speed.shape[1]) + 0.5) / speed.shape[1]
    acc = np.linalg.norm(data.accelerometer[wrist], axis=1)
    acc = np.abs(acc - np.median(acc, axis=1, keepdims=True))
    smooth = np.ones(5) / 5
    acc = np.array(
        [
            np.interp(
                middles, np.linspace(0, 1, a.size), np.convolve(a, smooth, "same")
            )
            for a in acc
        ]
    )
    aligned = [np.corrcoef(s, a)[0, 1] for s, a in zip(speed, acc, strict=True)]
    shifted = [
        np.corrcoef(s, np.roll(a, 5))[0, 1] for s, a in zip(speed, acc, strict=True)
    ]
    assert np.nanmean(aligned) > 0.4
    assert np.nanmean(shifted) < 0.2


@pytest.mark.realdata
def test_real_cached_second_load_is_fast(shared_datasets_module, tmp_path):
    root = shared_datasets_module / "utd_mhad"
    if not root.is_dir():
        pytest.skip(f"{root} not found")
    first = load_utd_mhad(root, cache=tmp_path)
    start = time.perf_counter()
    second = load_utd_mhad(root, cache=tmp_path)
    elapsed = time.perf_counter() - start
    np.testing.assert_array_equal(first.skeleton, second.skeleton)
    assert elapsed < 1.0
