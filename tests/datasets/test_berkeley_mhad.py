import shutil
import warnings

import numpy as np
import pytest
from _trees import berkeley_tree

from vskdlearn.datasets import (
    AlignmentFallbackWarning,
    ClippedValuesWarning,
    DatasetFileError,
    MissingRecordingsWarning,
    load_berkeley_mhad,
)

pytestmark = pytest.mark.filterwarnings(
    "ignore::vskdlearn.datasets.MissingRecordingsWarning"
)


@pytest.fixture
def tree(tmp_path):
    return berkeley_tree(tmp_path / "BerkeleyMHAD")


def test_accelerometers_are_stacked_and_aligned_on_real_time(tree):
    data = load_berkeley_mhad(tree, n_timestamps=40)
    assert data.accelerometer.shape == (4, 18, 40)
    assert data.accelerometer.dtype == np.float32
    # Channel x of sensor h holds h / 10: the stacking order is the sensors'.
    np.testing.assert_allclose(
        data.accelerometer[:, 0::3, 0], np.tile(np.arange(1, 7) / 10, (4, 1)), atol=1e-6
    )
    # Every sensor's second channel is sin(2 pi t / 3 s) of real time; on the
    # camera window [first, last image time stamp] all sensors agree.
    window = np.linspace(0.0, 3.0 - 1 / 22.0, 40)
    for sensor in range(6):
        np.testing.assert_allclose(
            data.accelerometer[:, 3 * sensor + 1],
            np.tile(np.sin(2 * np.pi * window / 3.0), (4, 1)),
            atol=0.03,
        )
    assert (data.frame["alignment"] == "time stamps").all()
    assert data.channel_names["accelerometer"][3] == "h02 (right wrist) x"
    assert list(np.unique(data.subject)) == [1, 8]
    train, test = data.split("cross_subject")
    assert set(data.subject[train]) == {1} and set(data.subject[test]) == {8}


def test_one_sensor_gives_three_channels(tree):
    data = load_berkeley_mhad(tree, sensors=(2,))
    assert data.accelerometer.shape == (4, 3, 128)
    np.testing.assert_allclose(data.accelerometer[:, 0], 0.2, atol=1e-6)


def test_normalised_alignment_ignores_time_stamps(tree):
    data = load_berkeley_mhad(tree, align="normalised", n_timestamps=20)
    assert (data.frame["alignment"] == "normalised time").all()
    assert data.accelerometer.shape == (4, 18, 20)


def test_broken_time_stamps_fall_back_to_normalised_time(tmp_path):
    root = berkeley_tree(tmp_path / "b", subjects=(1,), actions=(1,))
    path = root / "Accelerometer" / "Shimmer03" / "acc_h03_s01_a01_r01.txt"
    table = np.loadtxt(path)
    table[:, 3] = table[0, 3] + (table[:, 3] - table[0, 3]) * 0.4  # squeezed
    np.savetxt(path, table, fmt="%.6f")
    with pytest.warns(
        AlignmentFallbackWarning,
        match=r"1 recording\(s\) were aligned by normalised time.*cover 80% of the "
        r"camera window.*\n  s01_a01_r01\n",
    ):
        data = load_berkeley_mhad(root)
    assert data.frame["alignment"].tolist() == ["normalised time"]
    # Asked for, normalised time is no surprise.
    with warnings.catch_warnings():
        warnings.simplefilter("error", AlignmentFallbackWarning)
        load_berkeley_mhad(root, align="normalised")


def test_spikes_are_clipped_to_the_sensor_range_and_counted(tmp_path):
    root = berkeley_tree(tmp_path / "b", subjects=(1,), actions=(1,))
    path = root / "Accelerometer" / "Shimmer01" / "acc_h01_s01_a01_r01.txt"
    table = np.loadtxt(path)
    table[5, 1] = 60.748047
    table[9, 2] = -3.0
    np.savetxt(path, table, fmt="%.6f")
    # Every load warns, the second one from the cache too.
    for _ in range(2):
        with pytest.warns(
            ClippedValuesWarning,
            match=r"2 accelerometer value\(s\) in 1 recording\(s\) were beyond "
            r"\+-2 g.*\n  s01_a01_r01: 2 value\(s\)\n.*clip=None keeps",
        ):
            data = load_berkeley_mhad(root, n_timestamps=None, cache=tmp_path / "c")
    assert data.frame["n_clipped"].tolist() == [2]
    assert np.abs(data.accelerometer[0]).max() <= 2.0
    with warnings.catch_warnings():
        warnings.simplefilter("error", ClippedValuesWarning)
        kept = load_berkeley_mhad(root, n_timestamps=None, clip=None)
    assert np.abs(kept.accelerometer[0]).max() > 50


