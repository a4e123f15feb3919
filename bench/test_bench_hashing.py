# Authors: The fasthash developers
# SPDX-License-Identifier: BSD-3-Clause
"""Throughput and memory of ``HashingVectorizer.transform``: fasthash vs scikit-learn.

Groups are ``transform | <corpus> | <configuration>`` with, side by side:

- ``sklearn``: scikit-learn's HashingVectorizer, one Python thread;
- ``sklearn+loky[2]``: the best scikit-learn can do on 2 cores without fasthash: joblib
  (loky worker processes) over 2 chunks, then ``scipy.sparse.vstack``;
- ``fasthash[1]``: fasthash with ``n_jobs=1``;
- ``fasthash[all]``: fasthash with ``n_jobs=None`` (every usable CPU).

``transform | <corpus> | token_pattern=<pattern>``: custom token patterns scanned natively
(``sklearn``, ``fasthash[1]``, ``fasthash[all]``); ``memory | ...``: peak memory while
hashing a lazy input (HashingVectorizer, FeatureHasher, ``n_jobs`` 1 and 2), as a ratio to
the size of the output matrix; ``Ctrl-C | ...``: seconds from SIGINT to KeyboardInterrupt
inside one huge document or row; ``hand-off | ...``: the cost of running a batch on
fasthash's kernel thread (what makes Ctrl-C prompt); ``kernel threads | ...``: thread
counts beyond the CPUs.

Every fasthash result is checked bit for bit against scikit-learn's.
Run through ``python bench/report.py`` (see bench/README.md).
"""

import ctypes
import ctypes.util
import functools
import gc
import tracemalloc

import numpy as np
import pytest
from sklearn.feature_extraction.text import HashingVectorizer as SkHashingVectorizer

import fasthash
from fasthash._corpus import english_documents, multilingual_documents
from fasthash.cli import _compare_csr
from fasthash.utils._busy import BusyProcesses
from fasthash.utils._threads import effective_n_jobs

MB = 1e6

CONFIGS = {
    "default": {},
    "ngram(1,2)": {"ngram_range": (1, 2)},
}
CORPORA = ["english", "multilingual"]
# implementation -> (n_jobs, timed rounds). Slow implementations get fewer rounds so the
# suite stays within a few minutes on 2 cores; the median is what report.py shows.
IMPLEMENTATIONS = {
    "sklearn": (1, 5),  # one Python thread; it has no n_jobs
    "sklearn+loky[2]": (2, 5),
    "fasthash[1]": (1, 15),
    "fasthash[all]": (None, 15),
}
LOKY_CHUNKS = 2

N_LAZY_DOCS = 200_000


# ---------------------------------------------------------------------------------------
# helpers
# ---------------------------------------------------------------------------------------


def resolved_threads(impl):
    """Threads (or processes) an implementation uses, as resolved now."""
    n_jobs = IMPLEMENTATIONS[impl][0]
    if impl == "sklearn":
        return 1
    if impl.startswith("sklearn+loky"):
        return n_jobs
    return effective_n_jobs(n_jobs)


def make_transform(impl, params):
    """Return ``docs -> csr`` for an implementation and HashingVectorizer parameters."""
    n_jobs = IMPLEMENTATIONS[impl][0]
    if impl == "sklearn":
        return SkHashingVectorizer(**params).transform
    if impl.startswith("sklearn+loky"):
        return _LokyTransform(SkHashingVectorizer(**params), n_chunks=LOKY_CHUNKS)
    return fasthash.HashingVectorizer(**params, n_jobs=n_jobs).transform


class _LokyTransform:
    """scikit-learn's transform in joblib's loky worker processes, then vstack."""

    def __init__(self, vectorizer, n_chunks):
        self.vectorizer = vectorizer
        self.n_chunks = n_chunks

    def __call__(self, docs):
        import scipy.sparse as sp
        from joblib import Parallel, delayed

        bounds = np.linspace(0, len(docs), self.n_chunks + 1).astype(np.int64)
        parts = Parallel(n_jobs=self.n_chunks, backend="loky")(
            delayed(self.vectorizer.transform)(docs[lo:hi])
            for lo, hi in zip(bounds[:-1], bounds[1:], strict=True)
        )
        return sp.vstack(parts, format="csr")


