"""Building blocks shared by the networks."""

import torch
import torch.nn.functional as F
from torch import nn

from .._docs import fill_docs
from ._base import check_batch

__all__ = [
    "EmbeddingNetwork",
    "GAFImageStudent",
    "conv_bn_relu",
    "mean_max_pool",
    "shared_docs",
]


def conv_bn_relu(in_channels, out_channels, kernel_size, dim=2):
    """Convolution ("same" padding, no bias: the norm has one), batch norm, ReLU.

    Returned as a list of layers so that callers can append to it (a pool)
    before wrapping it in :class:`torch.nn.Sequential`.
    """
    conv, norm = (
        (nn.Conv1d, nn.BatchNorm1d) if dim == 1 else (nn.Conv2d, nn.BatchNorm2d)
    )
    return [
        conv(
            in_channels, out_channels, kernel_size, padding=kernel_size // 2, bias=False
        ),
        norm(out_channels),
        nn.ReLU(inplace=True),
    ]


def mean_max_pool(x):
    """Average and maximum over the last (time) axis, concatenated: ``(batch, 2c)``."""
    return torch.cat([x.mean(dim=-1), x.amax(dim=-1)], dim=1)


class EmbeddingNetwork(nn.Module):
    """What the networks share besides their layers: methods only.

    No attribute is added here, so that networks pickled before a method
    moved here load and run as they did; the layers keep their names (and
    their place in the state dict) in each network.
    """

    def _add_head(self, in_features):
        """The embedding layer ``fc0``, ``drop`` and ``classifier``, in that order."""
        self.fc0 = nn.Linear(in_features, self.embedding_dim)
        self.drop = nn.Dropout(self.dropout)
        self.classifier = nn.Linear(self.embedding_dim, self.n_classes)

    def _classify(self, features):
        """``(logits, embedding)``: ``fc0`` and ReLU, then dropout and ``classifier``."""
        embedding = F.relu(self.fc0(features))
        return self.classifier(self.drop(embedding)), embedding

    def _check_batch_eagerly(self, x, network: str):
        # Eager mode only: TorchScript skips the block (an f-string message),
        # and a trace would bake in the batch size.
        if not torch.jit.is_scripting():
            if not torch.jit.is_tracing():
                check_batch(x, self.input_shape, network)

    def _pooled_block_maps(self, x):
        """The output of each of ``blocks``, a 2x max-pool in time before all but the first."""
        maps = []
        for i, block in enumerate(self.blocks):
            if i > 0 and x.shape[-1] > 1:
                x = F.max_pool1d(x, 2, ceil_mode=True)
            x = block(x)
            maps.append(x)
        return maps


# Parameter and return docs every network shares, written once: a
# docstring holds the placeholder line ``{name}``.
_SHARED_DOCS = {
    "n_classes": """\
n_classes : int
    Number of classes.
""",
    "embedding_dim_": """\
embedding_dim : int
    Width of the embedding returned by :meth:`forward`.
""",
    "attributes": """\
Attributes
----------
embedding_dim : int
    Width of the embedding returned by :meth:`forward`.
""",
    "image_batch": """\
Parameters
----------
x : torch.Tensor of shape (batch, n_channels, height, width)
""",
    "stage_maps": """\
Returns
-------
maps : list of 4 torch.Tensor
""",
    # The end of the teachers' Examples: 27 classes, their 256-wide embedding.
    "teacher_example_shapes": """\
>>> tuple(logits.shape), tuple(embedding.shape)
((2, 27), (2, 256))
""",
    "returns": """\
logits : torch.Tensor of shape (batch, n_classes)
embedding : torch.Tensor of shape (batch, embedding_dim)
""",
}


def shared_docs(documented):
    """Fill the shared network docs into ``documented``'s docstring."""
    return fill_docs(documented, _SHARED_DOCS)


class GAFImageStudent(EmbeddingNetwork):
    """What the GAF image students share: classifying the last feature map.

    A subclass defines ``forward_features`` (the maps of its stages) and
    ``_classify_map`` (its pooling and head over the last map).
    """

    @shared_docs
    def forward(self, x):
        """Classify a batch of GAF images.

        {image_batch}

        Returns
        -------
        {returns}
        """
        return self._classify_map(self.forward_features(x)[-1])
