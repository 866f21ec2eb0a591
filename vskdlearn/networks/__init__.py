"""Student and teacher networks (plain torch ``nn.Module``).

Every network takes ``n_classes`` and ``input_shape`` (the shape of one
sample, without the batch axis) and returns ``(logits, embedding)``.
"""

from ._depth import DepthMotionMapTeacher, DepthTRNTeacher
from ._fusion import FusionTeacher
from ._resnet import ResNet18Student
from ._sensor import SensorCNN
from ._skeleton import SkeletonTeacher, normalize_skeleton
from ._small import SmallStudent
from ._student_model import MagnitudeChannels, StudentModel
from ._video import VideoTRNTeacher

__all__ = [
    "DepthMotionMapTeacher",
    "DepthTRNTeacher",
    "FusionTeacher",
    "MagnitudeChannels",
    "ResNet18Student",
    "SensorCNN",
    "SkeletonTeacher",
    "SmallStudent",
    "StudentModel",
    "VideoTRNTeacher",
    "normalize_skeleton",
]
