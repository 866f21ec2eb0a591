"""Synthetic paired recordings: one body motion seen by a camera and a watch."""

from numbers import Integral, Real

import numpy as np
import pandas as pd
from sklearn.utils import check_random_state
from sklearn.utils._param_validation import Interval

from .._modality_kinds import MODALITY_KINDS, kind_named
from ._base import (
    ActivityDataset,
    check_arguments,
    check_length,
    interpolate,
    missing_table,
    resample_on_normalised_time,
    stack_or_objects,
)
from ._loader import protocol
from ._utd_mhad import UTD_MHAD_JOINTS

__all__ = ["make_multimodal_activities", "SYNTHETIC_ACTIVITIES"]

#: Activity names; pairs (0, 1), (2, 3), ... share the right-arm motion.
SYNTHETIC_ACTIVITIES = (
    "wave",
    "wave_and_march",
    "draw_circle",
    "draw_circle_both_arms",
    "punch",
    "box_both_arms",
    "arm_curl",
    "arm_curl_and_squat",
)

GRAVITY = 9.80665  # m/s^2
SIMULATION_RATE = 200.0  # Hz: fine grid on which the body moves
_J = {name: i for i, name in enumerate(UTD_MHAD_JOINTS)}
_BONES = [
    ("head", "shoulder_center"),
    ("shoulder_center", "spine"),
    ("spine", "hip_center"),
    ("shoulder_center", "left_shoulder"),
    ("left_shoulder", "left_elbow"),
    ("left_elbow", "left_wrist"),
    ("left_wrist", "left_hand"),
    ("shoulder_center", "right_shoulder"),
    ("right_shoulder", "right_elbow"),
    ("right_elbow", "right_wrist"),
    ("right_wrist", "right_hand"),
    ("hip_center", "left_hip"),
    ("left_hip", "left_knee"),
    ("left_knee", "left_ankle"),
    ("left_ankle", "left_foot"),
    ("hip_center", "right_hip"),
    ("right_hip", "right_knee"),
    ("right_knee", "right_ankle"),
    ("right_ankle", "right_foot"),
]
# Drawn thickness (radius, m) and which colour (0 shirt, 1 trousers, 2 skin).
_BONE_STYLE = [(0.09, 2)] + [(0.10, 0)] * 2 + [(0.045, 0)] * 2 + [(0.04, 0)]
_BONE_STYLE += [(0.035, 2)] + [(0.045, 0)] * 2 + [(0.04, 0), (0.035, 2)]
_BONE_STYLE += [(0.07, 1), (0.06, 1), (0.05, 1), (0.04, 1)] * 2
_UP = np.array([0.0, 1.0, 0.0])
_FORWARD = np.array([0.0, 0.0, -1.0])  # the subject faces the camera (-z)

DESCR = """Synthetic paired activities (vskdlearn)
=======================================

Procedural body kinematics, one recording seen by two sensors:

- a camera: the 20-joint skeleton (Kinect v1 joint order, metres, camera
  space: x to the subject's right, y up, z away from the camera) with
  1 cm tracking noise, and a low-resolution RGB rendering of the body
  (shirt, trousers and background colours vary by subject);
- a watch on the right wrist: accelerometer and gyroscope computed from the
  wrist trajectory.

Physics of the accelerometer: the wrist position p(t) is differentiated
twice on a 200 Hz grid; the sensor measures the specific force
a(t) - g (g = 9.80665 m/s^2 downwards), expressed in the sensor frame
attached to the forearm (x along the forearm, then rotated about it by a
per-subject mounting angle), in units of g, plus white noise (per-subject
level) and a per-recording bias, clipped to +-8 g. The gyroscope is the
angular velocity of that frame in deg/s. The watch samples at its own rate
(default 50 Hz) and the camera at another (default 15 frames per second);
every stream is then resampled on normalised time, as the loaders of real
datasets do.

Activities come in pairs that move the right arm the same way and differ in
what the wrist does not feel directly: the legs (marching, squatting) or
the left arm (both-arm circles, boxing). Those body parts reach the wrist
only weakly, through pelvis bobbing or trunk rotation, scaled by
``coupling``. The camera sees the difference plainly; the accelerometer
alone has to pick it out of the weak coupling, across subjects that differ
in size, speed, amplitude, sensor mounting and noise.
"""


