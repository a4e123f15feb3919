# Authors: The fasthash developers
# SPDX-License-Identifier: BSD-3-Clause
"""Wall time of ``AveragedLinearModel.fit``: 2 threads vs the same partitions one by one.

Groups are ``averaging | <estimator> | <k> partitions`` with, side by side:

- ``sklearn``: the partitions fitted one after another with plain scikit-learn
  (``clone(est).fit`` in a loop), then :func:`fasthash.linear_model.average_models`;
- ``sklearn[blas=1]``: the same with BLAS limited to one thread (``threadpoolctl``): SGD's
  many short BLAS-1 calls on 2**18-long vectors are several times slower with a threaded
  OpenBLAS on a busy machine, and fasthash's pool limits BLAS to one thread while it runs
  several workers, so this is the fair sequential baseline;
- ``fasthash[1]``: :class:`~fasthash.linear_model.AveragedLinearModel` with ``n_jobs=1``;
- ``fasthash[2]``: the same with ``n_jobs=2`` (scikit-learn's SGD and liblinear solvers
  release the GIL: the partitions are fitted in parallel threads on one shared matrix;
  liblinear's fits themselves run one at a time, as they draw from one process-wide
  generator);
- ``fasthash[2,copies]`` (LinearSVC only): ``n_jobs=2`` under
  ``fasthash.config_context(private_solver_copies=True)``, liblinear's fits in parallel on
  private copies of its solver module.

and ``averaging | paired | <estimator>``: on a shared, noisy machine, the fairest ratio is
one measured on alternating runs, so each round fits the 2 partitions one after another
(``sklearn[blas=1]``) then with ``n_jobs=2``, and ``extra_info["speedup_median"]`` is the
median of the per-round ratios. ``averaging | solver copies | LinearSVC | <k>`` alternates
the default (``n_jobs=2``, liblinear's fits one at a time) with the opt-in
(``private_solver_copies=True``): ``extra_info["copies_speedup_median"]`` is what the
default costs.

Every result is checked against the sequential one (identical coefficients: the output
does not depend on the number of threads). Data: the labelled docstrings of
:func:`fasthash._corpus.english_topics` cycled to ~9000 documents and hashed into 2**18
columns once per session. The bar is ``fasthash[2]`` at least 1.7x faster than ``sklearn``
on 2 cores. Run through ``python bench/report.py -- -k averaging``.
"""

import itertools
import time

import numpy as np
import pytest
from sklearn.base import clone
from sklearn.linear_model import SGDClassifier
from sklearn.svm import LinearSVC
from threadpoolctl import threadpool_limits

import fasthash
from fasthash._corpus import english_topics
from fasthash.linear_model import AveragedLinearModel, average_models
from fasthash.utils._threads import effective_n_jobs

N_DOCS = 9000
ROUNDS = 5

ESTIMATORS = {
    "SGDClassifier": lambda: SGDClassifier(alpha=1e-5, max_iter=15, tol=None, random_state=0),
    "LinearSVC": lambda: LinearSVC(random_state=0),
}
IMPLEMENTATIONS = {
    "sklearn": 1,
    "sklearn[blas=1]": 1,
    "fasthash[1]": 1,
    "fasthash[2]": 2,
    "fasthash[2,copies]": 2,
}


@pytest.fixture(scope="session")
def hashed_topics():
    docs, labels = english_topics()
    pairs = list(itertools.islice(itertools.cycle(zip(docs, labels)), N_DOCS))
    X = fasthash.HashingVectorizer(n_features=2**18).transform([d for d, _ in pairs])
    return X, np.asarray([label for _, label in pairs])


def _sequential(est, X, y, k):
    """What one would write without fasthash: fit each partition in turn, then average."""
    parts = np.array_split(np.arange(X.shape[0]), k)
    models = [clone(est).fit(X[idx], y[idx]) for idx in parts]
    return average_models(models, weights=[len(idx) for idx in parts], classes=np.unique(y))


