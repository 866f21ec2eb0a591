"""The steps every loader of a released dataset shares.

A loader (``load_utd_mhad``, ``load_berkeley_mhad``, ``load_mmact``) checks
its own arguments, then hands a :class:`DatasetLoader` subclass, which holds
what is particular to its dataset (file names, parser, units, protocols), to
:meth:`DatasetLoader.load`, which runs the shared steps in order:

1. check the root folder;
2. index the files under it (:meth:`~DatasetLoader.index`);
3. list the expected recordings, with a row per missing one
   (:meth:`~DatasetLoader.recordings`);
4. read each recording (:meth:`~DatasetLoader.read`), through the on-disk
   cache when asked, leaving out unreadable ones with ``on_error="warn"``;
5. warn about the missing and the unreadable recordings;
6. turn the parsed arrays into the dataset's attributes, in its units
   (:meth:`~DatasetLoader.attributes`);
7. stack them, with the dtype the registry of modality kinds gives;
8. bundle them with the labels, factors and protocols
   (:meth:`~DatasetLoader.describe`) into an :class:`ActivityDataset`.
"""

from .._docs import fill_docs
from .._modality_kinds import MODALITY_KINDS, kind_named
from . import _cache
from ._base import (
    ActivityDataset,
    check_root,
    missing_table,
    read_recordings,
    stack_or_objects,
    warn_missing,
)

__all__ = ["DatasetLoader", "protocol", "shared_parameter_docs"]

# Parameter docs every loader shares, written once: a loader's docstring
# holds the placeholder line and :func:`shared_parameter_docs` fills it in.
_SHARED_DOCS = {
    "cache_and_data_home": """\
cache : bool or path-like, default=False
    Keep the parsed arrays on disk (``True``: in ``<data_home>/cache``;
    or in the folder given) and reuse them while no input file changed
    (its path, size, times and, for small files, content are checked).
data_home : str or path-like, optional
    See :func:`~vskdlearn.datasets.get_data_home`.
"""
}


def shared_parameter_docs(loader):
    """Fill the shared parameter docs into ``loader``'s docstring."""
    return fill_docs(loader, _SHARED_DOCS)


def protocol(factor, train, test, description):
    """One rule of :meth:`ActivityDataset.split`: ``factor`` values each side."""
    return {
        "factor": factor,
        "train": tuple(train),
        "test": tuple(test),
        "description": description,
    }


class DatasetLoader:
    """What one dataset's loader knows; :meth:`load` runs the shared steps.

    Parameters
    ----------
    options : dict
        The checked arguments that change the parsed arrays (part of the
        cache key), with at least ``on_error``, ``n_timestamps``, ``n_frames``.
    cache, data_home
        As the loaders take them.
    """

    #: The dataset's name in messages (``"UTD-MHAD"``).
    title = None
    #: ``ActivityDataset.name``, also the cache entries' prefix.
    name = None
    #: What ``root`` should hold, for the message when it does not exist.
    root_hint = None
    #: Every array name :meth:`read` may return.
    array_names = ()
    #: ``ActivityDataset.DESCR``.
    descr = ""

    def __init__(self, options, *, cache=False, data_home=None):
        self.options = options
        self.cache_dir = _cache.resolve_cache_dir(cache, data_home)
        self.root = None

    # -- the dataset's own parts ---------------------------------------------

    def index(self, root):
        """The files under ``root``, in whatever form :meth:`read` takes."""
        raise NotImplementedError

    def recordings(self, index):
        """``(keys, files, missing)``: recordings to read, their files, and
        a :func:`missing_table` row per expected recording left out."""
        raise NotImplementedError

    def read(self, index, key):
        """``(arrays, frame_row)`` of one recording."""
        raise NotImplementedError

    def recording_name(self, key):
        raise NotImplementedError

    def check_frame(self, frame):
        """Warn about what the frame table records (runs on cache hits too)."""

    def attributes(self, arrays, modalities):
        """Attribute name -> one array per recording, in the order to return.

        ``modalities`` is what the user asked for, in the loader's words.
        """
        return {name: arrays[name] for name in modalities}

    def units(self):
        return {}

    def channel_names(self):
        return {}

    def describe(self, frame):
        """``target``, ``target_names``, ``subject`` and the dataset's factors."""
        raise NotImplementedError

    def protocols(self):
        return {}

    # -- the shared steps ------------------------------------------------------

    def load(self, root, modalities):
        self.root = check_root(root, self.title, self.root_hint)
        index = self.index(self.root)
        keys, files, missing = self.recordings(index)

        def build():
            return read_recordings(
                keys,
                lambda key: self.read(index, key),
                self.recording_name,
                self.array_names,
                self.options["on_error"],
            )

        arrays, frame, extra = _cache.cached(
            self.name, self.options, files, self.cache_dir, build
        )
        missing = missing_table([*missing, *extra.get("unreadable", [])])
        warn_missing(missing, self.title)
        # From the frame, not while parsing: a load from the cache warns too.
        self.check_frame(frame)
        data = {
            name: self._stack(name, values)
            for name, values in self.attributes(arrays, modalities).items()
        }
        units, channels = self.units(), self.channel_names()
        return ActivityDataset(
            name=self.name,
            **data,
            **self.describe(frame),
            frame=frame,
            missing=missing,
            modality_names=tuple(data),
            units={k: v for k, v in units.items() if k in data},
            channel_names={k: v for k, v in channels.items() if k in data},
            DESCR=self.descr,
            protocol_rules=self.protocols(),
        )

    def _stack(self, name, values):
        kind = MODALITY_KINDS[kind_named(name)]
        ragged = self.options[kind.length_parameter] is None
        # Not list(values): a cache hit's stacked array is kept, not copied.
        return stack_or_objects(values, kind.dtype, ragged=ragged)
