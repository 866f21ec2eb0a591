"""Turn an :class:`ExperimentResult` into what a person reads: tables and figures."""

import datetime
import platform
import sys
from pathlib import Path

import numpy as np

__all__ = ["format_table", "environment", "write_report"]

FIGURES = {
    "accuracy": "accuracy_by_method.png",
    "confusion": "confusion_matrix.png",
    "gaf": "gaf_per_class.png",
    "curves": "learning_curves.png",
}


def _mean_std(mean, std, scale=100.0):
    return f"{scale * mean:.1f} ± {scale * std:.1f}"


def _gain(row):
    # Blank for the teacher and the student alone, and for summaries written
    # before the column existed.
    mean = getattr(row, "gain_vs_alone_mean", np.nan)
    if mean is None or np.isnan(mean):
        return ""
    return f"{100 * mean:+.1f} ± {100 * row.gain_vs_alone_std:.1f}"


def format_table(summary, style="markdown"):
    """The results table, as Markdown or as aligned plain text for a terminal.

    "Δ vs alone" is the paired difference: at each seed, the model's accuracy
    minus the student alone's, then mean ± std over the seeds.
    """
    header = [
        "model",
        "accuracy %",
        "Δ vs alone (points)",
        "macro-F1 %",
        "parameters",
        "CPU ms / window",
        "train s",
        "seeds",
    ]
    body = [
        [
            row.model,
            _mean_std(row.accuracy_mean, row.accuracy_std),
            _gain(row),
            _mean_std(row.macro_f1_mean, row.macro_f1_std),
            f"{int(row.parameters):,}",
            f"{row.ms_per_window:.2f}",
            f"{row.train_seconds:.1f}",
            str(int(row.n_seeds)),
        ]
        for row in summary.itertuples()
    ]
    if style == "markdown":
        lines = ["| " + " | ".join(header) + " |"]
        lines.append("|" + "|".join(["---"] + ["---:"] * (len(header) - 1)) + "|")
        lines += ["| " + " | ".join(r) + " |" for r in body]
        return "\n".join(lines)
    widths = [max(len(r[i]) for r in [header, *body]) for i in range(len(header))]
    fmt = lambda r: "  ".join(  # noqa: E731
        c.ljust(w) if i == 0 else c.rjust(w)
        for i, (c, w) in enumerate(zip(r, widths, strict=True))
    )
    return "\n".join([fmt(header), "  ".join("-" * w for w in widths), *map(fmt, body)])


def environment():
    """Versions and machine, recorded with every report."""
    import sklearn
    import skorch
    import torch

    import vskdlearn

    return {
        "vskdlearn": vskdlearn.__version__,
        "python": sys.version.split()[0],
        "torch": torch.__version__,
        "scikit-learn": sklearn.__version__,
        "skorch": skorch.__version__,
        "numpy": np.__version__,
        "platform": platform.platform(),
        "processor": platform.processor() or platform.machine(),
        "torch threads": torch.get_num_threads(),
    }


def _save_confusion(result, path):
    from matplotlib.figure import Figure
    from sklearn.metrics import ConfusionMatrixDisplay

    n = len(result.class_names)
    fig = Figure(figsize=(3 + 0.45 * n, 2.5 + 0.45 * n), layout="constrained")
    ax = fig.add_subplot()
    ConfusionMatrixDisplay(result.confusion, display_labels=result.class_names).plot(
        ax=ax, xticks_rotation="vertical", colorbar=False, include_values=n <= 15
    )
    ax.set_title(f"{result.confusion_method}: test confusion (summed over seeds)")
    fig.savefig(path, dpi=110)


def _student_text(config):
    if config.student == "sensor":
        what = "SensorCNN on the raw windows"
    else:
        what = (
            f"{config.student} on GAF {config.image_size}x{config.image_size} "
            f"({config.gaf_method}, scaling {config.gaf_scaling!r}) made in the network"
        )
    extras = [name for name in ("augmentation", "magnitude") if getattr(config, name)]
    return what + (f", with {' and '.join(extras)}" if extras else "")


