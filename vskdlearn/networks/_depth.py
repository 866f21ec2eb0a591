"""Teachers for depth video: the body cropped out, depth made relative.

:class:`DepthTRNTeacher` relates sampled frames in time (the paper's TRN);
:class:`DepthMotionMapTeacher` reads the motion of the whole clip as front,
side and top depth motion maps. Both prepare the clip the same way
(:class:`_BodyDepth`).
"""

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
from ._layers import EmbeddingNetwork, conv_bn_relu, shared_docs
from ._video import VideoTRNTeacher

__all__ = ["DepthMotionMapTeacher", "DepthTRNTeacher"]

VIEWS = ("front", "side", "top")


def _check_size(size):
    if (
        not isinstance(size, (tuple, list))
        or len(size) != 2
        or not all(isinstance(v, int) and v >= 4 for v in size)
    ):
        raise ValueError(
            f"crop_size must be (height, width), two ints >= 4; got {size!r}."
        )
    return tuple(size)


def _check_views(views):
    named = (views,) if isinstance(views, str) else views
    named = tuple(named) if isinstance(named, (tuple, list)) else ()
    if not named or len(set(named)) != len(named) or not set(named) <= set(VIEWS):
        raise ValueError(
            f"views must name some of {VIEWS}, each once, e.g. "
            f"('front', 'side', 'top'); got {views!r}."
        )
    return tuple(v for v in VIEWS if v in named)


def _extent(occupied):
    """First and last index of True along the last axis (whole range if none)."""
    n = occupied.shape[-1]
    any_ = occupied.any(dim=-1)
    first = occupied.float().argmax(dim=-1)
    last = n - 1 - occupied.flip(-1).float().argmax(dim=-1)
    first = torch.where(any_, first, torch.zeros_like(first))
    last = torch.where(any_, last, torch.full_like(last, n - 1))
    return first.float(), last.float()


def _change_totals(view):
    """Absolute frame-to-frame change of ``view`` summed up to each frame.

    (batch, n_frames, h, w) -> the same shape, 0 at the first frame: the
    change over any stretch of frames is then one subtraction.
    """
    change = view.diff(dim=1).abs()
    return torch.cat([torch.zeros_like(change[:, :1]), change.cumsum(dim=1)], 1)


def _segment_means(totals, n_segments):
    """Mean change within each of ``n_segments`` equal parts of the clip.

    ``totals`` as :func:`_change_totals` gives them, (batch, n_frames, h, w)
    -> (batch, n_segments, h, w): the depth motion
    map of each equal stretch of the clip (rounded to whole frames).
    """
    n_changes = totals.shape[1] - 1
    bounds = torch.linspace(0, n_changes, n_segments + 1, device=totals.device)
    bounds = bounds.round().long()
    counts = (bounds[1:] - bounds[:-1]).clamp(min=1).to(totals.dtype)
    return (totals[:, bounds[1:]] - totals[:, bounds[:-1]]) / counts[:, None, None]


def _segment_motion(view, n_segments):
    """Mean absolute frame-to-frame change within each of ``n_segments`` parts."""
    return _segment_means(_change_totals(view), n_segments)


