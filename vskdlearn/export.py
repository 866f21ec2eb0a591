"""Export a fitted student to ONNX or TorchScript, for a watch or a phone.

The exported model takes raw sensor windows (input ``windows``, float32,
``(batch, n_channels, n_timestamps)``, any batch size) and returns the class
probabilities ``(batch, n_classes)`` (output ``probabilities``), then the
logits. The GAF encoder, when there is one, is inside the graph, which is
float32 throughout. What the model expects and what its columns mean travel
with it (ONNX ``metadata_props``, TorchScript extra file ``vskdlearn.json``);
:func:`read_metadata` reads either.

onnx and onnxruntime (the ``export`` extra) are imported here only, when an
ONNX function is called.
"""

import json
import os
import warnings

import numpy as np
import torch
from torch import nn

from ._docs import fill_docs
from ._modality_kinds import SENSOR_MODALITIES

__all__ = [
    "DeployedModel",
    "ExportError",
    "deployable",
    "read_metadata",
    "to_onnx",
    "to_torchscript",
]

INPUT_NAME = "windows"
OUTPUT_NAMES = ("probabilities", "logits")
_EXTRA_FILE = "vskdlearn.json"


class ExportError(ValueError):
    """The object cannot be exported (what it is, and what would be)."""


class DeployedModel(nn.Module):
    """Raw windows in, class probabilities and logits out.

    ``derive`` (e.g. the magnitude channels), ``encoder`` (e.g. a
    :class:`~vskdlearn.gaf.GAFLayer`) and ``backbone`` (a network returning
    ``(logits, embedding)``) in that order; training-only parts such as an
    augmentation are not in it.

    Parameters
    ----------
    backbone : torch.nn.Module
    encoder, derive : torch.nn.Module or None
    n_channels, n_timestamps : int
        Shape of one raw window, checked in eager mode and in TorchScript.
    """

    def __init__(
        self, backbone, encoder=None, derive=None, *, n_channels, n_timestamps
    ):
        super().__init__()
        self.derive = derive
        self.encoder = encoder
        self.backbone = backbone
        self.n_channels = int(n_channels)
        self.n_timestamps = int(n_timestamps)

    def forward(self, windows):
        if not torch.jit.is_tracing():
            # String concatenation, not f-strings: TorchScript compiles this.
            if windows.dim() != 3:
                raise ValueError(
                    "windows must have shape (batch, n_channels, n_timestamps); got "
                    + str(windows.dim())
                    + " dimensions."
                )
            if (
                windows.size(1) != self.n_channels
                or windows.size(2) != self.n_timestamps
            ):
                raise ValueError(
                    "windows must have shape (batch, "
                    + str(self.n_channels)
                    + ", "
                    + str(self.n_timestamps)
                    + "); got (batch, "
                    + str(windows.size(1))
                    + ", "
                    + str(windows.size(2))
                    + ")."
                )
        x = windows
        if self.derive is not None:
            x = self.derive(x)
        if self.encoder is not None:
            x = self.encoder(x)
        logits = self.backbone(x)[0]
        return torch.softmax(logits, dim=1), logits


def _is_fitted(estimator):
    from sklearn.utils.validation import check_is_fitted

    try:
        check_is_fitted(estimator)
    except Exception:
        return False
    return True


def _not_fitted(estimator):
    return ExportError(
        f"this {type(estimator).__name__} is not fitted yet; call fit before "
        "exporting it."
    )


def _student_parts(student):
    """(backbone, encoder, derive) of a student's network."""
    module = student.net_.module_
    if hasattr(module, "backbone"):  # StudentModel: augmentation is training-only
        backbone = module.backbone
        encoder = getattr(module, "encoder", None)
        derive = getattr(module, "derive", None)
    else:
        backbone, encoder, derive = module, None, None
    return backbone, encoder, derive


def _unwrapped(fitted):
    """The model inside what wraps it without changing its predictions.

    A frozen estimator, and a fitted search (vskd run --grid keeps its best
    model).
    """
    while True:
        if type(fitted).__name__ == "FrozenEstimator":
            fitted = fitted.estimator
        elif hasattr(fitted, "best_estimator_"):
            fitted = fitted.best_estimator_
        else:
            return fitted


def _pipeline_steps(pipeline):
    """``(gaf, student)`` of a ``Pipeline(GAFTransformer, DistilledStudentClassifier)``."""
    from .estimators import DistilledStudentClassifier
    from .gaf import GAFTransformer

    steps = [step for _, step in pipeline.steps if step not in (None, "passthrough")]
    if (
        len(steps) != 2
        or not isinstance(steps[0], GAFTransformer)
        or not isinstance(steps[1], DistilledStudentClassifier)
    ):
        kinds = ", ".join(type(step).__name__ for step in steps)
        raise ExportError(
            "only a Pipeline(GAFTransformer, DistilledStudentClassifier) can be "
            f"exported; this one has the steps ({kinds})."
        )
    gaf, estimator = steps
    if not _is_fitted(gaf):
        raise _not_fitted(pipeline)
    return gaf, estimator


