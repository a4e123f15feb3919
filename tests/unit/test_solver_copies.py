# Authors: The fasthash developers
# SPDX-License-Identifier: BSD-3-Clause
"""liblinear/libsvm fits in fasthash's workers (fasthash.utils._solver_copies).

By default: one at a time, and nothing in scikit-learn is replaced. Opted in
(``fasthash.config_context(private_solver_copies=True)``): private copies, bounded, with
scikit-learn's module globals replaced only while a fit uses them.
"""

import os
import sys
import threading
import types
from unittest import mock

import numpy as np
import pytest
import scipy.sparse as sp
import sklearn.svm._base as svm_base
import sklearn.svm._liblinear as sk_liblinear
from sklearn.svm import SVC, LinearSVC

import fasthash
from fasthash.exceptions import FasthashWarning
from fasthash.linear_model import AveragedLinearModel
from fasthash.utils import _solver_copies as copies
from fasthash.utils._parallel import private_rng, thread_map

linux_only = pytest.mark.skipif(
    not sys.platform.startswith("linux"), reason="private solver copies are made on Linux"
)

SOLVER_GLOBALS = ("liblinear", "libsvm", "libsvm_sparse")


@pytest.fixture(scope="module")
def data():
    rng = np.random.RandomState(0)
    X = sp.random(1200, 3000, density=0.01, format="csr", random_state=rng)
    y = rng.randint(0, 4, 1200)
    return X, y


def _sklearn_modules_in_place():
    return all(isinstance(getattr(svm_base, name), types.ModuleType) for name in SOLVER_GLOBALS)


def _own_copies():
    """The copy set the calling thread holds inside an opted-in block (None outside)."""
    return getattr(copies._local, "copies", None)


# ---- default: one at a time, scikit-learn untouched -----------------------------------


def test_default_leaves_sklearn_alone_and_mock_patch_works(data):
    X, y = data
    AveragedLinearModel(LinearSVC(random_state=0), n_partitions=2, n_jobs=2).fit(X, y)
    assert svm_base.liblinear is sk_liblinear
    assert _sklearn_modules_in_place()
    # A mock of scikit-learn's solver reaches fasthash's workers too.
    with mock.patch(
        "sklearn.svm._base.liblinear.train_wrap", wraps=sk_liblinear.train_wrap
    ) as spy:
        AveragedLinearModel(LinearSVC(random_state=0), n_partitions=2, n_jobs=2).fit(X, y)
    assert spy.call_count == 2
    assert svm_base.liblinear.train_wrap is sk_liblinear.train_wrap
    with mock.patch.object(svm_base.liblinear, "train_wrap", side_effect=RuntimeError("mocked")):
        with pytest.raises(RuntimeError, match="mocked"):
            AveragedLinearModel(LinearSVC(), n_partitions=2, n_jobs=2).fit(X, y)


def test_default_runs_such_fits_one_at_a_time():
    inside = []
    overlap = []
    lock = threading.Lock()

    def fit(_):
        with private_rng(LinearSVC()):
            with lock:
                inside.append(1)
                overlap.append(len(inside))
            threading.Event().wait(0.05)
            with lock:
                inside.pop()

    thread_map(fit, range(6), n_jobs=2)
    assert max(overlap) == 1
    assert _own_copies() is None and copies._n_active == 0


def test_nested_blocks_do_not_deadlock(data):
    X, y = data
    with copies.isolated_solvers():
        with copies.isolated_solvers():  # as a one-worker pool inside a worker would
            coef = LinearSVC(random_state=0).fit(X, y).coef_
    assert coef.tobytes() == LinearSVC(random_state=0).fit(X, y).coef_.tobytes()


def test_other_fits_stay_parallel():
    from sklearn.linear_model import SGDClassifier

    assert type(private_rng(SGDClassifier())).__name__ == "nullcontext"
    assert type(private_rng(LinearSVC())).__name__ != "nullcontext"


# ---- opted in: private copies --------------------------------------------------------


