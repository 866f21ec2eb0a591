"""The dataset container, resampling on normalised time, and shared checks."""

import inspect
import os
import warnings
from numbers import Integral
from pathlib import Path

import numpy as np
import pandas as pd
from sklearn.utils import Bunch
from sklearn.utils._param_validation import Interval, StrOptions, make_constraint

__all__ = [
    "ActivityDataset",
    "AlignmentFallbackWarning",
    "ClippedValuesWarning",
    "DatasetFileError",
    "MissingRecordingsWarning",
]


NOT_FOUND_AT_ALL = "no file of this recording"
_HERE = os.path.dirname(os.path.abspath(__file__))


def user_stacklevel():
    """The ``stacklevel`` that points a warning at the loader's caller.

    Counts the frames up to the first outside :mod:`vskdlearn.datasets`, so
    a warning names the user's line however deep in the shared loader steps
    it is raised.
    """
    frame, level = inspect.currentframe().f_back, 1
    while frame is not None and os.path.dirname(frame.f_code.co_filename) == _HERE:
        frame, level = frame.f_back, level + 1
    return level


class MissingRecordingsWarning(UserWarning):
    """Some expected recordings were not found or could not be read.

    The warning message lists them; ``dataset.missing`` holds the same list
    as a table (one row per recording, with the reason).
    """


class ClippedValuesWarning(UserWarning):
    """Some sensor values were beyond the sensor's range and were clipped.

    The warning message lists the recordings; ``frame["n_clipped"]`` counts
    the clipped values of each, and ``clip=None`` keeps them as recorded.
    """


class AlignmentFallbackWarning(UserWarning):
    """Some recordings were aligned by normalised time, not their time stamps.

    The warning message lists them; ``frame["alignment"]`` says how each
    recording was aligned.
    """


class DatasetFileError(ValueError):
    """A data file exists but cannot be parsed (corrupt, truncated, not numeric).

    The message names the file. Pass ``on_error="warn"`` to the loader to skip
    such recordings (they are then listed in ``dataset.missing``). Also raised,
    naming both files, when the data home holds a recording twice (two copies
    of the dataset under one root).
    """


