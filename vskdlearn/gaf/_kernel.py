"""The one Gramian Angular Field kernel, and the parameter checks both faces share.

Design: the maths is written once, in torch: :func:`angular_series` (scaled
series to cos and sin) and :func:`gram_factors` (the images as one batched
matmul), both TorchScript-compatible. :class:`~vskdlearn.gaf.GAFLayer` calls
them in its ``forward`` (so an exported model takes raw windows), and
:class:`~vskdlearn.gaf.GAFTransformer` calls them through
:func:`gramian_angular_field` on chunks of its numpy input under
``torch.no_grad()``, writing straight into a preallocated numpy array
(``torch.from_numpy`` shares the memory). A numpy copy of the maths would drift
from the torch one; a single kernel cannot.

Precision: the transformer runs the series stage (PAA, scaling, sines) in
float64. The layer runs everything in its input's dtype, float32 for an exported
model (Core ML, TFLite and most NPUs have no float64). Two things keep float32
close: the sine is ``sqrt((1 + cos)(1 - cos))`` with both factors computed from
differences to the range ends (``sqrt(1 - cos**2)`` is ill-conditioned at
``cos = +-1``: one float32 rounding of a value just under 1 moves its sine by
~1e-4), and PAA is taken as segment sums times small integers (:func:`paa_sums`),
so no ``1/n`` is rounded. On sensor read-outs the layer is then within 1e-6 of
the transformer; on full-precision float32 series the worst pixel is ~5e-5
(UTD-MHAD, values a few ulps from a window's extreme; see tests/gaf). The image
stage (O(S**2), where the time goes) runs in float32 in both faces.
"""

from math import ceil
from numbers import Integral, Real

import numpy as np
import torch

METHODS = ("summation", "difference")


def resolve_methods(method):
    """Tuple of the methods ``method`` stands for, in output channel order."""
    if method == "both":
        return METHODS
    if method in METHODS:
        return (method,)
    raise ValueError(
        f"method must be 'summation' (GASF), 'difference' (GADF) or 'both' "
        f"(GASF images then GADF images); got {method!r}."
    )


def check_sample_range(sample_range):
    """Return ``sample_range`` as a float pair ``(a, b)``, or None."""
    if sample_range is None:
        return None
    if not isinstance(sample_range, (tuple, list)) or len(sample_range) != 2:
        raise ValueError(
            "sample_range must be None (the series already lie in [-1, 1]) or a "
            f"pair (min, max) with -1 <= min < max <= 1; got {sample_range!r}."
        )
    a, b = sample_range
    if not all(isinstance(v, Real) and not isinstance(v, bool) for v in (a, b)) or (
        not -1 <= a < b <= 1
    ):
        raise ValueError(
            "sample_range must satisfy -1 <= sample_range[0] < sample_range[1] "
            f"<= 1 (it is the range of cos(phi)); got {sample_range!r}."
        )
    return float(a), float(b)


def check_scaling(scaling, sample_range):
    """Return ``"sample"``, ``"fit"`` or a float pair ``(low, high)``."""
    if isinstance(scaling, str):
        if scaling not in ("sample", "fit"):
            raise ValueError(
                "scaling must be 'sample' (per-window min-max), 'fit' (per-channel "
                "range learned in fit) or a fixed sensor range (low, high); got "
                f"{scaling!r}."
            )
    elif isinstance(scaling, (tuple, list)) and len(scaling) == 2:
        low, high = scaling
        ok = all(
            isinstance(v, Real) and not isinstance(v, bool) and np.isfinite(v)
            for v in (low, high)
        )
        if not ok or not low < high:
            raise ValueError(
                "a fixed scaling range must be a pair of finite numbers (low, high) "
                f"with low < high, e.g. (-8, 8) for a +-8 g sensor; got {scaling!r}."
            )
        scaling = (float(low), float(high))
    else:
        raise ValueError(
            "scaling must be 'sample', 'fit' or a fixed sensor range (low, high); "
            f"got {scaling!r}."
        )
    if sample_range is None and scaling != "sample":
        raise ValueError(
            "sample_range=None means the series are used as cos(phi) unscaled (they "
            f"must already lie in [-1, 1]), so scaling={scaling!r} cannot apply; "
            "use scaling='sample' with sample_range=None, or give a sample_range."
        )
    return scaling


