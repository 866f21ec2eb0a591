"""scikit-learn estimators: the teacher and the distilled student.

Both own a skorch net built in ``fit`` from the data; see ``_base.py`` for
why they wrap skorch rather than subclass it.
"""

from ._student import DistilledStudentClassifier
from ._teacher import TeacherClassifier
from ._teacher_outputs import AttentionPairingError, TeacherOutputs

__all__ = [
    "AttentionPairingError",
    "DistilledStudentClassifier",
    "TeacherClassifier",
    "TeacherOutputs",
]
