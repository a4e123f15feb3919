# Authors: The fasthash developers
# SPDX-License-Identifier: BSD-3-Clause
"""Private copies of scikit-learn's liblinear and libsvm (fasthash.utils._solver_copies)."""

import sys
import threading

import numpy as np
import pytest
import scipy.sparse as sp
import sklearn.svm._base as svm_base
import sklearn.svm._liblinear as sk_liblinear
from sklearn.svm import SVC, LinearSVC

from fasthash.utils import _solver_copies as copies

pytestmark = pytest.mark.skipif(
    not sys.platform.startswith("linux"), reason="private solver copies are made on Linux"
)


@pytest.fixture(scope="module")
def data():
    rng = np.random.RandomState(0)
    X = sp.random(1200, 3000, density=0.01, format="csr", random_state=rng)
    y = rng.randint(0, 4, 1200)
    return X, y


def _own_copies():
    """The copy set the calling thread holds inside private_solvers()."""
    return copies._local.copies


def test_copies_are_loaded_and_have_their_own_generator():
    with copies.private_solvers():
        held = _own_copies()
    assert copies.solver_copies_unavailable() is None
    assert set(held) == {"liblinear", "libsvm", "libsvm_sparse"}
    for name, module in held.items():
        original = svm_base.__dict__[name]._module
        assert module is not original
        where = module.__file__
        assert copies._rng_address(where) != copies._rng_address(original.__file__)


def test_routers_reach_the_copy_only_inside_the_block():
    with copies.private_solvers():
        inside = svm_base.liblinear.train_wrap
        held = _own_copies()
    assert inside is held["liblinear"].train_wrap
    assert inside is not sk_liblinear.train_wrap
    # outside any block (and in any thread that holds none) scikit-learn's own module
    assert svm_base.liblinear.train_wrap is sk_liblinear.train_wrap
    seen = []
    thread = threading.Thread(target=lambda: seen.append(svm_base.liblinear.train_wrap))
    thread.start()
    thread.join()
    assert seen == [sk_liblinear.train_wrap]


def test_nested_blocks_keep_the_outer_copies():
    with copies.private_solvers():
        outer = _own_copies()
        with copies.private_solvers():
            assert _own_copies() is outer
        assert _own_copies() is outer
    assert _own_copies() is None


@pytest.mark.filterwarnings("ignore:The `probability` parameter was deprecated:FutureWarning")
@pytest.mark.filterwarnings("ignore:Attribute `prob:FutureWarning")
@pytest.mark.parametrize(
    "make",
    [
        lambda i: LinearSVC(random_state=i, max_iter=2000),
        lambda i: SVC(probability=True, random_state=i),
    ],
    ids=["LinearSVC", "SVC-probability"],
)
def test_fits_run_at_the_same_time_and_equal_sequential_ones(data, make):
    X, y = data
    parts = [(X[:600], y[:600]), (X[600:], y[600:])]
    want = [make(i).fit(*p) for i, p in enumerate(parts)]
    for _ in range(3):
        got = [None, None]
        errors = []
        # Both threads must be inside their blocks at once: with one lock instead of
        # copies, the barrier would time out.
        barrier = threading.Barrier(2, timeout=30)

        def fit(i, barrier, got, errors):
            try:
                with copies.private_solvers():
                    barrier.wait()
                    got[i] = make(i).fit(*parts[i])
            except BaseException as exc:  # noqa: BLE001 - reported below
                errors.append(exc)

        threads = [
            threading.Thread(target=fit, args=(i, barrier, got, errors)) for i in range(2)
        ]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        assert not errors, errors
        for a, b in zip(got, want):
            if hasattr(b, "coef_") and not sp.issparse(b.coef_):
                assert a.coef_.tobytes() == b.coef_.tobytes()
            else:
                assert a.dual_coef_.toarray().tobytes() == b.dual_coef_.toarray().tobytes()
                # the probability model is fitted by an internal CV shuffled by the RNG
                assert a.predict_proba(X).tobytes() == b.predict_proba(X).tobytes()


def test_without_copies_blocks_hold_one_lock(monkeypatch, data):
    X, y = data
    monkeypatch.setattr(copies, "_free", [])
    monkeypatch.setattr(copies, "_unavailable", "RuntimeError: no copies in this test")
    probe = []

    def try_lock():
        got = copies._serial_lock.acquire(blocking=False)
        if got:
            copies._serial_lock.release()
        probe.append(got)

    with copies.private_solvers():
        assert _own_copies() is None
        with copies.private_solvers():  # reentrant: a nested block does not deadlock
            coef = LinearSVC(random_state=0).fit(X, y).coef_
        other = threading.Thread(target=try_lock)
        other.start()
        other.join()
    assert probe == [False]  # another thread could not enter meanwhile
    assert coef.tobytes() == LinearSVC(random_state=0).fit(X, y).coef_.tobytes()
    try_lock()
    assert probe == [False, True]


def test_a_failed_copy_falls_back_to_the_lock(monkeypatch):
    monkeypatch.setattr(copies, "_free", [])
    monkeypatch.setattr(copies, "_unavailable", None)

    def refuse(module, serial):
        raise OSError("memfd_create refused")

    monkeypatch.setattr(copies, "_load_copy", refuse)
    with copies.private_solvers():
        assert _own_copies() is None
        assert copies._serial_lock._is_owned()
    assert copies.solver_copies_unavailable() == "OSError: memfd_create refused"


def test_routers_come_back_after_sklearn_svm_base_is_reloaded(monkeypatch):
    with copies.private_solvers():
        pass
    # as importlib.reload would leave it: scikit-learn's plain modules in the globals
    for name in ("liblinear", "libsvm", "libsvm_sparse"):
        monkeypatch.setattr(svm_base, name, svm_base.__dict__[name]._module)
    with copies.private_solvers():
        assert svm_base.liblinear.train_wrap is _own_copies()["liblinear"].train_wrap
