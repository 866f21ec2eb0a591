"""DepthTRNTeacher: the body crop, relative depth and their invariances."""

import numpy as np
import pytest
import torch

from vskdlearn import TeacherClassifier
from vskdlearn.networks import DepthMotionMapTeacher, DepthTRNTeacher
from vskdlearn.networks._depth import _segment_motion

SHAPE = (8, 1, 40, 60)


def _clips(top=8, left=20, distance=2800.0, batch=2):
    """A 'person' box of 24 x 12 pixels whose right half moves towards the camera."""
    clips = torch.zeros(batch, *SHAPE)
    clips[:, :, :, top : top + 24, left : left + 12] = distance
    for t in range(SHAPE[0]):
        clips[:, t, :, top : top + 8, left + 6 : left + 12] = distance - 50.0 * t
    return clips


def _net(**params):
    torch.manual_seed(0)
    return DepthTRNTeacher(n_classes=3, input_shape=SHAPE, **params).eval()


def test_crop_holds_the_whole_body_wherever_it_stands():
    net = _net(margin=0.0, crop_size=(24, 12))
    here, there = net.crop(_clips()), net.crop(_clips(top=12, left=40))
    # Margin 0 and the body's own aspect: the crop is exactly the body box.
    assert here.shape == (2, 8, 24, 12)
    assert (here > 0).all()
    torch.testing.assert_close(here, there)


def test_features_do_not_depend_on_where_or_how_far_the_person_stands():
    net = _net()
    logits, embedding = net(_clips())
    moved, moved_embedding = net(_clips(top=14, left=38, distance=3400.0))
    torch.testing.assert_close(embedding, moved_embedding)
    torch.testing.assert_close(logits, moved)


def test_relative_depth_is_in_front_of_the_mean_body_depth():
    net = _net(depth_scale=100.0)
    depth = torch.zeros(1, 1, 2, 2)
    depth[0, 0] = torch.tensor([[1000.0, 1200.0], [0.0, 1100.0]])
    silhouette, relative = net._relative_depth(depth)
    np.testing.assert_array_equal(silhouette[0, 0].numpy(), [[1, 1], [0, 1]])
    np.testing.assert_allclose(relative[0, 0].numpy(), [[1.0, -1.0], [0.0, 0.0]])


def test_training_jitters_the_crop_and_the_frames_but_predicting_does_not():
    net = _net(dropout=0.0)
    clips = _clips()
    first, second = net(clips)[1], net(clips)[1]
    torch.testing.assert_close(first, second)
    net.train()
    # BatchNorm in train mode differs from eval; compare two training passes.
    torch.manual_seed(1)
    a = net._frames(clips)[0]
    torch.manual_seed(2)
    b = net._frames(clips)[0]
    assert not torch.allclose(a, b)
    off = _net(jitter=0.0, random_segments=False).train()
    torch.testing.assert_close(off._frames(clips)[0], off._frames(clips)[0])


def test_channels_follow_the_options():
    clips = _clips()
    front = {"views": ("front",)}
    for params, expected in [
        ({}, 8),
        ({"segment_motion": True}, 12),
        ({**front, "motion": False, "segment_motion": True}, 4),
        ({"motion": False}, 4),
        ({"views": ("side", "top")}, 4),
        ({"views": "side", "motion": False}, 1),
        ({**front, "motion_map": True}, 5),
        (front, 4),
        ({**front, "motion": False, "motion_map": True}, 3),
        ({**front, "motion": False}, 2),
    ]:
        frames, batch = _net(**params)._frames(clips)
        assert frames.shape == (batch * 8, expected, 64, 48)


def test_side_and_top_views_place_each_pixel_at_its_height_width_and_depth():
    net = _net()
    silhouette = torch.zeros(1, 1, 5, 4)
    relative = torch.zeros(1, 1, 5, 4)
    # Three body pixels: at the mean depth, 2 units in front (the nearest
    # bin) and 5 behind (clamped to the farthest).
    for (row, col), rel in [((1, 0), 0.0), ((3, 2), 2.0), ((4, 3), -5.0)]:
        silhouette[0, 0, row, col], relative[0, 0, row, col] = 1.0, rel
    side, top = net.project(silhouette, relative)
    assert side.shape == top.shape == (1, 1, 5, 4)
    # Side: row = height, column = depth bin over the crop's 4 columns.
    assert {tuple(i) for i in side[0, 0].nonzero().tolist()} == {(1, 2), (3, 3), (4, 0)}
    # Top: row = depth bin over the crop's 5 rows, column = left to right.
    assert {tuple(i) for i in top[0, 0].nonzero().tolist()} == {(2, 0), (4, 2), (0, 3)}


def test_side_view_sees_the_hand_come_forward_that_the_front_view_hides():
    net = _net(views=("side",), motion=False)
    sil, rel = net._relative_depth(net.crop(_clips()))
    side, _ = net.project(sil, rel)
    depth_bins = side[0].amax(dim=1)  # (frames, depth bins): any row
    nearest = [int(frame.nonzero().max()) for frame in depth_bins]
    assert nearest[-1] > nearest[0]
    assert nearest == sorted(nearest)


