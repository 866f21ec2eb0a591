"""GAFTransformer's streaming ways: batches, an output array, scoped threads."""

import numpy as np
import pytest
import torch

from vskdlearn import GAFTransformer


@pytest.fixture(scope="module")
def windows():
    return np.random.default_rng(0).normal(size=(23, 3, 40)).astype(np.float32)


def test_batches_are_the_transform_in_pieces(windows):
    gaf = GAFTransformer(image_size=16, scaling="fit").fit(windows)
    batches = list(gaf.iter_transform(windows, batch_size=10))
    assert [len(b) for b in batches] == [10, 10, 3]
    np.testing.assert_array_equal(np.concatenate(batches), gaf.transform(windows))


def test_images_are_written_into_a_memory_mapped_file(windows, tmp_path):
    gaf = GAFTransformer(image_size=16).fit(windows)
    out = np.lib.format.open_memmap(
        tmp_path / "images.npy", mode="w+", dtype=np.float32, shape=(23, 6, 16, 16)
    )
    assert gaf.transform(windows, out=out) is out
    out.flush()
    np.testing.assert_array_equal(
        np.load(tmp_path / "images.npy"), gaf.transform(windows)
    )


@pytest.mark.parametrize(
    "out",
    [np.empty((23, 6, 16, 15), np.float32), np.empty((23, 6, 16, 16)), [[0.0]]],
)
def test_a_wrong_output_array_is_refused(windows, out):
    gaf = GAFTransformer(image_size=16).fit(windows)
    with pytest.raises(ValueError, match=r"float32 array of shape \(23, 6, 16, 16\)"):
        gaf.transform(windows, out=out)


def test_batch_size_is_checked(windows):
    gaf = GAFTransformer(image_size=16).fit(windows)
    with pytest.raises(ValueError, match="batch_size must be a positive int"):
        next(gaf.iter_transform(windows, batch_size=0))


def test_transform_limits_threads_of_its_own_thread_only(windows, monkeypatch):
    # torch.set_num_threads changes the count every new thread starts with
    # (and MKL's, process-wide): a worker pool's other threads would see it.
    calls = []
    monkeypatch.setattr(torch, "set_num_threads", calls.append)
    gaf = GAFTransformer(image_size=16, n_jobs=1).fit(windows)
    seen = []

    def forward(*args, **kwargs):
        seen.append(torch.get_num_threads())
        return kernel(*args, **kwargs)

    import vskdlearn.gaf._transformer as module

    kernel = module.gramian_angular_field
    monkeypatch.setattr(module, "gramian_angular_field", forward)
    gaf.transform(windows)
    assert calls == [] and seen == [1]