def _student_export_parts(estimator, gaf):
    """(backbone, encoder, derive, raw window shape) of a student."""
    if not _is_fitted(estimator):
        raise _not_fitted(estimator)
    backbone, encoder, derive = _student_parts(estimator)
    if gaf is not None:
        if encoder is not None:
            raise ExportError(
                "the student of this pipeline has its own encoder as well as "
                "the pipeline's GAFTransformer; export one or the other."
            )
        return (
            backbone,
            gaf.to_torch(),
            derive,
            (gaf.n_channels_in_, gaf.n_timestamps_in_),
        )
    if len(estimator.input_shape_) == 2:
        return backbone, encoder, derive, estimator.input_shape_
    raise ExportError(
        f"this student was fitted on GAF images of shape "
        f"{estimator.input_shape_}, so it cannot take raw windows; export "
        "the Pipeline(GAFTransformer, DistilledStudentClassifier) it was "
        "fitted in (or give the student encoder=GAFTransformer(...))."
    )


def _teacher_export_parts(estimator):
    """(backbone, encoder, derive, raw window shape) of a sensor teacher."""
    if estimator.modality not in SENSOR_MODALITIES:
        raise ExportError(
            f"a teacher on modality {estimator.modality!r} does not take sensor "
            f"windows; only teachers on {', '.join(SENSOR_MODALITIES)} can be "
            "exported."
        )
    if not _is_fitted(estimator):
        raise _not_fitted(estimator)
    shape = estimator.modality_shapes_[estimator.modality]
    return estimator.net_.module_, None, None, shape


def _export_metadata(estimator, gaf, n_channels, n_timestamps):
    """What the exported model expects and what its columns mean."""
    from . import __version__

    encoder_description = "none"
    if gaf is not None:
        encoder_description = repr(gaf)
    elif getattr(estimator, "encoder_", None) is not None:
        encoder_description = repr(estimator.encoder_)
    described = type(estimator).__name__
    if gaf is not None:
        described = f"Pipeline(GAFTransformer, {described})"
    return {
        "vskdlearn_version": __version__,
        "estimator": described,
        "classes": json.dumps(np.asarray(estimator.classes_).tolist()),
        "input_name": INPUT_NAME,
        "input_shape": json.dumps(["batch", n_channels, n_timestamps]),
        "input_dtype": "float32",
        "n_channels": str(n_channels),
        "n_timestamps": str(n_timestamps),
        "outputs": "probabilities (batch, n_classes), columns in the order of "
        "classes; logits (batch, n_classes)",
        "encoder": encoder_description,
        "sampling": (
            f"windows of {n_timestamps} time steps per channel, cut and resampled "
            "as the training windows were, in the training data's units"
        ),
    }


def deployable(fitted):
    """The torch module and metadata that :func:`to_onnx` exports.

    Parameters
    ----------
    fitted : DistilledStudentClassifier, Pipeline or TeacherClassifier
        A fitted student on raw windows (with or without an ``encoder``), a
        fitted ``Pipeline(GAFTransformer, DistilledStudentClassifier)``, or a
        fitted teacher on a sensor modality; also any of them in a
        ``FrozenEstimator`` or as the ``best_estimator_`` of a fitted search.

    Returns
    -------
    model : DeployedModel
        In eval mode, on the CPU, a copy (the estimator is left as it was).
    metadata : dict of str to str

    Raises
    ------
    ExportError
        For anything else, an unfitted model, or a pipeline with another step.
    """
    import copy

    from sklearn.pipeline import Pipeline

    from .estimators import DistilledStudentClassifier, TeacherClassifier

    fitted = _unwrapped(fitted)
    gaf, estimator = None, fitted
    if isinstance(fitted, Pipeline):
        gaf, estimator = _pipeline_steps(fitted)
    if isinstance(estimator, DistilledStudentClassifier):
        backbone, encoder, derive, shape = _student_export_parts(estimator, gaf)
    elif isinstance(estimator, TeacherClassifier):
        backbone, encoder, derive, shape = _teacher_export_parts(estimator)
    else:
        raise ExportError(
            f"cannot export a {type(fitted).__name__}: expected a fitted "
            "DistilledStudentClassifier, Pipeline(GAFTransformer, "
            "DistilledStudentClassifier) or TeacherClassifier on a sensor modality."
        )
    n_channels, n_timestamps = (int(v) for v in shape)
    model = DeployedModel(
        copy.deepcopy(backbone),
        copy.deepcopy(encoder),
        copy.deepcopy(derive),
        n_channels=n_channels,
        n_timestamps=n_timestamps,
    )
    model = model.float().cpu().eval().requires_grad_(False)
    return model, _export_metadata(estimator, gaf, n_channels, n_timestamps)


def _metadata(fitted, channel_names, sampling_rate, extra):
    model, metadata = deployable(fitted)
    if channel_names is not None:
        channel_names = [str(name) for name in channel_names]
        if len(channel_names) != model.n_channels:
            raise ExportError(
                f"channel_names has {len(channel_names)} names; the model takes "
                f"{model.n_channels} channels."
            )
        metadata["channel_names"] = json.dumps(channel_names)
    if sampling_rate is not None:
        metadata["sampling_rate_hz"] = str(float(sampling_rate))
    for key, value in (extra or {}).items():
        metadata[str(key)] = str(value)
    return model, metadata


