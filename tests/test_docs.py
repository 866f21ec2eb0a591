"""The documentation's reStructuredText says what its author meant.

Parsed with docutils alone (no Sphinx build): cheap enough for every test run.
"""

import re
from pathlib import Path

import pytest

docutils_core = pytest.importorskip("docutils.core")
from docutils import nodes  # noqa: E402

DOCS = Path(__file__).parents[1] / "docs"
# A directive (".. csv-table::", ".. image::") at the start of a line.
DIRECTIVE = re.compile(r"^\s*\.\. [A-Za-z][\w:-]*::", re.MULTILINE)


def _literal_blocks(text, source):
    # Sphinx's own directives and roles are unknown to plain docutils: report
    # nothing, halt on nothing; literal blocks are parsed all the same.
    tree = docutils_core.publish_doctree(
        text,
        source_path=str(source),
        settings_overrides={
            "report_level": 5,
            "halt_level": 5,
            "file_insertion_enabled": False,
            "raw_enabled": False,
        },
    )
    # An unknown directive's error message quotes its source in a literal
    # block of its own: not part of the page.
    for message in list(tree.findall(nodes.system_message)):
        message.parent.remove(message)
    return [node.astext() for node in tree.findall(nodes.literal_block)]


def _directives_in_literal_blocks(path):
    blocks = _literal_blocks(path.read_text(encoding="utf-8"), path)
    return [m.group().strip() for b in blocks for m in DIRECTIVE.finditer(b)]


def test_the_check_sees_a_directive_swallowed_by_a_literal_block(tmp_path):
    # What docs/benchmarks/results.rst once did: the table below "Command::"
    # was indented, so it rendered as source text inside the command's block.
    page = tmp_path / "page.rst"
    page.write_text("Command::\n\n    vskd run\n\n   .. csv-table::\n\n      a, b\n")
    assert _directives_in_literal_blocks(page) == [".. csv-table::"]
    page.write_text("Command::\n\n    vskd run\n\n.. csv-table::\n\n   a, b\n")
    assert _directives_in_literal_blocks(page) == []


# The pages written by hand, not those a build generates into docs/.
PAGES = sorted(
    p
    for p in DOCS.rglob("*.rst")
    if not {"auto_examples", "gen_modules", "_templates"} & set(p.parts)
    and p.name != "sg_execution_times.rst"
)


@pytest.mark.parametrize("path", PAGES, ids=lambda p: str(p.relative_to(DOCS)))
def test_no_directive_renders_as_source_text(path):
    assert _directives_in_literal_blocks(path) == [], (
        f"{path.relative_to(DOCS.parent)}: a directive sits inside a literal block "
        "(indented under a '::' paragraph) and renders as text; dedent it."
    )
