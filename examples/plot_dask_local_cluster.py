# Authors: The fasthash developers
# SPDX-License-Identifier: BSD-3-Clause
"""
======================================
The same script on a Dask LocalCluster
======================================

:mod:`fasthash.dask` runs fasthash's hashing and its parallel learning on a Dask cluster.
The script is the same on a laptop and on a cluster: only the line that creates the
client changes. Here the cluster is a :class:`distributed.LocalCluster` of two workers
on this machine; on a real cluster, ``Client("tcp://scheduler:8786")`` replaces
it and nothing else changes.

Needs the optional extra: ``pip install "fasthash[dask]"``.
"""

# %%
# A cluster on this machine
# -------------------------
# Two workers of one thread each. Every HTTP server (the dashboards) is given port 0 on
# the loopback interface, so the script never depends on a free well-known port.
# ``processes=False`` runs the workers in this process, so that the script also runs cell
# by cell; with worker processes (the default, ``processes=True``), put the code of the
# script under ``if __name__ == "__main__":``, as ``multiprocessing`` requires.
import dask.array as da
import dask.bag as db
import matplotlib.pyplot as plt
from distributed import Client, LocalCluster
from sklearn.ensemble import RandomForestClassifier
from sklearn.linear_model import SGDClassifier
from sklearn.model_selection import train_test_split
from sklearn.pipeline import make_pipeline

import fasthash
from fasthash.dask import fit_averaged, fit_forest, search, transform
from fasthash.datasets import load_english_topics

cluster = LocalCluster(
    n_workers=2,
    processes=False,
    threads_per_worker=1,
    dashboard_address="127.0.0.1:0",
    worker_dashboard_address="127.0.0.1:0",
)
client = Client(cluster)  # on a cluster: client = Client("tcp://scheduler:8786")
print(client)

# %%
# Hashing where the text lives
# ----------------------------
# The documents become a dask Bag of 8 partitions kept on the workers; ``transform``
# hashes each partition where it is, into a dask Array of sparse CSR blocks.
topics = load_english_topics()
docs_train, docs_test, y_train, y_test = train_test_split(
    topics.data, topics.target, test_size=0.3, random_state=0, stratify=topics.target
)
vectorizer = fasthash.HashingVectorizer(n_features=2**18, alternate_sign=False)

text = client.persist(db.from_sequence(docs_train, npartitions=8))
X = client.persist(transform(vectorizer, text))
y = da.from_array(y_train, chunks=(X.chunks[0],))  # aligned with X's partitions
print(X)

X_test = vectorizer.transform(docs_test)

# %%
# A linear model per partition, averaged on the workers
# ------------------------------------------------------
# Three rounds of iterative parameter mixing; the models are combined by a tree
# reduction on the workers and the client receives one ordinary ``SGDClassifier``.
sgd = fit_averaged(
    SGDClassifier(alpha=1e-5, random_state=0), X, y, client=client, n_rounds=3, random_state=0
)
print(type(sgd).__name__, sgd.coef_.shape, f"accuracy {sgd.score(X_test, y_test):.4f}")

# %%
# Sub-forests on the workers, merged
# ----------------------------------
# ``mode="replicate"``: every worker grows its share of the trees on all the rows (the
# partitions are small here; ``mode="partition"`` grows each sub-forest on one partition).
# Trees split on one column at a time, so 2**14 hashed columns are plenty for them.
small = fasthash.HashingVectorizer(n_features=2**14, alternate_sign=False)
X_small = client.persist(transform(small, text))
forest = fit_forest(
    RandomForestClassifier(),
    X_small,
    y,
    client=client,
    n_estimators=32,
    mode="replicate",
    random_state=0,
)
print(
    type(forest).__name__,
    forest.n_estimators,
    "trees,",
    f"accuracy {forest.score(small.transform(docs_test), y_test):.4f}",
)

# %%
# A grid search whose hashing runs once, on the workers
# -----------------------------------------------------
pipe = make_pipeline(
    fasthash.HashingVectorizer(n_features=2**18, n_jobs=1), SGDClassifier(random_state=0)
)
grid = {"sgdclassifier__alpha": [1e-6, 1e-5, 1e-4, 1e-3]}
result = search(pipe, grid, text, y_train, client=client, cv=3)
print("best:", result.best_params_, f"cross-validated accuracy {result.best_score_:.4f}")
print(f"refitted pipeline, test accuracy {result.score(docs_test, y_test):.4f}")

# %%
# The models are plain scikit-learn estimators: they predict, score and pickle without
# fasthash or dask. Close the client and the cluster when done.
scores = {
    "fit_averaged\n(SGD, 3 rounds)": sgd.score(X_test, y_test),
    "fit_forest\n(32 trees)": forest.score(small.transform(docs_test), y_test),
    "search\n(best SGD pipeline)": result.score(docs_test, y_test),
}
client.close()
cluster.close()

fig, ax = plt.subplots(figsize=(7, 3.2))
bars = ax.bar(list(scores), list(scores.values()), color=["#1f77b4", "#2ca02c", "#ff7f0e"])
ax.bar_label(bars, labels=[f"{s:.3f}" for s in scores.values()], padding=3)
ax.set_ylim(0, 1)
ax.set_ylabel("test accuracy")
ax.set_title("trained on a 2-worker LocalCluster")
fig.tight_layout()
plt.show()
