# Authors: The fasthash developers
# SPDX-License-Identifier: BSD-3-Clause
"""Forests merged and trained on threads (fasthash.ensemble)."""

import pickle
import re

import numpy as np
import pytest
from _helpers import parametrize_with_checks
from sklearn.base import clone
from sklearn.datasets import make_classification, make_regression
from sklearn.ensemble import (
    ExtraTreesClassifier,
    ExtraTreesRegressor,
    GradientBoostingClassifier,
    RandomForestClassifier,
    RandomForestRegressor,
)
from sklearn.exceptions import NotFittedError
from sklearn.model_selection import train_test_split
from sklearn.utils.class_weight import compute_class_weight

from fasthash import HashingVectorizer
from fasthash._corpus import english_topics
from fasthash.ensemble import ParallelForestClassifier, ParallelForestRegressor, merge_forests
from fasthash.ensemble._forest import distinct_seeds, split_partitions, tree_budgets
from fasthash.utils._sklearn_compat import InvalidParameterError
from fasthash.exceptions import IncompatibleModelsError

CLASSIFIERS = [RandomForestClassifier, ExtraTreesClassifier]
REGRESSORS = [RandomForestRegressor, ExtraTreesRegressor]


# ----------------------------------------------------------------------------------------
# Data


@pytest.fixture(scope="module")
def text_task():
    """Hashed real English text: 5 stdlib packages, 600 training and 400 test documents."""
    docs, labels = english_topics()
    keep = {"email", "logging", "unittest", "http", "importlib"}
    idx = [i for i, label in enumerate(labels) if label in keep]
    X = HashingVectorizer(n_features=2**16, alternate_sign=False).transform(
        [docs[i] for i in idx]
    )
    y = np.array([labels[i] for i in idx])
    return train_test_split(X, y, train_size=600, test_size=400, random_state=0, stratify=y)


def _blobs(n=240, n_classes=4, seed=0):
    X, y = make_classification(
        n_samples=n,
        n_features=6,
        n_informative=4,
        n_redundant=0,
        n_classes=n_classes,
        n_clusters_per_class=1,
        class_sep=2.0,
        random_state=seed,
    )
    return X, y


def _aligned_mean_proba(forests, X, classes):
    """Tree-count-weighted mean of the forests' predict_proba over ``classes``."""
    total = np.zeros((X.shape[0], len(classes)))
    n_trees = 0
    for forest in forests:
        cols = np.searchsorted(classes, forest.classes_)
        assert np.array_equal(classes[cols], forest.classes_)
        total[:, cols] += len(forest.estimators_) * forest.predict_proba(X)
        n_trees += len(forest.estimators_)
    return total / n_trees


# ----------------------------------------------------------------------------------------
# merge_forests


@pytest.mark.parametrize("Forest", CLASSIFIERS)
def test_merge_concatenates_deep_copies_and_leaves_inputs_alone(Forest):
    X, y = _blobs()
    a = Forest(n_estimators=3, random_state=0).fit(X, y)
    b = Forest(n_estimators=4, random_state=1).fit(X, y)
    before = a.predict_proba(X), b.predict_proba(X)
    merged = merge_forests([a, b])
    assert type(merged) is Forest
    assert merged.n_estimators == len(merged.estimators_) == 7
    originals = a.estimators_ + b.estimators_
    assert merged is not a and all(t not in originals for t in merged.estimators_)
    X32 = X.astype(np.float32)
    for t_m, t in zip(merged.estimators_, originals):
        assert t_m.tree_ is not t.tree_
        np.testing.assert_array_equal(t_m.apply(X32), t.apply(X32))
    np.testing.assert_array_equal(merged.classes_, a.classes_)
    assert merged.n_classes_ == 4
    # inputs untouched
    assert a.n_estimators == 3 and len(a.estimators_) == 3 and len(b.estimators_) == 4
    np.testing.assert_array_equal(a.predict_proba(X), before[0])
    np.testing.assert_array_equal(b.predict_proba(X), before[1])
    np.testing.assert_allclose(
        merged.predict_proba(X), (3 * before[0] + 4 * before[1]) / 7, rtol=0, atol=1e-12
    )


