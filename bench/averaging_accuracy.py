# Authors: The fasthash developers
# SPDX-License-Identifier: BSD-3-Clause
"""Accuracy of averaged linear models against the number of partitions.

How much accuracy does ``AveragedLinearModel`` lose as the training rows are cut into more
partitions, and how much do iterative parameter mixing (``n_rounds``) and per-feature
weighting (``feature_weighting=True``) win back? Data: ``load_english_topics()`` (standard
library docstrings labelled by package, 11 classes), hashed with ``HashingVectorizer(
n_features=2**18, alternate_sign=False)``; a stratified 70/30 split, repeated over
``N_SEEDS`` seeds (split and partition shuffling); the mean and standard deviation of the
test accuracy over the seeds are reported, next to one model fitted on all the training
rows. Accuracy does not depend on the machine or its load. LinearSVC (liblinear) has no
warm start, so only its one-round variants are measured.

Usage::

    python3 bench/averaging_accuracy.py                   # print the table
    python3 bench/averaging_accuracy.py --json out.json   # and write the JSON figures.py plots
"""

import argparse
import json
import sys
import time

import numpy as np
from sklearn.base import clone
from sklearn.linear_model import SGDClassifier
from sklearn.model_selection import train_test_split
from sklearn.svm import LinearSVC

from fasthash import HashingVectorizer
from fasthash.datasets import load_english_topics
from fasthash.linear_model import AveragedLinearModel

PARTITIONS = [2, 4, 8, 16, 32]
N_SEEDS = 3
ESTIMATORS = {
    "SGDClassifier(alpha=1e-5)": SGDClassifier(alpha=1e-5, random_state=0),
    "LinearSVC(C=1)": LinearSVC(random_state=0),
}
VARIANTS = {
    "1 round": dict(n_rounds=1),
    "1 round + feature weighting": dict(n_rounds=1, feature_weighting=True),
    "5 rounds (mixing)": dict(n_rounds=5),
    "5 rounds + feature weighting": dict(n_rounds=5, feature_weighting=True),
}


def _supports(estimator, params):
    """Mixing rounds need a warm start (partial_fit, warm_start or coef_init): not liblinear."""
    return params.get("n_rounds", 1) == 1 or not isinstance(estimator, LinearSVC)


def measure(partitions=PARTITIONS, n_seeds=N_SEEDS, out=sys.stdout):
    """Return the accuracy results as a JSON-able dict (and print a table to ``out``)."""
    topics = load_english_topics()
    X = HashingVectorizer(n_features=2**18, alternate_sign=False).transform(topics.data)
    splits = [
        train_test_split(X, topics.target, test_size=0.3, random_state=seed, stratify=topics.target)
        for seed in range(n_seeds)
    ]
    result = {
        "data": f"load_english_topics(): {X.shape[0]} documents, "
        f"{len(topics.target_names)} classes, 70/30 split, {n_seeds} seeds",
        "partitions": list(partitions),
        "estimators": {},
    }
    for name, estimator in ESTIMATORS.items():
        start = time.perf_counter()
        baseline = [
            clone(estimator).fit(X_train, y_train).score(X_test, y_test)
            for X_train, X_test, y_train, y_test in splits
        ]
        variants = {}
        for variant, params in VARIANTS.items():
            if not _supports(estimator, params):
                continue
            values = []
            for k in partitions:
                scores = []
                for seed, (X_train, X_test, y_train, y_test) in enumerate(splits):
                    model = AveragedLinearModel(
                        estimator,
                        n_partitions=k,
                        partition="shuffle",
                        random_state=seed,
                        **params,
                    ).fit(X_train, y_train)
                    scores.append(model.score(X_test, y_test))
                values.append({"mean": float(np.mean(scores)), "std": float(np.std(scores))})
            variants[variant] = values
        result["estimators"][name] = {
            "partitions": list(partitions),
            "baseline": float(np.mean(baseline)),
            "baseline_std": float(np.std(baseline)),
            "variants": variants,
        }
        print(
            f"\n{name}: one model on all rows {np.mean(baseline):.4f} "
            f"({time.perf_counter() - start:.0f} s)",
            file=out,
        )
        print(f"  {'partitions':<30}" + "".join(f"{k:>8}" for k in partitions), file=out)
        for variant, values in variants.items():
            print(f"  {variant:<30}" + "".join(f"{v['mean']:>8.4f}" for v in values), file=out)
    return result


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--json", default=None, help="also write the results to this file")
    parser.add_argument("--seeds", type=int, default=N_SEEDS, help="splits to average over")
    args = parser.parse_args(argv)
    result = measure(n_seeds=args.seeds)
    if args.json:
        with open(args.json, "w", encoding="utf-8") as f:
            json.dump(result, f, indent=1)
            f.write("\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
