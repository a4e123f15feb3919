# Authors: The fasthash developers
# SPDX-License-Identifier: BSD-3-Clause
"""The cost of recording the inverse map (``InverseHasher.fit``) against a plain transform.

Groups are ``explain | <corpus> | <configuration>`` with, side by side on the same
documents (~6 MB, see conftest.py):

- ``transform[1]`` / ``transform[all]``: ``HashingVectorizer.transform`` with ``n_jobs=1``
  and ``n_jobs=None``;
- ``record[1]`` / ``record[all]``: ``InverseHasher(vectorizer).fit`` (default
  ``max_tokens_per_column``) with the same ``n_jobs``.

Target: ``record`` at most 2x ``transform`` (same run, same ``n_jobs``). ``extra_info``
holds MB, the thread count, the distinct tokens recorded and the load average at the
start. Each ``record`` runs right after the ``transform`` of the same configuration and
``n_jobs`` (one test function, ``kind`` varying fastest); this machine's speed still
drifts by tens of percent from one test to the next, so the ``record`` test also times
``ROUNDS`` more transforms and recordings in alternation and keeps the ratio of their
medians in ``extra_info["record_over_transform"]``: the figure to judge the target on
(``bench/report.py`` prints it per group); quote the load.

Configurations: the default words, word n-grams (1, 2), ``char_wb`` (2, 4), ``char``
(2, 5); the multilingual corpus (default words, ``char_wb``) when babel is present.

Groups ``threads | record <corpus> <configuration> | <load>``: recording with ``n_jobs=1``
(``fasthash[1]``) and ``n_jobs=None`` (``fasthash[all]``), idle and beside one busy
process (``fasthash.utils._busy.BusyProcesses``), for the configurations whose recording
has the most work after the threads count (multilingual ``char_wb``, English ``char``).
Named like ``bench/test_bench_hashing.py``'s ``threads`` groups, and measured the same way
(each round after a call of the other setting), so that ``report.py`` prints
``n_jobs=None``'s speed over ``n_jobs=1``'s (the target: never below 1).
"""

import os
import statistics
import time

import pytest

import fasthash
from fasthash.utils._busy import BusyProcesses
from fasthash.utils._threads import effective_n_jobs

MB = 1e6
ROUNDS = 7

CONFIGS = {
    "default": {},
    "ngram(1,2)": {"ngram_range": (1, 2)},
    "char_wb(2,4)": {"analyzer": "char_wb", "ngram_range": (2, 4)},
    "char(2,5)": {"analyzer": "char", "ngram_range": (2, 5)},
}
CASES = [("english", name) for name in CONFIGS] + [
    ("multilingual", "default"),
    ("multilingual", "char_wb(2,4)"),
]
JOBS = {"[1]": 1, "[all]": None}


def _info(benchmark, corpus, n_jobs):
    benchmark.extra_info["mb"] = corpus.mb
    benchmark.extra_info["n_threads"] = effective_n_jobs(n_jobs, "HashingVectorizer")
    benchmark.extra_info["loadavg"] = os.getloadavg()[0]


@pytest.mark.parametrize("kind", ["transform", "record"])
@pytest.mark.parametrize("jobs", list(JOBS))
@pytest.mark.parametrize("case", CASES, ids=[f"{c}-{n}" for c, n in CASES])
def test_explain(benchmark, corpora, case, jobs, kind):
    corpus_name, config = case
    corpus = corpora(corpus_name)
    n_jobs = JOBS[jobs]
    benchmark.group = f"explain | {corpus_name} | {config}"
    benchmark.name = f"{kind}{jobs}"
    _info(benchmark, corpus, n_jobs)
    vec = fasthash.HashingVectorizer(n_jobs=n_jobs, **CONFIGS[config])
    if kind == "transform":
        X = benchmark.pedantic(vec.transform, args=(corpus.docs,), rounds=ROUNDS, warmup_rounds=1)
        assert X.shape[0] == len(corpus.docs)
        return

    def record():
        return fasthash.InverseHasher(vec, n_jobs=n_jobs).fit(corpus.docs)

    inv = benchmark.pedantic(record, rounds=ROUNDS, warmup_rounds=1)
    assert inv.n_documents_ == len(corpus.docs)
    benchmark.extra_info["tokens"] = inv.n_tokens_
    times = {"transform": [], "record": []}
    for _ in range(ROUNDS):  # alternated: both medians from the same seconds
        for name, run in (("transform", lambda: vec.transform(corpus.docs)), ("record", record)):
            start = time.perf_counter()
            run()
            times[name].append(time.perf_counter() - start)
    benchmark.extra_info["record_over_transform"] = round(
        statistics.median(times["record"]) / statistics.median(times["transform"]), 3
    )


LOADS = {"idle": 0, "1 busy": 1}
LOAD_CASES = [("multilingual", "char_wb(2,4)"), ("english", "char(2,5)")]


@pytest.mark.parametrize("impl", ["fasthash[1]", "fasthash[all]"])
@pytest.mark.parametrize("load", list(LOADS))
@pytest.mark.parametrize("case", LOAD_CASES, ids=[f"{c}-{n}" for c, n in LOAD_CASES])
def test_record_under_load(benchmark, pedantic_interleaved, corpora, case, load, impl):
    corpus_name, config = case
    corpus = corpora(corpus_name)
    n_jobs = 1 if impl == "fasthash[1]" else None
    benchmark.group = f"threads | record {corpus_name} {config} | {load}"
    _info(benchmark, corpus, n_jobs)
    benchmark.extra_info.update(implementation=impl, load=load, busy_processes=LOADS[load])
    vec = fasthash.HashingVectorizer(**CONFIGS[config])

    def record(jobs):
        return fasthash.InverseHasher(vec, n_jobs=jobs).fit(corpus.docs)

    with BusyProcesses(LOADS[load]):
        other = 1 if n_jobs is None else None
        inv = pedantic_interleaved(lambda: record(n_jobs), lambda: record(other), ROUNDS,
                                   n_jobs is None)
    assert inv.n_documents_ == len(corpus.docs)