@linux_only
def test_copies_have_their_own_generator():
    with fasthash.config_context(private_solver_copies=True), copies.isolated_solvers():
        held = _own_copies()
        routed = svm_base.liblinear.train_wrap
    assert copies.solver_copies_unavailable() is None
    assert set(held) == set(SOLVER_GLOBALS)
    for name, module in held.items():
        original = getattr(svm_base, name)
        assert module is not original
        assert copies._rng_address(module.__file__) != copies._rng_address(original.__file__)
    assert routed is held["liblinear"].train_wrap


@linux_only
def test_globals_are_replaced_only_while_a_fit_uses_copies(data):
    X, y = data
    seen = []
    with fasthash.config_context(private_solver_copies=True):
        assert _sklearn_modules_in_place()  # nothing yet
        with copies.isolated_solvers():
            assert not _sklearn_modules_in_place()
            # another thread, outside any block, reaches scikit-learn's own module
            thread = threading.Thread(target=lambda: seen.append(svm_base.liblinear.train_wrap))
            thread.start()
            thread.join()
        AveragedLinearModel(LinearSVC(random_state=0), n_partitions=3, n_jobs=2).fit(X, y)
        assert _sklearn_modules_in_place()
    assert seen == [sk_liblinear.train_wrap]
    assert svm_base.liblinear is sk_liblinear


@linux_only
def test_mock_patch_works_while_copies_are_in_use(data):
    X, y = data
    with fasthash.config_context(private_solver_copies=True), copies.isolated_solvers():
        # The target is fasthash's forwarding object now: the patch goes to scikit-learn's
        # module, and the patched function is what fits (in any thread) call.
        with mock.patch(
            "sklearn.svm._base.liblinear.train_wrap", wraps=sk_liblinear.train_wrap
        ) as spy:
            assert sk_liblinear.train_wrap is spy
            LinearSVC(random_state=0).fit(X, y)
        assert spy.call_count == 1
        assert sk_liblinear.train_wrap is copies._pristine["liblinear"]["train_wrap"]
    assert svm_base.liblinear is sk_liblinear


@linux_only
def test_a_replaced_module_global_is_left_alone(data):
    X, y = data
    fake = types.SimpleNamespace(**vars(sk_liblinear))
    with mock.patch.object(svm_base, "liblinear", fake):
        with fasthash.config_context(private_solver_copies=True), copies.isolated_solvers():
            assert svm_base.liblinear is fake  # not replaced: the fit holds the lock
            assert _own_copies() is None
    assert svm_base.liblinear is sk_liblinear


@linux_only
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
def test_fits_run_at_the_same_time_and_equal_sequential_ones(data, make, monkeypatch):
    monkeypatch.setattr(copies, "max_copy_sets", lambda: 2)
    X, y = data
    parts = [(X[:600], y[:600]), (X[600:], y[600:])]
    want = [make(i).fit(*p) for i, p in enumerate(parts)]
    for _ in range(3):
        got = [None, None]
        errors = []
        # Both threads must be inside their blocks at once: with the lock instead of
        # copies, the barrier would time out.
        barrier = threading.Barrier(2, timeout=30)

        def fit(i, barrier, got, errors):
            try:
                with fasthash.config_context(private_solver_copies=True):
                    with copies.isolated_solvers():
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
    assert _sklearn_modules_in_place()


@linux_only
def test_opt_in_and_default_give_the_same_models(data):
    X, y = data
    kw = {"n_partitions": 4, "n_jobs": 2, "random_state": 0}
    default = AveragedLinearModel(LinearSVC(), **kw).fit(X, y)
    with fasthash.config_context(private_solver_copies=True):
        opted = AveragedLinearModel(LinearSVC(), **kw).fit(X, y)
    assert opted.coef_.tobytes() == default.coef_.tobytes()
    for a, b in zip(opted.estimators_, default.estimators_):
        assert a.coef_.tobytes() == b.coef_.tobytes()