def _check_writable(path):
    path = os.fspath(path)
    folder = os.path.dirname(os.path.abspath(path)) or "."
    if not os.path.isdir(folder) or not os.access(folder, os.W_OK):
        raise ExportError(
            f"cannot write {path!r}: {folder!r} is not a writable folder."
        )
    return path


def _example(model, batch=2):
    generator = torch.Generator().manual_seed(0)
    return torch.randn(batch, model.n_channels, model.n_timestamps, generator=generator)


# The parameter docs both exports share, written once.
_SHARED_DOCS = {
    "fitted": """\
fitted : DistilledStudentClassifier, Pipeline or TeacherClassifier
    See :func:`deployable`.
""",
    "described": """\
channel_names : list of str, optional
    Names of the input channels, e.g. ``["acc_x", "acc_y", "acc_z"]``.
sampling_rate : float, optional
    Sampling rate of the windows, in Hz.
metadata : dict, optional
    More key-value pairs for the metadata.
""",
}


def _shared_docs(export):
    return fill_docs(export, _SHARED_DOCS)


@_shared_docs
def to_torchscript(
    fitted, path, *, channel_names=None, sampling_rate=None, metadata=None
):
    """Save a fitted student as a TorchScript file (``torch.jit.load`` reads it).

    Parameters
    ----------
    {fitted}
    path : str or path-like
        Where to write the ``.pt`` file.
    {described}

    Returns
    -------
    module : torch.jit.ScriptModule
        The scripted model; ``module(windows)`` returns ``(probabilities,
        logits)``. Its metadata is the extra file ``vskdlearn.json``.
    """
    model, meta = _metadata(fitted, channel_names, sampling_rate, metadata)
    path = _check_writable(path)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)  # torch deprecates jit
        scripted = torch.jit.script(model)
        torch.jit.save(scripted, path, _extra_files={_EXTRA_FILE: json.dumps(meta)})
    return scripted


@_shared_docs
def to_onnx(
    fitted,
    path,
    *,
    quantize=None,
    channel_names=None,
    sampling_rate=None,
    metadata=None,
    opset_version=18,
):
    """Save a fitted student as an ONNX model (float32 graph, dynamic batch).

    Parameters
    ----------
    {fitted}
    path : str or path-like
        Where to write the ``.onnx`` file.
    quantize : {None, "dynamic"}, default=None
        ``"dynamic"``: int8 weights with onnxruntime's ``quantize_dynamic``
        (activations quantized at run time); about 4x smaller. Measure the
        accuracy on your data (the benchmarks page has UTD-MHAD figures).
    {described}
    opset_version : int, default=18
        ONNX opset.

    Returns
    -------
    path : str
        The file written. Its ``metadata_props`` hold the classes, the input
        shape, the vskdlearn version and the sampling assumptions.

    Examples
    --------
    >>> from vskdlearn.export import to_onnx   # doctest: +SKIP
    >>> to_onnx(student, "student.onnx")        # doctest: +SKIP
    """
    try:
        import onnx
    except ImportError as exc:  # pragma: no cover - depends on the install
        raise ImportError(
            "to_onnx needs onnx and onnxruntime: pip install 'vskdlearn[export]'"
        ) from exc
    if quantize not in (None, "dynamic"):
        raise ExportError(f"quantize must be None or 'dynamic'; got {quantize!r}.")
    model, meta = _metadata(fitted, channel_names, sampling_rate, metadata)
    path = _check_writable(path)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # tracer and deprecation chatter
        torch.onnx.export(
            model,
            (_example(model),),
            path,
            input_names=[INPUT_NAME],
            output_names=list(OUTPUT_NAMES),
            dynamic_axes={name: {0: "batch"} for name in (INPUT_NAME, *OUTPUT_NAMES)},
            opset_version=opset_version,
            dynamo=False,
        )
    if quantize == "dynamic":
        from onnxruntime.quantization import QuantType, quantize_dynamic

        quantize_dynamic(path, path, weight_type=QuantType.QInt8)
        meta["quantization"] = "dynamic int8 (onnxruntime quantize_dynamic)"
    proto = onnx.load(path)
    del proto.metadata_props[:]
    for key, value in meta.items():
        entry = proto.metadata_props.add()
        entry.key, entry.value = key, value
    proto.producer_name = "vskdlearn"
    onnx.save(proto, path)
    return path


def read_metadata(path):
    """The metadata of a model written by :func:`to_onnx` or :func:`to_torchscript`.

    Returns
    -------
    metadata : dict of str to str
        ``classes``, ``input_shape`` and ``channel_names`` are JSON strings.
    """
    path = os.fspath(path)
    if path.endswith(".onnx"):
        import onnx

        proto = onnx.load(path, load_external_data=False)
        return {entry.key: entry.value for entry in proto.metadata_props}
    files = {_EXTRA_FILE: ""}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        torch.jit.load(path, _extra_files=files)
    return json.loads(files[_EXTRA_FILE])