@pytest.mark.parametrize("k", [2, 4])
@pytest.mark.parametrize("estimator", list(ESTIMATORS))
@pytest.mark.parametrize("impl", list(IMPLEMENTATIONS))
def test_fit_partitions(benchmark, hashed_topics, estimator, k, impl):
    X, y = hashed_topics
    if impl == "fasthash[2,copies]" and estimator != "LinearSVC":
        pytest.skip("private solver copies change nothing for SGD")
    est = ESTIMATORS[estimator]()
    benchmark.group = f"averaging | {estimator} | {k} partitions"
    n_jobs = IMPLEMENTATIONS[impl]
    benchmark.extra_info.update(
        implementation=impl,
        n_jobs=n_jobs,
        threads=effective_n_jobs(n_jobs),
        docs=X.shape[0],
        partitions=k,
    )
    if impl == "sklearn":
        result = benchmark.pedantic(
            _sequential, args=(est, X, y, k), rounds=ROUNDS, warmup_rounds=1
        )
    elif impl == "sklearn[blas=1]":
        with threadpool_limits(limits=1, user_api="blas"):
            result = benchmark.pedantic(
                _sequential, args=(est, X, y, k), rounds=ROUNDS, warmup_rounds=1
            )
    else:
        model = AveragedLinearModel(est, n_partitions=k, n_jobs=n_jobs)
        copies = impl == "fasthash[2,copies]"
        with fasthash.config_context(private_solver_copies=copies):
            result = benchmark.pedantic(model.fit, args=(X, y), rounds=ROUNDS, warmup_rounds=1)
        result = result.estimator_
    reference = _sequential(est, X, y, k)
    # Bit for bit, whatever the number of threads: SGD is deterministic, and liblinear's
    # fits run one at a time or on private copies of its solver (same generator draws).
    np.testing.assert_array_equal(result.coef_, reference.coef_)
    np.testing.assert_array_equal(result.intercept_, reference.intercept_)


@pytest.mark.parametrize("estimator", list(ESTIMATORS))
def test_paired_speedup(benchmark, hashed_topics, estimator):
    X, y = hashed_topics
    est = ESTIMATORS[estimator]()
    benchmark.group = f"averaging | paired | {estimator}"
    times = {"sequential": [], 2: []}
    cpu = {"sequential": [], 2: []}

    def pair():
        with threadpool_limits(limits=1, user_api="blas"):
            start, start_cpu = time.perf_counter(), time.process_time()
            _sequential(est, X, y, 2)
            times["sequential"].append(time.perf_counter() - start)
            cpu["sequential"].append(time.process_time() - start_cpu)
        model = AveragedLinearModel(est, n_partitions=2, n_jobs=2)
        start, start_cpu = time.perf_counter(), time.process_time()
        model.fit(X, y)
        times[2].append(time.perf_counter() - start)
        cpu[2].append(time.process_time() - start_cpu)

    benchmark.pedantic(pair, rounds=ROUNDS, warmup_rounds=1)
    seq, par = np.array(times["sequential"][1:]), np.array(times[2][1:])  # no warm-up
    benchmark.extra_info.update(
        implementation="sklearn[blas=1] then fasthash[2]",
        threads=2,
        docs=X.shape[0],
        partitions=2,
        median_s_sequential=float(np.median(seq)),
        median_s_2_threads=float(np.median(par)),
        speedup_median=float(np.median(seq / par)),
        speedups=[round(float(r), 3) for r in seq / par],
        # CPU seconds (all threads): on a machine where the process does not get its 2
        # cores (load average above 2), wall-time ratios say little; these show the
        # threads' overhead in work.
        cpu_s_sequential=float(np.median(cpu["sequential"][1:])),
        cpu_s_2_threads=float(np.median(cpu[2][1:])),
        wall_over_cpu_2_threads=float(np.median(par / np.array(cpu[2][1:]))),
    )


@pytest.mark.parametrize("k", [2, 4])
def test_solver_copies_cost(benchmark, hashed_topics, k):
    """What the default costs LinearSVC: liblinear's fits one at a time (default) vs in
    parallel on private solver copies (opt-in), in alternating rounds, n_jobs=2."""
    X, y = hashed_topics
    est = ESTIMATORS["LinearSVC"]()
    benchmark.group = f"averaging | solver copies | LinearSVC | {k} partitions"
    times = {False: [], True: []}
    coefs = {}

    def pair():
        for copies in (False, True):
            model = AveragedLinearModel(est, n_partitions=k, n_jobs=2)
            with fasthash.config_context(private_solver_copies=copies):
                start = time.perf_counter()
                model.fit(X, y)
                times[copies].append(time.perf_counter() - start)
            coefs[copies] = model.coef_

    benchmark.pedantic(pair, rounds=ROUNDS, warmup_rounds=1)
    np.testing.assert_array_equal(coefs[False], coefs[True])
    default, opted = np.array(times[False][1:]), np.array(times[True][1:])
    benchmark.extra_info.update(
        implementation="default then private_solver_copies=True",
        threads=2,
        docs=X.shape[0],
        partitions=k,
        median_s_default=float(np.median(default)),
        median_s_copies=float(np.median(opted)),
        copies_speedup_median=float(np.median(default / opted)),
        ratios=[round(float(r), 3) for r in default / opted],
    )
