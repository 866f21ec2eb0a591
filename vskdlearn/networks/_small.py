"""A small CNN student for GAF images that fits on a watch."""

from torch import nn

from ._base import check_input_shape, check_positive_int, check_probability
from ._layers import GAFImageStudent, conv_bn_relu, shared_docs

__all__ = ["SmallStudent"]


@shared_docs
class SmallStudent(GAFImageStudent):
    """Four-stage CNN for GAF images, a few hundred kB of weights.

    Stage ``i`` (``i = 0 .. 3``) has ``width * 2**i`` channels; the first stage
    has two 3x3 convolutions, the others one, each followed by batch norm and
    ReLU; stages 0 to 2 end with a 2x2 max-pool (ceil mode, so any image size
    works) and stage 3 with global average pooling. Then the embedding layer
    ``fc0`` (ReLU) and the ``classifier``.

    Parameters
    ----------
    {n_classes}
    input_shape : tuple of int
        ``(n_channels, height, width)`` of one GAF image.
    width : int, default=16
        Channels of the first stage. ``width=16`` gives about 110k parameters
        for 6-channel images and 27 classes (see Notes).
    embedding_dim : int, default=64
        Width of the embedding used by the distillation losses.
    dropout : float, default=0.0
        Dropout before the classifier.

    {attributes}

    Notes
    -----
    Parameter counts for ``input_shape=(6, 64, 64)``, ``n_classes=27``:
    ``width=16`` 110,459; ``width=8`` 31,371 (``sum(p.numel() for p in
    net.parameters())``).

    Examples
    --------
    >>> import torch
    >>> from vskdlearn.networks import SmallStudent
    >>> net = SmallStudent(n_classes=27, input_shape=(6, 64, 64))
    >>> logits, embedding = net(torch.zeros(2, 6, 64, 64))
    >>> tuple(logits.shape), tuple(embedding.shape)
    ((2, 27), (2, 64))
    """

    def __init__(self, n_classes, input_shape, width=16, embedding_dim=64, dropout=0.0):
        super().__init__()
        self.n_classes = check_positive_int(n_classes, "n_classes")
        self.input_shape = check_input_shape(
            input_shape, ("n_channels", "height", "width"), "SmallStudent"
        )
        self.width = check_positive_int(width, "width")
        self.embedding_dim = check_positive_int(embedding_dim, "embedding_dim")
        self.dropout = check_probability(dropout, "dropout")
        widths = [self.width * 2**i for i in range(4)]
        in_channels = self.input_shape[0]
        self.stages = nn.ModuleList()
        for i, out_channels in enumerate(widths):
            layers = conv_bn_relu(in_channels, out_channels, 3)
            if i == 0:
                layers += conv_bn_relu(out_channels, out_channels, 3)
            if i < 3:
                layers.append(nn.MaxPool2d(2, ceil_mode=True))
            self.stages.append(nn.Sequential(*layers))
            in_channels = out_channels
        self._add_head(widths[-1])

    @shared_docs
    def forward_features(self, x):
        """Return the output of each of the four stages (for attention transfer).

        {image_batch}

        {stage_maps}
        """
        self._check_batch_eagerly(x, "SmallStudent")
        maps = []
        for stage in self.stages:
            x = stage(x)
            maps.append(x)
        return maps

    def _classify_map(self, last_map):
        return self._classify(last_map.mean(dim=(2, 3)))
