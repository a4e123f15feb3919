# Authors: The fasthash developers
# SPDX-License-Identifier: BSD-3-Clause
"""fasthash.model_selection: parity with scikit-learn, shared folds, prefix caching, nesting."""

import pickle
import re
import threading

import numpy as np
import pytest
from scipy.stats import loguniform
from sklearn import model_selection as skms
from sklearn.base import BaseEstimator, ClassifierMixin, clone
from sklearn.datasets import make_classification, make_regression
from sklearn.exceptions import FitFailedWarning
from sklearn.feature_extraction.text import HashingVectorizer as SkHashingVectorizer
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import (
    LogisticRegression,
    PassiveAggressiveClassifier,
    PassiveAggressiveRegressor,
    Perceptron,
    Ridge,
    SGDClassifier,
    SGDRegressor,
)
from sklearn.metrics import accuracy_score, make_scorer
from sklearn.model_selection import GroupKFold, KFold, StratifiedKFold
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import FunctionTransformer, Normalizer
from sklearn.svm import LinearSVC
from sklearn.utils._param_validation import InvalidParameterError

import fasthash
from fasthash import model_selection as fhms
from fasthash._corpus import english_topics

# ---------------------------------------------------------------------------------------
# data and helpers
# ---------------------------------------------------------------------------------------

_CLASSES = ("tkinter", "email", "importlib", "logging")
_PER_CLASS = 40


@pytest.fixture(scope="module")
def text_data():
    docs, labels = english_topics()
    out_docs, out_labels, seen = [], [], dict.fromkeys(_CLASSES, 0)
    for doc, label in zip(docs, labels):
        if label in seen and seen[label] < _PER_CLASS:
            seen[label] += 1
            out_docs.append(doc)
            out_labels.append(label)
    return out_docs, np.array(out_labels)


@pytest.fixture(scope="module")
def hashed_data(text_data):
    docs, labels = text_data
    return fasthash.HashingVectorizer(n_features=2**14).transform(docs), labels


@pytest.fixture(scope="module")
def regression_data():
    X, y = make_regression(n_samples=120, n_features=8, noise=1.0, random_state=0)
    return X, y


@pytest.fixture(scope="module")
def classification_data():
    X, y = make_classification(
        n_samples=150, n_features=10, n_informative=5, n_classes=3, random_state=0
    )
    return X, y


_TIME_KEY = re.compile(r"(^|_)(fit|score)_time$")


def assert_same_cv_results(got, expected):
    assert sorted(got) == sorted(expected)
    for key, value in expected.items():
        if _TIME_KEY.search(key):
            continue
        if key == "params":
            assert got[key] == value
        elif isinstance(value, np.ma.MaskedArray):
            np.testing.assert_array_equal(got[key].mask, value.mask)
            assert list(got[key].compressed()) == list(value.compressed()), key
        else:
            np.testing.assert_array_equal(np.asarray(got[key]), np.asarray(value), err_msg=key)


def assert_same_search(got, expected, X):
    assert_same_cv_results(got.cv_results_, expected.cv_results_)
    for attr in ("best_index_", "best_score_", "best_params_", "n_splits_", "multimetric_"):
        assert hasattr(got, attr) == hasattr(expected, attr), attr
        if hasattr(expected, attr):
            assert getattr(got, attr) == getattr(expected, attr), attr
    assert hasattr(got, "best_estimator_") == hasattr(expected, "best_estimator_")
    if hasattr(expected, "best_estimator_"):
        np.testing.assert_array_equal(got.predict(X), expected.predict(X))


def sgd(**kw):
    return SGDClassifier(random_state=0, max_iter=10, tol=None, **kw)


# ---------------------------------------------------------------------------------------
# parity of the searches
# ---------------------------------------------------------------------------------------


@pytest.mark.parametrize("n_jobs", [1, 2])
@pytest.mark.parametrize(
    "case",
    ["sgd", "logistic", "ridge", "pipeline-fasthash", "pipeline-sklearn"],
)
def test_grid_search_matches_sklearn(
    case, n_jobs, text_data, hashed_data, regression_data, classification_data
):
    if case == "sgd":
        (X, y), est = hashed_data, sgd()
        grid = {"alpha": [1e-4, 1e-3], "loss": ["hinge", "log_loss"]}
        kw = {"scoring": ["accuracy", "f1_macro"], "refit": "f1_macro"}
    elif case == "logistic":
        (X, y), est = classification_data, LogisticRegression(max_iter=200)
        grid = {"C": [0.1, 10.0]}
        kw = {}
    elif case == "ridge":
        (X, y), est = regression_data, Ridge()
        grid = {"alpha": [0.1, 1.0, 100.0]}
        kw = {"scoring": {"r2": "r2", "mse": "neg_mean_squared_error"}, "refit": "mse"}
    else:
        vec = (
            fasthash.HashingVectorizer(n_features=2**16)
            if case == "pipeline-fasthash"
            else SkHashingVectorizer(n_features=2**16)
        )
        (X, y), est = text_data, make_pipeline(vec, sgd())
        grid = {"sgdclassifier__alpha": [1e-4, 1e-3], "sgdclassifier__penalty": ["l2", "l1"]}
        kw = {"scoring": "accuracy"}
    cv = StratifiedKFold(3, shuffle=True, random_state=0) if case != "ridge" else KFold(3)
    expected = skms.GridSearchCV(est, grid, cv=cv, return_train_score=True, **kw).fit(X, y)
    got = fhms.GridSearchCV(est, grid, cv=cv, return_train_score=True, n_jobs=n_jobs, **kw)
    got.fit(X, y)
    assert_same_search(got, expected, X)
    if case.startswith("pipeline"):
        assert got.n_prefix_transforms_ == 1  # one hashing of X for 4 candidates x 3 splits
        assert type(got.best_estimator_.steps[0][1]) is type(vec)  # the FULL pipeline
    else:
        assert got.n_prefix_transforms_ == 0


