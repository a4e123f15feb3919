# Authors: The fasthash developers
# SPDX-License-Identifier: BSD-3-Clause
"""Wall time of forests trained on threads (``fasthash.ensemble``) vs one scikit-learn forest.

Group ``forest fit | english topics (hashed 2**16) | <n> trees``: fitting a random forest of
``N_TREES`` trees in total on the labelled stdlib docstrings (``english_topics``, ~2250
documents, 11 classes; 70 % for training) hashed by fasthash's
``HashingVectorizer(n_features=2**16)``, with, side by side:

- ``sklearn`` / ``sklearn[2]``: one ``RandomForestClassifier(n_estimators=N_TREES)``
  with ``n_jobs=1`` / ``n_jobs=2`` (joblib threads over its trees);
- ``fasthash-replicate[1]`` / ``fasthash-replicate[2]``: ``ParallelForestClassifier`` in
  ``mode='replicate'`` (8 sub-forests on the whole, shared data), ``n_jobs=1`` / ``2``;
- ``fasthash-partition[2]``: ``mode='partition'`` (8 stratified partitions), ``n_jobs=2``.

``extra_info`` records the test accuracy of each model (on a fixed 30 % split) next to the
time, so a fast but worse forest shows. Run through ``python bench/report.py -- -k forest``
(see bench/README.md).
"""

import numpy as np
import pytest
from sklearn.ensemble import RandomForestClassifier
from sklearn.model_selection import train_test_split

from fasthash import HashingVectorizer
from fasthash._corpus import english_topics
from fasthash.ensemble import ParallelForestClassifier
from fasthash.utils._threads import effective_n_jobs

N_TREES = 16
ROUNDS = 3
# implementation -> (kind, n_jobs)
IMPLEMENTATIONS = {
    "sklearn": ("sklearn", 1),  # the baseline of report.py's "vs sklearn" column
    "sklearn[2]": ("sklearn", 2),
    "fasthash-replicate[1]": ("replicate", 1),
    "fasthash-replicate[2]": ("replicate", 2),
    "fasthash-partition[2]": ("partition", 2),
}


@pytest.fixture(scope="module")
def topics_task():
    docs, labels = english_topics()
    X = HashingVectorizer(n_features=2**16, alternate_sign=False).transform(docs)
    y = np.array(labels)
    return train_test_split(X, y, test_size=0.3, random_state=0, stratify=y)


def make_model(impl):
    kind, n_jobs = IMPLEMENTATIONS[impl]
    if kind == "sklearn":
        return RandomForestClassifier(n_estimators=N_TREES, n_jobs=n_jobs, random_state=0)
    return ParallelForestClassifier(
        RandomForestClassifier(),
        n_estimators=N_TREES,
        mode=kind,
        n_partitions=8,
        n_jobs=n_jobs,
        random_state=0,
    )


@pytest.mark.parametrize("impl", list(IMPLEMENTATIONS))
def test_forest_fit(benchmark, topics_task, impl):
    Xtr, Xte, ytr, yte = topics_task
    benchmark.group = f"forest fit | english topics (hashed 2**16) | {N_TREES} trees"
    _, n_jobs = IMPLEMENTATIONS[impl]
    benchmark.extra_info.update(
        implementation=impl,
        n_jobs=n_jobs,
        threads=effective_n_jobs(n_jobs),
        docs=Xtr.shape[0],
        trees=N_TREES,
    )
    model = make_model(impl)
    fitted = benchmark.pedantic(
        lambda: model.fit(Xtr, ytr), rounds=ROUNDS, iterations=1, warmup_rounds=0
    )
    assert len(fitted.estimators_) == N_TREES
    benchmark.extra_info["test_accuracy"] = round(float(fitted.score(Xte, yte)), 4)
