"""GAFTransformer: hand-computed images, input handling, errors, sklearn checks."""

import doctest
import pickle
import re

import numpy as np
import pandas as pd
import pytest
from sklearn.base import clone
from sklearn.utils.estimator_checks import parametrize_with_checks

import vskdlearn.gaf._layer
import vskdlearn.gaf._transformer
from vskdlearn.gaf import GAFTransformer
from vskdlearn.gaf._kernel import paa_bounds, paa_matrix

S3 = np.sqrt(3) / 2

# x = [0, 1, 2] scales to cos(phi) = [-1, 0, 1], i.e. phi = [pi, pi/2, 0].
# GASF[i, j] = cos(phi_i + phi_j); GADF[i, j] = sin(phi_i - phi_j).
GASF_3 = [
    [1, 0, -1],  # cos(2pi), cos(3pi/2), cos(pi)
    [0, -1, 0],  # cos(3pi/2), cos(pi), cos(pi/2)
    [-1, 0, 1],  # cos(pi), cos(pi/2), cos(0)
]
GADF_3 = [
    [0, 1, 0],  # sin(0), sin(pi/2), sin(pi)
    [-1, 0, 1],  # sin(-pi/2), sin(0), sin(pi/2)
    [0, -1, 0],  # sin(-pi), sin(-pi/2), sin(0)
]
# x = [1, 3, 2, 5] scales to cos(phi) = [-1, 0, -1/2, 1]: phi = [pi, pi/2, 2pi/3, 0].
GASF_4 = [
    [1, 0, 0.5, -1],  # cos(2pi), cos(3pi/2), cos(5pi/3), cos(pi)
    [0, -1, -S3, 0],  # cos(3pi/2), cos(pi), cos(7pi/6), cos(pi/2)
    [0.5, -S3, -0.5, -0.5],  # cos(5pi/3), cos(7pi/6), cos(4pi/3), cos(2pi/3)
    [-1, 0, -0.5, 1],  # cos(pi), cos(pi/2), cos(2pi/3), cos(0)
]
GADF_4 = [
    [0, 1, S3, 0],  # sin(0), sin(pi/2), sin(pi/3), sin(pi)
    [-1, 0, -0.5, 1],  # sin(-pi/2), sin(0), sin(-pi/6), sin(pi/2)
    [-S3, 0.5, 0, S3],  # sin(-pi/3), sin(pi/6), sin(0), sin(2pi/3)
    [0, -1, -S3, 0],  # sin(-pi), sin(-pi/2), sin(-2pi/3), sin(0)
]


@pytest.mark.parametrize(
    "series, image_size, overlapping, gasf, gadf",
    [
        ([0, 1, 2], 3, False, GASF_3, GADF_3),
        ([1, 3, 2, 5], 4, False, GASF_4, GADF_4),
        ([1, 3, 2, 5], 4, True, GASF_4, GADF_4),
        # PAA of 6 -> 4 uses pyts's segments [0:1], [1:3], [3:4], [4:6]:
        # [1, (2 + 4) / 2, 2, (6 + 4) / 2] = [1, 3, 2, 5].
        ([1, 2, 4, 2, 6, 4], 4, False, GASF_4, GADF_4),
        # Overlapping PAA of 10 -> 4 uses [0:3], [3:6], [5:8], [7:10]:
        # [3 / 3, 9 / 3, (3 + 3 + 0) / 3, (0 + 7 + 8) / 3] = [1, 3, 2, 5].
        ([1, 1, 1, 3, 3, 3, 3, 0, 7, 8], 4, True, GASF_4, GADF_4),
    ],
)
def test_hand_computed_images(series, image_size, overlapping, gasf, gadf):
    X = np.array([[series]], dtype=float)
    gaf = GAFTransformer(image_size=image_size, method="both", overlapping=overlapping)
    images = gaf.fit_transform(X)
    np.testing.assert_allclose(images[0, 0], gasf, atol=1e-6)
    np.testing.assert_allclose(images[0, 1], gadf, atol=1e-6)