def resolve_image_size(image_size, n_timestamps):
    """The image side for series of ``n_timestamps`` values, as pyts resolves it.

    An int is the side itself; a float in (0, 1] is a fraction of the length,
    rounded up with the very expression pyts uses (``ceil(image_size * T)``), so
    float sizes give the same images as pyts even where round-off bites (0.55 * 100
    is 55.00000000000001, hence 56).
    """
    if isinstance(image_size, bool) or not isinstance(image_size, Real):
        raise ValueError(
            "image_size must be an int (the image side) or a float in (0, 1] (a "
            f"fraction of the series length); got {image_size!r}."
        )
    if isinstance(image_size, Integral):
        size = int(image_size)
        if size < 1:
            raise ValueError(f"image_size must be at least 1; got {image_size}.")
        if size > n_timestamps:
            raise ValueError(
                f"image_size={size} is larger than the series length "
                f"(n_timestamps={n_timestamps}); PAA can only shorten a series. Use "
                f"image_size <= {n_timestamps}, or a float fraction of the length."
            )
        return size
    if not 0 < image_size <= 1:
        raise ValueError(
            "a float image_size is a fraction of the series length and must be in "
            f"(0, 1]; got {image_size!r}."
        )
    return ceil(image_size * n_timestamps)


def check_overlapping(overlapping):
    """Return ``overlapping`` as a bool; refuse anything but a boolean."""
    if not isinstance(overlapping, (bool, np.bool_)):
        raise ValueError(
            "overlapping must be a bool: False for pyts's non-overlapping PAA "
            "segments of varying length, True for overlapping segments of one "
            f"fixed length; got {overlapping!r}."
        )
    return bool(overlapping)


