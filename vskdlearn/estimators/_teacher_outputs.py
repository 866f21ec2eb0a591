"""A teacher's outputs as data: what a student learns from, without the teacher.

A student reads from its teacher only the logits and embeddings (and, for
attention transfer, feature maps) of its training samples. Computed once and
passed as ``teacher_X``, they make a grid search run the teacher once instead
of once per candidate and fold, and a cluster ship kilobytes per task instead
of videos.
"""

import numpy as np

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
