"""What the teacher and the student estimators share.

Design: each estimator is a scikit-learn estimator that *owns* a skorch net
(the fitted attribute ``net_``), built in ``fit`` from the data, rather than a
subclass of ``skorch.NeuralNetClassifier``. The reasons:

- The scikit-learn side stays exact: explicit constructor parameters,
  ``_parameter_constraints``, ``validate_data``, ``__sklearn_tags__``,
  ``classes_`` in the user's own labels (strings included), nothing set in
  ``__init__`` but parameters, and ``fit(X, y, teacher_X=None)`` with
  ``teacher_X`` as routed metadata. A skorch net forwards every ``fit``
  keyword to ``module.forward``, predicts encoded labels, needs the module
  and its input shape at construction, and sets attributes in ``__init__``.
- The skorch side is skorch's own: its training loop, history, devices,
  callbacks (``EarlyStopping``, ``LRScheduler``, ``ProgressBar``) and its
  ``module__``, ``optimizer__``, ``callbacks__``, ``iterator_train__`` and
  ``iterator_valid__`` keyword prefixes, which the estimators store (as
  skorch does, one attribute each), report in ``get_params`` and forward to
  the net, so they are grid-searchable exactly as with skorch.
- The net is extended only through skorch's documented hooks: ``infer``
  (mixed precision here; the student's drops the sample index its dataset
  carries) and ``get_loss`` (the teacher rows of exactly the batch's
  samples, see ``_student.py``).

Both estimators fit through one template, :meth:`BaseNetClassifier._fit`:
their public ``fit`` checks the parameters and the data, and the template
encodes the labels, draws the validation split, runs the estimator's own
step (:meth:`~BaseNetClassifier._network_step`: the teacher's modality
layout, the student's teacher outputs and front), builds the module and the
net, trains it (:meth:`~BaseNetClassifier._train`) and records it.
"""

import contextlib
import copy
import inspect
import math
import signal
import threading
import types
from collections.abc import Mapping
from numbers import Integral, Real
from typing import NamedTuple

import numpy as np
import torch
from scipy.special import softmax
from sklearn.base import BaseEstimator, ClassifierMixin
from sklearn.model_selection import GroupShuffleSplit, StratifiedShuffleSplit
from sklearn.preprocessing import LabelEncoder
from sklearn.utils import check_random_state
from sklearn.utils._param_validation import Interval, StrOptions
from sklearn.utils.multiclass import check_classification_targets
from sklearn.utils.validation import check_is_fitted
from skorch import NeuralNetClassifier
from skorch.callbacks import EarlyStopping, LRScheduler, ProgressBar
from skorch.dataset import get_len
from skorch.utils import to_tensor
from torch.utils.data import Subset

from .._docs import fill_docs
from .._torch_scope import (
    TorchRandomStream,
    check_device,
    loadable_device,
    resolve_device,
)

__all__ = []


# The parameter and attribute docs both estimators share, written once: an
# estimator's (or a method's) docstring holds the placeholder line ``{name}``.
_SHARED_DOCS = {
    "X": """\
X : array-like or Modalities
    Samples in the layout used in ``fit``.
""",
    "groups": """\
groups : array-like of shape (n_samples,), default=None
    The subject (or other group) of each sample. With
    ``early_stopping=True`` whole groups are held out for validation,
    so that it never shares a person with training; without it,
    unused.
""",
    "optimizer": """\
optimizer : torch optimizer class, default=torch.optim.AdamW
    Its arguments other than ``lr`` go as ``optimizer__<name>``.
""",
    "early_stopping": """\
early_stopping : bool, default=False
    Hold out ``validation_fraction`` of the training data (whole groups
    when ``fit`` is given ``groups``, e.g. subjects, else stratified;
    drawn with ``random_state``), stop when its loss has not improved for
    ``n_iter_no_change`` epochs and keep the best epoch's weights. Only
    data given to ``fit`` is used.
""",
    "validation_fraction": """\
validation_fraction : float, default=0.1
    Share of the training data (or of the groups) held out when
    ``early_stopping=True``.
""",
    "n_iter_no_change": """\
n_iter_no_change : int, default=10
    Patience of the early stopping, in epochs.
""",
    "callbacks": """\
callbacks : list of skorch callbacks or (name, callback) tuples, default=None
    Extra skorch callbacks, after the built-in ones.
""",
    "verbose": """\
verbose : int, default=0
    0 silent; 1 prints a table row per epoch; 2 also shows a progress bar.
""",
    "kwargs": """\
**kwargs
    Keywords starting with ``module__``, ``optimizer__``, ``callbacks__``,
    ``iterator_train__`` or ``iterator_valid__``, forwarded to the skorch
    net (grid-searchable like the named parameters).
""",
    "classes_": """\
classes_ : ndarray of shape (n_classes,)
    Labels seen in ``fit``, in the user's own labels.
""",
    "device_": """\
device_ : str
    The device used.
""",
}


