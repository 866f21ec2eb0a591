"""Vision-to-sensor knowledge distillation for human activity recognition.

The estimators are imported lazily so that ``import vskdlearn`` stays fast
(torch and skorch load on first use, and ``pyts.image`` is never imported).
"""

import importlib

__version__ = "0.1.0.dev0"

_LAZY = {
    "GAFTransformer": "vskdlearn.gaf",
    "TeacherClassifier": "vskdlearn.estimators",
    "DistilledStudentClassifier": "vskdlearn.estimators",
    "Modalities": "vskdlearn.modalities",
    "TeacherOutputs": "vskdlearn.estimators",
}

__all__ = [*_LAZY, "__version__"]


def __getattr__(name):
    if name in _LAZY:
        value = getattr(importlib.import_module(_LAZY[name]), name)
        globals()[name] = value
        return value
    raise AttributeError(f"module 'vskdlearn' has no attribute {name!r}")


def __dir__():
    return sorted(__all__)
