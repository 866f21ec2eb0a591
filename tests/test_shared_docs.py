"""Every docstring in vskdlearn/ has its shared parts filled in.

Shared parameter docs are written once and filled in at import time (see
``vskdlearn/_docs.py``); a placeholder line left in a rendered docstring
means a decorator is missing.
"""

import importlib
import inspect
import pkgutil
import re

import vskdlearn

PLACEHOLDER = re.compile(r"^\s*\{\w+\}\s*$", re.MULTILINE)


def _documented():
    for info in pkgutil.walk_packages(vskdlearn.__path__, "vskdlearn."):
        if info.name.endswith("__main__"):  # runs the command line
            continue
        module = importlib.import_module(info.name)
        yield info.name, module
        for name, value in vars(module).items():
            if getattr(value, "__module__", None) != info.name:
                continue
            yield f"{info.name}.{name}", value
            if inspect.isclass(value):
                for attribute, member in vars(value).items():
                    yield f"{info.name}.{name}.{attribute}", member


def test_no_placeholder_is_left_in_a_docstring():
    unfilled = sorted(
        name
        for name, value in _documented()
        if isinstance(getattr(value, "__doc__", None), str)
        and PLACEHOLDER.search(value.__doc__)
    )
    assert not unfilled, f"docstrings with an unfilled {{placeholder}}: {unfilled}"


def test_no_docstring_escapes_braces_that_nothing_formats():
    # The docs are filled line by line, never with str.format: "{{" is shown
    # to the reader as it is.
    doubled = sorted(
        name
        for name, value in _documented()
        if isinstance(getattr(value, "__doc__", None), str) and "{{" in value.__doc__
    )
    assert not doubled, f"docstrings with doubled braces: {doubled}"