def _save_gaf(result, path):
    from matplotlib.figure import Figure

    images = result.gaf_examples
    n = len(images)
    cols = min(n, 9)
    rows = int(np.ceil(n / cols))
    fig = Figure(figsize=(1.6 * cols, 1.8 * rows + 0.4), layout="constrained")
    axes = fig.subplots(rows, cols, squeeze=False)
    for ax in axes.ravel():
        ax.axis("off")
    for ax, image, name in zip(axes.ravel(), images, result.class_names, strict=False):
        # The first three channels (GASF of x, y, z) as one RGB picture.
        rgb = np.moveaxis(image[:3], 0, -1) if len(image) >= 3 else image[0]
        ax.imshow(
            (rgb + 1) / 2, vmin=0, vmax=1, cmap=None if rgb.ndim == 3 else "RdBu_r"
        )
        ax.set_title(name, fontsize=8)
    fig.suptitle("GAF of one training window per class (GASF of x, y, z as RGB)")
    fig.savefig(path, dpi=110)


def _save_accuracy(result, config, path):
    """Accuracy per model over seeds, and each student's paired gain over alone."""
    from matplotlib.figure import Figure

    from ._runner import paired_gains

    runs = result.runs
    order = list(dict.fromkeys(runs["model"]))
    gains = paired_gains(runs)
    n_seeds = runs["seed"].nunique()
    panels = 2 if not gains.empty else 1
    # One above the other, so that the figure stays readable in a narrow page.
    heights = [0.6 + 0.3 * len(order), 0.6 + 0.3 * len(gains)][:panels]
    fig = Figure(figsize=(6.4, sum(heights) + 1.2), layout="constrained")
    axes = fig.subplots(panels, 1, height_ratios=heights, squeeze=False)[:, 0]

    def points(ax, row, values, color):
        # Every seed as a dot, the mean with its std as a bar.
        ax.plot(
            values,
            np.full(len(values), row),
            "o",
            ms=3,
            color=color,
            alpha=0.45,
            zorder=2,
        )
        ax.errorbar(
            values.mean(),
            row,
            xerr=values.std(ddof=0),
            fmt="D",
            ms=5,
            color=color,
            capsize=3,
            zorder=3,
        )

    ax = axes[0]
    y = np.arange(len(order))[::-1]  # first model on top
    for row, model in zip(y, order, strict=True):
        rows = runs[runs["model"] == model]
        color = "0.35" if rows["method"].iloc[0] == "teacher" else "C0"
        points(ax, row, 100 * rows["accuracy"].to_numpy(), color)
    ax.set_yticks(y, order, fontsize=8)
    ax.set_ylim(-0.6, len(order) - 0.4)
    ax.set_xlabel("test accuracy % (mean ± std over seeds; dots: seeds)")
    ax.grid(axis="x", alpha=0.3)
    if panels == 2:
        ax = axes[1]
        alone = runs[runs["method"] == "alone"].set_index("seed")["accuracy"]
        y = np.arange(len(gains))[::-1]
        for row, model in zip(y, gains.index, strict=True):
            rows = runs[(runs["model"] == model) & runs["seed"].isin(alone.index)]
            delta = 100 * (
                rows["accuracy"].to_numpy() - alone.loc[rows["seed"]].to_numpy()
            )
            color = "C2" if delta.mean() > 0 else "C3"
            points(ax, row, delta, color)
        ax.set_yticks(y, gains.index, fontsize=8)
        ax.set_ylim(-0.6, len(gains) - 0.4)
        ax.axvline(0, color="0.2", lw=1)
        ax.set_xlabel("gain over the student alone, points\n(same seed; mean ± std)")
        ax.grid(axis="x", alpha=0.3)
    fig.suptitle(
        f"{config.dataset}, {config.protocol}: {n_seeds} seed(s), "
        f"{config.student} student on the accelerometer",
        fontsize=10,
    )
    fig.savefig(path, dpi=110)
    return fig