def reference(reference_outputs, corpus, config):
    """scikit-learn's output for (corpus, config), computed once per session."""
    key = (corpus.name, config)
    if key not in reference_outputs:
        reference_outputs[key] = SkHashingVectorizer(**CONFIGS[config]).transform(corpus.docs)
    return reference_outputs[key]


def record_throughput(benchmark, n_bytes):
    """Store MB and median MB/s in ``extra_info`` (no stats with --benchmark-disable)."""
    benchmark.extra_info["mb"] = round(n_bytes / MB, 3)
    stats = getattr(benchmark, "stats", None)
    if stats is not None:
        median = stats.stats.median
        benchmark.extra_info["mb_per_s"] = round(n_bytes / MB / median, 2) if median else None


def utf8_size(docs):
    return sum(len(doc.encode("utf-8")) for doc in docs)


def output_nbytes(X):
    return X.data.nbytes + X.indices.nbytes + X.indptr.nbytes


# ---------------------------------------------------------------------------------------
# throughput
# ---------------------------------------------------------------------------------------


@pytest.mark.parametrize("impl", list(IMPLEMENTATIONS))
@pytest.mark.parametrize("config", list(CONFIGS))
@pytest.mark.parametrize("corpus_name", CORPORA)
def test_transform(benchmark, request, corpora, reference_outputs, corpus_name, config, impl):
    corpus = corpora(corpus_name)
    if impl.startswith("sklearn+loky"):
        request.getfixturevalue("loky_executor")
    benchmark.group = f"transform | {corpus_name} | {config}"
    n_jobs, rounds = IMPLEMENTATIONS[impl]
    benchmark.extra_info.update(
        implementation=impl,
        corpus=corpus_name,
        config=config,
        n_jobs=n_jobs,
        threads=resolved_threads(impl),
        docs=len(corpus.docs),
    )
    transform = make_transform(impl, CONFIGS[config])

    X = benchmark.pedantic(transform, args=(corpus.docs,), rounds=rounds, warmup_rounds=1)
    record_throughput(benchmark, corpus.n_bytes)

    if impl == "sklearn":
        reference_outputs.setdefault((corpus_name, config), X)
        return
    expected = reference(reference_outputs, corpus, config)
    if impl.startswith("sklearn+loky"):  # same values; index dtypes may differ after vstack
        assert X.shape == expected.shape
        for name in ("indptr", "indices", "data"):
            np.testing.assert_array_equal(getattr(X, name), getattr(expected, name))
    else:
        assert _compare_csr(expected, X) == []


# Custom token patterns (scanned natively when in the subset the core scans; each is
# checked to be native), on the replicated corpora, fewer rounds for scikit-learn.
PATTERN_CONFIGS = {
    "letters": r"(?u)\b[a-zA-Z]{2,}\b",
    "words3": r"\b\w{3,}\b",
    "unicode-letters": r"[^\W\d_]+",
    "digits": r"\d+",
    "letters-i": r"(?i)\b[a-z]{2,}\b",
}
PATTERN_ROUNDS = {"sklearn": 3, "fasthash[1]": 11, "fasthash[all]": 11}


@pytest.mark.parametrize("impl", list(PATTERN_ROUNDS))
@pytest.mark.parametrize("config", list(PATTERN_CONFIGS))
@pytest.mark.parametrize("corpus_name", CORPORA)
def test_transform_pattern(benchmark, corpora, reference_outputs, corpus_name, config, impl):
    from fasthash.feature_extraction.text import python_analysis_reason

    corpus = corpora(corpus_name)
    pattern = PATTERN_CONFIGS[config]
    params = {"token_pattern": pattern}
    benchmark.group = f"transform | {corpus_name} | token_pattern={pattern}"
    n_jobs = IMPLEMENTATIONS[impl][0]
    benchmark.extra_info.update(
        implementation=impl, corpus=corpus_name, config=f"token_pattern={pattern}",
        n_jobs=n_jobs, threads=resolved_threads(impl), docs=len(corpus.docs),
    )
    if impl == "sklearn":
        transform = SkHashingVectorizer(**params).transform
    else:
        vec = fasthash.HashingVectorizer(**params, n_jobs=n_jobs)
        assert python_analysis_reason(vec) is None  # the native scanner is measured
        transform = vec.transform
        transform(corpus.docs[:10])  # the pattern's tables are built once per process
    X = benchmark.pedantic(transform, args=(corpus.docs,), rounds=PATTERN_ROUNDS[impl],
                           warmup_rounds=1)
    record_throughput(benchmark, corpus.n_bytes)
    key = (corpus_name, f"token_pattern={pattern}")
    if impl == "sklearn":
        reference_outputs[key] = X
    else:
        expected = reference_outputs.get(key)
        if expected is None:
            expected = reference_outputs[key] = SkHashingVectorizer(**params).transform(
                corpus.docs)
        assert _compare_csr(expected, X) == []


