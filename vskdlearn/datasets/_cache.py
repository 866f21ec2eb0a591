"""On-disk cache of parsed recordings, keyed by the files they came from.

The key hashes the loader's name, the package version (a new release never
serves arrays parsed by older code), the options that change the arrays,
and for every input file its path, device, inode, size, modification and
status-change times, and its content when it is small (see
:func:`cache_key`), so a changed, added or removed file invalidates the entry. Entries are ``.npz``
files written without pickling (variable-length recordings are stored
concatenated, with their lengths), so loading an entry never runs code.
"""

import hashlib
import json
import os
import tempfile
import warnings
from pathlib import Path

import numpy as np
import pandas as pd

import vskdlearn

from ._base import user_stacklevel
from ._fetch import get_data_home

CACHE_FORMAT = 1


def resolve_cache_dir(cache, data_home):
    """``cache``: False/None (off), True (``<data_home>/cache``) or a folder."""
    if cache is None or cache is False:
        return None
    if cache is True:
        return Path(get_data_home(data_home)) / "cache"
    if isinstance(cache, (str, os.PathLike)):
        return Path(os.path.expanduser(os.fspath(cache)))
    raise ValueError(f"cache must be True, False or a folder path, got {cache!r}.")


# Files up to this size are keyed by their content too. That covers every
# sensor, skeleton and time-stamp file of the releases (a few kB each), so
# hashing them costs little beside a hit; videos and depth archives are keyed
# by their status only.
CONTENT_HASH_LIMIT = 1 << 20


def cache_key(loader, options, files):
    """Hash of the loader, package version, options and the files' identity.

    A file's identity is its path, device, inode, size, modification time and
    status-change time, plus its content when it has at most
    ``CONTENT_HASH_LIMIT`` bytes. The modification time alone is not enough:
    an in-place edit of the same size followed by ``touch -d``/``os.utime``
    restores it, but the status-change time (which no user call can set) and
    the content still move.
    """
    digest = hashlib.sha256()
    header = [loader, CACHE_FORMAT, vskdlearn.__version__, options]
    digest.update(json.dumps(header, default=str).encode())
    for path in sorted(str(f) for f in files):
        stat = os.stat(path)
        digest.update(
            f"{path}\0{stat.st_dev}\0{stat.st_ino}\0{stat.st_size}\0"
            f"{stat.st_mtime_ns}\0{stat.st_ctime_ns}\n".encode()
        )
        if stat.st_size <= CONTENT_HASH_LIMIT:
            with open(path, "rb") as stream:
                digest.update(hashlib.sha256(stream.read()).digest())
    return digest.hexdigest()[:32]


def _pack(name, items, arrays):
    # One concatenated array and the lengths along the axis that varies.
    shapes = np.array([item.shape for item in items])
    varying = np.flatnonzero((shapes != shapes[0]).any(axis=0))
    axis = int(varying[0]) if varying.size else 0
    arrays[f"v:{name}"] = np.concatenate(items, axis=axis)
    arrays[f"l:{name}"] = shapes[:, axis].astype(np.int64)
    arrays[f"x:{name}"] = np.array(axis)


def save(path, modalities, frame, extra):
    """``modalities``: name -> list of arrays, one per recording."""
    arrays = {}
    for name, value in modalities.items():
        _pack(name, value, arrays)
    for column in frame.columns:
        values = frame[column].to_numpy()
        if values.dtype == object:
            values = values.astype(str)
        arrays[f"f:{column}"] = values
    arrays["meta"] = np.array(json.dumps({"columns": list(frame.columns), **extra}))
    path.parent.mkdir(parents=True, exist_ok=True)
    # Write to a temporary file first: a reader never sees half an entry.
    handle, tmp = tempfile.mkstemp(dir=path.parent, suffix=".npz.tmp")
    os.close(handle)
    try:
        with open(tmp, "wb") as stream:
            np.savez(stream, **arrays)
        os.replace(tmp, path)
    finally:
        if os.path.exists(tmp):
            os.remove(tmp)


def load(path):
    """Return (modalities, frame, extra) or None if the entry is unusable."""
    try:
        with np.load(path, allow_pickle=False) as content:
            arrays = {key: content[key] for key in content.files}
        meta = json.loads(str(arrays.pop("meta")))
        columns = meta.pop("columns")
        frame = pd.DataFrame({c: arrays[f"f:{c}"] for c in columns})
    except Exception:  # a damaged entry (zipfile, json, numpy errors): rebuild
        return None
    modalities = {}
    for key, value in arrays.items():
        kind, _, name = key.partition(":")
        if kind == "v":
            bounds = np.cumsum(arrays[f"l:{name}"])[:-1]
            axis = int(arrays[f"x:{name}"])
            modalities[name] = np.split(value, bounds, axis=axis)
    return modalities, frame, meta


def cached(loader, options, files, cache_dir, build):
    """Return ``build()``'s result, from the cache when an entry matches."""
    if cache_dir is None:
        return build()
    path = Path(cache_dir) / f"{loader}-{cache_key(loader, options, files)}.npz"
    if path.exists():
        entry = load(path)
        if entry is not None:
            return entry
    result = build()
    try:
        save(path, *result)
    except OSError as exc:
        warnings.warn(
            f"Could not write the dataset cache {path} ({exc}); the data was "
            "loaded but will be parsed again next time.",
            stacklevel=user_stacklevel(),
        )
    return result
