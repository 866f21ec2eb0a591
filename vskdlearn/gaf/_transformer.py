"""GAFTransformer: Gramian Angular Field images as a scikit-learn transformer."""

from numbers import Integral

import numpy as np
import torch
from joblib import effective_n_jobs
from sklearn.base import BaseEstimator, TransformerMixin
from sklearn.utils import metadata_routing
from sklearn.utils._param_validation import Interval, RealNotInt, StrOptions
from sklearn.utils.validation import check_array, check_is_fitted, validate_data

from .._torch_scope import torch_threads
from .._validation import check_not_ragged
from ._kernel import (
    check_sample_range,
    check_scaling,
    gramian_angular_field,
    paa_matrix,
    resolve_image_size,
    resolve_methods,
)
from ._layer import GAFLayer

# Chunk bounds for transform. The images are written straight into the output
# array (measured: the extra peak memory of a chunk is ~20% of its images), so a
# chunk only holds its series in float64 and O(image_size) values per series.
# Few, large chunks also mean few thread-pool synchronisations when n_jobs > 1.
_CHUNK_SERIES = 4096
_CHUNK_VALUES = 2**22  # float64 input values per chunk (32 MB)


def _first_index(mask):
    """(sample, channel, time step) of the first True in a 3-D mask."""
    return tuple(int(v) for v in np.argwhere(mask)[0])