# pyts.utils.segmentation worked by hand. Non-overlapping: bounds
# linspace(0, T, S + 1) rounded down. Overlapping: window w = ceil(T / S),
# starts k * w - floor(linspace(0, S * w - T, S)[k]), ends start + w.
@pytest.mark.parametrize(
    "n_timestamps, image_size, overlapping, start, end",
    [
        # linspace(0, 10, 5) = [0, 2.5, 5, 7.5, 10]
        (10, 4, False, [0, 2, 5, 7], [2, 5, 7, 10]),
        # w = 3; surplus 4 * 3 - 10 = 2; linspace(0, 2, 4) = [0, 0.67, 1.33, 2]
        # -> shifts [0, 0, 1, 2]; starts [0, 3, 6, 9] - shifts.
        (10, 4, True, [0, 3, 5, 7], [3, 6, 8, 10]),
        # w = 3; surplus 2; shifts [0, 1, 2]
        (7, 3, True, [0, 2, 4], [3, 5, 7]),
        # w = 3; surplus 0: the non-overlapping segments
        (9, 3, True, [0, 3, 6], [3, 6, 9]),
        # w = 2; surplus 1; linspace(0, 1, 4) = [0, 0.33, 0.67, 1]
        (7, 4, True, [0, 2, 4, 5], [2, 4, 6, 7]),
        # S = T: no PAA either way
        (4, 4, True, [0, 1, 2, 3], [1, 2, 3, 4]),
        # S = 1: one segment, the whole series
        (5, 1, True, [0], [5]),
    ],
)
def test_paa_segment_bounds(n_timestamps, image_size, overlapping, start, end):
    got_start, got_end = paa_bounds(n_timestamps, image_size, overlapping)
    np.testing.assert_array_equal(got_start, start)
    np.testing.assert_array_equal(got_end, end)
    matrix = paa_matrix(n_timestamps, image_size, overlapping).numpy()
    x = np.arange(n_timestamps, dtype=float) ** 2
    expected = [x[a:b].mean() for a, b in zip(start, end, strict=True)]
    np.testing.assert_allclose(x @ matrix, expected, rtol=1e-12)


def test_overlapping_changes_the_images_only_when_segments_differ():
    rng = np.random.default_rng(0)
    X = rng.normal(size=(3, 2, 40))
    plain = GAFTransformer(image_size=8).fit_transform(X)  # 40 / 8: same segments
    np.testing.assert_array_equal(
        GAFTransformer(image_size=8, overlapping=True).fit_transform(X), plain
    )
    plain = GAFTransformer(image_size=7).fit_transform(X)
    overlapped = GAFTransformer(image_size=7, overlapping=True).fit_transform(X)
    assert np.abs(overlapped - plain).max() > 1e-2


def test_channel_order_is_methods_then_channels():
    rng = np.random.default_rng(0)
    X = rng.normal(size=(4, 3, 30))
    both = GAFTransformer(image_size=10, method="both").fit_transform(X)
    gasf = GAFTransformer(image_size=10, method="summation").fit_transform(X)
    gadf = GAFTransformer(image_size=10, method="difference").fit_transform(X)
    assert both.shape == (4, 6, 10, 10)
    np.testing.assert_array_equal(both[:, :3], gasf)
    np.testing.assert_array_equal(both[:, 3:], gadf)
    alone = GAFTransformer(image_size=10, method="summation").fit_transform(X[:, 1])
    np.testing.assert_array_equal(gasf[:, 1:2], alone)