# Character n-grams are where scikit-learn is slowest (about 1 MB/s or less): measured on
# the unreplicated corpora (English ~1.3 MB, multilingual ~4.4 MB) with fewer rounds
# for scikit-learn.
CHAR_CONFIGS = {
    "char_wb(2,4)": {"analyzer": "char_wb", "ngram_range": (2, 4)},
    "char(2,5)": {"analyzer": "char", "ngram_range": (2, 5)},
}
CHAR_ROUNDS = {"sklearn": 2, "fasthash[1]": 7, "fasthash[all]": 7}


def _unreplicated(corpus_name):
    return english_documents() if corpus_name == "english" else multilingual_documents()


@pytest.mark.parametrize("impl", list(CHAR_ROUNDS))
@pytest.mark.parametrize("config", list(CHAR_CONFIGS))
@pytest.mark.parametrize("corpus_name", CORPORA)
def test_transform_char(benchmark, reference_outputs, corpus_name, config, impl):
    docs = _unreplicated(corpus_name)
    params = CHAR_CONFIGS[config]
    n_bytes = sum(len(d.encode("utf-8")) for d in docs)
    benchmark.group = f"transform | {corpus_name} (unreplicated) | {config}"
    n_jobs = IMPLEMENTATIONS[impl][0]
    benchmark.extra_info.update(
        implementation=impl, corpus=corpus_name, config=config, n_jobs=n_jobs,
        threads=resolved_threads(impl), docs=len(docs),
    )
    if impl == "sklearn":
        transform = SkHashingVectorizer(**params).transform
    else:
        transform = fasthash.HashingVectorizer(**params, n_jobs=n_jobs).transform
    X = benchmark.pedantic(transform, args=(docs,), rounds=CHAR_ROUNDS[impl], warmup_rounds=0)
    record_throughput(benchmark, n_bytes)
    key = (f"{corpus_name}-unreplicated", config)
    if impl == "sklearn":
        reference_outputs[key] = X
    else:
        expected = reference_outputs.get(key)
        if expected is None:
            expected = SkHashingVectorizer(**params).transform(docs)
            reference_outputs[key] = expected
        assert _compare_csr(expected, X) == []


# FeatureHasher on dicts: the word counts of each English document (str -> float), the
# corpus three times over. "MB" is the UTF-8 size of the feature names read.
FH_ROUNDS = {"sklearn": 5, "fasthash[1]": 11, "fasthash[all]": 11}


@pytest.fixture(scope="module")
def count_dicts():
    return _count_dict_samples()[0]


@pytest.mark.parametrize("impl", list(FH_ROUNDS))
def test_feature_hasher_dicts(benchmark, reference_outputs, count_dicts, impl):
    from sklearn.feature_extraction import FeatureHasher as SkFeatureHasher

    n_bytes = sum(len(k.encode("utf-8")) for d in count_dicts for k in d)
    benchmark.group = "FeatureHasher.transform | dicts of word counts"
    n_jobs = IMPLEMENTATIONS[impl][0]
    benchmark.extra_info.update(
        implementation=impl, n_jobs=n_jobs, threads=resolved_threads(impl),
        samples=len(count_dicts), features=sum(len(d) for d in count_dicts),
    )
    if impl == "sklearn":
        transform = SkFeatureHasher().transform
    else:
        transform = fasthash.FeatureHasher(n_jobs=n_jobs).transform
    X = benchmark.pedantic(transform, args=(count_dicts,), rounds=FH_ROUNDS[impl], warmup_rounds=1)
    record_throughput(benchmark, n_bytes)
    if impl == "sklearn":
        reference_outputs["feature-hasher"] = X
    else:
        expected = reference_outputs.get("feature-hasher")
        if expected is None:
            expected = SkFeatureHasher().transform(count_dicts)
        assert _compare_csr(expected, X) == []


# ---------------------------------------------------------------------------------------
# peak memory on a long generator
# ---------------------------------------------------------------------------------------


