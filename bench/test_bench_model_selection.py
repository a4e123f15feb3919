# Authors: The fasthash developers
# SPDX-License-Identifier: BSD-3-Clause
"""Grid search on a text pipeline: fasthash.model_selection vs scikit-learn's GridSearchCV.

The issue's pipeline, ``HashingVectorizer -> SGDClassifier``, 12 candidates x 5 folds, on
``fasthash._corpus.english_topics()`` (stdlib docstrings labelled by package, 11 classes)
cycled to ``N_DOCS`` documents. Group ``GridSearchCV | <config> | 12x5 | <n> docs``:

- ``sklearn``: scikit-learn's ``GridSearchCV(n_jobs=2)`` (default loky backend: worker
  processes) on scikit-learn's own pipeline (its HashingVectorizer re-hashes the text of
  every candidate and split);
- ``sklearn+fasthash-hv``: the same ``GridSearchCV(n_jobs=2)`` on the pipeline with
  fasthash's HashingVectorizer (the gain of the search machinery alone is the ratio of
  ``fasthash`` to this one);
- ``fasthash``: ``fasthash.model_selection.GridSearchCV(n_jobs=2)`` (threads, the
  stateless HashingVectorizer applied once to the whole X, folds materialised once).

Configurations (``CONFIGS``): ``sgd-default`` is ``SGDClassifier(random_state=0)`` with
scikit-learn's defaults over alpha x loss; ``sgd-5-epochs`` fixes 5 epochs
(``max_iter=5, tol=None``), a common setting for large text problems, where the fits are
cheaper and the search machinery weighs more; ``sgd-5-epochs-binary`` the same on a binary
task (``label == "tkinter"``), one SGD per fit instead of eleven (one-vs-rest);
``linearsvc`` is ``LinearSVC(random_state=0)`` over C x loss (liblinear's dual solvers:
column-compacted, and fitted in parallel on private copies of scikit-learn's solver).

Each timed round runs in the benchmark process; peak memory is measured once per
implementation in a fresh subprocess (``python bench/test_bench_model_selection.py
--measure <impl> <config>``): the peak, sampled every 20 ms with psutil, of the summed RSS
of the process and all its children (the loky workers), minus the RSS before the search.
Every implementation's ``cv_results_`` test scores are checked equal to scikit-learn's.

Run (the pytest-benchmark tests are skipped unless ``FASTHASH_BENCH_SEARCH=1``, so
``pytest bench`` stays a few minutes)::

    python3 bench/test_bench_model_selection.py                # this file's own report:
    python3 bench/test_bench_model_selection.py --rounds 1 --config sgd-5-epochs
                                                               # medians, ratios, memory
    FASTHASH_BENCH_SEARCH=1 python3 -m pytest bench/test_bench_model_selection.py
    FASTHASH_BENCH_SEARCH=1 python3 bench/report.py -- -k grid_search

It takes several minutes (scikit-learn's pipeline re-hashes ~4 MB of text 60 times).
"""

import json
import os
import subprocess
import sys
import threading
import time

import numpy as np
import pytest

N_DOCS = 20_000
N_SPLITS = 5
N_JOBS = 2
ROUNDS = 3
IMPLEMENTATIONS = ["sklearn", "sklearn+fasthash-hv", "fasthash"]
CONFIGS = {
    "sgd-default": {},
    "sgd-5-epochs": {"max_iter": 5, "tol": None},
    # one binary task ("is this a tkinter docstring?"): one SGD per fit instead of 11
    "sgd-5-epochs-binary": {"max_iter": 5, "tol": None, "_binary": True},
    "linearsvc": {"_estimator": "linearsvc"},
}


def sgd_params(config):
    return {k: v for k, v in CONFIGS[config].items() if not k.startswith("_")}


def config_labels(config, labels):
    return labels == "tkinter" if CONFIGS[config].get("_binary") else labels
GRID = {
    "sgdclassifier__alpha": [1e-6, 1e-5, 1e-4, 1e-3],
    "sgdclassifier__loss": ["hinge", "log_loss", "modified_huber"],
}  # 12 candidates
LINEARSVC_GRID = {
    "linearsvc__C": [0.03, 0.1, 0.3, 1.0, 3.0, 10.0],
    "linearsvc__loss": ["hinge", "squared_hinge"],
}  # 12 candidates


def final_step(config):
    """The pipeline's last step and the grid over it."""
    from sklearn.linear_model import SGDClassifier
    from sklearn.svm import LinearSVC

    if CONFIGS[config].get("_estimator") == "linearsvc":
        return LinearSVC(random_state=0), LINEARSVC_GRID
    return SGDClassifier(random_state=0, **sgd_params(config)), GRID