def shared_parameter_docs(documented):
    """Fill the shared parameter and attribute docs into a docstring."""
    return fill_docs(documented, _SHARED_DOCS)


NET_PREFIXES = (
    "module__",
    "optimizer__",
    "callbacks__",
    "iterator_train__",
    "iterator_valid__",
)


def call_module(module, x, device="cpu", **fit_params):
    """Run a batch through ``module`` the way the nets do.

    A dict batch is a multimodal recording, passed as one keyword per
    modality.
    """
    x = to_tensor(x, device=device)
    if isinstance(x, Mapping):
        return module(**x, **fit_params)
    return module(x, **fit_params)


@contextlib.contextmanager
def _noting_ctrl_c():
    """Note whether SIGINT raised KeyboardInterrupt while the block ran.

    The handler in force keeps doing what it did; it is only wrapped, and only
    in the main thread (the one Python delivers signals to).
    """
    state = types.SimpleNamespace(pressed=False)
    previous = signal.getsignal(signal.SIGINT)
    if threading.current_thread() is not threading.main_thread() or not callable(
        previous
    ):
        yield state
        return

    def handler(signum, frame):
        try:
            previous(signum, frame)
        except KeyboardInterrupt:
            state.pressed = True
            raise

    signal.signal(signal.SIGINT, handler)
    try:
        yield state
    finally:
        signal.signal(signal.SIGINT, previous)