def test_variable_length_uses_the_sensors_own_count(tree):
    data = load_berkeley_mhad(tree, n_timestamps=None)
    assert data.accelerometer.dtype == object
    lengths = {a.shape for a in data.accelerometer}
    assert all(shape[0] == 18 and 60 < shape[1] < 160 for shape in lengths)


def test_camera_frames_and_mocap(tree):
    data = load_berkeley_mhad(
        tree,
        modalities=("accelerometer", "video", "mocap"),
        n_frames=5,
        video_size=(12, 16),
    )
    assert data.video.shape == (4, 5, 1, 12, 16) and data.video.dtype == np.uint8
    # Frame i of the fixture is grey 4*i; 66 frames span the camera window.
    np.testing.assert_allclose(
        data.video[0, :, 0, 0, 0], [0, 64, 128, 196, 255], atol=8
    )
    assert data.mocap.shape == (4, 5, 43, 3)
    # Marker 0's x is a ramp over the 3 s of motion capture.
    np.testing.assert_allclose(
        data.mocap[0, :, 0, 0], np.linspace(0, 1 - 1 / 22.0 / 3.0, 5), atol=0.01
    )
    assert data.frame["n_mocap_occluded"].tolist() == [10] * 4
    assert data.modality_names == ("accelerometer", "video", "mocap")


def test_occluded_markers_are_interpolated(tree):
    data = load_berkeley_mhad(tree, modalities=("mocap",), n_frames=None)
    marker = data.mocap[0][:, 1]
    assert not (marker[95:115] == 0).all(axis=1).any()


def test_missing_sensor_file_is_reported(tmp_path):
    root = berkeley_tree(tmp_path / "b")
    (root / "Accelerometer" / "Shimmer04" / "acc_h04_s08_a02_r01.txt").unlink()
    with pytest.warns(
        MissingRecordingsWarning,
        match=r"s08_a02_r01 \(accelerometer\): file not found: acc_h04_s08_a02_r01",
    ):
        data = load_berkeley_mhad(root)
    assert len(data.target) == 3
    assert len(load_berkeley_mhad(root, sensors=(1, 2)).target) == 4


def test_official_absence_is_not_a_warning(tmp_path):
    root = berkeley_tree(tmp_path / "b", subjects=(4,), actions=(8,), repetitions=(4,))
    data = load_berkeley_mhad(root)
    row = data.missing[data.missing["recording"] == "s04_a08_r05"]
    assert row["official"].all()
    assert row["reason"].tolist() == ["absent from the official release"]


@pytest.mark.parametrize(
    "line, message",
    [
        ("0.1 0.2 0.3\n", "line 3 has 3 fields, expected 4"),
        ("0.1 0.2 abc 1309539264.1\n", "non-numeric value"),
    ],
)
def test_malformed_rows_raise_naming_the_file(tmp_path, line, message):
    root = berkeley_tree(tmp_path / "b")
    path = root / "Accelerometer" / "Shimmer02" / "acc_h02_s01_a02_r01.txt"
    lines = path.read_text().splitlines(keepends=True)
    lines[2] = line
    path.write_text("".join(lines))
    with pytest.raises(DatasetFileError, match=f"acc_h02_s01_a02_r01.txt: {message}"):
        load_berkeley_mhad(root)
    with pytest.warns(MissingRecordingsWarning, match="s01_a02_r01: unreadable"):
        data = load_berkeley_mhad(root, on_error="warn")
    assert len(data.target) == 3


def test_truncated_pgm_raises(tree):
    frame = next((tree / "Camera").rglob("*.pgm"))
    frame.write_bytes(frame.read_bytes()[:100])
    with pytest.raises(DatasetFileError, match="truncated image data"):
        load_berkeley_mhad(tree, modalities=("video",), n_frames=None)


@pytest.mark.parametrize(
    "kwargs, error, message",
    [
        ({"modalities": ("audio",)}, ValueError, "Unknown Berkeley MHAD modalities"),
        ({"sensors": (7,)}, ValueError, "sensors must be distinct"),
        ({"camera": "left"}, ValueError, "camera must be"),
        ({"clip": -1}, ValueError, "clip must be"),
        ({"align": "frames"}, ValueError, "align must be"),
        (
            {"modalities": ("video",), "camera": (2, 5)},
            FileNotFoundError,
            "Cluster01/Cam01",
        ),
    ],
)
def test_bad_parameters(tree, kwargs, error, message):
    with pytest.raises(error, match=message):
        load_berkeley_mhad(tree, **kwargs)