class ActivityDataset(Bunch):
    """Sample-aligned recordings of one activity dataset, with its protocols.

    A :class:`sklearn.utils.Bunch` (a dict whose keys are also attributes)
    returned by every loader in :mod:`vskdlearn.datasets`. Row ``i`` of every
    modality array, of ``target``, ``subject`` and of ``frame`` describes the
    same recording.

    Attributes
    ----------
    <modality> : ndarray
        One attribute per loaded modality, named in the user's words:
        ``accelerometer`` (n, n_channels, n_timestamps) float32,
        ``gyroscope`` (n, n_channels, n_timestamps) float32, ``skeleton``
        (n, n_frames, n_joints, 3) float32, ``video`` (n, n_frames, n_colors,
        height, width) uint8 in 0..255, ``depth`` (n, n_frames, height,
        width). With ``n_timestamps=None`` / ``n_frames=None`` the loaders keep
        each recording's own length and the attribute is a 1-D object array
        of per-recording arrays.
    target : ndarray of int, shape (n,)
        Class index in ``0 .. len(target_names) - 1``.
    target_names : ndarray of str
        Class names, indexed by ``target``.
    subject : ndarray of int, shape (n,)
        Subject number as in the authors' file names (``-1`` where unknown).
    frame : pandas.DataFrame
        One row per recording: factors (subject, trial / repetition / scene /
        session), file paths, native lengths, alignment notes.
    modality_names : tuple of str
        Names of the loaded modality attributes.
    protocols : tuple of str
        Names accepted by :meth:`split`.
    missing : pandas.DataFrame
        Expected recordings that are not in the dataset, with the reason
        (absent from the official release, file not found, unreadable).
    units, channel_names : dict
        Units and channel names per modality.
    DESCR : str
        Description, citation and layout of the dataset.
    """

    def __init__(self, *, protocol_rules=None, **kwargs):
        super().__init__(**kwargs)
        rules = dict(protocol_rules or {})
        object.__setattr__(self, "_protocol_rules", rules)
        self["protocols"] = tuple(rules)

    # Bunch drops instance state on unpickling; the protocol rules live there.
    def __setstate__(self, state):
        if state:
            self.__dict__.update(state)

    def __repr__(self):
        parts = []
        for name in self.get("modality_names", ()):
            value = self[name]
            if value.dtype == object:
                parts.append(f"{name}: {len(value)} variable-length recordings")
            else:
                parts.append(f"{name}: {value.shape} {value.dtype}")
        n = len(self["target"]) if "target" in self else 0
        body = "; ".join(parts)
        return (
            f"ActivityDataset({self.get('name', '?')!r}, n_samples={n}, "
            f"n_classes={len(self.get('target_names', ()))}, {body}, "
            f"protocols={self.get('protocols', ())})"
        )

    def split(self, name, *, test=None):
        """Train and test indices of a standard evaluation protocol.

        Parameters
        ----------
        name : str
            One of ``self.protocols`` (e.g. ``"cross_subject"``).
        test : sequence, optional
            Values of the protocol's factor to hold out instead of the
            standard ones (every other value is then used for training), e.g.
            ``split("cross_subject", test=[8])``.

        Returns
        -------
        train, test : ndarray of int
            Indices into the sample axis, sorted.
        """
        rule = self._protocol_rule(name)
        values = np.asarray(self[rule["factor"]])
        if test is None:
            train_mask = np.isin(values, rule["train"])
            test_mask = np.isin(values, rule["test"])
        else:
            test_values = np.atleast_1d(np.asarray(test))
            unknown = np.setdiff1d(test_values, np.unique(values))
            if unknown.size:
                raise ValueError(
                    f"test={test_values.tolist()} names {rule['factor']} values "
                    f"that are not in this dataset ({unknown.tolist()}); it holds "
                    f"{np.unique(values).tolist()}."
                )
            test_mask = np.isin(values, test_values)
            train_mask = ~test_mask
        return np.flatnonzero(train_mask), np.flatnonzero(test_mask)

    def protocol_description(self, name):
        """One sentence saying what ``split(name)`` trains and tests on."""
        return self._protocol_rule(name)["description"]

    def _protocol_rule(self, name):
        rules = self.__dict__.get("_protocol_rules", {})
        if name not in rules:
            raise ValueError(
                f"Unknown protocol {name!r} for this dataset; available protocols "
                f"are {tuple(rules)}."
            )
        return rules[name]

    def modalities(self, *names):
        """Bundle several modality attributes for a multimodal teacher.

        Parameters
        ----------
        *names : str
            Modality attribute names (default: every loaded modality).

        Returns
        -------
        vskdlearn.Modalities
            Indexes like one array, so scikit-learn splits it with ``X``.
        """
        from ..modalities import Modalities

        loaded = tuple(self.get("modality_names", ()))
        names = names or loaded
        unknown = [n for n in names if n not in loaded]
        if unknown:
            raise ValueError(
                f"No modality {unknown} in this dataset; loaded modalities are "
                f"{loaded}. Load them first, e.g. modalities=(...)."
            )
        return Modalities({n: self[n] for n in names})


# Loader arguments, as scikit-learn's constraint objects (what ``validate_params``
# reads) with the phrase our messages give. A bool satisfies none of them: it
# is no count, range or option.
LENGTH = ([Interval(Integral, 1, None, closed="left"), None], "a positive int or None")
ON_ERROR = ([StrOptions({"raise", "warn"})], "'raise' or 'warn'")


def check_arguments(rules, **values):
    """Check ``values`` against ``rules``: name -> (constraints, phrase).

    Raises ``ValueError("<name> must be <phrase>, got <value>.")`` for the
    first value that satisfies none of its constraints.
    """
    for name, value in values.items():
        constraints, phrase = rules[name]
        satisfied = not isinstance(value, (bool, np.bool_)) and any(
            make_constraint(c).is_satisfied_by(value) for c in constraints
        )
        if not satisfied:
            raise ValueError(f"{name} must be {phrase}, got {value!r}.")


