"""Argument checks shared by the networks.

The networks are built by estimators from the shape of the training data, so
a wrong shape must fail at construction with a message that names the
expected layout, not deep inside a convolution at the first batch.
"""

import numbers

__all__ = ["check_input_shape", "check_positive_int", "check_probability"]


def check_positive_int(value, name, minimum=1):
    if isinstance(value, bool) or not isinstance(value, numbers.Integral):
        raise TypeError(f"{name} must be an int, got {value!r}.")
    if value < minimum:
        raise ValueError(f"{name} must be >= {minimum}, got {value}.")
    return int(value)


def check_probability(value, name):
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise TypeError(f"{name} must be a float in [0, 1), got {value!r}.")
    if not 0 <= value < 1:
        raise ValueError(f"{name} must be in [0, 1), got {value}.")
    return float(value)


def check_input_shape(input_shape, layout, network):
    """Return ``input_shape`` as a tuple of positive ints of ``len(layout)``.

    ``layout`` names the axes (e.g. ``("n_channels", "height", "width")``),
    so that the error says what the network expects per sample.
    """
    expected = "(" + ", ".join(layout) + ")"
    try:
        shape = tuple(input_shape)
    except TypeError:
        raise TypeError(
            f"{network} input_shape must be a tuple {expected} (the shape of one "
            f"sample, without the batch axis), got {input_shape!r}."
        ) from None
    if len(shape) != len(layout):
        raise ValueError(
            f"{network} expects input_shape {expected} (the shape of one sample, "
            f"without the batch axis), got {shape} with {len(shape)} axes."
        )
    for axis, size in zip(layout, shape, strict=True):
        if isinstance(size, bool) or not isinstance(size, numbers.Integral) or size < 1:
            raise ValueError(
                f"{network} input_shape {shape}: {axis} must be a positive int, "
                f"got {size!r}."
            )
    return tuple(int(size) for size in shape)


def check_batch(x, input_shape, network):
    """Fail early, with the expected per-sample shape, on a wrong input."""
    if tuple(x.shape[1:]) != tuple(input_shape):
        raise ValueError(
            f"{network} was built for samples of shape {tuple(input_shape)} and got "
            f"a batch of shape {tuple(x.shape)}; expected (batch, "
            f"{', '.join(map(str, input_shape))})."
        )
