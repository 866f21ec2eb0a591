"""Readers for the file formats of the authors' releases.

Every reader raises :class:`DatasetFileError` naming the file when its content
cannot be parsed, so that a loader can either stop or skip that recording.
"""

from pathlib import Path

import numpy as np
import pandas as pd

from ._base import check_enough_samples, clean_times, read_error

__all__ = [
    "read_mat_variable",
    "read_pgm",
    "read_video",
    "read_whitespace_table",
    "read_mmact_csv",
]


def read_mat_variable(path, variable, ndim):
    """One array from a MATLAB 5 ``.mat`` file, checked for shape and values."""
    import scipy.io

    try:
        content = scipy.io.loadmat(str(path), variable_names=[variable])
    except NotImplementedError as exc:  # MATLAB v7.3 (HDF5) files
        raise read_error(path, f"unsupported MATLAB file ({exc})") from None
    except Exception as exc:  # scipy raises many types on corrupt files
        raise read_error(
            path, f"not a readable MATLAB file ({type(exc).__name__}: {exc})"
        ) from None
    if variable not in content:
        found = sorted(k for k in content if not k.startswith("__"))
        raise read_error(path, f"no variable {variable!r} (found {found})")
    value = np.asarray(content[variable])
    if value.ndim != ndim or 0 in value.shape:
        raise read_error(
            path, f"{variable!r} has shape {value.shape}, expected {ndim} axes"
        )
    if value.dtype.kind not in "iuf":
        raise read_error(path, f"{variable!r} is not numeric ({value.dtype})")
    if value.dtype.kind == "f" and not np.isfinite(value).all():
        raise read_error(path, f"{variable!r} holds NaN or infinite values")
    return value


def read_whitespace_table(path, n_columns=None, min_columns=None):
    """Numbers separated by blanks, one row per line, as float64 (rows, cols)."""
    try:
        text = Path(path).read_text(encoding="ascii")
    except UnicodeDecodeError:
        raise read_error(path, "not a plain text table") from None
    rows, line_numbers = [], []
    for number, line in enumerate(text.splitlines(), start=1):
        fields = line.split()
        if fields:
            rows.append(fields)
            line_numbers.append(number)
    if not rows:
        raise read_error(path, "the file is empty")
    width = n_columns if n_columns is not None else len(rows[0])
    if min_columns is not None and width < min_columns:
        raise read_error(
            path, f"line {line_numbers[0]} has {width} fields, expected {min_columns}+"
        )
    for fields, number in zip(rows, line_numbers, strict=True):
        if len(fields) != width:
            raise read_error(
                path,
                f"line {number} has {len(fields)} fields, expected {width} "
                "(truncated or malformed row)",
            )
    try:
        table = np.array(rows, dtype=np.float64)
    except ValueError as exc:
        raise read_error(path, f"non-numeric value ({exc})") from None
    if not np.isfinite(table).all():
        raise read_error(path, "NaN or infinite values")
    return table


def read_large_whitespace_table(path, min_columns):
    """Like :func:`read_whitespace_table` for large files (pandas C parser)."""
    try:
        table = pd.read_csv(path, sep=r"\s+", header=None, dtype=np.float64)
    except pd.errors.EmptyDataError:
        raise read_error(path, "the file is empty") from None
    except (pd.errors.ParserError, ValueError, UnicodeDecodeError) as exc:
        raise read_error(path, f"malformed table ({str(exc).strip()})") from None
    values = table.to_numpy()
    if values.shape[1] < min_columns:
        raise read_error(
            path, f"{values.shape[1]} columns, expected at least {min_columns}"
        )
    if np.isnan(values).any():
        line = int(np.flatnonzero(np.isnan(values).any(axis=1))[0]) + 1
        raise read_error(path, f"row {line} is short or holds a non-number")
    return values


def read_pgm(path):
    """A binary (P5) or plain (P2) PGM image as a 2-D uint8/uint16 array."""
    data = Path(path).read_bytes()
    tokens, position = [], 0
    while len(tokens) < 4:
        while position < len(data) and data[position : position + 1].isspace():
            position += 1
        if data[position : position + 1] == b"#":
            while position < len(data) and data[position : position + 1] not in (
                b"\n",
                b"\r",
            ):
                position += 1
            continue
        start = position
        while position < len(data) and not data[position : position + 1].isspace():
            position += 1
        if start == position:
            raise read_error(path, "truncated PGM header")
        tokens.append(data[start:position])
    magic = tokens[0]
    if magic not in (b"P5", b"P2"):
        raise read_error(path, f"not a PGM image (magic {magic!r})")
    try:
        width, height, maxval = (int(t) for t in tokens[1:])
    except ValueError:
        raise read_error(path, "malformed PGM header") from None
    if width < 1 or height < 1 or not 0 < maxval < 65536:
        raise read_error(path, f"bad PGM size {width}x{height}, maxval {maxval}")
    dtype = np.dtype(np.uint8) if maxval < 256 else np.dtype(">u2")
    if magic == b"P5":
        body = data[position + 1 :]
        expected = width * height * dtype.itemsize
        if len(body) < expected:
            raise read_error(
                path, f"truncated image data ({len(body)} of {expected} bytes)"
            )
        image = np.frombuffer(body[:expected], dtype=dtype)
    else:
        try:
            image = np.array(data[position:].split(), dtype=np.int64)
        except ValueError:
            raise read_error(path, "non-numeric pixel in plain PGM") from None
        if image.size < width * height:
            raise read_error(path, "truncated image data")
        image = image[: width * height]
    out_dtype = np.uint8 if maxval < 256 else np.uint16
    return image.reshape(height, width).astype(out_dtype)


