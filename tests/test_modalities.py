import numpy as np
import pytest
from sklearn.model_selection import KFold
from sklearn.utils import _safe_indexing
from sklearn.utils.validation import _num_samples, check_consistent_length

from vskdlearn import Modalities


def _bundle(n=6):
    return Modalities(
        skeleton=np.arange(n * 2).reshape(n, 2), accelerometer=np.arange(n) * 10
    )


def test_counts_and_indexes_like_an_array():
    X = _bundle()
    assert len(X) == 6 and X.shape == (6,) and _num_samples(X) == 6
    check_consistent_length(X, np.zeros(6))
    for train, _ in KFold(3).split(np.zeros(6)):
        part = _safe_indexing(X, train)
        assert isinstance(part, Modalities)
        np.testing.assert_array_equal(part["accelerometer"], train * 10)
        np.testing.assert_array_equal(part["skeleton"][:, 0], train * 2)


def test_boolean_and_scalar_indexing():
    X = _bundle()
    mask = np.array([True, False] * 3)
    assert len(X[mask]) == 3
    assert len(X[2]) == 1
    assert X[np.array([0, 1])] == X[[0, 1]]


def test_variable_length_recordings_are_kept_per_sample():
    X = Modalities(skeleton=[np.zeros((3, 2)), np.zeros((5, 2))])
    assert X["skeleton"].dtype == object
    assert X[[1]]["skeleton"][0].shape == (5, 2)


@pytest.mark.parametrize(
    "args, kwargs, error, message",
    [
        ((), {}, ValueError, "at least one modality"),
        ((np.zeros(3),), {}, TypeError, "mapping of modality name"),
        ((), {"a": np.zeros(3), "b": np.zeros(4)}, ValueError, "same number"),
    ],
)
def test_bad_input(args, kwargs, error, message):
    with pytest.raises(error, match=message):
        Modalities(*args, **kwargs)


def test_unknown_modality_and_bad_index():
    X = _bundle()
    with pytest.raises(KeyError, match="holds"):
        X["video"]
    with pytest.raises(IndexError, match="sample axis"):
        X[0, 1]
