# Authors: The fasthash developers
# SPDX-License-Identifier: BSD-3-Clause
"""Thread safety and thread-count invariance of fasthash.HashingVectorizer.

One estimator instance is shared by 8 Python threads that all transform the same input
objects at once (one call at a time runs on the core's thread pool, the others on their own
threads); every result must be identical to the serial one. The output never depends on
``n_jobs``, nor on which thread of the pool ran which chunk, nor on a late thread.
"""

import threading
import warnings
from concurrent.futures import ThreadPoolExecutor

import numpy as np
import pytest
import scipy.sparse as sp
import sklearn
from _helpers import (
    TRICKY_DOCUMENTS,
    FhHashingVectorizer,
    SkHashingVectorizer,
    assert_csr_identical,
    needs_sparse_interface,
    stable_repr,
)

import fasthash
import fasthash.feature_extraction.text
import fasthash.utils._threads

N_THREADS = 8


def _split(doc):
    return doc.split()


@pytest.fixture(scope="module")
def corpus_3000():
    """3000 real documents (stdlib docstrings), or a synthetic stand-in."""
    try:
        from fasthash._corpus import english_documents, multilingual_documents

        docs = english_documents()[:2000] + multilingual_documents()[:1000]
    except (ImportError, AttributeError):  # pragma: no cover - corpus module missing
        docs = []
    rng = np.random.default_rng(0)
    words = np.array(TRICKY_DOCUMENTS[0].split() + "ΟΔΟΣ σας İstanbul 中文 naïve".split())
    while len(docs) < 3000:
        docs.append(" ".join(rng.choice(words, size=int(rng.integers(0, 60)))))
    return docs[:3000]


def _hammer(fn, n_calls):
    """Run ``fn`` from N_THREADS threads released together; return the results."""
    barrier = threading.Barrier(N_THREADS)

    def task(i):
        if i < N_THREADS:
            barrier.wait(timeout=60)
        return fn(i)

    with ThreadPoolExecutor(max_workers=N_THREADS) as pool:
        return list(pool.map(task, range(n_calls)))


SHARED_CONFIGS = [
    {},
    {"ngram_range": (1, 3), "stop_words": "english", "lowercase": False},
    {"dtype": np.float32, "norm": "l1", "n_features": 1000003},
    {"dtype": np.int8, "norm": None, "n_features": 64},
    {"analyzer": "char_wb", "ngram_range": (2, 4)},
    {"analyzer": _split, "n_features": 2**12},
    {"strip_accents": "unicode", "binary": True},
]


@pytest.mark.parametrize("params", SHARED_CONFIGS, ids=stable_repr)
@pytest.mark.parametrize("n_jobs", [1, 2])
def test_one_instance_many_threads(params, n_jobs, corpus_3000):
    vec = FhHashingVectorizer(**params, n_jobs=n_jobs)
    python_path = fasthash.python_analysis_reason(vec) is not None
    docs = corpus_3000[:200] if python_path else corpus_3000[:600]
    serial = vec.transform(docs)
    assert_csr_identical(serial, SkHashingVectorizer(**params).transform(docs))
    results = _hammer(lambda i: vec.transform(docs), (1 if python_path else 3) * N_THREADS)
    for result in results:
        assert_csr_identical(result, serial)


def test_shared_stop_word_list_many_estimators(corpus_3000):
    """Estimators sharing one stop-word list, checked concurrently (_stop_words_id)."""
    docs = corpus_3000[:300]
    stop = ["the", "and", "of", "e-mail"]  # inconsistent: warns, once per estimator
    with pytest.warns(UserWarning, match="inconsistent"):
        expected = SkHashingVectorizer(stop_words=stop, ngram_range=(1, 2)).transform(docs)
    vecs = [
        FhHashingVectorizer(stop_words=stop, ngram_range=(1, 2), n_jobs=1 + i % 2)
        for i in range(N_THREADS)
    ]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        results = _hammer(lambda i: vecs[i % N_THREADS].transform(docs), 2 * N_THREADS)
    for result in results:
        assert_csr_identical(result, expected)
    for vec in vecs:
        assert vec._stop_words_id == id(stop)


def test_mixed_configurations_concurrently(corpus_3000):
    docs = corpus_3000[:500]
    expected = [SkHashingVectorizer(**p).transform(docs) for p in SHARED_CONFIGS]
    vecs = [FhHashingVectorizer(**p, n_jobs=2) for p in SHARED_CONFIGS]
    results = _hammer(lambda i: (i, vecs[i % len(vecs)].transform(docs)), 3 * N_THREADS)
    for i, result in results:
        assert_csr_identical(result, expected[i % len(vecs)])


@needs_sparse_interface
def test_sparse_interface_per_thread_concurrently():
    docs = TRICKY_DOCUMENTS * 20
    vec = FhHashingVectorizer(n_jobs=2)
    expected = SkHashingVectorizer().transform(docs)

    def call(i):
        if i % 2:
            with sklearn.config_context(sparse_interface="sparray"):
                return i, vec.transform(docs)
        return i, vec.transform(docs)

    for i, result in _hammer(call, 2 * N_THREADS):
        assert type(result) is (sp.csr_array if i % 2 else sp.csr_matrix)
        assert_csr_identical(sp.csr_matrix(result), expected)