@pytest.mark.parametrize("Forest", CLASSIFIERS)
def test_forest_missing_a_class_votes_zero_for_it(Forest):
    X, y = _blobs(n_classes=3)
    labels = np.array(["ham", "spam", "eggs"])[y]
    seen_two = labels != "spam"
    a = Forest(n_estimators=2, random_state=0).fit(X[seen_two], labels[seen_two])
    b = Forest(n_estimators=6, random_state=1).fit(X, labels)
    assert a.classes_.tolist() == ["eggs", "ham"]
    merged = merge_forests([a, b])
    assert merged.classes_.tolist() == ["eggs", "ham", "spam"]
    proba = merged.predict_proba(X)
    np.testing.assert_allclose(proba.sum(axis=1), 1.0)
    np.testing.assert_allclose(proba, _aligned_mean_proba([a, b], X, merged.classes_), atol=1e-12)
    # Trees of `a` give "spam" exactly 0, their own classes what they gave before.
    for tree, old in zip(merged.estimators_[:2], a.estimators_):
        p = tree.predict_proba(X.astype(np.float32))
        assert p.shape == (len(X), 3)
        np.testing.assert_array_equal(p[:, 2], 0.0)
        np.testing.assert_array_equal(p[:, :2], old.predict_proba(X.astype(np.float32)))
    # b has 3/4 of the trees: the class a never saw still wins where b predicts it.
    spam = labels == "spam"
    assert (merged.predict(X[spam]) == "spam").mean() > 0.5


@pytest.mark.parametrize(
    "labels_a, labels_b",
    [
        ([-1, 1], [1]),  # {-1, 1} labels; b saw only one class
        ([0, 2], [1, 3]),  # disjoint integer labels
        (["b", "c"], ["a", "c"]),  # string labels, union sorted
    ],
    ids=["minus-one-one", "disjoint-ints", "strings"],
)
def test_classes_aligned_to_sorted_union(labels_a, labels_b):
    rng = np.random.RandomState(0)
    Xa, Xb = rng.normal(size=(60, 3)), rng.normal(size=(50, 3))
    ya = np.array(labels_a)[rng.randint(len(labels_a), size=60)]
    yb = np.array(labels_b)[rng.randint(len(labels_b), size=50)]
    a = RandomForestClassifier(n_estimators=4, random_state=0).fit(Xa, ya)
    b = RandomForestClassifier(n_estimators=2, random_state=0).fit(Xb, yb)
    merged = merge_forests([a, b])
    union = np.union1d(labels_a, labels_b)
    np.testing.assert_array_equal(merged.classes_, union)
    assert merged.n_classes_ == len(union)
    X = rng.normal(size=(30, 3))
    expected = _aligned_mean_proba([a, b], X, union)
    np.testing.assert_allclose(merged.predict_proba(X), expected, atol=1e-12)
    assert set(merged.predict(X)) <= set(union.tolist())
    assert merged.predict(X).dtype == union.dtype


def test_multi_output_classification_is_remapped_per_output():
    rng = np.random.RandomState(0)
    X = rng.normal(size=(120, 4))
    y = np.c_[(X[:, 0] > 0).astype(int) * 2, (X[:, 1] > 0).astype(int) + (X[:, 1] > 1)]
    part = X[:, 1] <= 1  # forest a never sees class 2 of output 1
    a = RandomForestClassifier(n_estimators=3, random_state=0).fit(X[part], y[part])
    b = RandomForestClassifier(n_estimators=2, random_state=1).fit(X, y)
    assert [c.tolist() for c in a.classes_] == [[0, 2], [0, 1]]
    merged = merge_forests([a, b])
    assert [c.tolist() for c in merged.classes_] == [[0, 2], [0, 1, 2]]
    assert list(merged.n_classes_) == [2, 3]
    proba = merged.predict_proba(X)
    assert [p.shape for p in proba] == [(120, 2), (120, 3)]
    pa, pb = a.predict_proba(X), b.predict_proba(X)
    np.testing.assert_allclose(proba[0], (3 * pa[0] + 2 * pb[0]) / 5, atol=1e-12)
    expected1 = (3 * np.c_[pa[1], np.zeros(120)] + 2 * pb[1]) / 5
    np.testing.assert_allclose(proba[1], expected1, atol=1e-12)
    assert merged.predict(X).shape == (120, 2)


