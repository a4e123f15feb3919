# Authors: The fasthash developers
# SPDX-License-Identifier: BSD-3-Clause
"""Differential tests of the ASCII word scanner (``word_tokens_ascii`` in csrc/fh_tokenize.c).

An ASCII document is classified 16 bytes at a time into 64-bit masks, scanned in blocks of
64 KiB; the default pattern's tokens are the runs of a "paired" mask (a word character
followed by another); unigrams are hashed 8 at a time with AVX2 (gathered 12-byte windows,
runs of more than 11 bytes again one by one, a power-of-two ``n_features`` turned into keys
on the vector lanes), the remainder one at a time. Every boundary of that scheme is
crossed here: each ASCII byte value at each position around a 16-, 32- and 64-byte
boundary, tokens of 1 to 64 characters ending at every offset of a mask word and straddling
the 64 KiB block boundary, token counts on both sides of a multiple of 8, a token longer
than a block; under every word configuration the scanner serves (default and one-character
tokens, ``\\S+``, no lowercasing, stop words, bigrams, any ``n_features``, no alternate
sign), on the AVX2 path and the baseline one, each compared with scikit-learn.
"""

import numpy as np
import pytest
from _helpers import assert_same_outcome, run
from sklearn.feature_extraction.text import HashingVectorizer as SkHashingVectorizer

import fasthash.feature_extraction.text as fh_text
from fasthash import HashingVectorizer as FhHashingVectorizer
from fasthash._lib import _hashing

PATHS = {"fastest": _hashing.PATHS_FASTEST, "baseline": _hashing.PATHS_BASELINE}

CONFIGS = [
    {},
    {"n_features": 1000},
    {"n_features": 1},
    {"n_features": 2**18, "alternate_sign": False},
    {"lowercase": False},
    {"token_pattern": r"(?u)\b\w+\b"},
    {"token_pattern": r"\S+"},
    {"stop_words": ["ab", "the", "x_9"]},
    {"ngram_range": (1, 2)},
]

BLOCK = 1 << 16  # bytes scanned per block (FH_ASCII_BLOCK_WORDS 64-bit mask words)


def _every_byte_everywhere():
    """Each ASCII byte value at each position 0..69 of a text of short words: around the
    16-, 32- and 64-byte boundaries, between, before and inside words."""
    text = "Ab cD_9 efG h ij 0 KLMn opq_ R st UvWxYz 12 a b cc dd eE fF gg hh ii jj kk ll"
    docs = []
    for c in range(128):
        for pos in range(70):
            docs.append(text[:pos] + chr(c) + text[pos + 1 :])
            docs.append(chr(c) * pos)  # runs of one byte, of every length
    return docs


def _lengths_and_offsets():
    """Tokens of 1..64 characters ending at each offset of the 64-byte mask words, with 0
    to 25 tokens per document (both sides of multiples of 8)."""
    rng = np.random.default_rng(5)
    letters = np.array(list("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_"))
    docs = []
    for length in range(1, 65):
        word = "".join(rng.choice(letters, size=length))
        for pad in range(0, 66, 5):
            docs.append("." * pad + word + " " + word.upper())
    for count in range(26):
        words = ["".join(rng.choice(letters, size=rng.integers(1, 16))) for _ in range(count)]
        docs.append(" ".join(words))
        docs.append("-".join(words) + "!")
    return docs


def _block_boundary():
    """Documents crossing the 64 KiB block boundary with a token of 1..20 characters
    starting at each offset around it, and a token longer than a whole block."""
    filler = ("lorem ipsum dolor sit amet " * (BLOCK // 20))[: BLOCK - 24]
    docs = []
    for length in (1, 2, 3, 7, 8, 11, 12, 20):
        for shift in range(0, 26, 3):
            docs.append(filler + " " * shift + "Q" * length + " zz 9")
    docs.append("ab " + "x" * (2 * BLOCK + 5) + " cd")
    docs.append("y" * (BLOCK - 1) + "Z_z")
    return docs


CORPORA = {
    "every byte everywhere": _every_byte_everywhere(),
    "lengths and offsets": _lengths_and_offsets(),
    "block boundary": _block_boundary(),
}


@pytest.mark.parametrize("params", CONFIGS, ids=repr)
@pytest.mark.parametrize("corpus", list(CORPORA))
def test_ascii_scanner_matches_sklearn(monkeypatch, corpus, params):
    docs = CORPORA[corpus]
    assert all(d.isascii() for d in docs)
    expected = run(lambda: SkHashingVectorizer(**params).transform(docs))
    assert expected.ok
    for name, paths in PATHS.items():
        monkeypatch.setattr(fh_text, "_KERNEL_PATHS", paths)
        got = run(lambda: FhHashingVectorizer(**params, n_jobs=1).transform(docs))
        try:
            assert_same_outcome(got, expected)
        except AssertionError as err:
            first = next(
                (i for i, d in enumerate(docs)
                 if (SkHashingVectorizer(**params).transform([d])
                     != FhHashingVectorizer(**params, n_jobs=1).transform([d])).nnz),
                None,
            )
            raise AssertionError(f"{name} path, first differing document {first}: {err}") from err