def test_prefix_parameters_give_one_transform_per_distinct_setting(text_data):
    X, y = text_data
    pipe = make_pipeline(fasthash.HashingVectorizer(n_features=2**15), Normalizer(), sgd())
    grid = [
        {"hashingvectorizer__ngram_range": [(1, 1), (1, 2)], "sgdclassifier__alpha": [1e-4]},
        {"hashingvectorizer__n_features": [2**14], "sgdclassifier__alpha": [1e-4, 1e-3]},
    ]
    cv = StratifiedKFold(3, shuffle=True, random_state=1)
    expected = skms.GridSearchCV(pipe, grid, cv=cv).fit(X, y)
    got = fhms.GridSearchCV(pipe, grid, cv=cv, n_jobs=2).fit(X, y)
    assert_same_search(got, expected, X)
    assert got.n_prefix_transforms_ == 3  # 3 distinct prefix settings, 4 candidates


def test_randomized_search_matches_sklearn(hashed_data):
    X, y = hashed_data
    dist = {"alpha": loguniform(1e-5, 1e-2), "loss": ["hinge", "modified_huber"]}
    cv = StratifiedKFold(3, shuffle=True, random_state=0)
    kw = dict(n_iter=4, cv=cv, random_state=3, return_train_score=True)
    expected = skms.RandomizedSearchCV(sgd(), dist, **kw).fit(X, y)
    got = fhms.RandomizedSearchCV(sgd(), dist, n_jobs=2, **kw).fit(X, y)
    assert_same_search(got, expected, X)


@pytest.mark.parametrize("refit", [False, "accuracy", "callable"])
def test_refit_variants_match_sklearn(refit, hashed_data):
    X, y = hashed_data

    def lowest_alpha_within_best(results):
        return int(np.argmin(results["rank_test_accuracy"]))

    refit_value = lowest_alpha_within_best if refit == "callable" else refit
    grid = {"alpha": [1e-4, 1e-2]}
    cv = StratifiedKFold(3, shuffle=True, random_state=0)
    scoring = {"accuracy": "accuracy", "bal": "balanced_accuracy"}
    expected = skms.GridSearchCV(sgd(), grid, cv=cv, scoring=scoring, refit=refit_value)
    got = fhms.GridSearchCV(sgd(), grid, cv=cv, scoring=scoring, refit=refit_value, n_jobs=2)
    assert_same_search(got.fit(X, y), expected.fit(X, y), X)
    if refit is False:
        assert not hasattr(got, "best_estimator_") and not hasattr(got, "best_index_")
    if refit == "callable":
        assert not hasattr(got, "best_score_") and hasattr(got, "best_estimator_")


def test_groups_and_fit_params_match_sklearn(text_data):
    X, y = text_data
    groups = np.arange(len(X)) % 4
    sample_weight = 1.0 + (np.arange(len(X)) % 3)
    pipe = make_pipeline(fasthash.HashingVectorizer(n_features=2**16), sgd())
    grid = {"sgdclassifier__alpha": [1e-4, 1e-3]}
    params = {"groups": groups, "sgdclassifier__sample_weight": sample_weight}
    expected = skms.GridSearchCV(pipe, grid, cv=GroupKFold(4)).fit(X, y, **params)
    got = fhms.GridSearchCV(pipe, grid, cv=GroupKFold(4), n_jobs=2).fit(X, y, **params)
    assert_same_search(got, expected, X)
    assert got.n_prefix_transforms_ == 1


# ---------------------------------------------------------------------------------------
# cross_validate / cross_val_score
# ---------------------------------------------------------------------------------------


@pytest.mark.parametrize("n_jobs", [1, 2])
def test_cross_validate_matches_sklearn(n_jobs, text_data):
    X, y = text_data
    pipe = make_pipeline(fasthash.HashingVectorizer(n_features=2**16), sgd())
    kw = dict(
        cv=StratifiedKFold(3, shuffle=True, random_state=0),
        scoring=("accuracy", "f1_macro"),
        return_train_score=True,
        return_estimator=True,
        return_indices=True,
    )
    expected = skms.cross_validate(pipe, X, y, **kw)
    got = fhms.cross_validate(pipe, X, y, n_jobs=n_jobs, **kw)
    assert sorted(got) == sorted(expected)
    for key in ("test_accuracy", "test_f1_macro", "train_accuracy", "train_f1_macro"):
        np.testing.assert_array_equal(got[key], expected[key])
    for part in ("train", "test"):
        for a, b in zip(got["indices"][part], expected["indices"][part]):
            np.testing.assert_array_equal(a, b)
    for est_got, est_exp in zip(got["estimator"], expected["estimator"]):
        assert [n for n, _ in est_got.steps] == [n for n, _ in est_exp.steps]
        # full pipelines, fitted: they predict raw text, as scikit-learn's do
        np.testing.assert_array_equal(est_got.predict(X[:20]), est_exp.predict(X[:20]))
        np.testing.assert_array_equal(est_got[-1].coef_, est_exp[-1].coef_)


