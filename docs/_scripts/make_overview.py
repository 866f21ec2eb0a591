"""Draw docs/_static/overview.png, the picture on the front page of the docs.

Run by hand from the repository root when the picture should change (about 20
seconds on one CPU core); the PNG is committed, the docs build does not run this:

    OMP_NUM_THREADS=1 python docs/_scripts/make_overview.py

It trains, on synthetic data (no download), exactly the three lines the front
page shows, with smaller networks and fewer epochs, and draws one test
recording: the frame the teacher saw, the accelerometer window the student
sees, its GAF image, and the student's prediction.
"""

from pathlib import Path

import numpy as np
import sklearn
from matplotlib.figure import Figure
from sklearn.frozen import FrozenEstimator
from sklearn.pipeline import make_pipeline

from vskdlearn import DistilledStudentClassifier, GAFTransformer, TeacherClassifier
from vskdlearn.datasets import make_multimodal_activities

OUT = Path(__file__).parents[1] / "_static" / "overview.png"


def main():
    sklearn.set_config(enable_metadata_routing=True)
    data = make_multimodal_activities(
        n_classes=6, n_recordings=6, n_frames=8, image_size=32, random_state=0
    )
    train, test = data.split("cross_subject")
    video, accelerometer, y = data.video, data.accelerometer, data.target

    # The front page's three lines, with small settings.
    teacher = TeacherClassifier(
        modality="video",
        max_epochs=15,
        module__width=16,
        module__n_segments=4,
        random_state=0,
    ).fit(video[train], y[train])
    student = make_pipeline(
        GAFTransformer(image_size=32, method="both", scaling="fit"),
        DistilledStudentClassifier(
            teacher=FrozenEstimator(teacher), max_epochs=25, random_state=0
        ),
    )
    student.fit(accelerometer[train], y[train], teacher_X=video[train])
    proba = student.predict_proba(accelerometer[test])
    accuracy = student.score(accelerometer[test], y[test])

    i = test[0]  # the first test recording, whatever the student makes of it
    names = [str(n).replace("_", " ") for n in data.target_names]
    fig = Figure(figsize=(9.5, 3.2), layout="constrained")
    axes = fig.subplots(1, 4, width_ratios=[1, 1.5, 1, 1.3])

    frame = video[i, video.shape[1] // 2]  # (colours, height, width)
    axes[0].imshow(np.moveaxis(frame, 0, -1))
    axes[0].set_title("1. teacher sees video\n(training only)", fontsize=10)
    axes[0].axis("off")

    # Every window is resampled to the same length over its own duration.
    seconds = np.linspace(0, data.frame["duration_s"].iloc[i], accelerometer.shape[-1])
    for axis, label in zip(accelerometer[i], "xyz", strict=True):
        axes[1].plot(seconds, axis, lw=1, label=label)
    axes[1].set_title(
        "2. the student sees the\nwrist accelerometer (x, y, z)", fontsize=10
    )
    axes[1].set_xlabel("seconds", fontsize=9)
    axes[1].set_ylabel(data.units["accelerometer"], fontsize=9)
    low, high = axes[1].get_ylim()
    axes[1].set_ylim(low, high + 0.3 * (high - low))  # room for the legend
    axes[1].legend(fontsize=8, ncols=3, loc="upper center", borderpad=0.2)
    axes[1].tick_params(labelsize=8)

    # Channels: GASF of x, y, z, then GADF of x, y, z; y moves most here.
    image = student[0].transform(accelerometer[i : i + 1])[0]
    axes[2].imshow(image[1], cmap="RdBu_r", vmin=-1, vmax=1)
    axes[2].set_title("3. as a GAF image\n(GASF of y shown)", fontsize=10)
    axes[2].axis("off")

    rows = np.arange(len(names))[::-1]
    truth = int(np.flatnonzero(student.classes_ == y[i])[0])
    colors = ["C2" if k == truth else "0.6" for k in range(len(names))]
    axes[3].barh(rows, proba[0], color=colors)
    axes[3].set_yticks(rows, names, fontsize=8)
    axes[3].set_xlim(0, 1)
    axes[3].tick_params(axis="x", labelsize=8)
    axes[3].set_title("4. and predicts\n(true class green)", fontsize=10)
    axes[3].set_xlabel("probability", fontsize=9)
    fig.savefig(OUT, dpi=120)
    print(
        f"{OUT}: test recording {i}, true {names[truth]!r}, probabilities "
        f"{dict(zip(names, proba[0].round(2), strict=True))}, accuracy {accuracy:.3f}"
    )


if __name__ == "__main__":
    main()
