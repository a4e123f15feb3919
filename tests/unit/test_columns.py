# Authors: The fasthash developers
# SPDX-License-Identifier: BSD-3-Clause
"""Column compaction (fasthash.utils._columns): bit-identical fits on fewer columns."""

import pickle
import re
import warnings

import numpy as np
import pytest
import scipy.sparse as sp
import sklearn
from sklearn.base import clone
from sklearn.linear_model import (
    PassiveAggressiveClassifier,
    PassiveAggressiveRegressor,
    Perceptron,
    SGDClassifier,
    SGDRegressor,
)
from sklearn.pipeline import make_pipeline
from sklearn.svm import LinearSVC, LinearSVR

import fasthash
from fasthash._corpus import english_topics
from fasthash.linear_model import AveragedLinearModel
from fasthash.utils import _columns
from fasthash.utils._columns import (
    compact_for_fit,
    expand_columns,
    is_column_local,
    restrict_columns,
)


@pytest.fixture(scope="module")
def hashed_topics():
    docs, labels = english_topics()
    docs, labels = docs[:600], np.asarray(labels[:600])
    X = fasthash.HashingVectorizer(n_features=2**17).transform(docs)
    return X, labels


# scikit-learn < 1.9 leaves n_iter_ of a Crammer-Singer LinearSVC uninitialised (memory
# garbage that differs between two identical fits): not comparable there.
_CS_N_ITER_UNSET = tuple(int(p) for p in re.findall(r"\d+", sklearn.__version__)[:2]) < (1, 9)


def _same_state(a, b):
    """Every attribute of two fitted estimators equal, arrays bit for bit."""
    va, vb = vars(a), vars(b)
    assert sorted(va) == sorted(vb)
    for key, value in va.items():
        if key == "n_iter_" and _CS_N_ITER_UNSET and va.get("multi_class") == "crammer_singer":
            continue
        other = vb[key]
        if isinstance(value, np.ndarray):
            assert value.dtype == other.dtype and value.shape == other.shape, key
            assert value.tobytes() == other.tobytes(), key
        else:  # numbers, strings, loss objects, RandomState: by their pickled state
            assert type(value) is type(other), key
            assert pickle.dumps(value) == pickle.dumps(other), key


CLASSIFIERS = {
    "sgd": lambda: SGDClassifier(random_state=0, max_iter=8, tol=None),
    "sgd-log-elasticnet": lambda: SGDClassifier(
        random_state=0, loss="log_loss", penalty="elasticnet", max_iter=8, tol=None
    ),
    "sgd-huber-l1": lambda: SGDClassifier(
        random_state=0, loss="modified_huber", penalty="l1", max_iter=8, tol=None
    ),
    "sgd-invscaling": lambda: SGDClassifier(
        random_state=0, learning_rate="invscaling", eta0=0.1, max_iter=8, tol=None
    ),
    "sgd-early-stopping-balanced": lambda: SGDClassifier(
        random_state=0, early_stopping=True, class_weight="balanced"
    ),
    "sgd-tol": lambda: SGDClassifier(random_state=0),
    "sgd-pa1": lambda: SGDClassifier(
        random_state=0, loss="hinge", penalty=None, learning_rate="pa1", eta0=1.0, max_iter=8
    ),
    "perceptron-l2": lambda: Perceptron(
        random_state=0, max_iter=8, tol=None, penalty="l2", alpha=1e-4
    ),
    "passive-aggressive": lambda: PassiveAggressiveClassifier(random_state=0, max_iter=8, tol=None),
    # liblinear's dual solvers
    "linearsvc": lambda: LinearSVC(random_state=0),
    "linearsvc-hinge-balanced": lambda: LinearSVC(
        random_state=0, loss="hinge", class_weight="balanced", C=0.5
    ),
    "linearsvc-crammer-singer": lambda: LinearSVC(random_state=0, multi_class="crammer_singer"),
    "linearsvc-no-intercept": lambda: LinearSVC(random_state=0, fit_intercept=False, dual=True),
}
REGRESSORS = {
    "sgd-regressor": lambda: SGDRegressor(random_state=0, max_iter=8, tol=None),
    "sgd-regressor-eps-elasticnet": lambda: SGDRegressor(
        random_state=0, loss="epsilon_insensitive", penalty="elasticnet", max_iter=8, tol=None
    ),
    "passive-aggressive-regressor": lambda: PassiveAggressiveRegressor(
        random_state=0, max_iter=8, tol=None
    ),
    "linearsvr": lambda: LinearSVR(random_state=0, max_iter=200),
    "linearsvr-squared": lambda: LinearSVR(
        random_state=0, loss="squared_epsilon_insensitive", intercept_scaling=2.0
    ),
}


@pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")
@pytest.mark.filterwarnings("ignore::FutureWarning")  # PassiveAggressive's deprecation
@pytest.mark.parametrize("case", list(CLASSIFIERS) + list(REGRESSORS))
@pytest.mark.parametrize("binary", [False, True])
def test_compacted_fit_widened_is_the_full_fit(case, binary, hashed_topics):
    X, labels = hashed_topics
    if case in REGRESSORS:
        est = REGRESSORS[case]()
        y = np.array([sum(map(ord, lab)) % 7 for lab in labels], dtype=float)
    else:
        est = CLASSIFIERS[case]()
        y = labels == "email" if binary else labels
    full = clone(est).fit(X, y)
    compact = compact_for_fit(est, X)
    assert compact is not None
    Xc, used = compact
    assert Xc.shape == (X.shape[0], len(used)) and len(used) < X.shape[1] // 4
    narrow = clone(est)
    with _columns.same_solver(narrow):
        narrow.fit(Xc, y)
    # predictions on rows restricted to the training columns: the same bits, even for
    # rows with entries in other columns
    remap = np.full(X.shape[1], -1, dtype=X.indices.dtype)
    remap[used] = np.arange(len(used), dtype=remap.dtype)
    held_out = fasthash.HashingVectorizer(n_features=2**17).transform(
        ["completely new words zq xv", "email message headers parser", ""]
    )
    method = "predict" if case in REGRESSORS else "decision_function"
    a = getattr(narrow, method)(restrict_columns(held_out, remap, len(used)))
    assert a.tobytes() == getattr(full, method)(held_out).tobytes()
    # widened, it is the estimator fitted on all the columns
    _same_state(expand_columns(narrow, used, X.shape[1]), full)
    assert narrow.predict(X).tobytes() == full.predict(X).tobytes()


def test_restrict_columns_keeps_row_order_and_drops_unused():
    X = sp.csr_matrix(np.array([[0, 2.0, 0, 3.0], [1.0, 0, 0, 0], [0, 0, 5.0, 4.0]]))
    remap = np.array([-1, 0, -1, 1], dtype=X.indices.dtype)
    Y = restrict_columns(X, remap, 2)
    assert type(Y) is type(X)
    np.testing.assert_array_equal(Y.toarray(), [[2.0, 3.0], [0, 0], [0, 4.0]])
    np.testing.assert_array_equal(Y.indptr, [0, 2, 2, 3])
    Z = restrict_columns(sp.csr_array(X), np.array([0, 1, 2, 3], dtype=X.indices.dtype), 4)
    assert type(Z) is sp.csr_array and Z.data is not None


def test_what_is_column_local():
    sgd = SGDClassifier()
    assert is_column_local(sgd) and is_column_local(make_pipeline("passthrough", sgd))

    class Sub(SGDClassifier):
        pass

    assert not is_column_local(Sub())
    assert not is_column_local(make_pipeline(fasthash.HashingVectorizer(), sgd))
    from sklearn.linear_model import LogisticRegression

    assert not is_column_local(LogisticRegression())
    # averaged SGD: the BLAS axpy folding weights into averages rounds by position
    assert not is_column_local(SGDClassifier(average=True))
    assert not is_column_local(SGDRegressor(average=10))


