"""The teacher: a network classifier on a vision (or multimodal) recording."""

from collections.abc import Mapping

import numpy as np
import scipy.sparse as sp
import torch
from sklearn.utils import check_array
from sklearn.utils._param_validation import HasMethods, StrOptions
from sklearn.utils.validation import (
    check_consistent_length,
    column_or_1d,
    validate_data,
)

from .._modality_kinds import MODALITY_KINDS, SENSOR_MODALITIES, kind_named
from .._validation import check_not_ragged
from ..modalities import Modalities
from ._base import (
    BaseNetClassifier,
    NetworkPlan,
    as_float32,
    shared_parameter_docs,
)

__all__ = ["TeacherClassifier"]


def _kind(modality):
    return kind_named(modality, attributes=False)


def _kept_dtypes(kind):
    # Video keeps uint8 and depth uint16 (millimetres): the networks convert
    # one batch at a time, so clips are never held in memory as float32.
    return MODALITY_KINDS[kind].kept_dtypes if kind is not None else ()


def _dtype_for(kind, X):
    return None if getattr(X, "dtype", None) in _kept_dtypes(kind) else np.float32


def _check_layout(X, name, kind, *, in_bundle=False):
    """Check the number of axes ``kind`` needs and give the network's layout."""
    if kind is None:
        return X
    entry = MODALITY_KINDS[kind]
    if X.ndim not in entry.ndims:
        raise ValueError(
            f"{name} must have the layout {entry.layout}; got an array of shape "
            f"{X.shape}."
        )
    if kind == "sensor" and X.ndim == 2:
        X = X[:, None, :]  # a 2-D array is one channel
    # In a bundle, the fusion network adds it to its branch's input.
    return X if in_bundle else entry.to_network(X)


def _finish(X, kind):
    return X if X.dtype in _kept_dtypes(kind) else as_float32(X)


