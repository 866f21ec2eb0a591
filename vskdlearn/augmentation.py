"""Series-domain augmentation of wearable sensor windows, for training only.

A few hundred recorded windows are far too few for a network to learn what
does *not* change an activity: the watch strapped at another angle, the same
move done harder or faster, a window cut a little early. Each parameter of
:class:`SensorAugmentation` stands for one such variation, drawn afresh for
every window of every training batch. The student applies it inside its
network (``augmentation -> encoder -> backbone``), so a GAF student sees GAF
images of augmented windows, made per batch and never stored.
"""

import math
from numbers import Real

import numpy as np
import torch
import torch.nn.functional as F
from sklearn.base import BaseEstimator
from sklearn.utils import check_random_state
from sklearn.utils._param_validation import Interval
from torch import nn

__all__ = ["SensorAugmentation", "AugmentationLayer"]

# Knots of the random time warp: few enough that the warp is smooth (a
# change of speed over a quarter of the window, not a jitter of the clock).
_WARP_KNOTS = 4


class SensorAugmentation(BaseEstimator):
    """Random physical variations of sensor windows, for training a network.

    Give it to :class:`~vskdlearn.DistilledStudentClassifier` (or a
    :class:`~vskdlearn.TeacherClassifier` on a sensor modality) as
    ``augmentation=``: every training batch is then augmented afresh inside
    the network, each window on its own draw. It is active only while
    training; prediction, scoring and validation see the windows as recorded.
    Its parameters are reachable by grid search, e.g.
    ``distilledstudentclassifier__augmentation__rotation``.

    Windows are ``(n_channels, n_timestamps)``; rotation needs 3-axis sensors,
    i.e. channels in groups of three (x, y, z of one sensor, then the next).

    Parameters
    ----------
    rotation : float, default=20.0
        Largest angle, in degrees, of a random 3-D rotation of the sensor axes
        (a uniformly random axis; the angle uniform in ``[-rotation,
        rotation]``): the watch sits at another angle on the wrist, or on the
        other side of it. Every 3-axis group of a window turns by the same
        rotation (sensors of one device turn together). 0 turns nothing.
    scaling : float, default=0.2
        Relative amplitude change: each window is multiplied by a factor
        uniform in ``[1 - scaling, 1 + scaling]``, the same move done harder
        or more gently. In [0, 1).
    time_warp : float, default=0.2
        Strength of a smooth random monotone change of speed along the window
        (log-speed at 4 knots drawn with this standard deviation): parts of
        the move done faster, others slower. 0 keeps the clock.
    crop : float, default=0.1
        Largest share of the window cut away (from the start, the end or
        both, at random), the rest resampled back to the full length: a
        window that starts late or ends early, and a move done a little
        slower. In [0, 1).
    jitter : float, default=0.02
        Standard deviation of Gaussian noise added to every value, in the
        data's units (g for the loaders' accelerometers): sensor noise.
    mixup : float, default=0.0
        Concentration ``alpha`` of mixup (Zhang et al., 2018): with ``alpha
        > 0`` each training batch is blended with a shuffled copy of itself,
        weight ``lambda ~ Beta(alpha, alpha)``, and the loss blends the two
        samples' labels *and teacher outputs* with the same weight. 0 turns
        mixup off.

    See Also
    --------
    AugmentationLayer : The torch module that applies it inside a network.

    Notes
    -----
    The order is rotation, scaling, crop and time warp (one resampling), then
    jitter. Every draw comes from a generator owned by the layer and seeded by
    the estimator's ``random_state``: the same seed gives the same augmented
    batches, and torch's global random state is not used.

    Examples
    --------
    >>> import numpy as np
    >>> from vskdlearn.augmentation import SensorAugmentation
    >>> windows = np.random.default_rng(0).normal(size=(4, 3, 50))
    >>> views = SensorAugmentation(rotation=30).augment(windows, random_state=0)
    >>> views.shape
    (4, 3, 50)
    """

    _parameter_constraints = {
        "rotation": [Interval(Real, 0, 180, closed="both")],
        "scaling": [Interval(Real, 0, 1, closed="left")],
        "time_warp": [Interval(Real, 0, None, closed="left")],
        "crop": [Interval(Real, 0, 1, closed="left")],
        "jitter": [Interval(Real, 0, None, closed="left")],
        "mixup": [Interval(Real, 0, None, closed="left")],
    }

    def __init__(
        self,
        rotation=20.0,
        scaling=0.2,
        time_warp=0.2,
        crop=0.1,
        jitter=0.02,
        mixup=0.0,
    ):
        self.rotation = rotation
        self.scaling = scaling
        self.time_warp = time_warp
        self.crop = crop
        self.jitter = jitter
        self.mixup = mixup

    def check(self, n_channels):
        """Validate the parameters for windows of ``n_channels`` channels."""
        self._validate_params()
        if self.rotation > 0 and n_channels % 3:
            raise ValueError(
                f"SensorAugmentation(rotation={self.rotation}) turns 3-axis sensors, "
                f"so the windows' channels must come in groups of 3 (x, y, z); they "
                f"have {n_channels}. Use rotation=0 for other sensors."
            )
        return self

    def to_torch(self, n_channels, seed=None):
        """The :class:`AugmentationLayer` applying this augmentation.

        Parameters
        ----------
        n_channels : int
            Channels of the windows it will see.
        seed : int or None
            Seed of the layer's own generator (None draws one).

        Returns
        -------
        layer : AugmentationLayer
        """
        self.check(n_channels)
        if seed is None:
            seed = int(np.random.SeedSequence().generate_state(1)[0])
        return AugmentationLayer(
            rotation=float(self.rotation),
            scaling=float(self.scaling),
            time_warp=float(self.time_warp),
            crop=float(self.crop),
            jitter=float(self.jitter),
            seed=int(seed),
        )

    def augment(self, X, random_state=None):
        """Augmented views of windows, to look at what training sees.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_channels, n_timestamps)
        random_state : int, RandomState instance or None

        Returns
        -------
        views : ndarray of shape (n_samples, n_channels, n_timestamps), float32
            One augmented view of each window (mixup aside: it needs labels).
        """
        X = np.asarray(X, dtype=np.float32)
        if X.ndim != 3:
            raise ValueError(
                "augment takes windows of shape (n_samples, n_channels, "
                f"n_timestamps); got an array of shape {X.shape}."
            )
        seed = check_random_state(random_state).randint(np.iinfo(np.int32).max)
        layer = self.to_torch(X.shape[1], seed=seed).train()
        with torch.no_grad():
            return layer(torch.from_numpy(X)).numpy()


