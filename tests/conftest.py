# Authors: The fasthash developers
# SPDX-License-Identifier: BSD-3-Clause
"""Suite-wide pytest configuration: helpers on sys.path, hypothesis profiles, fixtures.

Environment variables
---------------------
HYPOTHESIS_PROFILE
    ``dev`` (~100 examples per test) or ``ci`` (~200 examples, derandomized). Default:
    ``ci`` when ``CI`` is set, else ``dev``. ``thorough`` (3000 examples) hunts bugs.
PYTEST_XDIST_AUTO_NUM_WORKERS
    pytest-xdist's: the number of worker processes (default: one per core, see
    ``pytest_cmdline_main``; ``-n 0`` runs serially).
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


# Tests that must share one pytest-xdist worker, by node id prefix (node ids are relative to
# the repository): name of their group. Applied by the scheduler below, so that it works
# whatever the pytest version (pytest-xdist's own ``xdist_group`` marks are ignored since
# pytest 9.2: pytest-xdist#1386).
XDIST_GROUPS = {
    # One LocalCluster (tests/dask/conftest.py: session-scoped, 2 worker processes) per run
    # instead of one per xdist worker, each starting in seconds on an already busy machine.
    "tests/dask/": "dask",
    # Each builds a huge document (up to ~2.5 GB in its interpreter): one at a time, as in a
    # serial run, not one per worker at once (-n auto on many cores could exhaust memory).
    "tests/unit/test_interrupts.py::test_ctrl_c_inside_one_huge_document[": "huge_documents",
    "tests/unit/test_interrupts.py::test_ctrl_c_inside_the_merge_of_one_huge_row": (
        "huge_documents"
    ),
    "tests/unit/test_interrupts.py::test_ctrl_c_inside_a_huge_arrow_document": "huge_documents",
}


@pytest.hookimpl(hookwrapper=True)
def pytest_cmdline_main(config):
    """Run the suite on every core with pytest-xdist unless told otherwise.

    With pytest-xdist (in the ``test`` extra) and none of ``-n``, ``--tx``, ``--dist`` on
    the command line, this is ``-n auto --dist loadgroup``: one worker process per core
    (``PYTEST_XDIST_AUTO_NUM_WORKERS`` overrides), the tests of each group of
    ``XDIST_GROUPS`` on one worker. ``-n 0`` or ``-p no:xdist`` runs serially, ``-n N`` on
    N workers (``loadgroup`` unless ``--dist`` says otherwise), ``--pdb`` serially; without
    pytest-xdist the suite runs serially. A hook and not ``-n`` in ``addopts``: ``addopts``
    would apply to ``bench/`` too (pytest-benchmark turns itself off under xdist) and would
    make pytest refuse to start without pytest-xdist.

    Only in the controlling process (an xdist worker, ``config.workerinput``, is handed
    ``numprocesses=None`` and must stay a worker). A hook wrapper, so that it runs before
    xdist's own ``pytest_cmdline_main``; this conftest is an initial one (tests/), which is
    where pytest calls this hook.
    """
    option = config.option
    if (
        config.pluginmanager.hasplugin("xdist")
        and not hasattr(config, "workerinput")
        and option.dist == "no"
        and not option.distload
    ):
        if option.numprocesses is None and not option.tx:
            option.numprocesses = "auto"
        if option.numprocesses or option.tx:
            option.dist = "loadgroup"
            if not option.collectonly:
                _import_fasthash_once()
    yield


@pytest.hookimpl(optionalhook=True)
def pytest_xdist_make_scheduler(config, log):
    """``--dist loadgroup`` with the groups of ``XDIST_GROUPS``; every other test is
    scheduled on its own, as ``--dist load`` does."""
    if config.getvalue("dist") != "loadgroup":
        return None
    from xdist.scheduler import LoadGroupScheduling

    class Scheduling(LoadGroupScheduling):
        def _split_scope(self, nodeid):
            for prefix, group in XDIST_GROUPS.items():
                if nodeid.startswith(prefix):
                    return group
            return super()._split_scope(nodeid)

    return Scheduling(config, log)


def _import_fasthash_once():
    """Import fasthash in the controlling process before the workers start: with the
    editable install (CONTRIBUTING.md) the import rebuilds what changed, once, instead of in
    every worker at the same time in the same build directory."""
    try:
        import fasthash  # noqa: F401
    except Exception:  # noqa: BLE001 - the workers report it, as a serial run would
        pass


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
