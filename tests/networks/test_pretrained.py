"""Loading a torchvision ResNet18 state dict into ResNet18Student.

No weights are downloaded: the "ImageNet" state dict is generated from a
3-channel model with the torchvision stem and saved to tmp_path, with
torchvision's 1000-class head ``fc`` added.
"""

import pytest
import torch
import torch.nn.functional as F

from vskdlearn.networks import ResNet18Student


def _torchvision_state_dict():
    torch.manual_seed(123)
    source = ResNet18Student(10, (3, 224, 224))
    state = {
        name: tensor.clone()
        for name, tensor in source.state_dict().items()
        if not name.startswith(("fc0.", "classifier."))
    }
    # Distinct BatchNorm statistics, so that loading them is visible.
    for name in state:
        if name.endswith(("running_mean", "running_var")):
            state[name] = torch.rand_like(state[name]) + 0.5
    state["fc.weight"] = torch.randn(1000, 512)
    state["fc.bias"] = torch.randn(1000)
    return state


@pytest.fixture
def weights_path(tmp_path):
    path = tmp_path / "resnet18.pth"
    torch.save(_torchvision_state_dict(), path)
    return path


def _backbone_names(state):
    return [n for n in state if n not in ("fc.weight", "fc.bias", "conv1.weight")]


def test_three_channel_imagenet_stem_loads_every_tensor(weights_path):
    expected = torch.load(weights_path, weights_only=True)
    net = ResNet18Student(7, (3, 96, 96), pretrained=weights_path)
    loaded = net.state_dict()
    for name in [*_backbone_names(expected), "conv1.weight"]:
        torch.testing.assert_close(loaded[name], expected[name], rtol=0, atol=0)
    assert net.classifier.out_features == 7


def test_multichannel_small_images_adapt_conv1(weights_path):
    expected = torch.load(weights_path, weights_only=True)
    net = ResNet18Student(7, (6, 64, 64), pretrained=str(weights_path))
    loaded = net.state_dict()
    for name in _backbone_names(expected):
        torch.testing.assert_close(loaded[name], expected[name], rtol=0, atol=0)
    rgb = expected["conv1.weight"]  # (64, 3, 7, 7)
    conv1 = loaded["conv1.weight"]
    assert conv1.shape == (64, 6, 3, 3)
    # Every input channel gets the same filter: the mean RGB filter * 3 / 6,
    # area-resized to 3x3 and scaled by 49 / 9.
    reference = F.adaptive_avg_pool2d(rgb.mean(1, keepdim=True) * 0.5, 3) * 49 / 9
    for channel in range(6):
        torch.testing.assert_close(conv1[:, channel : channel + 1], reference)


def test_multichannel_imagenet_stem_keeps_each_pixel_weight(weights_path):
    rgb = torch.load(weights_path, weights_only=True)["conv1.weight"]
    net = ResNet18Student(7, (6, 96, 96), pretrained=weights_path)
    assert net.conv1.weight.shape == (64, 6, 7, 7)
    # Summed over input channels, each filter is the RGB filter summed over
    # colours: an image with equal channels gives the ImageNet response.
    torch.testing.assert_close(net.conv1.weight.sum(1), rgb.sum(1))


def test_one_channel_sums_the_rgb_filters(weights_path):
    expected = torch.load(weights_path, weights_only=True)
    net = ResNet18Student(7, (1, 128, 128), pretrained=weights_path)
    torch.testing.assert_close(
        net.conv1.weight, expected["conv1.weight"].sum(dim=1, keepdim=True)
    )


def test_pretrained_network_still_trains(weights_path):
    net = ResNet18Student(4, (6, 32, 32), pretrained=weights_path)
    logits, _ = net(torch.rand(2, 6, 32, 32))
    F.cross_entropy(logits, torch.tensor([0, 3])).backward()
    assert net.conv1.weight.grad.abs().sum() > 0


def test_missing_file_says_nothing_is_downloaded(tmp_path):
    with pytest.raises(FileNotFoundError, match="never downloads"):
        ResNet18Student(4, (6, 32, 32), pretrained=tmp_path / "absent.pth")


def _save(tmp_path, obj):
    path = tmp_path / "weights.pth"
    torch.save(obj, path)
    return path


def test_file_without_a_state_dict(tmp_path):
    path = _save(tmp_path, [torch.zeros(3)])
    with pytest.raises(ValueError, match="does not hold a state dict"):
        ResNet18Student(4, (6, 32, 32), pretrained=path)


@pytest.mark.parametrize(
    ("edit", "message"),
    [
        (lambda s: s.pop("layer3.1.conv2.weight"), "missing 1 tensors"),
        (lambda s: s.update({"layer5.0.conv1.weight": torch.zeros(1)}), "unexpected 1"),
        (
            lambda s: s.update({"layer1.0.conv1.weight": torch.zeros(64, 64, 1, 1)}),
            "'layer1.0.conv1.weight' has shape \\(64, 64, 1, 1\\), expected",
        ),
        (
            lambda s: s.update({"conv1.weight": torch.zeros(32, 3, 7, 7)}),
            "'conv1.weight' has shape \\(32, 3, 7, 7\\)",
        ),
    ],
)
def test_incompatible_state_dicts(tmp_path, edit, message):
    state = _torchvision_state_dict()
    edit(state)
    path = _save(tmp_path, state)
    with pytest.raises(ValueError, match=message):
        ResNet18Student(4, (6, 32, 32), pretrained=path)


def test_state_dict_without_batch_counters_loads(tmp_path):
    state = {
        k: v
        for k, v in _torchvision_state_dict().items()
        if not k.endswith("num_batches_tracked")
    }
    net = ResNet18Student(4, (3, 32, 32), pretrained=_save(tmp_path, state))
    torch.testing.assert_close(
        net.layer2[0].bn1.running_mean, state["layer2.0.bn1.running_mean"]
    )