def paa_bounds(n_timestamps, image_size, overlapping=False):
    """Segment bounds of pyts's PAA (``pyts.utils.segmentation``).

    Segment ``k`` averages ``x[start[k]:end[k]]``. Non-overlapping: the
    segments tile the series and their lengths differ by at most one when
    ``image_size`` does not divide ``n_timestamps``. Overlapping: every segment
    has pyts's window length ``ceil(n_timestamps / image_size)``, and the
    ``image_size * window - n_timestamps`` surplus steps are taken back from the
    starts as ``linspace(0, surplus, image_size)`` rounded down, so the first
    segment starts at 0 and the last ends at ``n_timestamps``.

    Returns
    -------
    start, end : ndarray of shape (image_size,), int64
    """
    if not overlapping:
        bounds = np.linspace(0, n_timestamps, image_size + 1).astype(np.int64)
        return bounds[:-1], bounds[1:]
    # pyts's PAA window rule (divmod, plus one on a remainder) is this ceil.
    window = -(-n_timestamps // image_size)
    surplus = image_size * window - n_timestamps
    shifts = np.linspace(0, surplus, image_size).astype(np.int64)
    start = np.arange(image_size, dtype=np.int64) * window - shifts
    return start, start + window


def paa_matrix(n_timestamps, image_size, overlapping=False, device=None):
    """(n_timestamps, image_size) float64 matrix ``P`` such that ``x @ P`` is PAA."""
    start, end = paa_bounds(n_timestamps, image_size, overlapping)
    matrix = np.zeros((n_timestamps, image_size))
    for k in range(image_size):
        matrix[start[k] : end[k], k] = 1.0 / (end[k] - start[k])
    return torch.as_tensor(matrix, device=device)


def paa_sums(n_timestamps, image_size, overlapping=False, device=None):
    """PAA for a float32 series stage: ``(S_, weights, common)``, all float32.

    ``(x @ S_) * weights`` is PAA times ``common``, the least common multiple
    of the segment lengths: ``S_`` is 0/1 (segment sums) and ``weights =
    common / length`` are small integers, so no ``1/n`` is ever rounded.

    Why: with ``1/n`` rounded to float32 the mean of three equal values lands
    one ulp away from that of two, and one ulp next to a window's extreme
    is a sine off by ~1e-4 (``sin = sqrt((1 + cos)(1 - cos))`` there).
    Sensor samples have fewer significant bits than a float32, so their sums
    and small multiples are exact, and so are the differences to the window's
    extremes or to the (``common``-scaled) range that the scaling takes.
    """
    start, end = paa_bounds(n_timestamps, image_size, overlapping)
    matrix = np.zeros((n_timestamps, image_size), dtype=np.float32)
    for k in range(image_size):
        matrix[start[k] : end[k], k] = 1.0
    lengths = end - start
    common = int(np.lcm.reduce(np.unique(lengths)))
    return tuple(
        torch.as_tensor(np.asarray(values, dtype=np.float32), device=device)
        for values in (matrix, common // lengths, common)
    )


def angular_series(
    z: torch.Tensor,
    sample_range: tuple[float, float] | None,
    low: torch.Tensor | None,
    high: torch.Tensor | None,
) -> tuple[torch.Tensor, torch.Tensor]:
    """``cos(phi)`` and ``sin(phi)`` of PAA series ``z`` (batch, channels, S).

    Computed in ``z``'s dtype; TorchScript-compatible (GAFLayer's ``forward``
    calls it). ``low``/``high`` of shape (channels, 1) map a fixed range onto
    ``sample_range``; None with a ``sample_range``: per-series min-max.

    Why ``sin`` is not ``sqrt(1 - cos**2)``: that expression is ill-conditioned
    near ``cos = +-1`` (one rounding of a scaled value just under 1 changes its
    sine by ~1e-4 in float32). With ``t = (z - low) / span`` the factors
    ``1 + cos = (1 + a) + (b - a) t`` and ``1 - cos = (1 - b) + (b - a)(1 - t)``
    are computed from ``z - low`` and ``high - z`` directly, differences that
    are exact for nearby floats, so the sine carries only the error of ``z``
    itself. That is what lets the whole graph run in float32 (see the
    precision note of this module).
    """
    # Smallest normal number of the dtype: clamping there instead of at 0
    # keeps backward finite at cos = +-1 (a zero gradient through the clamp
    # rather than 0 * inf); the sines it adds (1e-19 in float32) are invisible.
    double = z.dtype == torch.float64
    tiny = 2.2250738585072014e-308 if double else 1.1754943508222875e-38
    if sample_range is None:
        cos = z.clamp(-1.0, 1.0)
        sin = torch.sqrt(((1.0 - cos) * (1.0 + cos)).clamp(min=tiny))
        return cos, sin
    a, b = sample_range[0], sample_range[1]
    if low is None or high is None:
        low = z.amin(dim=-1, keepdim=True)
        high = z.amax(dim=-1, keepdim=True)
    span = high - low
    # A window whose (PAA) range is below this fraction of its magnitude is
    # flat: PAA of a constant series is not exactly constant in floating point
    # (a mean of n equal values can be off by an ulp: 1e-16 in float64, a few
    # 1e-7 in float32), and blowing that round-off up to the full sample_range
    # would turn a flat signal into noise images. (Literals: TorchScript reads
    # no module globals.)
    rtol = 1e-12 if double else 1e-5
    flat = span <= rtol * torch.maximum(low.abs(), high.abs())
    scale = (b - a) / torch.where(flat, torch.ones_like(span), span)
    # Clipping to the range is what "fit" and fixed ranges promise for values
    # outside it; under "sample" it changes nothing.
    up = torch.minimum((z - low).clamp(min=0.0), span) * scale
    down = torch.minimum((high - z).clamp(min=0.0), span) * scale
    cos = up + a
    sin = torch.sqrt((((1.0 + a) + up) * ((1.0 - b) + down)).clamp(min=tiny))
    # A flat window carries no shape, only a level; put it in the middle of
    # sample_range (pyts, through sklearn's MinMaxScaler, puts it at the bottom).
    mid = (a + b) / 2
    cos = torch.where(flat, torch.full_like(cos, mid), cos)
    sin = torch.where(flat, torch.full_like(sin, (1.0 - mid * mid) ** 0.5), sin)
    return cos, sin


def gram_factors(
    cos: torch.Tensor, sin: torch.Tensor, methods: list[str]
) -> tuple[torch.Tensor, torch.Tensor]:
    """The two factors whose batched product is the images (TorchScript-compatible).

    Both images are rank-2 Gram matrices, so one batched matmul with inner
    size 2 computes them: ``U[i] = (cos_i, sin_i)`` against

    - summation (GASF) rows ``(cos_j, -sin_j)``:
      ``cos_i cos_j - sin_i sin_j = cos(phi_i + phi_j)``;
    - difference (GADF) rows ``(-sin_j, cos_j)``:
      ``sin_i cos_j - cos_i sin_j = sin(phi_i - phi_j)``.

    Returns ``left`` (B, 1, C, S, 2) and ``right`` (B, M, C, 2, S).
    """
    left = torch.stack((cos, sin), dim=-1).unsqueeze(1)
    rows = []
    for method in methods:
        if method == "summation":
            rows.append(torch.stack((cos, -sin), dim=-2))
        else:
            rows.append(torch.stack((-sin, cos), dim=-2))
    return left, torch.stack(rows, dim=1)


def gramian_angular_field(
    x,
    paa,
    methods,
    sample_range,
    data_min=None,
    data_max=None,
    *,
    out=None,
    out_dtype=torch.float32,
    series_dtype=torch.float64,
):
    """Gramian Angular Field images of a batch of multichannel series.

    Parameters
    ----------
    x : torch.Tensor of shape (batch, n_channels, n_timestamps)
        Finite values (not checked here: the callers check, or document that
        they do not).
    paa : torch.Tensor of shape (n_timestamps, image_size)
        PAA matrix from :func:`paa_matrix`.
    methods : tuple of {"summation", "difference"}
        One block of ``n_channels`` images per method, in this order.
    sample_range : (float, float) or None
        Target range of the scaled series (cos(phi)); None: use the PAA series
        as they are, clipped to [-1, 1].
    data_min, data_max : torch.Tensor of shape (n_channels,) or (1,), or None
        Fixed per-channel range mapped onto ``sample_range``; None: each window
        is min-max scaled on its own (per sample and channel).
    out : torch.Tensor of shape (batch, len(methods) * n_channels, S, S), optional
        Contiguous tensor to write the images into.
    out_dtype : torch.dtype, default=torch.float32
        Dtype of the images when ``out`` is not given.
    series_dtype : torch.dtype, default=torch.float64
        Dtype of the series stage (PAA, scaling, sines).

    Returns
    -------
    images : torch.Tensor of shape (batch, len(methods) * n_channels, S, S)
        Channel ``m * n_channels + c`` is method ``methods[m]`` of channel ``c``.
    """
    batch, n_channels, _ = x.shape
    size = paa.shape[1]
    z = torch.matmul(x.to(series_dtype), paa.to(series_dtype))
    low = high = None
    if data_min is not None:
        low = data_min.to(series_dtype).reshape(-1, 1)
        high = data_max.to(series_dtype).reshape(-1, 1)
    cos, sin = angular_series(z, sample_range, low, high)
    dtype = out.dtype if out is not None else out_dtype
    left, right = gram_factors(cos.to(dtype), sin.to(dtype), list(methods))
    shape = (batch, len(methods), n_channels, size, size)
    if out is None:
        return torch.matmul(left, right).reshape(batch, -1, size, size)
    torch.matmul(left, right, out=out.view(shape))
    return out