def test_missing_modality_says_what_is_expected(tmp_path):
    root = berkeley_tree(tmp_path / "b", mocap=False)
    with pytest.raises(
        FileNotFoundError, match=r"Mocap/OpticalData/moc_s01_a01_r01\.txt"
    ):
        load_berkeley_mhad(root, modalities=("mocap",))
    shutil.rmtree(root / "Accelerometer" / "Shimmer05")
    with pytest.raises(FileNotFoundError, match=r"Shimmer sensor\(s\) \[5\]"):
        load_berkeley_mhad(root)


def test_three_column_time_stamps(tmp_path):
    # The background and T-pose files write seconds and microseconds apart.
    root = berkeley_tree(tmp_path / "b", subjects=(1,), actions=(1,))
    path = root / "Time_stamps" / "time_stamps_img_s01_a01_r01.txt"
    table = np.loadtxt(path)
    seconds = np.floor(table[:, 1])
    micro = np.rint((table[:, 1] - seconds) * 1e6)
    np.savetxt(path, np.column_stack([table[:, 0], seconds, micro]), fmt="%d")
    reference = load_berkeley_mhad(
        berkeley_tree(tmp_path / "c", subjects=(1,), actions=(1,))
    )
    data = load_berkeley_mhad(root)
    np.testing.assert_allclose(data.accelerometer, reference.accelerometer, atol=1e-4)


def test_cache_roundtrip(tree, tmp_path):
    first = load_berkeley_mhad(tree, cache=tmp_path / "cache", n_timestamps=None)
    second = load_berkeley_mhad(tree, cache=tmp_path / "cache", n_timestamps=None)
    for a, b in zip(first.accelerometer, second.accelerometer, strict=True):
        np.testing.assert_array_equal(a, b)
    assert second.frame["alignment"].tolist() == first.frame["alignment"].tolist()


# --- the real files in ../shared/datasets ----------------------------------


@pytest.mark.realdata
# Asserted on the first load; the right-wrist load clips two of the same.
@pytest.mark.filterwarnings("ignore::vskdlearn.datasets.ClippedValuesWarning")
def test_real_accelerometers(shared_datasets):
    root = shared_datasets / "berkeley_mhad"
    if not root.is_dir():
        pytest.skip(f"{root} not found")
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        data = load_berkeley_mhad(root)
    messages = {}
    for w in caught:
        messages.setdefault(w.category, []).append(str(w.message))
    # s02_a07_r05 is absent from this copy (its image time stamps exist).
    (missing,) = messages[MissingRecordingsWarning]
    assert "s02_a07_r05 (accelerometer): file not found" in missing
    (clipped,) = messages[ClippedValuesWarning]
    assert "17 accelerometer value(s) in 15 recording(s)" in clipped
    assert "s02_a11_r04: 2 value(s)" in clipped
    (fallback,) = messages[AlignmentFallbackWarning]
    assert fallback.startswith("Berkeley MHAD: 9 recording(s)")
    assert "s03_a10_r02" in fallback
    assert data.accelerometer.shape == (658, 18, 128)
    assert data.target.min() == 0 and data.target.max() == 10
    np.testing.assert_array_equal(np.unique(data.subject), np.arange(1, 13))
    assert [len(i) for i in data.split("cross_subject")] == [383, 275]
    assert set(data.missing["recording"]) == {"s02_a07_r05", "s04_a08_r05"}
    assert data.frame["n_clipped"].sum() == 17  # the 17 spikes above 2 g
    assert np.abs(data.accelerometer).max() <= 2.0
    assert (data.frame["alignment"] == "normalised time").sum() == 9
    # A wrist accelerometer at rest reads about 1 g.
    norm = np.linalg.norm(data.accelerometer[:, 3:6], axis=1)
    assert 0.85 < np.median(norm) < 1.15
    right_wrist = load_berkeley_mhad(root, sensors=(2,))
    # Same values where both loads aligned on time stamps (a squeezed hip
    # sensor sends all six sensors of its recording to normalised time).
    both = (data.frame["alignment"] == right_wrist.frame["alignment"]).to_numpy()
    assert both.mean() > 0.95
    np.testing.assert_array_equal(
        right_wrist.accelerometer[both], data.accelerometer[both, 3:6]
    )
