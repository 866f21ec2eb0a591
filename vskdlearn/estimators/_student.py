"""The student: a small network on accelerometer GAF images, taught by a teacher.

How a sample meets its own teacher outputs: ``fit`` computes the teacher's
logits and embeddings (and feature maps, for ``"at"``) for every training
sample once, in batches and without gradients, and keeps them as tensors
indexed by the sample's position in ``X``. The student's skorch dataset is
the dict ``{images, position}``; whatever the shuffling of the data loader
and whatever samples the validation split holds out, ``get_loss`` reads the
teacher rows at the positions of exactly the samples in the batch. (The
authors' released code zipped two independently shuffled loaders, so its
"pairs" were random.)
"""

from collections.abc import Mapping
from numbers import Real
from typing import NamedTuple

import numpy as np
import scipy.sparse as sp
import torch
from sklearn.base import clone
from sklearn.exceptions import NotFittedError
from sklearn.frozen import FrozenEstimator
from sklearn.utils._param_validation import HasMethods, Interval, StrOptions
from sklearn.utils.validation import _num_samples, check_is_fitted, validate_data
from skorch.dataset import unpack_data
from skorch.utils import to_tensor

from .._validation import check_not_ragged
from ..augmentation import SensorAugmentation
from ..losses._terms import METHOD_TERMS, loss_parameters, weight_name
from ..modalities import Modalities
from ._base import (
    BaseNetClassifier,
    NetworkPlan,
    _EmbeddingNet,
    as_float32,
    call_module,
    shared_parameter_docs,
)
from ._teacher_outputs import AttentionPairingError, TeacherOutputs

# AttentionPairingError is raised by fit: importable from here as before.
__all__ = ["AttentionPairingError", "DistilledStudentClassifier"]

# The loss weights each method uses (the others are ignored).
METHOD_WEIGHTS = {
    method: tuple(map(weight_name, terms)) for method, terms in METHOD_TERMS.items()
}
# The parameters passed on to the loss as "criterion__<name>".
_LOSS_PARAMS = loss_parameters()


# Keys of the dict the student's skorch dataset holds: the network's input
# and the position of each sample in the training set, which pairs it with
# its teacher outputs whatever the shuffling and the validation split.
_INPUT = "_vskd_input"
_INDEX = "_vskd_sample_index"


