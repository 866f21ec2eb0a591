"""GAFLayer: same numerics as GAFTransformer, as a torch module."""

import io
import pickle
import re

import numpy as np
import pytest
import torch

from vskdlearn.gaf import GAFLayer, GAFTransformer


@pytest.fixture
def windows():
    rng = np.random.default_rng(0)
    return rng.normal(scale=2.0, size=(7, 3, 90)).astype(np.float32)


@pytest.mark.parametrize("overlapping", [False, True])
@pytest.mark.parametrize("scaling", ["sample", "fit", (-3, 3)])
@pytest.mark.parametrize("method", ["summation", "difference", "both"])
def test_to_torch_gives_the_transformer_images(windows, scaling, method, overlapping):
    gaf = GAFTransformer(
        image_size=32, method=method, scaling=scaling, overlapping=overlapping
    )
    gaf.fit(windows[:4])
    layer = gaf.to_torch()
    assert layer.overlapping is overlapping
    with torch.no_grad():
        images = layer(torch.from_numpy(windows))
    assert images.dtype == torch.float32
    assert images.shape == (7, 3 * layer.n_methods, 32, 32)
    np.testing.assert_allclose(images.numpy(), gaf.transform(windows), atol=1e-6)


@pytest.mark.parametrize("image_size", [32, 7, 90, 0.45])
def test_overlapping_layer_equals_the_transformer(windows, image_size):
    layer = GAFLayer(image_size=image_size, overlapping=True)
    gaf = GAFTransformer(image_size=image_size, overlapping=True).fit(windows)
    with torch.no_grad():
        images = layer(torch.from_numpy(windows))
    np.testing.assert_allclose(images.numpy(), gaf.transform(windows), atol=1e-6)


def test_float32_layer_error_on_full_precision_series(shared_datasets):
    # The layer's series stage runs in float32 (an exported graph holds no
    # float64); the transformer's in float64. On UTD-MHAD accelerometer windows
    # as the loader gives them (resampled, every float32 bit used), a PAA value
    # a few float32 ulps from its window's extreme has a sine that float32
    # cannot resolve: measured worst pixel 4.9e-5 at image_size=64 (173
    # recordings), a median of 0. Fixed ranges stay within 1e-6.
    from vskdlearn.datasets import load_utd_mhad

    data = load_utd_mhad(shared_datasets / "utd_mhad", modalities=("inertial",))
    windows = data.accelerometer[::4]
    assert windows.dtype == np.float32
    for image_size, scaling, bound in [(64, "sample", 1e-4), (32, (-8, 8), 1e-6)]:
        gaf = GAFTransformer(image_size=image_size, scaling=scaling).fit(windows)
        with torch.no_grad():
            images = gaf.to_torch()(torch.from_numpy(windows)).numpy()
        error = np.abs(images - gaf.transform(windows))
        assert error.max() <= bound
        assert np.median(error) <= 1e-7


def test_paa_is_a_float32_buffer_and_follows_overlapping():
    layer = GAFLayer(image_size=8, n_timestamps=20)
    assert {"paa", "paa_weights", "paa_common"} <= dict(layer.named_buffers()).keys()
    assert all(b.dtype == torch.float32 for b in layer.buffers())
    assert "paa" not in layer.state_dict()  # derived, not a weight
    before = layer.paa.clone()
    layer.overlapping = True
    assert not torch.equal(before, layer.paa)
    x = torch.randn(3, 2, 20)
    torch.testing.assert_close(
        layer(x), GAFLayer(8, overlapping=True, n_timestamps=20)(x)
    )


@pytest.mark.parametrize("scaling", ["sample", "fit", (-3, 3)])
@pytest.mark.parametrize("how", ["script", "trace"])
def test_layer_scripts_and_traces(windows, scaling, how):
    gaf = GAFTransformer(image_size=16, scaling=scaling).fit(windows)
    layer = gaf.to_torch()
    x = torch.from_numpy(windows)
    if how == "script":
        compiled = torch.jit.script(layer)
    else:
        with pytest.warns(Warning):  # torch deprecates jit.trace
            compiled = torch.jit.trace(layer, x[:2])
    other = torch.randn(5, 3, 90) * 2  # another batch size than the trace's
    torch.testing.assert_close(compiled(other), layer(other))
    if how == "script":
        with pytest.raises(Exception, match="built for series of length 90"):
            compiled(torch.randn(2, 3, 80))