class _BodyDepth:
    """How both depth teachers see a clip: the body cropped, depth relative.

    A mixin of methods; the network sets ``crop_size``, ``depth_scale``,
    ``margin``, ``jitter`` and ``views`` with :meth:`_set_body_params`.
    """

    def _set_body_params(self, network, crop_size, depth_scale, margin, jitter, views):
        if self.input_shape[1] != 1:
            raise ValueError(
                f"{network} takes one depth channel: input_shape must be "
                f"(n_frames, 1, height, width), got {self.input_shape}."
            )
        self.crop_size = _check_size(crop_size)
        if not depth_scale > 0:
            raise ValueError(f"depth_scale must be > 0 mm, got {depth_scale!r}.")
        self.depth_scale = float(depth_scale)
        self.margin = check_probability(margin, "margin")
        self.jitter = check_probability(jitter, "jitter")
        self.views = _check_views(views)

    @property
    def _n_view_maps(self):
        """Maps per frame: silhouette and relative depth (front), occupancy."""
        return len(self.views) + ("front" in self.views)

    def _relative_depth(self, depth):
        """Silhouette and depth in front of the clip's mean body depth."""
        body = depth > 0
        count = body.sum(dim=(1, 2, 3), keepdim=True).clamp(min=1)
        mean = (depth * body).sum(dim=(1, 2, 3), keepdim=True) / count
        relative = torch.where(body, (mean - depth) / self.depth_scale, 0.0)
        return body.to(depth.dtype), relative

    def project(self, silhouette, relative):
        """The body seen from the side and from above, as 0/1 occupancy.

        Parameters
        ----------
        silhouette, relative : torch.Tensor of shape (batch, n_frames, height, width)
            As :meth:`_relative_depth` gives them for the cropped clip.

        Returns
        -------
        side, top : torch.Tensor of shape (batch, n_frames, height, width)
            ``side[..., y, z]`` is 1 where row ``y`` holds body at relative
            depth bin ``z`` (far to near, over ``±2 depth_scale``);
            ``top[..., z, x]`` where column ``x`` does.
        """
        height, width = silhouette.shape[-2:]
        # Relative depth in [-2, 2] -> [0, 1]; pixels beyond are clamped.
        near = ((relative / 2).clamp(-1, 1) + 1) / 2
        body = silhouette.flatten(-2)
        rows = torch.arange(height, device=body.device).repeat_interleave(width)
        cols = torch.arange(width, device=body.device).repeat(height)
        side_bin = (near * (width - 1)).round().long().flatten(-2)
        top_bin = (near * (height - 1)).round().long().flatten(-2)
        side = body.new_zeros(body.shape).scatter_reduce(
            -1, rows * width + side_bin, body, reduce="amax"
        )
        top = body.new_zeros(body.shape).scatter_reduce(
            -1, top_bin * width + cols, body, reduce="amax"
        )
        return side.unflatten(-1, (height, width)), top.unflatten(-1, (height, width))

    def _crop_boxes(self, seen):
        """Affine maps from the crop to each clip's body box, (batch, 2, 3).

        ``seen``: (batch, height, width), True where any frame saw the body.
        """
        batch, height, width = seen.shape
        top, bottom = _extent(seen.any(dim=2))
        left, right = _extent(seen.any(dim=1))
        centre_y, centre_x = (top + bottom + 1) / 2, (left + right + 1) / 2
        half_h = (bottom - top + 1) / 2 * (1 + 2 * self.margin)
        half_w = (right - left + 1) / 2 * (1 + 2 * self.margin)
        aspect = self.crop_size[1] / self.crop_size[0]
        half_h = torch.maximum(half_h, half_w / aspect)
        half_w = half_h * aspect
        if self.training and self.jitter > 0:
            noise = (torch.rand(3, batch, device=seen.device) * 2 - 1) * self.jitter
            scale = torch.exp(noise[0])
            centre_y = centre_y + noise[1] * half_h
            centre_x = centre_x + noise[2] * half_w
            half_h, half_w = half_h * scale, half_w * scale
        theta = torch.zeros(batch, 2, 3, device=seen.device)
        # affine_grid's coordinates run from -1 to 1 over the whole frame.
        theta[:, 0, 0] = half_w * 2 / width
        theta[:, 0, 2] = centre_x * 2 / width - 1
        theta[:, 1, 1] = half_h * 2 / height
        theta[:, 1, 2] = centre_y * 2 / height - 1
        return theta

    def crop(self, video):
        """The body box of every frame, resampled to ``crop_size`` (mm).

        Parameters
        ----------
        video : torch.Tensor of shape (batch, n_frames, 1, height, width)

        Returns
        -------
        torch.Tensor of shape (batch, n_frames, height, width), float, with
            (height, width) = ``crop_size``
        """
        depth = video[:, :, 0].float()
        theta = self._crop_boxes(depth.amax(dim=1) > 0)
        grid = F.affine_grid(
            theta, (len(depth), 1, *self.crop_size), align_corners=False
        )
        # Nearest: interpolating would invent depths between body and background.
        return F.grid_sample(depth, grid, mode="nearest", align_corners=False)

    def view_maps(self, video):
        """The body crop of every frame as the chosen ``views`` see it.

        Parameters
        ----------
        video : torch.Tensor of shape (batch, n_frames, 1, height, width)

        Returns
        -------
        silhouette, relative : torch.Tensor of shape (batch, n_frames, h, w)
            Of the front view, with (h, w) = ``crop_size``.
        maps : list of torch.Tensor of shape (batch, n_frames, h, w)
            Front silhouette and relative depth (if ``"front"`` is a view),
            then side and top occupancy (if chosen), in that order.
        """
        silhouette, relative = self._relative_depth(self.crop(video))
        maps = []
        if "front" in self.views:
            maps += [silhouette, relative]
        if {"side", "top"} & set(self.views):
            side, top = self.project(silhouette, relative)
            maps += [side] * ("side" in self.views) + [top] * ("top" in self.views)
        return silhouette, relative, maps


