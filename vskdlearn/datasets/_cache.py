"""On-disk cache of parsed recordings, keyed by the files they came from.

The key hashes the loader's name, the package version (a new release never
serves arrays parsed by older code), the options that change the arrays,
and for every input file its path, device, inode, size, modification and
status-change times, and its content when it is small (see
:func:`cache_key`), so a changed, added or removed file invalidates the entry.

An entry is ``<loader>-<key>.npz`` (the frame table, the metadata and the
modalities whose recordings differ in length, stored concatenated with their
lengths) and, for each modality whose recordings all have one shape, the
recordings already stacked in ``<loader>-<key>.<modality>.npy``. Nothing is
pickled, so loading an entry never runs code. A hit maps the ``.npy`` files
into memory copy-on-write (as ``mmap_mode="c"`` does): the load reads no
array data, pages are read from the file when first used, and the arrays
returned are ordinary, writable ``numpy.ndarray`` whose changes stay in the
process and never reach the file. Every file is written under a temporary
name and renamed, the ``.npz`` last, so a reader never sees half an entry
and a mapped file is never rewritten in place (deleting cache files is safe
while arrays loaded from them are in use; truncating them is not).
"""

import hashlib
import json
import mmap
import os
import tempfile
import warnings
from pathlib import Path

import numpy as np
import pandas as pd

import vskdlearn

from ._base import user_stacklevel
from ._fetch import get_data_home

# 2: equal-shape modalities stacked in memory-mapped .npy files beside the .npz.
CACHE_FORMAT = 2


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
# sensor, skeleton and time-stamp file of the releases (a few kB each) and
# UTD-MHAD's compressed depth files (about 200 kB; hashing all 861 takes a
# fraction of a second); videos are keyed by their status only.
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


def sidecar(path, name):
    """The ``.npy`` file of modality ``name`` beside the entry ``path``."""
    return path.with_name(f"{path.stem}.{name}.npy")


def _write_atomically(path, write):
    # Write to a temporary file first: a reader never sees half a file.
    handle, tmp = tempfile.mkstemp(dir=path.parent, suffix=f"{path.suffix}.tmp")
    os.close(handle)
    try:
        with open(tmp, "wb") as stream:
            write(stream)
        os.replace(tmp, path)
    finally:
        if os.path.exists(tmp):
            os.remove(tmp)


def _write_stacked(stream, items, dtype):
    # One recording at a time: no stacked copy of the data in memory.
    shape = (len(items), *items[0].shape)
    header = {"descr": np.lib.format.dtype_to_descr(dtype), "fortran_order": False}
    np.lib.format.write_array_header_1_0(stream, {**header, "shape": shape})
    for item in items:
        stream.write(np.ascontiguousarray(item, dtype=dtype).data)


def save(path, modalities, frame, extra):
    """``modalities``: name -> list of arrays, one per recording."""
    arrays, stacked = {}, {}
    for name, items in modalities.items():
        if len({item.shape for item in items}) == 1:
            dtype = np.result_type(*{item.dtype for item in items})
            stacked[name] = (items, dtype)
        else:
            _pack(name, items, arrays)
    for column in frame.columns:
        values = frame[column].to_numpy()
        if values.dtype == object:
            values = values.astype(str)
        arrays[f"f:{column}"] = values
    shapes = {
        name: [[len(items), *items[0].shape], dtype.str]
        for name, (items, dtype) in stacked.items()
    }
    meta = {"columns": list(frame.columns), "stacked": shapes, **extra}
    arrays["meta"] = np.array(json.dumps(meta))
    path.parent.mkdir(parents=True, exist_ok=True)
    # The .npz last: it names the .npy files, which are complete by then.
    for name, (items, dtype) in stacked.items():
        _write_atomically(
            sidecar(path, name), lambda s, i=items, d=dtype: _write_stacked(s, i, d)
        )
    _write_atomically(path, lambda stream: np.savez(stream, **arrays))


def _map(path, shape, dtype):
    """The ``.npy`` file ``path``, mapped copy-on-write, checked against its entry.

    Mapped with :mod:`mmap` rather than ``np.load(mmap_mode="c")``: joblib
    sends an array backed by a ``numpy.memmap`` to its workers as a
    reference to the file, which would drop what the user wrote into the
    array; backed by a plain mapping, it is sent as the values it holds.
    """
    with open(path, "rb") as stream:
        if np.lib.format.read_magic(stream) != (1, 0):
            raise ValueError(f"{path}: not the .npy version the cache writes")
        stored = np.lib.format.read_array_header_1_0(stream)
        offset, size = stream.tell(), os.fstat(stream.fileno()).st_size
        count = int(np.prod(shape))
        if (
            stored != (tuple(shape), False, np.dtype(dtype))
            or offset + count * np.dtype(dtype).itemsize != size
        ):
            raise ValueError(f"{path} does not match its entry")
        # Copy-on-write: writable arrays whose changes never reach the file.
        buffer = mmap.mmap(stream.fileno(), 0, access=mmap.ACCESS_COPY)
    return np.frombuffer(buffer, dtype, count, offset).reshape(shape)


def load(path):
    """Return (modalities, frame, extra) or None if the entry is unusable.

    A modality stored stacked comes back as one array of all recordings
    (memory-mapped), the others as lists of arrays, one per recording.
    The ``.npz`` is checked against its checksums; of the ``.npy`` files,
    the header, shape, dtype and size only (a checksum would read every
    byte of the data, which the mapping exists to avoid).
    """
    try:
        with np.load(path, allow_pickle=False) as content:
            arrays = {key: content[key] for key in content.files}
        meta = json.loads(str(arrays.pop("meta")))
        columns = meta.pop("columns")
        frame = pd.DataFrame({c: arrays[f"f:{c}"] for c in columns})
        modalities = {
            name: _map(sidecar(path, name), shape, dtype)
            for name, (shape, dtype) in meta.pop("stacked").items()
        }
    except Exception:  # a damaged entry (zipfile, json, numpy, OS errors): rebuild
        return None
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
