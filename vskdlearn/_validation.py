"""Input checks shared by the transformer and the estimators."""

import numpy as np

__all__ = ["check_not_ragged"]

_HOW_TO_RESAMPLE = (
    "Resample the recordings to one length first: have the loader do it "
    "(e.g. load_utd_mhad(root, n_timestamps=128, n_frames=32); the same "
    "n_timestamps= / n_frames= options exist on every loader), or resample "
    "each recording yourself (e.g. scipy.signal.resample) and np.stack them."
)


def _shape(value):
    try:
        return np.shape(value)
    except ValueError:  # itself ragged, e.g. [[1, 2], [3]]
        return None


def _is_recording(value):
    return hasattr(value, "shape") or isinstance(value, (list, tuple))


def _some(shapes, limit=3):
    shown = sorted({s for s in shapes if s is not None})[:limit]
    return ", ".join(str(s) for s in shown)


def check_not_ragged(X, input_name, estimator_name):
    """Refuse one-array-per-recording input with a message on how to resample.

    Variable-length recordings (the loaders' ``n_timestamps=None`` /
    ``n_frames=None`` object arrays, lists of arrays of different lengths,
    sktime's nested DataFrames) are not one array of windows, and numpy's own
    error on them ("setting an array element with a sequence") says neither
    what is wrong nor what to do. Resampling them here instead would pick a
    length and an interpolation for the user, which the loaders already do
    explicitly (aligning modalities by their time stamps).
    """
    if hasattr(X, "iloc") and hasattr(X, "dtypes"):  # pandas
        cells = X.to_numpy().ravel()
        if X.size and X.to_numpy().dtype == object and _is_recording(cells[0]):
            raise ValueError(
                f"{input_name} is a nested DataFrame (one series per cell, sktime's "
                f"nested format); {estimator_name} takes a 3-D array (n_samples, "
                "n_channels, n_timestamps) of equal-length series, e.g. from "
                "sktime's from_nested_to_3d_numpy. " + _HOW_TO_RESAMPLE
            )
        return
    if isinstance(X, np.ndarray):
        if X.dtype != object or not X.size or not _is_recording(X.flat[0]):
            return
        shapes = [_shape(x) for x in X.ravel()]
        what = "an object array with one array per recording"
    elif isinstance(X, (list, tuple)) and X and _is_recording(X[0]):
        shapes = [_shape(x) for x in X]
        if None not in shapes and len(set(shapes)) == 1:
            return  # nested lists of one shape: an ordinary array
        what = "a list of recordings"
    else:
        return
    if None not in shapes and len(set(shapes)) == 1:
        raise ValueError(
            f"{input_name} is {what}, all of shape {shapes[0]}; {estimator_name} "
            f"takes them stacked in one array: np.stack(list({input_name}))."
        )
    raise ValueError(
        f"{input_name} is {what} of different lengths (shapes such as "
        f"{_some(shapes)}), as the loaders give with n_timestamps=None or "
        f"n_frames=None; {estimator_name} takes one array of equal-length "
        "recordings. " + _HOW_TO_RESAMPLE
    )
