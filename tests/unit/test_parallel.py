# Authors: The fasthash developers
# SPDX-License-Identifier: BSD-3-Clause
"""The thread pool of the ML layer (fasthash.utils._parallel)."""

import threading
import time

import pytest
from sklearn.ensemble import RandomForestClassifier
from sklearn.pipeline import make_pipeline
from threadpoolctl import threadpool_info

from fasthash import HashingVectorizer
from fasthash.utils._parallel import n_workers, thread_map, with_inner_n_jobs
from fasthash.utils._threads import cpu_count, effective_n_jobs


@pytest.mark.parametrize("n_jobs", [1, 2, 4, None, -1])
def test_results_come_back_in_task_order(n_jobs):
    def slow_square(i):
        time.sleep(0.002 * ((7 * i) % 5))  # finish out of order
        return i * i

    assert thread_map(slow_square, range(20), n_jobs=n_jobs) == [i * i for i in range(20)]


def test_runs_on_several_threads():
    seen = set()
    barrier = threading.Barrier(2, timeout=10)

    def task(i):
        seen.add(threading.get_ident())
        barrier.wait()  # deadlocks (then times out) unless two tasks run at once
        return i

    assert thread_map(task, range(2), n_jobs=2) == [0, 1]
    assert len(seen) == 2


def test_lowest_failing_task_raises_and_later_tasks_are_cancelled():
    started = []

    def task(i):
        started.append(i)
        if i in (3, 5):
            time.sleep(0.05 if i == 3 else 0.0)
            raise ValueError(f"task {i}")
        time.sleep(0.01)
        return i

    with pytest.raises(ValueError, match="task 3"):
        thread_map(task, range(200), n_jobs=2)
    assert len(started) < 200  # the queue was cancelled


def test_empty_and_single_worker():
    assert thread_map(lambda x: x, [], n_jobs=4) == []
    calls = []
    assert thread_map(calls.append, "ab", n_jobs=1) == [None, None]
    assert calls == ["a", "b"]
    assert n_workers(8, 3) == min(3, cpu_count()) and n_workers(1, 10) == 1


@pytest.mark.parametrize("n_jobs", [10**4, 2**31, 2**80, -(2**80), None, -1])
def test_thread_counts_never_exceed_the_usable_cpus(n_jobs):
    assert 1 <= effective_n_jobs(n_jobs) <= cpu_count()
    assert 1 <= n_workers(n_jobs, 10**6) <= cpu_count()


def test_on_result_sees_every_task():
    got = {}
    thread_map(lambda x: -x, range(6), n_jobs=2, on_result=got.__setitem__)
    assert got == {i: -i for i in range(6)}


def test_third_party_pools_are_limited_inside_workers():
    def blas_threads(_):
        return [info["num_threads"] for info in threadpool_info()]

    for counts in thread_map(blas_threads, range(2), n_jobs=2):
        assert all(c == 1 for c in counts)


def test_with_inner_n_jobs_sets_every_nested_n_jobs():
    pipe = make_pipeline(HashingVectorizer(n_jobs=None), RandomForestClassifier(n_jobs=-1))
    assert with_inner_n_jobs(pipe) is pipe
    params = pipe.get_params()
    assert params["hashingvectorizer__n_jobs"] == 1
    assert params["randomforestclassifier__n_jobs"] == 1
    assert with_inner_n_jobs(object()) is not None  # not an estimator: left alone


def test_inner_n_jobs_leaves_sklearn_none_and_replaces_fasthash_none():
    import warnings

    from sklearn.linear_model import LogisticRegression

    pipe = make_pipeline(HashingVectorizer(n_jobs=None), LogisticRegression())
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # LogisticRegression(n_jobs=1) warns in sklearn >= 1.8
        params = with_inner_n_jobs(pipe).get_params()
    assert params["hashingvectorizer__n_jobs"] == 1  # fasthash's None = every CPU
    assert params["logisticregression__n_jobs"] is None  # sklearn's None = one job already
    forest = with_inner_n_jobs(RandomForestClassifier(n_jobs=-1))
    assert forest.n_jobs == 1



def test_private_rng_isolates_only_fits_drawing_from_sklearns_shared_rng():
    import contextlib

    from sklearn.feature_selection import SelectFromModel
    from sklearn.linear_model import LogisticRegression, SGDClassifier
    from sklearn.svm import SVC, LinearSVC, LinearSVR

    from fasthash.linear_model import AveragedLinearModel
    from fasthash.model_selection import GridSearchCV
    from fasthash.utils._parallel import private_rng

    for est in (
        LinearSVC(),
        LinearSVR(),
        LogisticRegression(solver="liblinear"),
        SVC(probability=True),
        make_pipeline(HashingVectorizer(), LinearSVC()),
        make_pipeline(SelectFromModel(LinearSVC(penalty="l1", dual=False)), SGDClassifier()),
    ):
        assert not isinstance(private_rng(est), contextlib.nullcontext), est
    for est in (
        SGDClassifier(),
        LogisticRegression(),
        SVC(),
        make_pipeline(HashingVectorizer(), SGDClassifier()),
        # fasthash's own pools: their workers isolate their own fits
        AveragedLinearModel(LinearSVC()),
        GridSearchCV(LinearSVC(), {"C": [1.0]}),
        "not an estimator",
    ):
        assert isinstance(private_rng(est), contextlib.nullcontext), est