class _DistillationNet(_EmbeddingNet):
    """skorch net whose loss reads the teacher rows of the batch's samples.

    :meth:`train_paired` trains it: it holds the teacher's outputs for the
    whole training set (``teacher_logits_``, ``teacher_embedding_`` and
    ``teacher_features_``, row ``i`` for sample ``i`` of ``X``) while it
    trains, and releases them after. ``mixup_`` is the mixup concentration
    (0: off) and ``mixup_generator_`` its own generator, held likewise.
    """

    teacher_logits_ = None
    teacher_embedding_ = None
    teacher_features_ = None
    mixup_ = 0.0
    mixup_generator_ = None

    def train_paired(self, X, y, teacher=None, mixup=0.0, mixup_generator=None):
        """Train the initialised net on ``X``, each sample with its teacher row.

        Parameters
        ----------
        X : ndarray
            The network's input.
        y : ndarray of int
            Encoded labels.
        teacher : tuple or None
            ``(logits, embedding, feature maps or None)``, tensors whose row
            ``i`` belongs to sample ``i`` of ``X``; None: no teacher.
        mixup : float
            Mixup concentration (0: off), drawing from ``mixup_generator``.
        """
        if mixup:
            self.mixup_ = float(mixup)
            self.mixup_generator_ = mixup_generator
        if teacher is not None:
            logits, embedding, features = teacher
            self.teacher_logits_ = logits.to(self.device)
            self.teacher_embedding_ = embedding.to(self.device)
            if features is not None:
                self.teacher_features_ = [f.to(self.device) for f in features]
        try:
            return self.partial_fit({_INPUT: X, _INDEX: np.arange(len(X))}, y)
        finally:
            # Training-only: release the teacher tensors (memory, pickles).
            self.teacher_logits_ = self.teacher_embedding_ = None
            self.teacher_features_ = None
            self.mixup_generator_ = None

    def infer(self, x, **fit_params):
        if isinstance(x, Mapping):  # a training batch: the index is the loss's
            x = x[_INPUT]
        out = super().infer(x, **fit_params)
        # With "at" the student's feature maps are needed in the loss.
        if self.teacher_features_ is not None:
            features = call_module(self.module_.forward_features, x, device=self.device)
            return (*out, list(features))
        return out

    def _loss_terms(self, y_pred, y_true, index):
        """The loss of a batch and its unweighted terms."""
        logits, embedding = y_pred[0], y_pred[1]
        y_true = to_tensor(y_true, device=self.device)
        kwargs = {}
        if self.teacher_embedding_ is not None:
            index = to_tensor(index, device=self.teacher_embedding_.device)
            kwargs["teacher_logits"] = self.teacher_logits_[index]
            kwargs["teacher_embedding"] = self.teacher_embedding_[index]
            if self.teacher_features_ is not None:
                # Only the teacher maps paired with the student's deepest are kept.
                kwargs["student_features"] = y_pred[2][-len(self.teacher_features_) :]
                kwargs["teacher_features"] = [f[index] for f in self.teacher_features_]
        loss = self.criterion_(logits, embedding, y_true, **kwargs)
        # Tensors, not floats: no wait for the device at every batch.
        return loss, dict(self.criterion_.last_term_tensors)

    def _record_terms(self, terms, training):
        prefix = "train" if training else "valid"
        for term, value in terms.items():
            if term != "total":
                self.history.record_batch(f"{prefix}_{term}", value)

    def get_loss(self, y_pred, y_true, X=None, training=False):
        loss, terms = self._loss_terms(y_pred, y_true, X[_INDEX])
        self._record_terms(terms, training)
        return loss

    def train_step_single(self, batch, **fit_params):
        if not self.mixup_:
            return super().train_step_single(batch, **fit_params)
        # Mixup: the batch blended with a shuffled copy of itself; the loss
        # blends the two samples' labels and teacher rows with the same
        # weight (for cross-entropy and soft labels that is exactly the loss
        # of the blended targets, up to a constant).
        self._set_training(True)
        Xi, yi = unpack_data(batch)
        g = self.mixup_generator_
        lam = _beta(self.mixup_, g)
        perm = torch.randperm(len(yi), generator=g)
        x = to_tensor(Xi[_INPUT], device=self.device)
        mixed = {**Xi, _INPUT: lam * x + (1 - lam) * x[perm.to(x.device)]}
        y_pred = self.infer(mixed, **fit_params)
        index = Xi[_INDEX]
        loss_a, terms_a = self._loss_terms(y_pred, yi, index)
        loss_b, terms_b = self._loss_terms(y_pred, yi[perm], index[perm])
        loss = lam * loss_a + (1 - lam) * loss_b
        self._record_terms(
            {k: lam * v + (1 - lam) * terms_b[k] for k, v in terms_a.items()}, True
        )
        loss.backward()
        return {"loss": loss, "y_pred": y_pred}


class _Teaching(NamedTuple):
    """The student's own part of its fit: the teacher and the mixup."""

    outputs: tuple  # (logits, embedding, feature maps or None), or None
    mixup: float
    mixup_seed: int


def _beta(alpha, generator):
    """A Beta(alpha, alpha) draw, seeded from ``generator``."""
    # torch's Beta sampler takes no generator: draw numpy's, seeded from it.
    seed = int(torch.randint(2**31 - 1, (1,), generator=generator))
    a, b = np.random.default_rng(seed).gamma(alpha, size=2)
    return a / (a + b)


def _teacher_is_fitted(teacher):
    try:
        check_is_fitted(teacher)
    except NotFittedError:
        return False
    return True


def _check_finite_teacher_X(teacher_X):
    arrays = teacher_X.values() if isinstance(teacher_X, Modalities) else [teacher_X]
    for array in arrays:
        array = np.asarray(array)
        if array.dtype.kind in "fc" and not np.isfinite(array).all():
            raise ValueError(
                "teacher_X contains NaN or infinity. The teacher's recordings must "
                "be complete: impute or drop the incomplete samples (from X, y and "
                "teacher_X alike) before fitting."
            )