@pytest.mark.parametrize("Forest", REGRESSORS)
def test_regressors_average_predictions(Forest):
    X, y = make_regression(n_samples=150, n_features=5, n_targets=2, random_state=0)
    a = Forest(n_estimators=3, random_state=0).fit(X[:100], y[:100])
    b = Forest(n_estimators=5, random_state=1).fit(X[50:], y[50:])
    merged = merge_forests([a, b])
    assert type(merged) is Forest and merged.n_estimators == 8
    np.testing.assert_allclose(
        merged.predict(X), (3 * a.predict(X) + 5 * b.predict(X)) / 8, rtol=1e-12
    )


@pytest.mark.filterwarnings("ignore:Some inputs do not have OOB scores:UserWarning")
def test_stale_attributes_are_dropped():
    X, y = _blobs()
    kw = dict(n_estimators=15, oob_score=True)
    a = RandomForestClassifier(**kw, random_state=0).fit(X, y)
    b = RandomForestClassifier(**kw, random_state=1).fit(X, y)
    assert hasattr(a, "oob_score_") and len(a.estimators_samples_) == 15
    merged = merge_forests([a, b])
    for name in ("oob_score_", "oob_decision_function_"):
        assert not hasattr(merged, name)
    assert merged.oob_score is False
    with pytest.raises(AttributeError):
        merged.estimators_samples_  # noqa: B018 - the property must not give stale indices
    Xr, yr = make_regression(n_samples=80, n_features=3, random_state=0)
    r = RandomForestRegressor(**kw, random_state=0).fit(Xr, yr)
    merged_r = merge_forests([r, r])
    assert not hasattr(merged_r, "oob_prediction_") and not hasattr(merged_r, "oob_score_")
    # The merged forests still predict, score and expose importances.
    assert merged.score(X, y) > 0.9
    assert merged.feature_importances_.shape == (6,)


def test_merge_is_associative():
    X, y = _blobs(n_classes=4)
    parts = [y != 0, y != 3, np.ones(len(y), bool)]
    a, b, c = (
        ExtraTreesClassifier(n_estimators=3, random_state=i).fit(X[m], y[m])
        for i, m in enumerate(parts)
    )
    nested = merge_forests([merge_forests([a, b]), c])
    flat = merge_forests([a, b, c])
    other = merge_forests([a, merge_forests([b, c])])
    for m in (nested, other):
        np.testing.assert_array_equal(m.classes_, flat.classes_)
        np.testing.assert_array_equal(m.predict_proba(X), flat.predict_proba(X))
        assert m.n_estimators == flat.n_estimators == 9


def test_single_forest_merge_is_a_copy():
    X, y = _blobs()
    a = RandomForestClassifier(n_estimators=3, random_state=0).fit(X, y)
    m = merge_forests([a])
    assert m is not a and m.estimators_[0] is not a.estimators_[0]
    np.testing.assert_array_equal(m.predict_proba(X), a.predict_proba(X))


def test_merged_forest_pickles_without_fasthash():
    X, y = _blobs(n_classes=3)
    a = RandomForestClassifier(n_estimators=3, random_state=0).fit(X[y != 1], y[y != 1])
    b = RandomForestClassifier(n_estimators=3, random_state=1).fit(X, y)
    merged = merge_forests([a, b])
    blob = pickle.dumps(merged)
    assert b"fasthash" not in blob
    loaded = pickle.loads(blob)
    assert type(loaded) is RandomForestClassifier
    np.testing.assert_array_equal(loaded.predict_proba(X), merged.predict_proba(X))
    assert loaded.score(X, y) == merged.score(X, y)


def test_feature_names_are_checked_and_kept():
    pd = pytest.importorskip("pandas")
    X, y = _blobs()
    df = pd.DataFrame(X, columns=[f"f{i}" for i in range(6)])
    a = RandomForestClassifier(n_estimators=2, random_state=0).fit(df, y)
    b = RandomForestClassifier(n_estimators=2, random_state=1).fit(df, y)
    merged = merge_forests([a, b])
    assert merged.feature_names_in_.tolist() == list(df.columns)
    merged.predict(df)  # no warning (filterwarnings=error)
    shuffled = RandomForestClassifier(n_estimators=2, random_state=1).fit(df[df.columns[::-1]], y)
    with pytest.raises(IncompatibleModelsError, match="feature_names_in_.*different order"):
        merge_forests([a, shuffled])
    plain = RandomForestClassifier(n_estimators=2, random_state=1).fit(X, y)
    with pytest.raises(IncompatibleModelsError, match="fitted with feature names"):
        merge_forests([a, plain])


