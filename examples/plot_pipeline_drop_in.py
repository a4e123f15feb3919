# Authors: The fasthash developers
# SPDX-License-Identifier: BSD-3-Clause
"""
==========================================================
A drop-in swap: fasthash's HashingVectorizer in a pipeline
==========================================================

Replace one import and a scikit-learn text pipeline hashes its documents on every core,
with the same features, bit for bit, and so the same model and the same predictions.

Here a :class:`~sklearn.pipeline.Pipeline` of a ``HashingVectorizer`` and a linear
classifier learns to tell which package of the Python standard library a docstring comes
from (:func:`fasthash.datasets.load_english_topics`), once with scikit-learn's vectorizer
and once with fasthash's.
"""

# %%
# The data: standard-library docstrings labelled by package
# ----------------------------------------------------------
# Real, imbalanced English text, built from the running interpreter's sources: nothing is
# downloaded.
import time

import matplotlib.pyplot as plt
import numpy as np
from sklearn.feature_extraction.text import HashingVectorizer as SkHashingVectorizer
from sklearn.linear_model import SGDClassifier
from sklearn.model_selection import train_test_split
from sklearn.pipeline import make_pipeline

from fasthash import HashingVectorizer
from fasthash.datasets import load_english_topics

topics = load_english_topics()
print(f"{len(topics.data)} documents, {len(topics.target_names)} classes:")
print(", ".join(topics.target_names))

docs_train, docs_test, y_train, y_test = train_test_split(
    topics.data, topics.target, test_size=0.3, random_state=0, stratify=topics.target
)

# %%
# The same pipeline twice
# -----------------------
# Only the vectorizer's import differs. ``n_jobs=None`` (the default) uses every CPU
# this process may use; the output never depends on it.
params = dict(n_features=2**18, ngram_range=(1, 2), alternate_sign=False)

sk_pipe = make_pipeline(SkHashingVectorizer(**params), SGDClassifier(random_state=0))
fh_pipe = make_pipeline(HashingVectorizer(**params), SGDClassifier(random_state=0))

sk_pipe.fit(docs_train, y_train)
fh_pipe.fit(docs_train, y_train)
print(f"scikit-learn pipeline accuracy: {sk_pipe.score(docs_test, y_test):.4f}")
print(f"fasthash pipeline accuracy:     {fh_pipe.score(docs_test, y_test):.4f}")

# %%
# Identical features, identical model
# -----------------------------------
# The hashed matrices are equal to the last bit (same class, shape, dtypes, indices and
# values), so the classifiers learn the same coefficients and predict the same classes.
X_sk = sk_pipe[0].transform(docs_test)
X_fh = fh_pipe[0].transform(docs_test)
assert type(X_sk) is type(X_fh) and X_sk.dtype == X_fh.dtype
assert np.array_equal(X_sk.indptr, X_fh.indptr)
assert np.array_equal(X_sk.indices, X_fh.indices)
assert np.array_equal(X_sk.data.view(np.uint64), X_fh.data.view(np.uint64))
assert np.array_equal(sk_pipe[-1].coef_, fh_pipe[-1].coef_)
assert np.array_equal(sk_pipe.predict(docs_test), fh_pipe.predict(docs_test))
print("features, coefficients and predictions: identical")

# %%
# What changed: the time spent hashing
# ------------------------------------
# The best of a few runs of ``transform`` on the whole corpus, for scikit-learn and for
# fasthash on one thread and on every usable CPU. (Timings of this build machine; the
# :doc:`benchmark pages </benchmarks>` show a quiet machine.)


def best_time(vectorizer, docs, repeat=5):
    vectorizer.transform(docs)  # warm up
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        vectorizer.transform(docs)
        times.append(time.perf_counter() - start)
    return min(times)


mb = sum(len(doc.encode("utf-8")) for doc in topics.data) / 1e6
timings = {
    "scikit-learn": best_time(SkHashingVectorizer(**params), topics.data),
    "fasthash\nn_jobs=1": best_time(HashingVectorizer(**params, n_jobs=1), topics.data),
    "fasthash\nn_jobs=None": best_time(HashingVectorizer(**params), topics.data),
}
for name, seconds in timings.items():
    label = name.replace("\n", " ")
    print(f"{label:<22} {seconds * 1e3:8.1f} ms  {mb / seconds:7.1f} MB/s")

fig, ax = plt.subplots(figsize=(7, 3))
names = list(timings)
speed = [mb / timings[name] for name in names]
bars = ax.barh(names, speed, color=["#7f7f7f", "#1f77b4", "#08306b"])
ax.bar_label(bars, labels=[f"{s:.0f} MB/s" for s in speed], padding=3)
ax.set_xlabel("throughput of transform (MB of text per second, higher is better)")
ax.set_xlim(0, max(speed) * 1.25)
ax.invert_yaxis()
ax.set_title(f"HashingVectorizer(ngram_range=(1, 2)) on {mb:.2f} MB of docstrings")
fig.tight_layout()
plt.show()
