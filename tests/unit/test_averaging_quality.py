# Authors: The fasthash developers
# SPDX-License-Identifier: BSD-3-Clause
"""Quality bars for averaged linear models, on hashed real text.

Data: :func:`fasthash._corpus.english_topics` (about 2250 standard-library docstrings
labelled by package, 11 imbalanced classes), hashed with fasthash's HashingVectorizer into
2**16 columns; a fixed stratified 70/30 split. Reference: the same SGDClassifier fitted on
the whole training set.

- IID partitions (``partition="shuffle"``), k = 2, 4, 8, 16: accuracy within 0.5 point of
  the reference (with per-feature weighting and 3 rounds of parameter mixing).
- Label-skewed partitions (training set sorted by label, ``partition="contiguous"``: each
  partition holds 1-6 classes), k = 2, 4, 8: within 2 points after 10 mixing rounds.

Everything is seeded, so the accuracies are deterministic for a given interpreter (the
corpus comes from its standard library).
"""

import numpy as np
import pytest
from sklearn.linear_model import SGDClassifier
from sklearn.model_selection import train_test_split

from fasthash import HashingVectorizer
from fasthash._corpus import english_topics
from fasthash.linear_model import AveragedLinearModel

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def topics():
    docs, labels = english_topics()
    X = HashingVectorizer(n_features=2**16, alternate_sign=False).transform(docs)
    y = np.asarray(labels)
    X_train, X_test, y_train, y_test = train_test_split(
        X, y, test_size=0.3, random_state=0, stratify=y
    )
    return X_train, X_test, y_train, y_test


def _estimator():
    return SGDClassifier(alpha=1e-5, random_state=0)


@pytest.fixture(scope="module")
def reference(topics):
    X_train, X_test, y_train, y_test = topics
    return _estimator().fit(X_train, y_train).score(X_test, y_test)


@pytest.mark.parametrize("k", [2, 4, 8, 16])
def test_iid_partitions_match_full_data(k, topics, reference):
    X_train, X_test, y_train, y_test = topics
    model = AveragedLinearModel(
        _estimator(),
        n_partitions=k,
        partition="shuffle",
        n_rounds=3,
        feature_weighting=True,
        n_jobs=2,
        random_state=0,
    ).fit(X_train, y_train)
    accuracy = model.score(X_test, y_test)
    assert accuracy >= reference - 0.005, (k, accuracy, reference)


def test_feature_weighting_helps_one_shot_averaging(topics):
    X_train, X_test, y_train, y_test = topics
    params = dict(n_partitions=8, partition="shuffle", n_jobs=2, random_state=0)
    plain = AveragedLinearModel(_estimator(), **params).fit(X_train, y_train)
    weighted = AveragedLinearModel(_estimator(), feature_weighting=True, **params)
    weighted.fit(X_train, y_train)
    assert weighted.score(X_test, y_test) > plain.score(X_test, y_test) + 0.02


@pytest.mark.parametrize("k", [2, 4, 8])
def test_label_skewed_partitions_after_mixing(k, topics, reference):
    X_train, X_test, y_train, y_test = topics
    order = np.argsort(y_train, kind="stable")
    X_sorted, y_sorted = X_train[order], y_train[order]
    model = AveragedLinearModel(
        _estimator(),
        n_partitions=k,
        partition="contiguous",
        n_rounds=10,
        feature_weighting=True,
        n_jobs=2,
        random_state=0,
    ).fit(X_sorted, y_sorted)
    # the partitions really are skewed: some see only a few of the 11 classes
    seen = [len(np.unique(y_sorted[idx])) for idx in np.array_split(np.arange(len(y_sorted)), k)]
    assert min(seen) <= 6
    accuracy = model.score(X_test, y_test)
    assert accuracy >= reference - 0.02, (k, accuracy, reference)
