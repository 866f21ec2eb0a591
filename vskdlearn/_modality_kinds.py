"""The registry of modality kinds: one entry per kind of recording.

Every layer that treats modalities differently reads this table instead of
keeping its own list: the teacher (which ``modality=`` names exist, their
layout and dtype, which network to build), the fusion network (which branch
a bundle entry needs), the dataset loaders (dtype and length parameter of the
arrays they return) and the experiments (which teacher a dataset input needs).
Adding a modality is one entry here plus its network (see CONTRIBUTING.md).

This module imports numpy only: the loaders read it without torch.
"""

from dataclasses import dataclass

import numpy as np

__all__ = [
    "MODALITY_KINDS",
    "SENSOR_MODALITIES",
    "ModalityKind",
    "kind_named",
    "teacher_modality",
]


@dataclass(frozen=True)
class ModalityKind:
    """How one kind of recording is laid out, stored and learnt from."""

    #: The kind's name (``FusionTeacher(modality_kinds=...)`` values).
    name: str
    #: ``TeacherClassifier(modality=...)`` values of this kind; the first is
    #: the teacher modality of a dataset attribute of this kind.
    modalities: tuple
    #: Names the dataset loaders give arrays of this kind.
    attributes: tuple
    #: Layout of a whole array, for error messages.
    layout: str
    #: Layout of one sample, for error messages.
    sample_layout: str
    #: Numbers of axes (sample axis included) the teacher accepts.
    ndims: tuple
    #: Whether a sample of this per-sample shape is of this kind, when a
    #: bundle entry's name does not say it.
    looks_like: object
    #: Words in a bundle entry's name that say it is of this kind.
    name_hints: tuple
    #: Class name in :mod:`vskdlearn.networks` of the kind's network.
    network: str
    #: What the loaders store it as.
    dtype: type
    #: The loaders' parameter that sets its length.
    length_parameter: str = "n_frames"
    #: Integer dtypes kept as they are (the network converts batch by batch,
    #: so a clip collection is never held as float32).
    kept_dtypes: tuple = ()
    #: The network wants a colour axis of size 1 after the frame axis.
    colour_axis: bool = False

    def network_shape(self, shape):
        """Per-sample ``shape`` as the kind's network takes it."""
        shape = tuple(shape)
        if not self.colour_axis:
            return shape
        if len(shape) + 1 not in self.ndims:
            raise ValueError(
                f"a {self.name} modality must have per-sample shape "
                f"{self.sample_layout}, got {shape}."
            )
        return (shape[0], 1, *shape[1:])

    def to_network(self, x):
        """A batch (numpy array or torch tensor) as the kind's network takes it."""
        return x[:, :, None] if self.colour_axis else x


# Checked in this order when a bundle entry's name is matched against the
# name hints: "depth_video" is depth, "mocap_clip" a skeleton.
MODALITY_KINDS = {
    kind.name: kind
    for kind in (
        ModalityKind(
            name="skeleton",
            modalities=("skeleton",),
            attributes=("skeleton", "mocap"),
            layout="(n_samples, n_frames, n_joints, n_coords)",
            sample_layout="(n_frames, n_joints, 3)",
            ndims=(4,),
            looks_like=lambda shape: len(shape) == 3 and shape[-1] in (2, 3),
            name_hints=("skeleton", "pose", "joint", "keypoint", "mocap"),
            network="SkeletonTeacher",
            dtype=np.float32,
        ),
        ModalityKind(
            name="depth",
            modalities=("depth",),
            attributes=("depth",),
            layout="(n_samples, n_frames, height, width)",
            sample_layout="(n_frames, height, width)",
            ndims=(4,),
            looks_like=lambda shape: len(shape) == 3 and shape[-1] not in (2, 3),
            name_hints=("depth",),
            network="DepthMotionMapTeacher",
            dtype=np.uint16,
            kept_dtypes=(np.uint16,),
            colour_axis=True,
        ),
        ModalityKind(
            name="video",
            modalities=("video",),
            attributes=("video",),
            layout="(n_samples, n_frames, n_colors, height, width)",
            sample_layout="(n_frames, n_colors, height, width)",
            ndims=(5,),
            looks_like=lambda shape: len(shape) == 4,
            name_hints=("video", "rgb", "frames", "clip"),
            network="VideoTRNTeacher",
            dtype=np.uint8,
            kept_dtypes=(np.uint8,),
        ),
        ModalityKind(
            name="sensor",
            modalities=("accelerometer", "gyroscope", "inertial"),
            attributes=("accelerometer", "gyroscope", "orientation"),
            layout="(n_samples, n_channels, n_timestamps) or (n_samples, n_timestamps)",
            sample_layout="(n_channels, n_timestamps)",
            ndims=(2, 3),
            looks_like=lambda shape: len(shape) == 2,
            name_hints=(
                "accel",
                "gyro",
                "inertial",
                "imu",
                "magnet",
                "sensor",
                "acc",
                "emg",
            ),
            network="SensorCNN",
            dtype=np.float32,
            length_parameter="n_timestamps",
        ),
    )
}

#: Every ``TeacherClassifier(modality=...)`` value of a sensor.
SENSOR_MODALITIES = MODALITY_KINDS["sensor"].modalities


def kind_named(name, *, attributes=True):
    """The kind of a teacher modality (or loader attribute) ``name``, else None."""
    for kind, entry in MODALITY_KINDS.items():
        if name in entry.modalities or (attributes and name in entry.attributes):
            return kind
    return None


def teacher_modality(inputs):
    """``TeacherClassifier(modality=...)`` for dataset attributes ``inputs``.

    Several inputs make a fusion teacher; one is the first teacher modality of
    its kind unless its own name is a teacher modality (``"mocap"`` is a
    ``"skeleton"`` teacher, ``"gyroscope"`` a ``"gyroscope"`` one). An input
    may pick channels (``"accelerometer:h02"``).
    """
    if len(inputs) > 1:
        return "fusion"
    name = inputs[0].partition(":")[0]
    kind = kind_named(name)
    if kind is None:
        raise ValueError(f"No modality kind for dataset attribute {name!r}.")
    modalities = MODALITY_KINDS[kind].modalities
    return name if name in modalities else modalities[0]
