# Authors: The fasthash developers
# SPDX-License-Identifier: BSD-3-Clause
"""Sphinx configuration of the fasthash documentation.

Build (from the repository root, after ``pip install ".[docs]"``)::

    python3 -m sphinx -W -b html docs docs/_build/html

``FASTHASH_DOCS_FAST=1`` skips the execution of the slow gallery examples (their code is
still shown); the user guide and the API reference are always built.
"""

import os
import re
import sys
import time
from pathlib import Path

import fasthash

DOCS_DIR = Path(__file__).resolve().parent
REPO_ROOT = DOCS_DIR.parent
sys.path.insert(0, str(DOCS_DIR / "_ext"))

# -- Project -----------------------------------------------------------------------------
project = "fasthash"
author = "The fasthash developers"
copyright = f"{time.strftime('%Y')}, {author}"
version = release = fasthash.__version__

# The repository and the published site (also in pyproject.toml's [project.urls]).
REPOSITORY_URL = "https://github.com/fasthash/fasthash"

extensions = [
    "sphinx.ext.autodoc",
    "sphinx.ext.autosummary",
    "sphinx.ext.mathjax",
    "sphinx.ext.viewcode",
    "numpydoc",
    "myst_parser",
    "sphinx_gallery.gen_gallery",
    "sphinxarg.ext",
    "fasthash_api",
]

source_suffix = {".rst": "restructuredtext", ".md": "markdown"}
root_doc = "index"
exclude_patterns = ["_build", "**/README.md", "auto_examples/*.ipynb"]
templates_path = ["_templates"]
html_static_path = ["_static"]
html_css_files = ["fasthash.css"]

# -- MyST (the Markdown pages) -------------------------------------------------------------
myst_enable_extensions = ["colon_fence", "deflist", "dollarmath", "attrs_inline"]
myst_heading_anchors = 3

# -- autodoc / autosummary / numpydoc ------------------------------------------------------
autosummary_generate = True
autodoc_default_options = {"members": True, "show-inheritance": True}
autodoc_typehints = "none"
# "Bases: sklearn.feature_extraction.text.HashingVectorizer", not an ambiguous short name.
autodoc_typehints_format = "fully-qualified"
numpydoc_show_class_members = False
numpydoc_class_members_toctree = False
numpydoc_attributes_as_param_list = True

# -- sphinx-gallery ------------------------------------------------------------------------
# Examples whose execution takes long enough to skip in the fast mode (CI).
SLOW_EXAMPLES = ("plot_dask_local_cluster.py",)
fast = os.environ.get("FASTHASH_DOCS_FAST", "") not in ("", "0")
if fast:
    run_pattern = r"/plot_(?!" + "|".join(re.escape(n[5:]) for n in SLOW_EXAMPLES) + r")"
else:
    run_pattern = r"/plot_"

sphinx_gallery_conf = {
    "examples_dirs": str(REPO_ROOT / "examples"),
    "gallery_dirs": "auto_examples",
    "filename_pattern": run_pattern,
    "doc_module": ("fasthash",),
    "backreferences_dir": "gen_modules/backreferences",
    "reference_url": {"fasthash": None},
    "download_all_examples": False,
    "remove_config_comments": True,
    "within_subsection_order": "FileNameSortKey",
    "matplotlib_animations": False,
    "show_memory": False,
    "capture_repr": ("_repr_html_", "__repr__"),
    "image_scrapers": ("matplotlib",),
    # Every example must run without warnings turned into errors elsewhere in the build.
    "only_warn_on_example_error": False,
    "abort_on_example_error": True,
}

# -- HTML ----------------------------------------------------------------------------------
html_theme = "pydata_sphinx_theme"
html_title = f"fasthash {release}"
html_show_sourcelink = False
html_theme_options = {
    "github_url": REPOSITORY_URL,
    "navbar_align": "left",
    "show_toc_level": 2,
    "navigation_with_keys": False,
    "footer_start": ["copyright"],
    "footer_end": ["sphinx-version", "theme-version"],
    "secondary_sidebar_items": ["page-toc"],
}
html_context = {"default_mode": "light"}
# Pages without sub-pages get no (empty) section navigation.
html_sidebars = {page: [] for page in ("index", "install", "cli", "benchmarks", "changelog")}


def _skip_foreign_members(app, what, name, obj, skip, options):
    """Document fasthash's own methods only.

    Members a class inherits or receives from scikit-learn (``set_fit_request`` and the
    other metadata-routing methods scikit-learn attaches to every estimator, ``get_params``,
    ...) are documented by scikit-learn; the class page shows its scikit-learn base.
    """
    module = getattr(obj, "__module__", None) or ""
    if what == "class" and callable(obj) and not module.startswith("fasthash"):
        return True
    return skip


def setup(app):
    app.connect("autodoc-skip-member", _skip_foreign_members)