@pytest.mark.parametrize(
    "make_other, match",
    [
        (lambda X, y: ExtraTreesClassifier(n_estimators=2).fit(X, y), "different classes"),
        (lambda X, y: RandomForestClassifier(n_estimators=2).fit(X[:, :4], y), "n_features_in_"),
        (
            lambda X, y: RandomForestClassifier(n_estimators=2).fit(X, np.c_[y, y]),
            "n_outputs_",
        ),
        (
            lambda X, y: RandomForestClassifier(n_estimators=2, criterion="entropy").fit(X, y),
            "criterion",
        ),
        (
            lambda X, y: RandomForestClassifier(n_estimators=2, max_features=4).fit(X, y),
            "max_features",
        ),
        (
            lambda X, y: RandomForestClassifier(n_estimators=2, class_weight="balanced").fit(X, y),
            "class_weight",
        ),
        (
            lambda X, y: RandomForestClassifier(n_estimators=2).fit(X, np.array(list("abcd"))[y]),
            "different kinds",
        ),
    ],
    ids=["class", "n_features", "n_outputs", "criterion", "max_features", "class_weight", "labels"],
)
def test_mismatched_forests_are_refused(make_other, match):
    X, y = _blobs()
    a = RandomForestClassifier(n_estimators=2, random_state=0).fit(X, y)
    other = make_other(X, y)
    with pytest.raises(IncompatibleModelsError, match=match) as info:
        merge_forests([a, other])
    assert isinstance(info.value, ValueError)
    assert "forest 0" in str(info.value) and "forest 1" in str(info.value)


def test_bad_inputs():
    X, y = _blobs()
    a = RandomForestClassifier(n_estimators=2, random_state=0).fit(X, y)
    with pytest.raises(ValueError, match="at least one"):
        merge_forests([])
    with pytest.raises(TypeError, match="wrap it in a list"):
        merge_forests(a)
    with pytest.raises(TypeError, match="item 1 is GradientBoosting"):
        merge_forests([a, GradientBoostingClassifier()])
    with pytest.raises(NotFittedError):
        merge_forests([a, RandomForestClassifier()])
    # Two spellings of one thing are accepted.
    entropy = RandomForestClassifier(n_estimators=2, criterion="entropy").fit(X, y)
    log_loss = RandomForestClassifier(n_estimators=2, criterion="log_loss").fit(X, y)
    assert merge_forests([entropy, log_loss]).n_estimators == 4
    Xr, yr = make_regression(n_samples=40, n_features=4, random_state=0)
    r_none = RandomForestRegressor(n_estimators=2, max_features=None).fit(Xr, yr)
    r_one = RandomForestRegressor(n_estimators=2, max_features=1.0).fit(Xr, yr)
    assert merge_forests([r_none, r_one]).n_estimators == 4
    # Non-semantic hyper-parameters may differ; the merged forest keeps the first's.
    deep = RandomForestClassifier(n_estimators=2, max_depth=2, random_state=0).fit(X, y)
    assert merge_forests([a, deep]).max_depth is None


# ----------------------------------------------------------------------------------------
# Helpers of the meta-estimators


@pytest.mark.parametrize(
    "sizes, n_estimators",
    [([10, 10, 10], 100), ([1, 1000], 10), ([5, 3, 2], 10), ([7] * 8, 8), ([3, 1], 7)],
)
def test_tree_budgets_are_proportional_and_exact(sizes, n_estimators):
    budgets = tree_budgets(sizes, n_estimators)
    assert sum(budgets) == n_estimators and min(budgets) >= 1
    share = np.asarray(sizes) / sum(sizes) * n_estimators
    assert np.all(np.abs(np.asarray(budgets) - share) <= len(sizes))
    if len(set(sizes)) == 1:
        assert max(budgets) - min(budgets) <= 1


def test_seeds_are_distinct_and_reproducible():
    seeds, _ = distinct_seeds(0, 64)
    assert len(set(seeds)) == 64 and all(0 <= s <= 2**32 - 1 for s in seeds)
    assert distinct_seeds(0, 64)[0] == seeds
    assert distinct_seeds(1, 64)[0] != seeds
    assert distinct_seeds(np.random.RandomState(0), 3)[0] == distinct_seeds(
        np.random.RandomState(0), 3
    )[0]
    with pytest.raises(ValueError, match="random_state"):
        distinct_seeds("zero", 2)


