"""Progress within a model: a skorch callback that reports every epoch."""

from skorch.callbacks import Callback

__all__ = ["EpochProgress", "with_epoch_progress"]


def _ignore(epoch, max_epochs):
    pass


class EpochProgress(Callback):
    """Call ``report(epoch, max_epochs)`` at the end of every training epoch.

    ``report`` is a plain function (a closure over a progress bar, say): the
    estimators deep-copy their callbacks and ``clone`` copies parameters, and
    both keep a function as it is, where they would copy a bar or a bound
    method's object. It is not pickled: a pickled estimator reports nothing.
    """

    def __init__(self, report=_ignore):
        self.report = report

    def on_epoch_end(self, net, **kwargs):
        self.report(len(net.history), net.max_epochs)

    def __deepcopy__(self, memo):
        return type(self)(self.report)

    def __getstate__(self):  # pickle, which cannot take a closure
        return {**self.__dict__, "report": _ignore}


def with_epoch_progress(estimator, report):
    """Add an :class:`EpochProgress` to ``estimator`` (or a pipeline's last step)."""
    network = estimator.steps[-1][1] if hasattr(estimator, "steps") else estimator
    callbacks = list(network.get_params()["callbacks"] or [])
    network.set_params(callbacks=[*callbacks, ("vskd_epochs", EpochProgress(report))])
    return estimator