def test_what_is_column_local_among_liblinear_estimators():
    wide, tall = (100, 5000), (5000, 100)
    assert not is_column_local(LinearSVC())  # the solver depends on the data's shape
    assert is_column_local(LinearSVC(), wide) and not is_column_local(LinearSVC(), tall)
    assert is_column_local(LinearSVC(dual=True), tall)
    assert is_column_local(make_pipeline("passthrough", LinearSVC()), wide)
    assert is_column_local(LinearSVC(loss="hinge"), tall)  # dual only
    assert is_column_local(LinearSVC(multi_class="crammer_singer", dual=False), tall)
    # primal solvers: TRON (BLAS over all the weights), L1 coordinate descent (random
    # order of the columns)
    assert not is_column_local(LinearSVC(dual=False), wide)
    assert not is_column_local(LinearSVC(penalty="l1", dual=False), wide)
    assert not is_column_local(LinearSVC(penalty="l1", dual=True), wide)  # fit raises
    squared = LinearSVR(loss="squared_epsilon_insensitive")
    assert is_column_local(squared, wide) and not is_column_local(squared, tall)
    assert is_column_local(LinearSVR(), tall)  # epsilon_insensitive: dual only
    assert not is_column_local(LinearSVR(loss="squared_epsilon_insensitive", dual=False), wide)

    class Sub(LinearSVC):
        pass

    assert not is_column_local(Sub(), wide)
    from sklearn.linear_model import LogisticRegression

    assert not is_column_local(LogisticRegression(solver="liblinear", dual=True), wide)


@pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")
def test_same_solver_keeps_dual_auto_to_the_full_widths_choice():
    # 500 samples on 2000 columns of which 300 are used: "auto" picks the dual solver on
    # the full width, but would pick the primal one on the 300 compacted columns
    rng = np.random.RandomState(0)
    X = sp.random(500, 300, density=0.05, format="csr", random_state=rng)
    X = sp.hstack([X, sp.csr_matrix((500, 1700))], format="csr")
    y = rng.randint(0, 3, 500)
    est = LinearSVC(random_state=0)
    full = clone(est).fit(X, y)
    Xc, used = compact_for_fit(est, X)
    assert Xc.shape[1] < X.shape[0]
    unpinned = clone(est).fit(Xc, y)
    assert expand_columns(unpinned, used, X.shape[1]).coef_.tobytes() != full.coef_.tobytes()
    narrow = clone(est)
    with _columns.same_solver(narrow):
        assert narrow.dual is True
        narrow.fit(Xc, y)
    assert narrow.dual == "auto"
    _same_state(expand_columns(narrow, used, X.shape[1]), full)


def test_no_compaction_for_dense_non_finite_or_wide_input(hashed_topics):
    X, _ = hashed_topics
    sgd = SGDClassifier()
    assert compact_for_fit(sgd, X[:, :50].toarray()) is None
    bad = X.copy()
    bad.data[3] = np.nan
    assert compact_for_fit(sgd, bad) is None
    assert compact_for_fit(sgd, sp.csr_matrix(np.ones((3, 4)))) is None  # nothing to drop


@pytest.mark.parametrize("partition", ["contiguous", "stratified"])
@pytest.mark.parametrize(
    "model, n_rounds",
    [("sgd", 1), ("sgd", 2), ("linearsvc", 1)],  # liblinear cannot warm-start: one round
)
def test_averaged_model_is_the_same_with_and_without_compaction(
    monkeypatch, hashed_topics, partition, n_rounds, model
):
    X, y = hashed_topics
    if model == "sgd":
        est = SGDClassifier(random_state=0, max_iter=5, tol=None, penalty="elasticnet")
    else:
        est = LinearSVC(random_state=0)
    kw = {"n_partitions": 3, "partition": partition, "n_rounds": n_rounds, "random_state": 0}
    calls = []
    real = _columns.compact_for_fit

    def spy(estimator, X_):
        out = real(estimator, X_)
        calls.append(out is not None)
        return out

    from fasthash.linear_model import _partition

    monkeypatch.setattr(_partition, "compact_for_fit", spy)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        got = AveragedLinearModel(est, n_jobs=2, **kw).fit(X, y)
        assert calls and all(calls)
        monkeypatch.setattr(_partition, "compact_for_fit", lambda e, X_: None)
        want = AveragedLinearModel(est, n_jobs=2, **kw).fit(X, y)
    for a, b in zip(got.estimators_, want.estimators_):
        if a is None or b is None:  # a one-class partition liblinear cannot fit
            assert a is None and b is None
        else:
            _same_state(a, b)
    assert got.coef_.tobytes() == want.coef_.tobytes()
    assert got.intercept_.tobytes() == want.intercept_.tobytes()