class _EmbeddingNet(NeuralNetClassifier):
    """skorch net for a module whose ``forward`` returns ``(logits, embedding)``."""

    # skorch's partial_fit ends training quietly on any KeyboardInterrupt: the
    # one its EarlyStopping raises to stop, and a Ctrl-C, whose half-trained
    # module a scikit-learn estimator must not pass off as fitted (a grid
    # search would score it and go on to the next fold). A real Ctrl-C is
    # told apart by its signal and raised again once training has ended.
    def partial_fit(self, X, y=None, classes=None, **fit_params):
        with _noting_ctrl_c() as ctrl_c:
            super().partial_fit(X, y, classes=classes, **fit_params)
        if ctrl_c.pressed:
            raise KeyboardInterrupt
        self._check_scores_finite(X)
        return self

    # Divergence must stop a fit, not hand back a model whose every
    # probability is NaN. Two checks, both cheap: the batch losses skorch
    # already holds as Python floats, once per epoch; and, once training has
    # ended (after the callbacks, so after EarlyStopping restored its best
    # weights), the scores of one batch in evaluation mode, where huge but
    # finite weights overflow through batch norm's running statistics.
    def on_epoch_end(self, net, **kwargs):
        super().on_epoch_end(net, **kwargs)
        losses = [
            b["train_loss"] for b in self.history[-1]["batches"] if "train_loss" in b
        ]
        bad = next((v for v in losses if not math.isfinite(v)), None)
        if bad is not None:
            raise FloatingPointError(
                diverged_message(
                    f"the training loss became {bad} in epoch {len(self.history)}",
                    self.lr,
                )
            )

    def _check_scores_finite(self, X):
        out = next(iter(self.forward_iter(X, training=False)), None)
        logits = out[0] if isinstance(out, (tuple, list)) else out
        if logits is not None and not torch.isfinite(logits).all():
            raise FloatingPointError(
                diverged_message(
                    "after training the network's scores are not finite (nan or "
                    "inf) even on training samples",
                    self.lr,
                )
            )

    # Set by the estimators' fit: bfloat16 autocast.
    mixed_precision_ = False

    def infer(self, x, **fit_params):
        if not self.mixed_precision_:
            return call_module(self.module_, x, device=self.device, **fit_params)
        # bfloat16 has float32's range: no loss scaling is needed.
        device_type = torch.device(self.device).type
        with torch.autocast(device_type, dtype=torch.bfloat16):
            out = call_module(self.module_, x, device=self.device, **fit_params)
        return tuple(o.float() for o in out) if isinstance(out, tuple) else out.float()

    def run_single_epoch(self, iterator, training, prefix, step_fn, **fit_params):
        """skorch's epoch loop, but the batch losses stay on the device.

        skorch records every batch loss with ``.item()``, which waits for the
        GPU at every batch; here they (and the student's loss terms) are kept
        as tensors and turned into floats once, at the end of the epoch,
        before any ``on_epoch_end`` callback reads them.
        """
        if iterator is None:
            return
        batches = self.history[-1]["batches"]
        first = len(batches)
        batch_count = 0
        for batch in iterator:
            self.notify("on_batch_begin", batch=batch, training=training)
            step = step_fn(batch, **fit_params)
            self.history.record_batch(f"{prefix}_loss", step["loss"].detach())
            size = get_len(batch[0] if isinstance(batch, (tuple, list)) else batch)
            self.history.record_batch(f"{prefix}_batch_size", size)
            self.notify("on_batch_end", batch=batch, training=training, **step)
            batch_count += 1
        self.history.record(f"{prefix}_batch_count", batch_count)
        _as_floats(batches[first:])

    def get_loss(self, y_pred, y_true, X=None, training=False):
        logits = y_pred[0] if isinstance(y_pred, tuple) else y_pred
        return self.criterion_(logits, to_tensor(y_true, device=self.device))


def _as_floats(batches):
    """Turn the tensors recorded in history batches into floats, in one sync."""
    slots = [(b, k) for b in batches for k, v in b.items() if torch.is_tensor(v)]
    if not slots:
        return
    values = torch.stack([b[k].float().reshape(()) for b, k in slots]).tolist()
    for (batch, key), value in zip(slots, values, strict=True):
        batch[key] = value


class PositionSplit:
    """skorch ``train_split`` that holds out the samples at given positions.

    The estimators draw the validation samples themselves (stratified, or by
    whole subjects), so that they know the training set's size beforehand
    (for one-cycle schedules) and can hold out groups.
    """

    def __init__(self, train, valid):
        self.train = np.asarray(train)
        self.valid = np.asarray(valid)

    def __call__(self, dataset, y=None, groups=None):
        return Subset(dataset, self.train), Subset(dataset, self.valid)


def diverged_message(what, lr):
    return (
        f"Training diverged: {what}. Lower the learning rate (lr={lr:g} now; "
        "try ten times smaller), and check the inputs for extreme values "
        "(standardise or scale them, e.g. GAFTransformer's default scaling)."
    )


def extra_kwargs(estimator):
    """The ``**kwargs`` an estimator was given: prefixed ones and misspellings.

    Both are reported by ``get_params``, so that ``clone`` carries them: a
    prefixed keyword must reach the clone's net, and a misspelt one (say
    ``max_epoch=1``) must make the clone's ``fit`` refuse it as the
    original's does, instead of training a GridSearchCV candidate with the
    default silently.
    """
    params = set(estimator._get_param_names())
    return {
        k: v
        for k, v in vars(estimator).items()
        if k not in params and not k.endswith("_") and not k.startswith("_")
    }


