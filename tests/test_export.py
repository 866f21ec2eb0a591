"""vskdlearn.export: ONNX and TorchScript models that take raw windows."""

import json
import os
import warnings

import numpy as np
import pytest
import torch
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from vskdlearn import DistilledStudentClassifier, GAFTransformer, TeacherClassifier
from vskdlearn.export import (
    ExportError,
    read_metadata,
    to_onnx,
    to_torchscript,
)

onnx = pytest.importorskip("onnx")
ort = pytest.importorskip("onnxruntime")

pytestmark = pytest.mark.realdata
FAST = {"max_epochs": 1, "batch_size": 32, "random_state": 0}


@pytest.fixture(scope="module")
def utd(shared_datasets):
    from vskdlearn.datasets import load_utd_mhad

    data = load_utd_mhad(shared_datasets / "utd_mhad", modalities=("inertial",))
    # Every 8th recording: 108 windows over the 27 actions, (3, 128) each.
    return data.accelerometer[::8], data.target[::8]


@pytest.fixture(scope="module")
def fitted(utd):
    X, y = utd
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        teacher = TeacherClassifier(modality="accelerometer", **FAST).fit(X, y)
        student = DistilledStudentClassifier(teacher=teacher, **FAST)
        student.fit(X, y, teacher_X=X)
        gaf_student = DistilledStudentClassifier(
            teacher=teacher,
            encoder=GAFTransformer(image_size=16, scaling="fit"),
            magnitude=True,
            **FAST,
        ).fit(X, y, teacher_X=X)
        pipe = make_pipeline(
            GAFTransformer(image_size=16, scaling="fit"),
            DistilledStudentClassifier(teacher=teacher, **FAST),
        )
        pipe.fit(X, y, distilledstudentclassifier__teacher_X=X)
    return {
        "teacher": teacher,
        "student": student,
        "gaf_student": gaf_student,
        "pipeline": pipe,
    }


KINDS = ["teacher", "student", "gaf_student", "pipeline"]


def test_the_students_are_what_main_builds(fitted):
    # A raw-window student is one StudentModel; its augmentation is not exported.
    gaf_student = fitted["gaf_student"].net_.module_
    assert gaf_student.encoder is not None and gaf_student.derive is not None
    assert fitted["gaf_student"].input_shape_ == (3, 128)


@pytest.fixture(scope="module")
def onnx_files(fitted, tmp_path_factory):
    folder = tmp_path_factory.mktemp("onnx")
    return {
        kind: to_onnx(model, folder / f"{kind}.onnx", channel_names=["x", "y", "z"])
        for kind, model in fitted.items()
    }


@pytest.mark.parametrize("kind", KINDS)
def test_onnxruntime_gives_predict_proba(fitted, onnx_files, utd, kind):
    X, _ = utd
    session = ort.InferenceSession(onnx_files[kind])
    assert [i.name for i in session.get_inputs()] == ["windows"]
    assert session.get_outputs()[0].name == "probabilities"
    probabilities, logits = session.run(None, {"windows": X})
    expected = fitted[kind].predict_proba(X)
    assert probabilities.shape == expected.shape == logits.shape
    np.testing.assert_allclose(probabilities, expected, atol=1e-4)


@pytest.mark.parametrize("kind", KINDS)
def test_torchscript_gives_predict_proba(fitted, utd, kind, tmp_path):
    X, _ = utd
    to_torchscript(fitted[kind], tmp_path / "model.pt")
    loaded = torch.jit.load(tmp_path / "model.pt")
    probabilities, _ = loaded(torch.from_numpy(X))
    np.testing.assert_allclose(
        probabilities.numpy(), fitted[kind].predict_proba(X), atol=1e-4
    )
    with pytest.raises(Exception, match=r"windows must have shape \(batch, 3, 128\)"):
        loaded(torch.zeros(2, 3, 100))


@pytest.mark.parametrize("batch", [1, 64])
def test_dynamic_batch(onnx_files, utd, batch):
    X, _ = utd
    session = ort.InferenceSession(onnx_files["gaf_student"])
    assert session.get_inputs()[0].shape == ["batch", 3, 128]
    probabilities = session.run(["probabilities"], {"windows": X[:batch]})[0]
    assert probabilities.shape == (batch, 27)
    np.testing.assert_allclose(probabilities.sum(axis=1), 1, atol=1e-5)


