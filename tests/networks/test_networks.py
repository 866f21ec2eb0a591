import warnings

import pytest
import torch

from vskdlearn.networks import (
    DepthMotionMapTeacher,
    ResNet18Student,
    SensorCNN,
    SkeletonTeacher,
    SmallStudent,
    VideoTRNTeacher,
    normalize_skeleton,
)

N_CLASSES = 5


def _n_params(net):
    return sum(p.numel() for p in net.parameters())


# (network class, input shapes to try, constructor kwargs)
UNIMODAL = [
    (ResNet18Student, [(6, 64, 64), (3, 32, 32), (1, 16, 24), (6, 80, 80)], {}),
    (SmallStudent, [(6, 64, 64), (3, 32, 32), (1, 5, 7)], {}),
    (SensorCNN, [(3, 128), (6, 50), (1, 3)], {}),
    (SkeletonTeacher, [(32, 20, 3), (8, 25, 3), (5, 17, 2)], {}),
    (VideoTRNTeacher, [(16, 3, 32, 32), (4, 1, 16, 16)], {}),
    (DepthMotionMapTeacher, [(8, 1, 40, 60), (2, 1, 5, 7)], {}),
]
# One small input shape per network, for the tests that need only one.
ONE_SHAPE_EACH = [
    (ResNet18Student, (6, 32, 32)),
    (SmallStudent, (6, 32, 32)),
    (SensorCNN, (6, 64)),
    (SkeletonTeacher, (16, 20, 3)),
    (VideoTRNTeacher, (8, 3, 16, 16)),
]


@pytest.mark.parametrize(
    ("network", "shape", "kwargs"),
    [(n, s, k) for n, shapes, k in UNIMODAL for s in shapes],
)
def test_output_shapes(network, shape, kwargs):
    torch.manual_seed(0)
    net = network(n_classes=N_CLASSES, input_shape=shape, **kwargs)
    x = torch.rand(3, *shape)
    logits, embedding = net(x)
    assert logits.shape == (3, N_CLASSES)
    assert embedding.shape == (3, net.embedding_dim)
    assert isinstance(net.embedding_dim, int)
    assert torch.isfinite(logits).all() and torch.isfinite(embedding).all()


@pytest.mark.parametrize("embedding_dim", [16, 200])
@pytest.mark.parametrize(
    ("network", "shape"),
    [
        (ResNet18Student, (6, 32, 32)),
        (SmallStudent, (6, 32, 32)),
        (SensorCNN, (3, 64)),
        (SkeletonTeacher, (16, 20, 3)),
        (VideoTRNTeacher, (8, 3, 16, 16)),
        (DepthMotionMapTeacher, (8, 1, 16, 16)),
    ],
)
def test_embedding_dim_is_honoured(network, shape, embedding_dim):
    net = network(n_classes=3, input_shape=shape, embedding_dim=embedding_dim)
    assert net.embedding_dim == embedding_dim
    assert net(torch.rand(2, *shape))[1].shape == (2, embedding_dim)


def test_parameter_counts():
    # Figures quoted in the docstrings.
    assert _n_params(ResNet18Student(27, (6, 64, 64))) == 11_239_707
    small = SmallStudent(27, (6, 64, 64))
    assert _n_params(small) == 110_459
    assert _n_params(small) < 1_000_000
    assert _n_params(SmallStudent(27, (6, 64, 64), width=8)) == 31_371


@pytest.mark.parametrize(
    ("side", "stem", "kernel", "pooled", "layer4_side"),
    [
        (32, "small", 3, False, 4),
        (33, "medium", 3, True, 3),
        (64, "medium", 3, True, 4),
        (65, "imagenet", 7, True, 3),
    ],
)
def test_resnet_stem_depends_on_image_size(side, stem, kernel, pooled, layer4_side):
    net = ResNet18Student(N_CLASSES, (6, side, side))
    assert net.stem == stem
    assert net.conv1.kernel_size == (kernel, kernel)
    assert isinstance(net.maxpool, torch.nn.MaxPool2d) == pooled
    maps = net.forward_features(torch.rand(2, 6, side, side))
    assert [m.shape[1] for m in maps] == [64, 128, 256, 512]
    assert maps[-1].shape[2:] == (layer4_side, layer4_side)


