# Authors: The fasthash developers
# SPDX-License-Identifier: BSD-3-Clause
"""
=============================
Merging forests trained apart
=============================

Two random forests trained separately, in other processes or on other machines, each on
its own share of the data, make one bigger forest: the trees of both, voting together.
:func:`fasthash.ensemble.merge_forests` does it right even when one share never saw some
class: the class columns of the trees are aligned, so every tree still votes for the class
it means. The result is an ordinary :class:`~sklearn.ensemble.RandomForestClassifier`.
"""

# %%
# Two sites, two shares of the data
# ---------------------------------
# The second site never saw a ``json`` docstring.
import matplotlib.pyplot as plt
import numpy as np
from sklearn.ensemble import RandomForestClassifier
from sklearn.model_selection import train_test_split

from fasthash import HashingVectorizer
from fasthash.datasets import load_english_topics
from fasthash.ensemble import ParallelForestClassifier, merge_forests

topics = load_english_topics()
# Trees split on one column at a time: 2**14 columns are plenty for them, and fast.
X = HashingVectorizer(n_features=2**14, alternate_sign=False).transform(topics.data)
y = np.asarray(topics.target_names)[topics.target]
X_train, X_test, y_train, y_test = train_test_split(X, y, test_size=0.3, random_state=0, stratify=y)
site1 = np.arange(X_train.shape[0]) % 2 == 0
site2 = ~site1 & (y_train != "json")

f1 = RandomForestClassifier(n_estimators=25, random_state=1).fit(X_train[site1], y_train[site1])
f2 = RandomForestClassifier(n_estimators=25, random_state=2).fit(X_train[site2], y_train[site2])
print("classes seen by site 1:", len(f1.classes_), "by site 2:", len(f2.classes_))

# %%
# One forest from both
# --------------------
forest = merge_forests([f1, f2])
print(f"{type(forest).__name__}: {forest.n_estimators} trees, {len(forest.classes_)} classes")
scores = {
    "site 1 alone": f1.score(X_test, y_test),
    "site 2 alone": f2.score(X_test, y_test),
    "merged": forest.score(X_test, y_test),
}
for name, score in scores.items():
    print(f"{name:<14} accuracy {score:.4f}")

# %%
# ``predict_proba`` has one column per class of the merged forest, including ``json``,
# for which only the trees of site 1 vote.
proba = forest.predict_proba(X_test)
print(proba.shape, "columns:", ", ".join(forest.classes_))

# %%
# The same on threads, in one call
# --------------------------------
# :class:`~fasthash.ensemble.ParallelForestClassifier` trains sub-forests with distinct
# seeds on threads sharing ``X_train`` (``mode="partition"``: each on its own stratified
# partition, as the two sites above) and merges them.
parallel = ParallelForestClassifier(
    RandomForestClassifier(), n_estimators=50, mode="partition", n_partitions=2, random_state=0
).fit(X_train, y_train)
scores["ParallelForest\n(2 partitions)"] = parallel_score = parallel.score(X_test, y_test)
print(f"ParallelForestClassifier accuracy {parallel_score:.4f}")
print("its estimator_ is a plain", type(parallel.estimator_).__name__)

fig, ax = plt.subplots(figsize=(7, 3.2))
bars = ax.bar(
    list(scores), list(scores.values()), color=["#9ecae1", "#9ecae1", "#08519c", "#3182bd"]
)
ax.bar_label(bars, labels=[f"{s:.3f}" for s in scores.values()], padding=3)
ax.set_ylim(0, 1)
ax.set_ylabel("test accuracy")
ax.set_title("25 + 25 trees on hashed docstrings")
fig.tight_layout()
plt.show()
