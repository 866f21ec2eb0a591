import numpy as np
import pytest
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from vskdlearn.datasets import SYNTHETIC_ACTIVITIES, make_multimodal_activities
from vskdlearn.datasets import _synthetic as synthetic


@pytest.fixture(scope="module")
def small():
    return make_multimodal_activities(n_subjects=4, n_recordings=3, random_state=0)


def test_shapes_dtypes_and_labels(small):
    n = 4 * 8 * 3
    assert small.accelerometer.shape == (n, 3, 128)
    assert small.gyroscope.shape == (n, 3, 128)
    assert small.skeleton.shape == (n, 16, 20, 3)
    assert small.video.shape == (n, 16, 3, 32, 32)
    assert small.accelerometer.dtype == np.float32 and small.video.dtype == np.uint8
    assert list(small.target_names) == list(SYNTHETIC_ACTIVITIES)
    np.testing.assert_array_equal(np.bincount(small.target), [12] * 8)
    np.testing.assert_array_equal(np.unique(small.subject), [1, 2, 3, 4])
    np.testing.assert_array_equal(
        small.target_names[small.target], small.frame["activity"]
    )
    train, test = small.split("cross_subject")
    assert set(small.subject[train]) == {1, 3} and set(small.subject[test]) == {2, 4}
    assert small.modalities("video", "accelerometer")[train]["video"].shape[0] == 48


def test_same_seed_same_data_other_seed_other_data(small):
    again = make_multimodal_activities(n_subjects=4, n_recordings=3, random_state=0)
    for name in small.modality_names + ("target", "subject"):
        np.testing.assert_array_equal(small[name], again[name])
    other = make_multimodal_activities(n_subjects=4, n_recordings=3, random_state=1)
    assert not np.allclose(small.accelerometer, other.accelerometer)


def test_motions_do_not_change_with_rates_or_lengths(small):
    # Per-recording seeds: only the sampling changes, not the recordings.
    longer = make_multimodal_activities(
        n_subjects=4, n_recordings=3, random_state=0, n_timestamps=64, image_size=16
    )
    np.testing.assert_allclose(
        longer.frame["duration_s"], small.frame["duration_s"], rtol=0
    )
    np.testing.assert_allclose(longer.skeleton, small.skeleton)


def test_variable_length_keeps_native_rates():
    data = make_multimodal_activities(
        n_subjects=2,
        n_classes=2,
        n_recordings=2,
        n_timestamps=None,
        n_frames=None,
        accelerometer_rate=50.0,
        frame_rate=15.0,
        random_state=0,
    )
    assert data.accelerometer.dtype == object
    for acc, video, duration in zip(
        data.accelerometer, data.video, data.frame["duration_s"], strict=True
    ):
        assert abs(acc.shape[1] - 50.0 * duration) <= 2
        assert abs(video.shape[0] - 15.0 * duration) <= 2


def test_accelerometer_is_second_derivative_plus_gravity():
    # A wrist circling at radius r and angular speed w, sensor axes fixed
    # to the world: it must read (centripetal acceleration + g) / g.
    radius, omega = 0.2, 2 * np.pi
    fine = np.arange(0.0, 2.0 + 1e-9, 1.0 / synthetic.SIMULATION_RATE)
    joints = np.zeros((fine.size, 20, 3))
    wrist = synthetic._J["right_wrist"]
    joints[:, wrist, 0] = radius * np.cos(omega * fine)
    joints[:, wrist, 1] = radius * np.sin(omega * fine)
    frame = np.broadcast_to(np.eye(3), (fine.size, 3, 3))
    subject = {"mounting": 0.0, "noise": 0.0}
    take = {"watch_offset": 0.0, "bias": np.zeros(3)}
    rng = np.random.default_rng(0)
    accel, gyro = synthetic._watch(fine, joints, frame, 50.0, subject, take, rng)
    times = np.arange(0.0, 2.0, 1 / 50.0)
    expected = (
        np.stack(
            [
                -radius * omega**2 * np.cos(omega * times),
                -radius * omega**2 * np.sin(omega * times) + synthetic.GRAVITY,
                np.zeros_like(times),
            ],
            axis=-1,
        )
        / synthetic.GRAVITY
    )
    inner = slice(2, -2)  # one-sided differences at the ends
    np.testing.assert_allclose(accel[inner], expected[inner], atol=2e-3)
    np.testing.assert_allclose(gyro, 0.0, atol=1e-9)


def test_gyroscope_measures_the_forearm_rotation():
    rate = np.deg2rad(90.0)  # rad/s about the sensor's z axis
    fine = np.arange(0.0, 1.0 + 1e-9, 1.0 / synthetic.SIMULATION_RATE)
    joints = np.zeros((fine.size, 20, 3))
    frame = synthetic._rot_z(rate * fine)
    subject = {"mounting": 0.0, "noise": 0.0}
    take = {"watch_offset": 0.0, "bias": np.zeros(3)}
    _, gyro = synthetic._watch(
        fine, joints, frame, 50.0, subject, take, np.random.default_rng(0)
    )
    np.testing.assert_allclose(
        gyro[2:-2], [[0.0, 0.0, 90.0]] * (len(gyro) - 4), atol=0.05
    )


