"""The registry of modality kinds is what every layer reads."""

import numpy as np
import pytest
import torch

from vskdlearn import TeacherClassifier
from vskdlearn._modality_kinds import (
    MODALITY_KINDS,
    kind_named,
    teacher_modality,
)
from vskdlearn.experiments import DATASETS
from vskdlearn.networks import FusionTeacher


def test_the_teacher_accepts_every_registered_modality():
    names = {m for kind in MODALITY_KINDS.values() for m in kind.modalities}
    allowed = TeacherClassifier._parameter_constraints["modality"][0].options
    assert allowed == names | {"fusion"}


@pytest.mark.parametrize(
    ("inputs", "modality"),
    [
        (("mocap",), "skeleton"),
        (("accelerometer:h02",), "accelerometer"),
        (("gyroscope",), "gyroscope"),
        (("orientation",), "accelerometer"),
        (("depth",), "depth"),
        (("skeleton", "accelerometer"), "fusion"),
    ],
)
def test_teacher_modality_of_dataset_inputs(inputs, modality):
    assert teacher_modality(inputs) == modality


def test_the_experiments_teachers_keep_their_modalities():
    found = {
        (dataset, name): teacher.modality
        for dataset, spec in DATASETS.items()
        for name, teacher in spec.teachers.items()
    }
    assert found == {
        ("synthetic", "video"): "video",
        ("synthetic", "skeleton"): "skeleton",
        ("synthetic", "fusion"): "fusion",
        ("utd-mhad", "skeleton"): "skeleton",
        ("utd-mhad", "fusion"): "fusion",
        ("utd-mhad", "depth"): "depth",
        ("utd-mhad", "fusion-depth"): "fusion",
        ("utd-mhad", "video"): "video",
        ("berkeley-mhad", "body-sensors"): "accelerometer",
        ("berkeley-mhad", "mocap"): "skeleton",
        ("berkeley-mhad", "video"): "video",
        ("mmact", "video"): "video",
        ("mmact", "phone-sensors"): "fusion",
    }


def test_an_unknown_attribute_has_no_kind():
    assert kind_named("audio") is None
    assert kind_named("mocap") == "skeleton"
    assert kind_named("mocap", attributes=False) is None
    with pytest.raises(ValueError, match="No modality kind"):
        teacher_modality(("audio",))


def test_depth_gets_its_colour_axis_from_the_registry_alone():
    depth = MODALITY_KINDS["depth"]
    assert depth.network_shape((8, 16, 16)) == (8, 1, 16, 16)
    assert depth.to_network(np.zeros((2, 8, 16, 16))).shape == (2, 8, 1, 16, 16)
    assert depth.to_network(torch.zeros(2, 8, 16, 16)).shape == (2, 8, 1, 16, 16)
    video = MODALITY_KINDS["video"]
    assert video.network_shape((8, 3, 16, 16)) == (8, 3, 16, 16)
    with pytest.raises(ValueError, match="depth modality must have"):
        depth.network_shape((3, 32))


@pytest.mark.parametrize("kind", list(MODALITY_KINDS))
def test_a_fusion_branch_is_the_registered_network(kind):
    shapes = {
        "skeleton": (6, 20, 3),
        "depth": (6, 12, 12),
        "video": (6, 3, 12, 12),
        "sensor": (3, 24),
    }
    net = FusionTeacher(3, {"x": shapes[kind]}, modality_kinds={"x": kind})
    assert type(net.branches["x"]).__name__ == MODALITY_KINDS[kind].network
    logits, _ = net.eval()(x=torch.zeros(2, *shapes[kind]))
    assert logits.shape == (2, 3)
