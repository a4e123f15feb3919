# Authors: The fasthash developers
# SPDX-License-Identifier: BSD-3-Clause
"""Reading ahead: with several threads, ``HashingVectorizer.transform`` called on the main
thread reads batch k + 1 while the kernel thread hashes batch k.

The output, the errors and their order stay those of taking the batches one after the
other (scikit-learn's); an interrupt while reading ahead cancels the kernel and leaves
nothing running; one thread, or a call from another thread, reads nothing ahead.
"""

import threading

import numpy as np
import pyarrow as pa
import pytest
from _helpers import (
    FhHashingVectorizer,
    SkHashingVectorizer,
    assert_csr_identical,
    compare_with_sklearn,
)

from fasthash.feature_extraction import _interruptible
from fasthash.feature_extraction import text as fh_text


class _Boom(Exception):
    pass


@pytest.fixture
def small_batches(monkeypatch):
    """Batches of 7 documents: many of them, each read ahead of the previous one's kernel."""
    monkeypatch.setattr(fh_text, "_BATCH_MAX_DOCS", 7)


@pytest.fixture
def kernel_calls(monkeypatch):
    """The kernel calls started ahead of the reading, by the documents' batch sizes."""
    started = []

    def spy(work, cancel):
        started.append(work)
        return _interruptible.start_call(work, cancel)

    monkeypatch.setattr(fh_text, "start_call", spy)
    # two threads even on a machine with one usable CPU
    monkeypatch.setattr(fh_text, "effective_n_jobs", lambda n_jobs, caller: n_jobs or 2)
    return started


def _docs(n=200, seed=0):
    rng = np.random.default_rng(seed)
    words = np.array("the quick brown fox jumps over lazy dog ΟΔΟΣ naïve 中文 İstanbul".split())
    return [" ".join(rng.choice(words, size=int(rng.integers(0, 30)))) for _ in range(n)]


@pytest.mark.parametrize("params", [{}, {"ngram_range": (1, 2)},
                                    {"analyzer": "char_wb", "ngram_range": (2, 4)}])
def test_read_ahead_output_equals_sklearn(small_batches, kernel_calls, params):
    docs = _docs()
    want = SkHashingVectorizer(**params).transform(docs)
    vec = FhHashingVectorizer(n_jobs=2, **params)
    for X in (docs, iter(docs), pa.array(docs)):
        kernel_calls.clear()
        assert_csr_identical(vec.transform(X), want)
        # every batch but the last (read-ahead needs a next batch) had its kernel started
        # ahead: 200 documents in batches of 7
        assert len(kernel_calls) >= len(docs) // 7 - 1


def test_one_thread_or_another_thread_reads_nothing_ahead(small_batches, kernel_calls):
    docs = _docs()
    want = SkHashingVectorizer().transform(docs)
    assert_csr_identical(FhHashingVectorizer(n_jobs=1).transform(docs), want)
    assert kernel_calls == []
    out = []
    t = threading.Thread(target=lambda: out.append(FhHashingVectorizer(n_jobs=2).transform(docs)))
    t.start()
    t.join()
    assert_csr_identical(out[0], want)
    assert kernel_calls == []


@pytest.mark.parametrize("at", [0, 6, 7, 13, 30])
@pytest.mark.parametrize("later", ["GEN", None, b"\xff"])
def test_errors_come_in_document_order(small_batches, kernel_calls, at, later):
    """A bad document of batch k (a lone surrogate, found by the kernel while batch k + 1
    is read) wins over an error met reading batch k + 1; without one, the reading's error
    is raised: as scikit-learn, which stops at the first."""

    def docs():
        for i, doc in enumerate(_docs(40)):
            if i == at:
                doc = "x\ud800y " + doc
            if i == 16:
                if later == "GEN":
                    raise _Boom("the generator failed")
                doc = later
            yield doc

    for params in ({}, {"analyzer": "char", "ngram_range": (1, 2)}):
        compare_with_sklearn(params, docs, n_jobs=(2,))
    assert kernel_calls  # batches were read ahead


def test_interrupt_while_reading_ahead_cancels_the_kernel(small_batches, kernel_calls):
    """KeyboardInterrupt raised while reading batch k + 1 (Ctrl-C in the user's generator)
    propagates once the kernel of batch k has let go of it; the next call works."""
    docs = _docs(100)

    def interrupted():
        for i, doc in enumerate(docs):
            if i == 50:
                raise KeyboardInterrupt
            yield doc

    vec = FhHashingVectorizer(n_jobs=2)
    with pytest.raises(KeyboardInterrupt):
        vec.transform(interrupted())
    assert kernel_calls
    assert_csr_identical(vec.transform(docs), SkHashingVectorizer().transform(docs))
