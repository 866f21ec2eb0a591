"""GAFLayer: the GAF kernel as a torch module, for models that take raw windows."""

import numpy as np
import torch
from torch import nn

from ._kernel import (
    angular_series,
    check_overlapping,
    check_sample_range,
    check_scaling,
    gram_factors,
    paa_sums,
    resolve_image_size,
    resolve_methods,
)


class GAFLayer(nn.Module):
    """Gramian Angular Field images of raw sensor windows, as a torch layer.

    The numerics are those of :class:`GAFTransformer` (one shared kernel), so a
    model trained on ``GAFTransformer`` images can be exported with this layer in
    front and fed raw accelerometer windows. Get one with the fitted ranges from
    :meth:`GAFTransformer.to_torch`.

    Parameters
    ----------
    image_size : int or float, default=64
        Side of the square images: an int, or a float in (0, 1] taken as a
        fraction of the series length (``ceil(image_size * n_timestamps)``).
    method : {"summation", "difference", "both"}, default="both"
        GASF, GADF, or both (all GASF channels first, then all GADF channels).
    scaling : "sample", "fit" or (low, high), default="sample"
        How each PAA series is mapped onto ``sample_range``: per window and
        channel min-max (``"sample"``); the per-channel range ``data_min`` ..
        ``data_max`` (``"fit"``); or a fixed sensor range ``(low, high)``.
        Values outside a fixed or fitted range are clipped.
    sample_range : (float, float) or None, default=(-1, 1)
        Range of the scaled series (``cos(phi)``), within [-1, 1]. None: no
        scaling (``scaling`` must be ``"sample"``), values outside [-1, 1] are
        clipped (the layer does not raise on data, to stay exportable).
    overlapping : bool, default=False
        PAA segments, as in pyts: False, non-overlapping segments that tile the
        series (lengths differ by one when ``image_size`` does not divide the
        length); True, segments all of length ``ceil(n_timestamps /
        image_size)``, neighbours sharing at most one time step.
    data_min, data_max : array-like of shape (n_channels,), default=None
        Per-channel range for ``scaling="fit"`` (required then, refused
        otherwise); stored as buffers, so they travel with ``state_dict``.
    n_timestamps : int, default=None
        Series length the layer will see. If given, the input length is checked
        and a float ``image_size`` is resolved once; if None, any length works.

    Attributes
    ----------
    n_methods : int
        Number of image blocks per channel (2 for ``"both"``).

    Notes
    -----
    Input ``(batch, n_channels, n_timestamps)``; output ``(batch, n_channels *
    n_methods, S, S)`` in the input's floating dtype (float32 for integer input).
    The whole computation runs in that dtype: a float32 window never meets a
    float64 tensor, so the layer exports to runtimes without float64 (Core ML,
    TFLite, most NPUs). Its images are within 1e-6 of :class:`GAFTransformer`'s
    (float64 series stage) except for PAA values within a few float32 ulps of a
    window's extremes, where float32 input itself limits the sine to ~1e-4
    (checked by ``tests/gaf/test_gaf_layer.py``).
    NaN or inf in the input are not checked (data-dependent errors do not
    export); they produce NaN images.

    With ``n_timestamps`` given, the PAA matrix is a (non-persistent) buffer,
    so it moves with ``.to(device)`` and is part of a scripted, traced or
    exported graph; the shape checks of ``forward`` run in eager mode and under
    TorchScript, not while tracing (so a trace does not bake in the batch size).

    Examples
    --------
    >>> import torch
    >>> from vskdlearn.gaf import GAFLayer
    >>> layer = GAFLayer(image_size=16, method="both")
    >>> windows = torch.randn(8, 3, 50)            # (batch, channels, time)
    >>> layer(windows).shape
    torch.Size([8, 6, 16, 16])
    """

    # Properties TorchScript must not compile (it reads the plain attributes).
    __jit_unused_properties__ = ["overlapping"]

    def __init__(
        self,
        image_size=64,
        method="both",
        scaling="sample",
        sample_range=(-1, 1),
        overlapping=False,
        data_min=None,
        data_max=None,
        n_timestamps=None,
    ):
        super().__init__()
        self.methods = list(resolve_methods(method))
        self.method = method
        self.sample_range = check_sample_range(sample_range)
        self.scaling = check_scaling(scaling, self.sample_range)
        self.image_size = image_size
        self.n_methods = len(self.methods)
        if n_timestamps is not None:
            n_timestamps = int(n_timestamps)
            resolve_image_size(image_size, n_timestamps)  # fail at build time
        else:
            # Without a length, only an int size can be checked now.
            resolve_image_size(image_size, np.iinfo(np.int64).max)
        self.n_timestamps = n_timestamps
        # -1: any channel count (per-sample scaling or one fixed range for all).
        self.n_channels = -1

        given = data_min is not None or data_max is not None
        if self.scaling == "fit":
            if data_min is None or data_max is None:
                raise ValueError(
                    "scaling='fit' needs the per-channel range: pass data_min and "
                    "data_max (GAFTransformer.to_torch() does this for you)."
                )
            low = np.asarray(data_min, dtype=np.float64).reshape(-1)
            high = np.asarray(data_max, dtype=np.float64).reshape(-1)
            if low.shape != high.shape or not bool(np.all(low <= high)):
                raise ValueError(
                    "data_min and data_max must have the same length (one value per "
                    "channel) with data_min <= data_max; got shapes "
                    f"{tuple(low.shape)} and {tuple(high.shape)}."
                )
            self.n_channels = int(low.size)
        elif given:
            raise ValueError(
                f"data_min/data_max are only used with scaling='fit'; got "
                f"scaling={self.scaling!r}. Drop them, or use scaling='fit'."
            )
        elif isinstance(self.scaling, tuple):
            low, high = np.array([self.scaling[0]]), np.array([self.scaling[1]])
        else:
            low = high = None
        if low is not None:
            low = torch.as_tensor(low, dtype=torch.float32)
            high = torch.as_tensor(high, dtype=torch.float32)
        self.register_buffer("data_min", low)
        self.register_buffer("data_max", high)
        self._paa_cache = {}
        self.register_buffer("paa", None, persistent=False)
        self.register_buffer("paa_weights", None, persistent=False)
        self.register_buffer("paa_common", None, persistent=False)
        self.overlapping = overlapping  # builds the PAA buffer

    @property
    def overlapping(self):
        """Whether PAA segments overlap (setting it rebuilds the PAA matrix)."""
        return self._overlapping

    @overlapping.setter
    def overlapping(self, value):
        self._overlapping = check_overlapping(value)
        if self.n_timestamps is not None:
            size = resolve_image_size(self.image_size, self.n_timestamps)
            device = self.data_min.device if self.data_min is not None else None
            self.paa, self.paa_weights, self.paa_common = paa_sums(
                self.n_timestamps, size, self._overlapping, device=device
            )

    @torch.jit.unused
    def _paa_for(
        self, n_timestamps: int, device: torch.device
    ) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
        # A layer built without n_timestamps works on any length, from a cache;
        # overlapping is in the key so that changing the attribute after the
        # first call cannot serve a stale matrix. Eager mode only.
        key = (n_timestamps, self._overlapping, str(device))
        if key not in self._paa_cache:
            size = resolve_image_size(self.image_size, n_timestamps)
            self._paa_cache[key] = paa_sums(
                n_timestamps, size, self._overlapping, device=device
            )
        return self._paa_cache[key]

    def _check_input(self, x: torch.Tensor) -> None:
        # One check for eager mode and TorchScript, so in what TorchScript
        # compiles: str.format, not f-strings (the shape is eager mode's).
        shape = ""
        if not torch.jit.is_scripting():
            shape = f", shape {tuple(x.shape)}"
        if x.dim() != 3:
            raise ValueError(
                "GAFLayer expects a tensor of shape (batch, n_channels, "  # noqa: UP032
                "n_timestamps); got {} dimensions{}.".format(x.dim(), shape)
            )
        if self.n_timestamps is not None and x.size(2) != self.n_timestamps:
            raise ValueError(
                "GAFLayer was built for series of length {}; got length {}.".format(  # noqa: UP032
                    self.n_timestamps, x.size(2)
                )
            )
        if self.n_channels > 0 and x.size(1) != self.n_channels:
            raise ValueError(
                "GAFLayer holds ranges for {} channels; got {} channels.".format(  # noqa: UP032
                    self.n_channels, x.size(1)
                )
            )

    def forward(self, x):
        """Images of ``x`` (batch, n_channels, n_timestamps)."""
        if torch.jit.is_scripting() or not torch.jit.is_tracing():
            self._check_input(x)
        if not x.is_floating_point():
            x = x.to(torch.float32)
        paa, weights, common = self.paa, self.paa_weights, self.paa_common
        if paa is None or weights is None or common is None:
            paa, weights, common = self._paa_for(x.shape[-1], x.device)
        # PAA times `common` (see paa_sums), and the ranges scaled alike: the
        # scaled series are the same, with no rounded 1/n in the way.
        z = torch.matmul(x, paa.to(x.dtype)) * weights.to(x.dtype)
        common = common.to(x.dtype)
        low, high = self.data_min, self.data_max
        if low is not None and high is not None:
            low = low.to(x.dtype).reshape(-1, 1) * common
            high = high.to(x.dtype).reshape(-1, 1) * common
        sample_range = self.sample_range
        if sample_range is None:
            # Unscaled series clipped to [-1, 1]: the same as mapping the
            # fixed range (-1, 1) onto (-1, 1).
            low, high = -common.reshape(1, 1), common.reshape(1, 1)
            sample_range = (-1.0, 1.0)
        cos, sin = angular_series(z, sample_range, low, high)
        left, right = gram_factors(cos, sin, self.methods)
        size = z.shape[-1]
        return torch.matmul(left, right).reshape(x.shape[0], -1, size, size)

    def extra_repr(self):
        return (
            f"image_size={self.image_size}, method={self.method!r}, "
            f"scaling={self.scaling!r}, sample_range={self.sample_range}, "
            f"overlapping={self.overlapping}"
        )