def check_on_error(on_error):
    check_arguments({"on_error": ON_ERROR}, on_error=on_error)


def check_length(value, name):
    check_arguments({name: LENGTH}, **{name: value})
    return None if value is None else int(value)


def check_size(value, name="video_size"):
    if value is None:
        return None
    try:
        height, width = (int(v) for v in value)
    except (TypeError, ValueError):
        raise ValueError(
            f"{name} must be (height, width) or None, got {value!r}."
        ) from None
    if height < 1 or width < 1:
        raise ValueError(f"{name} must be positive, got {value!r}.")
    return height, width


def check_root(root, dataset, hint):
    """Expand ``~`` and check that the dataset folder exists."""
    if root is None:
        raise ValueError(f"Give the folder holding {dataset} ({hint}).")
    path = Path(os.path.expanduser(os.fspath(root)))
    if not path.is_dir():
        raise FileNotFoundError(f"{dataset} folder not found: {path}. Expected {hint}.")
    return path.resolve()


def walk(root, dataset, on_error):
    """``os.walk`` for the loaders' file indexes, with nothing silent.

    Symbolic links to folders are followed (a copy whose ``Inertial/`` links
    to another disk is a normal layout), each real folder once, so a link
    loop ends. A folder that cannot be listed would otherwise be skipped
    silently and its recordings reported as missing files: it stops the load
    (``on_error="raise"``) or is named in a :class:`MissingRecordingsWarning`.
    """
    seen, unreadable = set(), []
    for folder, dirs, files in os.walk(
        root, onerror=unreadable.append, followlinks=True
    ):
        try:
            status = os.stat(folder)
        except OSError as exc:
            unreadable.append(exc)
            dirs[:] = []
            continue
        if (status.st_dev, status.st_ino) in seen:
            dirs[:] = []  # reached again through a link
            continue
        seen.add((status.st_dev, status.st_ino))
        yield folder, dirs, files
    if not unreadable:
        return
    folders = [f"{exc.filename} ({exc.strerror or exc})" for exc in unreadable]
    if on_error == "raise":
        first = unreadable[0]
        error = PermissionError if isinstance(first, PermissionError) else OSError
        raise error(
            f"{dataset}: cannot read the folder(s)\n{listing(folders)}\nunder "
            f"{root}, so the recordings in them would look missing. Give read "
            f"access (e.g. chmod -R u+rX '{first.filename}'), or pass "
            "on_error='warn' to load the rest."
        )
    warnings.warn(
        f"{dataset}: cannot read the folder(s)\n{listing(folders)}\nunder {root}; "
        "the recordings in them are left out (listed as missing files).",
        MissingRecordingsWarning,
        stacklevel=user_stacklevel(),
    )


def check_modalities(modalities, allowed, dataset):
    if isinstance(modalities, str):
        modalities = (modalities,)
    modalities = tuple(modalities)
    unknown = [m for m in modalities if m not in allowed]
    if unknown or not modalities:
        raise ValueError(
            f"Unknown {dataset} modalities {unknown}; choose among {tuple(allowed)}."
        )
    return tuple(dict.fromkeys(modalities))


def clean_times(times, values):
    """Sort by time and average samples that share a time stamp.

    ``values`` has time on axis 0. Returns float64 times and values.
    """
    times = np.asarray(times, dtype=np.float64)
    values = np.asarray(values, dtype=np.float64)
    order = np.argsort(times, kind="stable")
    times, values = times[order], values[order]
    unique, inverse, counts = np.unique(times, return_inverse=True, return_counts=True)
    if unique.size == times.size:
        return times, values
    summed = np.zeros((unique.size,) + values.shape[1:])
    np.add.at(summed, inverse, values)
    return unique, summed / counts.reshape((-1,) + (1,) * (values.ndim - 1))


def samples_in_window(times, window, count):
    """How many of ``times`` fall in ``window`` (at least 2); ``count`` without one."""
    if times is None or window is None:
        return count
    return max(int(((times >= window[0]) & (times <= window[1])).sum()), 2)


