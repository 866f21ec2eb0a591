"""Ctrl-C during training reaches the caller instead of a half-trained model.

skorch's ``partial_fit`` ends training on any ``KeyboardInterrupt``: the one
its callbacks raise to stop (``EarlyStopping``) and a real Ctrl-C. Both
estimators keep the first as skorch does, and raise the second again (after
skorch's end-of-training callbacks) and stay unfitted, so that a grid search
or ``vskd run`` stops instead of scoring the remains.
"""

import signal

import pytest
from sklearn.exceptions import NotFittedError
from sklearn.frozen import FrozenEstimator
from skorch.callbacks import Callback

from vskdlearn import DistilledStudentClassifier, TeacherClassifier


class _InterruptAtEpoch(Callback):
    # The estimators clone their callbacks: events are recorded on the class.
    events = []

    def __init__(self, epoch, ctrl_c):
        self.epoch = epoch
        self.ctrl_c = ctrl_c

    def on_epoch_end(self, net, **kwargs):
        self.events.append(f"epoch {len(net.history)}")
        if len(net.history) == self.epoch:
            if self.ctrl_c:  # what pressing Ctrl-C does
                signal.raise_signal(signal.SIGINT)
            raise KeyboardInterrupt  # how skorch callbacks stop training

    def on_train_end(self, net, **kwargs):
        self.events.append("train end")


def _teacher(paired, teacher_small, callbacks):
    _, skeleton, y = paired
    teacher = TeacherClassifier(
        max_epochs=4, callbacks=callbacks, random_state=0, **teacher_small
    )
    return teacher, (skeleton, y), {}


def _student(paired, teacher_small, callbacks):
    images, skeleton, y = paired
    frozen = FrozenEstimator(
        TeacherClassifier(max_epochs=1, random_state=0, **teacher_small).fit(
            skeleton, y
        )
    )
    student = DistilledStudentClassifier(
        frozen, max_epochs=4, batch_size=8, callbacks=callbacks, random_state=0
    )
    return student, (images, y), {"teacher_X": skeleton}


@pytest.mark.parametrize("make", [_teacher, _student], ids=["teacher", "student"])
def test_ctrl_c_during_fit_is_raised_and_leaves_the_estimator_unfitted(
    paired, teacher_small, make
):
    _InterruptAtEpoch.events.clear()
    callbacks = [_InterruptAtEpoch(epoch=2, ctrl_c=True)]
    estimator, args, kwargs = make(paired, teacher_small, callbacks)
    handler = signal.getsignal(signal.SIGINT)
    with pytest.raises(KeyboardInterrupt):
        estimator.fit(*args, **kwargs)
    assert _InterruptAtEpoch.events == ["epoch 1", "epoch 2", "train end"]
    assert signal.getsignal(signal.SIGINT) is handler  # restored
    with pytest.raises(NotFittedError):
        estimator.predict(args[0])
    # The same estimator trains to the end when nothing interrupts it.
    estimator.set_params(callbacks=None).fit(*args, **kwargs)
    assert len(estimator.history_) == 4


@pytest.mark.parametrize("make", [_teacher, _student], ids=["teacher", "student"])
def test_a_callback_stopping_training_is_not_a_ctrl_c(paired, teacher_small, make):
    callbacks = [_InterruptAtEpoch(epoch=2, ctrl_c=False)]
    estimator, args, kwargs = make(paired, teacher_small, callbacks)
    estimator.fit(*args, **kwargs)
    assert len(estimator.history_) == 2
    assert estimator.predict(args[0]).shape == (len(args[1]),)