def test_resnet_stem_can_be_forced():
    full = ResNet18Student(N_CLASSES, (6, 64, 64), stem="small")
    assert full.forward_features(torch.rand(2, 6, 64, 64))[-1].shape[2:] == (8, 8)
    forced = ResNet18Student(N_CLASSES, (6, 32, 32), stem="imagenet")
    assert forced.conv1.stride == (2, 2)


def test_resnet_uses_torchvision_names():
    names = set(ResNet18Student(N_CLASSES, (3, 224, 224)).state_dict())
    for name in (
        "conv1.weight",
        "bn1.running_var",
        "layer1.0.conv1.weight",
        "layer2.0.downsample.0.weight",
        "layer2.0.downsample.1.running_mean",
        "layer4.1.bn2.weight",
        "fc0.weight",
        "classifier.bias",
    ):
        assert name in names
    assert "fc.weight" not in names


@pytest.mark.parametrize(
    ("network", "shape", "n_maps"),
    [
        (ResNet18Student, (6, 32, 32), 4),
        (SmallStudent, (6, 32, 32), 4),
        (SensorCNN, (6, 64), 4),
        (SkeletonTeacher, (16, 20, 3), 4),
        (VideoTRNTeacher, (8, 3, 16, 16), 3),
    ],
)
def test_forward_features(network, shape, n_maps):
    net = network(n_classes=N_CLASSES, input_shape=shape)
    maps = net.forward_features(torch.rand(2, *shape))
    assert len(maps) == n_maps
    assert all(m.shape[0] == 2 and m.ndim >= 3 for m in maps)


@pytest.mark.parametrize(
    ("network", "shape"),
    ONE_SHAPE_EACH,
)
def test_determinism_under_manual_seed(network, shape):
    x = torch.rand(3, *shape, generator=torch.Generator().manual_seed(1))
    outputs = []
    for _ in range(2):
        torch.manual_seed(42)
        net = network(n_classes=N_CLASSES, input_shape=shape).eval()
        with torch.no_grad():
            outputs.append(net(x))
    torch.testing.assert_close(outputs[0][0], outputs[1][0], rtol=0, atol=0)
    torch.testing.assert_close(outputs[0][1], outputs[1][1], rtol=0, atol=0)
    torch.manual_seed(43)
    other = network(n_classes=N_CLASSES, input_shape=shape).eval()
    with torch.no_grad():
        assert not torch.equal(other(x)[0], outputs[0][0])


@pytest.mark.parametrize(
    ("network", "shape"),
    ONE_SHAPE_EACH,
)
def test_gradients_flow_to_every_parameter(network, shape):
    torch.manual_seed(0)
    net = network(n_classes=N_CLASSES, input_shape=shape)
    logits, embedding = net(torch.rand(4, *shape))
    (logits.sum() + embedding.sum()).backward()
    for name, parameter in net.named_parameters():
        assert parameter.grad is not None, name
        assert torch.isfinite(parameter.grad).all(), name
    assert sum(p.grad.abs().sum() for p in net.parameters()) > 0


def test_video_accepts_uint8_and_samples_segments():
    net = VideoTRNTeacher(N_CLASSES, (16, 3, 16, 16), n_segments=4).eval()
    assert net.frame_indices.tolist() == [2, 6, 10, 14]
    assert [len(s[0]) for s in net.relations] == [2, 3, 4]
    assert [len(s) for s in net.relations] == [3, 3, 1]
    video = torch.randint(0, 256, (2, 16, 3, 16, 16), dtype=torch.uint8)
    with torch.no_grad():
        torch.testing.assert_close(net(video)[0], net(video.float() / 255)[0])
    short = VideoTRNTeacher(N_CLASSES, (3, 3, 8, 8), n_segments=8)
    # Centres (i + 0.5) * 3 / 8 = 0.19, 0.56, 0.94, 1.31, 1.69, 2.06, 2.44, 2.81.
    assert short.frame_indices.tolist() == [0, 0, 0, 1, 1, 2, 2, 2]