def check_net_kwargs(estimator):
    """Refuse keywords that no prefix routes (they would be silently lost).

    Checked in ``fit``, not ``__init__``: scikit-learn estimators never raise
    at construction.
    """
    unknown = sorted(
        k for k in extra_kwargs(estimator) if not k.startswith(NET_PREFIXES)
    )
    if unknown:
        raise TypeError(
            f"{type(estimator).__name__} got unexpected keyword argument(s) "
            f"{unknown}. Besides its named parameters it takes only keywords "
            f"starting with {', '.join(NET_PREFIXES)} (forwarded to the skorch "
            "net, e.g. module__width=32 or optimizer__weight_decay=1e-4)."
        )


def derive_seed(random_state):
    """An int seed for torch and the validation split, from ``random_state``."""
    return int(check_random_state(random_state).randint(np.iinfo(np.int32).max))


def accepted_kwargs(module_class):
    """Names a module class's constructor takes (``None``: anything)."""
    try:
        params = inspect.signature(module_class).parameters
    except (TypeError, ValueError):
        return None
    if any(p.kind is p.VAR_KEYWORD for p in params.values()):
        return None
    return set(params)


class NetworkPlan(NamedTuple):
    """What an estimator's own fit step gives the shared template.

    ``input_shape`` is what the network built from ``module`` takes;
    ``wrap``, if given, puts that network inside a larger module (an
    augmentation, the student's encoder); ``own`` is the estimator's, handed
    back to its :meth:`BaseNetClassifier._criterion` and
    :meth:`BaseNetClassifier._train`.
    """

    input_shape: object
    wrap: object = None
    own: object = None


