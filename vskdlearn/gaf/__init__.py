"""Gramian Angular Field: time series as images.

One numeric kernel with two faces: :class:`GAFTransformer` (scikit-learn, numpy
in and out) and :class:`GAFLayer` (a torch module, so an exported model can take
raw sensor windows). Importing this subpackage imports torch.
"""

from ._layer import GAFLayer
from ._transformer import GAFTransformer

__all__ = ["GAFLayer", "GAFTransformer"]