def _rot_x(angle):
    c, s = np.cos(angle), np.sin(angle)
    zero, one = np.zeros_like(c), np.ones_like(c)
    return np.stack(
        [
            np.stack([one, zero, zero], -1),
            np.stack([zero, c, -s], -1),
            np.stack([zero, s, c], -1),
        ],
        -2,
    )


def _rot_y(angle):
    c, s = np.cos(angle), np.sin(angle)
    zero, one = np.zeros_like(c), np.ones_like(c)
    return np.stack(
        [
            np.stack([c, zero, s], -1),
            np.stack([zero, one, zero], -1),
            np.stack([-s, zero, c], -1),
        ],
        -2,
    )


def _rot_z(angle):
    c, s = np.cos(angle), np.sin(angle)
    zero, one = np.zeros_like(c), np.ones_like(c)
    return np.stack(
        [
            np.stack([c, -s, zero], -1),
            np.stack([s, c, zero], -1),
            np.stack([zero, zero, one], -1),
        ],
        -2,
    )


def _apply(rotation, vector):
    return np.einsum("...ij,...j->...i", rotation, vector)


def _unit(v):
    return v / np.linalg.norm(v, axis=-1, keepdims=True)


def _arm(shoulder, trunk, side, flexion, abduction, elbow, bend, sizes):
    """Elbow, wrist, hand positions and the forearm frame for one arm.

    Angles in radians, relative to the trunk: ``flexion`` raises the arm
    forwards, ``abduction`` sideways, ``elbow`` bends the forearm towards
    the body-frame direction ``bend``.
    """
    hanging = np.broadcast_to(-_UP, flexion.shape + (3,))
    upper = _apply(_rot_x(flexion), _apply(_rot_z(side * abduction), hanging))
    bend = np.broadcast_to(bend, upper.shape)
    towards = _unit(bend - (bend * upper).sum(-1, keepdims=True) * upper + 1e-9)
    fore = np.cos(elbow)[..., None] * upper + np.sin(elbow)[..., None] * towards
    upper_w, fore_w = _apply(trunk, upper), _apply(trunk, fore)
    towards_w = _apply(trunk, towards)
    elbow_p = shoulder + sizes["upper_arm"] * upper_w
    wrist_p = elbow_p + sizes["forearm"] * fore_w
    hand_p = wrist_p + sizes["hand"] * fore_w
    # Sensor frame: x along the forearm, y towards the bend, z completes it.
    frame = np.stack([fore_w, towards_w, np.cross(fore_w, towards_w)], axis=-1)
    return elbow_p, wrist_p, hand_p, frame


def _leg(hip, flexion, knee, sizes):
    thigh = _apply(_rot_x(flexion), np.broadcast_to(-_UP, flexion.shape + (3,)))
    shank_angle = flexion - knee
    shank = _apply(_rot_x(shank_angle), np.broadcast_to(-_UP, knee.shape + (3,)))
    foot = _apply(_rot_x(shank_angle), np.broadcast_to(_FORWARD, knee.shape + (3,)))
    knee_p = hip + sizes["thigh"] * thigh
    ankle_p = knee_p + sizes["shank"] * shank
    return knee_p, ankle_p, ankle_p + sizes["foot"] * foot


def _smooth_positive(x):
    return np.maximum(x, 0.0) ** 2


def _motion(activity, t, subject, take, coupling):
    """Joint angles and root motion over time ``t`` for one recording."""
    n = t.size
    speed, amp = (
        subject["speed"] * take["speed"],
        subject["amplitude"] * take["amplitude"],
    )
    phase = 2 * np.pi * speed * t + take["phase"]
    zeros = np.zeros(n)
    idle = 2 * np.pi * subject["idle_rate"] * t + take["phase_idle"]
    m = {
        "root": np.stack(
            [
                subject["idle_sway"] * np.sin(idle),
                zeros,
                0.5 * subject["idle_sway"] * np.cos(idle),
            ],
            -1,
        ),
        "yaw": np.deg2rad(1.0) * np.sin(idle + 0.7),
        "pitch": zeros.copy(),
        "left_arm": (
            np.deg2rad(4.0) * np.sin(idle),
            np.deg2rad(8.0) + zeros,
            np.deg2rad(10.0) + zeros,
            _FORWARD,
        ),
        "left_leg": (zeros.copy(), zeros.copy()),
        "right_leg": (zeros.copy(), zeros.copy()),
    }
    pattern, context = divmod(activity, 2)
    _PATTERNS[pattern](m, phase, amp, zeros, coupling, context)
    return m