def _lazy_documents(base, n):
    """Yield ``n`` new documents built on the fly from ``base`` (none kept alive here)."""
    n_base = len(base)
    for i in range(n):
        yield f"{base[i % n_base]} #{i}"


_libc = None


def _trim_heap():
    """Give freed heap memory back to the OS (glibc), so RSS growth is measured fairly."""
    global _libc
    gc.collect()
    if _libc is None:
        name = ctypes.util.find_library("c")
        _libc = ctypes.CDLL(name) if name else False
    if _libc and hasattr(_libc, "malloc_trim"):
        _libc.malloc_trim(0)


def _proc_status_kb(field):
    try:
        with open("/proc/self/status") as f:
            for line in f:
                if line.startswith(field + ":"):
                    return int(line.split()[1])
    except OSError:
        pass
    return None


def _reset_peak_rss():
    """Reset the kernel's high-water mark of RSS (Linux >= 4.0); True if it worked."""
    try:
        with open("/proc/self/clear_refs", "w") as f:
            f.write("5")
        return True
    except OSError:
        return False


# n_jobs of the memory benches' implementations (1 and 2 explicitly: FeatureHasher held every
# batch with more than one thread, whatever the input's length)
MEMORY_IMPLEMENTATIONS = {"sklearn": 1, "fasthash[1]": 1, "fasthash[2]": 2}


def _count_dicts_lazy(base, n):
    """Yield ``n`` fresh {word: count} dicts built from ``base`` (none kept alive here)."""
    n_base = len(base)
    for i in range(n):
        counts = {f"#{i % 1000}": 1.0}
        for word in base[i % n_base].lower().split():
            counts[word] = counts.get(word, 0.0) + 1.0
        yield counts


def _memory_case(case, impl):
    """(transform, make_input, n_bytes of the input's text) of a memory bench case."""
    from sklearn.feature_extraction import FeatureHasher as SkFeatureHasher

    n_jobs = MEMORY_IMPLEMENTATIONS[impl]
    base = english_documents()
    if case == "HashingVectorizer":
        est = SkHashingVectorizer() if impl == "sklearn" else fasthash.HashingVectorizer(
            n_jobs=n_jobs)
        n_bytes = sum(len(d.encode("utf-8")) for d in _lazy_documents(base, N_LAZY_DOCS))
        return est.transform, lambda: _lazy_documents(base, N_LAZY_DOCS), n_bytes
    if case == "FeatureHasher":
        est = SkFeatureHasher() if impl == "sklearn" else fasthash.FeatureHasher(n_jobs=n_jobs)
        n_bytes = sum(len(k.encode("utf-8")) for d in _count_dicts_lazy(base, N_LAZY_DOCS)
                      for k in d)
        return est.transform, lambda: _count_dicts_lazy(base, N_LAZY_DOCS), n_bytes
    # FeatureHasher, few samples of many repeated names: a tiny output
    kw = {"input_type": "string"}
    est = SkFeatureHasher(**kw) if impl == "sklearn" else fasthash.FeatureHasher(
        **kw, n_jobs=n_jobs)
    return est.transform, lambda: (["a"] * 2**20 for _ in range(N_REPEAT_SAMPLES)), 0


N_REPEAT_SAMPLES = 40
MEMORY_CASES = {
    "HashingVectorizer": f"memory | HashingVectorizer, generator of {N_LAZY_DOCS // 1000}k docs",
    "FeatureHasher": f"memory | FeatureHasher, generator of {N_LAZY_DOCS // 1000}k dicts",
    "FeatureHasher-repeats": (
        f"memory | FeatureHasher, {N_REPEAT_SAMPLES} samples of 2**20 copies of one name"
    ),
}