def test_cross_val_score_matches_sklearn_with_groups(classification_data):
    X, y = classification_data
    groups = np.arange(X.shape[0]) % 5
    est = LogisticRegression(C=3.0, max_iter=200)
    expected = skms.cross_val_score(est, X, y, groups=groups, cv=GroupKFold(5))
    got = fhms.cross_val_score(est, X, y, groups=groups, cv=GroupKFold(5), n_jobs=2)
    np.testing.assert_array_equal(got, expected)


def test_callable_scorer_keeps_the_full_pipeline(text_data):
    X, y = text_data
    seen = []

    def scorer(estimator, X_test, y_test):
        seen.append(len(estimator.steps))  # a user function may look inside the estimator
        return accuracy_score(y_test, estimator.predict(X_test))

    pipe = make_pipeline(fasthash.HashingVectorizer(n_features=2**15), sgd())
    cv = StratifiedKFold(3)
    expected = skms.cross_val_score(pipe, X, y, cv=cv, scoring=scorer)
    seen.clear()
    got = fhms.cross_val_score(pipe, X, y, cv=cv, scoring=scorer, n_jobs=2)
    np.testing.assert_array_equal(got, expected)
    assert seen == [2, 2, 2]
    # a make_scorer scorer only calls predict: the prefix path is used, same scores
    acc = make_scorer(accuracy_score)
    np.testing.assert_array_equal(
        fhms.cross_val_score(pipe, X, y, cv=cv, scoring=acc, n_jobs=2),
        skms.cross_val_score(pipe, X, y, cv=cv, scoring=acc),
    )


# ---------------------------------------------------------------------------------------
# errors
# ---------------------------------------------------------------------------------------


class FailingClassifier(ClassifierMixin, BaseEstimator):
    """Fails to fit when ``parameter == FAILING``; predicts the first class."""

    FAILING = 2

    def __init__(self, parameter=None):
        self.parameter = parameter

    def fit(self, X, y):
        if self.parameter == self.FAILING:
            raise ValueError("Failing classifier failed as required")
        self.classes_ = np.unique(y)
        self.n_features_in_ = X.shape[1]
        return self

    def predict(self, X):
        return np.full(X.shape[0], self.classes_[0])


def test_error_score_numeric_warns_like_sklearn(hashed_data):
    X, y = hashed_data
    grid = {"parameter": [0, FailingClassifier.FAILING]}
    kw = dict(cv=3, error_score=-1.0, return_train_score=True)
    with pytest.warns(FitFailedWarning, match="3 fits failed out of a total of 6") as rec:
        expected = skms.GridSearchCV(FailingClassifier(), grid, **kw).fit(X, y)
    with pytest.warns(FitFailedWarning, match="3 fits failed out of a total of 6") as rec2:
        got = fhms.GridSearchCV(FailingClassifier(), grid, n_jobs=2, **kw).fit(X, y)
    assert_same_search(got, expected, X)
    assert got.cv_results_["split0_test_score"][1] == -1.0
    assert "Failing classifier failed as required" in str(rec2[0].message)
    assert len(rec) == len(rec2)


def test_error_score_raise_and_all_failed(hashed_data):
    X, y = hashed_data
    grid = {"parameter": [0, FailingClassifier.FAILING]}
    with pytest.raises(ValueError, match="Failing classifier failed as required"):
        fhms.GridSearchCV(FailingClassifier(), grid, cv=3, error_score="raise", n_jobs=2).fit(
            X, y
        )
    with pytest.raises(ValueError, match="All the 3 fits failed"):
        fhms.cross_validate(FailingClassifier(parameter=2), X, y, cv=3, n_jobs=2)


@pytest.mark.parametrize("n_jobs", [0, True, 1.5, "2"])
def test_invalid_n_jobs_is_rejected_alike_by_every_entry_point(n_jobs, hashed_data):
    X, y = hashed_data
    calls = {
        "GridSearchCV": lambda: fhms.GridSearchCV(sgd(), {"alpha": [1e-4]}, n_jobs=n_jobs)
        .fit(X, y),
        "RandomizedSearchCV": lambda: fhms.RandomizedSearchCV(
            sgd(), {"alpha": [1e-4]}, n_iter=1, n_jobs=n_jobs).fit(X, y),
        "cross_validate": lambda: fhms.cross_validate(sgd(), X, y, n_jobs=n_jobs),
        "cross_val_score": lambda: fhms.cross_val_score(sgd(), X, y, n_jobs=n_jobs),
    }
    messages = set()
    for caller, call in calls.items():
        with pytest.raises(InvalidParameterError) as info:
            call()
        message = str(info.value)
        assert message.startswith(f"The 'n_jobs' parameter of {caller} must be ")
        messages.add(message.replace(caller, "<caller>", 1))
    assert len(messages) == 1  # the same constraint and message everywhere


def test_invalid_scoring_and_multimetric_refit(hashed_data):
    X, y = hashed_data
    with pytest.raises(InvalidParameterError, match="scoring"):
        fhms.cross_validate(sgd(), X, y, scoring="no-such-metric")
    with pytest.raises(ValueError, match="For multi-metric scoring, the parameter refit"):
        fhms.GridSearchCV(sgd(), {"alpha": [1e-4]}, scoring=["accuracy", "f1_macro"]).fit(X, y)


# ---------------------------------------------------------------------------------------
# sharing, prefix caching, nesting
# ---------------------------------------------------------------------------------------