def _wave(m, phase, amp, zeros, coupling, context):
    """Arm out to the side, forearm swinging overhead."""
    f = 2.2 * phase
    m["right_arm"] = (
        np.deg2rad(10.0) + zeros,
        np.deg2rad(95.0) + np.deg2rad(8.0) * amp * np.sin(f),
        np.deg2rad(75.0) + np.deg2rad(28.0) * amp * np.sin(f + 0.4),
        _UP,
    )
    if context:  # march in place: alternate knees, the pelvis bobs per step
        step = 0.6 * phase
        lift = np.deg2rad(55.0) * amp
        left = lift * _smooth_positive(np.sin(step))
        right = lift * _smooth_positive(-np.sin(step))
        m["left_leg"] = (left, 1.7 * left)
        m["right_leg"] = (right, 1.7 * right)
        m["root"][:, 1] += 0.03 * coupling * amp * (1 - np.cos(2 * step)) / 2
        # ... and shifts the weight from foot to foot.
        m["root"][:, 0] += 0.015 * coupling * amp * np.sin(step)


def _circle(m, phase, amp, zeros, coupling, context):
    """A circle drawn in front of the body."""
    f = 0.9 * phase
    m["right_arm"] = (
        np.deg2rad(65.0) + np.deg2rad(28.0) * amp * np.sin(f),
        np.deg2rad(20.0) + np.deg2rad(25.0) * amp * np.cos(f),
        np.deg2rad(20.0) + zeros,
        _UP,
    )
    if context:  # the left arm mirrors it; the trunk twists with each sweep
        m["left_arm"] = m["right_arm"]
        m["yaw"] = m["yaw"] + np.deg2rad(3.0) * coupling * np.sin(2 * f + 1.0)


def _punch_arm(amp, reach, zeros):
    return (
        np.deg2rad(40.0) + np.deg2rad(45.0) * amp * reach,
        np.deg2rad(12.0) + zeros,
        np.deg2rad(115.0) * (1 - 0.85 * amp * reach),
        _UP,
    )


def _punch(m, phase, amp, zeros, coupling, context):
    """A punch forwards from the chin."""
    f = 1.1 * phase
    reach = ((1 - np.cos(f)) / 2) ** 2
    m["right_arm"] = _punch_arm(amp, reach, zeros)
    if context:  # the left arm punches in turn; shoulders rotate
        other = ((1 + np.cos(f)) / 2) ** 2
        m["left_arm"] = _punch_arm(amp, other, zeros)
        m["yaw"] = m["yaw"] + np.deg2rad(5.0) * coupling * (reach - other)


def _curl(m, phase, amp, zeros, coupling, context):
    """An arm curl with the elbow at the side."""
    f = 0.7 * phase
    m["right_arm"] = (
        np.deg2rad(5.0) + zeros,
        np.deg2rad(6.0) + zeros,
        np.deg2rad(15.0) + np.deg2rad(110.0) * amp * (1 - np.cos(f)) / 2,
        _FORWARD,
    )
    if context:  # slow squats: the pelvis drops, the trunk leans a little
        depth = np.deg2rad(30.0) * amp * (1 - np.cos(0.25 * phase)) / 2
        m["left_leg"] = (depth, 2 * depth)
        m["right_leg"] = (depth, 2 * depth)
        m["pitch"] = np.deg2rad(5.0) * coupling * depth / np.deg2rad(30.0)


# Activities 2k and 2k + 1 share the right-arm pattern k.
_PATTERNS = (_wave, _circle, _punch, _curl)


