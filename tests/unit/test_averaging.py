# Authors: The fasthash developers
# SPDX-License-Identifier: BSD-3-Clause
"""Correctness rules of fasthash.linear_model: average_models and AveragedLinearModel."""

import copy
import doctest
import pickle
import subprocess
import sys
import warnings
from functools import reduce

import numpy as np
import pytest
from _helpers import parametrize_with_checks
import scipy.sparse as sp
from sklearn.base import clone, is_classifier, is_regressor
from sklearn.datasets import make_classification, make_regression
from sklearn.exceptions import NotFittedError
from sklearn.linear_model import (
    LinearRegression,
    LogisticRegression,
    PassiveAggressiveClassifier,
    PassiveAggressiveRegressor,
    Perceptron,
    Ridge,
    RidgeClassifier,
    SGDClassifier,
    SGDRegressor,
)
from sklearn.model_selection import StratifiedKFold, check_cv
from sklearn.svm import LinearSVC, LinearSVR

import fasthash.linear_model._averaging as averaging
import fasthash.linear_model._reduction as reduction
from fasthash.exceptions import FasthashWarning, IncompatibleModelsError
from fasthash.linear_model import AveragedLinearModel, average_models
from fasthash.linear_model._reduction import combine, contribution, finalize, tree_reduce
from fasthash.utils._sklearn_compat import InvalidParameterError

# PassiveAggressive* are deprecated since scikit-learn 1.8 (FutureWarning at construction);
# they must keep working until they are removed.
passive_aggressive = pytest.mark.filterwarnings("ignore:Class PassiveAggressive:FutureWarning")


def _pa_classifier(**kw):
    with warnings.catch_warnings():  # deprecated from scikit-learn 1.8 on
        warnings.simplefilter("ignore", FutureWarning)
        return PassiveAggressiveClassifier(**kw)


def _pa_regressor(**kw):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", FutureWarning)
        return PassiveAggressiveRegressor(**kw)


@pytest.fixture(scope="module")
def multiclass_data():
    X, y = make_classification(
        n_samples=600, n_features=20, n_informative=8, n_classes=4, random_state=0
    )
    return X, y


@pytest.fixture(scope="module")
def binary_data():
    X, y = make_classification(n_samples=400, n_features=15, random_state=1)
    return X, y


@pytest.fixture(scope="module")
def hashed_text():
    import fasthash
    from fasthash._corpus import english_topics

    docs, labels = english_topics()
    return fasthash.HashingVectorizer(n_features=2**16).transform(docs[:1600]), np.asarray(
        labels[:1600]
    )


@pytest.fixture(scope="module")
def regression_data():
    X, y = make_regression(n_samples=400, n_features=12, noise=1.0, random_state=2)
    return X, y


CLASSIFIERS = [
    pytest.param(lambda: LogisticRegression(max_iter=500), id="LogisticRegression"),
    pytest.param(lambda: LinearSVC(), id="LinearSVC"),
    pytest.param(lambda: RidgeClassifier(), id="RidgeClassifier"),
    pytest.param(lambda: Perceptron(random_state=0), id="Perceptron"),
    pytest.param(lambda: SGDClassifier(random_state=0), id="SGDClassifier"),
    pytest.param(lambda: SGDClassifier(average=True, random_state=0), id="SGDClassifier-avg"),
    pytest.param(
        lambda: _pa_classifier(random_state=0),
        id="PassiveAggressiveClassifier",
        marks=passive_aggressive,
    ),
]
REGRESSORS = [
    pytest.param(lambda: Ridge(), id="Ridge"),
    pytest.param(lambda: LinearRegression(), id="LinearRegression"),
    pytest.param(lambda: LinearSVR(random_state=0), id="LinearSVR"),
    pytest.param(lambda: SGDRegressor(random_state=0), id="SGDRegressor"),
    pytest.param(
        lambda: _pa_regressor(random_state=0),
        id="PassiveAggressiveRegressor",
        marks=passive_aggressive,
    ),
]


def _halves(X, y):
    return [(X[i::2], y[i::2]) for i in range(2)]


# ---------------------------------------------------------------------------------------
# average_models
# ---------------------------------------------------------------------------------------


@pytest.mark.parametrize("make", CLASSIFIERS)
@pytest.mark.parametrize("data", ["binary_data", "multiclass_data"])
def test_every_classifier_family_averages(make, data, request):
    X, y = request.getfixturevalue(data)
    models = [make().fit(Xp, yp) for Xp, yp in _halves(X, y)]
    before = [copy.deepcopy(m.coef_) for m in models]
    avg = average_models(models, weights=[1, 3])
    assert type(avg) is type(models[0]) and avg is not models[0]
    np.testing.assert_allclose(avg.coef_, (models[0].coef_ + 3 * models[1].coef_) / 4)
    np.testing.assert_allclose(
        avg.intercept_, (models[0].intercept_ + 3 * models[1].intercept_) / 4
    )
    np.testing.assert_array_equal(avg.classes_, models[0].classes_)
    for m, b in zip(models, before):  # inputs untouched
        np.testing.assert_array_equal(m.coef_, b)
    assert avg.score(X, y) > 0.6
    # predict_proba columns follow classes_ when the estimator has it
    if hasattr(avg, "predict_proba"):
        proba = avg.predict_proba(X)
        assert proba.shape == (len(X), len(np.unique(y)))
        np.testing.assert_allclose(proba.sum(axis=1), 1.0)