def test_video_embedding_is_the_sum_of_relation_features():
    torch.manual_seed(0)
    net = VideoTRNTeacher(
        N_CLASSES, (8, 3, 16, 16), n_segments=3, standardize=False, motion=False
    ).eval()
    video = torch.rand(2, 8, 3, 16, 16)
    with torch.no_grad():
        _, embedding = net(video)
        features, _ = net.frame_cnn(video[:, net.frame_indices].flatten(0, 1))
        features = features.unflatten(0, (2, 3))
        expected = sum(
            mlp(features[:, list(subset)].flatten(1))
            for subsets, mlp in zip(net.relations, net.relation_mlps, strict=True)
            for subset in subsets
        )
    # Scale 2: (0, 1), (0, 2), (1, 2); scale 3: (0, 1, 2).
    assert net.relations == [[(0, 1), (0, 2), (1, 2)], [(0, 1, 2)]]
    torch.testing.assert_close(embedding, expected)


def test_video_input_ignores_scene_colour_and_sees_motion():
    torch.manual_seed(0)
    net = VideoTRNTeacher(N_CLASSES, (8, 3, 16, 16), n_segments=3).eval()
    assert net.frame_cnn.stages[0][0].in_channels == 6  # frames and their motion
    video = torch.rand(2, 8, 3, 16, 16)
    # Another background brightness and colour contrast, per colour channel.
    recoloured = 0.5 * video + torch.tensor([0.2, -0.1, 0.3]).view(1, 1, 3, 1, 1)
    with torch.no_grad():
        logits, _ = net(video)
        torch.testing.assert_close(net(recoloured)[0], logits, rtol=1e-4, atol=1e-4)
        # A still clip has zero motion channels: it is not the moving clip.
        still = video[:, :1].expand(-1, 8, -1, -1, -1)
        frames, _ = net._frames(still)
        assert torch.all(frames[:, 3:] == 0)


def test_skeleton_normalisation():
    torch.manual_seed(0)
    skeleton = torch.randn(2, 6, 20, 3)
    pose, trajectory = normalize_skeleton(skeleton, root_joint=3)
    assert torch.all(pose[:, :, 3] == 0)
    # Unit root-mean-square distance to the root.
    torch.testing.assert_close(
        pose.pow(2).sum(-1).mean(dim=(1, 2)), torch.ones(2), rtol=1e-5, atol=1e-6
    )
    assert torch.all(trajectory[:, 0] == 0)
    # Moving and resizing the person changes nothing.
    moved = 2.5 * skeleton + torch.tensor([1.0, -2.0, 3.0])
    pose2, trajectory2 = normalize_skeleton(moved, root_joint=3)
    torch.testing.assert_close(pose2, pose, rtol=1e-4, atol=1e-5)
    torch.testing.assert_close(trajectory2, trajectory, rtol=1e-4, atol=1e-5)


def test_skeleton_teacher_is_invariant_to_position_and_size():
    torch.manual_seed(0)
    net = SkeletonTeacher(N_CLASSES, (12, 20, 3)).eval()
    skeleton = torch.randn(2, 12, 20, 3)
    with torch.no_grad():
        reference = net(skeleton)[0]
        moved = net(3.0 * skeleton + torch.tensor([0.5, 1.0, 2.0]))[0]
    torch.testing.assert_close(moved, reference, rtol=1e-4, atol=1e-4)


def test_skeleton_rotation_augment_only_in_training():
    torch.manual_seed(0)
    net = SkeletonTeacher(N_CLASSES, (12, 20, 3), rotation_augment=45)
    skeleton = torch.randn(2, 12, 20, 3)
    net.eval()
    torch.testing.assert_close(
        net.frame_features(skeleton), net.frame_features(skeleton)
    )
    net.train()
    assert not torch.equal(net.frame_features(skeleton), net.frame_features(skeleton))
    # A rotation about the vertical axis keeps heights.
    rotated = net._rotate(skeleton)
    torch.testing.assert_close(rotated[..., 1], skeleton[..., 1])
    torch.testing.assert_close(rotated.norm(dim=-1), skeleton.norm(dim=-1))


