# Authors: The fasthash developers
# SPDX-License-Identifier: BSD-3-Clause
"""Averaged linear models, merged forests and search on a 2-worker LocalCluster.

The distributed results are compared bit for bit with the threaded layer's
(AveragedLinearModel, ParallelForestClassifier) and with a local GridSearchCV; the last
test kills a worker process in the middle of a job.
"""

import concurrent.futures
import doctest
import os
import signal
import threading
import time

import numpy as np
import pytest

pytest.importorskip(
    "dask", reason='needs the optional dependency dask: pip install "fasthash[dask]"'
)
pytest.importorskip(
    "distributed", reason='needs the optional dependency distributed: pip install "fasthash[dask]"'
)

import dask.array as da  # noqa: E402
import dask.bag as db  # noqa: E402
import dask.dataframe as dd  # noqa: E402
import pandas as pd  # noqa: E402
from sklearn.ensemble import ExtraTreesRegressor, RandomForestClassifier  # noqa: E402
from sklearn.linear_model import LogisticRegression, Ridge, SGDClassifier  # noqa: E402
from sklearn.utils.class_weight import compute_class_weight  # noqa: E402

import fasthash  # noqa: E402
from fasthash._corpus import english_topics  # noqa: E402
from fasthash.dask import (  # noqa: E402
    PartitionError,
    fit_averaged,
    fit_forest,
    search,
    transform,
)
from fasthash.ensemble import ParallelForestClassifier, ParallelForestRegressor  # noqa: E402
from fasthash.linear_model import AveragedLinearModel  # noqa: E402
from fasthash.utils._sklearn_compat import InvalidParameterError  # noqa: E402

N_FEATURES = 2**16
CHUNK = 150


@pytest.fixture(scope="module")
def topics():
    """600 labelled documents in a fixed shuffled order (every class in most partitions)."""
    docs, labels = english_topics()
    order = np.random.default_rng(0).permutation(len(docs))[:600]
    docs = [docs[i] for i in order]
    labels = np.array([labels[i] for i in order])
    vec = fasthash.HashingVectorizer(n_features=N_FEATURES)
    return docs, labels, vec, vec.transform(docs)


def dask_text_data(topics):
    docs, labels, vec, _ = topics
    X = transform(vec, da.from_array(np.array(docs, dtype=object), chunks=CHUNK))
    return X, da.from_array(labels, chunks=CHUNK)


def assert_same_linear_model(a, b):
    assert type(a) is type(b)
    assert np.array_equal(a.coef_, b.coef_)
    assert np.array_equal(a.intercept_, b.intercept_)
    assert np.array_equal(a.classes_, b.classes_)


@pytest.mark.parametrize(
    "n_rounds, feature_weighting", [(1, False), (2, True)], ids=["1 round", "2 rounds+fw"]
)
def test_fit_averaged_equals_threaded_averaging(client, topics, n_rounds, feature_weighting):
    _, labels, _, X_local = topics
    X, y = dask_text_data(topics)
    est = SGDClassifier(random_state=0, n_jobs=3)
    model = fit_averaged(
        est, X, y, client=client, n_rounds=n_rounds, feature_weighting=feature_weighting,
        random_state=0,
    )
    ref = AveragedLinearModel(
        est, n_partitions=4, partition="contiguous", n_rounds=n_rounds,
        feature_weighting=feature_weighting, random_state=0,
    ).fit(X_local, labels)
    assert_same_linear_model(model, ref.estimator_)
    assert type(model) is SGDClassifier  # an ordinary scikit-learn estimator
    assert model.score(X_local, labels) > 0.6