def _pose(activity, t, subject, take, coupling):
    """Joints (n, 20, 3) and the right-forearm sensor frame (n, 3, 3)."""
    h = subject["height"]
    sizes = {
        "upper_arm": 0.17 * h,
        "forearm": 0.15 * h,
        "hand": 0.05 * h,
        "thigh": 0.245 * h,
        "shank": 0.245 * h,
        "foot": 0.06 * h,
    }
    m = _motion(activity, t, subject, take, coupling)
    n = t.size
    joints = np.zeros((n, 20, 3))
    left_flex, left_knee = m["left_leg"]
    right_flex, right_knee = m["right_leg"]
    # The lower of the two legs stands on the floor and carries the pelvis.
    stance = np.maximum(
        sizes["thigh"] * np.cos(left_flex)
        + sizes["shank"] * np.cos(left_flex - left_knee),
        sizes["thigh"] * np.cos(right_flex)
        + sizes["shank"] * np.cos(right_flex - right_knee),
    )
    base = take["position"] + np.array([0.0, take["floor"], 0.0])
    hip_center = base + m["root"] + np.stack([0 * t, stance + 0.03 * h, 0 * t], -1)
    trunk = _rot_y(m["yaw"]) @ _rot_x(m["pitch"])
    joints[:, _J["hip_center"]] = hip_center
    for name, offset in [
        ("spine", (0.0, 0.12, 0.0)),
        ("shoulder_center", (0.0, 0.29, 0.0)),
        ("head", (0.0, 0.39, 0.0)),
        ("left_shoulder", (-0.11, 0.27, 0.0)),
        ("right_shoulder", (0.11, 0.27, 0.0)),
    ]:
        joints[:, _J[name]] = hip_center + _apply(trunk, np.array(offset) * h)
    frames = {}
    for side, sign in (("left", -1.0), ("right", 1.0)):
        flexion, abduction, elbow, bend = m[f"{side}_arm"]
        elbow_p, wrist_p, hand_p, frame = _arm(
            joints[:, _J[f"{side}_shoulder"]],
            trunk,
            sign,
            flexion,
            abduction,
            elbow,
            bend,
            sizes,
        )
        joints[:, _J[f"{side}_elbow"]] = elbow_p
        joints[:, _J[f"{side}_wrist"]] = wrist_p
        joints[:, _J[f"{side}_hand"]] = hand_p
        frames[side] = frame
        hip = hip_center + np.array([sign * 0.055 * h, -0.03 * h, 0.0])
        flexion, knee = m[f"{side}_leg"]
        knee_p, ankle_p, foot_p = _leg(hip, flexion, knee, sizes)
        joints[:, _J[f"{side}_hip"]] = hip
        joints[:, _J[f"{side}_knee"]] = knee_p
        joints[:, _J[f"{side}_ankle"]] = ankle_p
        joints[:, _J[f"{side}_foot"]] = foot_p
    return joints, frames["right"]


def _watch(fine, joints, frame, rate, subject, take, rng):
    """Accelerometer (g) and gyroscope (deg/s) on the right wrist, (n, 3) each.

    ``joints`` and the forearm ``frame`` are sampled on the grid ``fine``.
    """
    duration = fine[-1]
    wrist = joints[:, _J["right_wrist"]]
    dt = 1.0 / SIMULATION_RATE
    velocity = np.gradient(wrist, dt, axis=0, edge_order=2)
    acceleration = np.gradient(velocity, dt, axis=0, edge_order=2)
    frame = frame @ _rot_x(np.full(len(fine), subject["mounting"]))
    # The sensor measures specific force: acceleration minus gravity.
    specific = acceleration + np.array([0.0, GRAVITY, 0.0])
    accel = np.einsum("nij,ni->nj", frame, specific) / GRAVITY
    # Angular velocity from the frame's rate of change: [w]x = R^T dR/dt.
    d_frame = np.gradient(frame, dt, axis=0, edge_order=2)
    skew = np.einsum("nji,njk->nik", frame, d_frame)
    gyro = np.rad2deg(np.stack([skew[:, 2, 1], skew[:, 0, 2], skew[:, 1, 0]], -1))
    times = np.arange(0.0, duration, 1.0 / rate) + take["watch_offset"]
    times = times[times <= duration]
    accel = np.stack([np.interp(times, fine, accel[:, k]) for k in range(3)], -1)
    gyro = np.stack([np.interp(times, fine, gyro[:, k]) for k in range(3)], -1)
    noise = subject["noise"]
    accel = accel + take["bias"] + rng.normal(0.0, noise, accel.shape)
    gyro = gyro + rng.normal(0.0, 40.0 * noise, gyro.shape)
    return np.clip(accel, -8.0, 8.0), gyro


