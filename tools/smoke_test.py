# Authors: The fasthash developers
# SPDX-License-Identifier: BSD-3-Clause
"""Smoke test of an installed fasthash (a wheel in a fresh environment).

Run by tools/release.py and by cibuildwheel's test-command, from outside the source tree,
so that ``import fasthash`` finds the installed package. Checks that the compiled core
loads, that it returns scikit-learn's output bit for bit on real text in the native
configurations, that threads change nothing, that the public loaders work and that the
LICENSE is in the installed distribution. Exits non-zero on the first failure.
"""

import sys
from importlib import metadata

import numpy as np
from sklearn.feature_extraction.text import HashingVectorizer as SkHashingVectorizer

import fasthash
from fasthash.datasets import load_english_documents, load_english_topics


def same(a, b):
    return (
        type(a) is type(b)
        and a.shape == b.shape
        and a.dtype == b.dtype
        and np.array_equal(a.indptr, b.indptr)
        and np.array_equal(a.indices, b.indices)
        and np.array_equal(a.data.view(np.uint8), b.data.view(np.uint8))
    )


def main():
    print(f"fasthash {fasthash.__version__} from {fasthash.__file__}")
    fasthash.show_versions()
    docs = load_english_documents(max_bytes=300_000).data
    configs = [
        {},
        {"ngram_range": (1, 2), "stop_words": "english", "norm": "l1"},
        {"analyzer": "char_wb", "ngram_range": (2, 4)},
        {"strip_accents": "unicode", "alternate_sign": False, "dtype": np.float32},
    ]
    for params in configs:
        expected = SkHashingVectorizer(**params).transform(docs)
        for n_jobs in (1, 2, None):
            got = fasthash.HashingVectorizer(**params, n_jobs=n_jobs).transform(docs)
            if not same(expected, got):
                sys.exit(f"FAIL: HashingVectorizer({params}, n_jobs={n_jobs}) differs")
    topics = load_english_topics()
    if not len(topics.data) == len(topics.target) > 1000:
        sys.exit("FAIL: load_english_topics")
    from sklearn.utils import murmurhash3_32

    for key in ("fasthash", b"bytes", "ünïcödé"):
        if fasthash.murmurhash3_32(key, seed=1) != murmurhash3_32(key, seed=1):
            sys.exit(f"FAIL: murmurhash3_32({key!r}) differs")
    files = [str(f) for f in metadata.files("fasthash") or ()]
    if not any(f.endswith("LICENSE") for f in files):
        sys.exit("FAIL: LICENSE is not in the installed distribution")
    print(
        f"smoke test passed: {len(configs)} configurations x 3 thread counts identical to "
        f"scikit-learn on {len(docs)} documents; LICENSE installed"
    )


if __name__ == "__main__":
    main()
