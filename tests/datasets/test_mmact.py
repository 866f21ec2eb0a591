import shutil

import numpy as np
import pytest
from _trees import mmact_clip, mmact_tree

from vskdlearn.datasets import (
    DatasetFileError,
    MissingRecordingsWarning,
    load_mmact,
)
from vskdlearn.datasets._readers import read_mmact_csv


@pytest.fixture
def tree(tmp_path):
    return mmact_tree(tmp_path / "MMAct")


def test_fixture_tree_counts_shapes_and_factors(tree):
    data = load_mmact(tree, n_timestamps=64)
    n = 2 * 2 * 1 * 2  # subjects x scenes x sessions x actions
    assert data.accelerometer.shape == (n, 6, 64)
    assert data.gyroscope.shape == (n, 3, 64)
    assert data.orientation.shape == (n, 3, 64)
    assert data.channel_names["accelerometer"][:4] == [
        "phone x",
        "phone y",
        "phone z",
        "watch x",
    ]
    # "Walking.csv" and "walking.csv" are the same action.
    assert sorted(set(data.frame["action_name"])) == ["carrying", "walking"]
    assert set(data.target_names[data.target]) == {"carrying", "walking"}
    assert len(data.target_names) == 35
    assert sorted(set(data.scene)) == [1, 2] and sorted(set(data.session)) == [1]
    # The files hold m/s^2: the y column (9.80665) reads 1 g.
    np.testing.assert_allclose(data.accelerometer[:, 1], 1.0, atol=1e-5)
    kept = load_mmact(tree, accelerometer_units="m/s^2", modalities=("acc_watch",))
    np.testing.assert_allclose(kept.accelerometer[:, 1], 9.80665, atol=1e-4)
    assert kept.units["accelerometer"] == "m/s^2"


def test_sensors_at_different_rates_are_aligned_on_real_time(tree):
    # Column x is a ramp over the clip at 100 Hz (acc) and 50 Hz (gyro).
    data = load_mmact(tree, n_timestamps=30)
    ramp = np.linspace(0, 1, 30)
    np.testing.assert_allclose(
        data.accelerometer[:, 0] * 9.80665, np.tile(ramp, (8, 1)), atol=0.01
    )
    np.testing.assert_allclose(data.gyroscope[:, 0], np.tile(ramp, (8, 1)), atol=0.01)
    assert (data.frame["alignment"] == "time stamps").all()


def test_backward_and_repeated_time_stamps_are_sorted_and_merged(tmp_path):
    path = mmact_clip(tmp_path / "clip.csv", n=100)
    times, values = read_mmact_csv(path)
    assert times.shape == (100,) and values.shape == (100, 3)
    assert np.all(np.diff(times) > 0)
    np.testing.assert_allclose(np.diff(times), 0.01, atol=1e-6)
    np.testing.assert_allclose(values[:, 0], np.linspace(0, 1, 100), atol=1e-9)


def test_protocols(tree):
    data = load_mmact(tree)
    train, test = data.split("cross_subject")
    assert set(data.subject[train]) == {1} and set(data.subject[test]) == {17}
    train, test = data.split("cross_scene")
    assert set(data.scene[train]) == {1} and set(data.scene[test]) == {2}
    train, test = data.split("cross_scene", test=[1])
    assert set(data.scene[test]) == {1}
    assert "occlusion" in data.protocol_description("cross_scene")


def test_a_missing_sensor_file_is_reported(tmp_path):
    root = mmact_tree(tmp_path / "m", skip={(17, 2, 1, "carrying", "gyro_clip")})
    with pytest.warns(
        MissingRecordingsWarning,
        match=r"subject17/scene2/session1/carrying \(gyroscope\): file not found",
    ):
        data = load_mmact(root)
    assert len(data.target) == 7
    assert len(load_mmact(root, modalities=("acc_phone",)).target) == 8


def test_unknown_action_names_are_appended_with_a_warning(tmp_path):
    root = mmact_tree(tmp_path / "m", actions=("carrying", "Juggling"), subjects=(1,))
    with pytest.warns(UserWarning, match=r"not among the 35 known.*\['juggling'\]"):
        data = load_mmact(root)
    assert data.target_names[-1] == "juggling"
    assert set(data.target) == {0, 35}


def test_csv_files_outside_the_layout_are_ignored_with_a_warning(tree):
    (tree / "acc_phone_clip" / "scene1").mkdir()
    for i in range(22):
        (tree / "acc_phone_clip" / "scene1" / f"walking{i:02d}.csv").write_text("")
    (tree / "acc_phone_clip" / "notes.csv").write_text("")
    (tree / "notes.csv").write_text("")  # not under a sensor folder: not a clip
    with pytest.warns(
        UserWarning,
        match=r"23 CSV file\(s\) under a sensor folder were ignored.*subjectN/"
        r"sceneM/sessionK/<action>\.csv:\n  acc_phone_clip/notes\.csv\n"
        r"(?s:.*)\n  \.\.\. and 3 more$",
    ):
        data = load_mmact(tree)
    assert len(data.target) == 8


