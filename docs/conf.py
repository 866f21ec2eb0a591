"""Sphinx configuration for vskdlearn."""

import os
import warnings

import vskdlearn

project = "vskdlearn"
author = "vskdlearn developers"
copyright = "2026, vskdlearn developers"
release = vskdlearn.__version__
version = release

extensions = [
    "sphinx.ext.autodoc",
    "sphinx.ext.autosummary",
    "sphinx.ext.intersphinx",
    "sphinx.ext.mathjax",
    "numpydoc",
    "sphinx_gallery.gen_gallery",
]

autosummary_generate = True
# Inherited members are off by default, but not named here: Sphinx lets a
# non-string default override a directive's own option, which would switch off
# the estimator template's :inherited-members: (predict, score, embed, ...).
autodoc_default_options = {"members": True}
numpydoc_show_class_members = False
numpydoc_class_members_toctree = False

templates_path = ["_templates"]
exclude_patterns = ["_build", "Thumbs.db", ".DS_Store"]

html_theme = "pydata_sphinx_theme"
html_static_path = ["_static"]
html_css_files = ["vskdlearn.css"]
# "predict", not "DistilledStudentClassifier.predict" cut off in the page's TOC.
toc_object_entries_show_parents = "hide"
html_title = "vskdlearn"

# No network here: intersphinx inventories cannot be fetched, so none are named.
intersphinx_mapping = {}

sphinx_gallery_conf = {
    "examples_dirs": "../examples",
    "gallery_dirs": "auto_examples",
    "filename_pattern": r"/plot_",
    "download_all_examples": False,
    "remove_config_comments": True,
    "plot_gallery": os.environ.get("VSKD_DOCS_PLOT_GALLERY", "True"),
    "within_subsection_order": "FileNameSortKey",
}

# Matplotlib's Agg backend warns when an example calls plt.show().
warnings.filterwarnings("ignore", message="FigureCanvasAgg is non-interactive")


def _link_sklearn_references(app, what, name, obj, options, lines):
    # scikit-learn generates the set_*_request docstrings with references into
    # its own docs, which this build cannot resolve without intersphinx.
    for i, line in enumerate(lines):
        line = line.replace(":term:`meta-estimator`", "meta-estimator")
        lines[i] = line.replace(
            ":ref:`User Guide <metadata_routing>`",
            "`User Guide <https://scikit-learn.org/stable/metadata_routing.html>`__",
        )


def setup(app):
    app.connect("autodoc-process-docstring", _link_sklearn_references)
