"""A teacher's outputs as data: what a student learns from, without the teacher.

A student reads from its teacher only the logits and embeddings (and, for
attention transfer, feature maps) of its training samples. Computed once and
passed as ``teacher_X``, they make a grid search run the teacher once instead
of once per candidate and fold, and a cluster ship kilobytes per task instead
of videos.
"""

import numpy as np
from sklearn.base import clone
from sklearn.exceptions import NotFittedError
from sklearn.frozen import FrozenEstimator
from sklearn.model_selection import GroupKFold, check_cv
from sklearn.utils import _safe_indexing
from sklearn.utils.validation import check_is_fitted

__all__ = ["AttentionPairingError", "TeacherOutputs"]


class AttentionPairingError(ValueError):
    """distillation='at' cannot pair this student's and teacher's feature maps.

    A property of the two networks, not of the data: callers comparing
    methods (``vskd run``) skip attention transfer on it and raise the rest.
    """


def _teacher_arrays(teacher, X):
    """(logits, embeddings) of the teacher, from its public methods."""
    if hasattr(teacher, "predict_logits_and_embeddings"):
        return teacher.predict_logits_and_embeddings(X)
    if hasattr(teacher, "decision_function") and hasattr(teacher, "transform"):
        logits = np.asarray(teacher.decision_function(X), dtype=np.float32)
        if logits.ndim == 1:  # two classes: the score is logit_1 - logit_0
            logits = np.column_stack([np.zeros_like(logits), logits])
        return logits, teacher.transform(X)
    raise ValueError(
        f"The teacher {type(teacher).__name__} gives no logits and embeddings: it "
        "needs predict_logits_and_embeddings(X) (as TeacherClassifier has) or "
        "decision_function(X) and transform(X)."
    )


def _teacher_feature_maps(teacher, X):
    maps = getattr(teacher, "predict_feature_maps", None)
    if maps is None:
        raise AttentionPairingError(
            "distillation='at' needs the teacher's feature maps: the teacher "
            f"{type(teacher).__name__} has no predict_feature_maps(X) (a "
            "TeacherClassifier on a module with forward_features has)."
        )
    try:
        return maps(X)
    except ValueError as exc:  # e.g. a teacher network with no feature maps
        raise AttentionPairingError(
            f"distillation='at' needs the teacher's feature maps: {exc}"
        ) from exc


