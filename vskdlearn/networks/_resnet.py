"""ResNet18 student for GAF images, with torchvision's parameter names."""

import os

import torch
import torch.nn.functional as F
from torch import nn

from ._base import check_input_shape, check_positive_int
from ._layers import GAFImageStudent, shared_docs

__all__ = ["ResNet18Student"]

# Parameter names torchvision's ImageNet head uses; never loaded (the student
# has its own embedding layer and classifier).
_TORCHVISION_HEAD = ("fc.weight", "fc.bias")


class BasicBlock(nn.Module):
    """torchvision's ``BasicBlock`` (same submodule names, same numerics)."""

    def __init__(self, in_planes, planes, stride=1):
        super().__init__()
        self.conv1 = nn.Conv2d(in_planes, planes, 3, stride, 1, bias=False)
        self.bn1 = nn.BatchNorm2d(planes)
        self.relu = nn.ReLU(inplace=True)
        self.conv2 = nn.Conv2d(planes, planes, 3, 1, 1, bias=False)
        self.bn2 = nn.BatchNorm2d(planes)
        self.downsample = None
        if stride != 1 or in_planes != planes:
            self.downsample = nn.Sequential(
                nn.Conv2d(in_planes, planes, 1, stride, bias=False),
                nn.BatchNorm2d(planes),
            )

    def forward(self, x):
        identity = x if self.downsample is None else self.downsample(x)
        out = self.relu(self.bn1(self.conv1(x)))
        out = self.bn2(self.conv2(out))
        return self.relu(out + identity)


