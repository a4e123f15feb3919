# Authors: The fasthash developers
# SPDX-License-Identifier: BSD-3-Clause
"""HashingVectorizer on Arrow columns: against lists of str and Python objects, and threads.

Groups (1M short documents, English lines of ~50 bytes; 100k long ones, ~1.2 KB):

- ``arrow | <size> | input``: the same documents as a list of ``str`` (``list[1]``,
  ``list[all]``) and as a pyarrow ``string`` array (``arrow[1]``, ``arrow[all]``);
  targets: arrow at least 1.5x list on short documents, 1.0x on long ones (``[all]``);
- ``arrow | <size> | pandas str``: a pandas ``str`` Series (Arrow-backed, pandas 3's
  default) through the Arrow path (``pandas-arrow[all]``) and through Python objects, as
  before the Arrow path (``pandas-objects[all]``: iterating the Series); target 3x;
- ``arrow | <size> | threads``: ``arrow[1]`` and ``arrow[all]`` beside a GIL-free control,
  the same kernel on documents collected beforehand (``control[1]``, ``control[all]``);
  target: arrow's scaling at least 0.9 of the control's.

Every result is checked against scikit-learn's output on the same documents (computed
once, on a sample of rows: every row for the short corpus would take minutes). The load
average at the start of each benchmark is in ``extra_info["loadavg"]``.
"""

import itertools
import os

import numpy as np
import pytest

import fasthash
from fasthash._corpus import english_documents
from fasthash._lib import _cancel, _hashing
from fasthash.cli import _compare_csr
from fasthash.feature_extraction.text import _BATCH_MAX_DOCS, _BATCH_MAX_UNITS, _Plan
from fasthash.utils._threads import effective_n_jobs

pa = pytest.importorskip("pyarrow")

MB = 1e6
N_SHORT = 1_000_000
N_LONG = 100_000
LONG_BYTES = 1200
ROUNDS = 5


def _short_docs():
    lines = [ln.strip() for doc in english_documents() for ln in doc.splitlines()]
    lines = [ln for ln in lines if len(ln) >= 20]
    return list(itertools.islice(itertools.cycle(lines), N_SHORT))


def _long_docs():
    text = " ".join(english_documents())
    out, at = [], 0
    while len(out) < N_LONG:
        if at + LONG_BYTES > len(text):
            at = (at + 7919) % (len(text) - LONG_BYTES)  # another cut of the same text
        out.append(text[at : at + LONG_BYTES])
        at += LONG_BYTES
    return out


_SIZES = {"1M short": _short_docs, "100k long": _long_docs}
_cache = {}


def _docs(size):
    if size not in _cache:
        docs = _SIZES[size]()
        _cache[size] = (docs, pa.array(docs, type=pa.string()),
                        sum(len(d.encode("utf-8")) for d in docs))
    return _cache[size]


def _check(X, docs):
    """The rows of a sample against scikit-learn's (same parameters)."""
    from sklearn.feature_extraction.text import HashingVectorizer as SkHashingVectorizer

    rows = np.arange(0, len(docs), max(1, len(docs) // 2000))
    expected = SkHashingVectorizer().transform([docs[i] for i in rows])
    assert _compare_csr(expected, X[rows]) == []


def _record(benchmark, n_bytes, n_jobs, **info):
    benchmark.extra_info.update(
        mb=round(n_bytes / MB, 3), n_jobs=n_jobs, threads=effective_n_jobs(n_jobs),
        loadavg=round(os.getloadavg()[0], 2), **info,
    )
    stats = getattr(benchmark, "stats", None)
    if stats is not None and stats.stats.median:
        benchmark.extra_info["mb_per_s"] = round(n_bytes / MB / stats.stats.median, 2)


_JOBS = {"1": 1, "all": None}


@pytest.mark.parametrize("impl", ["list[1]", "arrow[1]", "list[all]", "arrow[all]"])
@pytest.mark.parametrize("size", list(_SIZES))
def test_arrow_vs_list(benchmark, size, impl):
    docs, column, n_bytes = _docs(size)
    kind, jobs = impl[:-1].split("[")
    benchmark.group = f"arrow | {size} | input"
    benchmark.extra_info["implementation"] = impl
    vec = fasthash.HashingVectorizer(n_jobs=_JOBS[jobs])
    X = benchmark.pedantic(vec.transform, args=(docs if kind == "list" else column,),
                           rounds=ROUNDS, warmup_rounds=1)
    _record(benchmark, n_bytes, _JOBS[jobs])
    _check(X, docs)


@pytest.mark.parametrize("impl", ["pandas-objects[all]", "pandas-arrow[all]"])
@pytest.mark.parametrize("size", list(_SIZES))
def test_pandas_str(benchmark, size, impl):
    pd = pytest.importorskip("pandas")
    docs, column, n_bytes = _docs(size)
    series = pd.Series(docs, dtype="str")
    if not (isinstance(series.dtype, pd.StringDtype) and series.dtype.storage == "pyarrow"):
        pytest.skip("pandas' str dtype is not Arrow-backed here")
    benchmark.group = f"arrow | {size} | pandas str"
    benchmark.extra_info["implementation"] = impl
    vec = fasthash.HashingVectorizer()

    def through_objects():
        return vec.transform(iter(series))  # what iterating the Series gives: str objects

    if impl.startswith("pandas-arrow"):
        run, args = vec.transform, (series,)
    else:
        run, args = through_objects, ()
    X = benchmark.pedantic(run, args=args, rounds=ROUNDS, warmup_rounds=1)
    _record(benchmark, n_bytes, None)
    _check(X, docs)


class _Control:
    """The kernel alone, on batches collected beforehand (no reading step): what the
    machine gives a GIL-free workload of the same size."""

    def __init__(self, docs, n_jobs):
        vec = fasthash.HashingVectorizer()
        self.plan = _Plan(vec)
        prepare = self.plan.preparer(vec, vec.build_analyzer())
        it = iter(docs)
        self.batches = []
        while True:
            b = _hashing.collect(it, _BATCH_MAX_DOCS, _BATCH_MAX_UNITS, prepare, True)
            if b.n_docs:
                self.batches.append(b)
            if b.exhausted:
                break
        self.n_threads = effective_n_jobs(n_jobs)

    def __call__(self):
        builder = _hashing.CSRBuilder(self.plan.options)
        cancel = _cancel.Cancel()
        for b in self.batches:
            builder.append(b, self.plan.options, self.n_threads, cancel, None)
        n_raw = builder.raw
        return self.plan.finish(*builder.finish(), n_raw)


@pytest.mark.parametrize("impl", ["control[1]", "arrow[1]", "control[all]", "arrow[all]"])
@pytest.mark.parametrize("size", list(_SIZES))
def test_threads_against_a_gil_free_control(benchmark, size, impl):
    docs, column, n_bytes = _docs(size)
    kind, jobs = impl[:-1].split("[")
    benchmark.group = f"arrow | {size} | threads"
    benchmark.extra_info["implementation"] = impl
    if kind == "control":
        run, args = _Control(docs, _JOBS[jobs]), ()
    else:
        run, args = fasthash.HashingVectorizer(n_jobs=_JOBS[jobs]).transform, (column,)
    X = benchmark.pedantic(run, args=args, rounds=ROUNDS, warmup_rounds=1)
    _record(benchmark, n_bytes, _JOBS[jobs])
    _check(X, docs)
