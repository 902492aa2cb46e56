"""Sphinx configuration of fastsom's documentation site.

Build: ``pip install -e ".[docs]"`` then ``python -m sphinx -W docs docs/_build/html``
(warnings are errors, so a broken reference or a failing gallery example fails
the build). The build needs no internet: intersphinx reads inventories from
files, never from the network (see ``_inventories/README.txt``).
"""

import os
import sys
from pathlib import Path

DOCS = Path(__file__).resolve().parent
ROOT = DOCS.parent
# The fastsom next to these sources, installed or not: the docs describe this tree.
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(DOCS))  # gallery_scraper: Sphinx pickles the config, so it needs an importable class

from gallery_scraper import TightScraper  # noqa: E402

import fastsom  # noqa: E402

project = "fastsom"
author = "the fastsom developers"
copyright = "the fastsom developers, MIT licence"
release = fastsom.__version__
version = release

extensions = [
    "sphinx.ext.autodoc",
    "sphinx.ext.autosummary",
    "sphinx.ext.intersphinx",
    "sphinx.ext.mathjax",
    "numpydoc",
    "sphinx_gallery.gen_gallery",
]

templates_path = ["_templates"]
# docs/ also holds the README's pictures and the bench's curves.json: not pages.
exclude_patterns = ["_build", "_inventories", "auto_examples/*.ipynb", "auto_examples/*.py",
                    "auto_examples/*.zip", "auto_examples/*.md5", "auto_examples/*.json"]
source_suffix = {".rst": "restructuredtext"}
root_doc = "index"
default_role = "literal"

# --- API reference ---------------------------------------------------------
autosummary_generate = True
autosummary_imported_members = False
autodoc_default_options = {"member-order": "groupwise"}
autodoc_typehints = "none"  # numpydoc's Parameters sections say the types
# Methods and attributes get their own entries through the class template;
# numpydoc's member tables would list them a second time.
numpydoc_show_class_members = False
numpydoc_xref_param_type = False
numpydoc_validation_checks = set()

# --- Links to Python, NumPy, scikit-learn -------------------------------------
# Inventories are read from files only, so the build needs no internet. Python's
# and scikit-learn's ship in _inventories/ (taken from Debian's python3.11-doc
# and python-sklearn-doc packages); NumPy's documentation has no such package,
# so NumPy names link only when FASTSOM_DOCS_INVENTORIES points to a folder
# holding numpy.inv (for example one saved from numpy.org/doc/stable/objects.inv).
_INVENTORY_DIRS = [DOCS / "_inventories"]
if os.environ.get("FASTSOM_DOCS_INVENTORIES"):
    _INVENTORY_DIRS.insert(0, Path(os.environ["FASTSOM_DOCS_INVENTORIES"]))
_TARGETS = {
    "python": "https://docs.python.org/3",
    "numpy": "https://numpy.org/doc/stable",
    "sklearn": "https://scikit-learn.org/stable",
}
intersphinx_mapping = {}
for _name, _url in _TARGETS.items():
    _found = [d / f"{_name}.inv" for d in _INVENTORY_DIRS if (d / f"{_name}.inv").is_file()]
    if _found:
        intersphinx_mapping[_name] = (_url, str(_found[0]))
intersphinx_timeout = 1

# --- Gallery ---------------------------------------------------------------


sphinx_gallery_conf = {
    "examples_dirs": str(ROOT / "examples"),
    "gallery_dirs": "auto_examples",
    # Every script runs at build time; one that raises fails the build.
    "filename_pattern": r"/plot_",
    "abort_on_example_error": True,
    "only_warn_on_example_error": False,
    "download_all_examples": False,
    "remove_config_comments": True,
    "within_subsection_order": "FileNameSortKey",
    "image_scrapers": (TightScraper(),),
    "matplotlib_animations": False,
    "reference_url": {"fastsom": None},
    "backreferences_dir": None,
    "show_memory": False,
    # The timings page loads jQuery and DataTables from CDNs: no page may need the internet.
    "write_computation_times": False,
    "plot_gallery": "True",
}

# --- HTML ------------------------------------------------------------------
html_theme = "pydata_sphinx_theme"
html_title = f"fastsom {release}"
html_theme_options = {
    "navigation_with_keys": False,
    "show_prev_next": True,
    "secondary_sidebar_items": ["page-toc"],
    "footer_start": ["copyright"],
    "footer_end": ["sphinx-version", "theme-version"],
}
html_static_path = []
html_show_sourcelink = False
# Offline readers: no external fonts or analytics are requested by the theme.
html_context = {"default_mode": "light"}
