"""scikit-learn's shared estimator checks.

The checks feed 2-D tables of numbers, so they run on the configurations
that take them: a teacher on a one-channel sensor series and the student
trained alone (with a teacher, ``fit`` needs ``teacher_X``, which the checks
cannot give; the distillation paths are tested in the other files).
"""

from sklearn.utils.estimator_checks import parametrize_with_checks

from vskdlearn import DistilledStudentClassifier, TeacherClassifier

# Expected failures, each with the reason. Keep this list short. (It is empty:
# check_do_not_raise_errors_in_init_or_set_params, which passes kwargs=... to
# __init__ and then set_params, passes since get_params reports every keyword
# the estimator was given, so that clones carry misspellings to fit.)
EXPECTED_FAILED_CHECKS = {}


@parametrize_with_checks(
    [
        TeacherClassifier("accelerometer", max_epochs=5, random_state=0),
        DistilledStudentClassifier(distillation="none", max_epochs=5, random_state=0),
    ],
    expected_failed_checks=lambda estimator: EXPECTED_FAILED_CHECKS,
)
def test_sklearn_compatible(estimator, check):
    check(estimator)
