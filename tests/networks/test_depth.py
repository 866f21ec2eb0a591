"""DepthTRNTeacher: the body crop, relative depth and their invariances."""

import numpy as np
import pytest
import torch

from vskdlearn import TeacherClassifier
from vskdlearn.networks import DepthTRNTeacher

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
    for params, expected in [
        ({"motion_map": True}, 5),
        ({}, 4),
        ({"motion": False, "motion_map": True}, 3),
        ({"motion": False}, 2),
    ]:
        frames, batch = _net(**params)._frames(clips)
        assert frames.shape == (batch * 8, expected, 64, 48)


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
    ],
)
def test_bad_parameters_say_what_is_expected(params, message):
    kwargs = {"n_classes": 3, "input_shape": SHAPE, **params}
    with pytest.raises(ValueError, match=message):
        DepthTRNTeacher(**kwargs)


def test_teacher_keeps_uint16_depth_until_a_batch_needs_floats():
    rng = np.random.default_rng(0)
    X = np.zeros((12, 8, 40, 60), dtype=np.uint16)
    y = np.repeat([0, 1, 2], 4)
    for i, label in enumerate(y):
        X[i, :, 8 + 4 * label : 32, 20:32] = 2800 + rng.integers(0, 50)
    teacher = TeacherClassifier(
        modality="depth",
        max_epochs=2,
        batch_size=4,
        random_state=0,
        module__width=4,
        module__frame_dim=8,
        module__embedding_dim=8,
    )
    X_net, _ = teacher._validate_fit_input(X, y)
    assert X_net.dtype == np.uint16 and X_net.shape == (12, 8, 1, 40, 60)
    teacher.fit(X, y)
    assert isinstance(teacher.net_.module_, DepthTRNTeacher)
    assert teacher.predict_proba(X).shape == (12, 3)