class TeacherOutputs:
    """A teacher's logits and embeddings for samples, indexed like an array.

    Pass it to :meth:`DistilledStudentClassifier.fit` as ``teacher_X``: the
    student learns from these outputs and never runs (or needs) the teacher.
    It is sample-aligned metadata like ``teacher_X``: ``Pipeline``,
    cross-validation and ``GridSearchCV`` split it with ``X``.

    Parameters
    ----------
    logits : array-like of shape (n_samples, n_classes)
        The teacher's scores before the softmax, columns in the order of
        ``classes``.
    embeddings : array-like of shape (n_samples, embedding_dim)
        The teacher's embeddings.
    classes : array-like of shape (n_classes,), default=None
        The teacher's labels; if given, the student checks that they are its
        own.
    feature_maps : list of array-like, default=None
        The teacher's feature maps, shallowest first, each ``(n_samples,
        channels, *spatial)``; needed by ``distillation="at"`` only.

    Examples
    --------
    >>> import numpy as np
    >>> from vskdlearn import TeacherOutputs
    >>> outputs = TeacherOutputs(np.zeros((4, 3)), np.ones((4, 8)))
    >>> len(outputs), outputs[[0, 2]].embeddings.shape
    (4, (2, 8))
    """

    ndim = 1

    def __init__(self, logits, embeddings, *, classes=None, feature_maps=None):
        self.logits = np.asarray(logits, dtype=np.float32)
        self.embeddings = np.asarray(embeddings, dtype=np.float32)
        self.classes = None if classes is None else np.asarray(classes)
        self.feature_maps = (
            None
            if feature_maps is None
            else [np.asarray(m, dtype=np.float32) for m in feature_maps]
        )
        n = len(self.logits)
        if self.logits.ndim != 2 or self.embeddings.ndim != 2:
            raise ValueError(
                "TeacherOutputs takes logits (n_samples, n_classes) and embeddings "
                f"(n_samples, embedding_dim); got shapes {self.logits.shape} and "
                f"{self.embeddings.shape}."
            )
        lengths = [len(self.embeddings), *(len(m) for m in self.feature_maps or [])]
        if any(length != n for length in lengths):
            raise ValueError(
                f"TeacherOutputs are sample-aligned: logits have {n} rows but "
                f"embeddings and feature maps have {lengths}."
            )
        if self.classes is not None and len(self.classes) != self.logits.shape[1]:
            raise ValueError(
                f"{len(self.classes)} classes were given for logits of "
                f"{self.logits.shape[1]} columns."
            )

    @classmethod
    def from_teacher(cls, teacher, X, *, feature_maps=False):
        """The outputs of a fitted ``teacher`` on its input ``X``.

        Parameters
        ----------
        teacher : fitted estimator
            A :class:`TeacherClassifier`, or any estimator with
            ``predict_logits_and_embeddings(X)`` (or ``decision_function`` and
            ``transform``).
        X : array-like or Modalities
            The teacher's input for the samples.
        feature_maps : bool, default=False
            Also keep the feature maps (for ``distillation="at"``).

        Returns
        -------
        outputs : TeacherOutputs
        """
        logits, embeddings = _teacher_arrays(teacher, X)
        maps = _teacher_feature_maps(teacher, X) if feature_maps else None
        classes = getattr(teacher, "classes_", None)
        return cls(logits, embeddings, classes=classes, feature_maps=maps)

    @classmethod
    def cross_fitted(cls, teacher, X, y, *, groups=None, cv=None):
        """Out-of-fold outputs: no sample's logits come from a teacher fitted on it.

        A teacher is nearly always right, and sure of it, on the recordings it
        was trained on, so its soft labels there are close to one-hot and
        carry little of what it knows about which actions look alike. Here
        the training samples are split into folds (by ``groups``, e.g. the
        subject, so a teacher never saw the person it scores); a clone of
        ``teacher`` is fitted on all folds but one and gives the logits of
        the one left out, like :func:`sklearn.model_selection.cross_val_predict`.
        The embeddings (which the relational terms compare across samples,
        and so must come from one network) are those of ``teacher`` fitted
        on all samples.

        Costs one teacher fit per fold (plus one on all samples when
        ``teacher`` is not fitted yet).

        Parameters
        ----------
        teacher : estimator
            A :class:`TeacherClassifier` (or any classifier that
            :meth:`from_teacher` can read), fitted on ``X, y`` (used as is
            for the embeddings; a ``FrozenEstimator`` is unwrapped for the
            folds) or not (a clone is fitted on all samples too).
        X : array-like or Modalities
            The teacher's input for the training samples.
        y : array-like of shape (n_samples,)
            Their labels.
        groups : array-like of shape (n_samples,), default=None
            The subject (or session) of each sample; the folds keep each
            group whole.
        cv : int, cross-validation generator or iterable, default=None
            The folds: as in scikit-learn (``None`` is ``GroupKFold`` over
            every group, at most 5 folds, when ``groups`` is given, else 5
            stratified folds). Every fold's training part must hold every
            class.

        Returns
        -------
        outputs : TeacherOutputs
            Out-of-fold logits, embeddings of the teacher fitted on all
            samples, and its classes.

        Examples
        --------
        >>> import numpy as np
        >>> from vskdlearn import TeacherClassifier, TeacherOutputs
        >>> rng = np.random.default_rng(0)
        >>> X, y = rng.normal(size=(24, 3, 32)), np.repeat([0, 1], 12)
        >>> teacher = TeacherClassifier(
        ...     modality="accelerometer", max_epochs=2, random_state=0
        ... )
        >>> outputs = TeacherOutputs.cross_fitted(teacher, X, y, groups=np.arange(24) % 4)
        >>> outputs.logits.shape
        (24, 2)
        """
        y = np.asarray(y)
        n_samples = len(y)
        if len(X) != n_samples:
            raise ValueError(
                f"X has {len(X)} samples but y has {n_samples}: the teacher's "
                "input and the labels must be sample-aligned."
            )
        try:
            check_is_fitted(teacher)
            full = teacher
        except NotFittedError:
            if isinstance(teacher, FrozenEstimator):
                raise NotFittedError(
                    "The teacher is a FrozenEstimator around an unfitted "
                    "estimator: fit it first, or pass it unfrozen to have a "
                    "clone fitted on all samples for the embeddings."
                ) from None
            full = clone(teacher).fit(X, y)
        template = (
            teacher.estimator if isinstance(teacher, FrozenEstimator) else teacher
        )
        if cv is None and groups is not None:
            n_groups = len(np.unique(groups))
            if n_groups < 2:
                raise ValueError(
                    "groups holds a single group: cross-fitting needs at least "
                    "two (each sample's logits come from a teacher fitted on "
                    "the other groups)."
                )
            cv = GroupKFold(n_splits=min(5, n_groups))
        splitter = check_cv(5 if cv is None else cv, y, classifier=True)
        classes = full.classes_
        logits = None
        covered = np.zeros(n_samples, dtype=bool)
        for fold, (fit, held_out) in enumerate(
            splitter.split(np.empty(n_samples), y, groups)
        ):
            missing = np.setdiff1d(classes, y[fit])
            if len(missing):
                raise ValueError(
                    f"Fold {fold}'s training part has no samples of classes "
                    f"{list(missing)}, so its teacher cannot score them: use fewer "
                    "folds, or groups in which every class occurs in every fold."
                )
            model = clone(template).fit(_safe_indexing(X, fit), y[fit])
            fold_logits, _ = _teacher_arrays(model, _safe_indexing(X, held_out))
            if logits is None:
                logits = np.empty((n_samples, fold_logits.shape[1]), dtype=np.float32)
            logits[held_out] = fold_logits
            covered[held_out] = True
        if not covered.all():
            raise ValueError(
                f"The folds left {int((~covered).sum())} samples out of every "
                "held-out part: cv must give each sample a fold (e.g. KFold, "
                "GroupKFold), not a subset of them."
            )
        _, embeddings = _teacher_arrays(full, X)
        return cls(logits, embeddings, classes=classes)

    @property
    def shape(self):
        return (len(self.logits),)

    def __len__(self):
        return len(self.logits)

    @property
    def nbytes(self):
        """Bytes held (what shipping these outputs to a worker costs)."""
        maps = sum(m.nbytes for m in self.feature_maps or [])
        return self.logits.nbytes + self.embeddings.nbytes + maps

    def __getitem__(self, key):
        # scikit-learn's _safe_indexing indexes with ``array[key, ...]``.
        if isinstance(key, tuple) and len(key) == 2 and key[1] is Ellipsis:
            key = key[0]
        if isinstance(key, (int, np.integer)):
            key = [key]
        return TeacherOutputs(
            self.logits[key],
            self.embeddings[key],
            classes=self.classes,
            feature_maps=None
            if self.feature_maps is None
            else [m[key] for m in self.feature_maps],
        )

    def __repr__(self):
        return (
            f"TeacherOutputs(n_samples={len(self)}, n_classes="
            f"{self.logits.shape[1]}, embedding_dim={self.embeddings.shape[1]}"
            + (", feature_maps" if self.feature_maps is not None else "")
            + ")"
        )