@pytest.mark.parametrize("make", REGRESSORS)
def test_every_regressor_family_averages(make, regression_data):
    X, y = regression_data
    models = [make().fit(Xp, yp) for Xp, yp in _halves(X, y)]
    avg = average_models(models, weights=[3, 1])
    np.testing.assert_allclose(avg.coef_, (3 * models[0].coef_ + models[1].coef_) / 4)
    np.testing.assert_allclose(
        np.asarray(avg.intercept_),
        (3 * np.asarray(models[0].intercept_) + np.asarray(models[1].intercept_)) / 4,
    )
    assert np.shape(avg.coef_) == np.shape(models[0].coef_)
    assert np.shape(avg.intercept_) == np.shape(models[0].intercept_)
    assert avg.score(X, y) > 0.8


def test_multi_target_ridge(regression_data):
    X, y = regression_data
    Y = np.c_[y, -2 * y + 1]
    models = [Ridge().fit(Xp, Yp) for Xp, Yp in _halves(X, Y)]
    avg = average_models(models)
    assert avg.coef_.shape == (2, X.shape[1]) and avg.intercept_.shape == (2,)
    np.testing.assert_allclose(avg.intercept_, (models[0].intercept_ + models[1].intercept_) / 2)
    model = AveragedLinearModel(Ridge(), n_partitions=2).fit(X, Y)
    assert model.predict(X).shape == (len(X), 2)
    with pytest.raises(IncompatibleModelsError, match="coef_ shape"):
        average_models([models[0], Ridge().fit(X, y)])


def test_average_of_copies_is_the_model(multiclass_data):
    X, y = multiclass_data
    model = LogisticRegression(max_iter=500).fit(X, y)
    avg = average_models([model, copy.deepcopy(model), copy.deepcopy(model)])
    np.testing.assert_allclose(avg.coef_, model.coef_)
    np.testing.assert_array_equal(avg.predict(X), model.predict(X))


