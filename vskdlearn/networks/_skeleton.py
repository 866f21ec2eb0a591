"""Temporal convolution teacher for skeleton sequences."""

import math
import numbers

import torch
import torch.nn.functional as F
from torch import nn

from ._base import (
    check_batch,
    check_input_shape,
    check_positive_int,
    check_probability,
)
from ._layers import EmbeddingNetwork, conv_bn_relu, mean_max_pool, shared_docs

__all__ = ["SkeletonTeacher", "normalize_skeleton"]

# Kinect v1 order used by UTD-MHAD (Skeleton_joint_order.txt): 1 head,
# 2 shoulder_center, 3 spine, 4 hip_center, ... -> hip_center is index 3.
UTD_MHAD_HIP_CENTER = 3


def normalize_skeleton(skeleton, root_joint=UTD_MHAD_HIP_CENTER):
    """Make a skeleton sequence independent of where and how tall the person is.

    Parameters
    ----------
    skeleton : torch.Tensor of shape (batch, n_frames, n_joints, n_coords)
    root_joint : int, default=3
        Index of the joint everything is measured from (UTD-MHAD's
        ``hip_center``).

    Returns
    -------
    pose : torch.Tensor of shape (batch, n_frames, n_joints, n_coords)
        Joints relative to the root joint of the same frame, divided by the
        sample's scale: the root-mean-square distance of all joints to the
        root over the whole sequence.
    trajectory : torch.Tensor of shape (batch, n_frames, n_coords)
        Root joint position relative to its first frame, divided by the same
        scale (keeps whole-body motion such as walking or sitting down).
    """
    root = skeleton[:, :, root_joint : root_joint + 1]
    pose = skeleton - root
    scale = pose.pow(2).sum(-1).mean(dim=(1, 2)).sqrt()
    scale = scale.clamp_min(1e-6)[:, None, None, None]
    pose = pose / scale
    trajectory = (root - root[:, :1]) / scale
    return pose, trajectory[:, :, 0]


class _ResidualTemporalBlock(nn.Module):
    def __init__(self, channels, dilation, dropout):
        super().__init__()
        self.conv1 = nn.Conv1d(
            channels, channels, 3, padding=dilation, dilation=dilation, bias=False
        )
        self.bn1 = nn.BatchNorm1d(channels)
        self.conv2 = nn.Conv1d(channels, channels, 3, padding=1, bias=False)
        self.bn2 = nn.BatchNorm1d(channels)
        self.drop = nn.Dropout(dropout)

    def forward(self, x):
        out = F.relu(self.bn1(self.conv1(x)))
        out = self.bn2(self.conv2(self.drop(out)))
        return F.relu(out + x)