@pytest.mark.parametrize("impl", list(MEMORY_IMPLEMENTATIONS))
@pytest.mark.parametrize("case", list(MEMORY_CASES))
def test_peak_memory(benchmark, case, impl):
    """Peak memory of a transform of a lazy input relative to the output's size.

    ``rss_ratio`` = growth of the peak RSS during the call / bytes of the output CSR
    (data + indices + indptr), measured in the timed run; ``tracemalloc_ratio`` = peak of
    Python-visible allocations (incl. numpy arrays) in a second, untimed run / the same.
    A ratio near 1 means hashing needs little beyond its result; bounded batches keep the
    growth flat however long the input is (the ``repeats`` case has a tiny output: its
    ``peak_rss_growth_mb`` is the figure to read).
    """
    benchmark.group = MEMORY_CASES[case]
    transform, make_input, n_bytes = _memory_case(case, impl)
    rss = {}

    def setup():
        _trim_heap()
        rss["reset"] = _reset_peak_rss()
        rss["before_kb"] = _proc_status_kb("VmRSS")
        return (make_input(),), {}

    X = benchmark.pedantic(transform, setup=setup, rounds=1, iterations=1)
    peak_kb = _proc_status_kb("VmHWM")
    out_bytes = output_nbytes(X)
    info = benchmark.extra_info
    info.update(
        implementation=impl,
        n_jobs=MEMORY_IMPLEMENTATIONS[impl],
        threads=1 if impl == "sklearn" else effective_n_jobs(MEMORY_IMPLEMENTATIONS[impl]),
        samples=X.shape[0],
        output_mb=round(out_bytes / MB, 4),
    )
    if n_bytes:
        record_throughput(benchmark, n_bytes)
    if rss.get("reset") and peak_kb is not None and rss.get("before_kb") is not None:
        growth = max(0, peak_kb - rss["before_kb"]) * 1024
        info["peak_rss_growth_mb"] = round(growth / MB, 2)
        info["rss_ratio"] = round(growth / out_bytes, 2)
    else:  # not Linux, or clear_refs unavailable
        info["peak_rss_growth_mb"] = info["rss_ratio"] = None

    del X
    _trim_heap()
    tracemalloc.start()
    try:
        X = transform(make_input())
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    info["tracemalloc_peak_mb"] = round(peak / MB, 2)
    info["tracemalloc_ratio"] = round(peak / output_nbytes(X), 2)


# ---------------------------------------------------------------------------------------
# Ctrl-C: time from SIGINT to KeyboardInterrupt inside one huge document or row
# ---------------------------------------------------------------------------------------

INTERRUPT_CASES = {
    # (each call lasts well past the SIGINT sent 1 s in: 300 MB of words took 0.85 s)
    "word, one 600 MB document": ("HashingVectorizer(n_jobs=2)", 600),
    "char(1,5), one 50 MB document": (
        "HashingVectorizer(n_jobs=2, analyzer='char', ngram_range=(1, 5))", 50),
    "char_wb(2,4), one 100 MB document": (
        "HashingVectorizer(n_jobs=2, analyzer='char_wb', ngram_range=(2, 4))", 100),
    "FeatureHasher, one sample of 30M names": ("FeatureHasher(input_type='string')", 0),
    # custom token patterns: the core's runs and general scanners, and text prepared a
    # block at a time (accents stripped from a Latin-1 document)
    r"token_pattern=(?u)\b[a-zA-Z]{2,}\b, one 600 MB document": (
        r"HashingVectorizer(n_jobs=2, token_pattern=r'(?u)\b[a-zA-Z]{2,}\b')", 600),
    r"token_pattern=\b\w{3,5}\b, strip_accents, one 100 MB Latin-1 document": (
        r"HashingVectorizer(n_jobs=2, token_pattern=r'\b\w{3,5}\b', strip_accents='unicode')",
        100, {"e": "\xe9"}),
}

_INTERRUPT_SCRIPT = """
import os, signal, subprocess, sys, time
import numpy as np
from fasthash import FeatureHasher, HashingVectorizer
est = {est}
if {mb}:
    words = "lorem ipsum dolor sit amet consectetur adipiscing elit sed do eiusmod".split()
    unit = " ".join(np.random.default_rng(0).choice(words, 100000)) + " "
    X = [(unit * ({mb} * 2**20 // len(unit) + 1))[: {mb} * 2**20].translate(
        str.maketrans({wider!r}))]
else:
    names = [str(i) for i in range(2**16)]
    X = [[names[(i * 40503) % 2**16] for i in range(30 * 2**20)]]
killer = subprocess.Popen(
    [sys.executable, "-c", "import os, signal, sys, time; sys.stdin.readline(); "
     "time.sleep({delay}); t = time.time(); os.kill(%d, signal.SIGINT); print(t)" % os.getpid()],
    stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
killer.stdin.write("go\\n")
killer.stdin.flush()
t0 = time.time()
try:
    est.transform(X)
    print("finished", time.time() - t0)
except KeyboardInterrupt:
    end = time.time()
    print("latency", end - float(killer.communicate()[0]))
"""


