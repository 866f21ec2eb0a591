"""1D CNN for raw wearable time series (accelerometer, gyroscope, ...)."""

from torch import nn

from ._base import check_input_shape, check_positive_int, check_probability
from ._layers import EmbeddingNetwork, conv_bn_relu, mean_max_pool, shared_docs

__all__ = ["SensorCNN"]


def _conv_block(in_channels, out_channels, kernel_size):
    return nn.Sequential(*conv_bn_relu(in_channels, out_channels, kernel_size, dim=1))


@shared_docs
class SensorCNN(EmbeddingNetwork):
    """1D CNN over raw ``(n_channels, n_timestamps)`` sensor windows.

    The input first goes through a per-channel batch norm, so that channels
    in different units (accelerometer in g, gyroscope in deg/s) need no
    scaling beforehand. Then four convolution blocks (kernel 7, 5, 5, 3;
    ``width``, ``width``, ``2 * width``, ``4 * width`` channels, the last
    three preceded by a 2x max-pool in time), global average and max pooling
    over time (concatenated), the embedding layer ``fc0`` (ReLU) and the
    ``classifier``.

    Used as the baseline that sees the accelerometer directly (no GAF) and as
    the sensor branch of :class:`FusionTeacher`.

    Parameters
    ----------
    {n_classes}
    input_shape : tuple of int
        ``(n_channels, n_timestamps)`` of one window, e.g. ``(6, 128)`` for a
        3-axis accelerometer and a 3-axis gyroscope.
    width : int, default=64
        Channels of the first blocks.
    embedding_dim : int, default=128
        Width of the embedding.
    dropout : float, default=0.3
        Dropout before the classifier.

    {attributes}

    Notes
    -----
    Parameter counts for ``input_shape=(3, 128)``, ``n_classes=27``: the
    defaults 231,265; ``width=16, embedding_dim=64`` 20,593, a watch-size
    network (TinyHAR has 26-86 k); ``width=12, embedding_dim=64`` 14,029.
    Accuracy, ONNX size and latency: :doc:`/benchmarks/export`.

    Examples
    --------
    >>> import torch
    >>> from vskdlearn.networks import SensorCNN
    >>> net = SensorCNN(n_classes=27, input_shape=(6, 128))
    >>> logits, embedding = net(torch.zeros(2, 6, 128))
    >>> tuple(logits.shape), tuple(embedding.shape)
    ((2, 27), (2, 128))
    """

    def __init__(
        self, n_classes, input_shape, width=64, embedding_dim=128, dropout=0.3
    ):
        super().__init__()
        self.n_classes = check_positive_int(n_classes, "n_classes")
        self.input_shape = check_input_shape(
            input_shape, ("n_channels", "n_timestamps"), "SensorCNN"
        )
        self.width = check_positive_int(width, "width")
        self.embedding_dim = check_positive_int(embedding_dim, "embedding_dim")
        self.dropout = check_probability(dropout, "dropout")
        in_channels = self.input_shape[0]
        w = self.width
        self.input_norm = nn.BatchNorm1d(in_channels)
        self.blocks = nn.ModuleList(
            [
                _conv_block(in_channels, w, 7),
                _conv_block(w, w, 5),
                _conv_block(w, 2 * w, 5),
                _conv_block(2 * w, 4 * w, 3),
            ]
        )
        self._add_head(8 * w)

    def forward_features(self, x):
        """Return the output of each convolution block, ``(batch, c_i, t_i)``."""
        self._check_batch_eagerly(x, "SensorCNN")
        return self._pooled_block_maps(self.input_norm(x))

    @shared_docs
    def forward(self, x):
        """Classify a batch of sensor windows.

        Parameters
        ----------
        x : torch.Tensor of shape (batch, n_channels, n_timestamps)

        Returns
        -------
        {returns}
        """
        return self._classify(mean_max_pool(self.forward_features(x)[-1]))
