# Authors: The fasthash developers
# SPDX-License-Identifier: BSD-3-Clause
"""The Examples sections of the public docstrings run and print what they show."""

import doctest
import importlib

import pytest

MODULES = [
    "fasthash.feature_extraction.text",
    "fasthash.utils._murmur",
    "fasthash.utils._threads",
    "fasthash.utils._parallel",
    "fasthash.utils._solver_copies",
    "fasthash._corpus",
    "fasthash._show_versions",
    "fasthash.linear_model._averaging",
    "fasthash.ensemble._merge",
    "fasthash.model_selection._prefix",
    "fasthash.model_selection._search",
    "fasthash.model_selection._validation",
    "fasthash.feature_extraction._hash",
    "fasthash.feature_extraction._inverse",
]


@pytest.mark.parametrize("name", MODULES)
def test_docstring_examples(name):
    module = importlib.import_module(name)
    result = doctest.testmod(module, optionflags=doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE)
    assert result.attempted > 0
    assert result.failed == 0