def test_errors_in_threads_do_not_leak(corpus_3000):
    """Failing calls in some threads do not disturb the others."""
    docs = corpus_3000[:400]
    bad = docs[:50] + [b"\xff\xfe bad"] + docs[50:]
    vec = FhHashingVectorizer(n_jobs=2)
    expected = vec.transform(docs)

    def call(i):
        if i % 3 == 0:
            try:
                vec.transform(bad)
            except UnicodeDecodeError as exc:
                return i, exc
            return i, None
        return i, vec.transform(docs)

    for i, result in _hammer(call, 3 * N_THREADS):
        if i % 3 == 0:
            assert isinstance(result, UnicodeDecodeError)
        else:
            assert_csr_identical(result, expected)


@pytest.mark.parametrize(
    "params",
    [
        {},
        {"ngram_range": (1, 2), "stop_words": "english"},
        {"dtype": np.float32, "alternate_sign": False},
        {"binary": True, "norm": "l1"},
        {"n_features": 16, "norm": None},
        {"analyzer": "char", "ngram_range": (1, 3)},
    ],
    ids=stable_repr,
)
def test_n_jobs_invariance_large_corpus(params, corpus_3000):
    docs = corpus_3000 if params.get("analyzer", "word") == "word" else corpus_3000[::15]
    expected = SkHashingVectorizer(**params).transform(docs)
    for n_jobs in (1, 2, 3, 4, 7, -1, None):
        assert_csr_identical(FhHashingVectorizer(**params, n_jobs=n_jobs).transform(docs), expected)


def test_more_threads_than_documents():
    docs = ["aa bb", "cc"]
    expected = SkHashingVectorizer().transform(docs)
    for n_jobs in (2, 3, 16, 64):
        assert_csr_identical(FhHashingVectorizer(n_jobs=n_jobs).transform(docs), expected)


@pytest.fixture
def late_pool_worker():
    """One worker of every job of the core's pool sleeps 20 ms before each chunk it claims
    (as a thread descheduled by the OS would): the calling thread meanwhile runs the
    others, then waits for that one."""
    from fasthash._lib import _hashing

    if not _hashing.pool_enabled() or fasthash.utils._threads.cpu_count() < 2:
        pytest.skip("needs the thread pool and 2 usable CPUs")
    _hashing._pool_set_test_delay(20_000)
    try:
        yield
    finally:
        _hashing._pool_set_test_delay(0)


@pytest.mark.parametrize(
    "params",
    [{}, {"ngram_range": (1, 2), "dtype": np.float32}, {"analyzer": "char_wb"}],
    ids=stable_repr,
)
def test_late_pool_worker_changes_no_output(params, corpus_3000, late_pool_worker):
    from fasthash._lib import _hashing

    docs = corpus_3000 * 3  # several batches of several chunks
    expected = SkHashingVectorizer(**params).transform(docs)
    assert_csr_identical(FhHashingVectorizer(**params, n_jobs=2).transform(docs), expected)
    assert _hashing.pool_workers() >= 1


def test_late_pool_worker_feature_hasher(late_pool_worker, monkeypatch):
    from sklearn.feature_extraction import FeatureHasher as SkFeatureHasher

    import fasthash.feature_extraction._hash as fh_hash

    # batches of 2**20 raw entries: merged on 2 threads (smaller ones merge on one)
    monkeypatch.setattr(fh_hash, "_BATCH_FEATURES", 1 << 20)
    samples = [{f"f{i % 97}": 1.5, f"g{i}": -2.0, "h": float(i % 3)} for i in range(200000)]
    expected = SkFeatureHasher().transform(samples)
    assert_csr_identical(fasthash.FeatureHasher(n_jobs=2).transform(samples), expected)


@pytest.mark.parametrize(
    "params", [{}, {"analyzer": "char_wb", "ngram_range": (2, 4)}], ids=stable_repr
)
@pytest.mark.parametrize("cap", [None, 2])
def test_late_pool_worker_inverse_map(params, cap, corpus_3000, late_pool_worker):
    # thousands of distinct tokens: the threads' tables are merged part by part on 2
    # threads, one of them late; capped, the map is also trimmed
    vec = fasthash.HashingVectorizer(n_features=2**10 if cap else 2**18, **params)
    docs = corpus_3000 * 2
    maps = [
        fasthash.InverseHasher(vec, max_tokens_per_column=cap, n_jobs=n).fit(docs)._dump()
        for n in (1, 2)
    ]
    for a, b in zip(*maps, strict=True):
        np.testing.assert_array_equal(np.asarray(a), np.asarray(b))
    if cap is None:
        assert len(maps[0][0]) > 4096
    else:
        assert len(maps[0][5]) == vec.n_features  # every column capped


def test_threadpool_limits_respected_and_output_unchanged(corpus_3000):
    threadpoolctl = pytest.importorskip("threadpoolctl")
    docs = corpus_3000[:1000]
    expected = FhHashingVectorizer(n_jobs=1).transform(docs)
    with threadpoolctl.threadpool_limits(1):
        assert_csr_identical(FhHashingVectorizer().transform(docs), expected)
    assert_csr_identical(FhHashingVectorizer().transform(docs), expected)


def test_murmurhash3_32_from_threads():
    keys = np.arange(-50000, 50000, dtype=np.int32).reshape(100, 1000)
    expected = fasthash.murmurhash3_32(keys, seed=7)
    for result in _hammer(lambda i: fasthash.murmurhash3_32(keys, seed=7), 2 * N_THREADS):
        np.testing.assert_array_equal(result, expected)