@shared_docs
class DepthTRNTeacher(_BodyDepth, VideoTRNTeacher):
    """Multi-scale TRN on depth clips whose background is zero.

    Depth cameras such as the Kinect of UTD-MHAD give millimetres, with 0
    where nothing (or only background, once segmented) was seen. Fed as they
    are, a person 2.8 m away is a few hundred identical large numbers in a
    mostly empty frame, and a frame CNN learns where people stood rather
    than what they did. Before the :class:`VideoTRNTeacher` relation
    network this network therefore

    - **crops the body**: the box holding every non-zero pixel of the clip
      (all frames, so the crop does not move during the clip), widened by
      ``margin`` and to the aspect of ``crop_size``, is resampled to
      ``crop_size``; in training the box is randomly shifted and rescaled by
      up to ``jitter`` of its size (the subject stands elsewhere, is taller);
    - **makes depth relative**: each pixel becomes its distance in front of
      the clip's mean body depth, in units of ``depth_scale`` millimetres
      (a hand pushed towards the camera is positive whoever the subject and
      wherever they stand), with a 0/1 silhouette channel beside it;
    - **projects the body on the side and top planes** (``views``): the
      cropped body seen from the side (rows: height, columns: relative
      depth) and from above (rows: relative depth, columns: left to right),
      as 0/1 occupancy images the size of the crop, relative depth covering
      ``±2 depth_scale``. They show what the front view hides, an arm pushed
      forward or a leg stepping back, as the front, side and top depth
      motion maps of Chen et al. (2013) do;
    - **adds motion**: the difference of the frames after and before each
      sampled frame (``motion=True``) and the clip's depth motion map
      (``motion_map=True``, off by default: the absolute frame-to-frame change of
      silhouette and depth averaged over the whole clip, as in the DMM of
      Yang et al. 2012, which shows the path of the moving limbs);
    - in training, draws each sampled frame at a random position inside its
      segment (as TSN does), instead of its centre.

    The clip is never flipped left-right: UTD-MHAD's actions are done with
    the right hand and name directions ("swipe left"), so a mirrored clip is
    another action.

    Parameters
    ----------
    {n_classes}
    input_shape : tuple of int
        ``(n_frames, 1, height, width)`` of one clip, in millimetres (any
        integer or float dtype; ``uint16`` as the loaders give it).
    crop_size : tuple of int, default=(64, 48)
        ``(height, width)`` of the body crop the frame CNN sees.
    width : int, default=16
        Channels of the first stage of the frame CNN (half the video
        network's: the crop holds one body, not a scene).
    depth_scale : float, default=500.0
        Millimetres that make one unit of relative depth.
    margin : float, default=0.1
        Fraction of the body box added on every side before cropping.
    jitter : float in [0, 1), default=0.1
        Largest random shift and rescaling of the crop box in training, as a
        fraction of its size; 0 turns it off.
    views : tuple of {"front", "side", "top"}, default=("front", "side", "top")
        The projections each frame gives the frame CNN as channels: the
        front view's silhouette and relative depth, the side and top views'
        occupancy (and their motion with ``motion=True``). How the views
        compare on UTD-MHAD's training subjects: :ref:`selection`.
    segment_motion : bool, default=False
        Give each sampled frame, per view channel, the mean absolute change
        over its whole segment: the depth motion map of that stretch of the
        clip (Chen et al.'s maps, one per segment), so that the relation
        network sees all the motion rather than the frames it samples.
    motion_map : bool, default=False
        Give every frame the clip's depth motion map as one more channel
        (chosen on UTD-MHAD's training subjects: off is better there, see
        the results page).
    random_segments : bool, default=True
        In training, sample each segment's frame at random within it.
    **trn_params
        The :class:`VideoTRNTeacher` parameters (``n_segments``,
        ``frame_dim``, ``max_relations``, ``embedding_dim``, ``dropout``,
        ``motion``).

    Examples
    --------
    >>> import torch
    >>> from vskdlearn.networks import DepthTRNTeacher
    >>> net = DepthTRNTeacher(n_classes=27, input_shape=(16, 1, 60, 80))
    >>> clips = torch.zeros(2, 16, 1, 60, 80)
    >>> clips[:, :, :, 10:50, 30:45] = 2800.0  # a person 2.8 m away
    >>> logits, embedding = net(clips)
    {teacher_example_shapes}
    """

    # What networks pickled before ``views`` and ``segment_motion`` existed
    # did; a new network sets its own in ``__init__``.
    views = ("front",)
    segment_motion = False

    def __init__(
        self,
        n_classes,
        input_shape,
        crop_size=(64, 48),
        width=16,
        depth_scale=500.0,
        margin=0.1,
        jitter=0.1,
        views=VIEWS,
        segment_motion=False,
        motion_map=False,
        random_segments=True,
        **trn_params,
    ):
        if "standardize" in trn_params:
            raise ValueError(
                "DepthTRNTeacher makes depth relative to the body instead of "
                "standardising clips: drop standardize= (set depth_scale=)."
            )
        super().__init__(
            n_classes, input_shape, width=width, standardize=False, **trn_params
        )
        self._set_body_params(
            "DepthTRNTeacher", crop_size, depth_scale, margin, jitter, views
        )
        self.segment_motion = bool(segment_motion)
        self.motion_map = bool(motion_map)
        self.random_segments = bool(random_segments)
        # Front: silhouette + relative depth; side, top: occupancy; each with
        # its motion and its segment's motion; and the clip's motion map.
        n_inputs = self._n_view_maps * (1 + self.motion + self.segment_motion) + int(
            self.motion_map
        )
        self.frame_cnn = type(self.frame_cnn)(n_inputs, self.width, self.frame_dim)

    def _sampled_indices(self, n_frames, device):
        if not (self.training and self.random_segments):
            return self.frame_indices
        offsets = torch.rand(self.n_segments, device=device)
        positions = (torch.arange(self.n_segments, device=device) + offsets) * (
            n_frames / self.n_segments
        )
        return positions.long().clamp(max=n_frames - 1)

    def _frames(self, video):
        check_batch(video, self.input_shape, "DepthTRNTeacher")
        # Cropped first, so that everything after works on small frames.
        silhouette, relative, views = self.view_maps(video)
        indices = self._sampled_indices(video.shape[1], video.device)
        last = video.shape[1] - 1
        after, before = (indices + 1).clamp(max=last), (indices - 1).clamp(min=0)
        channels = [view[:, indices] for view in views]
        if self.motion:
            channels += [view[:, after] - view[:, before] for view in views]
        if self.segment_motion:
            channels += [_segment_motion(view, self.n_segments) for view in views]
        if self.motion_map:
            change = relative.diff(dim=1).abs() + silhouette.diff(dim=1).abs()
            channels.append(change.mean(dim=1, keepdim=True).expand_as(channels[0]))
        frames = torch.stack(channels, dim=2)  # (batch, segments, c, h, w)
        return frames.flatten(0, 1), len(video)