def test_stratified_partitions_are_disjoint_and_balanced():
    y = np.repeat([0, 1, 2], [50, 7, 2])
    parts = split_partitions(y, len(y), 4, np.random.default_rng(0))
    joined = np.sort(np.concatenate(parts))
    np.testing.assert_array_equal(joined, np.arange(len(y)))
    sizes = [len(p) for p in parts]
    assert max(sizes) - min(sizes) <= 1
    for c in (0, 1):
        counts = [np.sum(y[p] == c) for p in parts]
        assert max(counts) - min(counts) <= 1
    assert sorted(np.sum(y[p] == 2) for p in parts) == [0, 0, 1, 1]


# ----------------------------------------------------------------------------------------
# ParallelForestClassifier / ParallelForestRegressor


def test_replicate_matches_one_forest_of_the_same_size(text_task):
    # Quality bar: same accuracy as one forest with the same total number of trees
    # (mean over seeds, within the noise of a 400-document test set).
    Xtr, Xte, ytr, yte = text_task
    base = RandomForestClassifier(min_samples_leaf=2)
    one, par = [], []
    for seed in range(3):
        single = clone(base).set_params(n_estimators=32, random_state=seed)
        one.append(single.fit(Xtr, ytr).score(Xte, yte))
        clf = ParallelForestClassifier(base, n_estimators=32, n_jobs=2, random_state=seed)
        par.append(clf.fit(Xtr, ytr).score(Xte, yte))
        assert len(clf.estimators_) == 32 and clf.tree_budgets_ == [4] * 8
    assert abs(np.mean(par) - np.mean(one)) <= 0.05, (one, par)
    assert np.mean(par) > 0.5  # far above the 5-class majority baseline (~0.34)


def test_predict_proba_columns_follow_classes(text_task):
    Xtr, _, ytr, _ = text_task
    clf = ParallelForestClassifier(
        RandomForestClassifier(), n_estimators=8, mode="partition",
        n_partitions=2, n_jobs=2, random_state=0,
    ).fit(Xtr, ytr)
    np.testing.assert_array_equal(clf.classes_, np.unique(ytr))
    proba = clf.predict_proba(Xtr)
    assert proba.shape == (Xtr.shape[0], len(clf.classes_))
    np.testing.assert_array_equal(clf.predict(Xtr), clf.classes_[proba.argmax(axis=1)])
    # each class's own documents give that column the highest mean probability
    for j, c in enumerate(clf.classes_):
        assert proba[ytr == c].mean(axis=0).argmax() == j
    np.testing.assert_array_equal(proba, clf.estimator_.predict_proba(Xtr))
    with np.errstate(divide="ignore"):  # log(0) for classes a leaf never saw
        np.testing.assert_array_equal(clf.predict_log_proba(Xtr[:5]), np.log(proba[:5]))


def test_partition_missing_a_class_still_predicts_it():
    # Quality bar: a class that one partition never sees is still predicted. "rare" has 3
    # training samples, far from the others; stratified partitioning into 4 leaves one
    # partition without it.
    rng = np.random.RandomState(0)
    centers = {"common": 0.0, "other": 3.0, "rare": 10.0}
    sizes = {"common": 150, "other": 100, "rare": 3}
    X = np.vstack([centers[c] + rng.normal(size=(n, 4)) for c, n in sizes.items()])
    y = np.repeat(list(sizes), list(sizes.values()))
    clf = ParallelForestClassifier(
        RandomForestClassifier(bootstrap=False), n_estimators=16, mode="partition",
        n_partitions=4, n_jobs=2, random_state=0,
    ).fit(X, y)
    assert clf.classes_.tolist() == ["common", "other", "rare"]
    # The partition without "rare": all its trees give it 0 at the root.
    bounds = np.cumsum([0] + clf.tree_budgets_)
    without = [
        j for j in range(4)
        if all(t.tree_.value[0, 0, 2] == 0 for t in clf.estimators_[bounds[j]: bounds[j + 1]])
    ]
    assert len(without) == 1
    X_new = 10.0 + rng.normal(scale=0.5, size=(20, 4))
    assert (clf.predict(X_new) == "rare").mean() >= 0.9
    proba = clf.predict_proba(X_new)[:, 2]
    assert np.all(proba <= 0.75 + 1e-12)  # the partition without "rare" votes 0 for it
    assert np.median(proba) >= 0.5


