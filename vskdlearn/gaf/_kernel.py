"""The one Gramian Angular Field kernel, and the parameter checks both faces share.

Design: the maths is written once, in torch. :class:`~vskdlearn.gaf.GAFLayer`
calls :func:`gramian_angular_field` in its ``forward`` (so an exported model takes
raw windows), and :class:`~vskdlearn.gaf.GAFTransformer` calls the same function
on chunks of its numpy input under ``torch.no_grad()``, writing straight into a
preallocated numpy array (``torch.from_numpy`` shares the memory). A numpy copy of
the maths would drift from the torch one; a single kernel cannot.

Precision: the series stage (PAA, scaling, ``sin = sqrt(1 - cos**2)``) runs in
float64 because ``sqrt(1 - x**2)`` is ill-conditioned near ``x = +-1``: a float32
rounding of a scaled value just under 1 changes its sine by ~1e-4. That stage is
O(T) per series, so float64 costs nothing measurable. The image stage (O(S**2),
where the time goes) runs in the output dtype (float32) from accurately rounded
cosines and sines, which keeps every pixel within ~1e-7 of pyts's float64 result.
"""

from math import ceil
from numbers import Integral, Real

import numpy as np
import torch

METHODS = ("summation", "difference")

# A window whose (PAA) range is below this fraction of its magnitude is treated as
# flat: PAA of a constant series is not exactly constant in floating point (a mean
# of n equal values can be off by an ulp), and blowing that round-off up to the
# full sample_range would turn a flat signal into noise images.
_FLAT_RTOL = 1e-12


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
):
    """Gramian Angular Field images of a batch of multichannel series.

    Parameters
    ----------
    x : torch.Tensor of shape (batch, n_channels, n_timestamps)
        Finite values (not checked here: the callers check, or document that
        they do not).
    paa : torch.Tensor of shape (n_timestamps, image_size)
        PAA matrix from :func:`paa_matrix` (float64).
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

    Returns
    -------
    images : torch.Tensor of shape (batch, len(methods) * n_channels, S, S)
        Channel ``m * n_channels + c`` is method ``methods[m]`` of channel ``c``.
    """
    batch, n_channels, _ = x.shape
    size = paa.shape[1]
    z = torch.matmul(x.to(torch.float64), paa.to(torch.float64))
    if sample_range is not None:
        a, b = sample_range
        if data_min is None:
            low = z.amin(dim=-1, keepdim=True)
            high = z.amax(dim=-1, keepdim=True)
        else:
            low = data_min.to(torch.float64).reshape(-1, 1)
            high = data_max.to(torch.float64).reshape(-1, 1)
        span = high - low
        flat = span <= _FLAT_RTOL * torch.maximum(low.abs(), high.abs())
        scale = (b - a) / torch.where(flat, torch.ones_like(span), span)
        # A flat window carries no shape, only a level; put it in the middle of
        # sample_range (pyts, through sklearn's MinMaxScaler, puts it at the bottom).
        z = torch.where(flat, (a + b) / 2, (z - low) * scale + a)
        # Clipping to sample_range is what "fit"/fixed ranges promise for values
        # outside the range; under "sample" it only removes round-off.
        z = z.clamp(a, b)
    else:
        z = z.clamp(-1.0, 1.0)
    cos = z
    # Clamping at the smallest normal float64 instead of 0 keeps backward finite:
    # at cos = +-1 the clamp passes a zero gradient and sqrt's derivative stays
    # finite (0 * inf would be NaN). The sines it adds (1e-154) are invisible.
    sin = torch.sqrt((1.0 - z * z).clamp(min=torch.finfo(torch.float64).tiny))

    dtype = out.dtype if out is not None else out_dtype
    cos, sin = cos.to(dtype), sin.to(dtype)
    # Both images are rank-2 Gram matrices, so one batched matmul with inner
    # size 2 computes them: U[i] = (cos_i, sin_i) against
    #   summation  (GASF) rows (cos_j, -sin_j): cos_i cos_j - sin_i sin_j = cos(phi_i + phi_j)
    #   difference (GADF) rows (-sin_j, cos_j): sin_i cos_j - cos_i sin_j = sin(phi_i - phi_j)
    # (measured ~1.5x faster than two broadcast multiplies on a 2-core CPU).
    left = torch.stack((cos, sin), dim=-1).unsqueeze(1)  # (B, 1, C, S, 2)
    rows = {
        "summation": torch.stack((cos, -sin), dim=-2),
        "difference": torch.stack((-sin, cos), dim=-2),
    }
    right = torch.stack([rows[m] for m in methods], dim=1)  # (B, M, C, 2, S)
    shape = (batch, len(methods), n_channels, size, size)
    if out is None:
        return torch.matmul(left, right).reshape(batch, -1, size, size)
    torch.matmul(left, right, out=out.view(shape))
    return out
