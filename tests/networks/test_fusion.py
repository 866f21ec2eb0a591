import pytest
import torch

from vskdlearn.networks import (
    FusionTeacher,
    SensorCNN,
    SkeletonTeacher,
    VideoTRNTeacher,
)

N_CLASSES = 4
SHAPES = {
    "skeleton": (12, 20, 3),
    "accelerometer": (3, 32),
    "gyroscope": (3, 32),
    "video": (8, 3, 16, 16),
    "depth": (8, 16, 16),
}


def _inputs(names, batch=3, seed=0):
    g = torch.Generator().manual_seed(seed)
    return {n: torch.rand(batch, *SHAPES[n], generator=g) for n in names}


@pytest.mark.parametrize(
    "names",
    [
        ("skeleton", "accelerometer"),
        ("skeleton", "accelerometer", "gyroscope"),
        ("video", "accelerometer", "skeleton"),
        ("depth", "gyroscope"),
    ],
)
def test_two_and_three_modalities(names):
    torch.manual_seed(0)
    net = FusionTeacher(N_CLASSES, {n: SHAPES[n] for n in names}, embedding_dim=32)
    logits, embedding = net(**_inputs(names))
    assert logits.shape == (3, N_CLASSES)
    assert embedding.shape == (3, 32) and net.embedding_dim == 32
    assert all(
        isinstance(b.classifier, torch.nn.Identity) for b in net.branches.values()
    )
    assert net.fc0.in_features == net.branch_dim * len(names)


def test_branch_choice_from_names_and_shapes():
    net = FusionTeacher(
        N_CLASSES,
        {
            "skeleton": SHAPES["skeleton"],
            "accelerometer": SHAPES["accelerometer"],
            "video": SHAPES["video"],
            "depth": SHAPES["depth"],
            "wrist": (6, 40),  # no hint in the name: a (C, T) series
            "mocap_markers": (10, 30, 3),
        },
    )
    assert net.modality_kinds == {
        "skeleton": "skeleton",
        "accelerometer": "sensor",
        "video": "video",
        "depth": "depth",
        "wrist": "sensor",
        "mocap_markers": "skeleton",
    }
    assert isinstance(net.branches["skeleton"], SkeletonTeacher)
    assert isinstance(net.branches["wrist"], SensorCNN)
    assert isinstance(net.branches["video"], VideoTRNTeacher)
    assert net.branches["depth"].input_shape == (8, 1, 16, 16)


def test_modality_kinds_and_branch_params_override():
    net = FusionTeacher(
        N_CLASSES,
        {"a": (12, 20, 3), "b": (3, 32)},
        modality_kinds={"a": "skeleton"},
        branch_params={"a": {"root_joint": 0, "hidden_dim": 16}, "b": {"width": 8}},
    )
    assert net.branches["a"].root_joint == 0
    assert net.branches["a"].hidden_dim == 16
    assert net.branches["b"].width == 8


def test_gradients_reach_every_parameter():
    names = ("skeleton", "accelerometer", "gyroscope")
    torch.manual_seed(0)
    net = FusionTeacher(N_CLASSES, {n: SHAPES[n] for n in names})
    logits, _ = net(**_inputs(names, batch=4))
    logits.sum().backward()
    for name, parameter in net.named_parameters():
        assert parameter.grad is not None, name
    for name in names:
        assert sum(p.grad.abs().sum() for p in net.branches[name].parameters()) > 0


def test_modality_dropout_only_in_training_and_never_all():
    names = ("skeleton", "accelerometer", "gyroscope")
    torch.manual_seed(0)
    net = FusionTeacher(N_CLASSES, {n: SHAPES[n] for n in names}, modality_dropout=0.9)
    embeddings = [torch.ones(500, 2), torch.ones(500, 2), torch.ones(500, 2)]
    dropped = net._drop_modalities(embeddings)
    kept = torch.stack([d[:, 0] > 0 for d in dropped], dim=1)
    assert kept.any(dim=1).all()
    assert (~kept).any()
    # Kept embeddings are rescaled so that their total stays 3.
    total = sum(d[:, 0] for d in dropped)
    torch.testing.assert_close(total, torch.full((500,), 3.0))
    net.eval()
    x = _inputs(names)
    with torch.no_grad():
        torch.testing.assert_close(net(**x)[0], net(**x)[0])


def test_determinism_under_manual_seed():
    names = ("skeleton", "accelerometer")
    x = _inputs(names)
    outputs = []
    for _ in range(2):
        torch.manual_seed(7)
        net = FusionTeacher(N_CLASSES, {n: SHAPES[n] for n in names}).eval()
        with torch.no_grad():
            outputs.append(net(**x)[0])
    torch.testing.assert_close(outputs[0], outputs[1], rtol=0, atol=0)


@pytest.mark.parametrize(
    ("params", "error", "message"),
    [
        ({"input_shape": (3, 32)}, ValueError, "non-empty dict"),
        ({"input_shape": {}}, ValueError, "non-empty dict"),
        ({"input_shape": {"x": (3, 4, 5, 6, 7)}}, ValueError, "cannot tell which"),
        (
            {"input_shape": {"skeleton": (12, 3, 20)}},
            ValueError,
            "'skeleton'.*n_coords",
        ),
        ({"input_shape": {"accelerometer": 3}}, TypeError, "tuple of ints"),
        (
            {"input_shape": {"a": (3, 32)}, "modality_kinds": {"a": "audio"}},
            ValueError,
            "must be one of",
        ),
        (
            {"input_shape": {"a": (3, 32)}, "modality_kinds": {"b": "sensor"}},
            ValueError,
            "not in input_shape",
        ),
        (
            {"input_shape": {"a": (3, 32)}, "branch_params": {"b": {}}},
            ValueError,
            "not in input_shape",
        ),
        (
            {"input_shape": {"depth": (3, 32)}},
            ValueError,
            "depth modality must have",
        ),
        (
            {"input_shape": {"a": (3, 32)}, "modality_dropout": 1.0},
            ValueError,
            "modality_dropout must be in",
        ),
    ],
)
def test_bad_parameters(params, error, message):
    with pytest.raises(error, match=message):
        FusionTeacher(N_CLASSES, **params)


def test_forward_names_must_match():
    names = ("skeleton", "accelerometer")
    net = FusionTeacher(N_CLASSES, {n: SHAPES[n] for n in names})
    x = _inputs(names)
    with pytest.raises(ValueError, match=r"missing \['skeleton'\]"):
        net(accelerometer=x["accelerometer"])
    with pytest.raises(ValueError, match=r"unexpected \['gyroscope'\]"):
        net(**x, gyroscope=torch.zeros(3, 3, 32))