def _check_pyramid(pyramid):
    if (
        not isinstance(pyramid, (tuple, list))
        or not pyramid
        or not all(isinstance(v, numbers.Integral) and v >= 1 for v in pyramid)
    ):
        raise ValueError(
            "pyramid must be a tuple of ints >= 1, the parts each level cuts "
            f"the clip into, e.g. (1, 2, 4); got {pyramid!r}."
        )
    return tuple(int(v) for v in pyramid)


@shared_docs
class DepthMotionMapTeacher(_BodyDepth, EmbeddingNetwork):
    """A CNN over front, side and top depth motion maps of the whole clip.

    The depth motion map (DMM) of Yang et al. (2012) and Chen et al. (2013)
    sums, pixel by pixel, how much each projection of the body changed
    from frame to frame: one image holds the path of every moving limb of
    the clip. This network

    - crops the body and makes depth relative to it, and projects it on
      the side and top planes, as :class:`DepthTRNTeacher` does (the crop
      randomly shifted and rescaled in training by up to ``jitter``);
    - makes, for each view map (front silhouette and relative depth, side
      and top occupancy), the mean absolute frame-to-frame change over the
      whole clip and over each part of a temporal ``pyramid`` (halves,
      quarters: the order of the motion, which a single map loses);
    - reads these ``n_maps`` images, each batch-normalised, with three
      conv-BN-ReLU-maxpool stages of ``width``, ``2 * width`` and
      ``embedding_dim`` channels; the last stage's maps, averaged over the
      image, are the embedding, which the ``classifier`` reads after
      dropout. (No embedding layer between them: on the training subjects
      one cost accuracy, see :ref:`selection`.)

    With few training subjects it generalises better than the TRN, which
    must learn motion from a few sampled frames: see the selection on
    UTD-MHAD's training subjects in :ref:`selection`.

    Parameters
    ----------
    {n_classes}
    input_shape : tuple of int
        ``(n_frames, 1, height, width)`` of one clip, in millimetres (any
        integer or float dtype; ``uint16`` as the loaders give it), >= 2
        frames.
    crop_size : tuple of int, default=(48, 32)
        ``(height, width)`` of the body crop; the side view's depth axis
        has ``width`` bins, the top view's ``height``.
    views : tuple of {"front", "side", "top"}, default=("front", "side", "top")
        The projections whose motion maps are made.
    pyramid : tuple of int, default=(1, 2, 4)
        The clip is cut into this many equal parts at each level; each
        part gives one motion map per view map.
    width : int, default=32
        Channels of the first convolution stage (the second has twice as
        many).
    embedding_dim : int, default=128
        Channels of the last stage, the width of the embedding.
    dropout : float, default=0.5
        Dropout before the classifier.
    depth_scale : float, default=500.0
        Millimetres that make one unit of relative depth (the side and top
        views cover ``±2 depth_scale``).
    margin : float, default=0.1
        Fraction of the body box added on every side before cropping.
    jitter : float in [0, 1), default=0.1
        Largest random shift and rescaling of the crop box in training.

    Attributes
    ----------
    {embedding_dim_}
    n_maps : int
        Motion maps per clip: view maps times ``sum(pyramid)``.

    Examples
    --------
    >>> import torch
    >>> from vskdlearn.networks import DepthMotionMapTeacher
    >>> net = DepthMotionMapTeacher(n_classes=27, input_shape=(16, 1, 60, 80))
    >>> clips = torch.zeros(2, 16, 1, 60, 80)
    >>> clips[:, :, :, 10:50, 30:45] = 2800.0  # a person 2.8 m away
    >>> logits, embedding = net(clips)
    >>> tuple(logits.shape), tuple(embedding.shape)
    ((2, 27), (2, 128))
    """

    def __init__(
        self,
        n_classes,
        input_shape,
        crop_size=(48, 32),
        views=VIEWS,
        pyramid=(1, 2, 4),
        width=32,
        embedding_dim=128,
        dropout=0.5,
        depth_scale=500.0,
        margin=0.1,
        jitter=0.1,
    ):
        super().__init__()
        self.n_classes = check_positive_int(n_classes, "n_classes")
        self.input_shape = check_input_shape(
            input_shape,
            ("n_frames", "n_colors", "height", "width"),
            "DepthMotionMapTeacher",
        )
        if self.input_shape[0] < 2:
            raise ValueError(
                "DepthMotionMapTeacher needs >= 2 frames per clip to see motion; "
                f"got input_shape {self.input_shape}."
            )
        self._set_body_params(
            "DepthMotionMapTeacher", crop_size, depth_scale, margin, jitter, views
        )
        self.pyramid = _check_pyramid(pyramid)
        self.width = check_positive_int(width, "width")
        self.embedding_dim = check_positive_int(embedding_dim, "embedding_dim")
        self.dropout = check_probability(dropout, "dropout")
        self.n_maps = self._n_view_maps * sum(self.pyramid)
        # Motion maps differ in scale by view and level: normalise each.
        self.input_norm = nn.BatchNorm2d(self.n_maps)
        stages, channels = [], self.n_maps
        for out_channels in (self.width, 2 * self.width, self.embedding_dim):
            stages.append(
                nn.Sequential(
                    *conv_bn_relu(channels, out_channels, 3),
                    nn.MaxPool2d(2, ceil_mode=True),
                )
            )
            channels = out_channels
        self.stages = nn.ModuleList(stages)
        self.drop = nn.Dropout(self.dropout)
        self.classifier = nn.Linear(self.embedding_dim, self.n_classes)

    def motion_maps(self, video):
        """The clip's motion maps, ``(batch, n_maps, *crop_size)``.

        Ordered by pyramid level (the whole clip first), then by view map
        as :meth:`view_maps` lists them, then by part in time.
        """
        check_batch(video, self.input_shape, "DepthMotionMapTeacher")
        _, _, maps = self.view_maps(video)
        # Each map's change is summed once; every pyramid level reads it.
        totals = [_change_totals(m) for m in maps]
        return torch.cat(
            [_segment_means(t, parts) for parts in self.pyramid for t in totals],
            dim=1,
        )

    def forward_features(self, video):
        """The output of each convolution stage.

        Returns
        -------
        maps : list of 3 torch.Tensor of shape (batch, c_i, h_i, w_i)
        """
        x = self.input_norm(self.motion_maps(video))
        maps = []
        for stage in self.stages:
            x = stage(x)
            maps.append(x)
        return maps

    @shared_docs
    def forward(self, video):
        """Classify a batch of clips.

        Parameters
        ----------
        video : torch.Tensor of shape (batch, n_frames, 1, height, width)

        Returns
        -------
        {returns}
        """
        embedding = self.forward_features(video)[-1].mean(dim=(2, 3))
        return self.classifier(self.drop(embedding)), embedding