@shared_parameter_docs
class TeacherClassifier(BaseNetClassifier):
    """A network classifier on the teacher's modality, with embeddings.

    The teacher sees a rich recording (skeleton sequences, video clips, or
    several modalities at once) and is trained with cross-entropy. A
    :class:`DistilledStudentClassifier` then reads its logits and embeddings
    (:meth:`predict_logits_and_embeddings`) for the training samples.

    Parameters
    ----------
    modality : {"skeleton", "video", "depth", "accelerometer", "gyroscope", \
"inertial", "fusion"}, default="skeleton"
        What ``X`` is, which decides how it is checked and which network is
        built when ``module`` is None:

        - ``"skeleton"``: ``(n_samples, n_frames, n_joints, 3)``,
          :class:`~vskdlearn.networks.SkeletonTeacher`;
        - ``"video"``: ``(n_samples, n_frames, n_colors, height, width)``,
          float in [0, 1] or ``uint8``, :class:`~vskdlearn.networks.VideoTRNTeacher`;
        - ``"depth"``: ``(n_samples, n_frames, height, width)`` in
          millimetres with 0 where nothing was seen (``uint16`` as the
          loaders give it, kept so until a batch needs floats),
          :class:`~vskdlearn.networks.DepthMotionMapTeacher` (the paper's
          relation network is ``module=DepthTRNTeacher``);
        - ``"accelerometer"``, ``"gyroscope"``, ``"inertial"``:
          ``(n_samples, n_channels, n_timestamps)`` (a 2-D array is one
          channel), :class:`~vskdlearn.networks.SensorCNN`;
        - ``"fusion"``: a :class:`~vskdlearn.Modalities` bundle (or a dict)
          of the above, :class:`~vskdlearn.networks.FusionTeacher` with one
          branch per modality. Only a ``Modalities`` bundle is split by
          cross-validation; a plain dict is accepted for convenience.
    module : torch.nn.Module class or instance, default=None
        The network; its ``forward`` returns ``(logits, embedding)``. A class
        receives ``n_classes`` and ``input_shape`` (taken from ``y`` and
        ``X``) unless given as ``module__n_classes`` / ``module__input_shape``;
        other constructor arguments are given as ``module__<name>``. None
        picks the network of ``modality``.
    max_epochs : int, default=30
        Passes over the training data.
    lr : float, default=1e-3
        Learning rate.
    batch_size : int, default=32
        Samples per batch, for training and prediction.
    {optimizer}
    {early_stopping}
    {validation_fraction}
    {n_iter_no_change}
    lr_schedule : {"cosine", "onecycle"} or None, default="cosine"
        ``"cosine"``: cosine annealing of the learning rate over
        ``max_epochs``; ``"onecycle"``: the one-cycle policy (Smith and
        Topin), warming up to ``lr`` then annealing, stepped every batch.
        Either is a skorch ``LRScheduler`` callback named ``"lr_scheduler"``
        (replace it with ``callbacks__lr_scheduler=...``). None keeps the
        learning rate constant.
    {callbacks}
    random_state : int, RandomState instance or None, default=None
        Seeds weight initialisation, shuffling, dropout and the validation
        split; the same int gives the same predictions (on the same device
        and torch build). torch's global random state is left as it was.
    device : str, default="cpu"
        Any torch device (``"cuda:1"``, ``"mps"`` ...) or ``"auto"``; as for
        :class:`DistilledStudentClassifier`, a model fitted on a GPU predicts
        on a machine without one.
    mixed_precision : bool, default=False
        bfloat16 autocast in training and prediction (for recent GPUs).
    {verbose}
    augmentation : SensorAugmentation or None, default=None
        For a sensor modality, random variations of the windows applied in
        training only (see :class:`~vskdlearn.augmentation.SensorAugmentation`;
        its ``mixup`` is a student's option and is refused here). The network
        is then a :class:`~vskdlearn.networks.StudentModel` around the
        modality's network.
    {kwargs}

    Attributes
    ----------
    {classes_}
    n_features_in_ : int
        Size of the second axis of ``X`` (not set for multimodal input).
    modality_shapes_ : dict of str to tuple
        Per-sample shape of each modality seen in ``fit``.
    embedding_dim_ : int
        Width of the embeddings returned by :meth:`embed`.
    net_ : skorch.NeuralNetClassifier
        The trained skorch net (its ``module_`` is the torch network).
    history_ : skorch.History
        Per-epoch losses (and validation accuracy with early stopping).
    {device_}

    See Also
    --------
    DistilledStudentClassifier : Distils a fitted teacher into a student.

    Examples
    --------
    >>> import numpy as np
    >>> from vskdlearn import TeacherClassifier
    >>> rng = np.random.default_rng(0)
    >>> skeleton = rng.normal(size=(40, 16, 20, 3)).astype("float32")
    >>> y = np.repeat(["wave", "clap"], 20)
    >>> skeleton[y == "wave", :, 11, 1] += np.sin(np.arange(16))  # right hand
    >>> teacher = TeacherClassifier(modality="skeleton", max_epochs=5,
    ...                             random_state=0).fit(skeleton, y)
    >>> teacher.classes_
    array(['clap', 'wave'], dtype='<U4')
    >>> teacher.embed(skeleton[:2]).shape
    (2, 256)
    """

    _parameter_constraints = {
        **BaseNetClassifier._parameter_constraints,
        "modality": [
            StrOptions(
                {"fusion", *(m for k in MODALITY_KINDS.values() for m in k.modalities)}
            )
        ],
        "augmentation": [None, HasMethods(["to_torch"])],
    }

    __metadata_request__fit = {"groups": True}

    _role = "teacher"

    def __init__(
        self,
        modality="skeleton",
        module=None,
        *,
        max_epochs=30,
        lr=1e-3,
        batch_size=32,
        optimizer=torch.optim.AdamW,
        early_stopping=False,
        validation_fraction=0.1,
        n_iter_no_change=10,
        lr_schedule="cosine",
        callbacks=None,
        random_state=None,
        device="cpu",
        mixed_precision=False,
        verbose=0,
        augmentation=None,
        **kwargs,
    ):
        self.modality = modality
        self.augmentation = augmentation
        self.module = module
        self.max_epochs = max_epochs
        self.lr = lr
        self.batch_size = batch_size
        self.optimizer = optimizer
        self.early_stopping = early_stopping
        self.validation_fraction = validation_fraction
        self.n_iter_no_change = n_iter_no_change
        self.lr_schedule = lr_schedule
        self.callbacks = callbacks
        self.random_state = random_state
        self.device = device
        self.mixed_precision = mixed_precision
        self.verbose = verbose
        vars(self).update(kwargs)

    # -- input ----------------------------------------------------------------

    def _validate_bundle(self, X, *, reset):
        if not isinstance(X, (Modalities, Mapping)) or sp.issparse(X):
            raise ValueError(
                "modality='fusion' takes several sample-aligned modalities as "
                "a Modalities bundle, e.g. Modalities(skeleton=X_skel, "
                "accelerometer=X_acc) or data.modalities('skeleton', "
                f"'accelerometer'); got {type(X).__name__}. For one modality, "
                "set modality to its name."
            )
        bundle = X if isinstance(X, Modalities) else Modalities(X)
        arrays = {}
        for name in bundle.names:
            kind = _kind(name)
            check_not_ragged(bundle[name], f"X[{name!r}]", type(self).__name__)
            array = check_array(
                bundle[name],
                input_name=f"X[{name!r}]",
                allow_nd=True,
                dtype=_dtype_for(kind, bundle[name]),
                ensure_all_finite=True,
            )
            arrays[name] = _finish(
                _check_layout(array, f"X[{name!r}]", kind, in_bundle=True), kind
            )
        shapes = {name: tuple(a.shape[1:]) for name, a in arrays.items()}
        if reset:
            self.modality_shapes_ = shapes
        elif shapes != self.modality_shapes_:
            raise ValueError(
                f"X holds modalities of per-sample shapes {shapes}; the teacher "
                f"was fitted on {self.modality_shapes_}. Give the same "
                "modalities, with the same layout."
            )
        return arrays

    def _refuse_bundle(self, X):
        # scipy's dok arrays are dicts: leave sparse input to validate_data.
        if isinstance(X, (Modalities, Mapping)) and not sp.issparse(X):
            raise ValueError(
                f"X is a bundle of modalities {list(X.keys())} but modality="
                f"{self.modality!r} takes one array; pass X[{self.modality!r}] "
                "(if the bundle holds it) or set modality='fusion' to fuse them."
            )

    def _validate_input(self, X, *, reset):
        """``X`` as the skorch net takes it: an array or a dict of arrays."""
        if self.modality == "fusion":
            return self._validate_bundle(X, reset=reset)
        self._refuse_bundle(X)
        check_not_ragged(X, "X", type(self).__name__)
        kind = _kind(self.modality)
        X = validate_data(
            self,
            X,
            reset=reset,
            allow_nd=True,
            dtype=_dtype_for(kind, X),
            ensure_all_finite=True,
        )
        X = _finish(_check_layout(X, "X", kind), kind)
        self._check_shape(X, reset)
        return X

    def _check_shape(self, X, reset):
        shape = tuple(X.shape[1:])
        if reset:
            self.modality_shapes_ = {self.modality: shape}
        elif shape != self.modality_shapes_[self.modality]:
            raise ValueError(
                f"X has per-sample shape {shape}; the teacher was fitted on "
                f"{self.modality_shapes_[self.modality]}. Give recordings of the "
                "same layout and length (resample or crop them the same way)."
            )

    def _validate_fit_input(self, X, y):
        if self.modality == "fusion":
            X_net = self._validate_bundle(X, reset=True)
            if y is None:
                raise ValueError(
                    f"{type(self).__name__} requires y to be passed, but the "
                    "target y is None."
                )
            y = column_or_1d(y, warn=True)
            check_consistent_length(next(iter(X_net.values())), y)
            return X_net, y
        self._refuse_bundle(X)
        check_not_ragged(X, "X", type(self).__name__)
        kind = _kind(self.modality)
        X, y = validate_data(
            self,
            X,
            y,
            allow_nd=True,
            dtype=_dtype_for(kind, X),
            ensure_all_finite=True,
        )
        X = _finish(_check_layout(X, "X", kind), kind)
        self._check_shape(X, True)
        return X, y

    def _validate_predict_input(self, X):
        return self._validate_input(X, reset=False)

    def _default_module(self, input_shape):
        from .. import networks

        if self.modality == "fusion":
            return networks.FusionTeacher
        return getattr(networks, MODALITY_KINDS[_kind(self.modality)].network)

    def _augmentation_wrap(self, X_net, seed):
        """Put the network inside a StudentModel with the augmentation, if any."""
        if self.augmentation is None:
            return None
        if self.modality not in SENSOR_MODALITIES:
            raise ValueError(
                f"augmentation= varies sensor windows; modality={self.modality!r} "
                "is not a sensor. Drop augmentation=, or use a sensor modality "
                f"({', '.join(SENSOR_MODALITIES)})."
            )
        if self.augmentation.mixup:
            raise ValueError(
                "The teacher trains on labels only: mixup is a student option. "
                "Use SensorAugmentation(mixup=0) for the teacher."
            )
        from ..networks import StudentModel

        stream = np.random.SeedSequence(seed).generate_state(1)[0]
        layer = self.augmentation.to_torch(X_net.shape[1], seed=int(stream))
        return lambda network: StudentModel(network, augmentation=layer)

    # -- fit ------------------------------------------------------------------

    @shared_parameter_docs
    def fit(self, X, y, groups=None):
        """Train the teacher network on its modality.

        Parameters
        ----------
        X : array-like or Modalities
            The teacher's recordings, in the layout of ``modality``.
        y : array-like of shape (n_samples,)
            Labels (ints or strings).
        {groups}

        Returns
        -------
        self : TeacherClassifier
            The fitted teacher.
        """
        self._check_params()
        X_net, y = self._validate_fit_input(X, y)
        return self._fit(X_net, y, groups)

    def _network_step(self, X, y, seed):
        """The network's input shape in the modality's layout, and its augmentation."""
        input_shape = (
            self.modality_shapes_
            if self.modality == "fusion"
            else self.modality_shapes_[self.modality]
        )
        return NetworkPlan(input_shape, wrap=self._augmentation_wrap(X, seed))

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.two_d_array = self.modality in SENSOR_MODALITIES
        tags.input_tags.three_d_array = self.modality in SENSOR_MODALITIES
        tags.input_tags.dict = self.modality == "fusion"
        return tags