@pytest.mark.parametrize("case", list(INTERRUPT_CASES))
def test_ctrl_c_latency(benchmark, case):
    """Seconds from SIGINT (sent by another process, as a terminal does) to
    KeyboardInterrupt, in a fresh interpreter, ``delay`` seconds into the call: the
    median of the rounds is in ``extra_info["latency_s"]`` (the timed figure is the whole
    subprocess)."""
    import subprocess
    import sys

    est, mb, *wider = INTERRUPT_CASES[case]
    benchmark.group = "Ctrl-C | time from SIGINT to KeyboardInterrupt"
    delay = 1.5 if mb == 0 else 1.0  # the FeatureHasher case: within the merge
    script = _INTERRUPT_SCRIPT.format(est=est, mb=mb, delay=delay,
                                      wider=wider[0] if wider else {})
    latencies = []

    def run():
        out = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True,
                             check=True).stdout.split()
        assert out[0] == "latency", f"not interrupted: {out}"
        latencies.append(float(out[1]))

    benchmark.pedantic(run, rounds=3, iterations=1)
    latencies.sort()
    benchmark.extra_info.update(case=case, latency_s=round(latencies[1], 4),
                                latency_max_s=round(latencies[-1], 4))


# ---------------------------------------------------------------------------------------
# cost of the kernel thread hand-off (what makes Ctrl-C prompt inside long batches)
# ---------------------------------------------------------------------------------------

HANDOFF_MODES = {
    "inline": None,  # the default for batches below text._INTERRUPTIBLE_WORK
    "kernel thread": 0,  # every batch handed off (the default for long batches)
}


@pytest.mark.parametrize("mode", list(HANDOFF_MODES))
@pytest.mark.parametrize("size", ["20 docs", "english"])
def test_kernel_thread_handoff(benchmark, monkeypatch, english_corpus, size, mode):
    """Same-run ratio of a transform with every batch run on the calling thread and with
    every batch handed to fasthash's kernel thread (the main thread waiting
    interruptibly): tiny calls show the per-batch hand-off, the English corpus what it
    would cost if every batch paid it (by default only batches of more estimated work than
    ``_INTERRUPTIBLE_WORK`` do, where it is negligible)."""
    import fasthash.feature_extraction.text as fh_text

    docs = english_corpus.docs[:20] if size == "20 docs" else english_corpus.docs
    if HANDOFF_MODES[mode] is not None:
        monkeypatch.setattr(fh_text, "_INTERRUPTIBLE_WORK", HANDOFF_MODES[mode])
    benchmark.group = f"hand-off | {size} | default"
    vec = fasthash.HashingVectorizer()
    rounds = 2000 if size == "20 docs" else 15
    benchmark.pedantic(vec.transform, args=(docs,), rounds=rounds, warmup_rounds=5)
    benchmark.extra_info.update(mode=mode, docs=len(docs),
                                threads=effective_n_jobs(None))
    record_throughput(benchmark, utf8_size(docs))


# ---------------------------------------------------------------------------------------
# thread counts beyond the CPUs (the kernel caps every team at its work and at 256)
# ---------------------------------------------------------------------------------------


@pytest.mark.parametrize("n_threads", [1, 2, 4096])
def test_kernel_thread_count(benchmark, n_threads):
    """200k short documents through the kernel with ``n_threads`` asked for directly
    (``n_jobs`` is capped at the usable CPUs before it gets there): 4096 took 10 s before
    every parallel region was capped at its chunks."""
    import fasthash.feature_extraction.text as fh_text
    from fasthash._lib import _hashing

    docs = [f"lorem ipsum dolor {i} sit amet" for i in range(200_000)]
    plan = fh_text._Plan(fasthash.HashingVectorizer())

    def run():
        builder = _hashing.CSRBuilder(plan.options)
        it = iter(docs)
        while True:
            batch = _hashing.collect(it, fh_text._BATCH_MAX_DOCS, fh_text._BATCH_MAX_UNITS,
                                     None, True)
            if batch.n_docs:
                builder.append(batch, plan.options, n_threads)
            if batch.exhausted:
                return builder.finish()

    benchmark.group = "kernel threads | 200k short docs"
    benchmark.pedantic(run, rounds=5, warmup_rounds=1)
    benchmark.extra_info.update(n_threads=n_threads)
    record_throughput(benchmark, utf8_size(docs))