class GAFTransformer(TransformerMixin, BaseEstimator):
    r"""Encode time series as Gramian Angular Field images.

    Each series (one channel of one window) is shortened to ``image_size``
    values by piecewise aggregate approximation (PAA), scaled into
    ``sample_range``, read as ``cos(phi)``, and turned into the Gramian
    Angular Summation Field ``cos(phi_i + phi_j)`` and/or Difference Field
    ``sin(phi_i - phi_j)``. With ``scaling="sample"`` the images equal
    ``pyts.image.GramianAngularField``'s, channel by channel, to 1e-5.

    Read more in the :doc:`User Guide </user_guide/gaf>`.

    Parameters
    ----------
    image_size : int or float, default=64
        Side of the square images. An int is the side itself (at most the
        series length); a float in (0, 1] is a fraction of the series length,
        resolved as pyts does: ``ceil(image_size * n_timestamps)``.
    method : {"summation", "difference", "both"}, default="both"
        ``"summation"``: GASF; ``"difference"``: GADF; ``"both"``: both,
        stacked as all GASF channels first, then all GADF channels.
    scaling : "sample", "fit" or (low, high), default="sample"
        How each PAA series is mapped onto ``sample_range``:

        - ``"sample"``: min-max of each window and channel on its own (the
          paper's and pyts's choice). The images show shape only: a gentle sway
          and a violent swing of the same shape give the same image.
        - ``"fit"``: the per-channel range of the training data, learned in
          :meth:`fit`; keeps amplitude. Values beyond it are clipped.
        - ``(low, high)``: a fixed sensor range, e.g. ``(-8, 8)`` for a +-8 g
          accelerometer, shared by all channels. Values beyond it are clipped.
    sample_range : (float, float) or None, default=(-1, 1)
        Range of the scaled series (``cos(phi)``), with
        ``-1 <= min < max <= 1``. None (as in pyts): no scaling at all, the
        series are used as they are and must lie in [-1, 1]; only valid with
        ``scaling="sample"``.
    overlapping : bool, default=False
        How PAA cuts the series into ``image_size`` segments, as in pyts's
        ``overlapping``: False, non-overlapping segments that tile the series
        (their lengths differ by one when ``image_size`` does not divide the
        length); True, segments all of the same length
        ``ceil(n_timestamps / image_size)``, spread so that the first starts
        and the last ends with the series (neighbours share at most one time
        step).
    n_jobs : int, default=None
        Number of CPU threads torch may use during :meth:`transform`, in the
        calling thread only (a scoped limit: other threads keep theirs). None means 1 unless in a
        ``joblib.parallel_backend`` context; -1 means all CPUs. One thread is
        the default because torch's thread pool slows down badly when the
        cores are busy with other work; one thread is already faster than
        pyts (see the benchmarks).

    Attributes
    ----------
    image_size_ : int
        Resolved image side.
    n_channels_in_ : int
        Number of channels seen in :meth:`fit` (1 for 2-D input).
    n_timestamps_in_ : int
        Series length seen in :meth:`fit`.
    n_features_in_ : int
        Values per sample seen in :meth:`fit` (``n_channels_in_ *
        n_timestamps_in_``; for 2-D input, the number of columns).
    feature_names_in_ : ndarray of shape (n_features,)
        Column names, when :meth:`fit` was given a DataFrame with string
        column names.
    data_min_, data_max_ : ndarray of shape (n_channels,)
        Per-channel range: what ``scaling="fit"`` maps onto ``sample_range``
        (the training minimum and maximum), the fixed ``(low, high)`` for a
        fixed range; for ``"sample"``, the training range, for information only.

    See Also
    --------
    GAFLayer : The same encoding as a torch module; see :meth:`to_torch`.

    Notes
    -----
    Order of the operations: PAA (exactly pyts's segments, overlapping or not),
    then scaling, then clipping to ``sample_range``. A window that is flat
    (after PAA) under ``"sample"`` scaling, or a channel that was constant in
    training under ``"fit"``, carries no shape; it is put in the middle of
    ``sample_range`` (``cos(phi) = 0`` for the default), so its GASF is -1
    and its GADF 0. pyts puts it at the bottom of the range instead (GASF 1).

    The output is float32, ``(n_samples, n_channels * n_methods, S, S)``;
    channel ``m * n_channels + c`` is method ``m`` (summation first) of input
    channel ``c``. The images are not tabular, so there is no
    ``get_feature_names_out`` and no pandas output.

    References
    ----------
    .. [1] Z. Wang and T. Oates, "Imaging Time-Series to Improve Classification
       and Imputation", IJCAI 2015.

    Examples
    --------
    >>> import numpy as np
    >>> from vskdlearn import GAFTransformer
    >>> rng = np.random.default_rng(0)
    >>> accelerometer = rng.normal(size=(5, 3, 180))   # 5 windows, x/y/z, 180 steps
    >>> gaf = GAFTransformer(image_size=32, method="both")
    >>> images = gaf.fit_transform(accelerometer)
    >>> images.shape, images.dtype
    ((5, 6, 32, 32), dtype('float32'))
    >>> bool(np.allclose(images[:, :3], images[:, :3].transpose(0, 1, 3, 2)))
    True
    """

    # ``out`` is where transform writes, not data to route through a Pipeline.
    __metadata_request__transform = {"out": metadata_routing.UNUSED}

    _parameter_constraints = {
        "image_size": [
            Interval(Integral, 1, None, closed="left"),
            Interval(RealNotInt, 0, 1, closed="right"),
        ],
        "method": [StrOptions({"summation", "difference", "both"})],
        "scaling": [StrOptions({"sample", "fit"}), tuple, list],
        "sample_range": [tuple, list, None],
        "overlapping": ["boolean"],
        # As joblib takes them: 0 means nothing.
        "n_jobs": [
            Interval(Integral, 1, None, closed="left"),
            Interval(Integral, None, -1, closed="right"),
            None,
        ],
    }

    def __init__(
        self,
        image_size=64,
        method="both",
        scaling="sample",
        sample_range=(-1, 1),
        overlapping=False,
        n_jobs=None,
    ):
        self.image_size = image_size
        self.method = method
        self.scaling = scaling
        self.sample_range = sample_range
        self.overlapping = overlapping
        self.n_jobs = n_jobs

    def _check_params(self):
        self._validate_params()
        methods = resolve_methods(self.method)
        sample_range = check_sample_range(self.sample_range)
        scaling = check_scaling(self.scaling, sample_range)
        return methods, scaling, sample_range

    def _validate_series(self, X, reset, sample_range):
        """X as a float 3-D array (n_samples, n_channels, n_timestamps)."""
        check_not_ragged(X, "X", type(self).__name__)
        X_orig = X
        X = check_array(
            X,
            dtype=(np.float64, np.float32),
            ensure_2d=False,
            allow_nd=True,
            ensure_all_finite=False,  # checked below, naming sample and channel
            input_name="X",
        )
        if X.ndim not in (2, 3):
            raise ValueError(
                "X must be 3-D (n_samples, n_channels, n_timestamps) or 2-D "
                f"(n_samples, n_timestamps); got {X.ndim}-D with shape {X.shape}. "
                "Reshape your data: X.reshape(1, -1) for a single series."
            )
        two_d = X.ndim == 2
        if two_d:
            X = X[:, np.newaxis, :]
        n_samples, n_channels, n_timestamps = X.shape
        if n_channels < 1 or n_timestamps < 1:
            raise ValueError(
                f"X has shape {X.shape}: it needs at least one channel and one "
                "time step."
            )
        if reset:
            validate_data(self, X_orig, reset=True, skip_check_array=True)
            self.n_features_in_ = n_channels * n_timestamps
        else:
            self._check_shape_as_fitted(n_channels, n_timestamps, two_d)
            if two_d:  # feature-name checks; the sizes are known to agree
                validate_data(self, X_orig, reset=False, skip_check_array=True)

        finite = np.isfinite(X)
        if not finite.all():
            i, c, t = _first_index(~finite)
            kind = "NaN" if np.isnan(X[i, c, t]) else "inf"
            n_bad = int(np.count_nonzero(~finite.all(axis=(1, 2))))
            raise ValueError(
                f"X contains {kind} at sample {i}, channel {c}, time step {t} "
                f"({n_bad} sample(s) contain NaN or inf). GAF images need finite "
                "series: interpolate the gaps or drop those windows."
            )
        if sample_range is None:
            outside = (X < -1) | (X > 1)
            if outside.any():
                i, c, t = _first_index(outside)
                raise ValueError(
                    "sample_range=None uses the series unscaled as cos(phi), so "
                    f"they must lie in [-1, 1]; sample {i}, channel {c} has "
                    f"{X[i, c, t]!r} at time step {t}. Give a sample_range, e.g. "
                    "(-1, 1), to scale them."
                )
        return X

    def _check_shape_as_fitted(self, n_channels, n_timestamps, two_d):
        name = type(self).__name__
        if n_channels != self.n_channels_in_:
            raise ValueError(
                f"X has {n_channels} channel(s), but {name} was fitted on "
                f"{self.n_channels_in_} channel(s)"
                + (" (2-D input is one channel)." if two_d else ".")
            )
        if n_timestamps != self.n_timestamps_in_:
            if two_d:
                # Worded so that scikit-learn's n_features_in_ checks recognise it.
                raise ValueError(
                    f"X has {n_timestamps} features, but {name} is expecting "
                    f"{self.n_timestamps_in_} features as input (the columns of a "
                    "2-D X are the time steps of one series)."
                )
            raise ValueError(
                f"X has series of length {n_timestamps}, but {name} was fitted on "
                f"series of length {self.n_timestamps_in_}: cut or resample the "
                f"windows to {self.n_timestamps_in_} time steps."
            )

    def fit(self, X, y=None):
        """Check the input and learn the shape (and, for "fit", the ranges).

        Parameters
        ----------
        X : array-like of shape (n_samples, n_channels, n_timestamps) or \
(n_samples, n_timestamps)
            Training windows; a 2-D X is one channel.
        y : None
            Ignored.

        Returns
        -------
        self : GAFTransformer
            Fitted transformer.
        """
        _, scaling, sample_range = self._check_params()
        X = self._validate_series(X, reset=True, sample_range=sample_range)
        _, n_channels, n_timestamps = X.shape
        self.image_size_ = resolve_image_size(self.image_size, n_timestamps)
        self.n_channels_in_ = n_channels
        self.n_timestamps_in_ = n_timestamps
        if isinstance(scaling, tuple):
            self.data_min_ = np.full(n_channels, scaling[0])
            self.data_max_ = np.full(n_channels, scaling[1])
        else:
            self.data_min_ = X.min(axis=(0, 2)).astype(np.float64)
            self.data_max_ = X.max(axis=(0, 2)).astype(np.float64)
        return self

    def transform(self, X, out=None):
        """Encode each channel of each window as GAF image(s).

        Parameters
        ----------
        X : array-like of shape (n_samples, n_channels, n_timestamps) or \
(n_samples, n_timestamps)
            Windows with the channel count and length seen in :meth:`fit`.
        out : ndarray, default=None
            A float32, C-contiguous array of the output's shape to write the
            images into, e.g. a memory-mapped file
            (``numpy.lib.format.open_memmap``) for more images than memory
            holds. None allocates one. To process the images chunk by chunk
            instead, see :meth:`iter_transform`.

        Returns
        -------
        images : ndarray of shape (n_samples, n_channels * n_methods, S, S)
            Float32 images, ``S = image_size_`` (``out`` itself when given).
            Channel ``m * n_channels + c`` is method ``m`` (summation before
            difference) of input channel ``c``.
        """
        X, encode = self._encoder(X)
        shape = (len(X), *self._image_shape(X))
        if out is None:
            out = np.empty(shape, dtype=np.float32)
        elif not (
            isinstance(out, np.ndarray)
            and out.shape == shape
            and out.dtype == np.float32
            and out.flags.c_contiguous
            and out.flags.writeable
        ):
            raise ValueError(
                f"out must be a writable, C-contiguous float32 array of shape "
                f"{shape}; got {type(out).__name__} of shape "
                f"{getattr(out, 'shape', None)} and dtype {getattr(out, 'dtype', None)}."
            )
        n_channels, n_timestamps = X.shape[1:]
        step = max(
            1,
            min(
                _CHUNK_SERIES // n_channels,
                _CHUNK_VALUES // (n_channels * n_timestamps),
            ),
        )
        for start in range(0, len(X), step):
            encode(X[start : start + step], out[start : start + step])
        return out

    def iter_transform(self, X, batch_size=1024):
        """The images of ``X``, batch by batch: memory for one batch only.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_channels, n_timestamps) or \
(n_samples, n_timestamps)
            Windows with the channel count and length seen in :meth:`fit`
            (checked once, before the first batch).
        batch_size : int, default=1024
            Windows per batch.

        Yields
        ------
        images : ndarray of shape (batch, n_channels * n_methods, S, S)
            The images of ``X[i:i + batch_size]``, as :meth:`transform` makes
            them.

        Examples
        --------
        >>> import numpy as np
        >>> from vskdlearn import GAFTransformer
        >>> X = np.random.default_rng(0).normal(size=(10, 3, 40))
        >>> gaf = GAFTransformer(image_size=16).fit(X)
        >>> [images.shape[0] for images in gaf.iter_transform(X, batch_size=4)]
        [4, 4, 2]
        """
        if not isinstance(batch_size, Integral) or batch_size < 1:
            raise ValueError(f"batch_size must be a positive int, got {batch_size!r}.")
        X, encode = self._encoder(X)
        shape = self._image_shape(X)
        for start in range(0, len(X), batch_size):
            chunk = X[start : start + batch_size]
            images = np.empty((len(chunk), *shape), dtype=np.float32)
            encode(chunk, images)
            yield images

    def _image_shape(self, X):
        n_methods = len(resolve_methods(self.method))
        return (n_methods * X.shape[1], self.image_size_, self.image_size_)

    def _encoder(self, X):
        """Checked 3-D ``X`` and ``encode(series, out)``, which fills ``out``."""
        check_is_fitted(self)
        methods, scaling, sample_range = self._check_params()
        X = self._validate_series(X, reset=False, sample_range=sample_range)
        data_min = data_max = None
        if scaling != "sample":
            data_min = torch.from_numpy(self.data_min_)
            data_max = torch.from_numpy(self.data_max_)
        paa = paa_matrix(X.shape[2], self.image_size_, self.overlapping)
        # A thread limit of this thread only (torch.set_num_threads would
        # change every thread's: other workers of a Dask or joblib pool).
        n_threads = effective_n_jobs(self.n_jobs)

        def encode(series, out):
            with torch_threads(n_threads), torch.no_grad():
                gramian_angular_field(
                    torch.tensor(series),  # a copy: X may be read-only
                    paa,
                    methods,
                    sample_range,
                    data_min,
                    data_max,
                    out=torch.from_numpy(out),
                )

        return X, encode

    def to_torch(self):
        """A :class:`GAFLayer` with this transformer's numerics and fitted ranges.

        Returns
        -------
        layer : GAFLayer
            Takes ``(batch, n_channels_in_, n_timestamps_in_)`` tensors and
            returns the images :meth:`transform` returns, as a tensor.

        Examples
        --------
        >>> import numpy as np, torch
        >>> from vskdlearn.gaf import GAFTransformer
        >>> X = np.random.default_rng(0).normal(size=(4, 3, 60)).astype("float32")
        >>> gaf = GAFTransformer(image_size=20, scaling="fit").fit(X)
        >>> layer = gaf.to_torch()
        >>> images = layer(torch.from_numpy(X)).numpy()   # float32 all through
        >>> bool(np.allclose(images, gaf.transform(X), rtol=0, atol=1e-6))
        True
        """
        check_is_fitted(self)
        ranges = {}
        if check_scaling(self.scaling, check_sample_range(self.sample_range)) == "fit":
            ranges = {"data_min": self.data_min_, "data_max": self.data_max_}
        return GAFLayer(
            image_size=self.image_size_,
            method=self.method,
            scaling=self.scaling,
            sample_range=self.sample_range,
            overlapping=self.overlapping,
            n_timestamps=self.n_timestamps_in_,
            **ranges,
        )

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        # 3-D (n_samples, n_channels, n_timestamps) is the native input; 2-D is
        # one channel, which is what scikit-learn's common checks feed.
        tags.input_tags.three_d_array = True
        tags.input_tags.two_d_array = True
        # Images are float32 whatever the input; float32 input stays float32.
        tags.transformer_tags.preserves_dtype = ["float32"]
        return tags
