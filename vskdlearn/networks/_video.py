"""Multi-scale temporal relation network (TRN) teacher for video clips."""

import itertools

import torch
from torch import nn

from ._base import (
    check_batch,
    check_input_shape,
    check_positive_int,
    check_probability,
)
from ._layers import EmbeddingNetwork, conv_bn_relu, shared_docs

__all__ = ["VideoTRNTeacher"]


def _evenly_spaced(items, count):
    """``count`` items spread evenly over ``items`` (all when there are fewer)."""
    if len(items) <= count:
        return list(items)
    if count == 1:
        return [items[len(items) // 2]]
    step = (len(items) - 1) / (count - 1)
    return [items[round(i * step)] for i in range(count)]


class _FrameCNN(nn.Module):
    """Small 2D CNN applied to every sampled frame (shared weights)."""

    def __init__(self, in_channels, width, out_dim):
        super().__init__()
        widths = [width, 2 * width, 4 * width]
        layers = []
        for out_channels in widths:
            layers.append(
                nn.Sequential(
                    *conv_bn_relu(in_channels, out_channels, 3),
                    nn.MaxPool2d(2, ceil_mode=True),
                )
            )
            in_channels = out_channels
        self.stages = nn.ModuleList(layers)
        self.project = nn.Sequential(*conv_bn_relu(in_channels, out_dim, 1))

    def forward(self, frames):
        maps = []
        x = frames
        for stage in self.stages:
            x = stage(x)
            maps.append(x)
        return self.project(x).mean(dim=(2, 3)), maps


@shared_docs
class VideoTRNTeacher(EmbeddingNetwork):
    """Per-frame CNN followed by a multi-scale temporal relation network.

    ``n_segments`` frames are taken from the clip (the centre of each of
    ``n_segments`` equal segments, as in TSN/TRN at test time), each is
    encoded by the same small 2D CNN (three conv-BN-ReLU-maxpool stages of
    ``width``, ``2 * width``, ``4 * width`` channels and a 1x1 projection to
    ``frame_dim``, globally average-pooled). Then, as in the multi-scale TRN
    of Zhou et al. (ECCV 2018), for every scale ``k = 2 .. n_segments`` up to
    ``max_relations`` ordered subsets of ``k`` frames (all subsets if there
    are fewer; chosen evenly among the combinations, so the network is
    deterministic) are concatenated in time order and passed through that
    scale's relation MLP ``g_k`` (``k * frame_dim -> 256 -> embedding_dim``,
    ReLU). The embedding is the sum of all relation features over subsets
    and scales; the ``classifier`` reads it.

    Two input steps make the frame CNN see the body rather than the scene,
    which matters when a few training subjects are all the network sees of
    clothing, lighting and background: each clip is standardised per colour
    over its frames and pixels (``standardize=True``), and each sampled
    frame carries the clip's temporal difference around it as extra
    channels (``motion=True``, as RGB-difference input in TSN). What each
    step does is measured in :doc:`/benchmarks/video_teacher`.

    Parameters
    ----------
    {n_classes}
    input_shape : tuple of int
        ``(n_frames, n_colors, height, width)`` of one clip (``n_colors`` 3
        for RGB, 1 for depth). ``uint8`` clips are divided by 255; float
        clips are used as they are (expected in [0, 1]).
    n_segments : int, default=8
        Frames sampled per clip (the largest relation scale), >= 2.
    width : int, default=32
        Channels of the first stage of the frame CNN.
    frame_dim : int, default=128
        Width of each frame's feature vector.
    max_relations : int, default=3
        Frame subsets per scale (TRN uses 3).
    embedding_dim : int, default=256
        Width of the relation features and of the embedding.
    dropout : float, default=0.3
        Dropout on the frame features and before the classifier.
    standardize : bool, default=True
        Standardise each clip per colour channel (zero mean, unit variance
        over frames and pixels) before the frame CNN.
    motion : bool, default=True
        Give the frame CNN, beside each sampled frame, the difference of the
        frames after and before it (``2 * n_colors`` input channels).

    Attributes
    ----------
    {embedding_dim_}
    relations : list of tuple of tuple of int
        For each scale, the frame subsets (indices into the sampled frames).

    Examples
    --------
    >>> import torch
    >>> from vskdlearn.networks import VideoTRNTeacher
    >>> net = VideoTRNTeacher(n_classes=27, input_shape=(16, 3, 32, 32))
    >>> logits, embedding = net(torch.rand(2, 16, 3, 32, 32))
    {teacher_example_shapes}
    """

    def __init__(
        self,
        n_classes,
        input_shape,
        n_segments=8,
        width=32,
        frame_dim=128,
        max_relations=3,
        embedding_dim=256,
        dropout=0.3,
        standardize=True,
        motion=True,
    ):
        super().__init__()
        self.n_classes = check_positive_int(n_classes, "n_classes")
        self.input_shape = check_input_shape(
            input_shape,
            ("n_frames", "n_colors", "height", "width"),
            "VideoTRNTeacher",
        )
        self.n_segments = check_positive_int(n_segments, "n_segments", minimum=2)
        self.width = check_positive_int(width, "width")
        self.frame_dim = check_positive_int(frame_dim, "frame_dim")
        self.max_relations = check_positive_int(max_relations, "max_relations")
        self.embedding_dim = check_positive_int(embedding_dim, "embedding_dim")
        self.dropout = check_probability(dropout, "dropout")
        self.standardize = bool(standardize)
        self.motion = bool(motion)

        n_frames = self.input_shape[0]
        # Centre of each segment; with fewer frames than segments, frames repeat.
        positions = [
            min(int((i + 0.5) * n_frames / self.n_segments), n_frames - 1)
            for i in range(self.n_segments)
        ]
        self.register_buffer(
            "frame_indices", torch.tensor(positions, dtype=torch.long), persistent=False
        )
        n_inputs = self.input_shape[1] * (2 if self.motion else 1)
        self.frame_cnn = _FrameCNN(n_inputs, self.width, self.frame_dim)
        self.frame_drop = nn.Dropout(self.dropout)
        self.relations = [
            _evenly_spaced(
                list(itertools.combinations(range(self.n_segments), k)),
                self.max_relations,
            )
            for k in range(2, self.n_segments + 1)
        ]
        bottleneck = 256
        self.relation_mlps = nn.ModuleList(
            nn.Sequential(
                nn.Linear(k * self.frame_dim, bottleneck),
                nn.ReLU(inplace=True),
                nn.Linear(bottleneck, self.embedding_dim),
                nn.ReLU(inplace=True),
            )
            for k in range(2, self.n_segments + 1)
        )
        self.drop = nn.Dropout(self.dropout)
        self.classifier = nn.Linear(self.embedding_dim, self.n_classes)

    def _frames(self, video):
        check_batch(video, self.input_shape, "VideoTRNTeacher")
        video = video.float() / 255.0 if video.dtype == torch.uint8 else video.float()
        mean, spread = 0.0, 1.0
        if self.standardize:
            # Statistics of the whole clip, applied to the frames used.
            mean = video.mean(dim=(1, 3, 4), keepdim=True)
            spread = video.std(dim=(1, 3, 4), keepdim=True) + 1e-5

        def frames_at(indices):
            return (video[:, indices] - mean) / spread

        # Only the sampled frames (and their neighbours, for motion) are used.
        indices, last = self.frame_indices, video.shape[1] - 1
        frames = frames_at(indices)
        if self.motion:
            after = frames_at((indices + 1).clamp(max=last))
            before = frames_at((indices - 1).clamp(min=0))
            frames = torch.cat([frames, after - before], dim=2)
        return frames.flatten(0, 1), video.shape[0]

    def forward_features(self, video):
        """Maps of each frame-CNN stage, averaged over the sampled frames.

        Returns
        -------
        maps : list of 3 torch.Tensor of shape (batch, c_i, h_i, w_i)
        """
        frames, batch = self._frames(video)
        _, maps = self.frame_cnn(frames)
        return [m.unflatten(0, (batch, self.n_segments)).mean(dim=1) for m in maps]

    @shared_docs
    def forward(self, video):
        """Classify a batch of clips.

        Parameters
        ----------
        video : torch.Tensor of shape (batch, n_frames, n_colors, height, width)

        Returns
        -------
        {returns}
        """
        frames, batch = self._frames(video)
        features, _ = self.frame_cnn(frames)
        features = self.frame_drop(features).unflatten(0, (batch, self.n_segments))
        embedding = 0
        for subsets, mlp in zip(self.relations, self.relation_mlps, strict=True):
            # (batch, n_subsets, k, frame_dim): all subsets of a scale at once.
            grouped = features[:, torch.tensor(subsets, device=features.device)]
            embedding = embedding + mlp(grouped.flatten(2)).sum(dim=1)
        return self.classifier(self.drop(embedding)), embedding
