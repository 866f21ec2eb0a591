"""Variable-length recordings are refused with a message on how to resample."""

import re

import numpy as np
import pandas as pd
import pytest

from vskdlearn import DistilledStudentClassifier, GAFTransformer, TeacherClassifier
from vskdlearn._validation import check_not_ragged

rng = np.random.default_rng(0)


def _objects(arrays):
    out = np.empty(len(arrays), dtype=object)
    out[:] = arrays
    return out


# As the loaders give with n_timestamps=None / n_frames=None.
SERIES = _objects([rng.normal(size=(3, n)) for n in (30, 41, 30, 52)])
SKELETONS = _objects([rng.normal(size=(n, 20, 3)) for n in (8, 9, 8, 10)])
NESTED = pd.DataFrame(  # sktime's nested format: one series per cell
    {"x": [pd.Series(rng.normal(size=n)) for n in (30, 41, 30, 52)]}
)
Y = [0, 1, 0, 1]


def _fit(estimator, X):
    return lambda: estimator.fit(X, Y)


@pytest.mark.parametrize(
    "fit, message",
    [
        (_fit(GAFTransformer(image_size=8), SERIES), "of different lengths"),
        (_fit(GAFTransformer(image_size=8), list(SERIES)), "a list of recordings"),
        (_fit(GAFTransformer(image_size=8), NESTED), "is a nested DataFrame"),
        (_fit(TeacherClassifier("accelerometer"), SERIES), "n_timestamps=None"),
        (_fit(TeacherClassifier("skeleton"), SKELETONS), "(8, 20, 3), (9, 20, 3)"),
        (_fit(TeacherClassifier("accelerometer"), NESTED), "from_nested_to_3d"),
        (
            _fit(DistilledStudentClassifier(distillation="none"), SERIES),
            "DistilledStudentClassifier takes one array of equal-length",
        ),
    ],
)
def test_variable_length_recordings_are_refused_saying_how_to_resample(fit, message):
    with pytest.raises(ValueError, match=re.escape(message)) as info:
        fit()
    assert "n_timestamps=128" in str(info.value)
    assert "setting an array element" not in str(info.value)


def test_a_fusion_teacher_names_the_ragged_modality():
    bundle = {"skeleton": SKELETONS, "accelerometer": np.zeros((4, 3, 16))}
    with pytest.raises(ValueError, match=re.escape("X['skeleton'] is an object")):
        TeacherClassifier("fusion").fit(bundle, Y)


def test_equal_shapes_in_an_object_array_are_told_to_be_stacked():
    with pytest.raises(ValueError, match=re.escape("np.stack(list(X))")):
        GAFTransformer(image_size=8).fit(_objects([np.zeros((3, 20))] * 4))


def test_transform_refuses_them_too():
    gaf = GAFTransformer(image_size=8).fit(np.zeros((4, 3, 30)) + np.arange(30))
    with pytest.raises(ValueError, match="of different lengths"):
        gaf.transform(SERIES)


@pytest.mark.parametrize(
    "X",
    [
        np.zeros((4, 3, 20)),
        [[1.0, 2.0], [3.0, 4.0]],
        np.array([1.0, "a"], dtype=object),
        pd.DataFrame({"a": [1.0, 2.0]}),
    ],
)
def test_ordinary_input_passes_through(X):
    check_not_ragged(X, "X", "E")