@shared_docs
class ResNet18Student(GAFImageStudent):
    """ResNet18 for multi-channel GAF images, as the paper's student.

    The backbone has torchvision's layout and parameter names (``conv1``,
    ``bn1``, ``layer1`` ... ``layer4``), so ImageNet weights saved by
    torchvision load into it. torchvision itself is not needed. The ImageNet
    head ``fc`` is replaced by the paper's embedding layer ``fc0``
    (512 -> ``embedding_dim``, ReLU) followed by ``classifier``.

    Small images keep most of their resolution. torchvision's stem (7x7
    stride-2 convolution and stride-2 max-pool) divides the image side by 4
    before ``layer1``, which would leave a 64x64 GAF image 2x2 at
    ``layer4``. With ``stem="auto"`` (the default) the stem depends on the
    larger image side:

    * at most 32 pixels: ``"small"``, a 3x3 stride-1 ``conv1`` and no
      max-pool (the CIFAR variant of ResNet); a 32x32 image is 4x4 at
      ``layer4``;
    * 33 to 64 pixels: ``"medium"``, the same 3x3 stride-1 ``conv1`` followed
      by torchvision's stride-2 max-pool; a 64x64 image is 4x4 at ``layer4``.
      Without the max-pool the network would cost four times as much (every
      layer at twice the resolution), which on a CPU is minutes per epoch;
      pass ``stem="small"`` for it;
    * larger: ``"imagenet"``, torchvision's stem.

    Parameters
    ----------
    {n_classes}
    input_shape : tuple of int
        ``(n_channels, height, width)`` of one GAF image, e.g. ``(6, 64, 64)``
        for the summation and difference fields of a 3-axis accelerometer.
    embedding_dim : int, default=128
        Width of the embedding (output of ``fc0``) used by the distillation
        losses.
    pretrained : str or path-like, optional
        Path to a local torchvision ResNet18 state dict (e.g. the ImageNet
        weights ``resnet18-f37072fd.pth``). Nothing is ever downloaded. Every
        backbone tensor is loaded; ``conv1`` is adapted: its RGB filters are
        averaged and repeated over the ``n_channels`` input channels (scaled
        by ``3 / n_channels`` to keep the activation scale; copied as is for 3
        channels) and, for the 3x3 stems, area-resized from 7x7 to 3x3
        (scaled by 49/9 so that a smooth image gives a response of about the
        same size). The ImageNet head ``fc`` is skipped.
    stem : {"auto", "small", "medium", "imagenet"}, default="auto"
        ``"small"``: 3x3 stride-1 ``conv1`` without max-pool; ``"medium"``:
        3x3 stride-1 ``conv1`` and stride-2 max-pool; ``"imagenet"``:
        torchvision's 7x7 stride-2 ``conv1`` and max-pool; ``"auto"``: chosen
        from the image size as described above.

    {attributes}

    Notes
    -----
    With 6 input channels, 27 classes and ``embedding_dim=128`` the network
    has 11,239,707 parameters with a 3x3 stem and 11,255,067 with the
    ImageNet stem (``sum(p.numel() for p in net.parameters())``).

    Examples
    --------
    >>> import torch
    >>> from vskdlearn.networks import ResNet18Student
    >>> net = ResNet18Student(n_classes=27, input_shape=(6, 32, 32))
    >>> logits, embedding = net(torch.zeros(2, 6, 32, 32))
    >>> tuple(logits.shape), tuple(embedding.shape)
    ((2, 27), (2, 128))
    """

    def __init__(
        self,
        n_classes,
        input_shape,
        embedding_dim=128,
        pretrained=None,
        stem="auto",
    ):
        super().__init__()
        self.n_classes = check_positive_int(n_classes, "n_classes")
        self.input_shape = check_input_shape(
            input_shape, ("n_channels", "height", "width"), "ResNet18Student"
        )
        self.embedding_dim = check_positive_int(embedding_dim, "embedding_dim")
        if stem not in ("auto", "small", "medium", "imagenet"):
            raise ValueError(
                f"stem must be 'auto', 'small', 'medium' or 'imagenet', got {stem!r}."
            )
        in_channels, height, width = self.input_shape
        if stem == "auto":
            side = max(height, width)
            stem = "small" if side <= 32 else "medium" if side <= 64 else "imagenet"
        self.stem = stem

        if stem in ("small", "medium"):
            self.conv1 = nn.Conv2d(in_channels, 64, 3, 1, 1, bias=False)
            self.maxpool = (
                nn.Identity()
                if stem == "small"
                else nn.MaxPool2d(kernel_size=3, stride=2, padding=1)
            )
        else:
            self.conv1 = nn.Conv2d(in_channels, 64, 7, 2, 3, bias=False)
            self.maxpool = nn.MaxPool2d(kernel_size=3, stride=2, padding=1)
        self.bn1 = nn.BatchNorm2d(64)
        self.relu = nn.ReLU(inplace=True)
        self.layer1 = self._make_layer(64, 64, stride=1)
        self.layer2 = self._make_layer(64, 128, stride=2)
        self.layer3 = self._make_layer(128, 256, stride=2)
        self.layer4 = self._make_layer(256, 512, stride=2)
        self.avgpool = nn.AdaptiveAvgPool2d(1)
        self.fc0 = nn.Linear(512, self.embedding_dim)
        self.classifier = nn.Linear(self.embedding_dim, self.n_classes)

        # torchvision's initialisation, so that a model trained from scratch
        # behaves like torchvision's.
        for module in self.modules():
            if isinstance(module, nn.Conv2d):
                nn.init.kaiming_normal_(
                    module.weight, mode="fan_out", nonlinearity="relu"
                )
            elif isinstance(module, nn.BatchNorm2d):
                nn.init.ones_(module.weight)
                nn.init.zeros_(module.bias)

        if pretrained is not None:
            self.load_torchvision_weights(pretrained)

    @staticmethod
    def _make_layer(in_planes, planes, stride):
        return nn.Sequential(
            BasicBlock(in_planes, planes, stride), BasicBlock(planes, planes, 1)
        )

    def load_torchvision_weights(self, pretrained):
        """Load a torchvision ResNet18 state dict into the backbone.

        Parameters
        ----------
        pretrained : str, path-like or dict
            Path to a file saved with ``torch.save(model.state_dict(), path)``
            from a torchvision ``resnet18``, or such a dict itself.

        Returns
        -------
        self : ResNet18Student

        Raises
        ------
        FileNotFoundError
            If the file does not exist (weights are never downloaded).
        ValueError
            If the state dict lacks backbone tensors, has tensors that a
            ResNet18 does not have, or has tensors of the wrong shape.
        """
        if isinstance(pretrained, dict):
            state = pretrained
        else:
            path = os.fspath(os.path.expanduser(pretrained))
            if not os.path.isfile(path):
                raise FileNotFoundError(
                    f"pretrained weights file {path!r} does not exist. vskdlearn "
                    "never downloads weights: save torchvision's ImageNet ResNet18 "
                    "state dict (e.g. resnet18-f37072fd.pth) locally and pass its "
                    "path."
                )
            state = torch.load(path, map_location="cpu", weights_only=True)
            if not isinstance(state, dict):
                raise ValueError(
                    f"{path!r} does not hold a state dict (a dict of tensors) but "
                    f"a {type(state).__name__}; save model.state_dict()."
                )

        own = {
            name: tensor
            for name, tensor in self.state_dict().items()
            if not name.startswith(("fc0.", "classifier."))
        }
        unexpected = sorted(set(state) - set(own) - set(_TORCHVISION_HEAD))
        # Older torchvision files lack the BatchNorm step counters; they carry
        # no weights, so they are not required.
        missing = sorted(
            name
            for name in set(own) - set(state)
            if not name.endswith("num_batches_tracked")
        )
        if unexpected or missing:
            raise ValueError(
                "the pretrained state dict is not a torchvision ResNet18 state "
                f"dict: missing {len(missing)} tensors {missing[:5]}, unexpected "
                f"{len(unexpected)} tensors {unexpected[:5]}."
            )

        new_state = {}
        for name, target in own.items():
            if name not in state:
                continue
            tensor = torch.as_tensor(state[name])
            if name == "conv1.weight":
                tensor = self._adapt_conv1(tensor, target.shape)
            if tensor.shape != target.shape:
                raise ValueError(
                    f"pretrained tensor {name!r} has shape {tuple(tensor.shape)}, "
                    f"expected {tuple(target.shape)} for a ResNet18."
                )
            new_state[name] = tensor.to(target.dtype)
        self.load_state_dict(new_state, strict=False)
        return self

    @staticmethod
    def _adapt_conv1(weight, target_shape):
        out_channels, in_channels, kernel, _ = target_shape
        if weight.ndim != 4 or weight.shape[0] != out_channels:
            raise ValueError(
                f"pretrained tensor 'conv1.weight' has shape {tuple(weight.shape)}, "
                f"expected ({out_channels}, 3, 7, 7) for a torchvision ResNet18."
            )
        weight = weight.float()
        if weight.shape[1] != in_channels:
            # GAF channels are not colours: every channel gets the mean RGB
            # filter, scaled so that the summed response keeps its size.
            weight = weight.mean(dim=1, keepdim=True).repeat(1, in_channels, 1, 1)
            weight = weight * (3.0 / in_channels)
        if weight.shape[-1] != kernel:
            area = weight.shape[-1] * weight.shape[-2] / (kernel * kernel)
            weight = F.adaptive_avg_pool2d(weight, kernel) * area
        return weight

    @shared_docs
    def forward_features(self, x):
        """Return the outputs of ``layer1`` ... ``layer4`` (for attention transfer).

        {image_batch}

        {stage_maps}
            Shapes ``(batch, 64 * 2**i, h_i, w_i)``.
        """
        self._check_batch_eagerly(x, "ResNet18Student")
        x = self.maxpool(self.relu(self.bn1(self.conv1(x))))
        # Spelled out: TorchScript cannot call modules taken from a tuple.
        x1 = self.layer1(x)
        x2 = self.layer2(x1)
        x3 = self.layer3(x2)
        return [x1, x2, x3, self.layer4(x3)]

    def _classify_map(self, last_map):
        # No dropout: the paper's head is fc0 (ReLU) then the classifier.
        features = self.avgpool(last_map).flatten(1)
        embedding = F.relu(self.fc0(features))
        return self.classifier(embedding), embedding