class BaseNetClassifier(ClassifierMixin, BaseEstimator):
    """Parameters, the fit template, prediction and persistence shared by both.

    A subclass sets ``_role`` (its name in messages) and ``_net_class`` (the
    skorch net it trains), has a public ``fit`` that checks its parameters
    and data then calls :meth:`_fit`, and adds its own step to the template
    by overriding :meth:`_network_step` and, where it trains otherwise than
    on cross-entropy, :meth:`_criterion` and :meth:`_train`.
    """

    #: What the estimator is called in messages about its module.
    _role = None
    #: The skorch net class the template builds.
    _net_class = _EmbeddingNet

    _parameter_constraints = {
        "module": [None, callable],
        "max_epochs": [Interval(Integral, 1, None, closed="left")],
        "batch_size": [Interval(Integral, 1, None, closed="left")],
        "lr": [Interval(Real, 0, None, closed="neither")],
        "optimizer": [callable],
        "early_stopping": ["boolean"],
        "validation_fraction": [Interval(Real, 0, 1, closed="neither")],
        "n_iter_no_change": [Interval(Integral, 1, None, closed="left")],
        "lr_schedule": [StrOptions({"cosine", "onecycle"}), None],
        "callbacks": [list, None],
        "random_state": ["random_state"],
        "device": [str],
        "mixed_precision": ["boolean"],
        "verbose": ["verbose"],
    }

    def __sklearn_is_fitted__(self):
        # fit sets classes_ and friends before training; only a trained net
        # (not one whose training was interrupted) makes the estimator fitted.
        return hasattr(self, "net_")

    # -- parameters -----------------------------------------------------------

    def get_params(self, deep=True):
        params = super().get_params(deep=deep)
        params.update(extra_kwargs(self))
        return params

    def set_params(self, **params):
        prefixed = {k: v for k, v in params.items() if k.startswith(NET_PREFIXES)}
        for key, value in prefixed.items():
            setattr(self, key, value)
        rest = {k: v for k, v in params.items() if k not in prefixed}
        if rest:
            super().set_params(**rest)
        return self

    def _net_prefixed_params(self):
        return {
            k: v
            for k, v in vars(self).items()
            if k.startswith(NET_PREFIXES) and not k.startswith("module__")
        }

    def _module_kwargs(self):
        return {
            k[len("module__") :]: v
            for k, v in vars(self).items()
            if k.startswith("module__")
        }

    # -- labels ---------------------------------------------------------------

    def _encode_labels(self, y):
        check_classification_targets(y)
        encoder = LabelEncoder().fit(y)
        if len(encoder.classes_) < 2:
            raise ValueError(
                f"{type(self).__name__} needs at least 2 classes in y to learn "
                f"to tell them apart; y holds one class only: {encoder.classes_}."
            )
        self.classes_ = encoder.classes_
        return encoder.transform(y).astype(np.int64)

    # -- building and training the net ----------------------------------------

    def _default_module(self, input_shape):  # pragma: no cover - overridden
        raise NotImplementedError

    def _init_module(self, X_net, input_shape, what, wrap=None):
        """Build the torch module for this data and try it on two samples.

        Call inside the fit's :meth:`TorchRandomStream.active`: weight
        initialisation draws from torch's global generator. ``input_shape`` is what the network built from
        ``module`` takes; ``wrap``, if given, puts it inside a larger module
        (the student's augmentation and encoder) that takes ``X_net``.
        Returns the module and its embedding width. A
        shape error, or a module that does not return ``(logits,
        embedding)``, fails here with the data layout in the message
        instead of deep inside the first batch.
        """
        module = (
            self.module
            if self.module is not None
            else self._default_module(input_shape)
        )
        kwargs = self._module_kwargs()
        n_classes = len(self.classes_)
        if isinstance(module, torch.nn.Module):
            if kwargs:
                raise ValueError(
                    "module is an already built torch module, so the module__ "
                    f"parameters {sorted(kwargs)} cannot reach it; pass the module "
                    "class instead (e.g. module=SmallStudent) to have them used."
                )
            # Never train the caller's own instance in place.
            module = copy.deepcopy(module)
        else:
            accepted = accepted_kwargs(module)
            for name, value in (("n_classes", n_classes), ("input_shape", input_shape)):
                if accepted is None or name in accepted:
                    kwargs.setdefault(name, value)
            module = module(**kwargs)

        name = type(module).__name__
        if wrap is not None:
            module = wrap(module)
        first = (
            {k: v[:2] for k, v in X_net.items()}
            if isinstance(X_net, Mapping)
            else X_net[:2]
        )
        was_training = module.training
        module.eval()
        try:
            with torch.no_grad():
                out = call_module(module, first)
        except (RuntimeError, ValueError, TypeError, IndexError) as exc:
            raise ValueError(
                f"The {what} module {name} cannot take samples of shape "
                f"{input_shape}: {exc} Give X the layout the module was built for, "
                "or let the estimator build the module from X (leave "
                "module__input_shape unset)."
            ) from exc
        finally:
            module.train(was_training)
        if not (isinstance(out, tuple) and len(out) == 2):
            raise ValueError(
                f"The {what} module {name} must return (logits, embedding) from "
                f"forward; it returned {type(out).__name__}."
            )
        logits, embedding = out
        if logits.ndim != 2 or logits.shape[1] != n_classes:
            raise ValueError(
                f"The {what} module {name} returns logits of shape "
                f"{tuple(logits.shape)} for 2 samples; y has {n_classes} classes, "
                f"so (2, {n_classes}) was expected. Leave module__n_classes unset "
                "to have it taken from y."
            )
        if embedding.ndim != 2:
            raise ValueError(
                f"The {what} module {name} returns embeddings of shape "
                f"{tuple(embedding.shape)}; (batch, embedding_dim) was expected."
            )
        return module, int(embedding.shape[1])

    def _callbacks(self, steps_per_epoch):
        callbacks = []
        if self.lr_schedule == "cosine":
            callbacks.append(
                (
                    "lr_scheduler",
                    LRScheduler(policy="CosineAnnealingLR", T_max=self.max_epochs),
                )
            )
        elif self.lr_schedule == "onecycle":
            callbacks.append(
                (
                    "lr_scheduler",
                    LRScheduler(
                        policy=torch.optim.lr_scheduler.OneCycleLR,
                        max_lr=self.lr,
                        total_steps=self.max_epochs * steps_per_epoch,
                        step_every="batch",
                    ),
                )
            )
        if self.early_stopping:
            callbacks.append(
                (
                    "early_stopping",
                    EarlyStopping(
                        monitor="valid_loss",
                        patience=self.n_iter_no_change,
                        load_best=True,
                    ),
                )
            )
        if self.verbose and self.verbose >= 2:
            callbacks.append(("progress_bar", ProgressBar()))
        # Deep-copied: skorch initialises callbacks in place, and the
        # parameter must come out of ``fit`` unchanged.
        callbacks.extend(copy.deepcopy(list(self.callbacks or [])))
        return callbacks

    def _validation_split(self, y_encoded, groups, seed):
        """``(train, valid)`` positions for early stopping, or None.

        With ``groups`` (e.g. subjects) whole groups are held out, so that
        validation never shares a person with training; otherwise a
        stratified share of the samples, as skorch's ``ValidSplit`` draws it.
        """
        if not self.early_stopping:
            return None
        n_samples, n_classes = len(y_encoded), len(self.classes_)
        if groups is not None:
            groups = np.asarray(groups)
            if len(groups) != n_samples:
                raise ValueError(
                    f"groups has {len(groups)} entries but X has {n_samples} "
                    "samples; give one group (e.g. subject) per sample."
                )
            n_groups = len(np.unique(groups))
            n_valid = max(1, int(round(self.validation_fraction * n_groups)))
            if n_groups < 2 or n_valid >= n_groups:
                raise ValueError(
                    "early_stopping=True with groups holds out whole groups "
                    f"(validation_fraction={self.validation_fraction} of {n_groups} "
                    f"groups is {n_valid}); that needs at least 2 groups and one "
                    "left for training. Give more subjects, another "
                    "validation_fraction, or no groups (a stratified split)."
                )
            splitter = GroupShuffleSplit(
                n_splits=1, test_size=n_valid, random_state=seed
            )
            return next(splitter.split(np.zeros(n_samples), y_encoded, groups))
        n_valid = int(np.ceil(self.validation_fraction * n_samples))
        counts = np.bincount(y_encoded, minlength=n_classes)
        if counts.min() < 2 or n_valid < n_classes or n_samples - n_valid < n_classes:
            raise ValueError(
                "early_stopping=True carves a stratified validation split of "
                f"validation_fraction={self.validation_fraction} ({n_valid} of "
                f"{n_samples} samples) from the training data; that needs at least "
                f"2 samples of every class (the rarest has {counts.min()}) and at "
                f"least one sample per class ({n_classes}) on each side. Use "
                "early_stopping=False, another validation_fraction, or more data."
            )
        splitter = StratifiedShuffleSplit(
            n_splits=1, test_size=self.validation_fraction, random_state=seed
        )
        return next(splitter.split(np.zeros(n_samples), y_encoded))

    def _build_net(self, net_class, module, criterion, seed, split, n_samples, **extra):
        """The skorch net, on ``self.device_`` (set by ``fit`` beforehand).

        ``split`` is what :meth:`_validation_split` returned; ``n_samples``
        the number of samples given to ``fit``.
        """
        n_train = n_samples if split is None else len(split[0])
        # Every iteration of a data loader draws a base seed, in prediction
        # too: from a generator of its own, not torch's global one. (The
        # training loader draws from the fit's stream, see _start_fit.)
        valid_seed = np.random.SeedSequence(seed).generate_state(1)[0]
        kwargs = {
            "iterator_train__shuffle": True,
            "iterator_valid__generator": torch.Generator().manual_seed(int(valid_seed)),
            **extra,
            **self._net_prefixed_params(),
        }
        # A last training batch of one sample breaks batch norm ("Expected
        # more than 1 value per channel"): drop it. The loader shuffles, so
        # every sample is still seen over the epochs.
        if n_train % self.batch_size == 1 and n_train > 1:
            kwargs.setdefault("iterator_train__drop_last", True)
        if kwargs.get("iterator_train__drop_last"):
            steps_per_epoch = max(1, n_train // self.batch_size)
        else:
            steps_per_epoch = -(-n_train // self.batch_size)
        net = net_class(
            module=module,
            criterion=criterion,
            optimizer=self.optimizer,
            lr=self.lr,
            max_epochs=self.max_epochs,
            batch_size=self.batch_size,
            train_split=None if split is None else PositionSplit(*split),
            callbacks=self._callbacks(steps_per_epoch),
            classes=list(range(len(self.classes_))),
            predict_nonlinearity=None,
            device=self.device_,
            verbose=int(bool(self.verbose)),
            **kwargs,
        )
        net.mixed_precision_ = self.mixed_precision
        return net

    # -- the fit template -----------------------------------------------------

    def _check_params(self):
        """Check the parameters (in ``fit``: estimators never raise in ``__init__``)."""
        self._validate_params()
        check_net_kwargs(self)

    def _fit(self, X, y, groups=None, **fit_params):
        """Train on validated ``X`` (as the net takes it) and ``y``; record the net.

        The steps both estimators share, in this order: encode the labels,
        draw the seed and the validation split, resolve the device, the
        estimator's own step (:meth:`_network_step`, given ``fit_params``),
        then, inside the fit's stream of torch's generators, build and try
        the module, build the net with the estimator's loss
        (:meth:`_criterion`) and train it (:meth:`_train`).
        """
        y_encoded = self._encode_labels(y)
        seed = derive_seed(self.random_state)
        split = self._validation_split(y_encoded, groups, seed)
        stream = self._start_fit(seed)
        plan = self._network_step(X, y, seed, **fit_params)
        with stream.active():
            module, self.embedding_dim_ = self._init_module(
                X, plan.input_shape, self._role, wrap=plan.wrap
            )
            criterion, criterion_kwargs = self._criterion(plan)
            net = self._build_net(
                self._net_class,
                module,
                criterion,
                seed,
                split,
                len(y_encoded),
                **criterion_kwargs,
            )
            net.initialize()
            self._train(net, X, y_encoded, plan)
        self.net_ = net
        self.history_ = net.history
        return self

    def _network_step(self, X, y, seed, **fit_params):  # pragma: no cover
        """The estimator's own step before its network is built: a :class:`NetworkPlan`."""
        raise NotImplementedError

    def _criterion(self, plan):
        """The loss class and its ``criterion__`` arguments."""
        return torch.nn.CrossEntropyLoss, {}

    def _train(self, net, X, y_encoded, plan):
        """Train the initialised ``net`` (inside the fit's stream)."""
        net.partial_fit(X, y_encoded)

    def _start_fit(self, seed):
        """Resolve the device; the fit's own stream of torch's generators.

        Build and train the net inside the stream's ``active()`` block:
        weight initialisation, dropout and the training loader's shuffling
        draw from torch's global generators, which the block lends the fit.
        """
        check_device(self.device)
        self.device_ = resolve_device(self.device)
        return TorchRandomStream(seed, self.device_)

    def __setstate__(self, state):
        # A model fitted on a GPU loads anywhere: skorch maps its tensors to
        # the CPU when the device is missing here; follow it.
        super().__setstate__(state)
        net = state.get("net_")
        if net is not None and "device_" in state:
            self.device_ = loadable_device(str(net.device))

    # -- prediction -----------------------------------------------------------

    def _validate_predict_input(self, X):  # pragma: no cover - overridden
        raise NotImplementedError

    def _forward(self, X):
        """Logits and embeddings (float32 tensors on the CPU), no gradients."""
        check_is_fitted(self)
        X_net = self._validate_predict_input(X)
        self.net_.module_.eval()
        with torch.no_grad():
            logits, embedding = self.net_.forward(X_net, training=False)
        finite = torch.isfinite(logits).all(dim=1)
        if not finite.all():
            # Never NaN probabilities: say which samples and why instead.
            bad = np.flatnonzero(~finite.numpy())
            raise ValueError(
                f"The network's scores are not finite (nan or inf) for {len(bad)} "
                f"of {len(finite)} samples (the first at position {bad[0]}); "
                "these samples are far outside the range seen in fit, or the "
                "network's weights are. Scale X as for fit, or refit with a "
                "lower lr."
            )
        return logits, embedding

    @shared_parameter_docs
    def predict_logits_and_embeddings(self, X):
        """Logits and embeddings of samples, from one batched forward pass.

        This is what a student reads from its teacher: computed without
        gradients, in batches of ``batch_size``.

        Parameters
        ----------
        {X}

        Returns
        -------
        logits : ndarray of shape (n_samples, n_classes), float32
            Scores before the softmax, columns in the order of ``classes_``.
        embeddings : ndarray of shape (n_samples, embedding_dim), float32
            The network's embedding (the input of its classifier layer).
        """
        logits, embedding = self._forward(X)
        return logits.numpy(), embedding.numpy()

    @shared_parameter_docs
    def predict_feature_maps(self, X):
        """Intermediate feature maps of the network, for attention transfer.

        Parameters
        ----------
        {X}

        Returns
        -------
        maps : list of ndarray
            What the module's ``forward_features`` returns, shallowest
            first, each of shape ``(n_samples, channels, *spatial)``.
        """
        check_is_fitted(self)
        module = self.net_.module_
        if not hasattr(getattr(module, "backbone", module), "forward_features"):
            raise ValueError(
                f"The module {type(module).__name__} has no forward_features(x), "
                "so it exposes no feature maps."
            )
        X_net = self._validate_predict_input(X)
        net = self.net_
        batches = []
        module.eval()
        with torch.no_grad():
            for batch in net.get_iterator(net.get_dataset(X_net), training=False):
                Xi = batch[0] if isinstance(batch, (tuple, list)) else batch
                maps = call_module(module.forward_features, Xi, device=net.device)
                batches.append([m.cpu() for m in maps])
        return [torch.cat(level).numpy() for level in zip(*batches, strict=True)]

    @shared_parameter_docs
    def decision_function(self, X):
        """Logits of samples (for two classes: logit of ``classes_[1]`` minus
        logit of ``classes_[0]``, as scikit-learn expects).

        Parameters
        ----------
        {X}

        Returns
        -------
        scores : ndarray of shape (n_samples, n_classes) or (n_samples,)
        """
        logits = self._forward(X)[0].double().numpy()
        if logits.shape[1] == 2:
            return logits[:, 1] - logits[:, 0]
        return logits

    @shared_parameter_docs
    def predict_proba(self, X):
        """Class probabilities (softmax of the logits).

        Parameters
        ----------
        {X}

        Returns
        -------
        proba : ndarray of shape (n_samples, n_classes)
            Columns in the order of ``classes_``.
        """
        return softmax(self._forward(X)[0].double().numpy(), axis=1)

    @shared_parameter_docs
    def predict(self, X):
        """Predicted labels, in the labels given to ``fit``.

        Parameters
        ----------
        {X}

        Returns
        -------
        y_pred : ndarray of shape (n_samples,)
        """
        logits = self._forward(X)[0]
        return self.classes_[logits.argmax(dim=1).numpy()]

    @shared_parameter_docs
    def score(self, X, y, sample_weight=None):
        """Accuracy of :meth:`predict` on ``X`` against ``y``.

        Parameters
        ----------
        {X}
        y : array-like of shape (n_samples,)
            True labels.
        sample_weight : array-like of shape (n_samples,), default=None
            Sample weights.

        Returns
        -------
        score : float
            Share of correctly classified samples (weighted).
        """
        return super().score(X, y, sample_weight=sample_weight)

    @shared_parameter_docs
    def embed(self, X):
        """Embeddings of samples (the input of the network's classifier layer).

        Not named ``transform``: these estimators are classifiers, and a
        ``transform`` would make scikit-learn treat them as transformers.

        Parameters
        ----------
        {X}

        Returns
        -------
        embeddings : ndarray of shape (n_samples, embedding_dim), float32
        """
        return self._forward(X)[1].numpy()

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.three_d_array = True
        return tags


def as_float32(X):
    """C-contiguous, writable float32 (torch refuses read-only arrays)."""
    return np.require(X, dtype=np.float32, requirements=["C", "W"])