@pytest.mark.parametrize(
    "content, message",
    [
        ("", "the file is empty"),
        ("20181016_13:37:28.612000,1,2\n", r"line 4 is short"),
        ("20181016_13:37:28.612000,1,2,x\n", "non-numeric value"),
        ("20181016_13:37:28.612000,1,nan,3\n", r"line 4 has 'nan' as y: not a number"),
        ("20181016_13:37:28.612000,inf,2,3\n", r"line 4 has 'inf' as x: .* infinite"),
        ("20181016_13:37:28.612000,1,,3\n", r"line 4 is short or has an empty field"),
        ("yesterday,1,2,3\n", "bad time stamp"),
        ("20181016_13:37:28.612000,1,2,3,4\n", "Expected 4 fields in line 4, saw 5"),
    ],
)
@pytest.mark.filterwarnings("ignore::vskdlearn.datasets.MissingRecordingsWarning")
def test_corrupt_clip_raises_naming_it_or_is_skipped(tmp_path, content, message):
    root = mmact_tree(tmp_path / "m")
    path = root / "acc_watch_clip" / "subject1" / "scene2" / "session1" / "Walking.csv"
    good = path.read_text().splitlines(keepends=True)
    path.write_text("".join(good[:3]) + content if content else "")
    with pytest.raises(DatasetFileError, match=f"Walking.csv: .*{message}"):
        load_mmact(root)
    with pytest.warns(
        MissingRecordingsWarning, match="scene2/session1/walking: unreadable"
    ):
        data = load_mmact(root, on_error="warn")
    assert len(data.target) == 7


def test_missing_root_and_modality_mention_the_agreement(tmp_path):
    with pytest.raises(FileNotFoundError, match="needs the authors' agreement"):
        load_mmact(tmp_path / "absent")
    root = mmact_tree(tmp_path / "m", sources=("acc_phone_clip",))
    with pytest.raises(
        FileNotFoundError,
        match=r"No MMAct acc_watch clips.*acc_watch_clip/subject1/scene1/session1.*agreement",
    ):
        load_mmact(root, modalities=("acc_watch",))


@pytest.mark.parametrize(
    "kwargs, message",
    [
        ({"modalities": ("wifi",)}, "Unknown MMAct modalities"),
        ({"accelerometer_units": "mg"}, "accelerometer_units must be"),
        ({"camera": "cam1"}, "camera must be a camera number"),
    ],
)
def test_bad_parameters(tree, kwargs, message):
    with pytest.raises(ValueError, match=message):
        load_mmact(tree, **kwargs)


def test_variable_length_keeps_phone_and_watch_together(tree):
    data = load_mmact(tree, n_timestamps=None)
    assert data.accelerometer.dtype == object
    # Samples inside the span all sensors share: about 3 s at 100 and 50 Hz.
    assert {a.shape[0] for a in data.accelerometer} == {6}
    assert all(295 <= a.shape[1] <= 300 for a in data.accelerometer)
    assert all(145 <= g.shape[1] <= 150 for g in data.gyroscope)


def test_cache_roundtrip(tree, tmp_path):
    first = load_mmact(tree, cache=tmp_path / "c")
    second = load_mmact(tree, cache=tmp_path / "c")
    np.testing.assert_array_equal(first.accelerometer, second.accelerometer)
    np.testing.assert_array_equal(first.target, second.target)


def test_video_clips(tmp_path):
    pytest.importorskip("av", reason="the video extra (PyAV) is not installed")
    root = mmact_tree(tmp_path / "m", subjects=(1,), scenes=(1,), video=True)
    data = load_mmact(
        root, modalities=("acc_watch", "video"), n_frames=4, video_size=(12, 16)
    )
    assert data.video.shape == (2, 4, 3, 12, 16) and data.video.dtype == np.uint8
    np.testing.assert_allclose(
        data.video[0, :, 1].mean(axis=(1, 2)), [0, 60, 120, 180], atol=8
    )
    with pytest.raises(FileNotFoundError, match=r"camera 3.*cameras found: \[1\]"):
        load_mmact(root, modalities=("video",), camera=3)


# --- the real clip in ../shared/datasets -----------------------------------


@pytest.mark.realdata
def test_real_sample_clip_in_the_authors_layout(shared_datasets, tmp_path):
    clip = shared_datasets / "mmact_sample" / "carrying.csv"
    if not clip.is_file():
        pytest.skip(f"{clip} not found")
    times, values = read_mmact_csv(clip)
    # 890 rows, 6 of them out of order and 2 repeated time stamps.
    assert values.shape == (888, 3) and np.all(np.diff(times) > 0)
    assert 8.0 < times[-1] - times[0] < 10.0
    folder = tmp_path / "acc_phone_clip" / "subject3" / "scene1" / "session2"
    folder.mkdir(parents=True)
    shutil.copy(clip, folder / "Carrying.csv")
    data = load_mmact(tmp_path, modalities=("acc_phone",), n_timestamps=None)
    assert data.accelerometer[0].shape == (3, 888)
    assert data.target_names[data.target[0]] == "carrying"
    assert (data.subject, data.scene, data.session) == ([3], [1], [2])
    # A phone at rest in this clip feels about 1 g.
    norm = np.linalg.norm(data.accelerometer[0], axis=0)
    assert 0.8 < np.median(norm) < 1.2