def test_paa_cache_is_keyed_on_overlapping(windows):
    x = torch.from_numpy(windows)
    layer = GAFLayer(image_size=32)
    plain = layer(x)
    layer.overlapping = True  # the cached non-overlapping matrix must not be reused
    overlapped = layer(x)
    torch.testing.assert_close(overlapped, GAFLayer(32, overlapping=True)(x))
    assert (overlapped - plain).abs().max() > 1e-2


def test_fit_ranges_are_buffers_that_travel_with_the_state_dict(windows):
    gaf = GAFTransformer(image_size=16, scaling="fit").fit(windows)
    layer = gaf.to_torch()
    state = layer.state_dict()
    np.testing.assert_array_equal(state["data_min"].numpy(), gaf.data_min_)
    np.testing.assert_array_equal(state["data_max"].numpy(), gaf.data_max_)
    blank = GAFLayer(16, scaling="fit", data_min=[0, 0, 0], data_max=[1, 1, 1])
    blank.load_state_dict(state)
    x = torch.from_numpy(windows)
    torch.testing.assert_close(blank(x), layer(x))


def test_layer_survives_pickle_and_torch_save(windows):
    layer = GAFTransformer(image_size=16, scaling=(-4, 4)).fit(windows).to_torch()
    x = torch.from_numpy(windows)
    buffer = io.BytesIO()
    torch.save(layer, buffer)
    buffer.seek(0)
    loaded = torch.load(buffer, weights_only=False)
    torch.testing.assert_close(loaded(x), layer(x))
    torch.testing.assert_close(pickle.loads(pickle.dumps(layer))(x), layer(x))


def test_layer_in_a_model_is_differentiable_and_exportable(windows):
    model = torch.nn.Sequential(
        GAFLayer(image_size=16), torch.nn.Flatten(), torch.nn.Linear(6 * 16 * 16, 4)
    )
    x = torch.from_numpy(windows).requires_grad_()
    model(x).sum().backward()
    assert x.grad is not None and torch.isfinite(x.grad).all()
    exported = torch.export.export(model.eval(), (torch.from_numpy(windows),))
    other = torch.randn(7, 3, 90)
    torch.testing.assert_close(exported.module()(other), model(other))


def test_float_image_size_resolves_per_length():
    layer = GAFLayer(image_size=0.5, method="summation")
    assert layer(torch.randn(2, 1, 40)).shape == (2, 1, 20, 20)
    assert layer(torch.randn(2, 1, 30)).shape == (2, 1, 15, 15)


def test_output_dtype_follows_a_floating_input():
    layer = GAFLayer(image_size=8)
    assert layer(torch.randn(2, 3, 20, dtype=torch.float64)).dtype == torch.float64
    assert layer(torch.randint(0, 9, (2, 3, 20))).dtype == torch.float32


@pytest.mark.parametrize(
    "params, message",
    [
        ({"method": "sum"}, "method must be 'summation' (GASF), 'difference'"),
        ({"scaling": "fit"}, "scaling='fit' needs the per-channel range"),
        ({"data_min": [0.0], "data_max": [1.0]}, "only used with scaling='fit'"),
        (
            {"scaling": "fit", "data_min": [0, 0], "data_max": [1]},
            "data_min and data_max must have the same length",
        ),
        ({"scaling": (2, -2)}, "with low < high"),
        ({"sample_range": (-2, 1)}, "-1 <= sample_range[0] < sample_range[1] <= 1"),
        ({"overlapping": "yes"}, "overlapping must be a bool: False for pyts's"),
        ({"overlapping": None}, "overlapping must be a bool"),
        ({"image_size": 0}, "image_size must be at least 1"),
        ({"image_size": 1.5}, "must be in (0, 1]"),
        ({"image_size": 100, "n_timestamps": 50}, "image_size=100 is larger than"),
    ],
)
def test_bad_layer_params(params, message):
    with pytest.raises(ValueError, match=re.escape(message)):
        GAFLayer(**{"image_size": 8, **params})


@pytest.mark.parametrize(
    "params, shape, message",
    [
        ({}, (4, 20), "expects a tensor of shape (batch, n_channels, n_timestamps)"),
        ({"n_timestamps": 20}, (2, 3, 21), "built for series of length 20; got"),
        (
            {"scaling": "fit", "data_min": [0, 0, 0], "data_max": [1, 1, 1]},
            (2, 2, 20),
            "holds ranges for 3 channels; got 2",
        ),
        ({"image_size": 30}, (2, 3, 20), "image_size=30 is larger than the series"),
    ],
)
def test_bad_layer_input(params, shape, message):
    layer = GAFLayer(**{"image_size": 8, **params})
    with pytest.raises(ValueError, match=re.escape(message)):
        layer(torch.randn(*shape))