def test_pickles_without_fasthash(binary_data, tmp_path):
    X, y = binary_data
    models = [SGDClassifier(random_state=0).fit(Xp, yp) for Xp, yp in _halves(X, y)]
    avg = average_models(models)
    blob = pickle.dumps(avg)
    assert b"fasthash" not in blob
    path = tmp_path / "model.pkl"
    path.write_bytes(blob)
    np.save(tmp_path / "X.npy", X)
    expected = avg.predict(X)
    np.save(tmp_path / "expected.npy", expected)
    code = (
        "import pickle, sys, numpy as np\n"
        "sys.modules['fasthash'] = None  # importing fasthash would fail\n"
        f"m = pickle.loads(open({str(path)!r}, 'rb').read())\n"
        f"X = np.load({str(tmp_path / 'X.npy')!r})\n"
        f"assert (m.predict(X) == np.load({str(tmp_path / 'expected.npy')!r})).all()\n"
        "print(type(m).__module__)\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip().startswith("sklearn.")


def _fit_pair(make_a, make_b, X, y):
    return [make_a().fit(X[::2], y[::2]), make_b().fit(X[1::2], y[1::2])]


@pytest.mark.parametrize(
    "make_a, make_b, what",
    [
        (lambda: SGDClassifier(random_state=0), lambda: Perceptron(), "estimator class"),
        (
            lambda: SGDClassifier(random_state=0),
            lambda: SGDClassifier(loss="log_loss", random_state=0),
            "'loss'",
        ),
        (
            lambda: SGDClassifier(random_state=0),
            lambda: SGDClassifier(fit_intercept=False, random_state=0),
            "'fit_intercept'",
        ),
        (
            lambda: SGDClassifier(random_state=0),
            lambda: SGDClassifier(penalty="l1", random_state=0),
            "'penalty'",
        ),
        (
            lambda: SGDClassifier(random_state=0),
            lambda: SGDClassifier(average=True, random_state=0),
            "'average'",
        ),
        (
            lambda: LogisticRegression(),
            lambda: LogisticRegression(solver="liblinear"),
            "liblinear",
        ),
    ],
)
def test_mismatched_models_refused(make_a, make_b, what, binary_data):
    X, y = binary_data
    with pytest.raises(IncompatibleModelsError, match=what) as info:
        average_models(_fit_pair(make_a, make_b, X, y))
    assert "model #0 with model #1" in str(info.value)
    assert isinstance(info.value, ValueError)


def test_training_only_hyperparameters_may_differ(binary_data):
    X, y = binary_data
    models = _fit_pair(
        lambda: SGDClassifier(alpha=1e-3, random_state=0),
        lambda: SGDClassifier(alpha=1e-4, max_iter=50, random_state=1),
        X,
        y,
    )
    assert average_models(models).coef_.shape == (1, X.shape[1])


def test_refuses_different_features_labels_and_names(binary_data, multiclass_data):
    X, y = binary_data
    a = SGDClassifier(random_state=0).fit(X, y)
    b = SGDClassifier(random_state=0).fit(X[:, :-1], y)
    with pytest.raises(IncompatibleModelsError, match="n_features_in_: 15 vs 14"):
        average_models([a, b])
    c = SGDClassifier(random_state=0).fit(X, np.where(y == 1, "yes", "no"))
    with pytest.raises(IncompatibleModelsError, match="classes_"):
        average_models([a, c])
    # binary (1, d) never mixed with multiclass (k, d)
    Xm, ym = multiclass_data
    bin_model = SGDClassifier(random_state=0).fit(Xm[ym < 2], ym[ym < 2])
    multi_model = SGDClassifier(random_state=0).fit(Xm, ym)
    with pytest.raises(IncompatibleModelsError, match="classes_"):
        average_models([multi_model, bin_model])
    # feature names: same names, different order
    pd = pytest.importorskip("pandas")
    df = pd.DataFrame(X, columns=[f"f{i}" for i in range(X.shape[1])])
    d1 = SGDClassifier(random_state=0).fit(df, y)
    d2 = SGDClassifier(random_state=0).fit(df[df.columns[::-1]], y)
    with pytest.raises(IncompatibleModelsError, match="feature_names_in_"):
        average_models([d1, d2])
    assert list(average_models([d1, copy.deepcopy(d1)]).feature_names_in_) == list(df.columns)


def test_refuses_bad_input(binary_data):
    X, y = binary_data
    a = SGDClassifier(random_state=0).fit(X, y)
    with pytest.raises(ValueError, match="at least one model"):
        average_models([])
    with pytest.raises(TypeError, match="sequence of fitted estimators"):
        average_models(a)
    with pytest.raises(NotFittedError):
        average_models([a, SGDClassifier()])
    with pytest.raises(IncompatibleModelsError, match="no coef_"):
        from sklearn.tree import DecisionTreeClassifier

        average_models([DecisionTreeClassifier().fit(X, y)])
    with pytest.raises(ValueError, match="one value per model"):
        average_models([a, a], weights=[1, 2, 3])
    with pytest.raises(ValueError, match="finite and > 0"):
        average_models([a, a], weights=[1, -1])
    with pytest.raises(ValueError, match="feature_weights must have shape"):
        average_models([a, a], feature_weights=np.ones(3))


def test_sparse_coef(multiclass_data):
    X, y = multiclass_data
    dense = [SGDClassifier(penalty="l1", random_state=0).fit(Xp, yp) for Xp, yp in _halves(X, y)]
    expected = average_models(dense, weights=[2, 1])
    sparse_models = [copy.deepcopy(m).sparsify() for m in dense]
    got = average_models(sparse_models, weights=[2, 1])
    assert sp.issparse(got.coef_)
    np.testing.assert_allclose(got.coef_.toarray(), expected.coef_)
    np.testing.assert_array_equal(got.predict(X), expected.predict(X))
    mixed = average_models([sparse_models[0], dense[1]], weights=[2, 1])
    assert not sp.issparse(mixed.coef_)
    np.testing.assert_allclose(mixed.coef_, expected.coef_)


def test_global_label_set_aligns_rows(multiclass_data):
    X, y = multiclass_data
    labels = np.array(["a", "b", "c", "d"])[y]
    # model A never saw "d", model B never saw "a"
    a = SGDClassifier(random_state=0).fit(X[labels != "d"], labels[labels != "d"])
    b = SGDClassifier(random_state=0).fit(X[labels != "a"], labels[labels != "a"])
    with pytest.raises(IncompatibleModelsError, match="classes_"):
        average_models([a, b])
    avg = average_models([a, b], classes=["a", "b", "c", "d"])
    assert avg.coef_.shape == (4, X.shape[1])
    np.testing.assert_array_equal(avg.classes_, ["a", "b", "c", "d"])
    # each class row is averaged only over the models that saw it
    np.testing.assert_allclose(avg.coef_[0], a.coef_[0])  # "a": model A only
    np.testing.assert_allclose(avg.coef_[3], b.coef_[2])  # "d": model B only
    np.testing.assert_allclose(avg.coef_[1], (a.coef_[1] + b.coef_[0]) / 2)
    np.testing.assert_allclose(avg.intercept_[0], a.intercept_[0])
    assert set(avg.predict(X)) == {"a", "b", "c", "d"}
    with pytest.raises(IncompatibleModelsError, match="not in the label set"):
        average_models([a, b], classes=["a", "b", "c"])


def test_binary_model_in_multiclass_label_set(multiclass_data):
    X, y = multiclass_data
    multi = SGDClassifier(random_state=0).fit(X, y)
    pair = SGDClassifier(random_state=0).fit(X[y < 2], y[y < 2])  # one row: 1 vs 0
    avg = average_models([multi, pair], classes=[0, 1, 2, 3])
    w = pair.coef_[0]
    np.testing.assert_allclose(avg.coef_[1], (multi.coef_[1] + w) / 2)
    np.testing.assert_allclose(avg.coef_[0], (multi.coef_[0] - w) / 2)
    np.testing.assert_allclose(avg.coef_[2], multi.coef_[2])
    # multinomial logistic regression: the binary logit w is the pair (-w/2, w/2)
    lr_multi = LogisticRegression(max_iter=500).fit(X, y)
    lr_pair = LogisticRegression(max_iter=500).fit(X[y < 2], y[y < 2])
    avg = average_models([lr_multi, lr_pair], classes=[0, 1, 2, 3])
    np.testing.assert_allclose(avg.coef_[1], (lr_multi.coef_[1] + lr_pair.coef_[0] / 2) / 2)


def test_sgd_average_state_is_mixed(multiclass_data):
    X, y = multiclass_data
    parts = _halves(X, y)
    models = [SGDClassifier(average=True, random_state=0).fit(Xp, yp) for Xp, yp in parts]
    avg = average_models(models, weights=[1, 1])
    for name in ("_standard_coef", "_average_coef", "_standard_intercept", "_average_intercept"):
        np.testing.assert_allclose(
            getattr(avg, name), (getattr(models[0], name) + getattr(models[1], name)) / 2
        )
    assert avg.t_ == pytest.approx((models[0].t_ + models[1].t_) / 2)
    np.testing.assert_allclose(avg.coef_, avg._average_coef)  # scikit-learn's rule
    # The whole state is carried: continuing from the average of two copies is exactly
    # continuing from the model itself.
    model = models[0]
    twin = average_models([copy.deepcopy(model), copy.deepcopy(model)])
    cont_model = copy.deepcopy(model).partial_fit(*parts[1])
    cont_twin = twin.partial_fit(*parts[1])
    np.testing.assert_allclose(cont_twin.coef_, cont_model.coef_, rtol=1e-10, atol=1e-12)
    # ... which a coef_-only average would not do
    naive = copy.deepcopy(model)
    naive._standard_coef = naive.coef_.copy()
    naive.partial_fit(*parts[1])
    assert not np.allclose(naive.coef_, cont_model.coef_)


def test_sgd_average_regressor_keeps_sklearns_shapes(regression_data):
    """An averaged SGDRegressor's coef_ stays 1-D (as scikit-learn's), state and all."""
    X, y = regression_data
    models = [SGDRegressor(average=True, random_state=i).fit(X[i::2], y[i::2]) for i in (0, 1)]
    avg = average_models(models)
    assert avg.coef_.shape == models[0].coef_.shape == (X.shape[1],)
    np.testing.assert_allclose(avg.coef_, (models[0].coef_ + models[1].coef_) / 2)
    avg.partial_fit(X, y)  # continues from the averaged state
    assert avg.coef_.shape == (X.shape[1],)


def test_binary_models_in_a_multiclass_set_give_a_2d_coef(multiclass_data):
    """Binary models with 1-D coef_ averaged into three classes: (3, d), predicting."""
    X, y = multiclass_data
    X, y = X[y < 3], y[y < 3]
    models = [RidgeClassifier().fit(X[y != c], y[y != c]) for c in (0, 2)]
    avg = average_models(models, classes=np.unique(y))
    assert avg.coef_.shape == (3, X.shape[1])
    assert avg.predict(X).shape == (len(y),)


def test_sgd_average_binary_state(binary_data):
    X, y = binary_data
    models = [
        SGDClassifier(average=True, random_state=0).fit(Xp, yp) for Xp, yp in _halves(X, y)
    ]
    avg = average_models(models)
    assert avg._standard_coef.shape == (X.shape[1],)
    assert avg.coef_.shape == (1, X.shape[1])
    avg.partial_fit(X, y)  # continues without shape errors
    assert avg.score(X, y) > 0.7


def test_feature_weights_keep_columns_seen_by_one_model(binary_data):
    X, y = binary_data
    a = SGDClassifier(random_state=0).fit(X, y)
    b = copy.deepcopy(a)
    b.coef_ = b.coef_.copy()
    b.coef_[0, :5] = 0.0  # model b never saw columns 0-4
    fw = np.ones((2, X.shape[1]))
    fw[1, :5] = 0.0
    plain = average_models([a, b])
    weighted = average_models([a, b], feature_weights=fw)
    np.testing.assert_allclose(plain.coef_[0, :5], a.coef_[0, :5] / 2)
    np.testing.assert_allclose(weighted.coef_[0, :5], a.coef_[0, :5], rtol=1e-6)
    np.testing.assert_allclose(weighted.coef_[0, 5:], a.coef_[0, 5:])
    # a column that no model saw keeps the plain average
    fw[:, 7] = 0.0
    np.testing.assert_allclose(
        average_models([a, b], feature_weights=fw).coef_[0, 7], plain.coef_[0, 7]
    )


def test_feature_weights_with_class_alignment_and_sparse_coef(multiclass_data):
    X, y = multiclass_data
    a = SGDClassifier(random_state=0).fit(X[y != 3], y[y != 3])
    b = SGDClassifier(random_state=0).fit(X[y != 0], y[y != 0])
    classes = [0, 1, 2, 3]
    expected = average_models([a, b], weights=[2, 1], classes=classes)
    ones = np.ones((2, X.shape[1]))
    got = average_models([a, b], weights=[2, 1], classes=classes, feature_weights=ones)
    np.testing.assert_allclose(got.coef_, expected.coef_, rtol=1e-7)
    np.testing.assert_allclose(got.intercept_, expected.intercept_)
    sparse = [copy.deepcopy(m).sparsify() for m in (a, b)]
    got = average_models(sparse, weights=[2, 1], classes=classes, feature_weights=ones)
    assert sp.issparse(got.coef_)
    np.testing.assert_allclose(got.coef_.toarray(), expected.coef_, rtol=1e-7)


def test_reduction_is_associative_commutative_and_picklable(multiclass_data):
    X, y = multiclass_data
    models = [SGDClassifier(random_state=s).fit(X[s::3], y[s::3]) for s in range(3)]
    cs = [contribution(m, w) for m, w in zip(models, [1.0, 2.0, 3.0])]
    cs = [pickle.loads(pickle.dumps(c)) for c in cs]
    left = finalize(combine(combine(cs[0], cs[1]), cs[2]))
    right = finalize(combine(cs[0], combine(cs[2], cs[1])))
    np.testing.assert_allclose(left.coef_, right.coef_, rtol=1e-12)
    np.testing.assert_allclose(left.intercept_, right.intercept_, rtol=1e-12)
    expected = average_models(models, weights=[1, 2, 3])
    np.testing.assert_allclose(finalize(reduce(combine, cs)).coef_, expected.coef_)
    np.testing.assert_allclose(finalize(tree_reduce(cs)).coef_, expected.coef_)
    other = contribution(Perceptron().fit(X, y), 1.0)
    with pytest.raises(IncompatibleModelsError, match="estimator class"):
        combine(cs[0], other)


# ---------------------------------------------------------------------------------------
# AveragedLinearModel
# ---------------------------------------------------------------------------------------


def test_fit_averages_partition_models(multiclass_data):
    X, y = multiclass_data
    model = AveragedLinearModel(
        SGDClassifier(random_state=0), n_partitions=3, partition="shuffle", random_state=0
    ).fit(X, y)
    assert len(model.estimators_) == 3
    expected = average_models(model.estimators_, weights=model.partition_sizes_)
    np.testing.assert_allclose(model.coef_, expected.coef_)
    assert type(model.estimator_) is SGDClassifier
    np.testing.assert_array_equal(model.classes_, [0, 1, 2, 3])
    np.testing.assert_array_equal(model.predict(X), model.estimator_.predict(X))
    np.testing.assert_allclose(model.decision_function(X), model.estimator_.decision_function(X))
    assert model.score(X, y) == model.estimator_.score(X, y) > 0.6
    assert model.n_features_in_ == X.shape[1]


def test_result_does_not_depend_on_n_jobs(multiclass_data):
    X, y = multiclass_data
    fits = [
        AveragedLinearModel(
            SGDClassifier(), n_partitions=5, partition="shuffle", random_state=3, n_jobs=n_jobs
        ).fit(X, y)
        for n_jobs in (1, 2, 4)
    ]
    for other in fits[1:]:
        np.testing.assert_array_equal(other.coef_, fits[0].coef_)
        np.testing.assert_array_equal(other.intercept_, fits[0].intercept_)


@pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")
@pytest.mark.parametrize(
    "make",
    [
        lambda: LinearSVC(dual=False, random_state=0),  # TRON: BLAS dot/nrm2 over 2**18
        lambda: RidgeClassifier(solver="sparse_cg"),
        lambda: LogisticRegression(max_iter=30),  # lbfgs
    ],
    ids=["tron", "sparse-cg", "lbfgs"],
)
def test_blas_solvers_do_not_depend_on_n_jobs(hashed_text, make):
    # BLAS reductions round by their thread count: every task runs with one BLAS thread,
    # with one worker too (a threaded OpenBLAS gave ~1e-4 differences on these columns)
    import fasthash
    from fasthash._corpus import english_topics

    docs, labels = english_topics()
    X = fasthash.HashingVectorizer(n_features=2**18).transform(docs[:1600])
    y = np.asarray(labels[:1600])
    fits = [AveragedLinearModel(make(), n_partitions=2, n_jobs=n).fit(X, y) for n in (1, 2)]
    assert fits[0].coef_.tobytes() == fits[1].coef_.tobytes()
    assert np.asarray(fits[0].intercept_).tobytes() == np.asarray(fits[1].intercept_).tobytes()


def test_liblinear_result_does_not_depend_on_n_jobs(hashed_text):
    # liblinear draws from scikit-learn's one process-wide generator: fitted in two threads
    # at once, the partitions would race on it (coefficients ~1e-5 off, run to run)
    X, y = hashed_text
    est = LinearSVC(random_state=0, max_iter=300)
    kw = {"n_partitions": 4, "partition": "shuffle", "random_state": 0}
    want = AveragedLinearModel(est, n_jobs=1, **kw).fit(X, y)
    for _ in range(3):
        got = AveragedLinearModel(est, n_jobs=2, **kw).fit(X, y)
        assert got.coef_.tobytes() == want.coef_.tobytes()
        for a, b in zip(got.estimators_, want.estimators_):
            assert a.coef_.tobytes() == b.coef_.tobytes()


def test_intercepts_weighted_by_partition_size(regression_data):
    X, y = regression_data
    y = y + 100.0
    model = AveragedLinearModel(Ridge(), n_partitions=3).fit(X[:301], y[:301])
    np.testing.assert_array_equal(model.partition_sizes_, [101, 100, 100])
    sizes = model.partition_sizes_
    intercepts = np.array([m.intercept_ for m in model.estimators_])
    assert model.intercept_ == pytest.approx(np.dot(sizes, intercepts) / sizes.sum())
    assert isinstance(model.intercept_, float)  # Ridge's own type is kept
    weights = np.r_[np.full(101, 3.0), np.ones(200)]
    model = AveragedLinearModel(Ridge(), n_partitions=3).fit(X[:301], y[:301], weights)
    np.testing.assert_array_equal(model.partition_sizes_, [303, 100, 100])


def test_partition_without_a_class(multiclass_data):
    X, y = multiclass_data
    m = np.bincount(y).min()
    order = np.concatenate([np.flatnonzero(y == c)[:m] for c in range(4)])
    X, y = X[order], y[order]  # contiguous partitions: {0, 1} and {2, 3}
    model = AveragedLinearModel(LogisticRegression(max_iter=500), n_partitions=2).fit(X, y)
    first, second = model.estimators_
    np.testing.assert_array_equal(first.classes_, [0, 1])
    np.testing.assert_array_equal(second.classes_, [2, 3])
    assert model.coef_.shape == (4, X.shape[1])
    np.testing.assert_array_equal(model.classes_, [0, 1, 2, 3])
    # Row of class 0 comes from the partition that saw it only (binary logit w -> -w/2):
    np.testing.assert_allclose(model.coef_[0], -first.coef_[0] / 2)
    np.testing.assert_allclose(model.coef_[3], second.coef_[0] / 2)
    assert set(model.predict(X)) == {0, 1, 2, 3}
    proba = model.predict_proba(X)
    assert proba.shape == (len(X), 4)
    # an OvR estimator: 3 partitions, the middle one sees one class only
    model = AveragedLinearModel(SGDClassifier(random_state=0), n_partitions=4).fit(X, y)
    assert model.coef_.shape == (4, X.shape[1])
    assert set(model.predict(X)) == {0, 1, 2, 3}


def test_single_class_partition_without_partial_fit_is_explained():
    X = np.arange(40, dtype=float).reshape(20, 2)
    y = np.r_[np.zeros(10), np.ones(10)]
    with pytest.raises(ValueError, match="only in partitions holding a single class"):
        AveragedLinearModel(LogisticRegression(), n_partitions=2).fit(X, y)
    model = AveragedLinearModel(LogisticRegression(), n_partitions=2, partition="stratified")
    assert model.fit(X, y).score(X, y) > 0.9


def test_string_and_pm1_labels(binary_data):
    X, y = binary_data
    words = np.where(y == 1, "spam", "ham")
    model = AveragedLinearModel(LinearSVC(), n_partitions=3, partition="shuffle", random_state=0)
    model.fit(X, words)
    np.testing.assert_array_equal(model.classes_, ["ham", "spam"])
    assert model.coef_.shape == (1, X.shape[1])
    assert set(model.predict(X)) <= {"ham", "spam"} and model.score(X, words) > 0.8
    pm1 = np.where(y == 1, 1, -1)
    model = AveragedLinearModel(Perceptron(random_state=0), n_partitions=2).fit(X, pm1)
    np.testing.assert_array_equal(model.classes_, [-1, 1])
    assert model.coef_.shape == (1, X.shape[1])
    assert set(model.predict(X)) <= {-1, 1} and model.score(X, pm1) > 0.7


def test_stratified_partitions_hold_every_class(multiclass_data):
    X, y = multiclass_data
    model = AveragedLinearModel(
        RidgeClassifier(), n_partitions=5, partition="stratified", random_state=0
    ).fit(X, y)
    for est in model.estimators_:
        np.testing.assert_array_equal(est.classes_, [0, 1, 2, 3])
    assert model.partition_sizes_.sum() == len(y)
    assert np.ptp(model.partition_sizes_) <= 1
    # the averaged RidgeClassifier keeps its label encoding consistent
    np.testing.assert_array_equal(model.estimator_.classes_, [0, 1, 2, 3])


@pytest.mark.parametrize(
    "make", [lambda: SGDClassifier(random_state=0), lambda: LogisticRegression(max_iter=300)]
)
def test_iterative_parameter_mixing(make, multiclass_data):
    X, y = multiclass_data
    one = AveragedLinearModel(make(), n_partitions=4, partition="stratified", random_state=0)
    three = clone(one).set_params(n_rounds=3)
    one.fit(X, y)
    three.fit(X, y)
    assert not np.allclose(one.coef_, three.coef_)
    assert three.score(X, y) >= one.score(X, y) - 0.02
    np.testing.assert_allclose(
        three.coef_,
        average_models(three.estimators_, weights=three.partition_sizes_).coef_,
    )


def test_mixing_rounds_need_warm_start(multiclass_data):
    with pytest.raises(ValueError, match="n_rounds=2 needs an estimator"):
        AveragedLinearModel(LinearSVC(), n_rounds=2).fit(np.eye(4), [0, 1, 0, 1])
    X, y = multiclass_data
    order = np.argsort(y, kind="stable")
    model = AveragedLinearModel(LogisticRegression(), n_partitions=2, n_rounds=2)
    with pytest.raises(ValueError, match=r"every class, but partition\(s\) \[0, 1\]"):
        model.fit(X[order], y[order])


def test_mixing_rounds_sgd_average_continue(multiclass_data):
    X, y = multiclass_data
    model = AveragedLinearModel(
        SGDClassifier(average=True, random_state=0),
        n_partitions=2,
        partition="shuffle",
        n_rounds=2,
        random_state=0,
    ).fit(X, y)
    # round 2 continued round 1's averaged state: the update count kept growing
    round1 = AveragedLinearModel(
        SGDClassifier(average=True, random_state=0),
        n_partitions=2,
        partition="shuffle",
        random_state=0,
    ).fit(X, y)
    assert model.estimator_.t_ > round1.estimator_.t_
    assert model.score(X, y) > 0.6


def test_feature_weighting_uses_column_counts():
    rng = np.random.RandomState(0)
    mask = np.ones((200, 30))
    mask[:100, :10] = 0  # partition 0 never sees columns 0-9
    X = sp.csr_matrix(sp.random(200, 30, density=0.2, random_state=rng).multiply(mask))
    X.eliminate_zeros()
    y = rng.randint(0, 2, 200)
    model = AveragedLinearModel(Ridge(), n_partitions=2, feature_weighting=True).fit(X, y)
    a, b = model.estimators_
    np.testing.assert_allclose(model.coef_[:10], b.coef_[:10], rtol=1e-6, atol=1e-12)
    na, nb = (np.asarray((part != 0).sum(0)).ravel()[15] for part in (X[:100], X[100:]))
    expected = (na * a.coef_[15] + nb * b.coef_[15]) / (na + nb)
    assert model.coef_[15] == pytest.approx(expected, rel=1e-6)


def test_partial_fit_stream(multiclass_data):
    X, y = multiclass_data
    model = AveragedLinearModel(SGDClassifier(random_state=0), n_partitions=3, random_state=0)
    with pytest.raises(ValueError, match="classes must be passed"):
        clone(model).partial_fit(X[:100], y[:100])
    for start in range(0, len(y), 100):
        model.partial_fit(X[start : start + 100], y[start : start + 100], classes=[0, 1, 2, 3])
    assert len(model.estimators_) == 3
    np.testing.assert_array_equal(model.classes_, [0, 1, 2, 3])
    assert model.partition_sizes_.sum() == len(y)
    assert model.score(X, y) > 0.5
    with pytest.raises(ValueError, match="not in classes"):
        model.partial_fit(X[:10], np.full(10, 9))
    mixed = clone(model).set_params(n_rounds=2)
    for start in range(0, len(y), 100):
        mixed.partial_fit(X[start : start + 100], y[start : start + 100], classes=[0, 1, 2, 3])
    assert mixed.score(X, y) > 0.5
    weighted = clone(model).set_params(feature_weighting=True)
    for start in range(0, len(y), 200):
        weighted.partial_fit(X[start : start + 200], y[start : start + 200], classes=[0, 1, 2, 3])
    stream = weighted._stream
    fractions = [c / n for c, n in zip(stream.counts, stream.n_samples)]
    expected = average_models(
        weighted.estimators_, weights=weighted.partition_sizes_, feature_weights=fractions
    )
    np.testing.assert_allclose(weighted.coef_, expected.coef_, rtol=1e-6)
    assert not hasattr(AveragedLinearModel(LinearSVC()), "partial_fit")


def test_partial_fit_after_fit_continues(binary_data):
    X, y = binary_data
    model = AveragedLinearModel(SGDClassifier(random_state=0), random_state=0).fit(X, y)
    before = model.coef_.copy()
    model.partial_fit(X, y)
    assert not np.allclose(before, model.coef_)
    assert model.partition_sizes_.sum() == 2 * len(y)


def test_classifier_or_regressor_follows_estimator(binary_data):
    X, y = binary_data
    clf = AveragedLinearModel(SGDClassifier())
    reg = AveragedLinearModel(SGDRegressor())
    assert is_classifier(clf) and not is_regressor(clf)
    assert is_regressor(reg) and not is_classifier(reg)
    assert isinstance(check_cv(3, y, classifier=is_classifier(clf)), StratifiedKFold)
    assert not hasattr(AveragedLinearModel(Ridge()), "predict_proba")
    assert hasattr(AveragedLinearModel(LogisticRegression()), "predict_proba")
    with pytest.raises(ValueError, match="stratified' needs a classifier"):
        AveragedLinearModel(Ridge(), partition="stratified").fit(X, y)


@pytest.mark.parametrize(
    "params, match",
    [
        ({"n_partitions": 0}, "'n_partitions' parameter of AveragedLinearModel must be an int"),
        ({"n_rounds": 1.5}, "'n_rounds' parameter of AveragedLinearModel must be an int"),
        ({"partition": "random"}, "'partition' parameter of AveragedLinearModel must be a str"),
        ({"n_jobs": 0}, "'n_jobs' parameter of AveragedLinearModel must be an int other than 0"),
        ({"n_jobs": 1.5}, "'n_jobs' parameter of AveragedLinearModel must be an int other than 0"),
        ({"feature_weighting": "yes"}, "'feature_weighting' parameter of AveragedLinearModel"),
        ({"estimator": "SGD"}, "'estimator' parameter of AveragedLinearModel must be an object"),
        ({"verbose": -1}, "'verbose' parameter of AveragedLinearModel"),
    ],
)
def test_parameter_validation(params, match, binary_data):
    """scikit-learn's validation, from fit and partial_fit alike."""
    X, y = binary_data
    model = AveragedLinearModel(SGDClassifier())
    model.set_params(**params)
    with pytest.raises(InvalidParameterError, match=match):
        model.fit(X[:100], y[:100])
    if hasattr(model, "partial_fit"):  # not with estimator="SGD"
        with pytest.raises(InvalidParameterError, match=match):
            model.partial_fit(X[:100], y[:100], classes=[0, 1])


def test_more_partitions_than_samples(binary_data):
    X, y = binary_data
    with pytest.raises(ValueError, match="larger than the number of samples"):
        AveragedLinearModel(SGDClassifier(), n_partitions=500).fit(X[:100], y[:100])


def test_n_jobs_error_is_the_one_of_every_entry_point(binary_data):
    """n_jobs=1.5 gives one InvalidParameterError message, from every fasthash entry point."""
    X, y = binary_data
    from fasthash import FeatureHasher, HashingVectorizer, ParallelForestClassifier
    from fasthash.utils._threads import check_n_jobs

    messages = []
    for name, call in [
        ("AveragedLinearModel", lambda: AveragedLinearModel(SGDClassifier(), n_jobs=1.5).fit(X, y)),
        ("ParallelForestClassifier",
         lambda: ParallelForestClassifier(n_jobs=1.5).fit(X, y)),
        ("HashingVectorizer", lambda: HashingVectorizer(n_jobs=1.5).transform(["a b"])),
        ("FeatureHasher", lambda: FeatureHasher(n_jobs=1.5).transform([{"a": 1}])),
        ("checked", lambda: check_n_jobs(1.5, "checked")),
    ]:
        with pytest.raises(InvalidParameterError) as info:
            call()
        messages.append(str(info.value).replace(name, "<caller>"))
    assert len(set(messages)) == 1, messages


def test_verbose(binary_data, capsys):
    X, y = binary_data
    AveragedLinearModel(Ridge(), n_partitions=2, verbose=1).fit(X, y)
    assert "partition 1 fitted on 200 samples" in capsys.readouterr().out


@pytest.mark.parametrize("module", [averaging, reduction], ids=lambda m: m.__name__)
def test_docstring_examples(module):
    result = doctest.testmod(module, optionflags=doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE)
    assert result.attempted > 0 and result.failed == 0


# ---------------------------------------------------------------------------------------
# scikit-learn's estimator checks
# ---------------------------------------------------------------------------------------

_WEIGHT_EQUIVALENCE = (
    "partitions are cut by rows: repeating a sample moves the partition boundaries, so "
    "it is not equivalent to a sample weight (each partition model honours its weights)"
)


def _expected_failed_checks(estimator):
    return {
        "check_sample_weight_equivalence_on_dense_data": _WEIGHT_EQUIVALENCE,
        "check_sample_weight_equivalence_on_sparse_data": _WEIGHT_EQUIVALENCE,
    }


@parametrize_with_checks(
    [
        AveragedLinearModel(SGDClassifier(random_state=0), random_state=0),
        AveragedLinearModel(LogisticRegression(), partition="stratified", random_state=0),
        AveragedLinearModel(SGDRegressor(random_state=0), n_rounds=2, random_state=0),
    ],
    expected_failed_checks=_expected_failed_checks,
)
@pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")
def test_sklearn_estimator_checks(estimator, check):
    check(estimator)


# ---------------------------------------------------------------------------------------
# Sample weights: a partition's weight is the sum of its sample weights
# ---------------------------------------------------------------------------------------


def test_negative_sample_weights_follow_the_estimator(binary_data):
    """All-negative weights: each partition model is what the estimator fits with them,
    averaged with the magnitudes of the partition sums (the same weighted mean)."""
    X, y = binary_data
    n = len(y)
    sw = -np.ones(n)
    model = AveragedLinearModel(SGDClassifier(random_state=0), n_partitions=2).fit(
        X, y, sample_weight=sw
    )
    assert all(est is not None for est in model.estimators_)
    np.testing.assert_array_equal(model.partition_sizes_, [-(n // 2), -(n - n // 2)])
    for est, idx in zip(model.estimators_, np.array_split(np.arange(n), 2)):
        alone = SGDClassifier(random_state=0).fit(X[idx], y[idx], sample_weight=sw[idx])
        assert est.coef_.tobytes() == alone.coef_.tobytes()
    want = average_models(model.estimators_, weights=np.abs(model.partition_sizes_))
    assert model.coef_.tobytes() == want.coef_.tobytes()
    # Unequal negative sums weigh the models by their magnitudes.
    sw2 = np.where(np.arange(n) < n // 2, -1.0, -3.0)
    m2 = AveragedLinearModel(SGDClassifier(random_state=0), n_partitions=2).fit(
        X, y, sample_weight=sw2
    )
    want = average_models(m2.estimators_, weights=[n // 2, 3 * (n - n // 2)])
    np.testing.assert_allclose(m2.coef_, want.coef_, rtol=1e-12)


@pytest.mark.parametrize(
    "make_weights, match",
    [
        (lambda n: np.r_[-np.ones(n // 2), np.ones(n - n // 2)],
         r"sums to -\d+\.0 over partition 0 but to \d+\.0 over partition 1"),
        (lambda n: np.r_[np.zeros(n // 2), np.ones(n - n // 2)], "sums to 0 over partition 0"),
        (lambda n: np.r_[np.ones(n // 2), np.tile([1.0, -1.0], (n - n // 2) // 2)],
         "sums to 0 over partition 1"),
    ],
    ids=["mixed-signs", "zero-partition", "cancelling"],
)
def test_partition_weights_that_cannot_average_are_refused(make_weights, match, binary_data):
    """Never a partition dropped silently: a zero or mixed-sign partition weight raises,
    naming the partition, before anything is fitted."""
    X, y = binary_data
    sw = make_weights(len(y))
    model = AveragedLinearModel(SGDClassifier(random_state=0), n_partitions=2)
    with pytest.raises(ValueError, match=match):
        model.fit(X, y, sample_weight=sw)
    assert not hasattr(model, "estimators_")


def test_all_zero_and_non_finite_weights_get_sklearns_errors(binary_data):
    X, y = binary_data
    model = AveragedLinearModel(SGDClassifier(), n_partitions=2)
    with pytest.raises(ValueError, match="at least one non-zero"):
        model.fit(X, y, sample_weight=np.zeros(len(y)))
    with pytest.raises(ValueError, match="sample_weight.*NaN"):
        model.fit(X, y, sample_weight=np.full(len(y), np.nan))
    with pytest.raises(ValueError, match=r"sample_weight.shape == \(3,\)"):
        model.fit(X, y, sample_weight=np.ones(3))


def test_partial_fit_weights_are_checked_per_partition(binary_data):
    X, y = binary_data
    model = AveragedLinearModel(SGDClassifier(random_state=0), n_partitions=2)
    model.partial_fit(X[:100], y[:100], classes=[0, 1], sample_weight=-np.ones(100))
    assert (model.partition_sizes_ == -50).all()
    with pytest.raises(ValueError, match="sums to 0 over partition 0"):  # -50 + 50
        model.partial_fit(X[100:200], y[100:200], sample_weight=np.ones(100))
    # the stream is as it was before the refused chunk
    assert (model.partition_sizes_ == -50).all()
    model.partial_fit(X[100:200], y[100:200], sample_weight=-np.ones(100))
    assert (model.partition_sizes_ == -100).all()


def test_a_single_class_partition_left_out_says_so():
    X, y = make_classification(n_samples=300, n_classes=2, random_state=0)
    order = np.argsort(y, kind="stable")
    X, y = X[order], y[order]  # partition 2 of 3 holds class 1 only
    y[:10] = 1
    with pytest.warns(FasthashWarning, match=r"Partition\(s\) \[2\] hold a single class"):
        model = AveragedLinearModel(LogisticRegression(), n_partitions=3).fit(X, y)
    assert model.estimators_[2] is None