# ---------------------------------------------------------------------------------------
# threads that never hurt: n_jobs=1 and n_jobs=None idle and beside busy processes
# ---------------------------------------------------------------------------------------

# Groups ``threads | <configuration> | <load>``: ``fasthash[1]`` (n_jobs=1) and
# ``fasthash[all]`` (n_jobs=None) with 0, 1 or 2 other processes keeping cores busy (`python
# -c 'while True: pass'`, started before and killed after each benchmark) or a BLAS-threaded
# job beside them (numpy matrix products on every core); and the idle
# GIL-free control ``threads | control: 2 x numpy.sort | idle`` (``control[1]``: two sorts
# one after the other; ``control[all]``: the two at once on two threads), what this machine
# gives two threads at best. n_jobs=None must never be slower than n_jobs=1 (medians), and
# its idle speed-up should be close to the control's.
#
# Beside busy processes, where the OS places our threads and theirs decides the speed of
# either setting for hundreds of milliseconds at a time: n_jobs=1 alone took 14 ms in one
# benchmark and 22 ms in the next, on the same code. So each round of one setting follows
# an (untimed) call of the other, beside the same busy processes (the pedantic_interleaved
# fixture of conftest.py): both settings measured in the same moments. bench/report.py
# quotes the geometric mean of the two benchmarks' ratios (which also cancels any
# advantage of going first).
# load -> (processes, what they run: fasthash.utils._busy.BusyProcesses); "BLAS job": one
# process multiplying matrices through numpy's BLAS on every core (OpenBLAS's threads spin
# between calls).
LOADS = {"idle": (0, "python"), "1 busy": (1, "python"), "2 busy": (2, "python"),
         "BLAS job": (1, "blas")}
LOAD_ROUNDS = 15
LOAD_IMPLEMENTATIONS = {"fasthash[1]": 1, "fasthash[all]": None}


def _hv_case(corpus_name, params, unreplicated=False):
    def make(corpora, n_jobs):
        docs = _unreplicated(corpus_name) if unreplicated else corpora(corpus_name).docs
        vec = fasthash.HashingVectorizer(**params, n_jobs=n_jobs)
        return vec.transform, docs, utf8_size(docs), SkHashingVectorizer(**params).transform

    return make


@functools.cache
def _count_dict_samples():
    """The dicts of test_feature_hasher_dicts, built once: every implementation and load
    reads the same objects (dicts built later lie elsewhere in memory and read slower)."""
    samples = []
    for doc in english_documents():
        counts = {}
        for word in doc.lower().split():
            counts[word] = counts.get(word, 0.0) + 1.0
        samples.append(counts)
    samples *= 3
    return samples, sum(len(k.encode("utf-8")) for d in samples for k in d)


def _fh_case(corpora, n_jobs):
    from sklearn.feature_extraction import FeatureHasher as SkFeatureHasher

    samples, n_bytes = _count_dict_samples()
    return fasthash.FeatureHasher(n_jobs=n_jobs).transform, samples, n_bytes, \
        SkFeatureHasher().transform


LOAD_CASES = {
    "english | default": _hv_case("english", {}),
    "english | ngram(1,2)": _hv_case("english", {"ngram_range": (1, 2)}),
    "multilingual | default": _hv_case("multilingual", {}),
    "english (unreplicated) | char_wb(2,4)": _hv_case(
        "english", {"analyzer": "char_wb", "ngram_range": (2, 4)}, unreplicated=True),
    "FeatureHasher | dicts of word counts": _fh_case,
}


@pytest.mark.parametrize("impl", list(LOAD_IMPLEMENTATIONS))
@pytest.mark.parametrize("load", list(LOADS))
@pytest.mark.parametrize("case", list(LOAD_CASES))
def test_threads_under_load(benchmark, pedantic_interleaved, corpora, reference_outputs, case,
                            load, impl):
    """n_jobs=1 against n_jobs=None with 0, 1 and 2 busy processes or a BLAS job beside the
    call, each round after a call of the other setting (timed apart)."""
    n_jobs = LOAD_IMPLEMENTATIONS[impl]
    transform, data, n_bytes, sk_transform = LOAD_CASES[case](corpora, n_jobs)
    other = LOAD_CASES[case](corpora, 1 if n_jobs is None else None)[0]
    benchmark.group = f"threads | {case} | {load}"
    benchmark.extra_info.update(
        implementation=impl, config=case, n_jobs=n_jobs, threads=effective_n_jobs(n_jobs),
        load=load, busy_processes=LOADS[load][0],
    )
    with BusyProcesses(*LOADS[load]):
        X = pedantic_interleaved(lambda: transform(data), lambda: other(data), LOAD_ROUNDS,
                                 n_jobs is None)
    record_throughput(benchmark, n_bytes)
    key = ("threads", case)
    if key not in reference_outputs:
        reference_outputs[key] = sk_transform(data)
    assert _compare_csr(reference_outputs[key], X) == []


