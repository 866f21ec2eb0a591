"""Building blocks shared by the networks."""

from torch import nn

__all__ = ["conv_bn_relu"]


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