def test_fitted_attributes():
    rng = np.random.default_rng(0)
    X = rng.normal(size=(5, 3, 40))
    X[:, 2] += 10
    gaf = GAFTransformer(image_size=0.25, scaling="fit").fit(X)
    assert gaf.image_size_ == 10
    assert (gaf.n_channels_in_, gaf.n_timestamps_in_) == (3, 40)
    assert gaf.n_features_in_ == 3 * 40
    np.testing.assert_array_equal(gaf.data_min_, X.min(axis=(0, 2)))
    np.testing.assert_array_equal(gaf.data_max_, X.max(axis=(0, 2)))
    fixed = GAFTransformer(image_size=10, scaling=(-8, 8)).fit(X)
    np.testing.assert_array_equal(fixed.data_min_, [-8, -8, -8])
    np.testing.assert_array_equal(fixed.data_max_, [8, 8, 8])


def test_fit_scaling_keeps_amplitude_that_sample_scaling_drops():
    t = np.linspace(0, 2 * np.pi, 60)
    gentle, violent = 0.2 * np.sin(t), 2.0 * np.sin(t)
    X = np.stack([gentle, violent])[:, np.newaxis]
    per_sample = GAFTransformer(image_size=20, scaling="sample").fit_transform(X)
    np.testing.assert_allclose(per_sample[0], per_sample[1], atol=1e-6)
    learned = GAFTransformer(image_size=20, scaling="fit").fit_transform(X)
    assert np.abs(learned[0] - learned[1]).max() > 0.5


def test_fit_scaling_clips_values_beyond_the_training_range():
    rng = np.random.default_rng(0)
    train = rng.uniform(-2, 2, size=(8, 2, 25))
    gaf = GAFTransformer(image_size=25, scaling="fit").fit(train)
    test = 3 * train
    clipped = np.clip(test, gaf.data_min_[:, None], gaf.data_max_[:, None])
    # Equal up to round-off: (max - min) * scale + a need not hit b exactly.
    np.testing.assert_allclose(gaf.transform(test), gaf.transform(clipped), atol=1e-6)
    assert np.abs(gaf.transform(test) - gaf.transform(train)).max() > 0.1


def test_constant_series_gives_the_middle_of_sample_range_not_nan():
    X = np.zeros((3, 2, 12))
    X[1, 1] = 5.0
    X[2, 0] = np.arange(12)  # one channel varies, its neighbour is flat
    images = GAFTransformer(image_size=6, sample_range=(0, 1)).fit_transform(X)
    assert np.isfinite(images).all()
    # cos(phi) = 0.5 (middle of (0, 1)): GASF = 0.25 - 0.75, GADF = 0.
    np.testing.assert_allclose(images[0, :2], -0.5, atol=1e-6)
    np.testing.assert_allclose(images[1, :2], -0.5, atol=1e-6)
    np.testing.assert_allclose(images[2, 1], -0.5, atol=1e-6)
    flat = images[:, 2:][[0, 0, 1, 1, 2], [0, 1, 0, 1, 1]]  # (sample, channel)
    np.testing.assert_array_equal(flat, 0.0)
    assert not np.allclose(images[2, 0], -0.5)
    # "fit" with a channel constant in training: same convention.
    fitted = GAFTransformer(image_size=6, scaling="fit").fit(X[:1])
    np.testing.assert_allclose(fitted.transform(X[:1])[0, 0], -1.0, atol=1e-6)


def test_fixed_range_equals_unscaled_input_scaled_by_hand():
    rng = np.random.default_rng(0)
    X = rng.uniform(-12, 12, size=(6, 3, 20))
    fixed = GAFTransformer(image_size=20, scaling=(-8, 8)).fit_transform(X)
    by_hand = np.clip(X, -8, 8) / 8
    unscaled = GAFTransformer(image_size=20, sample_range=None).fit_transform(by_hand)
    np.testing.assert_allclose(fixed, unscaled, atol=1e-6)


def test_two_d_input_is_one_channel():
    rng = np.random.default_rng(0)
    X = rng.normal(size=(4, 30))
    gaf = GAFTransformer(image_size=8).fit(X)
    assert gaf.n_channels_in_ == 1
    np.testing.assert_array_equal(gaf.transform(X), gaf.transform(X[:, None]))