@pytest.mark.parametrize("mode", ["replicate", "partition"])
def test_result_does_not_depend_on_n_jobs(mode):
    X, y = _blobs()
    fits = [
        ParallelForestClassifier(
            n_estimators=9, mode=mode, n_partitions=3, n_jobs=n_jobs, random_state=7
        ).fit(X, y)
        for n_jobs in (1, 2, 3)
    ]
    for other in fits[1:]:
        np.testing.assert_array_equal(other.predict_proba(X), fits[0].predict_proba(X))
        for t0, t1 in zip(fits[0].estimators_, other.estimators_):
            np.testing.assert_array_equal(t0.tree_.threshold, t1.tree_.threshold)


def test_sub_forests_getdistinct_seeds():
    X, y = _blobs()
    clf = ParallelForestClassifier(n_estimators=16, n_partitions=8, n_jobs=2, random_state=0)
    clf.fit(X, y)
    tree_seeds = [t.random_state for t in clf.estimators_]
    assert len(set(tree_seeds)) == 16  # same random_state twice would repeat the trees
    thresholds = {tuple(t.tree_.threshold[:3]) for t in clf.estimators_}
    assert len(thresholds) > 8
    again = ParallelForestClassifier(n_estimators=16, n_partitions=8, random_state=0).fit(X, y)
    np.testing.assert_array_equal(again.predict_proba(X), clf.predict_proba(X))
    unseeded = [ParallelForestClassifier(n_estimators=4).fit(X, y) for _ in range(2)]
    seeds0 = [t.random_state for t in unseeded[0].estimators_]
    assert seeds0 != [t.random_state for t in unseeded[1].estimators_]


def test_replicate_shares_the_data(monkeypatch):
    X, y = _blobs()
    seen = []
    original = RandomForestClassifier.fit

    def spy(self, X, y, sample_weight=None):
        seen.append(X)
        return original(self, X, y, sample_weight=sample_weight)

    monkeypatch.setattr(RandomForestClassifier, "fit", spy)
    ParallelForestClassifier(n_estimators=4, n_partitions=4, n_jobs=2, random_state=0).fit(X, y)
    assert len(seen) == 4 and all(x is seen[0] for x in seen)
    assert seen[0].dtype == np.float32  # converted once, so the forests do not copy it


@pytest.mark.parametrize("mode", ["replicate", "partition"])
def test_balanced_class_weight_is_computed_on_all_data(mode):
    X, y = _blobs(n=200, n_classes=3)
    keep = np.r_[np.flatnonzero(y == 0), np.flatnonzero(y == 1)[:30], np.flatnonzero(y == 2)[:10]]
    X, y = X[keep], y[keep]
    est = RandomForestClassifier(class_weight="balanced", bootstrap=False)
    clf = ParallelForestClassifier(
        est, n_estimators=4, mode=mode, n_partitions=4, n_jobs=2, random_state=0
    ).fit(X, y)
    weights = compute_class_weight("balanced", classes=np.unique(y), y=y)
    assert clf.estimator_.class_weight == dict(zip([0, 1, 2], weights))
    assert est.class_weight == "balanced"  # the template is not modified
    # Without bootstrap a tree's root holds its partition's class totals weighted by the
    # global weights, normalised.
    bounds = np.cumsum([0] + clf.tree_budgets_)
    parts = split_partitions(y, len(y), 4, distinct_seeds(0, 4)[1]) if mode == "partition" else [
        np.arange(len(y))
    ] * 4
    for j, part in enumerate(parts):
        counts = np.bincount(y[part], minlength=3) * weights
        for tree in clf.estimators_[bounds[j]: bounds[j + 1]]:
            np.testing.assert_allclose(tree.tree_.value[0, 0], counts / counts.sum())