@shared_docs
class SkeletonTeacher(EmbeddingNetwork):
    """Temporal convolution network over normalised skeleton sequences.

    Each frame is described by the joints relative to ``root_joint`` (the
    hip centre), divided by the person's size (see
    :func:`normalize_skeleton`), their velocities (frame differences), and
    the root trajectory and its velocity: ``2 * (n_joints + 1) * n_coords``
    numbers per frame. A per-feature batch norm, a 1D convolution over
    frames, ``n_blocks`` residual dilated temporal blocks (dilation 1, 2, 4,
    ...; stride-2 max-pool between blocks), global average and max pooling
    over time, the embedding layer ``fc0`` (ReLU) and the ``classifier``.

    Parameters
    ----------
    {n_classes}
    input_shape : tuple of int
        ``(n_frames, n_joints, n_coords)`` of one sequence, ``n_coords`` 2 or 3.
    root_joint : int, default=3
        Index of the root joint. 3 is ``hip_center`` in the Kinect v1 joint
        order of UTD-MHAD (``Skeleton_joint_order.txt``); pass the index of
        the pelvis for another skeleton layout.
    hidden_dim : int, default=128
        Channels of the temporal network.
    n_blocks : int, default=3
        Residual temporal blocks.
    embedding_dim : int, default=256
        Width of the embedding.
    dropout : float, default=0.3
        Dropout inside the blocks and before the classifier.
    rotation_augment : float, default=0.0
        In training mode only, rotate every sequence about the vertical axis
        (Kinect's ``y``) by a random angle in ``[-rotation_augment,
        rotation_augment]`` degrees, to be robust to where the subject faces.
        0 disables it.

    {attributes}

    Examples
    --------
    >>> import torch
    >>> from vskdlearn.networks import SkeletonTeacher
    >>> net = SkeletonTeacher(n_classes=27, input_shape=(32, 20, 3))
    >>> logits, embedding = net(torch.randn(2, 32, 20, 3))
    {teacher_example_shapes}
    """

    def __init__(
        self,
        n_classes,
        input_shape,
        root_joint=UTD_MHAD_HIP_CENTER,
        hidden_dim=128,
        n_blocks=3,
        embedding_dim=256,
        dropout=0.3,
        rotation_augment=0.0,
    ):
        super().__init__()
        self.n_classes = check_positive_int(n_classes, "n_classes")
        self.input_shape = check_input_shape(
            input_shape, ("n_frames", "n_joints", "n_coords"), "SkeletonTeacher"
        )
        n_frames, n_joints, n_coords = self.input_shape
        if n_coords not in (2, 3):
            raise ValueError(
                f"SkeletonTeacher expects input_shape (n_frames, n_joints, n_coords) "
                f"with n_coords 2 or 3, got {self.input_shape}; a (n_frames, n_coords,"
                " n_joints) array must be transposed first."
            )
        if (
            isinstance(root_joint, bool)
            or not isinstance(root_joint, numbers.Integral)
            or not 0 <= root_joint < n_joints
        ):
            raise ValueError(
                f"root_joint must be a joint index in [0, {n_joints}), got "
                f"{root_joint!r}."
            )
        self.root_joint = int(root_joint)
        self.hidden_dim = check_positive_int(hidden_dim, "hidden_dim")
        self.n_blocks = check_positive_int(n_blocks, "n_blocks", minimum=0)
        self.embedding_dim = check_positive_int(embedding_dim, "embedding_dim")
        self.dropout = check_probability(dropout, "dropout")
        if not isinstance(rotation_augment, numbers.Real) or not (
            0 <= rotation_augment <= 180
        ):
            raise ValueError(
                f"rotation_augment must be an angle in degrees in [0, 180], got "
                f"{rotation_augment!r}."
            )
        self.rotation_augment = float(rotation_augment)

        n_features = 2 * (n_joints + 1) * n_coords
        self.input_norm = nn.BatchNorm1d(n_features)
        self.stem = nn.Sequential(*conv_bn_relu(n_features, self.hidden_dim, 5, dim=1))
        self.blocks = nn.ModuleList(
            _ResidualTemporalBlock(self.hidden_dim, 2**i, self.dropout)
            for i in range(self.n_blocks)
        )
        self._add_head(2 * self.hidden_dim)

    def _rotate(self, skeleton):
        # Rotation about the vertical axis (index 1, Kinect's y) only: the
        # subjects stand upright, so tilting them would create poses that
        # never occur.
        if skeleton.shape[-1] != 3:
            return skeleton
        limit = math.radians(self.rotation_augment)
        angle = (torch.rand(skeleton.shape[0], device=skeleton.device) * 2 - 1) * limit
        cos, sin = torch.cos(angle), torch.sin(angle)
        x, y, z = skeleton.unbind(-1)
        cos, sin = cos[:, None, None], sin[:, None, None]
        return torch.stack([cos * x + sin * z, y, -sin * x + cos * z], dim=-1)

    def frame_features(self, skeleton):
        """Per-frame features ``(batch, n_features, n_frames)`` fed to the network."""
        check_batch(skeleton, self.input_shape, "SkeletonTeacher")
        skeleton = skeleton.float()
        if self.training and self.rotation_augment > 0:
            skeleton = self._rotate(skeleton)
        pose, trajectory = normalize_skeleton(skeleton, self.root_joint)
        position = torch.cat([pose.flatten(2), trajectory], dim=2)
        velocity = torch.diff(position, dim=1, prepend=position[:, :1])
        return torch.cat([position, velocity], dim=2).transpose(1, 2)

    def forward_features(self, skeleton):
        """Return the temporal maps after the stem and each block."""
        x = self.stem(self.input_norm(self.frame_features(skeleton)))
        return [x, *self._pooled_block_maps(x)]

    @shared_docs
    def forward(self, skeleton):
        """Classify a batch of skeleton sequences.

        Parameters
        ----------
        skeleton : torch.Tensor of shape (batch, n_frames, n_joints, n_coords)

        Returns
        -------
        {returns}
        """
        return self._classify(mean_max_pool(self.forward_features(skeleton)[-1]))
