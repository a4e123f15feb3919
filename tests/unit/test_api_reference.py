# Authors: The fasthash developers
# SPDX-License-Identifier: BSD-3-Clause
"""Every public name has a page in the API reference of the documentation site.

The pages are generated at build time from the ``__all__`` of the modules listed in
``docs/_ext/fasthash_api.py``; these tests check that the list covers every public module
of the installed package, and that every name of every ``__all__`` gets a page.
"""

import importlib
import importlib.util
import pkgutil
from pathlib import Path

import pytest

import fasthash

GENERATOR = Path(__file__).resolve().parents[2] / "docs" / "_ext" / "fasthash_api.py"
if not GENERATOR.exists():  # tests run from an sdist or a copy without docs/
    pytest.skip("docs/_ext/fasthash_api.py is not there", allow_module_level=True)


@pytest.fixture(scope="module")
def api():
    pytest.importorskip("dask", reason="fasthash.dask is part of the API reference")
    pytest.importorskip("distributed", reason="fasthash.dask is part of the API reference")
    spec = importlib.util.spec_from_file_location("fasthash_api", GENERATOR)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _public_modules():
    names = ["fasthash"]
    for info in pkgutil.walk_packages(fasthash.__path__, prefix="fasthash."):
        if not any(part.startswith("_") for part in info.name.split(".")):
            names.append(info.name)
    return names


def test_every_public_module_is_in_the_reference(api):
    for name in _public_modules():
        internal = any(name == m or name.startswith(m + ".") for m in api.INTERNAL_MODULES)
        assert name in api.PUBLIC_MODULES or internal, (
            f"{name} is a public module (no leading underscore) but is neither in "
            "PUBLIC_MODULES nor in INTERNAL_MODULES of docs/_ext/fasthash_api.py"
        )
    for name in api.INTERNAL_MODULES:
        module = importlib.import_module(name)
        assert not getattr(module, "__all__", None), f"{name} exports names: document them"


def test_every_name_of_every_all_has_a_page(api):
    entries = api.api_entries()
    assert list(entries) == list(api.PUBLIC_MODULES)
    pages = {}  # canonical path -> the module page that creates it
    for module_name, rows in entries.items():
        module = importlib.import_module(module_name)
        assert [name for name, _, _ in rows] == list(module.__all__)
        page = api.module_page(module_name, rows)
        for name, path, kind in rows:
            if kind == "data":
                assert path in api.DATA, f"{path}: data without a description"
                assert f".. data:: {path}" in page
                continue
            # The page documents the very object the module exports.
            home, attr = path.rsplit(".", 1)
            assert getattr(importlib.import_module(home), attr) is getattr(module, name)
            if home == module_name:
                pages[path] = module_name
                assert f"\n   {attr}\n" in page.split(":toctree: generated/", 1)[1], path
            else:
                assert f":py:obj:`{name} <{path}>`" in page, path
    # Every link points to a page that some module creates.
    for rows in entries.values():
        for _, path, kind in rows:
            assert kind == "data" or path in pages, path


def test_a_new_public_name_gets_a_page(api, monkeypatch):
    import fasthash.datasets

    def load_something():
        """Load something."""

    monkeypatch.setattr(fasthash.datasets, "load_something", load_something, raising=False)
    monkeypatch.setattr(
        fasthash.datasets, "__all__", [*fasthash.datasets.__all__, "load_something"]
    )
    rows = api.api_entries()["fasthash.datasets"]
    assert ("load_something", "fasthash.datasets.load_something", "function") in rows
    assert "\n   load_something\n" in api.module_page("fasthash.datasets", rows)


def test_objects_exported_twice_have_one_page(api):
    entries = api.api_entries()
    top = {name: path for name, path, _ in entries["fasthash"]}
    assert top["HashingVectorizer"] == "fasthash.feature_extraction.HashingVectorizer"
    assert top["average_models"] == "fasthash.linear_model.average_models"
    assert top["show_versions"] == "fasthash.show_versions"
