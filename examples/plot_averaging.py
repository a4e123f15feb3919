# Authors: The fasthash developers
# SPDX-License-Identifier: BSD-3-Clause
"""
=========================================
Averaging linear models across partitions
=========================================

Cut the training rows into partitions, fit one linear model per partition in parallel,
average the models: ``clf = (clf_1 + clf_2 + clf_3) / 3``. Each partition sees a fraction of
the data, so one round of averaging loses some accuracy as the partitions get smaller.
:class:`fasthash.linear_model.AveragedLinearModel` has two remedies:

- ``n_rounds``: iterative parameter mixing. Each round warm-starts every partition model
  from the last average, so the partitions share what they learned.
- ``feature_weighting=True``: a hashed column that only a few partitions ever saw is
  averaged over those partitions instead of being diluted by the zeros of the others.

This example measures both on a real text classification task, and shows that the result
is an ordinary scikit-learn estimator.
"""

# %%
# Data and a baseline fitted on all the training rows
# ---------------------------------------------------
import matplotlib.pyplot as plt
from sklearn.linear_model import SGDClassifier
from sklearn.model_selection import train_test_split

from fasthash import HashingVectorizer
from fasthash.datasets import load_english_topics
from fasthash.linear_model import AveragedLinearModel

topics = load_english_topics()
X = HashingVectorizer(n_features=2**16, alternate_sign=False).transform(topics.data)
X_train, X_test, y_train, y_test = train_test_split(
    X, topics.target, test_size=0.3, random_state=0, stratify=topics.target
)

sgd = SGDClassifier(alpha=1e-5, random_state=0)
baseline = sgd.fit(X_train, y_train).score(X_test, y_test)
print(f"one model on all {X_train.shape[0]} training rows: accuracy {baseline:.4f}")

# %%
# One partitioned fit
# -------------------
# Four shuffled partitions, fitted on threads that share ``X_train``, averaged once.
model = AveragedLinearModel(sgd, n_partitions=4, partition="shuffle", random_state=0)
model.fit(X_train, y_train)
print(f"4 partitions, averaged once: accuracy {model.score(X_test, y_test):.4f}")
print("partition sizes:", model.partition_sizes_)
print("the averaged model is a plain", type(model.estimator_).__name__)

# %%
# Accuracy against the number of partitions
# -----------------------------------------
# One round, five rounds of mixing, and five rounds with feature weighting.
variants = {
    "1 round": dict(n_rounds=1),
    "5 rounds (mixing)": dict(n_rounds=5),
    "5 rounds + feature weighting": dict(n_rounds=5, feature_weighting=True),
}
partitions = [2, 4, 8, 16]
accuracy = {name: [] for name in variants}
for name, params in variants.items():
    for k in partitions:
        model = AveragedLinearModel(
            sgd, n_partitions=k, partition="shuffle", random_state=0, **params
        ).fit(X_train, y_train)
        accuracy[name].append(model.score(X_test, y_test))
    print(f"{name:<30}", " ".join(f"{a:.4f}" for a in accuracy[name]))

fig, ax = plt.subplots(figsize=(7, 4))
ax.axhline(baseline, color="black", linestyle="--", label="one model on all rows")
for name, values in accuracy.items():
    ax.plot(partitions, values, marker="o", label=name)
ax.set_xscale("log", base=2)
ax.set_xticks(partitions, [str(k) for k in partitions])
ax.set_xlabel("number of partitions")
ax.set_ylabel("test accuracy")
ax.set_title("SGDClassifier averaged across partitions")
ax.legend()
fig.tight_layout()
plt.show()