def _rotation_matrices(n, max_degrees, generator, device):
    """``n`` rotations about uniform random axes, angles in ±max_degrees."""
    axis = torch.randn(n, 3, generator=generator, device=device)
    axis = axis / axis.norm(dim=1, keepdim=True).clamp_min(1e-12)
    angle = (torch.rand(n, generator=generator, device=device) * 2 - 1) * math.radians(
        max_degrees
    )
    x, y, z = axis.unbind(1)
    zero = torch.zeros_like(x)
    # Rodrigues: R = I + sin(a) K + (1 - cos(a)) K^2, K the axis' cross product.
    K = torch.stack([zero, -z, y, z, zero, -x, -y, x, zero], dim=1).view(n, 3, 3)
    eye = torch.eye(3, device=device).expand(n, 3, 3)
    sin, cos = angle.sin()[:, None, None], angle.cos()[:, None, None]
    return eye + sin * K + (1 - cos) * (K @ K)


def _resample_positions(n, n_timestamps, crop, time_warp, generator, device):
    """Where each output step reads the input, in input steps, ``(n, T)``."""
    steps = torch.linspace(0, 1, n_timestamps, device=device).expand(n, -1)
    if time_warp > 0:
        log_speed = time_warp * torch.randn(
            n, 1, _WARP_KNOTS, generator=generator, device=device
        )
        speed = F.interpolate(
            log_speed.exp(), size=n_timestamps, mode="linear", align_corners=True
        )[:, 0]
        elapsed = torch.cumsum(speed, dim=1)
        elapsed = elapsed - elapsed[:, :1]
        steps = elapsed / elapsed[:, -1:].clamp_min(1e-12)
    if crop > 0:
        kept = 1 - crop * torch.rand(n, 1, generator=generator, device=device)
        start = (1 - kept) * torch.rand(n, 1, generator=generator, device=device)
        steps = start + kept * steps
    return steps * (n_timestamps - 1)


def _interpolate(x, positions):
    """Linear interpolation of ``x`` (B, C, T) at ``positions`` (B, T)."""
    n_timestamps = x.shape[-1]
    left = positions.floor().clamp(0, n_timestamps - 2)
    weight = (positions - left).unsqueeze(1)
    left = left.long().unsqueeze(1).expand(-1, x.shape[1], -1)
    return x.gather(-1, left) * (1 - weight) + x.gather(-1, left + 1) * weight


class AugmentationLayer(nn.Module):
    """:class:`SensorAugmentation` as a torch module: random in training only.

    Built by :meth:`SensorAugmentation.to_torch`. In ``eval()`` mode it
    returns its input unchanged, so a fitted network predicts on the windows
    as recorded. Draws come from the layer's own ``torch.Generator``, seeded
    by ``seed`` (a pickled or copied layer starts its generator afresh).

    Parameters
    ----------
    rotation, scaling, time_warp, crop, jitter : float
        As in :class:`SensorAugmentation`.
    seed : int
        Seed of the layer's generator.
    """

    def __init__(self, rotation, scaling, time_warp, crop, jitter, seed):
        super().__init__()
        self.rotation = rotation
        self.scaling = scaling
        self.time_warp = time_warp
        self.crop = crop
        self.jitter = jitter
        self.seed = seed
        self._generators = {}

    def generator(self, device):
        """The layer's generator on ``device`` (seeded on first use)."""
        key = str(device)
        if key not in self._generators:
            self._generators[key] = torch.Generator(device=device).manual_seed(
                self.seed
            )
        return self._generators[key]

    def __getstate__(self):
        state = super().__getstate__().copy()
        state["_generators"] = {}
        return state

    def forward(self, x):
        if not self.training:
            return x
        n, n_channels, n_timestamps = x.shape
        g = self.generator(x.device)
        if self.rotation > 0:
            R = _rotation_matrices(n, self.rotation, g, x.device).to(x.dtype)
            x = torch.einsum("bij,bgjt->bgit", R, x.reshape(n, -1, 3, n_timestamps))
            x = x.reshape(n, n_channels, n_timestamps)
        if self.scaling > 0:
            factor = 1 + self.scaling * (
                torch.rand(n, 1, 1, generator=g, device=x.device) * 2 - 1
            )
            x = x * factor.to(x.dtype)
        if (self.crop > 0 or self.time_warp > 0) and n_timestamps > 1:
            positions = _resample_positions(
                n, n_timestamps, self.crop, self.time_warp, g, x.device
            )
            x = _interpolate(x, positions.to(x.dtype))
        if self.jitter > 0:
            noise = torch.randn(x.shape, generator=g, device=x.device, dtype=x.dtype)
            x = x + self.jitter * noise
        return x

    def extra_repr(self):
        return (
            f"rotation={self.rotation}, scaling={self.scaling}, "
            f"time_warp={self.time_warp}, crop={self.crop}, jitter={self.jitter}"
        )
