# Authors: The fasthash developers
# SPDX-License-Identifier: BSD-3-Clause
"""
======================================
Explaining a topic classifier in words
======================================

A model trained on hashed features sees columns, not words: the hashing trick keeps no
vocabulary. :class:`fasthash.InverseHasher` records, on a sample of the documents, which
tokens reach which column and with which sign, so that the columns get names and the
model's weights can be read as words again (:func:`fasthash.top_tokens`).

The classifier below tells apart the packages of the Python standard library from their
docstrings (:func:`fasthash.datasets.load_english_topics`).
"""

# %%
# A classifier on hashed words and word pairs
# -------------------------------------------
import matplotlib.pyplot as plt
import numpy as np
from sklearn.feature_extraction.text import TfidfTransformer
from sklearn.linear_model import SGDClassifier
from sklearn.model_selection import train_test_split
from sklearn.pipeline import make_pipeline

from fasthash import HashingVectorizer, InverseHasher, top_tokens
from fasthash.datasets import load_english_topics

topics = load_english_topics()
y = np.asarray(topics.target_names)[topics.target]
X_train, X_test, y_train, y_test = train_test_split(
    topics.data, y, test_size=0.3, random_state=0, stratify=y
)
vectorizer = HashingVectorizer(n_features=2**18, ngram_range=(1, 2), stop_words="english")
model = make_pipeline(vectorizer, TfidfTransformer(), SGDClassifier(random_state=0))
model.fit(X_train, y_train)
print(f"accuracy on held-out docstrings: {model.score(X_test, y_test):.3f}")

# %%
# Which tokens reach which column
# -------------------------------
# The map is recorded on the training documents with the same vectorizer: every token its
# analyzer emits, the column it hashes to, its sign under ``alternate_sign`` and its count.
# A column two tokens share is named after both (``"-a | b"``: ``a`` adds -1 to it).
inverse = InverseHasher(vectorizer).fit(X_train)
print(f"{inverse.n_tokens_} tokens in {inverse.n_documents_} documents")
names = inverse.get_feature_names_out()
reached = np.flatnonzero(names != np.array([f"x{c}" for c in range(len(names))]))
shared = [name for name in names[reached] if " | " in name]
print(f"{len(reached)} columns reached, {len(shared)} shared by several tokens, e.g.:")
print(shared[:3])

# %%
# The words of each topic
# -----------------------
# A token's weight is its column's weight times its sign, so a positive weight is
# evidence for the topic whichever sign the token hashed to.
explanation = top_tokens(model, inverse, n_top=6)
for topic in explanation:
    words = ", ".join(t.token for t in topic.positive)
    print(f"{topic.label:>12}: {words}")

# %%
# Collisions
# ----------
# Tokens that share a column share its weight: a rare token that collided with a strong one
# shows up among the strong tokens. Its column name tells: the rarer tokens of a shared
# column, listed after the most frequent one, borrowed its weight.
for topic in explanation:
    for t in topic.positive:
        tokens_of_column = inverse.column_tokens(t.column)
        if len(tokens_of_column) > 1 and t.token != tokens_of_column[0][0]:
            name = inverse.column_names([t.column])[0]
            print(f"{topic.label}: {t.token!r} (seen {t.count} times) is in column {name!r}")

# %%
# The strongest evidence for and against one topic:
topic = next(t for t in explanation if t.label == "email")
tokens = topic.positive[::-1] + topic.negative
fig, ax = plt.subplots(figsize=(6, 4))
ax.barh([t.token for t in tokens], [t.weight for t in tokens],
        color=["tab:blue" if t.weight > 0 else "tab:red" for t in tokens])
ax.set_xlabel("weight (column weight x token sign)")
ax.set_title("Tokens for and against the 'email' topic")
fig.tight_layout()
plt.show()