def test_balanced_class_weight_with_sample_weight_follows_the_installed_sklearn():
    """scikit-learn 1.9 weighs "balanced" classes by the sample weights, older versions by
    counts alone: the sub-forests get what scikit-learn's own forest uses."""
    X, y = _blobs(n=200, n_classes=3)
    sw = np.random.default_rng(0).uniform(0.1, 3.0, len(y))
    est = RandomForestClassifier(class_weight="balanced", bootstrap=False, max_depth=1)
    ours = ParallelForestClassifier(est, n_estimators=1, random_state=0).fit(
        X, y, sample_weight=sw
    )
    theirs = clone(est).set_params(n_estimators=1, random_state=0).fit(X, y, sample_weight=sw)
    np.testing.assert_allclose(
        ours.estimators_[0].tree_.value[0], theirs.estimators_[0].tree_.value[0], rtol=1e-12
    )


@pytest.mark.parametrize("labels", [[-1, 1], ["no", "yes"]], ids=["minus-one-one", "strings"])
def test_binary_labels(labels):
    X, y = _blobs(n_classes=2)
    y = np.array(labels)[y]
    clf = ParallelForestClassifier(n_estimators=6, mode="partition", n_partitions=3, random_state=0)
    clf.fit(X, y)
    assert clf.classes_.tolist() == sorted(labels)
    assert set(clf.predict(X)) == set(labels)
    assert clf.score(X, y) > 0.9
    assert clf.predict_proba(X).shape == (len(X), 2)


def test_multi_output_classifier_with_balanced_weights():
    X, y = _blobs(n=200, n_classes=3)
    Y = np.c_[np.array(["a", "b", "c"])[y], np.where(X[:, 0] > 0.5, "hi", "lo")]
    est = RandomForestClassifier(class_weight="balanced", bootstrap=False)
    clf = ParallelForestClassifier(
        est, n_estimators=6, mode="partition", n_partitions=3, random_state=0
    ).fit(X, Y)
    assert [c.tolist() for c in clf.classes_] == [["a", "b", "c"], ["hi", "lo"]]
    expected = [
        dict(zip(c.tolist(), compute_class_weight("balanced", classes=c, y=Y[:, k])))
        for k, c in enumerate(clf.classes_)
    ]
    assert clf.estimator_.class_weight == expected
    pred = clf.predict(X)
    assert pred.shape == (200, 2)
    assert np.mean(pred[:, 1] == Y[:, 1]) > 0.9
    assert [p.shape for p in clf.predict_proba(X)] == [(200, 3), (200, 2)]


@pytest.mark.parametrize("module", ["fasthash.ensemble._merge", "fasthash.ensemble._forest"])
def test_docstring_examples_run(module):
    import doctest
    import importlib

    module = importlib.import_module(module)
    result = doctest.testmod(module, optionflags=doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE)
    assert result.attempted > 0 and result.failed == 0


def test_meta_estimator_pickles_and_its_forest_is_plain_sklearn():
    X, y = _blobs()
    clf = ParallelForestClassifier(ExtraTreesClassifier(), n_estimators=6, random_state=0).fit(X, y)
    loaded = pickle.loads(pickle.dumps(clf))
    np.testing.assert_array_equal(loaded.predict_proba(X), clf.predict_proba(X))
    blob = pickle.dumps(clf.estimator_)
    assert b"fasthash" not in blob and type(clf.estimator_) is ExtraTreesClassifier
    assert clf.apply(X).shape == (len(X), 6)
    indicator, ptr = clf.decision_path(X)
    assert indicator.shape[0] == len(X) and len(ptr) == 7
    assert clf.feature_importances_.shape == (6,)


@pytest.mark.parametrize("mode", ["replicate", "partition"])
def test_regressor(mode):
    X, y = make_regression(n_samples=300, n_features=5, noise=1.0, random_state=0)
    reg = ParallelForestRegressor(
        ExtraTreesRegressor(), n_estimators=12, mode=mode, n_partitions=3, n_jobs=2, random_state=0
    ).fit(X, y, sample_weight=np.ones(len(y)))
    assert type(reg.estimator_) is ExtraTreesRegressor and len(reg.estimators_) == 12
    assert reg.score(X, y) > 0.8
    np.testing.assert_array_equal(reg.predict(X), reg.estimator_.predict(X))
    if mode == "partition":
        assert reg.partition_sizes_ == [100, 100, 100]