def _render(joints, subject, size, rng):
    """RGB frames uint8 (n, 3, size, size) of a posed body, seen by a camera."""
    n = joints.shape[0]
    focal = size * 2.75 / 2.6
    depth = joints[..., 2]
    floor = joints[..., 1].min()  # feet stay on the floor in every activity
    u = (size / 2 + focal * joints[..., 0] / depth).astype(np.float32)
    v = (size / 2 - focal * (joints[..., 1] - floor - 1.1) / depth).astype(np.float32)
    first = [_J[p] for p, _ in _BONES]
    second = [_J[q] for _, q in _BONES]
    # Bone segments as (n, bones, 1) so that pixels broadcast on the last axis.
    ax, ay = u[:, first, None], v[:, first, None]
    dx, dy = u[:, second, None] - ax, v[:, second, None] - ay
    inverse = 1.0 / np.maximum(dx * dx + dy * dy, 1e-6)
    radius = np.array([r for r, _ in _BONE_STYLE], dtype=np.float32)[None, :, None]
    radius = radius * (focal / depth.mean(axis=1)).astype(np.float32)[:, None, None]
    # Only pixels near the body over the whole clip can be covered.
    margin = float(radius.max()) + 1.0
    centres = np.arange(size, dtype=np.float32) + 0.5
    gx = np.tile(centres, size)
    gy = np.repeat(centres, size)
    near = np.flatnonzero(
        (gx >= u.min() - margin)
        & (gx <= u.max() + margin)
        & (gy >= v.min() - margin)
        & (gy <= v.max() + margin)
    )
    rx, ry = gx[near] - ax, gy[near] - ay
    along = np.clip((rx * dx + ry * dy) * inverse, 0.0, 1.0)
    ex, ey = rx - along * dx, ry - along * dy
    distance = np.sqrt(ex * ex + ey * ey)
    coverage = np.clip(radius + 0.5 - distance, 0.0, 1.0)
    top = coverage.argmax(axis=1)  # (n, P): the bone that covers a pixel most
    colours = subject["colours"][[c for _, c in _BONE_STYLE]].astype(np.float32)
    image = subject["background"] + rng.normal(0.0, 0.03, (n, size * size, 3))
    alpha = np.take_along_axis(coverage, top[:, None], axis=1)[:, 0, :, None]
    image[:, near] = alpha * colours[top] + (1 - alpha) * image[:, near]
    image = image.reshape(n, size, size, 3).transpose(0, 3, 1, 2)
    return np.clip(np.rint(image * 255), 0, 255).astype(np.uint8)


def _subject(rng, noise):
    return {
        "height": rng.uniform(1.55, 1.90),
        "speed": rng.uniform(0.8, 1.25),
        "amplitude": rng.uniform(0.8, 1.2),
        "noise": noise * rng.uniform(0.01, 0.04),
        "mounting": np.deg2rad(rng.uniform(-25.0, 25.0)),
        "idle_rate": rng.uniform(0.2, 0.6),
        "idle_sway": rng.uniform(0.002, 0.008),
        # shirt, trousers, skin
        "colours": np.vstack(
            [
                rng.uniform(0.3, 1.0, 3),
                rng.uniform(0.1, 0.6, 3),
                rng.uniform(0.5, 0.9, 3),
            ]
        ),
        "background": rng.uniform(0.0, 0.25, 3),
    }


def _take(rng):
    return {
        "speed": rng.uniform(0.9, 1.1),
        "amplitude": rng.uniform(0.85, 1.15),
        "phase": rng.uniform(0, 2 * np.pi),
        "phase_idle": rng.uniform(0, 2 * np.pi),
        "duration": rng.uniform(3.5, 5.0),
        "position": np.array([rng.uniform(-0.2, 0.2), 0.0, rng.uniform(2.5, 3.0)]),
        "floor": rng.uniform(-1.05, -0.95),
        "bias": rng.uniform(-0.03, 0.03, 3),
        "watch_offset": rng.uniform(0.0, 0.01),
    }


