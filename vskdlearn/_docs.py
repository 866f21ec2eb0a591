"""Docstring parts written once and filled into every docstring that shares them.

As imbalanced-learn substitutes its shared docs: a docstring holds a
placeholder line ``{name}`` and :func:`fill_docs` replaces it with the text
for ``name``, at the placeholder's indentation (Python 3.13 strips
docstrings' indentation, older versions keep it).
"""

import re
import textwrap

__all__ = ["fill_docs"]

_PLACEHOLDER = re.compile(r"^( *)\{(\w+)\}\n", re.MULTILINE)


def fill_docs(documented, texts):
    """Fill ``texts[name]`` into ``documented``'s docstring at each ``{name}`` line.

    Returns ``documented``, so that it can serve as a decorator's body.
    """
    names = [m.group(2) for m in _PLACEHOLDER.finditer(documented.__doc__ or "")]
    if not names:
        raise AssertionError(f"{documented.__name__}'s docstring has no placeholder")
    unknown = sorted(set(names) - set(texts))
    if unknown:
        raise AssertionError(f"{documented.__name__}: no shared docs for {unknown}")
    documented.__doc__ = _PLACEHOLDER.sub(
        lambda m: textwrap.indent(texts[m.group(2)], m.group(1)), documented.__doc__
    )
    return documented