@shared_parameter_docs
class DistilledStudentClassifier(BaseNetClassifier):
    """A student network on sensor windows, distilled from a teacher.

    The student sees only what the wearable records: raw accelerometer
    windows ``(n_samples, n_channels, n_timestamps)``, encoded inside its
    network when ``encoder`` is given and augmented there in training, or GAF
    images made beforehand (e.g. by a :class:`~vskdlearn.GAFTransformer`
    pipeline step). In ``fit`` it also learns from a teacher that saw a
    richer modality of the same recordings (``teacher_X``, e.g. skeletons):
    with soft labels, the DASK loss of Ni et al. (ICASSP 2022) or one of the
    baselines it is compared with. ``predict``, ``predict_proba`` and
    ``score`` take the student's input only.

    The defaults on raw windows are the recipe selected on UTD-MHAD's
    training subjects (see the docs' "Choosing the student's recipe"): the
    default augmentation, the magnitude channel, 150 epochs of AdamW with a
    one-cycle schedule peaking at ``lr``, soft labels from the teacher.

    Parameters
    ----------
    teacher : estimator, default=None
        The teacher, e.g. a :class:`TeacherClassifier`. A fitted teacher
        (e.g. ``FrozenEstimator(teacher)``) is used as it is; an unfitted one
        is cloned and fitted on ``(teacher_X, y)`` inside every ``fit``, so
        that under cross-validation it never sees a test fold. Its
        ``classes_`` must equal the student's. Not used (and may be None)
        when ``distillation="none"`` or when ``fit`` is given the teacher's
        outputs (a :class:`~vskdlearn.TeacherOutputs`). Any estimator with
        ``predict_logits_and_embeddings(X)``, or with ``decision_function``
        and ``transform``, can teach.
    module : torch.nn.Module class or instance, default=None
        The student network; ``forward(x)`` returns ``(logits, embedding)``.
        A class receives ``n_classes`` and ``input_shape`` (from ``y`` and
        ``X``) unless given as ``module__n_classes`` / ``module__input_shape``;
        other arguments go as ``module__<name>``. None builds a
        :class:`~vskdlearn.networks.SmallStudent` for images and a
        :class:`~vskdlearn.networks.SensorCNN` for raw series. The paper's
        student is ``module=ResNet18Student`` (far slower to train on a CPU;
        measured in :doc:`/benchmarks/distillation`).
    encoder : GAFTransformer or None, default=None
        For raw windows: an (unfitted) :class:`~vskdlearn.GAFTransformer`,
        cloned and fitted inside ``fit`` on the training windows (with the
        magnitude channel, if any) and put in front of the network as a
        :class:`~vskdlearn.gaf.GAFLayer`, so that GAF images are made per
        batch and never stored; the fitted one is ``encoder_``. None: the
        network reads the series itself. Refused when ``X`` holds images.
    augmentation : SensorAugmentation, "auto" or None, default="auto"
        Random variations of the raw windows in training only (see
        :class:`~vskdlearn.augmentation.SensorAugmentation`); reachable by
        grid search as ``augmentation__<name>``. ``"auto"``: the default
        ``SensorAugmentation()`` on windows of 3-axis sensors, the same
        without rotation on other windows, none on images. None: the windows
        as recorded.
    magnitude : bool or "auto", default="auto"
        Append the magnitude ``|(x, y, z)|`` of each 3-axis sensor as a
        channel (orientation-free). ``"auto"``: on raw windows whose channels
        come in groups of three.
    distillation : {"dask", "kd", "rkd", "sp", "at", "none"}, default="dask"
        The training objective, a weighted sum of terms (see
        :class:`~vskdlearn.losses.DistillationLoss`):

        - ``"none"``: cross-entropy only, the student trained alone;
        - ``"kd"``: + soft labels (Hinton et al.);
        - ``"rkd"``: + distance- and angle-wise relations (Park et al.);
        - ``"sp"``: + similarity-preserving (Tung and Mori);
        - ``"at"``: + attention transfer on the deepest feature maps
          (Zagoruyko and Komodakis), when student and teacher maps have the
          same number of spatial axes (e.g. a ``SensorCNN`` student on raw
          series and a skeleton teacher, both over time);
        - ``"dask"``: + soft labels, distance, angle and semantic terms.
          Setting some of their weights to 0 gives the ablations.
    ce_weight : float, default=1.0
        Weight of the cross-entropy with the labels.
    kd_weight : float, default=1.0
        Weight of the soft-label term (``"kd"``, ``"dask"``).
    temperature : float, default=4.0
        Softmax temperature of the soft-label term.
    distance_weight : float, default=0.0
        Weight of the distance-wise term (``"rkd"``, ``"dask"``).
    angle_weight : float, default=0.0
        Weight of the angle-wise term (``"rkd"``, ``"dask"``).
    semantic_weight : float, default=0.0
        Weight of the semantic term (``"dask"``).
    sp_weight : float, default=3000.0
        Weight of the similarity-preserving term (``"sp"``).
    attention_weight : float, default=1000.0
        Weight of the attention-transfer term (``"at"``).
    max_epochs : int, default=150
        Passes over the training data.
    lr : float, default=2e-3
        Learning rate (the peak of the one-cycle schedule).
    batch_size : int, default=32
        Samples per batch. The relational terms compare the samples of a
        batch with each other, so very small batches weaken them.
    {optimizer}
    {early_stopping}
        The teacher rows go with their samples.
    {validation_fraction}
    {n_iter_no_change}
    lr_schedule : {"onecycle", "cosine"} or None, default="onecycle"
        ``"onecycle"``: the one-cycle policy (warm-up to ``lr``, then
        annealing, stepped every batch); ``"cosine"``: cosine annealing over
        ``max_epochs``. Either is a skorch ``LRScheduler`` callback named
        ``"lr_scheduler"`` (replace it with ``callbacks__lr_scheduler=...``).
        None keeps the learning rate.
    {callbacks}
    random_state : int, RandomState instance or None, default=None
        Seeds weight initialisation, shuffling, dropout, the validation split
        and, when it has no ``random_state`` of its own, the fit of an
        unfitted teacher: the same int gives the same predictions (on the
        same device and torch build). torch's global random state is left as
        it was.
    device : str, default="cpu"
        Where to train: any torch device (``"cpu"``, ``"cuda"``, ``"cuda:1"``,
        ``"mps"``), or ``"auto"`` for a GPU when torch sees one. A model
        fitted on a GPU loads and predicts on a machine without one (on the
        CPU).
    mixed_precision : bool, default=False
        Run the network under bfloat16 autocast (``torch.autocast``): less
        memory and faster on recent GPUs (CUDA from Ampere on); losses and
        outputs stay float32, and bfloat16 needs no loss scaling.
    {verbose}
    {kwargs}

    Attributes
    ----------
    {classes_}
    n_features_in_ : int
        Size of the second axis of ``X`` (window or image channels).
    encoder_ : GAFTransformer or None
        The fitted encoder (a clone of ``encoder``), or None.
    input_shape_ : tuple of int
        Shape of one sample as the network takes it.
    embedding_dim_ : int
        Width of the student's embeddings (:meth:`embed`).
    teacher_ : estimator or None
        The teacher used: the given one when it was fitted, else the clone
        fitted on ``teacher_X``; None with ``distillation="none"``.
    teacher_embedding_scale_ : float or None
        Root-mean-square of the teacher's embeddings on ``teacher_X``; they
        are divided by it, so that ``semantic_weight`` means the same whatever
        the teacher. None with ``distillation="none"``.
    net_ : skorch.NeuralNetClassifier
        The trained skorch net; ``net_.module_`` is the student network and
        ``net_.criterion_`` the loss (with the learned projection).
    history_ : skorch.History
        Per-epoch losses; each batch also records every loss term
        (``history_[-1, "batches", 0, "train_kd"]`` ...).
    {device_}

    See Also
    --------
    TeacherClassifier : The teacher network on a vision or multimodal input.

    Notes
    -----
    ``teacher_X`` is sample-aligned metadata of ``fit``: ``Pipeline`` and
    ``GridSearchCV`` split it with ``X``. It is requested by default, so with
    ``sklearn.set_config(enable_metadata_routing=True)`` it reaches the
    student with no ``set_fit_request`` call; without routing, pass it to a
    pipeline as ``<step name>__teacher_X``.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn.frozen import FrozenEstimator
    >>> from vskdlearn import DistilledStudentClassifier, TeacherClassifier
    >>> rng = np.random.default_rng(0)
    >>> y = np.repeat(["wave", "clap"], 20)
    >>> skeleton = rng.normal(size=(40, 16, 20, 3)).astype("float32")
    >>> skeleton[y == "wave", :, 4:12, 1] += np.sin(np.arange(16))[:, None]
    >>> images = rng.normal(size=(40, 6, 16, 16)).astype("float32")
    >>> images[y == "wave"] += 1.0  # the wrist feels the waving too
    >>> teacher = TeacherClassifier(max_epochs=5, random_state=0).fit(skeleton, y)
    >>> student = DistilledStudentClassifier(
    ...     FrozenEstimator(teacher), max_epochs=10, batch_size=8, random_state=0
    ... ).fit(images, y, teacher_X=skeleton)
    >>> student.classes_
    array(['clap', 'wave'], dtype='<U4')
    >>> float(student.score(images, y))  # accelerometer images only
    1.0
    """

    __metadata_request__fit = {"teacher_X": True, "groups": True}

    _role = "student"
    _net_class = _DistillationNet

    _parameter_constraints = {
        **BaseNetClassifier._parameter_constraints,
        "teacher": [None, HasMethods(["fit"])],
        "encoder": [None, HasMethods(["fit", "transform", "to_torch"])],
        "augmentation": [None, StrOptions({"auto"}), HasMethods(["to_torch"])],
        "magnitude": ["boolean", StrOptions({"auto"})],
        "distillation": [StrOptions(set(METHOD_WEIGHTS))],
        **{
            name: [Interval(Real, 0, None, closed="left")]
            for name in _LOSS_PARAMS
            if name != "temperature"
        },
        "temperature": [Interval(Real, 0, None, closed="neither")],
    }

    def __init__(
        self,
        teacher=None,
        module=None,
        *,
        encoder=None,
        augmentation="auto",
        magnitude="auto",
        distillation="dask",
        ce_weight=1.0,
        kd_weight=1.0,
        temperature=4.0,
        distance_weight=0.0,
        angle_weight=0.0,
        semantic_weight=0.0,
        sp_weight=3000.0,
        attention_weight=1000.0,
        max_epochs=150,
        lr=2e-3,
        batch_size=32,
        optimizer=torch.optim.AdamW,
        early_stopping=False,
        validation_fraction=0.1,
        n_iter_no_change=10,
        lr_schedule="onecycle",
        callbacks=None,
        random_state=None,
        device="cpu",
        mixed_precision=False,
        verbose=0,
        **kwargs,
    ):
        self.teacher = teacher
        self.module = module
        self.encoder = encoder
        self.augmentation = augmentation
        self.magnitude = magnitude
        self.distillation = distillation
        self.ce_weight = ce_weight
        self.kd_weight = kd_weight
        self.temperature = temperature
        self.distance_weight = distance_weight
        self.angle_weight = angle_weight
        self.semantic_weight = semantic_weight
        self.sp_weight = sp_weight
        self.attention_weight = attention_weight
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

    @staticmethod
    def _as_network_input(X):
        if X.ndim == 2:
            return X[:, None, :]  # a 2-D array is one channel of a series
        if X.ndim in (3, 4):
            return X
        raise ValueError(
            "X must be GAF images of shape (n_samples, n_channels, height, width) "
            "(e.g. from GAFTransformer) or sensor series of shape (n_samples, "
            f"n_channels, n_timestamps); got an array of shape {X.shape}."
        )

    def _validate_predict_input(self, X):
        check_not_ragged(X, "X", type(self).__name__)
        X = validate_data(
            self,
            X,
            reset=False,
            allow_nd=True,
            dtype=np.float32,
            ensure_all_finite=True,
        )
        X = self._as_network_input(as_float32(X))
        if tuple(X.shape[1:]) != self.input_shape_:
            raise ValueError(
                f"X has samples of shape {tuple(X.shape[1:])}; the student was "
                f"fitted on {self.input_shape_}. Give windows of the same "
                "channels and length (or, for images, encode the series the "
                "same way as for fit: same GAF image_size and method)."
            )
        return X

    def _default_module(self, input_shape):
        from ..networks import SensorCNN, SmallStudent

        # What the backbone sees: images (from X or the encoder) or series.
        return SmallStudent if len(input_shape) == 3 else SensorCNN

    # -- the network's front: augmentation, derived channels, encoder ---------

    def _front(self, X, seed):
        """Resolve augmentation, magnitude and encoder for raw windows ``X``.

        Returns ``(augmentation, augmentation_layer, magnitude,
        encoder_layer)`` and sets ``encoder_`` (the fitted encoder or None).
        """
        windows = X.ndim == 3
        n_channels = X.shape[1]
        three_axis = n_channels % 3 == 0
        self.encoder_ = None
        if not windows:
            for name, value in (
                ("encoder", self.encoder),
                (
                    "augmentation",
                    None if self.augmentation == "auto" else self.augmentation,
                ),
                ("magnitude", None if self.magnitude in ("auto", False) else True),
            ):
                if value is not None:
                    raise ValueError(
                        f"{name}= works on raw sensor windows (n_samples, "
                        "n_channels, n_timestamps), but X holds images of shape "
                        f"{X.shape}. Give the student the raw windows (with "
                        "encoder=GAFTransformer(...) for a GAF student), or drop "
                        f"{name}=."
                    )
            return None, None, False, None
        magnitude = three_axis if self.magnitude == "auto" else bool(self.magnitude)
        if magnitude and not three_axis:
            raise ValueError(
                f"magnitude=True appends |(x, y, z)| of each 3-axis sensor, so the "
                f"windows' channels must come in groups of 3; they have "
                f"{n_channels}. Use magnitude=False."
            )
        augmentation = self.augmentation
        if augmentation == "auto":
            augmentation = SensorAugmentation(
                **({} if three_axis else {"rotation": 0.0})
            )
        layer = None
        if augmentation is not None:
            layer = augmentation.to_torch(n_channels, seed=seed)
        encoder = None
        if self.encoder is not None:
            if magnitude:  # the encoder's ranges cover the magnitude too
                from ..networks import MagnitudeChannels

                with torch.no_grad():
                    X = MagnitudeChannels()(torch.from_numpy(X)).numpy()
            self.encoder_ = clone(self.encoder).fit(X)
            encoder = self.encoder_.to_torch()
        return augmentation, layer, magnitude, encoder

    # -- the teacher ----------------------------------------------------------

    def _check_weights(self):
        used = METHOD_WEIGHTS[self.distillation]
        if all(getattr(self, name) == 0 for name in used):
            raise ValueError(
                f"Every loss weight distillation={self.distillation!r} uses is 0 "
                f"({', '.join(used)}): there is nothing to learn from. Give at "
                "least one of them a positive value."
            )
        from_teacher = [name for name in used if name != "ce_weight"]
        if from_teacher and all(getattr(self, name) == 0 for name in from_teacher):
            # It would train the student alone under another name.
            raise ValueError(
                f"distillation={self.distillation!r} learns nothing from the "
                f"teacher: its weights {', '.join(from_teacher)} are all 0 (the "
                "relational weights default to 0). Give them values, e.g. the "
                "paper's with DistilledStudentClassifier(..., "
                "**vskdlearn.losses.PAPER_DASK_WEIGHTS) (distance 1, angle 2, "
                "semantic 1), or use distillation='none' to train the student "
                "alone."
            )

    def _fitted_teacher(self, teacher_X, y, n_samples, seed):
        """The teacher to read, fitted on ``teacher_X`` when it is not yet."""
        if self.teacher is None:
            raise ValueError(
                f"distillation={self.distillation!r} needs a teacher: pass "
                "teacher=FrozenEstimator(fitted_teacher), or an unfitted "
                "TeacherClassifier(...) to have it fitted on teacher_X, or use "
                "distillation='none' to train the student alone."
            )
        fitted = _teacher_is_fitted(self.teacher)
        if teacher_X is None:
            if not fitted:
                raise NotFittedError(
                    "The teacher is not fitted and no teacher_X was given to fit "
                    "it: pass fit(X, y, teacher_X=...) with the teacher's modality "
                    "of the same samples (a clone of the teacher is fitted on it), "
                    "or pass a fitted teacher."
                )
            raise ValueError(
                "teacher_X is missing: the teacher's outputs for the training "
                "samples are computed from teacher_X, the teacher's modality of the "
                "same recordings as X, row for row. Pass fit(X, y, teacher_X=...); "
                "in a Pipeline, enable metadata routing "
                "(sklearn.set_config(enable_metadata_routing=True)) or pass "
                "pipe.fit(X, y, distilledstudentclassifier__teacher_X=...)."
            )
        n_teacher = _num_samples(teacher_X)
        if n_teacher != n_samples:
            raise ValueError(
                f"teacher_X has {n_teacher} samples but X has {n_samples}: "
                "teacher_X must be sample-aligned with X (row i of both is the "
                "same recording). Index both with the same indices."
            )
        _check_finite_teacher_X(teacher_X)
        if fitted:
            return self.teacher
        if isinstance(self.teacher, FrozenEstimator):
            raise NotFittedError(
                "The teacher is a FrozenEstimator around an unfitted estimator, "
                "which cannot be fitted: fit the teacher first, or pass it "
                "unfrozen to have a clone fitted on teacher_X in every fit."
            )
        teacher = clone(self.teacher)
        params = teacher.get_params(deep=False)
        if "random_state" in params and params["random_state"] is None:
            teacher.set_params(random_state=seed)
        return teacher.fit(teacher_X, y)

    def _teacher_outputs(self, teacher_X, y, n_samples, seed):
        """Teacher outputs for every training sample, as float32 tensors.

        ``teacher_X`` is the teacher's input (the teacher is run on it, and
        fitted first if it is not yet) or its outputs, a ``TeacherOutputs``.
        Sets ``teacher_`` and ``teacher_embedding_scale_``.
        """
        if isinstance(teacher_X, TeacherOutputs):
            if len(teacher_X) != n_samples:
                raise ValueError(
                    f"teacher_X holds TeacherOutputs of {len(teacher_X)} samples "
                    f"but X has {n_samples}: they must be sample-aligned."
                )
            fitted = self.teacher is not None and _teacher_is_fitted(self.teacher)
            self.teacher_ = self.teacher if fitted else None
            outputs = teacher_X
        else:
            self.teacher_ = self._fitted_teacher(teacher_X, y, n_samples, seed)
            if getattr(self.teacher_, "classes_", None) is None:
                raise ValueError(
                    f"The teacher {type(self.teacher_).__name__} has no classes_; "
                    "a fitted classifier is needed."
                )
            with torch.no_grad():  # constants for the student: no graph
                outputs = TeacherOutputs.from_teacher(
                    self.teacher_, teacher_X, feature_maps=self.distillation == "at"
                )
        self._check_teacher_outputs(outputs)
        logits, embedding = outputs.logits, outputs.embeddings
        # Of all terms only the semantic one depends on the teacher's scale
        # (distances are divided by their mean; angles and similarities are
        # scale-free): unit root-mean-square gives semantic_weight the same
        # meaning whatever the teacher.
        rms = float(np.sqrt(np.mean(np.square(embedding, dtype=np.float64))))
        self.teacher_embedding_scale_ = rms
        if rms > 0:
            embedding = (embedding / rms).astype(np.float32)
        features = None
        if self.distillation == "at":
            if outputs.feature_maps is None:
                raise AttentionPairingError(
                    "distillation='at' needs the teacher's feature maps: give "
                    "TeacherOutputs.from_teacher(teacher, X, feature_maps=True)."
                )
            features = [torch.from_numpy(m) for m in outputs.feature_maps]
        return torch.from_numpy(logits), torch.from_numpy(embedding), features

    def _check_teacher_outputs(self, outputs):
        teacher_classes = outputs.classes
        if teacher_classes is not None and not np.array_equal(
            teacher_classes, self.classes_
        ):
            raise ValueError(
                f"The teacher was fitted on classes {list(teacher_classes)} but y "
                f"has classes {list(self.classes_)}; they must be the same labels. "
                "Fit the teacher on the same label set (the same y, or y of the "
                "same recordings), or pass an unfitted teacher to have it fitted "
                "on teacher_X and y in each fit."
            )
        n_samples, n_classes = len(outputs), len(self.classes_)
        if outputs.logits.shape[1] != n_classes:
            raise ValueError(
                f"The teacher returned logits of shape {outputs.logits.shape} and "
                f"embeddings of shape {outputs.embeddings.shape} for {n_samples} "
                f"samples; ({n_samples}, {n_classes}) and ({n_samples}, "
                "embedding_dim) were expected."
            )
        if not (
            np.isfinite(outputs.logits).all() and np.isfinite(outputs.embeddings).all()
        ):
            raise ValueError(
                "The teacher's outputs on teacher_X contain NaN or infinity (a "
                "diverged teacher?); refit the teacher, e.g. with a lower lr."
            )

    # -- fit ------------------------------------------------------------------

    @shared_parameter_docs
    def fit(self, X, y, teacher_X=None, groups=None):
        """Train the student, learning from the labels and from the teacher.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_channels, n_timestamps)
            The student's input: raw sensor windows (e.g. the accelerometer,
            in g), or GAF images ``(n_samples, n_channels, height, width)``
            made beforehand (e.g. by a ``GAFTransformer`` step of a pipeline).
        y : array-like of shape (n_samples,)
            Labels (ints or strings).
        teacher_X : array-like, Modalities or TeacherOutputs, default=None
            The teacher's modality of the same recordings, row ``i`` for
            sample ``i`` of ``X`` (e.g. skeletons ``(n_samples, n_frames,
            n_joints, 3)``), or a :class:`~vskdlearn.Modalities` bundle for a
            fusion teacher (a plain dict is accepted too, but only a bundle is
            split by ``Pipeline`` and cross-validation); or the teacher's
            outputs for them, a :class:`~vskdlearn.TeacherOutputs` (then the
            teacher is not run, and ``teacher`` may be None). Needed unless
            ``distillation="none"``.
        {groups}

        Returns
        -------
        self : DistilledStudentClassifier
            The fitted student.
        """
        self._check_params()
        X, y = self._validate_fit_input(X, y)
        return self._fit(X, y, groups, teacher_X=teacher_X)

    def _check_params(self):
        super()._check_params()
        self._check_weights()

    def _validate_fit_input(self, X, y):
        check_not_ragged(X, "X", type(self).__name__)
        X, y = validate_data(
            self, X, y, allow_nd=True, dtype=np.float32, ensure_all_finite=True
        )
        X = self._as_network_input(as_float32(X))
        self.input_shape_ = tuple(X.shape[1:])
        return X, y

    def _network_step(self, X, y, seed, teacher_X=None):
        """The teacher's outputs, then the network's front (augmentation, encoder)."""
        from ..networks import StudentModel

        self.teacher_ = self.teacher_embedding_scale_ = None
        outputs = None
        if isinstance(teacher_X, Mapping) and not sp.issparse(teacher_X):
            # A dict of modalities would count its keys as samples.
            teacher_X = Modalities(teacher_X)
        if self.distillation != "none":
            outputs = self._teacher_outputs(teacher_X, y, len(X), seed)

        # Seeds of the network's own generators (augmentation, mixup), drawn
        # from the fit's seed so that torch's global generator is not used.
        streams = np.random.SeedSequence(seed).generate_state(2)
        augmentation, layer, magnitude, encoder = self._front(X, int(streams[0]))
        front = StudentModel(
            torch.nn.Identity(), encoder=encoder, magnitude=magnitude
        ).eval()
        with torch.no_grad():
            backbone_shape = tuple(front(torch.from_numpy(X[:2])).shape[1:])
        return NetworkPlan(
            backbone_shape,
            wrap=lambda backbone: StudentModel(backbone, encoder, layer, magnitude),
            own=_Teaching(outputs, getattr(augmentation, "mixup", 0.0), streams[1]),
        )

    def _criterion(self, plan):
        from ..losses import DistillationLoss

        kwargs = {f"criterion__{name}": getattr(self, name) for name in _LOSS_PARAMS}
        kwargs["criterion__distillation"] = self.distillation
        outputs = plan.own.outputs
        if outputs is not None:
            kwargs["criterion__student_dim"] = self.embedding_dim_
            kwargs["criterion__teacher_dim"] = int(outputs[1].shape[1])
        return DistillationLoss, kwargs

    def _train(self, net, X, y_encoded, plan):
        outputs, mixup, mixup_seed = plan.own
        if outputs is not None and outputs[2] is not None:
            logits, embedding, features = outputs
            outputs = logits, embedding, self._paired_attention_maps(net, X, features)
        generator = torch.Generator().manual_seed(int(mixup_seed)) if mixup else None
        net.train_paired(X, y_encoded, outputs, mixup, generator)

    def _paired_attention_maps(self, net, X, teacher_maps):
        """The teacher maps paired with the student's, the deepest of each."""
        from ..losses import attention_loss

        module = net.module_
        if not hasattr(module.backbone, "forward_features"):
            raise AttentionPairingError(
                "distillation='at' needs the student module "
                f"{type(module.backbone).__name__} "
                "to have forward_features(x) returning its feature maps."
            )
        module.eval()
        try:
            with torch.no_grad():
                student_maps = list(
                    call_module(module.forward_features, X[:2], device=self.device_)
                )
            n_maps = min(len(student_maps), len(teacher_maps))
            teacher_maps = teacher_maps[-n_maps:]
            attention_loss(student_maps[-n_maps:], [t[:2] for t in teacher_maps])
        except ValueError as exc:
            raise AttentionPairingError(
                "distillation='at' matches the student's and the teacher's deepest "
                "feature maps, which must have the same number of spatial axes: "
                f"{exc} For example a SensorCNN student on raw series (n_samples, "
                "n_channels, n_timestamps) and a skeleton teacher are both over "
                "time; a GAF image student is not. Use another distillation."
            ) from exc
        finally:
            module.train()
        return teacher_maps

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.two_d_array = True
        return tags
