"""A sample-aligned bundle of several modalities that indexes like one array.

A multimodal teacher sees, for each recording, e.g. a skeleton sequence *and*
an accelerometer window. scikit-learn splits ``X`` and sample-aligned metadata
(``teacher_X``) with ``_safe_indexing``, which understands arrays but not
dicts: a plain ``dict`` of arrays would be passed to every fold whole. This
container has a ``shape`` of ``(n_samples,)`` and indexes every modality at
once, so cross-validation, ``Pipeline`` and ``GridSearchCV`` split it exactly
like an array.
"""

from collections.abc import Mapping

import numpy as np

__all__ = ["Modalities"]


def _as_sample_array(value):
    if isinstance(value, np.ndarray):
        return value
    if hasattr(value, "to_numpy"):  # pandas objects
        return value.to_numpy()
    try:
        return np.asarray(value)
    except ValueError:
        # Variable-length recordings (e.g. ``n_timestamps=None``): keep one
        # object per sample so that fancy indexing still works.
        out = np.empty(len(value), dtype=object)
        out[:] = list(value)
        return out


class Modalities:
    """Sample-aligned arrays of several modalities, indexed together.

    Parameters
    ----------
    data : mapping of str to array-like, optional
        Modality name (``"skeleton"``, ``"accelerometer"``, ``"video"``, ...)
        to an array whose first axis is the sample axis.
    **modalities : array-like
        More modalities given as keyword arguments.

    Attributes
    ----------
    shape : tuple of int
        ``(n_samples,)``: what scikit-learn reads to count and split samples.

    Examples
    --------
    >>> import numpy as np
    >>> from vskdlearn import Modalities
    >>> X = Modalities(skeleton=np.zeros((4, 10, 20, 3)),
    ...                accelerometer=np.zeros((4, 3, 50)))
    >>> len(X), X.names
    (4, ('skeleton', 'accelerometer'))
    >>> X[[0, 2]]["skeleton"].shape
    (2, 10, 20, 3)
    """

    ndim = 1

    def __init__(self, data=None, /, **modalities):
        if data is not None and not isinstance(data, Mapping):
            raise TypeError(
                "Modalities takes a mapping of modality name to array, e.g. "
                "Modalities(skeleton=X_skel, accelerometer=X_acc); got "
                f"{type(data).__name__}."
            )
        merged = {**dict(data or {}), **modalities}
        if not merged:
            raise ValueError(
                "Modalities needs at least one modality, e.g. "
                "Modalities(skeleton=X_skel)."
            )
        arrays = {str(k): _as_sample_array(v) for k, v in merged.items()}
        lengths = {k: len(v) for k, v in arrays.items()}
        if len(set(lengths.values())) > 1:
            raise ValueError(
                "All modalities must have the same number of samples (they are "
                f"sample-aligned recordings); got {lengths}."
            )
        self._arrays = arrays

    @property
    def names(self):
        """Modality names, in insertion order."""
        return tuple(self._arrays)

    @property
    def shape(self):
        return (len(next(iter(self._arrays.values()))),)

    def __len__(self):
        return self.shape[0]

    def keys(self):
        return self._arrays.keys()

    def values(self):
        return self._arrays.values()

    def items(self):
        return self._arrays.items()

    def __contains__(self, name):
        return name in self._arrays

    def __getitem__(self, key):
        if isinstance(key, str):
            try:
                return self._arrays[key]
            except KeyError:
                raise KeyError(
                    f"No modality {key!r}; this bundle holds {list(self._arrays)}."
                ) from None
        # scikit-learn indexes with ``array[key, ...]``.
        if isinstance(key, tuple):
            if len(key) == 2 and key[1] is Ellipsis:
                key = key[0]
            else:
                raise IndexError(
                    "Modalities index only along the sample axis: use "
                    "bundle[indices] or bundle['modality']."
                )
        if isinstance(key, (int, np.integer)):
            key = [key]
        return Modalities({k: v[key] for k, v in self._arrays.items()})

    def __eq__(self, other):
        return (
            isinstance(other, Modalities)
            and self.names == other.names
            and all(np.array_equal(self[k], other[k]) for k in self.names)
        )

    __hash__ = None

    def __repr__(self):
        parts = ", ".join(
            f"{k}={getattr(v, 'shape', len(v))}" for k, v in self._arrays.items()
        )
        return f"Modalities({parts})"