def test_feature_names_pass_through():
    pd = pytest.importorskip("pandas")
    X, y = _blobs()
    df = pd.DataFrame(X, columns=[f"f{i}" for i in range(6)])
    clf = ParallelForestClassifier(n_estimators=4, random_state=0).fit(df, y)
    assert clf.feature_names_in_.tolist() == list(df.columns)
    assert clf.estimator_.feature_names_in_.tolist() == list(df.columns)
    clf.predict(df)  # no feature-name warning
    with pytest.raises(ValueError, match="feature names should match"):
        clf.predict(df[df.columns[::-1]])


def test_verbose_reports_each_sub_forest(capsys):
    X, y = _blobs()
    ParallelForestClassifier(n_estimators=6, n_partitions=3, verbose=1, random_state=0).fit(X, y)
    out = capsys.readouterr().out
    assert len(re.findall(r"sub-forest \d/3 fitted: 2 trees on 240 samples", out)) == 3


@pytest.mark.parametrize(
    "params, error, match",
    [
        ({"mode": "bagging"}, InvalidParameterError,
         "The 'mode' parameter of ParallelForestClassifier must be a str among"),
        ({"n_partitions": 0}, InvalidParameterError,
         "The 'n_partitions' parameter of ParallelForestClassifier must be an int in the "
         "range [1, inf) or None. Got 0 instead."),
        ({"n_partitions": 5, "n_estimators": 4}, ValueError, "larger than n_estimators=4"),
        ({"n_estimators": 0}, InvalidParameterError,
         "The 'n_estimators' parameter of ParallelForestClassifier must be an int in the "
         "range [1, inf). Got 0 instead."),
        ({"estimator": RandomForestRegressor()}, InvalidParameterError,
         "The 'estimator' parameter of ParallelForestClassifier must be an instance of"),
        ({"estimator": RandomForestClassifier}, InvalidParameterError,
         "The 'estimator' parameter of ParallelForestClassifier must be an instance of"),
        ({"n_jobs": 0}, InvalidParameterError,
         "The 'n_jobs' parameter of ParallelForestClassifier must be an int other than 0"),
        ({"n_jobs": 1.5}, InvalidParameterError,
         "The 'n_jobs' parameter of ParallelForestClassifier must be an int other than 0"),
        ({"random_state": "zero"}, InvalidParameterError,
         "The 'random_state' parameter of ParallelForestClassifier must be"),
    ],
)
def test_invalid_parameters(params, error, match):
    """scikit-learn's validation (its InvalidParameterError and messages)."""
    X, y = _blobs()
    with pytest.raises(error, match=re.escape(match)):
        ParallelForestClassifier(**{"n_estimators": 4, **params}).fit(X, y)


def test_sub_forest_errors_reach_the_caller():
    X, y = _blobs()
    bad = RandomForestClassifier(max_depth=-1)  # scikit-learn rejects it in each sub-forest
    with pytest.raises(ValueError, match="max_depth"):
        ParallelForestClassifier(bad, n_estimators=4, n_jobs=2, random_state=0).fit(X, y)


def test_partition_count_is_capped_by_samples():
    X, y = _blobs(n=40)
    with pytest.raises(ValueError, match="n_samples = 5"):
        ParallelForestClassifier(n_estimators=8, mode="partition", n_partitions=8).fit(X[:5], y[:5])
    clf = ParallelForestClassifier(n_estimators=20, mode="partition").fit(X[:5], y[:5])
    assert len(clf.tree_budgets_) == 5 and sum(clf.tree_budgets_) == 20


# ----------------------------------------------------------------------------------------
# scikit-learn's estimator checks

_SW_EQUIVALENCE = (
    "bootstrap resampling draws from the weighted samples differently than from repeated "
    "rows; scikit-learn's RandomForest* fail this check the same way"
)
EXPECTED_FAILED_CHECKS = {
    "check_sample_weight_equivalence_on_dense_data": _SW_EQUIVALENCE,
    "check_sample_weight_equivalence_on_sparse_data": _SW_EQUIVALENCE,
}


@parametrize_with_checks(
    [
        ParallelForestClassifier(n_estimators=4, n_partitions=2, n_jobs=2, random_state=0),
        ParallelForestRegressor(
            n_estimators=4, mode="partition", n_partitions=2, n_jobs=2, random_state=0
        ),
    ],
    expected_failed_checks=lambda est: EXPECTED_FAILED_CHECKS,
)
def test_sklearn_estimator_checks(estimator, check):
    check(estimator)
