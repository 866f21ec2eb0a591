"""The student as one module: augmentation -> derived channels -> encoder -> backbone.

The object that trains is the object that exports: raw windows go in, the
training-only augmentation and the encoder (e.g. a GAF layer) run per batch
inside the network, so GAF images are never stored for a whole data set.
"""

import torch
from torch import nn

__all__ = ["MagnitudeChannels", "StudentModel"]


class MagnitudeChannels(nn.Module):
    """Append the magnitude ``|(x, y, z)|`` of each 3-axis sensor as a channel.

    The magnitude does not change when the device turns on the wrist, so it
    carries the intensity of a move whatever the watch's orientation.
    Input ``(batch, 3 * k, n_timestamps)``, output ``(batch, 4 * k,
    n_timestamps)``: the original channels, then one magnitude per sensor.
    """

    def forward(self, x):
        # size() calls, not shape unpacking: TorchScript compiles this.
        axes = x.reshape(x.size(0), x.size(1) // 3, 3, x.size(2))
        magnitude = torch.sqrt((axes * axes).sum(dim=2) + 1e-12)
        return torch.cat([x, magnitude], dim=1)


class StudentModel(nn.Module):
    """A network on raw sensor windows, its encoder and augmentation inside.

    ``forward(x)`` is ``backbone(encoder(derive(augmentation(x))))``, where
    the augmentation runs only in training mode (identity in ``eval()``).

    Parameters
    ----------
    backbone : torch.nn.Module
        The network proper, returning ``(logits, embedding)`` from what the
        encoder makes (e.g. :class:`SmallStudent` on GAF images, or
        :class:`SensorCNN` on the series).
    encoder : torch.nn.Module or None, default=None
        E.g. a :class:`~vskdlearn.gaf.GAFLayer`; None passes the series on.
    augmentation : torch.nn.Module or None, default=None
        E.g. an :class:`~vskdlearn.augmentation.AugmentationLayer`; applied
        only while training.
    magnitude : bool, default=False
        Append the magnitude of each 3-axis sensor as a channel
        (:class:`MagnitudeChannels`), after the augmentation and before the
        encoder.

    Examples
    --------
    >>> import torch
    >>> from vskdlearn.networks import SensorCNN, StudentModel
    >>> model = StudentModel(SensorCNN(n_classes=5, input_shape=(4, 64)), magnitude=True)
    >>> logits, embedding = model.eval()(torch.zeros(2, 3, 64))
    >>> tuple(logits.shape)
    (2, 5)
    """

    def __init__(self, backbone, encoder=None, augmentation=None, magnitude=False):
        super().__init__()
        self.augmentation = augmentation
        self.derive = MagnitudeChannels() if magnitude else None
        self.encoder = encoder
        self.backbone = backbone

    def encode(self, x):
        """What the backbone sees: augmented (in training), derived, encoded."""
        if self.augmentation is not None and self.training:
            x = self.augmentation(x)
        if self.derive is not None:
            x = self.derive(x)
        if self.encoder is not None:
            x = self.encoder(x)
        return x

    def forward(self, x):
        return self.backbone(self.encode(x))

    def forward_features(self, x):
        """The backbone's feature maps (for attention transfer)."""
        return self.backbone.forward_features(self.encode(x))