class RecordingClassifier(ClassifierMixin, BaseEstimator):
    """Records the training matrix object, the thread and its own n_jobs at fit time."""

    log = []
    lock = threading.Lock()

    def __init__(self, parameter=0, n_jobs=None):
        self.parameter = parameter
        self.n_jobs = n_jobs

    def fit(self, X, y):
        from threadpoolctl import threadpool_info

        blas = [p["num_threads"] for p in threadpool_info() if p["user_api"] == "blas"]
        with self.lock:
            self.log.append((X, self.parameter, self.n_jobs, threading.get_ident(), blas))
        self.classes_ = np.unique(y)
        return self

    def predict(self, X):
        return np.full(X.shape[0], self.classes_[0])


def test_fits_get_the_rows_of_one_shared_matrix(hashed_data):
    X, y = hashed_data
    RecordingClassifier.log.clear()
    grid = {"parameter": [0, 1, 2, 3]}
    cv = KFold(3)
    search = fhms.GridSearchCV(RecordingClassifier(), grid, cv=cv, n_jobs=2, refit=False)
    search.fit(X, y)
    log = RecordingClassifier.log
    assert len(log) == 12
    # every fit got exactly the training rows of its split, as a matrix of its own
    splits = [train for train, _ in cv.split(X, y)]
    for X_train, *_ in log:
        matches = [i for i, train in enumerate(splits)
                   if X_train.shape == X[train].shape and (X_train != X[train]).nnz == 0]
        assert len(matches) == 1
        assert not np.shares_memory(X_train.data, X.data)


class CountingHashingVectorizer(fasthash.HashingVectorizer):
    """fasthash's HashingVectorizer counting its transform calls (class-level)."""

    calls = 0

    def transform(self, X):
        type(self).calls += 1
        return super().transform(X)


def test_stateless_prefix_is_transformed_once(text_data):
    X, y = text_data
    pipe = make_pipeline(CountingHashingVectorizer(n_features=2**15), sgd())
    grid = {"sgdclassifier__alpha": [1e-5, 1e-4, 1e-3]}
    CountingHashingVectorizer.calls = 0
    skms.GridSearchCV(pipe, grid, cv=3).fit(X, y)
    sklearn_calls = CountingHashingVectorizer.calls
    CountingHashingVectorizer.calls = 0
    got = fhms.GridSearchCV(pipe, grid, cv=3, n_jobs=2).fit(X, y)
    # sklearn: per candidate and split, fit (train) + predict (test), then the refit
    assert sklearn_calls == 3 * 3 * 2 + 1
    assert CountingHashingVectorizer.calls == 1 + 1  # once for the search, once in the refit
    assert got.n_prefix_transforms_ == 1


def test_untrusted_stateless_transformer_is_not_hoisted(hashed_data):
    X, y = hashed_data
    X = X[:, :200].toarray()
    # requires_fit=False but NOT row-wise: centering on the rows it is given
    center = FunctionTransformer(lambda A: A - A.mean(axis=0))
    pipe = make_pipeline(center, Ridge())
    y_num = (y == "tkinter").astype(float)
    grid = {"ridge__alpha": [0.1, 10.0]}
    expected = skms.GridSearchCV(pipe, grid, cv=3).fit(X, y_num)
    got = fhms.GridSearchCV(pipe, grid, cv=3, n_jobs=2).fit(X, y_num)
    assert_same_search(got, expected, X)
    assert got.n_prefix_transforms_ == 0


def test_workers_get_inner_n_jobs_1_and_limited_blas(hashed_data):
    X, y = hashed_data
    RecordingClassifier.log.clear()
    est = RecordingClassifier(n_jobs=4)
    res = fhms.cross_validate(est, X, y, cv=4, n_jobs=2, return_estimator=True)
    log = RecordingClassifier.log
    assert [n_jobs for _, _, n_jobs, _, _ in log] == [1, 1, 1, 1]
    assert all(all(n == 1 for n in blas) for *_, blas in log)
    assert len({thread for _, _, _, thread, _ in log}) >= 1
    # returned estimators keep the n_jobs the user gave
    assert [e.n_jobs for e in res["estimator"]] == [4, 4, 4, 4]
    # one worker: the estimator runs as given
    RecordingClassifier.log.clear()
    fhms.cross_validate(est, X, y, cv=2, n_jobs=1)
    assert [n_jobs for _, _, n_jobs, _, _ in RecordingClassifier.log] == [4, 4]


# ---------------------------------------------------------------------------------------
# verbose and progress
# ---------------------------------------------------------------------------------------


def _normalise_cv_lines(text):
    lines = [ln for ln in text.splitlines() if ln.startswith(("[CV", "Fitting"))]
    return sorted(re.sub(r"total time=.*$", "", ln).rstrip(".") for ln in lines)


def test_verbose_output_matches_sklearn(hashed_data, capsys):
    X, y = hashed_data
    grid = {"alpha": [1e-4, 1e-3]}
    kw = dict(cv=3, verbose=3, return_train_score=True)
    skms.GridSearchCV(sgd(), grid, **kw).fit(X, y)
    expected = capsys.readouterr().out
    fhms.GridSearchCV(sgd(), grid, n_jobs=2, **kw).fit(X, y)
    got = capsys.readouterr().out
    assert "Fitting 3 folds for each of 2 candidates, totalling 6 fits" in got
    assert _normalise_cv_lines(got) == _normalise_cv_lines(expected)
    assert len(_normalise_cv_lines(got)) == 7