def _save_curves(result, path):
    """Training cross-entropy per epoch; False when no history records it."""
    from matplotlib.figure import Figure

    curves = {n: h["train_ce"] for n, h in result.histories.items() if "train_ce" in h}
    if not curves:
        return False
    fig = Figure(figsize=(7, 4), layout="constrained")
    ax = fig.add_subplot()
    for name, curve in curves.items():
        ax.plot(curve.index, curve, label=name)
    ax.set_xlabel("epoch")
    # Not each model's training loss: those are different objectives (the
    # distillation terms and their weights differ), not comparable on one axis.
    ax.set_ylabel("training cross-entropy")
    ax.set_yscale("log")
    ax.legend(fontsize=7)
    ax.set_title("Cross-entropy on the training labels, first seed")
    fig.savefig(path, dpi=110)
    return True


def write_report(result, config, output, command=None):
    """Write ``report.md``, ``results.csv``, ``summary.csv``, ``config.toml`` and figures.

    Safe to call again as runs finish: every file is rewritten whole.
    """
    output = Path(output)
    output.mkdir(parents=True, exist_ok=True)
    (output / "config.toml").write_text(config.to_toml())
    result.runs.to_csv(output / "results.csv", index=False)
    summary = result.summary()
    summary.to_csv(output / "summary.csv", index=False)

    figures = []
    if not result.runs.empty:
        _save_accuracy(result, config, output / FIGURES["accuracy"])
        figures.append(("Accuracy by method", FIGURES["accuracy"]))
    if result.confusion is not None:
        _save_confusion(result, output / FIGURES["confusion"])
        figures.append(("Confusion matrix", FIGURES["confusion"]))
    if result.gaf_examples is not None:
        _save_gaf(result, output / FIGURES["gaf"])
        figures.append(("GAF images", FIGURES["gaf"]))
    if result.histories and _save_curves(result, output / FIGURES["curves"]):
        figures.append(("Training cross-entropy", FIGURES["curves"]))

    status = (
        "**Interrupted**: the table holds the models that finished."
        if result.interrupted
        else "Complete."
    )
    lines = [
        f"# vskdlearn: {config.dataset}, {config.protocol}",
        "",
        f"{status} Written {datetime.datetime.now().isoformat(timespec='seconds')}.",
        "",
        f"- teacher: {config.teacher_name}; student: {_student_text(config)}",
        f"- seeds: {config.seeds}; epochs: teacher {config.teacher_epochs}, "
        f"student {config.student_epochs}",
        f"- repeat with: `vskd run --config {output / 'config.toml'}`",
    ]
    if command:
        lines.append(f"- command: `{command}`")
    if config.grid:
        lines.append(
            f"- DASK tuned by GridSearchCV over {config.grid} with "
            f"GroupKFold({config.cv_folds}) on the training subjects"
        )
    lines += [
        "",
        "Accuracy and macro-F1 on the test split, mean ± std over seeds; Δ vs alone: "
        "at each seed, accuracy minus the student alone's, mean ± std over seeds "
        "(points); CPU ms per window at prediction (students: GAF encoding "
        "included).",
        "",
        format_table(summary) if not summary.empty else "(no model finished)",
        "",
    ]
    lines += [f"- {note}" for note in result.notes]
    if result.notes:
        lines.append("")
    if config.grid and not result.runs.empty:
        tuned = result.runs[result.runs["best_params"] != ""]
        for row in tuned.itertuples():
            lines.append(f"- seed {row.seed}: chosen {row.best_params}")
        lines.append("")
    lines += [f"![{title}]({file})\n" for title, file in figures]
    lines += ["## Environment", ""]
    lines += [f"- {k}: {v}" for k, v in environment().items()]
    (output / "report.md").write_text("\n".join(lines) + "\n")
    return output / "report.md"