def interpolate(values, times, new_times, axis=0, kind="linear"):
    """Resample ``values`` (time on ``axis``) at ``new_times``.

    Linear interpolation between neighbours (``kind="linear"``) or the
    nearest sample (``kind="nearest"``, for images). Outside the recorded
    span the edge sample is held. ``times`` must be increasing.
    """
    values = np.moveaxis(np.asarray(values), axis, 0)
    times = np.asarray(times, dtype=np.float64)
    new_times = np.asarray(new_times, dtype=np.float64)
    n = times.size
    if n == 1:
        out = np.repeat(values[:1], new_times.size, axis=0)
        return np.moveaxis(out, 0, axis)
    if kind == "nearest":
        right = np.clip(np.searchsorted(times, new_times), 1, n - 1)
        left = right - 1
        pick = np.where(
            np.abs(new_times - times[left]) <= np.abs(times[right] - new_times),
            left,
            right,
        )
        return np.moveaxis(values[pick], 0, axis)
    left = np.clip(np.searchsorted(times, new_times, side="right") - 1, 0, n - 2)
    span = times[left + 1] - times[left]
    weight = np.clip((new_times - times[left]) / span, 0.0, 1.0)
    weight = weight.reshape((-1,) + (1,) * (values.ndim - 1))
    out = values[left] * (1.0 - weight) + values[left + 1] * weight
    return np.moveaxis(out, 0, axis)


def normalised_times(n):
    """Times of ``n`` evenly spaced samples on the normalised span [0, 1]."""
    return np.linspace(0.0, 1.0, n) if n > 1 else np.zeros(1)


def stack_or_objects(items, dtype, ragged=False):
    """Stack equal-shaped arrays, or keep one array per recording.

    ``ragged=True`` (lengths kept as recorded) always gives a 1-D object
    array, even where the lengths happen to agree, so its type does not
    depend on the data. ``items`` may also be the recordings stacked
    already (a cache hit): they are then kept as they are, not copied,
    unless ``dtype`` differs.
    """
    if isinstance(items, np.ndarray) and items.dtype != object:
        if not ragged:
            return items.astype(dtype, copy=False)
        items = list(items)
    shapes = {item.shape for item in items}
    if len(shapes) == 1 and items and not ragged:
        return np.stack(items).astype(dtype, copy=False)
    out = np.empty(len(items), dtype=object)
    out[:] = [item.astype(dtype, copy=False) for item in items]
    return out