def test_progress_bar_on_stderr(hashed_data, capsys):
    X, y = hashed_data
    fhms.GridSearchCV(sgd(), {"alpha": [1e-4, 1e-3]}, cv=3, n_jobs=2, progress=True).fit(X, y)
    captured = capsys.readouterr()
    assert captured.out == ""
    assert "GridSearchCV: 100%" in captured.err and "6/6" in captured.err
    fhms.cross_validate(sgd(), X, y, cv=3, n_jobs=2, progress=True)
    err = capsys.readouterr().err
    assert "cross_validate: 100%" in err and "3/3" in err
    # off by default
    fhms.cross_val_score(sgd(), X, y, cv=3, n_jobs=2)
    fhms.GridSearchCV(sgd(), {"alpha": [1e-4]}, cv=3, n_jobs=2).fit(X, y)
    assert capsys.readouterr().err == ""


def test_progress_bar_is_tqdm_auto(hashed_data, monkeypatch):
    import tqdm.auto

    X, y = hashed_data
    made = []

    class Recording(tqdm.auto.tqdm):
        def __init__(self, *args, **kwargs):
            super().__init__(*args, **kwargs)
            made.append(self)

    monkeypatch.setattr(tqdm.auto, "tqdm", Recording)
    grid = {"alpha": [1e-4, 1e-3, 1e-2]}
    fhms.RandomizedSearchCV(sgd(), grid, n_iter=2, cv=2, n_jobs=2, progress=True,
                            random_state=0).fit(X, y)
    assert len(made) == 1
    assert made[0].n == made[0].total == 4 and made[0].unit == "fit"


def test_get_params_includes_progress_and_clone_roundtrip():
    from sklearn.base import clone

    search = fhms.GridSearchCV(sgd(), {"alpha": [1e-4]}, n_jobs=2, progress=True)
    params = search.get_params(deep=False)
    assert params["progress"] is True and params["n_jobs"] == 2
    assert clone(search).get_params(deep=False)["progress"] is True
    sk_params = skms.GridSearchCV(sgd(), {"alpha": [1e-4]}).get_params(deep=False)
    assert set(sk_params) | {"progress"} == set(params)


class CountingTfidf(TfidfVectorizer):
    """A stateful transformer counting its fits (class-level)."""

    fits = 0

    def fit_transform(self, raw_documents, y=None):
        type(self).fits += 1
        return super().fit_transform(raw_documents, y)


@pytest.mark.parametrize("n_jobs", [1, 2])
def test_stateful_prefix_is_fitted_per_fit_like_sklearn(n_jobs, text_data):
    X, y = text_data
    pipe = make_pipeline(CountingTfidf(), sgd())
    grid = {"countingtfidf__sublinear_tf": [False, True], "sgdclassifier__alpha": [1e-4, 1e-3]}
    cv = StratifiedKFold(3, shuffle=True, random_state=0)
    CountingTfidf.fits = 0
    expected = skms.GridSearchCV(pipe, grid, cv=cv, return_train_score=True).fit(X, y)
    assert CountingTfidf.fits == 4 * 3 + 1
    CountingTfidf.fits = 0
    got = fhms.GridSearchCV(pipe, grid, cv=cv, return_train_score=True, n_jobs=n_jobs)
    got.fit(X, y)
    assert_same_search(got, expected, X)
    assert CountingTfidf.fits == 4 * 3 + 1  # stateful: fitted per fit, as scikit-learn does
    assert got.n_prefix_transforms_ == 0


def test_cross_validate_verbose_lines_match_sklearn(hashed_data, capsys):
    X, y = hashed_data
    skms.cross_validate(sgd(), X, y, cv=3, verbose=3)
    expected = capsys.readouterr().out
    fhms.cross_validate(sgd(), X, y, cv=3, verbose=3, n_jobs=2)
    captured = capsys.readouterr()
    assert _normalise_cv_lines(captured.out) == _normalise_cv_lines(expected)
    assert len(_normalise_cv_lines(captured.out)) == 3
    assert re.search(r"Done\s+3 out of\s+3", captured.err)  # joblib's, on threads


def test_metadata_routing_matches_sklearn(hashed_data):
    import sklearn

    X, y = hashed_data
    sample_weight = 1.0 + (np.arange(X.shape[0]) % 3)
    with sklearn.config_context(enable_metadata_routing=True):
        est = sgd().set_fit_request(sample_weight=True).set_score_request(sample_weight=True)
        grid = {"alpha": [1e-4, 1e-3]}
        expected = skms.GridSearchCV(est, grid, cv=3).fit(X, y, sample_weight=sample_weight)
        got = fhms.GridSearchCV(est, grid, cv=3, n_jobs=2).fit(X, y, sample_weight=sample_weight)
        assert_same_search(got, expected, X)
        res = fhms.cross_validate(est, X, y, cv=3, params={"sample_weight": sample_weight})
        ref = skms.cross_validate(est, X, y, cv=3, params={"sample_weight": sample_weight})
        np.testing.assert_array_equal(res["test_score"], ref["test_score"])
        with pytest.raises(ValueError, match="groups"):
            fhms.cross_validate(est, X, y, groups=np.zeros(X.shape[0]))


def test_failing_prefix_fails_per_fit_like_sklearn(text_data):
    X, y = text_data
    # a HashingVectorizer that cannot run: every fit fails, as in scikit-learn
    pipe = make_pipeline(fasthash.HashingVectorizer(n_features=2**12, analyzer="bogus"), sgd())
    grid = {"sgdclassifier__alpha": [1e-4, 1e-3]}
    for search in (skms.GridSearchCV, fhms.GridSearchCV):
        with pytest.raises(ValueError, match="All the 6 fits failed"):
            search(pipe, grid, cv=3).fit(X, y)


# ---------------------------------------------------------------------------------------
# column compaction (SGD-family fits on the training columns only)
# ---------------------------------------------------------------------------------------


