"""A TRN teacher for depth video: the body cropped out, depth made relative."""

import torch
import torch.nn.functional as F

from ._base import check_batch, check_probability
from ._layers import shared_docs
from ._video import VideoTRNTeacher

__all__ = ["DepthTRNTeacher"]


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


def _extent(occupied):
    """First and last index of True along the last axis (whole range if none)."""
    n = occupied.shape[-1]
    any_ = occupied.any(dim=-1)
    first = occupied.float().argmax(dim=-1)
    last = n - 1 - occupied.flip(-1).float().argmax(dim=-1)
    first = torch.where(any_, first, torch.zeros_like(first))
    last = torch.where(any_, last, torch.full_like(last, n - 1))
    return first.float(), last.float()


@shared_docs
class DepthTRNTeacher(VideoTRNTeacher):
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

    def __init__(
        self,
        n_classes,
        input_shape,
        crop_size=(64, 48),
        width=16,
        depth_scale=500.0,
        margin=0.1,
        jitter=0.1,
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
        if self.input_shape[1] != 1:
            raise ValueError(
                "DepthTRNTeacher takes one depth channel: input_shape must be "
                f"(n_frames, 1, height, width), got {self.input_shape}."
            )
        self.crop_size = _check_size(crop_size)
        if not depth_scale > 0:
            raise ValueError(f"depth_scale must be > 0 mm, got {depth_scale!r}.")
        self.depth_scale = float(depth_scale)
        self.margin = check_probability(margin, "margin")
        self.jitter = check_probability(jitter, "jitter")
        self.motion_map = bool(motion_map)
        self.random_segments = bool(random_segments)
        # Silhouette + relative depth, their motion, and the motion map.
        n_inputs = 2 * (2 if self.motion else 1) + int(self.motion_map)
        self.frame_cnn = type(self.frame_cnn)(n_inputs, self.width, self.frame_dim)

    def _relative_depth(self, depth):
        """Silhouette and depth in front of the clip's mean body depth."""
        body = depth > 0
        count = body.sum(dim=(1, 2, 3), keepdim=True).clamp(min=1)
        mean = (depth * body).sum(dim=(1, 2, 3), keepdim=True) / count
        relative = torch.where(body, (mean - depth) / self.depth_scale, 0.0)
        return body.to(depth.dtype), relative

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
        silhouette, relative = self._relative_depth(self.crop(video))
        indices = self._sampled_indices(video.shape[1], video.device)
        last = video.shape[1] - 1
        after, before = (indices + 1).clamp(max=last), (indices - 1).clamp(min=0)
        channels = [silhouette[:, indices], relative[:, indices]]
        if self.motion:
            channels.append(silhouette[:, after] - silhouette[:, before])
            channels.append(relative[:, after] - relative[:, before])
        if self.motion_map:
            change = relative.diff(dim=1).abs() + silhouette.diff(dim=1).abs()
            channels.append(change.mean(dim=1, keepdim=True).expand_as(channels[0]))
        frames = torch.stack(channels, dim=2)  # (batch, segments, c, h, w)
        return frames.flatten(0, 1), len(video)
