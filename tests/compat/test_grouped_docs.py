# Authors: The fasthash developers
# SPDX-License-Identifier: BSD-3-Clause
"""Differential tests of short documents scanned together, against scikit-learn.

The kernel copies consecutive short ASCII documents (up to 1024 code units each, 16384 in
all) into one text, each followed by a space, and tokenizes them in one pass
(``csrc/fh_hashing.c``, ``analyse_group``), for unigrams without a token pattern or stop
words. These documents sit on every side of those bounds: empty ones, ones made of
separators only, ones that start or end with a word character (next to the previous or
next document in the group), one-character words, a non-ASCII document (scanned alone) in
the middle of a group, and a document of 1024 and of 1025 code units. Each configuration is
compared with scikit-learn on one and two threads, and on the kernel's fastest, baseline
and reference paths (the reference path scans every document alone).
"""

import numpy as np
import pytest
from _helpers import assert_same_outcome, compare_on_kernel_paths, compare_with_sklearn, run


def _docs():
    rng = np.random.default_rng(5)
    alphabet = list("aaabbcdeABzQ7_   .,-\t\n\x0b\x0c\r\x1c\x1d\x1e\x1f'")
    docs = []
    for i in range(3000):
        n = 0 if i % 101 == 7 else int(rng.integers(1, 120))
        doc = "".join(rng.choice(alphabet, size=n))
        if i % 3 == 0:
            doc = "Start" + doc  # a word character right after the previous document
        if i % 5 == 0:
            doc += "end"  # and right before the next one
        docs.append(doc)
    docs[40] = " \t. ,"  # separators only
    docs[41] = "x"  # a one-character word
    docs[500] = "Caf\u00e9 na\u00efve \u0130stanbul " + docs[500]  # not ASCII: alone
    docs[900] = "w" * 1024  # the longest document of a group
    docs[901] = "v" * 1025  # one unit more: alone
    docs[902] = ("ab " * 400)[:1024]
    return docs


DOCS = _docs()


@pytest.mark.parametrize(
    "params",
    [
        {},
        {"lowercase": False},
        {"n_features": 1000},  # keys made after the scan (no power of two)
        {"alternate_sign": False, "norm": "l1"},
        {"binary": True, "dtype": np.float32},
        {"norm": None, "dtype": np.int64},
        {"token_pattern": r"(?u)\b\w+\b"},
        {"token_pattern": r"\S+", "lowercase": False},
        {"strip_accents": "unicode", "n_features": 2**10},
    ],
    ids=repr,
)
def test_grouped_documents(monkeypatch, params):
    compare_with_sklearn(params, lambda: list(DOCS), n_jobs=(1, 2))
    compare_on_kernel_paths(params, DOCS, monkeypatch,
                            paths=("fastest", "baseline", "reference"))


def test_grouped_bytes_and_arrow_documents():
    """Bytes documents (decoded to str) and an Arrow column (ASCII UTF-8 views) group
    as str documents do."""
    pa = pytest.importorskip("pyarrow")
    from fasthash import HashingVectorizer

    expected = compare_with_sklearn({}, lambda: [d.encode() for d in DOCS], n_jobs=(1, 2))
    column = pa.array(DOCS)
    for n_jobs in (1, 2):
        assert_same_outcome(run(lambda n=n_jobs: HashingVectorizer(n_jobs=n).transform(column)),
                            expected)
