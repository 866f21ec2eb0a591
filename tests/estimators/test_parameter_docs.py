"""The estimators' docstrings document every parameter, the shared ones filled in."""

import inspect
import re

import pytest

from vskdlearn import DistilledStudentClassifier, TeacherClassifier


@pytest.mark.parametrize("estimator", [TeacherClassifier, DistilledStudentClassifier])
def test_every_parameter_is_documented(estimator):
    doc = estimator.__doc__
    assert not re.search(r"^\s*\{\w+\}\s*$", doc, re.MULTILINE), "unfilled placeholder"
    for parameter in inspect.signature(estimator).parameters.values():
        name = parameter.name
        if parameter.kind is parameter.VAR_KEYWORD:
            name = f"**{name}"
        assert re.search(rf"^    {re.escape(name)}( :|$)", doc, re.MULTILINE), name
    for attribute in ("classes_", "device_", "net_", "history_"):
        assert re.search(rf"^    {attribute} :", doc, re.MULTILINE), attribute
