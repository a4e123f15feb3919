# Authors: The fasthash developers
# SPDX-License-Identifier: BSD-3-Clause
"""Fixed datasets and helpers for the pytest-benchmark suite (not part of the test run).

Run with ``python bench/report.py`` (see bench/README.md) or ``python -m pytest bench``.
"""

import itertools
import statistics
import time

import pytest

from fasthash._corpus import english_documents, multilingual_documents

MB = 1e6  # sizes and throughputs are in MB = 10**6 bytes of UTF-8 input

# Target sizes of the replicated corpora: large enough that one sklearn run takes ~0.5-1.5 s
# on one core, small enough that the whole suite stays around a few minutes.
ENGLISH_TARGET_BYTES = 6_000_000
MULTILINGUAL_TARGET_BYTES = 6_000_000


def utf8_size(docs):
    """Total UTF-8 size in bytes of an iterable of str."""
    return sum(len(doc.encode("utf-8")) for doc in docs)


def replicate(docs, target_bytes):
    """Cycle through ``docs`` in order until their UTF-8 size reaches ``target_bytes``.

    Deterministic: the result is ``docs`` repeated whole, followed by a prefix of ``docs``.
    """
    if not docs:
        raise ValueError("cannot replicate an empty corpus")
    out, total = [], 0
    for doc in itertools.cycle(docs):
        if total >= target_bytes:
            break
        out.append(doc)
        total += len(doc.encode("utf-8"))
    return out


class Corpus:
    """A named list of documents with its UTF-8 size."""

    def __init__(self, name, docs):
        self.name = name
        self.docs = docs
        self.n_bytes = utf8_size(docs)

    @property
    def mb(self):
        return self.n_bytes / MB

    def __repr__(self):
        return f"Corpus({self.name!r}, {len(self.docs)} docs, {self.mb:.2f} MB)"


@pytest.fixture(scope="session")
def english_corpus():
    """Docstrings of the standard library, replicated to ~6 MB."""
    return Corpus("english", replicate(english_documents(), ENGLISH_TARGET_BYTES))


@pytest.fixture(scope="session")
def multilingual_corpus():
    """CLDR text in ~100 scripts (babel), replicated to ~6 MB; skipped without babel."""
    pytest.importorskip("babel", reason='needs babel: pip install "fasthash[bench]"')
    return Corpus("multilingual", replicate(multilingual_documents(), MULTILINGUAL_TARGET_BYTES))


@pytest.fixture(scope="session")
def corpora(request):
    """Look a corpus fixture up by name (lazily: an unused corpus is never built)."""

    def get(name):
        return request.getfixturevalue(f"{name}_corpus")

    return get


@pytest.fixture(scope="session")
def reference_outputs():
    """Cache of scikit-learn outputs keyed by (corpus name, configuration name)."""
    return {}


@pytest.fixture(scope="session")
def loky_executor():
    """The reusable loky executor of joblib, shut down at the end of the session."""
    pytest.importorskip("joblib", reason='needs joblib: pip install "fasthash[bench]"')
    yield
    from joblib.externals.loky import get_reusable_executor

    get_reusable_executor().shutdown(wait=True)


@pytest.fixture
def pedantic_interleaved(benchmark):
    """``run(target, other, rounds, target_is_none)``: ``benchmark.pedantic(target)`` with a
    call of ``other`` (untimed, no arguments) before each round, for the ``threads | ...``
    groups: ``target`` and ``other`` are the same work with ``n_jobs=None`` and
    ``n_jobs=1`` (``target_is_none`` says which is which).

    Beside busy processes, where the OS places the threads decides the speed of either
    setting for hundreds of milliseconds at a time, so medians of two separate benchmarks
    compare placements. Records ``extra_info["interleaved_ratio"]``: the median over rounds
    of n_jobs=None's speed over n_jobs=1's, each round against the call just before it.
    Returns target's result.
    """

    def run(target, other, rounds, target_is_none):
        other_times = []

        def setup():
            t0 = time.perf_counter()
            other()
            other_times.append(time.perf_counter() - t0)

        result = benchmark.pedantic(target, setup=setup, rounds=rounds, warmup_rounds=1)
        # (setup also ran before the warm-up round)
        pairs = zip(benchmark.stats.stats.data, other_times[-rounds:], strict=True)
        benchmark.extra_info["interleaved_ratio"] = statistics.median(
            o / t if target_is_none else t / o for t, o in pairs
        )
        return result

    return run