def _fds_and_maps():
    with open("/proc/self/maps") as maps:
        return len(os.listdir("/proc/self/fd")), sum(1 for _ in maps)


@linux_only
def test_copies_are_bounded(data, monkeypatch):
    X, y = data
    monkeypatch.setattr(copies, "max_copy_sets", lambda: 2)
    with fasthash.config_context(private_solver_copies=True):
        AveragedLinearModel(LinearSVC(), n_partitions=2, n_jobs=2).fit(X[:200], y[:200])
        fds, maps = _fds_and_maps()
        sets = copies._n_sets
        assert sets <= 2
        # Many more fits and threads than allowed sets: waits for a free set, never more.
        barrier = threading.Barrier(8, timeout=60)

        def fit(i):
            with fasthash.config_context(private_solver_copies=True):
                barrier.wait()
                with copies.isolated_solvers():
                    LinearSVC(random_state=i).fit(X[:300], y[:300])

        threads = [threading.Thread(target=fit, args=(i,)) for i in range(8)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        for _ in range(3):
            AveragedLinearModel(LinearSVC(), n_partitions=16, n_jobs=64).fit(X, y)
    assert copies._n_sets <= 2
    fds_after, maps_after = _fds_and_maps()
    # At most the sets not made yet (3 memfds and their maps each) were added.
    assert fds_after - fds <= 3 * (2 - sets) + 2
    assert maps_after - maps <= 40 * (2 - sets) + 20
    assert len(copies._free) == copies._n_sets and copies._n_active == 0
    assert _sklearn_modules_in_place()


def test_a_failed_copy_falls_back_to_the_lock(monkeypatch, data):
    X, y = data
    monkeypatch.setattr(copies, "_free", [])
    monkeypatch.setattr(copies, "_n_sets", 0)
    monkeypatch.setattr(copies, "_unavailable", None)

    def refuse(module, serial):
        raise OSError("memfd_create refused")

    monkeypatch.setattr(copies, "_load_copy", refuse)
    with fasthash.config_context(private_solver_copies=True):
        with pytest.warns(FasthashWarning, match="memfd_create refused"):
            with copies.isolated_solvers():
                assert _own_copies() is None
                assert copies._serial_lock.locked()
                coef = LinearSVC(random_state=0).fit(X, y).coef_
        with copies.isolated_solvers():  # no second warning
            pass
    assert copies.solver_copies_unavailable() == "OSError: memfd_create refused"
    assert coef.tobytes() == LinearSVC(random_state=0).fit(X, y).coef_.tobytes()
    assert _sklearn_modules_in_place()


def test_workers_run_with_the_callers_configuration():
    import sklearn

    def config(_):
        return fasthash.get_config()["private_solver_copies"], sklearn.get_config()[
            "assume_finite"
        ]

    with fasthash.config_context(private_solver_copies=True), sklearn.config_context(
        assume_finite=True
    ):
        inside = thread_map(config, range(4), n_jobs=2)
    assert inside == [(True, True)] * 4
    assert thread_map(config, range(4), n_jobs=2) == [(False, False)] * 4


def test_config_api():
    assert fasthash.get_config() == {"private_solver_copies": False}
    with fasthash.config_context(private_solver_copies=True):
        assert fasthash.get_config()["private_solver_copies"] is True
        with fasthash.config_context():
            assert fasthash.get_config()["private_solver_copies"] is True
    assert fasthash.get_config()["private_solver_copies"] is False
    with pytest.raises(TypeError, match="private_solver_copies must be a bool"):
        fasthash.set_config(private_solver_copies="yes")
    fasthash.set_config(private_solver_copies=True)
    try:
        # per thread, as scikit-learn's: a new thread starts from the defaults
        seen = []
        t = threading.Thread(target=lambda: seen.append(fasthash.get_config()))
        t.start()
        t.join()
        assert seen == [{"private_solver_copies": False}]
    finally:
        fasthash.set_config(private_solver_copies=False)