def test_fit_averaged_global_classes_and_fan_in(client, topics):
    docs, labels, vec, X_local = topics
    # Sorted by label: most partitions miss most classes; the class set is global anyway.
    order = np.argsort(labels, kind="stable")
    docs_sorted = [docs[i] for i in order]
    y_sorted = labels[order]
    X = transform(vec, da.from_array(np.array(docs_sorted, dtype=object), chunks=100))
    y = da.from_array(y_sorted, chunks=100)
    est = SGDClassifier(random_state=0)
    pair = fit_averaged(est, X, y, client=client, fan_in=2, random_state=0)
    ref = AveragedLinearModel(est, n_partitions=6, random_state=0).fit(X_local[order], y_sorted)
    assert_same_linear_model(pair, ref.estimator_)
    assert pair.classes_.tolist() == sorted(set(labels.tolist()))
    wide = fit_averaged(est, X, y, client=client, fan_in=4, random_state=0)
    np.testing.assert_allclose(wide.coef_, pair.coef_, rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(wide.intercept_, pair.intercept_, rtol=1e-10, atol=1e-12)
    # A given label set must contain every label of y.
    with pytest.raises(ValueError, match=r"labels \['email'"):
        fit_averaged(est, X, y, client=client, classes=["collections", "concurrent"])


def test_fit_averaged_regressor_dense_dataframe_and_warm_start(client):
    rng = np.random.default_rng(0)
    X_local = rng.normal(size=(300, 6))
    y_local = X_local @ np.arange(6.0) + rng.normal(scale=0.1, size=300)
    frame = dd.from_pandas(pd.DataFrame(X_local, columns=list("abcdef")), npartitions=3)
    target = dd.from_pandas(pd.Series(y_local), npartitions=3)
    model = fit_averaged(
        Ridge(alpha=1.0), frame.to_dask_array(lengths=True),
        target.to_dask_array(lengths=True), client=client,
    )
    ref = AveragedLinearModel(Ridge(alpha=1.0), n_partitions=3).fit(X_local, y_local)
    # Same partitions; the blocks of a DataFrame's array differ in memory layout only.
    np.testing.assert_allclose(model.coef_, ref.coef_, rtol=1e-12)
    assert model.intercept_ == pytest.approx(ref.intercept_, rel=1e-12)
    # LogisticRegression is warm-started by warm_start=True in later rounds.
    y_bin = (y_local > np.median(y_local)).astype(int)
    Xd = da.from_array(X_local, chunks=(100, 6))
    yd = da.from_array(y_bin, chunks=100)
    lr = fit_averaged(LogisticRegression(max_iter=50), Xd, yd, client=client, n_rounds=2)
    ref = AveragedLinearModel(LogisticRegression(max_iter=50), n_partitions=3, n_rounds=2)
    ref.fit(X_local, y_bin)
    # BLAS-based solvers: equal up to rounding (memory alignment of the partition copies).
    np.testing.assert_allclose(lr.coef_, ref.coef_, rtol=1e-9)
    np.testing.assert_allclose(lr.intercept_, ref.intercept_, rtol=1e-9)
    assert lr.n_iter_ == ref.estimator_.n_iter_


def test_fit_averaged_errors(client, topics):
    X, y = dask_text_data(topics)
    with pytest.raises(InvalidParameterError, match="'client' parameter of fit_averaged"):
        fit_averaged(SGDClassifier(), X, y, client=None)
    with pytest.raises(InvalidParameterError, match="'fan_in' parameter of fit_averaged"):
        fit_averaged(SGDClassifier(), X, y, client=client, fan_in=1)
    # The parameters shared with AveragedLinearModel are validated with its constraints:
    # the same message, but for the caller's name.
    for name, value in [("n_rounds", 0), ("feature_weighting", "yes"), ("estimator", "SGD"),
                        ("random_state", "zero")]:
        params = {"estimator": SGDClassifier(), name: value}
        with pytest.raises(InvalidParameterError) as remote:
            fit_averaged(X=X, y=y, client=client, **params)
        with pytest.raises(InvalidParameterError) as local:
            AveragedLinearModel(**params).fit(np.zeros((4, 2)), [0, 1, 0, 1])
        assert str(remote.value) == str(local.value).replace(
            "AveragedLinearModel", "fit_averaged"
        )
    with pytest.raises(ValueError, match="n_rounds=2 needs an estimator"):
        fit_averaged(Ridge(), X, y, client=client, n_rounds=2)
    with pytest.raises(ValueError, match="aligned by partitions"):
        fit_averaged(SGDClassifier(), X, y.rechunk(200), client=client)
    with pytest.raises(TypeError, match="X must be a dask Array"):
        fit_averaged(SGDClassifier(), topics[3], y, client=client)
    # A partition with bad input names the partition and keeps the original error's family.
    dense = np.random.default_rng(0).normal(size=(40, 3))
    dense[25, 1] = np.nan
    with pytest.raises(ValueError, match=r"fitting on partition 2 \(of 4\) failed: ValueError: .*NaN") as info:
        fit_averaged(
            SGDClassifier(), da.from_array(dense, chunks=(10, 3)),
            da.from_array(np.arange(40) % 2, chunks=10), client=client,
        )
    assert isinstance(info.value, PartitionError) and info.value.partition == 2


def test_fit_forest_replicate_equals_parallel_forest(client, topics):
    _, labels, _, X_local = topics
    X, y = dask_text_data(topics)
    est = RandomForestClassifier(max_depth=6, n_jobs=2)
    forest = fit_forest(
        est, X, y, client=client, n_estimators=8, mode="replicate", n_partitions=3,
        random_state=0,
    )
    ref = ParallelForestClassifier(
        est, n_estimators=8, mode="replicate", n_partitions=3, random_state=0
    ).fit(X_local, labels)
    assert type(forest) is RandomForestClassifier and forest.n_estimators == 8
    assert np.array_equal(forest.classes_, ref.classes_)
    assert np.array_equal(forest.predict_proba(X_local), ref.predict_proba(X_local))
    seeds = [t.random_state for t in forest.estimators_]
    assert len(set(seeds)) == len(seeds)  # independent sub-forest seeds


def test_fit_forest_partition_aligns_classes_and_weights(client):
    rng = np.random.default_rng(0)
    X_local = rng.normal(size=(240, 4))
    # Partitions of 80 rows: {a, b}, {a, b, c}, {b, c}: no partition has the others' columns.
    y_local = np.array(["a", "b"] * 40 + ["a", "b", "c", "c"] * 20 + ["b", "c"] * 40)
    X_local[y_local == "b", 0] += 4
    X_local[y_local == "c", 1] += 4
    est = RandomForestClassifier(max_depth=4, class_weight="balanced")
    forest = fit_forest(
        est, da.from_array(X_local, chunks=(80, 4)), da.from_array(y_local, chunks=80),
        client=client, n_estimators=7, mode="partition", random_state=1,
    )
    assert forest.n_estimators == 7
    assert forest.classes_.tolist() == ["a", "b", "c"]
    proba = forest.predict_proba(X_local)
    assert proba.shape == (240, 3)
    np.testing.assert_allclose(proba.sum(axis=1), 1.0)
    # A misaligned class column would make a third of the trees vote for the wrong class.
    assert (forest.predict(X_local) == y_local).mean() > 0.9
    expected = compute_class_weight("balanced", classes=np.array(["a", "b", "c"]), y=y_local)
    assert forest.class_weight == pytest.approx(dict(zip("abc", expected)))


def test_fit_forest_regressor_and_errors(client):
    rng = np.random.default_rng(0)
    X_local = rng.normal(size=(120, 3))
    y_local = X_local[:, 0] * 2
    Xd, yd = da.from_array(X_local, chunks=(40, 3)), da.from_array(y_local, chunks=40)
    forest = fit_forest(ExtraTreesRegressor(), Xd, yd, client=client, n_estimators=5,
                        n_partitions=2, random_state=3)
    ref = ParallelForestRegressor(ExtraTreesRegressor(), n_estimators=5, n_partitions=2,
                                  random_state=3).fit(X_local, y_local)
    assert np.array_equal(forest.predict(X_local), ref.predict(X_local))
    with pytest.raises(InvalidParameterError, match="RandomForestClassifier"):
        fit_forest(Ridge(), Xd, yd, client=client)
    for name, value in [("mode", "bagging"), ("n_estimators", 0), ("n_partitions", 0),
                        ("random_state", "zero")]:
        with pytest.raises(InvalidParameterError) as remote:
            fit_forest(ExtraTreesRegressor(), Xd, yd, client=client, **{name: value})
        with pytest.raises(InvalidParameterError) as local:
            ParallelForestRegressor(**{name: value}).fit(X_local, y_local)
        assert str(remote.value) == str(local.value).replace(
            "ParallelForestRegressor", "fit_forest"
        )
    with pytest.raises(ValueError, match="n_partitions must be None in mode='partition'"):
        fit_forest(ExtraTreesRegressor(), Xd, yd, client=client, mode="partition", n_partitions=2)


def test_grid_search_through_joblib_dask_backend(client, topics):
    import joblib
    from sklearn.model_selection import GridSearchCV
    from sklearn.pipeline import make_pipeline

    docs, labels = _searchable(topics)
    pipe = make_pipeline(
        fasthash.HashingVectorizer(n_features=2**14, n_jobs=1), SGDClassifier(random_state=0)
    )
    grid = {
        "sgdclassifier__alpha": [1e-4, 1e-3],
        "hashingvectorizer__ngram_range": [(1, 1), (1, 2)],
    }
    local = GridSearchCV(pipe, grid, cv=3, n_jobs=1).fit(docs, labels)
    with joblib.parallel_backend("dask"):
        remote = GridSearchCV(pipe, grid, cv=3, n_jobs=-1).fit(docs, labels)
    for key in ("mean_test_score", "std_test_score", "rank_test_score", "split0_test_score"):
        assert np.array_equal(remote.cv_results_[key], local.cv_results_[key]), key
    assert remote.cv_results_["params"] == local.cv_results_["params"]
    assert remote.best_params_ == local.best_params_


def _searchable(topics, n=300):
    docs, labels, _, _ = topics
    names, counts = np.unique(labels, return_counts=True)
    keep = np.isin(labels, names[counts >= 30])
    return [d for d, k in zip(docs, keep) if k][:n], labels[keep][:n]


def test_search_hashes_once_on_workers_and_equals_grid_search(client, topics):
    from sklearn.model_selection import GridSearchCV
    from sklearn.pipeline import make_pipeline

    docs, labels = _searchable(topics)
    pipe = make_pipeline(
        fasthash.HashingVectorizer(n_features=2**14, ngram_range=(1, 2), n_jobs=1),
        SGDClassifier(random_state=0),
    )
    grid = {"sgdclassifier__alpha": [1e-4, 1e-3, 1e-2]}
    local = GridSearchCV(pipe, grid, cv=3).fit(docs, labels)
    bag = db.from_sequence(docs, npartitions=4)
    remote = search(pipe, grid, bag, da.from_array(labels, chunks=100), client=client, cv=3)
    for key in ("mean_test_score", "std_test_score", "rank_test_score", "split2_test_score"):
        assert np.array_equal(remote.cv_results_[key], local.cv_results_[key]), key
    assert remote.cv_results_["params"] == local.cv_results_["params"]
    assert remote.best_index_ == local.best_index_
    # best_estimator_ is the whole pipeline, refitted: it takes documents.
    assert np.array_equal(remote.predict(docs), local.predict(docs))
    assert remote.best_estimator_.steps[0][0] == "hashingvectorizer"
    with pytest.raises(ValueError, match="searches the hashing step"):
        search(pipe, {"hashingvectorizer__norm": ["l1", "l2"]}, bag, labels, client=client)
    with pytest.raises(ValueError, match="first step"):
        search(make_pipeline(SGDClassifier()), grid, bag, labels, client=client)


@pytest.mark.parametrize("name", ["_linear", "_forest", "_search"])
def test_docstring_examples(name):
    import importlib

    module = importlib.import_module(f"fasthash.dask.{name}")
    result = doctest.testmod(module, optionflags=doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE)
    assert result.attempted > 0 and result.failed == 0


def _slowed(X):
    """``X`` with each partition task taking ~0.4 s longer.

    The sleep is a closure, so cloudpickle ships it by value: the workers need not
    import this test module (they cannot when pytest runs outside the repository).
    """

    def slow(block):
        time.sleep(0.4)
        return block

    return X.map_blocks(slow, dtype=X.dtype, meta=X._meta)


def _in_daemon_thread(func, *args, **kwargs):
    """Start ``func`` in a daemon thread; return a Future for its result.

    A daemon thread, unlike a ThreadPoolExecutor's, cannot keep the interpreter from
    exiting, so a job that never ends fails its test instead of hanging the run.
    """
    future = concurrent.futures.Future()

    def run():
        try:
            future.set_result(func(*args, **kwargs))
        except BaseException as exc:  # noqa: BLE001 - handed to the waiting test
            future.set_exception(exc)

    threading.Thread(target=run, daemon=True).start()
    return future


def test_killed_worker_does_not_change_the_result(client, topics):
    """Kill one worker process while the partition tasks run: same model as undisturbed."""
    _, labels, _, X_local = topics
    X, y = dask_text_data(topics)
    X = _slowed(X)
    est = SGDClassifier(random_state=0)
    expected = AveragedLinearModel(est, n_partitions=4, n_rounds=2, random_state=0).fit(
        X_local, labels
    )
    pids = client.run(os.getpid)
    job = _in_daemon_thread(fit_averaged, est, X, y, client=client, n_rounds=2, random_state=0)
    deadline = time.monotonic() + 60
    victim = None
    while victim is None and time.monotonic() < deadline and not job.done():
        busy = [w for w, keys in client.processing().items() if keys]
        if busy:
            victim = busy[0]
            os.kill(pids[victim], signal.SIGKILL)
        else:
            time.sleep(0.02)
    model = job.result(timeout=120)
    assert victim is not None, "the job ended before a worker could be killed"
    assert_same_linear_model(model, expected.estimator_)
    client.wait_for_workers(2, timeout=60)  # the nanny restarts it for the next tests
    assert pids[victim] not in client.run(os.getpid).values()
