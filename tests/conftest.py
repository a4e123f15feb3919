# Authors: The fasthash developers
# SPDX-License-Identifier: BSD-3-Clause
"""Suite-wide pytest configuration: helpers on sys.path, hypothesis profiles, fixtures.

Environment variables
---------------------
HYPOTHESIS_PROFILE
    ``dev`` (~100 examples per test) or ``ci`` (~200 examples, derandomized). Default:
    ``ci`` when ``CI`` is set, else ``dev``. ``thorough`` (3000 examples) hunts bugs.
FASTHASH_TESTS_GLOBAL_RANDOM_SEED
    Seed(s) of the ``global_random_seed`` fixture: an int, a range ``"0-99"``, or
    ``"all"`` (= ``"0-99"``). Default 42. Tests using the fixture pass for any seed in
    0-99; set the variable to reproduce a failure seen with another seed.
"""

import os
import sys
import warnings

import pytest

_TESTS_DIR = os.path.dirname(os.path.abspath(__file__))
if _TESTS_DIR not in sys.path:  # `import _helpers` under --import-mode=importlib
    sys.path.insert(0, _TESTS_DIR)

try:
    from hypothesis import HealthCheck, settings
except ImportError:  # pragma: no cover - hypothesis is in the `test` extra
    settings = None

if settings is not None:
    # When a property fails, hypothesis' pytest plugin imports its patch writer, which
    # imports libcst, which may emit a DeprecationWarning at import time: under
    # ``filterwarnings = error`` that turns the failure report into a pytest INTERNALERROR
    # that hides the falsifying example. Import it once here, warnings silenced.
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            import hypothesis.extra._patching  # noqa: F401
        except Exception:  # noqa: BLE001 - optional (libcst missing, private API moved)
            pass

    settings.register_profile(
        "dev",
        max_examples=100,
        deadline=None,  # first calls import/compile; timing is not what these tests check
        suppress_health_check=[HealthCheck.too_slow],
    )
    settings.register_profile(
        "ci",
        max_examples=200,
        deadline=None,
        derandomize=True,
        database=None,
        print_blob=True,
        suppress_health_check=[HealthCheck.too_slow],
    )
    settings.register_profile(  # for bug hunts: HYPOTHESIS_PROFILE=thorough
        "thorough",
        max_examples=3000,
        deadline=None,
        suppress_health_check=[HealthCheck.too_slow],
    )
    settings.load_profile(
        os.environ.get("HYPOTHESIS_PROFILE", "ci" if os.environ.get("CI") else "dev")
    )


def _global_random_seeds():
    value = os.environ.get("FASTHASH_TESTS_GLOBAL_RANDOM_SEED", "").strip()
    if not value:
        return [42]
    if value == "all":
        return list(range(100))
    if "-" in value:
        start, stop = (int(v) for v in value.split("-", 1))
        return list(range(start, stop + 1))
    return [int(value)]


def pytest_generate_tests(metafunc):
    if "global_random_seed" in metafunc.fixturenames:
        metafunc.parametrize("global_random_seed", _global_random_seeds())


@pytest.fixture
def tricky_documents():
    """A fresh list of edge-case documents (str, no lone surrogates)."""
    from _helpers import TRICKY_DOCUMENTS

    return list(TRICKY_DOCUMENTS)