@pytest.mark.parametrize("kind", KINDS)
def test_no_double_anywhere_in_the_graph(onnx_files, kind):
    model = onnx.shape_inference.infer_shapes(onnx.load(onnx_files[kind]))
    double = onnx.TensorProto.DOUBLE
    graph = model.graph
    assert all(t.data_type != double for t in graph.initializer)
    values = [*graph.value_info, *graph.input, *graph.output]
    assert all(v.type.tensor_type.elem_type != double for v in values)
    for node in graph.node:
        for attribute in node.attribute:
            if node.op_type == "Cast" and attribute.name == "to":
                assert attribute.i != double
            if attribute.type == onnx.AttributeProto.TENSOR:
                assert attribute.t.data_type != double


def test_metadata_round_trip(fitted, onnx_files, tmp_path):
    import vskdlearn

    classes = fitted["pipeline"].classes_.tolist()
    session = ort.InferenceSession(onnx_files["pipeline"])
    from_ort = session.get_modelmeta().custom_metadata_map
    to_torchscript(fitted["pipeline"], tmp_path / "m.pt", sampling_rate=50)
    for meta in (from_ort, read_metadata(onnx_files["pipeline"])):
        assert json.loads(meta["classes"]) == classes
        assert json.loads(meta["channel_names"]) == ["x", "y", "z"]
        assert json.loads(meta["input_shape"]) == ["batch", 3, 128]
        assert meta["vskdlearn_version"] == vskdlearn.__version__
        assert meta["encoder"].startswith("GAFTransformer(")
    scripted = read_metadata(tmp_path / "m.pt")
    assert json.loads(scripted["classes"]) == classes
    assert scripted["sampling_rate_hz"] == "50.0"


def test_int8_model_is_smaller_and_agrees(fitted, utd, tmp_path):
    X, _ = utd
    path = to_onnx(fitted["teacher"], tmp_path / "int8.onnx", quantize="dynamic")
    fp32 = to_onnx(fitted["teacher"], tmp_path / "fp32.onnx")
    assert os.path.getsize(path) < 0.5 * os.path.getsize(fp32)
    assert read_metadata(path)["quantization"].startswith("dynamic int8")
    probabilities = ort.InferenceSession(path).run(None, {"windows": X})[0]
    assert probabilities.shape == (len(X), 27)
    np.testing.assert_allclose(probabilities.sum(axis=1), 1, atol=1e-4)


def test_wrong_window_is_a_clear_onnxruntime_error(onnx_files, utd):
    X, _ = utd
    session = ort.InferenceSession(onnx_files["student"])
    with pytest.raises(Exception, match="windows"):
        session.run(None, {"windows": X[:, :, :100]})
    with pytest.raises(Exception, match="windows"):
        session.run(None, {"windows": X[:, :2]})


def test_refusals(fitted, utd, tmp_path):
    X, y = utd
    target = tmp_path / "m.onnx"
    cases = [
        (DistilledStudentClassifier(), "is not fitted yet"),
        (TeacherClassifier(modality="accelerometer"), "is not fitted yet"),
        (TeacherClassifier(modality="skeleton"), "modality 'skeleton'"),
        (StandardScaler().fit(X[:, 0]), "cannot export a StandardScaler"),
        (
            make_pipeline(StandardScaler(), fitted["student"]),
            "only a Pipeline(GAFTransformer, DistilledStudentClassifier)",
        ),
    ]
    for model, message in cases:
        with pytest.raises(ExportError, match=_literal(message)):
            to_onnx(model, target)
        with pytest.raises(ExportError, match=_literal(message)):
            to_torchscript(model, target)
    with pytest.raises(ExportError, match="not a writable folder"):
        to_onnx(fitted["student"], tmp_path / "missing" / "m.onnx")
    with pytest.raises(ExportError, match="quantize must be None or 'dynamic'"):
        to_onnx(fitted["student"], target, quantize="static")
    with pytest.raises(ExportError, match="channel_names has 2 names"):
        to_onnx(fitted["student"], target, channel_names=["x", "y"])
    images = fitted["pipeline"][-1]
    with pytest.raises(ExportError, match="fitted on GAF images"):
        to_onnx(images, target)


def _literal(message):
    import re

    return re.escape(message)


def test_frozen_and_searched_models_are_unwrapped(fitted, utd, tmp_path):
    from sklearn.frozen import FrozenEstimator
    from sklearn.model_selection import GridSearchCV

    X, _ = utd
    search = GridSearchCV(fitted["student"], {"lr": [1e-3]})
    search.best_estimator_ = fitted["student"]  # as a fitted search holds it
    for wrapped in (FrozenEstimator(fitted["teacher"]), search):
        path = to_onnx(wrapped, tmp_path / "m.onnx")
        probabilities = ort.InferenceSession(path).run(None, {"windows": X})[0]
        inner = getattr(wrapped, "best_estimator_", None) or wrapped.estimator
        np.testing.assert_allclose(probabilities, inner.predict_proba(X), atol=1e-4)
