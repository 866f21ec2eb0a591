"""Properties of GAF images on arbitrary series (hypothesis)."""

import numpy as np
import torch
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from vskdlearn.gaf import GAFTransformer

FINITE = st.floats(-1e4, 1e4, allow_nan=False, width=32)


@st.composite
def series_and_size(draw, max_timestamps=30):
    n_samples = draw(st.integers(1, 4))
    n_channels = draw(st.integers(1, 3))
    n_timestamps = draw(st.integers(1, max_timestamps))
    X = draw(arrays(np.float32, (n_samples, n_channels, n_timestamps), elements=FINITE))
    image_size = draw(
        st.integers(1, n_timestamps) | st.floats(0.01, 1.0, exclude_min=True)
    )
    return X, image_size


SCALINGS = st.sampled_from(["sample", "fit", (-100.0, 100.0)])
RANGES = st.sampled_from([(-1, 1), (0, 1), (-0.7, 0.2)])
# No deadline or speed health check: the 2-core test machine is shared.
PROPERTY = settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow]
)


@PROPERTY
@given(series_and_size(), SCALINGS, RANGES)
def test_images_are_finite_and_within_minus_one_one(data, scaling, sample_range):
    X, image_size = data
    gaf = GAFTransformer(image_size, scaling=scaling, sample_range=sample_range)
    images = gaf.fit_transform(X)
    size = gaf.image_size_
    assert images.shape == (X.shape[0], 2 * X.shape[1], size, size)
    assert np.isfinite(images).all()
    assert np.abs(images).max() <= 1 + 1e-6  # float32 round-off of a cos/sin


@PROPERTY
@given(series_and_size(), SCALINGS)
def test_gasf_symmetric_and_gadf_antisymmetric(data, scaling):
    X, image_size = data
    images = GAFTransformer(image_size, scaling=scaling).fit_transform(X)
    n_channels = X.shape[1]
    gasf, gadf = images[:, :n_channels], images[:, n_channels:]
    np.testing.assert_allclose(gasf, gasf.transpose(0, 1, 3, 2), atol=1e-6)
    np.testing.assert_allclose(gadf, -gadf.transpose(0, 1, 3, 2), atol=1e-6)
    # The diagonal of GADF is sin(0); that of GASF is cos(2 phi_i) = 2 cos^2 - 1.
    np.testing.assert_allclose(np.diagonal(gadf, axis1=2, axis2=3), 0, atol=1e-6)


@PROPERTY
@given(series_and_size(), SCALINGS, st.sampled_from(["summation", "both"]))
def test_layer_equals_transformer(data, scaling, method):
    # Arbitrary float32 values in float64: the layer computes in its input's
    # dtype, so this is the transformer's own precision, to the same 1e-6.
    X, image_size = data
    gaf = GAFTransformer(image_size, method=method, scaling=scaling).fit(X)
    with torch.no_grad():
        from_layer = gaf.to_torch()(torch.from_numpy(X.astype(np.float64))).numpy()
    np.testing.assert_allclose(from_layer, gaf.transform(X), atol=1e-6)


@st.composite
def sensor_readouts(draw, max_timestamps=30):
    # What a wearable delivers: 16-bit counts, here scaled to +-16 g.
    n_samples, n_channels = draw(st.integers(1, 4)), draw(st.integers(1, 3))
    n_timestamps = draw(st.integers(1, max_timestamps))
    counts = draw(
        arrays(
            np.int32,
            (n_samples, n_channels, n_timestamps),
            elements=st.integers(-(2**15), 2**15 - 1),
        )
    )
    image_size = draw(
        st.integers(1, n_timestamps) | st.floats(0.01, 1.0, exclude_min=True)
    )
    return counts.astype(np.float32) / np.float32(2**11), image_size


@PROPERTY
@given(sensor_readouts(), SCALINGS, st.sampled_from(["summation", "both"]))
def test_float32_layer_equals_transformer_on_sensor_readouts(data, scaling, method):
    # The exported graph is float32 throughout. On sensor read-outs (fewer
    # significant bits than a float32) its PAA sums are exact, so it keeps the
    # 1e-6 of the float64 series stage (3000 examples passed when written).
    # Full-precision float32 series are not this lucky: see
    # test_float32_layer_error_on_full_precision_series in test_gaf_layer.py.
    X, image_size = data
    gaf = GAFTransformer(image_size, method=method, scaling=scaling).fit(X)
    with torch.no_grad():
        from_layer = gaf.to_torch()(torch.from_numpy(X)).numpy()
    np.testing.assert_allclose(from_layer, gaf.transform(X), atol=1e-6)


@PROPERTY
@given(series_and_size(max_timestamps=20), st.floats(1.5, 50))
def test_fit_scaling_clips_values_outside_the_training_range(data, factor):
    X, _ = data
    # image_size = n_timestamps (no PAA averaging): clipping the scaled series is
    # then the same as clipping the raw values to the learned range.
    gaf = GAFTransformer(image_size=1.0, scaling="fit").fit(X)
    wider = X.astype(np.float64) * factor + np.sign(X) * 10
    clipped = np.clip(wider, gaf.data_min_[:, None], gaf.data_max_[:, None])
    np.testing.assert_allclose(gaf.transform(wider), gaf.transform(clipped), atol=2e-6)


@PROPERTY
@given(
    series_and_size(max_timestamps=20),
    st.tuples(FINITE, st.floats(1e-2, 1e3)).map(lambda t: (t[0], t[0] + t[1])),
)
def test_fixed_range_is_a_clipped_affine_map(data, sensor_range):
    X, _ = data
    low, high = sensor_range
    fixed = GAFTransformer(image_size=1.0, scaling=sensor_range).fit_transform(X)
    scaled = (np.clip(X.astype(np.float64), low, high) - low) / (high - low) * 2 - 1
    unscaled = GAFTransformer(image_size=1.0, sample_range=None)
    np.testing.assert_allclose(fixed, unscaled.fit_transform(scaled), atol=2e-6)
