"""SensorAugmentation: what each variation does, seeded, and only in training."""

import numpy as np
import pytest
import torch

from vskdlearn.augmentation import SensorAugmentation

OFF = {"rotation": 0, "scaling": 0, "time_warp": 0, "crop": 0, "jitter": 0}


def _windows(n=16, channels=3, length=64, seed=0):
    t = np.linspace(0, 4 * np.pi, length)
    rng = np.random.default_rng(seed)
    phase = rng.uniform(0, np.pi, size=(n, channels, 1))
    return (
        np.sin(t + phase) + rng.normal(scale=0.1, size=(n, channels, length))
    ).astype(np.float32)


def test_identity_in_eval_mode():
    layer = SensorAugmentation().to_torch(3, seed=0).eval()
    x = torch.from_numpy(_windows())
    assert torch.equal(layer(x), x)
    assert not torch.equal(layer.train()(x), x)


def test_same_seed_same_batch_other_seed_other_batch():
    X = _windows()
    a = SensorAugmentation().augment(X, random_state=0)
    b = SensorAugmentation().augment(X, random_state=0)
    c = SensorAugmentation().augment(X, random_state=1)
    np.testing.assert_array_equal(a, b)
    assert not np.allclose(a, c)


def test_augmentation_leaves_torch_global_generator_alone():
    torch.manual_seed(123)
    expected = torch.rand(3)
    torch.manual_seed(123)
    SensorAugmentation().augment(_windows(), random_state=0)
    assert torch.equal(torch.rand(3), expected)


def test_rotation_preserves_each_samples_norm_and_turns_it():
    X = _windows(channels=6)  # two 3-axis sensors of one device
    views = SensorAugmentation(**{**OFF, "rotation": 90}).augment(X, random_state=0)
    for group in (slice(0, 3), slice(3, 6)):
        np.testing.assert_allclose(
            np.linalg.norm(views[:, group], axis=1),
            np.linalg.norm(X[:, group], axis=1),
            rtol=1e-5,
            atol=1e-5,
        )
    assert np.abs(views - X).max() > 0.1
    # Both sensors turn by the same rotation: their dot product is kept.
    np.testing.assert_allclose(
        (views[:, :3] * views[:, 3:]).sum(axis=1),
        (X[:, :3] * X[:, 3:]).sum(axis=1),
        rtol=1e-4,
        atol=1e-4,
    )


def test_scaling_multiplies_each_window_within_its_range():
    X = _windows()
    views = SensorAugmentation(**{**OFF, "scaling": 0.2}).augment(X, random_state=0)
    ratio = views / X
    per_window = ratio.reshape(len(X), -1)
    np.testing.assert_allclose(
        per_window, np.broadcast_to(per_window[:, :1], per_window.shape), rtol=1e-4
    )
    assert (0.8 <= per_window[:, 0]).all() and (per_window[:, 0] <= 1.2).all()
    assert per_window[:, 0].std() > 0.01


@pytest.mark.parametrize("params", [{"crop": 0.3}, {"time_warp": 0.5}])
def test_crop_and_warp_keep_the_length_and_the_values_range(params):
    X = _windows(length=50)
    views = SensorAugmentation(**{**OFF, **params}).augment(X, random_state=0)
    assert views.shape == X.shape
    # Resampling interpolates: no value leaves the window's own range.
    assert (views.max(axis=2) <= X.max(axis=2) + 1e-5).all()
    assert (views.min(axis=2) >= X.min(axis=2) - 1e-5).all()
    assert np.abs(views - X).max() > 0.05


def test_crop_keeps_a_contiguous_part_of_a_ramp():
    # On a ramp, crop-and-resample gives another ramp over a sub-range.
    ramp = np.tile(np.linspace(0, 1, 100, dtype=np.float32), (8, 3, 1))
    views = SensorAugmentation(**{**OFF, "crop": 0.5}).augment(ramp, random_state=0)
    first, last = views[:, 0, 0], views[:, 0, -1]
    assert (last - first >= 0.5 - 1e-5).all() and (last - first < 1).any()
    assert (np.diff(views, axis=2) >= -1e-6).all()


def test_jitter_adds_noise_of_the_given_scale():
    X = np.zeros((64, 3, 200), dtype=np.float32)
    views = SensorAugmentation(**{**OFF, "jitter": 0.05}).augment(X, random_state=0)
    assert views.std() == pytest.approx(0.05, rel=0.05)


def test_all_off_is_the_identity_in_training_too():
    X = _windows()
    np.testing.assert_array_equal(SensorAugmentation(**OFF).augment(X), X)


@pytest.mark.parametrize(
    "params, n_channels, error, message",
    [
        ({"rotation": 20}, 4, ValueError, "groups of 3.*rotation=0"),
        ({"scaling": 1.5}, 3, ValueError, "scaling"),
        ({"crop": -0.1}, 3, ValueError, "crop"),
        ({"jitter": "a"}, 3, TypeError, "jitter"),
    ],
)
def test_bad_parameters_are_refused(params, n_channels, error, message):
    with pytest.raises(error, match=message):
        SensorAugmentation(**params).to_torch(n_channels, seed=0)


def test_augment_refuses_a_non_window_array():
    with pytest.raises(ValueError, match="n_samples, n_channels, n_timestamps"):
        SensorAugmentation().augment(np.zeros((4, 10)))


def test_layer_pickles_and_copies():
    import copy
    import pickle

    layer = SensorAugmentation().to_torch(3, seed=5).train()
    x = torch.from_numpy(_windows())
    layer(x)  # its generator has moved on
    for other in (pickle.loads(pickle.dumps(layer)), copy.deepcopy(layer)):
        fresh = SensorAugmentation().to_torch(3, seed=5).train()
        assert torch.equal(other(x), fresh(x))  # a copy starts from its seed