def test_segment_motion_averages_the_absolute_change_within_each_segment():
    # 8 frames whose value grows as t**2: changes 1, 3, 5, ..., 13, one
    # negative-going pixel to show the change is absolute.
    view = (torch.arange(8.0) ** 2)[None, :, None, None].repeat(1, 1, 2, 2)
    view[0, :, 1, 1] *= -1
    # The 7 changes split at rounded 0, 1.75, 3.5, 5.25, 7: [1, 3], [5, 7], [9], [11, 13].
    expected = torch.tensor([2.0, 6.0, 9.0, 12.0])
    motion = _segment_motion(view, 4)
    assert motion.shape == (1, 4, 2, 2)
    torch.testing.assert_close(motion[0, :, 0, 0], expected)
    torch.testing.assert_close(motion[0, :, 1, 1], expected)


def test_an_empty_clip_is_cropped_to_the_whole_frame():
    net = _net()
    logits, _ = net(torch.zeros(1, *SHAPE))
    assert torch.isfinite(logits).all()


@pytest.mark.parametrize(
    ("params", "message"),
    [
        ({"input_shape": (8, 3, 40, 60)}, "one depth channel"),
        ({"crop_size": (64,)}, "crop_size must be"),
        ({"crop_size": (2, 2)}, "crop_size must be"),
        ({"depth_scale": 0}, "depth_scale must be > 0"),
        ({"standardize": True}, "drop standardize="),
        ({"jitter": 1.0}, r"jitter must be in \[0, 1\)"),
        ({"views": ("front", "back")}, "views must name some of"),
        ({"views": ()}, "views must name some of"),
        ({"views": ("side", "side")}, "each once"),
        ({"views": 3}, "got 3"),
    ],
)
def test_bad_parameters_say_what_is_expected(params, message):
    kwargs = {"n_classes": 3, "input_shape": SHAPE, **params}
    with pytest.raises(ValueError, match=message):
        DepthTRNTeacher(**kwargs)


@pytest.mark.parametrize(
    ("module", "params", "network"),
    [
        (None, {}, DepthMotionMapTeacher),
        (DepthTRNTeacher, {"module__frame_dim": 8}, DepthTRNTeacher),
    ],
)
def test_teacher_keeps_uint16_depth_until_a_batch_needs_floats(module, params, network):
    rng = np.random.default_rng(0)
    X = np.zeros((12, 8, 40, 60), dtype=np.uint16)
    y = np.repeat([0, 1, 2], 4)
    for i, label in enumerate(y):
        X[i, :, 8 + 4 * label : 32, 20:32] = 2800 + rng.integers(0, 50)
    teacher = TeacherClassifier(
        modality="depth",
        module=module,
        max_epochs=2,
        batch_size=4,
        random_state=0,
        module__width=4,
        module__embedding_dim=8,
        **params,
    )
    X_net, _ = teacher._validate_fit_input(X, y)
    assert X_net.dtype == np.uint16 and X_net.shape == (12, 8, 1, 40, 60)
    teacher.fit(X, y)
    assert type(teacher.net_.module_) is network
    assert teacher.predict_proba(X).shape == (12, 3)


def _dmm(**params):
    torch.manual_seed(0)
    return DepthMotionMapTeacher(n_classes=3, input_shape=SHAPE, **params).eval()


def test_motion_maps_are_one_per_view_map_and_pyramid_part():
    net = _dmm(pyramid=(1, 2))
    maps = net.motion_maps(_clips())
    # Front silhouette, relative depth, side, top; whole clip and two halves.
    assert net.n_maps == 4 * 3
    assert maps.shape == (2, 12, 48, 32)
    still = _clips()
    still[:] = still[:, :1]
    assert (net.motion_maps(still) == 0).all()


def test_motion_maps_keep_when_in_the_clip_the_motion_happened():
    net = _dmm(pyramid=(2,), views=("front",))
    clips = _clips()
    clips[:, 4:] = clips[:, 3:4]  # nothing moves in the second half
    # Silhouette's first and second half, then relative depth's.
    maps = net.motion_maps(clips)
    assert maps[:, 2].abs().sum() > 0
    assert (maps[:, [1, 3]] == 0).all()


def test_motion_map_teacher_does_not_depend_on_where_the_person_stands():
    net = _dmm()
    logits, embedding = net(_clips())
    moved, moved_embedding = net(_clips(top=14, left=38, distance=3400.0))
    assert embedding.shape == (2, 128)
    torch.testing.assert_close(embedding, moved_embedding)
    torch.testing.assert_close(logits, moved)
    assert [m.shape[1] for m in net.forward_features(_clips())] == [32, 64, 128]


@pytest.mark.parametrize(
    ("params", "message"),
    [
        ({"pyramid": ()}, "pyramid must be"),
        ({"pyramid": (1, 0)}, "pyramid must be"),
        ({"pyramid": 4}, "pyramid must be"),
        ({"input_shape": (1, 1, 40, 60)}, ">= 2 frames"),
        ({"input_shape": (8, 3, 40, 60)}, "one depth channel"),
        ({"views": ("back",)}, "views must name"),
        ({"depth_scale": -1.0}, "depth_scale must be > 0"),
    ],
)
def test_motion_map_teacher_says_what_is_expected(params, message):
    kwargs = {"n_classes": 3, "input_shape": SHAPE, **params}
    with pytest.raises(ValueError, match=message):
        DepthMotionMapTeacher(**kwargs)


def test_a_trn_pickled_before_views_existed_still_runs_as_it_did():
    net = _net(views=("front",))
    clips = _clips()
    expected = net(clips)[0]
    # Unpickling restores the instance dict, which then lacked both.
    del net.__dict__["views"], net.__dict__["segment_motion"]
    torch.testing.assert_close(net(clips)[0], expected)