@pytest.mark.parametrize(
    ("network", "params", "error", "message"),
    [
        (ResNet18Student, {"input_shape": (64, 64)}, ValueError, "expects input_shape"),
        (ResNet18Student, {"input_shape": (6, 0, 64)}, ValueError, "height must be"),
        (ResNet18Student, {"input_shape": 64}, TypeError, "must be a tuple"),
        (
            ResNet18Student,
            {"input_shape": (6, 64, 64), "stem": "x"},
            ValueError,
            "stem",
        ),
        (SmallStudent, {"input_shape": (6, 64)}, ValueError, "n_channels, height"),
        (SmallStudent, {"input_shape": (6, 8, 8), "width": 0}, ValueError, "width"),
        (SensorCNN, {"input_shape": (6, 64, 64)}, ValueError, "n_timestamps"),
        (
            SensorCNN,
            {"input_shape": (3, 64), "dropout": 1.0},
            ValueError,
            "dropout must be in",
        ),
        (SkeletonTeacher, {"input_shape": (32, 3, 20)}, ValueError, "n_coords 2 or 3"),
        (
            SkeletonTeacher,
            {"input_shape": (32, 20, 3), "root_joint": 20},
            ValueError,
            "root_joint must be a joint index in \\[0, 20\\)",
        ),
        (
            SkeletonTeacher,
            {"input_shape": (32, 20, 3), "rotation_augment": -1},
            ValueError,
            "rotation_augment",
        ),
        (VideoTRNTeacher, {"input_shape": (16, 32, 32)}, ValueError, "n_colors"),
        (
            VideoTRNTeacher,
            {"input_shape": (16, 3, 32, 32), "n_segments": 1},
            ValueError,
            "n_segments must be >= 2",
        ),
        (SmallStudent, {"input_shape": (6, 8, 8), "n_classes": 0}, ValueError, ">= 1"),
        (SensorCNN, {"input_shape": (3, 8), "n_classes": 2.0}, TypeError, "an int"),
    ],
)
def test_bad_parameters(network, params, error, message):
    params = {"n_classes": N_CLASSES, **params}
    with pytest.raises(error, match=message):
        network(**params)


@pytest.mark.parametrize(
    ("network", "shape", "bad"),
    [
        (SmallStudent, (6, 32, 32), (2, 3, 32, 32)),
        (SensorCNN, (6, 64), (2, 64, 6)),
        (SkeletonTeacher, (16, 20, 3), (2, 16, 3, 20)),
        (VideoTRNTeacher, (8, 3, 16, 16), (2, 3, 8, 16, 16)),
        (ResNet18Student, (6, 32, 32), (2, 6, 32)),
    ],
)
def test_wrong_batch_shape_is_a_clear_error(network, shape, bad):
    net = network(n_classes=N_CLASSES, input_shape=shape)
    with pytest.raises(ValueError, match="was built for samples of shape"):
        net(torch.zeros(bad))


STUDENTS = [
    (ResNet18Student, (6, 32, 32)),
    (SmallStudent, (6, 32, 32)),
    (SensorCNN, (3, 64)),
]


@pytest.mark.parametrize("how", ["script", "trace"])
@pytest.mark.parametrize(("network", "shape"), STUDENTS)
def test_students_script_and_trace_without_baking_in_the_batch(network, shape, how):
    torch.manual_seed(0)
    net = network(n_classes=N_CLASSES, input_shape=shape).eval()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)  # torch deprecates jit
        if how == "script":
            compiled = torch.jit.script(net)
        else:
            compiled = torch.jit.trace(net, torch.rand(2, *shape))
    x = torch.rand(5, *shape)  # another batch size than the trace's
    with torch.no_grad():
        for ours, theirs in zip(compiled(x), net(x), strict=True):
            torch.testing.assert_close(ours, theirs)


def test_the_eager_shape_check_stays():
    net = SensorCNN(n_classes=N_CLASSES, input_shape=(3, 64))
    with pytest.raises(ValueError, match=r"built for samples of shape \(3, 64\)"):
        net(torch.rand(2, 3, 65))


def test_magnitude_channels_script_and_trace():
    from vskdlearn.networks._student_model import MagnitudeChannels

    layer = MagnitudeChannels()
    x = torch.randn(4, 6, 20)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        scripted = torch.jit.script(layer)
        traced = torch.jit.trace(layer, x[:2])
    torch.testing.assert_close(scripted(x), layer(x))
    torch.testing.assert_close(traced(x), layer(x))
    assert layer(x).shape == (4, 8, 20)