@pytest.mark.parametrize("pair", [(0, 1), (2, 3), (4, 5), (6, 7)])
def test_paired_activities_move_the_wrist_alike(pair):
    # Paired activities share the right-arm motion; what differs reaches the
    # wrist only through the coupling (pelvis bob, trunk rotation), plus the
    # slow pelvis drop of squats, which the wrist cannot help feeling.
    subject = synthetic._subject(np.random.default_rng(0), 1.0)
    take = synthetic._take(np.random.default_rng(1))
    t = np.arange(0.0, 4.0, 1 / 200.0)
    wrist = synthetic._J["right_wrist"]

    def pose_and_wrist_acceleration(activity, coupling):
        joints, _ = synthetic._pose(activity, t, subject, take, coupling)
        velocity = np.gradient(joints[:, wrist], t, axis=0)
        return joints, np.gradient(velocity, t, axis=0)[5:-5] / synthetic.GRAVITY

    first, arm = pose_and_wrist_acceleration(pair[0], 0.0)
    second, uncoupled = pose_and_wrist_acceleration(pair[1], 0.0)
    assert np.abs(first - second).max() > 0.1  # legs or left arm: > 10 cm
    assert np.abs(uncoupled - arm).max() < (0.03 if pair == (6, 7) else 1e-9)
    _, coupled = pose_and_wrist_acceleration(pair[1], 1.0)
    felt = np.sqrt(((coupled - arm) ** 2).mean())
    arm_motion = np.sqrt(((arm - arm.mean(0)) ** 2).mean())
    assert 0.005 < felt < 0.5 * arm_motion  # felt, but weakly


def test_video_shows_the_body(small):
    # The body is brighter than the dark background and moves over time.
    video = small.video.astype(float)
    assert video.max() > 150 and np.median(video) < 80
    moving = np.abs(np.diff(video, axis=1)).mean(axis=(1, 2, 3, 4))
    assert (moving > 0.5).mean() > 0.9


def test_physical_ranges(small):
    norm = np.linalg.norm(small.accelerometer, axis=1)
    assert 0.8 < np.median(norm) < 1.6  # gravity plus arm motion, in g
    assert np.abs(small.accelerometer).max() <= 8.0
    height = small.skeleton[:, :, 0, 1] - small.skeleton[:, :, 19, 1]
    assert 1.2 < np.median(height) < 1.9


def test_default_size_stays_small():
    data = make_multimodal_activities(n_subjects=2, n_recordings=8, random_state=0)
    per_subject = sum(data[name].nbytes for name in data.modality_names)
    assert per_subject * 4 < 150e6  # 8 subjects by default


def test_vision_knows_more_than_the_wrist():
    # Learnability: a linear model on the skeleton is near perfect across
    # subjects; on accelerometer features it finds the arm motion (pairs)
    # but the paired activities only partly.
    data = make_multimodal_activities(n_subjects=6, n_recordings=4, random_state=0)
    train, test = data.split("cross_subject")
    y = data.target
    skeleton = (data.skeleton - data.skeleton[:, :, 3:4]).reshape(len(y), -1)
    acc = data.accelerometer - data.accelerometer.mean(-1, keepdims=True)
    spectrum = np.abs(np.fft.rfft(acc, axis=-1))[..., :40]
    features = np.concatenate(
        [data.accelerometer.reshape(len(y), -1), spectrum.reshape(len(y), -1)], 1
    )

    def score(X):
        model = make_pipeline(
            StandardScaler(), LogisticRegression(C=0.1, max_iter=2000)
        )
        model.fit(X[train], y[train])
        predicted = model.predict(X[test])
        return (predicted == y[test]).mean(), (predicted // 2 == y[test] // 2).mean()

    skeleton_score, _ = score(skeleton)
    acc_score, acc_pairs = score(features)
    assert skeleton_score > 0.9
    assert acc_pairs > 0.8
    assert acc_score < skeleton_score - 0.15
    assert acc_score > 2 / 8  # better than knowing only the pair


@pytest.mark.parametrize(
    "kwargs, message",
    [
        ({"n_subjects": 1}, "n_subjects must be an int >= 2"),
        ({"n_classes": 9}, "n_classes must be an int between 2 and 8"),
        ({"n_recordings": 0}, "n_recordings must be an int >= 1"),
        ({"image_size": 4}, "image_size must be an int >= 8"),
        ({"n_timestamps": -1}, "n_timestamps must be a positive int"),
        ({"frame_rate": 0}, "frame_rate must be positive"),
        ({"coupling": -1}, "coupling must be >= 0"),
    ],
)
def test_bad_parameters(kwargs, message):
    with pytest.raises(ValueError, match=message):
        make_multimodal_activities(**kwargs)
