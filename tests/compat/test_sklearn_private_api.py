# Authors: The fasthash developers
# SPDX-License-Identifier: BSD-3-Clause
"""Every private scikit-learn name fasthash uses (utils/_sklearn_compat.py) still exists,
has the expected signature or fields, and behaves as fasthash assumes, on the installed
scikit-learn. A new scikit-learn fails here first."""

import numpy as np
import pytest


# ---- model_selection ----
# The assumptions of fasthash.model_selection (the last section of _sklearn_compat.py).


def test_model_selection_num_samples_and_safe_indexing():
    import scipy.sparse as sp

    from fasthash.utils._sklearn_compat import num_samples, safe_indexing

    docs = ["a", "b", "c"]
    assert num_samples(docs) == 3
    assert num_samples(sp.csr_matrix(np.eye(4))) == 4
    assert safe_indexing(docs, np.array([2, 0])) == ["c", "a"]
    X = sp.csr_matrix(np.arange(12.0).reshape(4, 3))
    np.testing.assert_array_equal(safe_indexing(X, np.array([3, 1])).toarray(),
                                  X.toarray()[[3, 1]])


def test_model_selection_is_sklearn_scorer():
    from sklearn.metrics import accuracy_score, check_scoring, get_scorer, make_scorer
    from sklearn.svm import LinearSVC

    from fasthash.utils._sklearn_compat import is_sklearn_scorer

    assert is_sklearn_scorer(get_scorer("accuracy"))
    assert is_sklearn_scorer(make_scorer(accuracy_score))
    assert is_sklearn_scorer(check_scoring(LinearSVC(), scoring="f1_macro"))
    assert not is_sklearn_scorer(lambda est, X, y: 0.0)
    assert not is_sklearn_scorer(accuracy_score)


def test_model_selection_has_callbacks():
    import sklearn
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    from fasthash.utils._sklearn_compat import has_callbacks

    pipe = make_pipeline(StandardScaler(), LogisticRegression())
    assert not has_callbacks(pipe)
    if not hasattr(LogisticRegression(), "set_callbacks"):
        assert sklearn.__version__ < "1.9"
        return
    class Callback:
        def setup(self, estimator, context):
            pass

        def on_fit_task_begin(self, estimator, context, **kwargs):
            pass

        def on_fit_task_end(self, estimator, context, **kwargs):
            pass

        def teardown(self, estimator, context):
            pass

    pipe[-1].set_callbacks(Callback())
    assert has_callbacks(pipe)
    assert has_callbacks(pipe[-1])


@pytest.mark.parametrize("name", ["GridSearchCV", "RandomizedSearchCV"])
def test_model_selection_search_hooks(name):
    import sklearn
    import sklearn.model_selection as ms

    from fasthash.utils._sklearn_compat import (
        missing_search_hooks,
        run_search_takes_callback_ctx,
    )

    cls = getattr(ms, name)
    assert missing_search_hooks(cls) == []
    # scikit-learn 1.9 added the callback context to the extension point.
    major_minor = tuple(int(p) for p in sklearn.__version__.split(".")[:2])
    assert run_search_takes_callback_ctx(cls) == (major_minor >= (1, 9))


class _Spy:
    """An estimator recording what scikit-learn's search does with it."""

    log = []

    def __init__(self, c=1.0):
        self.c = c

    def get_params(self, deep=True):
        return {"c": self.c}

    def set_params(self, **params):
        _Spy.log.append(("set_params", id(self), dict(params)))
        for k, v in params.items():
            setattr(self, k, v)
        return self

    def __sklearn_clone__(self):
        new = _Spy(self.c)
        _Spy.log.append(("clone", id(self), id(new)))
        return new

    def __sklearn_tags__(self):
        from sklearn.utils import Tags, TargetTags

        return Tags(estimator_type=None, target_tags=TargetTags(required=True))

    def fit(self, X, y, **fit_params):
        _Spy.log.append(("fit", id(self), np.asarray(X).copy(), sorted(fit_params)))
        self.fitted_ = True
        return self

    def score(self, X, y, sample_weight=None):
        _Spy.log.append(("score", id(self), np.asarray(X).copy()))
        return float(self.c)


def test_model_selection_search_calls_the_estimator_as_assumed():
    """BaseSearchCV.fit, through _run_search: per (candidate, split) a clone gets
    set_params(candidate), fit(X[train], y[train], **sliced params) and the scorer on
    X[test]; after _run_search returns, one refit of clone(estimator).set_params(best) on
    the whole X. The shared-rows evaluation relies on exactly this."""
    from sklearn.model_selection import GridSearchCV, KFold

    from fasthash.utils._sklearn_compat import run_search_takes_callback_ctx

    takes_ctx = run_search_takes_callback_ctx(GridSearchCV)
    X = np.arange(12).reshape(-1, 1)
    y = np.arange(12) % 2
    w = np.ones(12)

    class Search(GridSearchCV):
        def _run_search(self, evaluate_candidates, *, callback_ctx=None):
            _Spy.log.append(("run_search",))
            kwargs = {"callback_ctx": callback_ctx} if takes_ctx else {}
            super()._run_search(evaluate_candidates, **kwargs)
            _Spy.log.append(("run_search done",))

    _Spy.log = []
    cv = KFold(3)
    search = Search(_Spy(), {"c": [1.0, 2.0]}, cv=cv)
    search.fit(X, y, sample_weight=w)
    fits = [e for e in _Spy.log if e[0] == "fit"]
    assert len(fits) == 2 * 3 + 1  # candidates x splits, then the refit
    splits = list(cv.split(X, y))
    for i, (_, _, rows, fit_params) in enumerate(fits[:-1]):
        train, _test = splits[i % 3]
        np.testing.assert_array_equal(rows.ravel(), X[train].ravel())
        assert fit_params == ["sample_weight"]
    np.testing.assert_array_equal(fits[-1][2].ravel(), X.ravel())  # refit on all of X
    scores = [e for e in _Spy.log if e[0] == "score"]
    for i, (_, _, rows) in enumerate(scores):
        np.testing.assert_array_equal(rows.ravel(), X[splits[i % 3][1]].ravel())
    # every fitted object was cloned and given the candidate's parameters first
    set_ids = {e[1] for e in _Spy.log if e[0] == "set_params"}
    assert all(f[1] in set_ids for f in fits)
    kinds = [e[0] for e in _Spy.log]
    assert kinds.count("run_search") == 1
    # the refit is the only fit after the extension point returns
    assert kinds[kinds.index("run_search done"):].count("fit") == 1
    assert search.best_params_ == {"c": 2.0}
    assert isinstance(search.best_estimator_, _Spy)