@pytest.mark.parametrize(
    "convert",
    [
        lambda X: X.tolist(),
        lambda X: X.astype(np.float32),
        lambda X: X.astype(np.int64),
        lambda X: np.asfortranarray(X),
    ],
    ids=["list", "float32", "int", "fortran"],
)
def test_array_likes_give_the_same_images(convert):
    rng = np.random.default_rng(0)
    X = rng.integers(-20, 20, size=(5, 3, 30)).astype(float)
    expected = GAFTransformer(image_size=12).fit_transform(X)
    np.testing.assert_allclose(
        GAFTransformer(image_size=12).fit_transform(convert(X)), expected, atol=1e-6
    )


def test_pandas_dataframe_is_one_channel_and_keeps_column_names():
    rng = np.random.default_rng(0)
    frame = pd.DataFrame(rng.normal(size=(4, 16)), columns=[f"t{i}" for i in range(16)])
    gaf = GAFTransformer(image_size=8).fit(frame)
    assert list(gaf.feature_names_in_) == list(frame.columns)
    from_numpy = GAFTransformer(image_size=8).fit(frame.to_numpy())
    np.testing.assert_array_equal(
        gaf.transform(frame), from_numpy.transform(frame.to_numpy())
    )


def test_pickle_round_trip():
    rng = np.random.default_rng(0)
    X = rng.normal(size=(6, 3, 50))
    gaf = GAFTransformer(image_size=16, scaling="fit").fit(X)
    restored = pickle.loads(pickle.dumps(gaf))
    np.testing.assert_array_equal(restored.data_min_, gaf.data_min_)
    np.testing.assert_array_equal(restored.transform(X), gaf.transform(X))


def test_many_chunks_equal_one_chunk(monkeypatch):
    rng = np.random.default_rng(0)
    X = rng.normal(size=(23, 3, 40))
    whole = GAFTransformer(image_size=10).fit_transform(X)
    monkeypatch.setattr(vskdlearn.gaf._transformer, "_CHUNK_SERIES", 12)  # 4/chunk
    np.testing.assert_array_equal(GAFTransformer(image_size=10).fit_transform(X), whole)


def test_n_jobs_gives_the_same_images_and_restores_torch_threads():
    import torch

    rng = np.random.default_rng(0)
    X = rng.normal(size=(9, 3, 40))
    before = torch.get_num_threads()
    one = GAFTransformer(image_size=10, n_jobs=1).fit_transform(X)
    assert torch.get_num_threads() == before
    two = GAFTransformer(image_size=10, n_jobs=2).fit_transform(X)
    assert torch.get_num_threads() == before
    np.testing.assert_allclose(one, two, atol=1e-7)


X3 = np.random.default_rng(0).normal(size=(4, 3, 20))


def with_value(value, sample, channel, time):
    X = X3.copy()
    X[sample, channel, time] = value
    return X


