"""GAFTransformer against the oracle, pyts.image.GramianAngularField.

pyts is univariate: channel ``c`` of our output block ``m`` must equal pyts's
images of ``X[:, c]`` with method ``m``.
"""

import numpy as np
import pytest
from scipy.io import loadmat

from vskdlearn.gaf import GAFTransformer

METHODS = ("summation", "difference")


@pytest.fixture(scope="module")
def pyts_gaf():
    # pyts.image compiles numba kernels at import (~20 s): once per session.
    return pytest.importorskip("pyts.image").GramianAngularField


def assert_matches_pyts(
    pyts_gaf, X, image_size, sample_range=(-1, 1), overlapping=False
):
    images = GAFTransformer(
        image_size=image_size,
        method="both",
        sample_range=sample_range,
        overlapping=overlapping,
    ).fit_transform(X)
    n_channels = X.shape[1]
    for m, method in enumerate(METHODS):
        for c in range(n_channels):
            expected = pyts_gaf(
                image_size=image_size,
                method=method,
                sample_range=sample_range,
                overlapping=overlapping,
            ).transform(X[:, c])
            np.testing.assert_allclose(
                images[:, m * n_channels + c], expected, rtol=0, atol=1e-5
            )
    return images


_SEGMENTS = [
    (180, 64),  # the paper's setting; 180 / 64 is not an integer
    (180, 60),  # divisible: equal segments
    (37, 7),  # uneven segments of 5 and 6
    (37, 37),  # no PAA
    (50, 0.3),  # float fraction: ceil(15.0) = 15
    (100, 0.55),  # float fraction with round-off: ceil(55.00000000000001) = 56
    (23, 1.0),
    (30, 2),
]
_OVERLAPPING_SEGMENTS = [
    (180, 64),  # window 3, 12 steps shared between neighbours
    (180, 60),  # divisible: the same segments as without overlap
    (37, 7),  # window 6, 5 shared steps
    (10, 4),  # window 3, 2 shared steps (the hand-checked bounds)
    (31, 30),  # window 2, 29 shared steps: almost every neighbour overlaps
    (37, 37),  # no PAA
    (50, 0.3),  # float fraction: 15 segments of 4
    (100, 0.55),  # float fraction with round-off: 56 segments of 2
    (30, 2),
]


@pytest.mark.parametrize(
    "n_timestamps, image_size, overlapping",
    [(*case, False) for case in _SEGMENTS]
    + [(*case, True) for case in _OVERLAPPING_SEGMENTS],
)
@pytest.mark.parametrize("walk", [False, True], ids=["noise", "random-walk"])
def test_random_data_matches_pyts(
    pyts_gaf, n_timestamps, image_size, overlapping, walk
):
    rng = np.random.default_rng(n_timestamps)
    X = rng.normal(scale=3.0, size=(12, 3, n_timestamps))
    if walk:
        X = X.cumsum(axis=-1)
    images = assert_matches_pyts(pyts_gaf, X, image_size, overlapping=overlapping)
    assert images.dtype == np.float32


@pytest.mark.parametrize("sample_range", [(0, 1), (-0.5, 0.8), None])
def test_sample_range_matches_pyts(pyts_gaf, sample_range):
    rng = np.random.default_rng(1)
    X = rng.normal(size=(10, 2, 45))
    if sample_range is None:
        X = np.tanh(X)  # pyts's None: the data must already lie in [-1, 1]
    assert_matches_pyts(pyts_gaf, X, image_size=16, sample_range=sample_range)


def test_float32_input_matches_pyts_near_the_ends(pyts_gaf):
    # sqrt(1 - x**2) is ill-conditioned at x = +-1: values a hair from a window's
    # extremes are where a float32 series stage would miss 1e-5.
    rng = np.random.default_rng(2)
    X = rng.normal(size=(20, 1, 64)).astype(np.float32)
    top = X.max(axis=-1, keepdims=True)
    X[:, :, ::7] = top - np.float32(1e-6) * np.abs(top)
    X[:, :, 3::7] = X.min(axis=-1, keepdims=True) + np.float32(1e-6)
    images = GAFTransformer(image_size=64, method="both").fit_transform(X)
    for m, method in enumerate(METHODS):
        expected = pyts_gaf(image_size=64, method=method).transform(
            X[:, 0].astype(np.float64)
        )
        np.testing.assert_allclose(images[:, m], expected, rtol=0, atol=1e-5)


def test_constant_window_differs_from_pyts_on_purpose(pyts_gaf):
    # A flat window has no shape. We put it in the middle of sample_range
    # (cos(phi) = 0: GASF -1, GADF 0); pyts, via sklearn's MinMaxScaler, puts it
    # at the bottom (cos(phi) = -1: GASF +1). Neither is NaN.
    X = np.full((1, 1, 20), 9.81)
    ours = GAFTransformer(image_size=10, method="both").fit_transform(X)
    np.testing.assert_array_equal(ours[0, 0], -1.0)
    np.testing.assert_array_equal(ours[0, 1], 0.0)
    theirs = pyts_gaf(image_size=10).transform(X[:, 0])
    np.testing.assert_allclose(theirs[0], 1.0)


@pytest.mark.realdata
@pytest.mark.parametrize("image_size", [64, 0.5, 37])
def test_utd_mhad_accelerometer_matches_pyts(pyts_gaf, shared_datasets, image_size):
    files = sorted((shared_datasets / "utd_mhad" / "Inertial").glob("*.mat"))
    if not files:
        pytest.skip(f"no UTD-MHAD inertial .mat files under {shared_datasets}")
    # Every 43rd recording: 21 windows across actions and subjects, lengths
    # 164-270 samples (none a multiple of 64).
    for path in files[::43]:
        inertial = loadmat(path)["d_iner"]  # (T, 6): acc x/y/z in g, then gyro
        accelerometer = inertial[:, :3].T[np.newaxis]  # (1, 3, T)
        assert_matches_pyts(pyts_gaf, accelerometer, image_size)
