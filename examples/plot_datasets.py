"""
=====================================
One recording, seen by every modality
=====================================

Every loader of :mod:`vskdlearn.datasets` returns sample-aligned modalities:
row ``i`` of ``video``, ``skeleton`` and ``accelerometer`` is the same
recording, resampled on normalised time so that streams recorded at
different rates line up.

This example draws two synthetic recordings (no download) in every modality:
*wave* and *wave and march*. Their right-wrist accelerometers are nearly the
same, while the camera plainly sees the legs; that gap is what a vision
teacher can pass on to an accelerometer student. If the real UTD-MHAD files
are at hand (the folder in ``VSKDLEARN_DATA``, or ``../shared/datasets`` next
to the repository), one of its recordings is drawn too.
"""

# %%
# Two synthetic recordings
# ------------------------
import os
from pathlib import Path

import matplotlib.pyplot as plt
import numpy as np

from vskdlearn.datasets import UTD_MHAD_JOINTS, make_multimodal_activities

data = make_multimodal_activities(n_subjects=2, n_recordings=1, random_state=0)
print(data)
chosen = [int(np.flatnonzero(data.target == k)[0]) for k in (0, 1)]

BONES = [
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
JOINT = {name: i for i, name in enumerate(UTD_MHAD_JOINTS)}


def draw_skeleton(ax, skeleton, frames, horizontal=0):
    """Stick figures of a few frames, from light to dark grey.

    ``horizontal=0`` draws the camera's view (x, y); ``2`` a side view (z, y).
    """
    for shade, f in zip(np.linspace(0.75, 0.0, len(frames)), frames, strict=True):
        for a, b in BONES:
            ax.plot(
                skeleton[f, [JOINT[a], JOINT[b]], horizontal],
                skeleton[f, [JOINT[a], JOINT[b]], 1],
                color=str(shade),
                linewidth=1.5,
            )
        wrist = skeleton[f, JOINT["right_wrist"]]
        ax.plot(wrist[horizontal], wrist[1], "o", color="tab:red", markersize=4)
    centre = skeleton[frames, :, horizontal].mean()
    ax.set_xlim(centre - 0.7, centre + 0.7)
    ax.set_aspect("equal")
    ax.set_xlabel("xyz"[horizontal] + " (m)")
    ax.set_ylabel("y (m)")


def draw_series(ax, series, names, unit):
    time = np.linspace(0, 1, series.shape[-1])
    for channel, name in zip(series, names, strict=True):
        ax.plot(time, channel, linewidth=1, label=name)
    ax.set_xlabel("normalised time")
    ax.set_ylabel(unit)
    ax.legend(fontsize=7, loc="upper right")


fig, axes = plt.subplots(
    4, 2, figsize=(9, 11), layout="constrained", height_ratios=[1, 2.2, 1.4, 1.4]
)
for column, i in enumerate(chosen):
    frames = np.linspace(0, data.video.shape[1] - 1, 6).astype(int)
    strip = np.concatenate([data.video[i, f].transpose(1, 2, 0) for f in frames], 1)
    axes[0, column].imshow(strip)
    axes[0, column].set_title(f"{data.target_names[data.target[i]]}: video")
    axes[0, column].axis("off")
    draw_skeleton(axes[1, column], data.skeleton[i], frames, horizontal=2)
    axes[1, column].set_title("skeleton from the side (right wrist in red)")
    draw_series(axes[2, column], data.accelerometer[i], "xyz", "accelerometer (g)")
    axes[2, column].set_title("right-wrist accelerometer")
    draw_series(axes[3, column], data.gyroscope[i], "xyz", "gyroscope (deg/s)")
    axes[3, column].set_title("right-wrist gyroscope")
plt.show()

# %%
# How far apart are the two activities, per modality? The skeleton differs
# by tens of centimetres (the legs); the accelerometers differ by the
# recordings' own variation (phase, tempo), not by the marching.
a, b = chosen
print(
    "largest joint difference (m):",
    np.abs(data.skeleton[a] - data.skeleton[b]).max().round(2),
)
print(
    "accelerometer spread (g), wave / wave and march:",
    data.accelerometer[a].std().round(2),
    data.accelerometer[b].std().round(2),
)

# %%
# A UTD-MHAD recording, when the files are here
# ---------------------------------------------
# UTD-MHAD's inertial sensor runs at 50 Hz and the Kinect skeleton at about
# 30 frames per second; the loader resamples both over the same normalised
# span of each recording.


def find_utd_mhad():
    candidates = [
        os.environ.get("VSKDLEARN_DATA", os.path.expanduser("~/vskdlearn_data")),
        os.environ.get("VSKD_SHARED_DATASETS"),
    ]
    here = Path.cwd()
    candidates += [
        here.parent / "shared" / "datasets",
        here.parent.parent / "shared" / "datasets",
    ]
    for candidate in candidates:
        if candidate and (Path(candidate) / "utd_mhad").is_dir():
            return Path(candidate) / "utd_mhad"
    return None


root = find_utd_mhad()
if root is None:
    print("UTD-MHAD not found (set VSKDLEARN_DATA to the folder holding utd_mhad/).")
else:
    from vskdlearn.datasets import load_utd_mhad

    utd = load_utd_mhad(root, modalities=("inertial", "skeleton"))
    i = int(np.flatnonzero((utd.target == 0) & (utd.subject == 1))[0])
    row = utd.frame.iloc[i]
    fig, axes = plt.subplots(1, 3, figsize=(11, 3.6), layout="constrained")
    draw_skeleton(axes[0], utd.skeleton[i], [0, 10, 20, 31])
    axes[0].set_title(
        f"{row['recording']} ({row['action_name']}): {row['n_skeleton_frames']} frames"
    )
    draw_series(axes[1], utd.accelerometer[i], "xyz", "accelerometer (g)")
    axes[1].set_title(f"{row['sensor_location']}: {row['n_inertial_samples']} samples")
    draw_series(axes[2], utd.gyroscope[i], "xyz", "gyroscope (deg/s)")
    axes[2].set_title("gyroscope, same 50 Hz sensor")
    plt.show()