def make_multimodal_activities(
    n_subjects=8,
    n_classes=8,
    n_recordings=8,
    *,
    n_timestamps=128,
    n_frames=16,
    image_size=32,
    accelerometer_rate=50.0,
    frame_rate=15.0,
    coupling=1.0,
    noise=1.0,
    random_state=None,
):
    """Generate paired video, skeleton and wrist-sensor recordings.

    No download: a procedural body performs each activity; a camera sees
    the skeleton and a rendered low-resolution video, and a watch on the
    right wrist measures the physical acceleration and rotation of that
    same wrist trajectory, at its own sampling rate. Some activities differ
    mainly in body parts the wrist does not feel (legs, left arm), so a
    vision teacher knows more than the accelerometer alone.

    Parameters
    ----------
    n_subjects : int, default=8
        Subjects differ in height, tempo, movement amplitude, watch
        mounting angle, sensor noise, idle body sway and appearance.
    n_classes : int, default=8
        The first ``n_classes`` of :data:`SYNTHETIC_ACTIVITIES` (2 to 8).
    n_recordings : int, default=8
        Recordings per subject and activity.
    n_timestamps : int or None, default=128
        Length of the accelerometer and gyroscope series after resampling on
        normalised time. ``None`` keeps each recording's native samples.
    n_frames : int or None, default=16
        Skeleton and video frames per recording (``None``: native frames).
    image_size : int, default=32
        Height and width of the video frames.
    accelerometer_rate : float, default=50.0
        Watch sampling rate in Hz.
    frame_rate : float, default=15.0
        Camera frame rate in frames per second.
    coupling : float, default=1.0
        How strongly the legs and left arm move the right wrist (pelvis bob,
        trunk rotation). 0 makes paired activities indistinguishable for the
        watch; larger values make them easier.
    noise : float, default=1.0
        Scale of the watch's sensor noise (per subject 0.01-0.04 g).
    random_state : int, RandomState instance or None, default=None
        The same value gives the same recordings.

    Returns
    -------
    data : ActivityDataset
        ``accelerometer`` float32 (n, 3, n_timestamps) in g, ``gyroscope``
        float32 (n, 3, n_timestamps) in deg/s, ``skeleton`` float32 (n,
        n_frames, 20, 3) in metres (UTD-MHAD joint order), ``video`` uint8
        (n, n_frames, 3, image_size, image_size); ``target``,
        ``target_names``, ``subject`` (1..n_subjects), ``repetition``,
        ``sensor_location``, ``joint_names``, ``frame`` (one row per
        recording, with the subject's and the take's parameters); protocol
        ``"cross_subject"``: odd subjects train, even subjects test.

    Notes
    -----
    See ``data.DESCR`` for the physics. With the defaults: 512 recordings,
    about 30 MB.

    Examples
    --------
    >>> import numpy as np
    >>> from vskdlearn.datasets import make_multimodal_activities
    >>> data = make_multimodal_activities(n_subjects=2, n_recordings=1, random_state=0)
    >>> data.accelerometer.shape, data.video.shape
    ((16, 3, 128), (16, 16, 3, 32, 32))
    >>> train, test = data.split("cross_subject")
    >>> np.unique(data.subject[train]).tolist(), np.unique(data.subject[test]).tolist()
    ([1], [2])
    """
    check_arguments(
        _ARGUMENTS,
        n_subjects=n_subjects,
        n_recordings=n_recordings,
        image_size=image_size,
        n_classes=n_classes,
    )
    n_timestamps = check_length(n_timestamps, "n_timestamps")
    n_frames = check_length(n_frames, "n_frames")
    check_arguments(
        _ARGUMENTS,
        accelerometer_rate=accelerometer_rate,
        frame_rate=frame_rate,
        coupling=coupling,
        noise=noise,
    )
    rng = check_random_state(random_state)
    # One seed per subject and per recording: the motions do not change when
    # only rates, lengths or image size do.
    seeds = rng.randint(0, 2**31 - 1, size=(n_subjects, n_classes * n_recordings + 1))
    settings = {
        "n_timestamps": n_timestamps,
        "n_frames": n_frames,
        "image_size": image_size,
        "accelerometer_rate": accelerometer_rate,
        "frame_rate": frame_rate,
        "coupling": coupling,
    }
    subjects = [
        _subject(np.random.default_rng([seeds[s, 0], 0]), noise)
        for s in range(n_subjects)
    ]
    arrays = {"accelerometer": [], "gyroscope": [], "skeleton": [], "video": []}
    rows = []
    for s, subject in enumerate(subjects, start=1):
        for activity in range(n_classes):
            for repetition in range(1, n_recordings + 1):
                seed = seeds[s - 1, 1 + activity * n_recordings + repetition - 1]
                ids = (s, activity, repetition)
                parsed, row = _record(subject, ids, seed, settings)
                for name, value in parsed.items():
                    arrays[name].append(value)
                rows.append(row)
    return _bundle(arrays, pd.DataFrame(rows), n_subjects, n_classes, settings)


