# Authors: The fasthash developers
# SPDX-License-Identifier: BSD-3-Clause
"""fasthash.dask on a 2-worker LocalCluster vs local threads on the same 2 cores.

Groups, with ``implementation`` in ``extra_info``:

- ``dask hashing | english ~6 MB``: throughput of hashing the replicated English corpus:
  ``sklearn`` (one thread, the report's baseline), ``fasthash[2 threads]``
  (``HashingVectorizer(n_jobs=2).transform`` of a local list), ``dask[2 workers] persist``
  (``fasthash.dask.transform`` of a Bag already persisted on the workers, results kept
  there: the scale-out use) and ``dask[2 workers] gather`` (the same, then the CSR blocks
  gathered to the client and stacked: what a user pays to get a local matrix back).
- ``dask overhead | hashing 200 docs``: a small job, local call vs the distributed path.
- ``dask overhead | averaging 600 docs``: ``AveragedLinearModel`` (threads) vs
  ``fasthash.dask.fit_averaged`` on 4 partitions of hashed text.

The cluster is ``LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
host="127.0.0.1")``. Every distributed result is checked against the local one.
"""

import logging

import numpy as np
import pytest
import scipy.sparse as sp

pytest.importorskip("distributed", reason='needs fasthash[dask]: pip install "fasthash[dask]"')

import dask.array as da  # noqa: E402
import dask.bag as db  # noqa: E402
import distributed  # noqa: E402
from sklearn.feature_extraction.text import HashingVectorizer as SkHashingVectorizer  # noqa: E402
from sklearn.linear_model import SGDClassifier  # noqa: E402

import fasthash  # noqa: E402
from fasthash._corpus import english_topics  # noqa: E402
from fasthash.dask import fit_averaged, partition_lengths, transform  # noqa: E402
from fasthash.linear_model import AveragedLinearModel  # noqa: E402

MB = 1e6
N_FEATURES = 2**18
ROUNDS = 7


@pytest.fixture(scope="module")
def client():
    with distributed.LocalCluster(
        n_workers=2,
        threads_per_worker=1,
        processes=True,
        host="127.0.0.1",
        dashboard_address="127.0.0.1:0",
        worker_dashboard_address="127.0.0.1:0",
        silence_logs=logging.ERROR,
    ) as cluster, distributed.Client(cluster) as c:
        c.run(lambda: __import__("fasthash.dask"))  # warm the workers' imports
        yield c


def record(benchmark, impl, n_bytes, docs, threads):
    benchmark.extra_info.update(implementation=impl, threads=threads, docs=docs)
    benchmark.extra_info["mb"] = round(n_bytes / MB, 3)
    stats = getattr(benchmark, "stats", None)
    if stats is not None and stats.stats.median:
        benchmark.extra_info["mb_per_s"] = round(n_bytes / MB / stats.stats.median, 2)


def assert_same(X, Y):
    assert X.shape == Y.shape and (X != Y).nnz == 0


def _identity(partition):
    return partition


HASHING_IMPLS = ["sklearn", "fasthash[2 threads]", "dask[2 workers] persist",
                 "dask[2 workers] gather"]


@pytest.mark.parametrize("impl", HASHING_IMPLS)
def test_dask_hashing_throughput(benchmark, client, english_corpus, impl):
    docs = english_corpus.docs
    benchmark.group = "dask hashing | english ~6 MB"
    local = fasthash.HashingVectorizer(n_features=N_FEATURES, n_jobs=2)
    if impl == "sklearn":
        run = SkHashingVectorizer(n_features=N_FEATURES).transform
        X = benchmark.pedantic(run, args=(docs,), rounds=3, warmup_rounds=0)
        assert_same(X, local.transform(docs))
    elif impl == "fasthash[2 threads]":
        benchmark.pedantic(local.transform, args=(docs,), rounds=ROUNDS, warmup_rounds=1)
    else:
        # The text lives on the workers (4 partitions: 2 per worker), as in a real job.
        bag = client.persist(db.from_sequence(docs, npartitions=4))
        distributed.wait(bag)
        lengths = partition_lengths(bag)  # once, outside the timing
        vec = fasthash.HashingVectorizer(n_features=N_FEATURES)

        rounds = iter(range(10**6))

        def setup():
            # A fresh key per round (an identity task over the persisted partitions), so no
            # round is served from the results of the previous one.
            view = bag.map_partitions(_identity, token=f"bench-round-{next(rounds)}")
            return (view,), {}

        if impl.endswith("persist"):
            def run(view):
                X = client.persist(transform(vec, view, lengths=lengths))
                distributed.wait(X)
                return X
        else:
            def run(view):
                return transform(vec, view, lengths=lengths).compute()

        result = benchmark.pedantic(run, setup=setup, rounds=ROUNDS, warmup_rounds=1)
        X = result if sp.issparse(result) else result.compute()
        assert_same(X, local.transform(docs))
    record(benchmark, impl, english_corpus.n_bytes, len(docs), 2 if impl != "sklearn" else 1)


@pytest.mark.parametrize("impl", ["fasthash[2 threads]", "dask[2 workers]"])
def test_dask_overhead_small_hashing(benchmark, client, impl):
    docs = english_topics()[0][:200]
    n_bytes = sum(len(d.encode()) for d in docs)
    benchmark.group = "dask overhead | hashing 200 docs"
    vec = fasthash.HashingVectorizer(n_features=N_FEATURES, n_jobs=2)
    expected = vec.transform(docs)
    if impl.startswith("fasthash"):
        X = benchmark.pedantic(vec.transform, args=(docs,), rounds=20, warmup_rounds=2)
    else:
        bag = client.persist(db.from_sequence(docs, npartitions=2))
        distributed.wait(bag)

        def run():
            return transform(vec, bag, lengths=partition_lengths(bag)).compute()

        X = benchmark.pedantic(run, rounds=20, warmup_rounds=2)
    assert_same(X, expected)
    record(benchmark, impl, n_bytes, len(docs), 2)


@pytest.mark.parametrize("impl", ["AveragedLinearModel[2 threads]", "fit_averaged[2 workers]"])
def test_dask_overhead_small_averaging(benchmark, client, impl):
    docs, labels = english_topics()
    order = np.random.default_rng(0).permutation(len(docs))[:600]
    docs = [docs[i] for i in order]
    labels = np.array([labels[i] for i in order])
    vec = fasthash.HashingVectorizer(n_features=2**16)
    X_local = vec.transform(docs)
    benchmark.group = "dask overhead | averaging 600 docs"
    est = SGDClassifier(random_state=0)
    if impl.startswith("Averaged"):
        model = AveragedLinearModel(est, n_partitions=4, random_state=0, n_jobs=2)
        fitted = benchmark.pedantic(model.fit, args=(X_local, labels), rounds=10, warmup_rounds=1)
        coef = fitted.coef_
    else:
        X = client.persist(da.from_array(X_local, chunks=(150, 2**16)))
        y = client.persist(da.from_array(labels, chunks=150))
        distributed.wait([X, y])

        def run():
            return fit_averaged(est, X, y, client=client, random_state=0)

        coef = benchmark.pedantic(run, rounds=10, warmup_rounds=1).coef_
    ref = AveragedLinearModel(est, n_partitions=4, random_state=0).fit(X_local, labels)
    assert np.array_equal(coef, ref.coef_)
    record(benchmark, impl, 0, len(docs), 2)