def resize_image(image, size, method="area"):
    """Shrink (..., H, W) images to ``size``; area mean or nearest sample.

    Depth maps use ``"nearest"``: averaging across an edge invents depths
    that no surface has.
    """
    if size is None:
        return image
    height, width = size
    in_h, in_w = image.shape[-2:]
    if (in_h, in_w) == (height, width):
        return image
    if method == "area" and in_h >= height and in_w >= width:
        fh, fw = in_h // height, in_w // width
        if fh > 1 or fw > 1:
            crop = image[..., : (in_h // fh) * fh, : (in_w // fw) * fw]
            shape = crop.shape[:-2] + (in_h // fh, fh, in_w // fw, fw)
            image = crop.reshape(shape).mean(axis=(-3, -1))
            in_h, in_w = image.shape[-2:]
    rows = np.minimum(((np.arange(height) + 0.5) * in_h / height).astype(int), in_h - 1)
    cols = np.minimum(((np.arange(width) + 0.5) * in_w / width).astype(int), in_w - 1)
    return image[..., rows[:, None], cols[None, :]]


def missing_table(rows):
    """``rows``: list of dicts with at least ``recording`` and ``reason``."""
    columns = ["recording", "modality", "reason", "official"]
    frame = pd.DataFrame(rows, columns=columns)
    if frame.empty:
        return frame.astype({"official": bool})
    return frame.reset_index(drop=True)


def listing(lines, limit=20, more=""):
    """The first ``limit`` lines, indented, then how many were left off.

    Warnings list recordings this way so that a copy missing thousands of
    files still gives a message one can read.
    """
    lines = list(lines)
    shown = [f"  {line}" for line in lines[:limit]]
    if len(lines) > limit:
        shown.append(f"  ... and {len(lines) - limit} more{more}")
    return "\n".join(shown)


def warn_missing(missing, dataset):
    """Warn about missing recordings that the official release does have.

    Recordings with some of their files present come first: those are the
    surprising ones (a copy interrupted, a file deleted); recordings with no
    file at all usually mean a partial download.
    """
    unexpected = missing[~missing["official"].astype(bool)]
    if unexpected.empty:
        return
    whole = unexpected["reason"].str.startswith(NOT_FOUND_AT_ALL)
    ordered = pd.concat([unexpected[~whole], unexpected[whole]])
    lines = [
        f"{row.recording} ({row.modality}): {row.reason}"
        if row.modality
        else f"{row.recording}: {row.reason}"
        for row in ordered.itertuples()
    ]
    n_partial = unexpected.loc[~whole, "recording"].nunique()
    n_whole = unexpected.loc[whole, "recording"].nunique()
    warnings.warn(
        f"{dataset}: {n_partial + n_whole} expected recording(s) were left out: "
        f"{n_partial} with a requested file missing or unreadable, {n_whole} with "
        "no file at all (a partial copy?):\n"
        + listing(lines, 50, " (see dataset.missing)")
        + "\nThey are listed in the returned dataset's `missing` table.",
        MissingRecordingsWarning,
        stacklevel=user_stacklevel(),
    )


def read_recordings(keys, read_one, name_of, names, on_error):
    """Read every recording, one ``read_one(key) -> (arrays, frame_row)`` each.

    A :class:`DatasetFileError` stops the load (``on_error="raise"``) or, with
    ``on_error="warn"``, leaves that recording out and lists it as unreadable
    for the loader's missing-recordings report: nothing is dropped silently.

    Returns
    -------
    arrays : dict of str to list
        Per modality in ``names``, one array per recording read (modalities
        no recording had are left out).
    frame : pandas.DataFrame
        The rows, in the order of ``keys``.
    extra : dict
        ``{"unreadable": [...]}``, rows for the missing table.
    """
    arrays = {name: [] for name in names}
    rows, unreadable = [], []
    for key in keys:
        try:
            parsed, row = read_one(key)
        except DatasetFileError as exc:
            if on_error == "raise":
                raise
            unreadable.append(
                {
                    "recording": name_of(key),
                    "modality": "",
                    "reason": f"unreadable: {exc}",
                    "official": False,
                }
            )
            continue
        for name, value in parsed.items():
            arrays[name].append(value)
        rows.append(row)
    arrays = {name: value for name, value in arrays.items() if value}
    return arrays, pd.DataFrame(rows), {"unreadable": unreadable}


def read_error(path, reason):
    return DatasetFileError(f"Could not read {path}: {reason}")


MIN_SAMPLES = 2


def check_enough_samples(count, path, what="samples"):
    """Refuse a recording too short to be a series; every loader applies it.

    One sample (or frame) resampled to ``n_timestamps`` is a constant window
    that looks like data; kept as recorded it is no series either. Raised as
    a :class:`DatasetFileError`, so ``on_error`` decides whether the load
    stops or lists the recording as unreadable.
    """
    if count < MIN_SAMPLES:
        raise read_error(
            path,
            f"{count} {what}, fewer than {MIN_SAMPLES}: too short to be a "
            "recording over time (truncated file?)",
        )


def resample_on_normalised_time(values, n, times=None, kind="linear"):
    """Resample a recording (time on axis 0) to ``n`` samples over its span.

    The first and last samples map to normalised time 0 and 1 (by their time
    stamps where given, else by their index): different modalities of one
    recording are aligned this way whatever their rates. ``n=None`` returns
    the recording unchanged.
    """
    if n is None:
        return np.asarray(values)
    count = len(values)
    if times is None:
        times = normalised_times(count)
    else:
        times = np.asarray(times, dtype=np.float64)
        span = times[-1] - times[0]
        times = (times - times[0]) / span if span > 0 else normalised_times(count)
    return interpolate(values, times, normalised_times(n), axis=0, kind=kind)