# Arguments of make_multimodal_activities: scikit-learn constraint objects and
# the phrase of the message.
_ARGUMENTS = {
    "n_subjects": ([Interval(Integral, 2, None, closed="left")], "an int >= 2"),
    "n_recordings": ([Interval(Integral, 1, None, closed="left")], "an int >= 1"),
    "image_size": ([Interval(Integral, 8, None, closed="left")], "an int >= 8"),
    "n_classes": (
        [Interval(Integral, 2, len(SYNTHETIC_ACTIVITIES), closed="both")],
        f"an int between 2 and {len(SYNTHETIC_ACTIVITIES)}",
    ),
    "accelerometer_rate": ([Interval(Real, 0, None, closed="neither")], "positive"),
    "frame_rate": ([Interval(Real, 0, None, closed="neither")], "positive"),
    "coupling": ([Interval(Real, 0, None, closed="left")], ">= 0"),
    "noise": ([Interval(Real, 0, None, closed="left")], ">= 0"),
}


def _record(subject, ids, seed, settings):
    """One recording's arrays and frame row; ``seed`` fixes its motion."""
    s, activity, repetition = ids
    n_timestamps, n_frames = settings["n_timestamps"], settings["n_frames"]
    take = _take(np.random.default_rng([seed, 0]))
    duration = take["duration"]
    fine = np.arange(0.0, duration + 1e-9, 1.0 / SIMULATION_RATE)
    fine_joints, forearm = _pose(activity, fine, subject, take, settings["coupling"])
    accel, gyro = _watch(
        fine,
        fine_joints,
        forearm,
        settings["accelerometer_rate"],
        subject,
        take,
        np.random.default_rng([seed, 1]),
    )
    # The camera samples the same motion at its own instants.
    frame_times = np.arange(0.0, duration, 1.0 / settings["frame_rate"])
    joints = interpolate(fine_joints, fine, frame_times, axis=0)
    skeleton = joints + np.random.default_rng([seed, 2]).normal(0.0, 0.01, joints.shape)
    picks = resample_on_normalised_time(
        np.arange(len(frame_times)), n_frames, kind="nearest"
    )
    video = _render(
        joints[picks],
        subject,
        settings["image_size"],
        np.random.default_rng([seed, 3]),
    )
    parsed = {
        "accelerometer": resample_on_normalised_time(accel, n_timestamps).T,
        "gyroscope": resample_on_normalised_time(gyro, n_timestamps).T,
        "skeleton": resample_on_normalised_time(skeleton, n_frames),
        "video": video,
    }
    row = {
        "recording": f"s{s}_a{activity + 1}_r{repetition}",
        "subject": s,
        "target": activity,
        "activity": SYNTHETIC_ACTIVITIES[activity],
        "repetition": repetition,
        "duration_s": duration,
        "n_accelerometer_samples": len(accel),
        "n_video_frames": len(frame_times),
        "height_m": subject["height"],
        "tempo": subject["speed"] * take["speed"],
        "sensor_noise_g": subject["noise"],
        "mounting_deg": np.rad2deg(subject["mounting"]),
    }
    return parsed, row


def _bundle(arrays, frame, n_subjects, n_classes, settings):
    odd = tuple(range(1, n_subjects + 1, 2))
    even = tuple(range(2, n_subjects + 1, 2))
    lengths = {
        "n_timestamps": settings["n_timestamps"],
        "n_frames": settings["n_frames"],
    }
    data = {}
    for name, values in arrays.items():
        kind = MODALITY_KINDS[kind_named(name)]
        ragged = lengths[kind.length_parameter] is None
        data[name] = stack_or_objects(values, kind.dtype, ragged=ragged)
    return ActivityDataset(
        name="synthetic",
        **data,
        target=frame["target"].to_numpy(dtype=np.int64),
        target_names=np.array(SYNTHETIC_ACTIVITIES[:n_classes]),
        subject=frame["subject"].to_numpy(dtype=np.int64),
        repetition=frame["repetition"].to_numpy(dtype=np.int64),
        sensor_location=np.full(len(frame), "right wrist"),
        joint_names=np.array(UTD_MHAD_JOINTS),
        frame=frame,
        missing=missing_table([]),
        modality_names=tuple(data),
        units={
            "accelerometer": "g",
            "gyroscope": "deg/s",
            "skeleton": "m",
            "video": "RGB, 0-255",
        },
        channel_names={
            "accelerometer": ["x", "y", "z"],
            "gyroscope": ["x", "y", "z"],
            "video": ["red", "green", "blue"],
        },
        DESCR=DESCR,
        protocol_rules={
            "cross_subject": protocol(
                "subject", odd, even, f"odd subjects {odd} train, even {even} test"
            )
        },
    )
