"""GAFLayer: the GAF kernel as a torch module, for models that take raw windows."""

import numpy as np
import torch
from torch import nn

from ._kernel import (
    check_overlapping,
    check_sample_range,
    check_scaling,
    gramian_angular_field,
    paa_matrix,
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
    NaN or inf in the input are not checked (data-dependent errors do not
    export); they produce NaN images.

    Examples
    --------
    >>> import torch
    >>> from vskdlearn.gaf import GAFLayer
    >>> layer = GAFLayer(image_size=16, method="both")
    >>> windows = torch.randn(8, 3, 50)            # (batch, channels, time)
    >>> layer(windows).shape
    torch.Size([8, 6, 16, 16])
    """

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
        self.methods = resolve_methods(method)
        self.method = method
        self.sample_range = check_sample_range(sample_range)
        self.scaling = check_scaling(scaling, self.sample_range)
        self.overlapping = check_overlapping(overlapping)
        self.image_size = image_size
        self.n_methods = len(self.methods)
        if n_timestamps is not None:
            n_timestamps = int(n_timestamps)
            resolve_image_size(image_size, n_timestamps)  # fail at build time
        else:
            # Without a length, only an int size can be checked now.
            resolve_image_size(image_size, np.iinfo(np.int64).max)
        self.n_timestamps = n_timestamps

        given = data_min is not None or data_max is not None
        if self.scaling == "fit":
            if data_min is None or data_max is None:
                raise ValueError(
                    "scaling='fit' needs the per-channel range: pass data_min and "
                    "data_max (GAFTransformer.to_torch() does this for you)."
                )
            low = torch.as_tensor(np.asarray(data_min, dtype=np.float64)).reshape(-1)
            high = torch.as_tensor(np.asarray(data_max, dtype=np.float64)).reshape(-1)
            if low.shape != high.shape or not bool(torch.all(low <= high)):
                raise ValueError(
                    "data_min and data_max must have the same length (one value per "
                    "channel) with data_min <= data_max; got shapes "
                    f"{tuple(low.shape)} and {tuple(high.shape)}."
                )
        elif given:
            raise ValueError(
                f"data_min/data_max are only used with scaling='fit'; got "
                f"scaling={self.scaling!r}. Drop them, or use scaling='fit'."
            )
        elif isinstance(self.scaling, tuple):
            low = torch.tensor([self.scaling[0]], dtype=torch.float64)
            high = torch.tensor([self.scaling[1]], dtype=torch.float64)
        else:
            low = high = None
        self.register_buffer("data_min", low)
        self.register_buffer("data_max", high)
        self._paa_cache = {}

    def _paa(self, n_timestamps, device):
        # overlapping is in the key so that changing the attribute after the
        # first call cannot serve a stale matrix.
        key = (n_timestamps, self.overlapping, str(device))
        if key not in self._paa_cache:
            size = resolve_image_size(self.image_size, n_timestamps)
            self._paa_cache[key] = paa_matrix(
                n_timestamps, size, self.overlapping, device=device
            )
        return self._paa_cache[key]

    def forward(self, x):
        """Images of ``x`` (batch, n_channels, n_timestamps)."""
        if x.ndim != 3:
            raise ValueError(
                "GAFLayer expects a tensor of shape (batch, n_channels, "
                f"n_timestamps); got {x.ndim} dimensions, shape {tuple(x.shape)}."
            )
        n_channels, n_timestamps = x.shape[1], x.shape[2]
        if self.n_timestamps is not None and n_timestamps != self.n_timestamps:
            raise ValueError(
                f"GAFLayer was built for series of length {self.n_timestamps}; got "
                f"length {n_timestamps}."
            )
        if self.scaling == "fit" and self.data_min.numel() != n_channels:
            raise ValueError(
                f"GAFLayer holds ranges for {self.data_min.numel()} channels; got "
                f"{n_channels} channels."
            )
        out_dtype = x.dtype if x.is_floating_point() else torch.float32
        return gramian_angular_field(
            x,
            self._paa(n_timestamps, x.device),
            self.methods,
            self.sample_range,
            self.data_min,
            self.data_max,
            out_dtype=out_dtype,
        )

    def extra_repr(self):
        return (
            f"image_size={self.image_size}, method={self.method!r}, "
            f"scaling={self.scaling!r}, sample_range={self.sample_range}, "
            f"overlapping={self.overlapping}"
        )