def load_corpus(n_docs=N_DOCS):
    """``english_topics()`` cycled to ``n_docs`` documents (deterministic)."""
    from fasthash._corpus import english_topics

    docs, labels = english_topics()
    reps = -(-n_docs // len(docs))
    return (docs * reps)[:n_docs], np.array((labels * reps)[:n_docs])


def make_search(impl, config):
    """The search object of an implementation (unfitted)."""
    from sklearn.feature_extraction.text import HashingVectorizer as SkHashingVectorizer
    from sklearn.model_selection import GridSearchCV as SkGridSearchCV
    from sklearn.model_selection import StratifiedKFold
    from sklearn.pipeline import make_pipeline

    import fasthash
    from fasthash.model_selection import GridSearchCV

    vec = SkHashingVectorizer() if impl == "sklearn" else fasthash.HashingVectorizer()
    final, grid = final_step(config)
    pipe = make_pipeline(vec, final)
    cv = StratifiedKFold(N_SPLITS, shuffle=True, random_state=0)
    cls = GridSearchCV if impl == "fasthash" else SkGridSearchCV
    return cls(pipe, grid, cv=cv, n_jobs=N_JOBS)


def _fit(impl, config, docs, labels):
    import warnings

    from sklearn.exceptions import ConvergenceWarning

    search = make_search(impl, config)
    labels = config_labels(config, labels)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        search.fit(docs, labels)
    return search


def _tree_rss(proc):
    total = 0
    for p in [proc, *proc.children(recursive=True)]:
        try:
            total += p.memory_info().rss
        except Exception:  # noqa: BLE001 - a worker exiting while we look
            pass
    return total


def measure(impl, config):
    """Fit once in this (fresh) process; return wall time and peak RSS growth in MB."""
    import psutil

    docs, labels = load_corpus()
    proc = psutil.Process()
    base = _tree_rss(proc)
    peak = [base]
    done = threading.Event()

    def sample():
        while not done.is_set():
            peak[0] = max(peak[0], _tree_rss(proc))
            done.wait(0.02)

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    start = time.perf_counter()
    search = _fit(impl, config, docs, labels)
    wall = time.perf_counter() - start
    done.set()
    sampler.join()
    return {
        "wall_s": wall,
        "peak_rss_growth_mb": (peak[0] - base) / 1e6,
        "best_score": float(search.best_score_),
        "mean_test_score": [float(v) for v in search.cv_results_["mean_test_score"]],
    }


def measure_in_subprocess(impl, config):
    out = subprocess.run(
        [sys.executable, os.path.abspath(__file__), "--measure", impl, config],
        check=True,
        capture_output=True,
        text=True,
    )
    return json.loads(out.stdout.strip().splitlines()[-1])


# ---------------------------------------------------------------------------------------
# pytest-benchmark
# ---------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def topics_corpus():
    return load_corpus()


@pytest.fixture(scope="module")
def reference_scores():
    return {}


_SLOW_REASON = (
    "the grid-search benchmark takes several minutes: set FASTHASH_BENCH_SEARCH=1 to include "
    "it in `pytest bench`, or run `python bench/test_bench_model_selection.py`"
)


@pytest.mark.skipif(not os.environ.get("FASTHASH_BENCH_SEARCH"), reason=_SLOW_REASON)
@pytest.mark.parametrize("impl", IMPLEMENTATIONS)
@pytest.mark.parametrize("config", list(CONFIGS))
def test_grid_search(benchmark, topics_corpus, reference_scores, config, impl):
    pytest.importorskip("psutil", reason="needs psutil for the memory measurement")
    docs, labels = topics_corpus
    benchmark.group = f"GridSearchCV | {config} | 12x{N_SPLITS} | {len(docs)} docs"
    from fasthash.utils._threads import effective_n_jobs

    search = benchmark.pedantic(_fit, args=(impl, config, docs, labels), rounds=ROUNDS,
                                iterations=1, warmup_rounds=0)
    scores = search.cv_results_["mean_test_score"]
    if impl == "sklearn":
        reference_scores[config] = scores
    elif config in reference_scores:
        np.testing.assert_array_equal(scores, reference_scores[config])
    mem = measure_in_subprocess(impl, config)
    benchmark.extra_info.update(
        implementation=impl,
        n_jobs=N_JOBS,
        threads=effective_n_jobs(N_JOBS),
        docs=len(docs),
        fits=12 * N_SPLITS,
        peak_rss_growth_mb=round(mem["peak_rss_growth_mb"], 1),
    )


# ---------------------------------------------------------------------------------------
# stand-alone report
# ---------------------------------------------------------------------------------------


def report(rounds=ROUNDS, configs=None):
    """Print medians, same-run ratios and peak memory (each round in a fresh process)."""
    configs = list(CONFIGS) if configs is None else configs
    print(f"{N_DOCS} docs, 12 candidates x {N_SPLITS} folds, n_jobs={N_JOBS}, "
          f"{os.cpu_count()} CPUs, load average {os.getloadavg()[0]:.1f}", flush=True)
    for config in configs:
        runs = {impl: [] for impl in IMPLEMENTATIONS}
        for _ in range(rounds):  # interleaved, so a load change hits every implementation
            for impl in IMPLEMENTATIONS:
                runs[impl].append(measure_in_subprocess(impl, config))
        ref = runs["sklearn"][0]["mean_test_score"]
        print(f"\n{config}")
        print(f"  {'implementation':<22} {'median s':>9} {'min s':>8} {'peak RSS MB':>12} "
              f"{'vs sklearn':>10} {'vs sklearn+fh-hv':>16}  scores")
        med = {i: float(np.median([r["wall_s"] for r in runs[i]])) for i in IMPLEMENTATIONS}
        for impl in IMPLEMENTATIONS:
            walls = [r["wall_s"] for r in runs[impl]]
            mem = float(np.median([r["peak_rss_growth_mb"] for r in runs[impl]]))
            same = all(r["mean_test_score"] == ref for r in runs[impl])
            print(f"  {impl:<22} {med[impl]:>9.2f} {min(walls):>8.2f} {mem:>12.1f} "
                  f"{med['sklearn'] / med[impl]:>9.2f}x "
                  f"{med['sklearn+fasthash-hv'] / med[impl]:>15.2f}x  "
                  f"{'identical' if same else 'DIFFERENT'}", flush=True)


if __name__ == "__main__":
    if len(sys.argv) >= 2 and sys.argv[1] == "--measure":
        print(json.dumps(measure(sys.argv[2], sys.argv[3])))
    else:
        import argparse

        parser = argparse.ArgumentParser(description="grid search benchmark report")
        parser.add_argument("--rounds", type=int, default=ROUNDS)
        parser.add_argument("--config", action="append", choices=list(CONFIGS))
        args = parser.parse_args()
        report(args.rounds, args.config)