@pytest.fixture
def compactions(monkeypatch):
    """The column counts of the fits (and refits) the search compacted."""
    from fasthash.model_selection import _fold

    made = {"folds": [], "refits": []}
    real_map, real_fit = _fold.column_map, _fold.compact_for_fit

    def spy_map(X, *args, **kwargs):
        out = real_map(X, *args, **kwargs)
        if out is not None:
            made["folds"].append(len(out[1]))
        return out

    def spy_fit(estimator, X):
        out = real_fit(estimator, X)
        if out is not None:
            made["refits"].append(out[0].shape[1])
        return out

    monkeypatch.setattr(_fold, "column_map", spy_map)
    monkeypatch.setattr(_fold, "compact_for_fit", spy_fit)
    return made


_SGD_FAMILY_CASES = {
    "sgd-hinge-l2": lambda: sgd(),
    "sgd-log-elasticnet": lambda: sgd(loss="log_loss", penalty="elasticnet", l1_ratio=0.3),
    "sgd-huber-l1": lambda: sgd(loss="modified_huber", penalty="l1"),
    "sgd-early-stopping": lambda: SGDClassifier(
        random_state=0, early_stopping=True, n_iter_no_change=2, class_weight="balanced"
    ),
    "sgd-default-tol": lambda: SGDClassifier(random_state=0),
    "perceptron": lambda: Perceptron(random_state=0, max_iter=20, tol=None),
    "passive-aggressive": lambda: PassiveAggressiveClassifier(random_state=0, max_iter=20),
}


@pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")
@pytest.mark.filterwarnings("ignore::FutureWarning")  # PassiveAggressive's deprecation
@pytest.mark.parametrize("case", list(_SGD_FAMILY_CASES))
def test_compacted_sgd_family_matches_sklearn(case, text_data, compactions):
    docs, y = text_data
    est = make_pipeline(fasthash.HashingVectorizer(n_features=2**18), _SGD_FAMILY_CASES[case]())
    step = est.steps[-1][0]
    grid = {f"{step}__C" if case == "passive-aggressive" else f"{step}__alpha": [1e-4, 1e-3]}
    kw = {"scoring": ["accuracy", "neg_log_loss" if "log" in case else "f1_macro"],
          "refit": "accuracy", "return_train_score": True}
    cv = StratifiedKFold(3, shuffle=True, random_state=0)
    expected = skms.GridSearchCV(est, grid, cv=cv, **kw).fit(docs, y)
    got = fhms.GridSearchCV(est, grid, cv=cv, n_jobs=2, **kw).fit(docs, y)
    assert_same_search(got, expected, docs)
    # one column map per split, shared by both candidates
    assert len(compactions["folds"]) == 3
    assert all(n < 2**18 // 10 for n in compactions["folds"])
    # the refit (compacted too) is the ordinary full-width pipeline, bit for bit
    assert len(compactions["refits"]) == 1
    got_final, want_final = got.best_estimator_[-1], expected.best_estimator_[-1]
    assert got_final.coef_.shape[1] == 2**18
    assert got_final.coef_.tobytes() == want_final.coef_.tobytes()
    assert got_final.intercept_.tobytes() == want_final.intercept_.tobytes()
    assert got_final.n_features_in_ == want_final.n_features_in_
    assert got.best_estimator_[0].n_features == 2**18
    # refitted with the search's threads for its classes, given its n_jobs back
    assert got_final.get_params().get("n_jobs") == want_final.get_params().get("n_jobs")


@pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")
@pytest.mark.filterwarnings("ignore::FutureWarning")  # PassiveAggressive's deprecation
@pytest.mark.parametrize("estimator", ["sgd-regressor", "pa-regressor"])
def test_compacted_regressors_match_sklearn(estimator, text_data, compactions):
    docs, labels = text_data
    y = np.array([len(d) % 17 for d in docs], dtype=float) + (labels == "email")
    X = fasthash.HashingVectorizer(n_features=2**16).transform(docs)
    est = (SGDRegressor(random_state=0, max_iter=15, tol=None)
           if estimator == "sgd-regressor"
           else PassiveAggressiveRegressor(random_state=0, max_iter=15, tol=None))
    kw = {"scoring": ["r2", "neg_mean_absolute_error"], "refit": "r2",
          "return_train_score": True}
    expected = skms.GridSearchCV(est, {"epsilon": [0.1, 1.0]}, cv=KFold(3), **kw).fit(X, y)
    got = fhms.GridSearchCV(est, {"epsilon": [0.1, 1.0]}, cv=KFold(3), n_jobs=2, **kw)
    assert_same_search(got.fit(X, y), expected, X)
    assert len(compactions["folds"]) == 3


@pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")
def test_candidates_fitting_one_split_at_once_share_its_column_map(text_data, monkeypatch):
    """Two candidates on the same split, on two threads at once: one computes the split's
    column map, the other waits for it (before, each computed its own: 4 maps for 3 splits
    in an unlucky run of test_compacted_regressors_match_sklearn)."""
    from fasthash.model_selection import _fold

    both_started = threading.Barrier(2, timeout=10)
    computed = []
    real_map, real_for_fit = _fold.column_map, _fold.SharedRows._column_map

    def slow_map(X, *args, **kwargs):
        computed.append(X.shape)
        threading.Event().wait(0.3)  # the other candidate asks meanwhile
        return real_map(X, *args, **kwargs)

    def meet_then_map(self, key, rows, X_train):
        both_started.wait()  # both fits ask for the map at the same time
        return real_for_fit(self, key, rows, X_train)

    monkeypatch.setattr(_fold, "column_map", slow_map)
    monkeypatch.setattr(_fold.SharedRows, "_column_map", meet_then_map)
    docs, labels = text_data
    X = fasthash.HashingVectorizer(n_features=2**16).transform(docs)
    y = np.array([len(d) % 17 for d in docs], dtype=float)
    train = np.arange(0, X.shape[0], 2)
    one_split = [(train, np.arange(1, X.shape[0], 2))]
    est = SGDRegressor(random_state=0, max_iter=5, tol=None)
    fhms.GridSearchCV(est, {"epsilon": [0.1, 1.0]}, cv=one_split, refit=False, n_jobs=2).fit(X, y)
    assert computed == [(len(train), 2**16)]


@pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")
@pytest.mark.parametrize(
    "make",
    [
        lambda: LinearSVC(random_state=0),
        lambda: LinearSVC(random_state=0, loss="hinge", class_weight="balanced"),
        lambda: LinearSVC(random_state=0, multi_class="crammer_singer", max_iter=200),
    ],
    ids=["squared-hinge", "hinge-balanced", "crammer-singer"],
)
def test_compacted_liblinear_search_matches_sklearn(make, text_data, compactions):
    # liblinear's dual solvers are column-local; dual="auto" keeps its full-width choice
    docs, y = text_data
    est = make_pipeline(fasthash.HashingVectorizer(n_features=2**18), make())
    kw = {"scoring": ["accuracy", "f1_macro"], "refit": "accuracy", "return_train_score": True}
    cv = StratifiedKFold(3, shuffle=True, random_state=0)
    grid = {"linearsvc__C": [0.1, 1.0]}
    expected = skms.GridSearchCV(est, grid, cv=cv, **kw).fit(docs, y)
    got = fhms.GridSearchCV(est, grid, cv=cv, n_jobs=2, **kw).fit(docs, y)
    assert_same_search(got, expected, docs)
    assert len(compactions["folds"]) == 3 and len(compactions["refits"]) == 1
    got_final, want_final = got.best_estimator_[-1], expected.best_estimator_[-1]
    if _sklearn_n_iter_is_undefined(want_final, expected.best_estimator_, docs, y):
        # scikit-learn 1.8.0 and 1.9.0 leave Crammer-Singer's n_iter_ uninitialised (two
        # identical scikit-learn fits differ there): compare everything else
        got_final.n_iter_ = want_final.n_iter_
    assert pickle.dumps(got_final) == pickle.dumps(want_final)


def _sklearn_n_iter_is_undefined(final, pipeline, docs, y):
    if final.get_params()["multi_class"] != "crammer_singer":
        return False
    again = clone(pipeline).fit(docs, y)[-1]
    return again.n_iter_ != final.n_iter_


def test_compacted_fit_with_sample_weight_matches_sklearn(hashed_data, compactions):
    X, y = hashed_data
    sw = np.linspace(0.5, 2.0, X.shape[0])
    expected = skms.cross_validate(sgd(), X, y, cv=3, params={"sample_weight": sw})
    got = fhms.cross_validate(sgd(), X, y, cv=3, n_jobs=2, params={"sample_weight": sw})
    assert_same_cv_results(got, expected)
    assert len(compactions["folds"]) == 3


def test_no_compaction_when_it_would_change_what_the_user_sees(hashed_data, compactions):
    X, y = hashed_data
    # returned estimators keep their full width
    got = fhms.cross_validate(sgd(), X, y, cv=3, return_estimator=True)
    assert all(est.coef_.shape[1] == X.shape[1] for est in got["estimator"])
    # a scorer looking inside the estimator sees the full coef_
    def width(est, X_, y_):
        return est.coef_.shape[1]

    assert set(fhms.cross_val_score(sgd(), X, y, cv=3, scoring=width)) == {X.shape[1]}
    # a per-column fit parameter
    coef_init = np.zeros((4, X.shape[1]))
    fhms.cross_validate(sgd(), X, y, cv=3, params={"coef_init": coef_init})
    # not an SGD-family estimator, or a subclass of one
    fhms.cross_validate(LogisticRegression(max_iter=50), X, y, cv=3)
    fhms.cross_validate(_SGDSubclass(random_state=0, max_iter=5, tol=None), X, y, cv=3)
    # dense input
    fhms.cross_validate(sgd(), X[:, :64].toarray(), y, cv=3)
    assert compactions == {"folds": [], "refits": []}


@pytest.mark.filterwarnings("ignore::sklearn.exceptions.FitFailedWarning")
@pytest.mark.filterwarnings("ignore:Scoring failed:UserWarning")
def test_non_finite_input_is_not_compacted_and_fails_like_sklearn(hashed_data, compactions):
    X, y = hashed_data
    X = X.copy()
    X.data[0] = np.inf  # a training row of two splits (fit fails), a test row of one
    expected = skms.cross_validate(sgd(), X, y, cv=3, error_score=-1.0)
    got = fhms.cross_validate(sgd(), X, y, cv=3, error_score=-1.0)
    assert_same_cv_results(got, expected)
    assert list(expected["test_score"]).count(-1.0) == 3
    assert compactions == {"folds": [], "refits": []}


class _SGDSubclass(SGDClassifier):
    pass


# ---------------------------------------------------------------------------------------
# estimators drawing from scikit-learn's process-wide random generator
# ---------------------------------------------------------------------------------------


@pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")
def test_liblinear_fits_equal_sklearns_with_several_threads(hashed_data):
    # LinearSVC (liblinear) draws its coordinate order from one generator shared by the
    # process: two fits at once in two threads would race on it
    X, y = hashed_data
    est = LinearSVC(random_state=0, max_iter=300)
    want = skms.cross_validate(est, X, y, cv=4, return_estimator=True)["estimator"]
    for _ in range(3):
        got = fhms.cross_validate(est, X, y, cv=4, n_jobs=2, return_estimator=True)
        for a, b in zip(got["estimator"], want):
            assert a.coef_.tobytes() == b.coef_.tobytes()


def test_nested_fasthash_pool_with_liblinear_does_not_deadlock(hashed_data):
    from fasthash.linear_model import AveragedLinearModel

    X, y = hashed_data
    est = AveragedLinearModel(LinearSVC(random_state=0, max_iter=100), n_jobs=2)
    search = fhms.GridSearchCV(est, {"n_partitions": [2, 3]}, cv=3, n_jobs=2).fit(X, y)
    assert search.best_score_ > 0.5


# ---------------------------------------------------------------------------------------
# graceful degradation: scikit-learn's own search on threads
# ---------------------------------------------------------------------------------------


def test_missing_search_hook_falls_back_to_sklearns_search_on_threads(
    text_data, monkeypatch
):
    import warnings

    from sklearn.model_selection._search import BaseSearchCV

    X, y = text_data
    pipe = make_pipeline(fasthash.HashingVectorizer(n_features=2**15), sgd())
    grid = {"sgdclassifier__alpha": [1e-4, 1e-3]}
    cv = StratifiedKFold(3, shuffle=True, random_state=0)
    expected = skms.GridSearchCV(pipe, grid, cv=cv, return_train_score=True).fit(X, y)

    # a scikit-learn whose extension point changed its signature
    def changed(self, evaluate_candidates, *, callback_ctx=None, budget=None):
        raise AssertionError("fasthash must not rely on a changed _run_search")

    monkeypatch.setattr(BaseSearchCV, "_run_search", changed)
    with warnings.catch_warnings(record=True) as rec:
        warnings.simplefilter("always")
        got = fhms.GridSearchCV(pipe, grid, cv=cv, return_train_score=True, n_jobs=2,
                                progress=True).fit(X, y)
    fallbacks = [w for w in rec if "BaseSearchCV._run_search" in str(w.message)]
    assert len(fallbacks) == 1 and len(rec) == 1
    assert "scikit-learn's own search on threads" in str(fallbacks[0].message)
    assert_same_search(got, expected, X)
    assert got.n_prefix_transforms_ == 0  # nothing shared
    assert type(got.best_estimator_) is type(pipe)


def test_fallback_runs_on_threads_and_liblinear_one_at_a_time(hashed_data, monkeypatch):
    from fasthash.model_selection import _search

    X, y = hashed_data
    monkeypatch.setattr(_search, "missing_search_hooks", lambda cls: ["simulated"])
    RecordingClassifier.log.clear()
    with pytest.warns(UserWarning, match=r"\(simulated\)"):
        fhms.GridSearchCV(RecordingClassifier(), {"parameter": [0, 1]}, cv=2, n_jobs=2,
                          refit=False).fit(X, y)
    main = threading.get_ident()
    assert all(thread != main for *_, thread, _ in RecordingClassifier.log)
    est = LinearSVC(random_state=0, max_iter=300)
    with pytest.warns(UserWarning, match="simulated"):
        got = fhms.GridSearchCV(est, {"C": [0.1, 1.0]}, cv=3, n_jobs=2).fit(X, y)
    assert_same_search(got, skms.GridSearchCV(est, {"C": [0.1, 1.0]}, cv=3).fit(X, y), X)


def test_user_function_scorer_gets_the_users_estimator_in_a_search(text_data):
    X, y = text_data
    seen = []

    def scorer(estimator, X_test, y_test):
        seen.append(type(estimator).__name__)
        return accuracy_score(y_test, estimator.predict(X_test))

    pipe = make_pipeline(fasthash.HashingVectorizer(n_features=2**15), sgd())
    grid = {"sgdclassifier__alpha": [1e-4, 1e-3]}
    got = fhms.GridSearchCV(pipe, grid, cv=3, scoring=scorer, n_jobs=2).fit(X, y)
    assert set(seen) == {"Pipeline"}
    assert_same_search(got, skms.GridSearchCV(pipe, grid, cv=3, scoring=scorer).fit(X, y), X)


def test_callbacks_are_called_like_sklearns():
    sklearn_callback = pytest.importorskip("sklearn.callback")  # scikit-learn >= 1.9
    X, y = make_classification(n_samples=60, random_state=0)
    events = {}

    class Counting:
        def __init__(self, name):
            self.name = name

        def setup(self, estimator, context):
            pass

        def on_fit_task_begin(self, estimator, context, **kwargs):
            events[self.name] = events.get(self.name, 0) + 1

        def on_fit_task_end(self, estimator, context, **kwargs):
            pass

        def teardown(self, estimator, context):
            pass

    if not hasattr(sklearn_callback, "FitCallback"):
        pytest.skip("no FitCallback protocol in this scikit-learn")
    grid = {"C": [0.1, 1.0]}
    for name, cls in (("sklearn", skms.GridSearchCV), ("fasthash", fhms.GridSearchCV)):
        search = cls(LogisticRegression(), grid, cv=3)
        search.set_callbacks(Counting(name))
        search.fit(X, y)
    assert events["fasthash"] == events["sklearn"] > 0