def _import_av():
    try:
        import av
    except ImportError:
        raise ImportError(
            "Reading video files (.avi, .mp4) needs PyAV, the FFmpeg bindings whose "
            "wheels include FFmpeg: pip install 'vskdlearn[video]' (or pip install "
            "av). Load the other modalities without 'video' in the meantime."
        ) from None
    return av


def read_video(path, size=None):
    """Decode every frame of a video file as RGB.

    Returns ``frames`` uint8 of shape (n_frames, 3, height, width), shrunk to
    ``size`` by area averaging, and the frame times in seconds (from the
    container's time stamps, or the frame index where they are absent).
    """
    av = _import_av()
    frames, times = [], []
    kwargs = {"format": "rgb24"}
    if size is not None:
        kwargs.update(height=size[0], width=size[1], interpolation="AREA")
    try:
        with av.open(str(path)) as container:
            if not container.streams.video:
                raise read_error(path, "no video stream")
            stream = container.streams.video[0]
            for frame in container.decode(stream):
                frames.append(frame.to_ndarray(**kwargs))
                times.append(frame.time)
    except av.error.FFmpegError as exc:
        if not frames:
            raise read_error(path, f"not a readable video ({exc})") from None
        # A truncated file: keep the frames decoded before the damage.
    if not frames:
        raise read_error(path, "no decodable video frame")
    check_enough_samples(len(frames), path, "decodable video frame(s)")
    if any(t is None for t in times) or np.any(np.diff(times) <= 0):
        times = np.arange(len(frames), dtype=np.float64)
    return np.stack(frames).transpose(0, 3, 1, 2), np.asarray(times, dtype=float)


def read_mmact_csv(path):
    """One MMAct sensor clip: ``time,x,y,z`` rows without a header.

    Returns
    -------
    times : ndarray of float64, shape (n,)
        Seconds since the Unix epoch, sorted, duplicates averaged away.
    values : ndarray of float64, shape (n, 3)
        The x, y, z columns as recorded.

    Notes
    -----
    Time stamps are ``YYYYMMDD_HH:MM:SS.ffffff`` and sometimes go backwards in
    the authors' files; rows are sorted by time and rows sharing a time stamp
    are averaged.
    """
    try:
        # No NA parsing: pandas would turn a written "nan" into a missing
        # field, reported as a short line.
        table = pd.read_csv(
            path, header=None, dtype=str, skip_blank_lines=True, keep_default_na=False
        )
    except pd.errors.EmptyDataError:
        raise read_error(path, "the file is empty") from None
    except (pd.errors.ParserError, UnicodeDecodeError) as exc:
        raise read_error(path, f"malformed CSV ({str(exc).strip()})") from None
    if table.shape[1] != 4:
        raise read_error(
            path, f"{table.shape[1]} columns, expected 4 (time,x,y,z) per row"
        )
    empty = (table.isna() | (table == "")).to_numpy()
    if empty.any():
        line = int(np.flatnonzero(empty.any(axis=1))[0]) + 1
        raise read_error(
            path, f"line {line} is short or has an empty field (expected time,x,y,z)"
        )
    try:
        stamps = pd.to_datetime(table[0], format="%Y%m%d_%H:%M:%S.%f")
    except (ValueError, TypeError) as exc:
        raise read_error(
            path, f"bad time stamp, expected YYYYMMDD_HH:MM:SS.ffffff ({exc})"
        ) from None
    try:
        values = table[[1, 2, 3]].to_numpy(dtype=np.float64)
    except ValueError as exc:
        raise read_error(path, f"non-numeric value ({exc})") from None
    if not np.isfinite(values).all():
        row, column = (int(i[0]) for i in np.nonzero(~np.isfinite(values)))
        raise read_error(
            path,
            f"line {row + 1} has {table.iat[row, column + 1]!r} as "
            f"{'xyz'[column]}: not a number (NaN) or infinite",
        )
    times = stamps.to_numpy().astype("datetime64[us]").astype(np.int64) / 1e6
    times, values = clean_times(times, values)
    check_enough_samples(len(times), path, "distinct time stamps")
    return times, values
