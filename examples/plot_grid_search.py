# Authors: The fasthash developers
# SPDX-License-Identifier: BSD-3-Clause
"""
==============================
A grid search that hashes once
==============================

A grid search over a ``HashingVectorizer -> SGDClassifier`` pipeline with scikit-learn's
:class:`~sklearn.model_selection.GridSearchCV` hashes the training text of every fold again
for every candidate: 8 candidates and 4 folds make 32 transforms of the same documents.
:class:`fasthash.model_selection.GridSearchCV` takes the same arguments and returns the same
results, but sees that the vectorizer is stateless, hashes the documents once, and fits the
candidates on threads that share that one matrix.
"""

# %%
# A pipeline and a grid
# ---------------------
import time

import matplotlib.pyplot as plt
import numpy as np
from sklearn.linear_model import SGDClassifier
from sklearn.model_selection import GridSearchCV as SkGridSearchCV
from sklearn.model_selection import StratifiedKFold
from sklearn.pipeline import make_pipeline

from fasthash import HashingVectorizer
from fasthash.datasets import load_english_topics
from fasthash.model_selection import GridSearchCV  # was: from sklearn.model_selection

topics = load_english_topics()
docs, y = topics.data, topics.target

pipe = make_pipeline(HashingVectorizer(n_features=2**18), SGDClassifier(random_state=0))
grid = {
    "sgdclassifier__alpha": [1e-6, 1e-5, 1e-4, 1e-3],
    "sgdclassifier__loss": ["hinge", "log_loss"],
}
cv = StratifiedKFold(4, shuffle=True, random_state=0)

# %%
# fasthash's search ...
start = time.perf_counter()
search = GridSearchCV(pipe, grid, cv=cv).fit(docs, y)
fasthash_s = time.perf_counter() - start
print(f"fasthash:     {fasthash_s:.1f} s, best {search.best_params_}")
print(f"documents hashed {search.n_prefix_transforms_} time(s) for 32 fits")

# %%
# ... and scikit-learn's, on the same splits
start = time.perf_counter()
reference = SkGridSearchCV(pipe, grid, cv=cv).fit(docs, y)
sklearn_s = time.perf_counter() - start
print(f"scikit-learn: {sklearn_s:.1f} s, best {reference.best_params_}")

# %%
# The same results
# ----------------
# Every mean and standard deviation of the test scores, the ranks and the chosen
# parameters are the same.
for key in ("mean_test_score", "std_test_score", "rank_test_score"):
    assert np.array_equal(search.cv_results_[key], reference.cv_results_[key]), key
assert search.best_params_ == reference.best_params_
print(f"identical cv_results_; best accuracy {search.best_score_:.4f}")

# %%
# The refitted pipeline predicts on raw text, like scikit-learn's:
new_docs = ["Return a logger with the specified name.", "Parse an e-mail message header."]
print([topics.target_names[i] for i in search.predict(new_docs)])

# %%
# The scores of the grid, and the time of both searches
# -----------------------------------------------------
fig, (ax1, ax2) = plt.subplots(1, 2, figsize=(10, 3.8), width_ratios=[3, 2])
alphas = grid["sgdclassifier__alpha"]
scores = search.cv_results_["mean_test_score"].reshape(len(alphas), -1)
for j, loss in enumerate(grid["sgdclassifier__loss"]):
    ax1.plot(alphas, scores[:, j], marker="o", label=loss)
ax1.set_xscale("log")
ax1.set_xlabel("alpha")
ax1.set_ylabel("mean accuracy over 4 folds")
ax1.legend(title="loss")
ax1.set_title("the grid")

bars = ax2.bar(
    ["scikit-learn\nGridSearchCV", "fasthash\nGridSearchCV"],
    [sklearn_s, fasthash_s],
    color=["#7f7f7f", "#1f77b4"],
)
ax2.bar_label(bars, labels=[f"{sklearn_s:.1f} s", f"{fasthash_s:.1f} s"], padding=3)
ax2.set_ylabel("wall-clock time (s)")
ax2.set_ylim(0, max(sklearn_s, fasthash_s) * 1.2)
ax2.set_title("32 fits")
fig.tight_layout()
plt.show()