CONTROL_SIZE = 500_000
CONTROL_IMPLEMENTATIONS = {"control[1]": 1, "control[all]": 2}


@pytest.mark.parametrize("impl", list(CONTROL_IMPLEMENTATIONS))
def test_threads_control(benchmark, impl):
    """What two threads can give on this machine now: two ``numpy.sort`` calls (which
    release the GIL) one after the other, or at once on two Python threads."""
    import threading

    a = np.random.default_rng(0).random(CONTROL_SIZE)

    def serial():
        np.sort(a)
        np.sort(a)

    def parallel():
        threads = [threading.Thread(target=np.sort, args=(a,)) for _ in range(2)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()

    benchmark.group = "threads | control: 2 x numpy.sort | idle"
    benchmark.extra_info.update(implementation=impl, threads=CONTROL_IMPLEMENTATIONS[impl],
                                load="idle", busy_processes=0)
    benchmark.pedantic(serial if impl == "control[1]" else parallel, rounds=LOAD_ROUNDS * 2,
                       warmup_rounds=2)


# ---------------------------------------------------------------------------------------
# the limit: tokenizing and hashing alone, the kernel, the whole transform
# ---------------------------------------------------------------------------------------

# Groups ``limit | <corpus> | <configuration>``, on one thread and on all, the same
# documents read into batches once beforehand: ``hash-only[n]`` tokenizes and hashes every
# document and builds nothing (the ceiling of the per-feature work); ``kernel[n]`` adds
# the rows (sort, sum duplicates, normalise, copy into the CSR arrays); ``transform[n]`` is
# the whole call (reading the documents in Python, the batches, the matrix).
LIMIT_CASES = {
    "english | default": ("english", {}),
    "english | ngram(1,2)": ("english", {"ngram_range": (1, 2)}),
    "multilingual | default": ("multilingual", {}),
}
LIMIT_STAGES = ["hash-only", "kernel", "transform"]


def _batches(vec, docs):
    import fasthash.feature_extraction.text as fh_text
    from fasthash._lib import _hashing

    plan = fh_text._Plan(vec)
    prepare = plan.preparer(vec, vec.build_analyzer())
    it, batches = iter(docs), []
    while True:
        batch = _hashing.collect(it, fh_text._BATCH_MAX_DOCS, fh_text._BATCH_MAX_UNITS,
                                 prepare, plan.fast_str)
        if batch.n_docs:
            batches.append(batch)
        if batch.exhausted:
            return plan, batches


@pytest.mark.parametrize("n_jobs", [1, None])
@pytest.mark.parametrize("stage", LIMIT_STAGES)
@pytest.mark.parametrize("case", list(LIMIT_CASES))
def test_limit(benchmark, corpora, case, stage, n_jobs):
    from fasthash._lib import _hashing

    corpus_name, params = LIMIT_CASES[case]
    corpus = corpora(corpus_name)
    vec = fasthash.HashingVectorizer(**params, n_jobs=n_jobs)
    n_threads = effective_n_jobs(n_jobs)
    plan, batches = _batches(vec, corpus.docs)

    def hash_only():
        return sum(_hashing.hash_only(b, plan.options, n_threads) for b in batches)

    def kernel():
        builder = _hashing.CSRBuilder(plan.options)
        for b in batches:
            builder.append(b, plan.options, n_threads)
        return builder.finish()

    fn = {"hash-only": hash_only, "kernel": kernel,
          "transform": lambda: vec.transform(corpus.docs)}[stage]
    benchmark.group = f"limit | {case}"
    impl = f"{stage}[{1 if n_jobs == 1 else 'all'}]"
    benchmark.extra_info.update(implementation=impl, stage=stage, n_jobs=n_jobs,
                                threads=n_threads, docs=len(corpus.docs))
    benchmark.pedantic(fn, rounds=LOAD_ROUNDS, warmup_rounds=1)
    record_throughput(benchmark, corpus.n_bytes)