@pytest.mark.parametrize(
    "params, X, message",
    [
        ({"method": "sum"}, X3, "'method' parameter of GAFTransformer must be"),
        ({"scaling": "minmax"}, X3, "'scaling' parameter of GAFTransformer must be"),
        ({"scaling": (1, 1)}, X3, "with low < high"),
        ({"scaling": (0, np.inf)}, X3, "pair of finite numbers"),
        ({"scaling": (1, 2, 3)}, X3, "or a fixed sensor range (low, high)"),
        ({"sample_range": (0, 2)}, X3, "-1 <= sample_range[0] < sample_range[1] <= 1"),
        ({"sample_range": (1, -1)}, X3, "-1 <= sample_range[0] < sample_range[1]"),
        ({"sample_range": (-1,)}, X3, "or a pair (min, max)"),
        ({"sample_range": None, "scaling": "fit"}, X3, "scaling='fit' cannot apply"),
        ({"sample_range": None}, X3, "must lie in [-1, 1]; sample 0, channel 0 has"),
        ({"image_size": 0}, X3, "'image_size' parameter of GAFTransformer must be"),
        ({"image_size": 1.5}, X3, "'image_size' parameter of GAFTransformer must be"),
        ({"image_size": "64"}, X3, "'image_size' parameter of GAFTransformer must be"),
        ({"n_jobs": 1.5}, X3, "'n_jobs' parameter of GAFTransformer must be"),
        ({"n_jobs": 0}, X3, "'n_jobs' parameter of GAFTransformer must be an int in"),
        (
            {"overlapping": "yes"},
            X3,
            "'overlapping' parameter of GAFTransformer must be an instance of 'bool'",
        ),
        ({"overlapping": 1}, X3, "'overlapping' parameter of GAFTransformer must be"),
        (
            {"image_size": 64},
            X3,
            "image_size=64 is larger than the series length (n_timestamps=20)",
        ),
        ({}, with_value(np.nan, 2, 1, 5), "NaN at sample 2, channel 1, time step 5"),
        ({}, with_value(np.inf, 3, 0, 0), "inf at sample 3, channel 0, time step 0"),
        ({}, with_value(-np.inf, 1, 2, 19), "inf at sample 1, channel 2"),
        ({}, X3[0, 0], "Reshape your data"),
        ({}, X3[:, :, :, None], "got 4-D with shape (4, 3, 20, 1)"),
        ({}, X3[:0], "0 sample(s)"),
        ({}, X3[:, :, :0], "at least one channel and one time step"),
        ({}, [["a", "b"], ["c", "d"]], "could not convert string to float"),
    ],
)
def test_bad_input_in_fit(params, X, message):
    params = {"image_size": 5, **params}
    with pytest.raises(ValueError, match=re.escape(message)):
        GAFTransformer(**params).fit(X)


@pytest.mark.parametrize(
    "fit_X, X, message",
    [
        (X3, X3[:, :2], "X has 2 channel(s), but GAFTransformer was fitted on 3"),
        (X3, X3[:, 0], "fitted on 3 channel(s) (2-D input is one channel)"),
        (X3, X3[:, :, :19], "series of length 19, but GAFTransformer was fitted on"),
        (X3[:, 0], X3[:, 0, :19], "X has 19 features, but GAFTransformer is expecting"),
        (X3, with_value(np.nan, 0, 2, 3), "NaN at sample 0, channel 2, time step 3"),
        (X3, X3[..., None], "X must be 3-D (n_samples, n_channels, n_timestamps) or"),
        (X3, X3[0, 0], "Reshape your data"),
    ],
)
def test_bad_input_in_transform(fit_X, X, message):
    gaf = GAFTransformer(image_size=5).fit(fit_X)
    with pytest.raises(ValueError, match=re.escape(message)):
        gaf.transform(X)


def test_transform_before_fit_says_so():
    with pytest.raises(ValueError, match="not fitted yet"):
        GAFTransformer().transform(X3)


def test_docstring_examples_run():
    for module in (vskdlearn.gaf._transformer, vskdlearn.gaf._layer):
        result = doctest.testmod(module)
        assert result.attempted > 0
        assert result.failed == 0


# scikit-learn's common checks feed 2-D data with a handful of columns, so the
# instances use image sizes that fit any length (fractions, or 1). All checks
# pass: the list of expected failures is empty. Adding one needs a reason here.
EXPECTED_FAILED_CHECKS = {}


@parametrize_with_checks(
    [
        GAFTransformer(image_size=1.0),
        GAFTransformer(image_size=0.5, method="summation", scaling="fit"),
        GAFTransformer(image_size=1, method="difference", scaling=(-5, 5)),
        GAFTransformer(image_size=0.5, overlapping=True),
    ],
    expected_failed_checks=lambda est: EXPECTED_FAILED_CHECKS,
)
def test_sklearn_compatible(estimator, check):
    check(estimator)


def test_clone_keeps_params():
    gaf = GAFTransformer(
        image_size=0.5, method="difference", scaling=(-2, 2), overlapping=True
    )
    assert clone(gaf).get_params() == gaf.get_params()
