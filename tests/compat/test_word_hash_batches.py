# Authors: The fasthash developers
# SPDX-License-Identifier: BSD-3-Clause
"""Differential tests of the word tokenizer's batches of token spans (csrc/fh_tokenize.c).

On the AVX2 path, unigrams without stop words, the tokens of a non-ASCII document keep
their bytes; their spans are collected in batches of 64 (FH_SPAN_BATCH) and hashed 8 at a
time on AVX2 lanes (``fh_murmur3_spans_avx2``: whole 4-byte blocks gathered while all lanes
have one, then masked, the tail word masked to its len % 4 bytes), straight to feature
keys; tokens longer than 64 bytes (FH_SPAN_MAXLEN) are hashed alone after the batch. Here:
non-ASCII tokens of every length 1..80 bytes (2-, 3- and 4-byte UTF-8 characters, mixed
with ASCII), token counts around multiples of 8 and 64, tokens straddling the 64 K code
units between cancellation polls, very long documents, lone surrogates, bytes input with
``decode_error``; on the fastest and the baseline path, against scikit-learn.
"""

import functools

import numpy as np
import pytest
from _helpers import compare_on_kernel_paths

POLL = 1 << 16  # code units between polls (FH_POLL_ITEMS)

# word characters of 1, 2, 3 and 4 UTF-8 bytes (after lowercasing too)
CHARS = {1: "aZ_9", 2: "éДжΣλß", 3: "中文ह\u0939\u093fअ", 4: "\U00020000\U0001d400𝔸"}
_SIZES = {left: [k for k in (4, 3, 2, 1) if k <= left] for left in (1, 2, 3, 4)}


def _word(rng, nbytes):
    """A word of exactly nbytes of UTF-8 (lowercased), at least one non-ASCII char when
    nbytes >= 2."""
    # rng.integers(0, len(seq)) draws what rng.choice(seq) would (the same stream), without
    # building an array from seq: the corpora below are built ~10x faster, at collection.
    out, left = [], nbytes
    while left:
        sizes = _SIZES[min(left, 4)]
        k = sizes[int(rng.integers(0, len(sizes)))]
        if len(out) == 0 and nbytes >= 2 and k == 1:
            k = max(sizes)
        chars = CHARS[k]
        c = chars[int(rng.integers(0, len(chars)))]
        if len(c.lower().encode()) != k:
            c = {1: "a", 2: "é", 3: "中", 4: "\U00020000"}[k]
        out.append(c)
        left -= k
    return "".join(out)


def _lengths():
    rng = np.random.default_rng(11)
    docs = []
    for nbytes in range(1, 81):
        for seps in (" ", ", ", "-"):
            words = [_word(rng, nbytes) for _ in range(int(rng.integers(1, 20)))]
            docs.append(seps.join(words))
    # token counts around multiples of 8 and of the batch (64), mixed lengths
    for count in list(range(0, 26)) + [63, 64, 65, 127, 128, 129, 200]:
        words = [_word(rng, int(rng.integers(1, 70))) for _ in range(count)]
        docs.append(" ".join(words) + " Ab")
        docs.append(" x ".join(w.upper() for w in words))
    # mixed ASCII and non-ASCII tokens, one-character runs between them
    words = [_word(rng, int(rng.integers(1, 12))) for _ in range(300)]
    docs.append(" q ".join(w + "abc" if i % 3 else "Hello" for i, w in enumerate(words)))
    return docs


def _long():
    rng = np.random.default_rng(12)
    docs = []
    filler = " ".join(_word(rng, 7) for _ in range(POLL // 3))[: POLL - 30]
    for length in (1, 2, 3, 5, 12, 13, 40, 65):
        for shift in range(0, 30, 7):
            docs.append(filler + " " * shift + _word(rng, length) * 3 + " Жж z")
    docs.append("Ъ" * (3 * POLL + 7) + " ab")  # one token longer than a poll block
    docs.append(" ".join(_word(rng, int(rng.integers(2, 90))) for _ in range(40000)))
    return docs


_CORPUS_BUILDERS = {"lengths": _lengths, "long": _long}


@functools.cache
def _corpus(name):
    """Built on first use (seconds), not at import: every pytest-xdist worker collects the
    module, only those that run its tests need the documents."""
    return _CORPUS_BUILDERS[name]()

CONFIGS = [
    {},
    {"n_features": 1000},
    {"n_features": 12345, "alternate_sign": False},
    {"alternate_sign": False, "binary": True},
    {"norm": "l1"},
    {"norm": None, "n_features": 2**18},
    {"lowercase": False},
    {"ngram_range": (1, 2)},
    {"stop_words": ["éé", "ab", "中文"]},
    {"strip_accents": "unicode"},
    {"token_pattern": r"\S+"},
    {"token_pattern": r"(?u)\b\w+\b"},
]


def _check(docs, params, monkeypatch, **kw):
    return compare_on_kernel_paths({**params, **kw}, docs, monkeypatch)


@pytest.mark.parametrize("params", CONFIGS, ids=repr)
@pytest.mark.parametrize("corpus", list(_CORPUS_BUILDERS))
def test_word_batches_match_sklearn(monkeypatch, corpus, params):
    assert _check(_corpus(corpus), params, monkeypatch).ok


@pytest.mark.parametrize("params", [{}, {"ngram_range": (1, 2)}, {"token_pattern": r"\S+"}],
                         ids=repr)
def test_lone_surrogates(monkeypatch, params):
    docs = ["Жж ab \ud800x éé", "abc \udfff", "éé " * 100 + "\ud83d"]
    for d in docs:
        _check([d, "Привет мир"], params, monkeypatch)


@pytest.mark.parametrize("decode_error", ["strict", "ignore", "replace"])
def test_bytes_input(monkeypatch, decode_error):
    rng = np.random.default_rng(13)
    docs = [" ".join(_word(rng, n) for n in range(1, 41)).encode() for _ in range(5)]
    docs.append("Жж中文 ".encode() * 50 + b"\xff\xfe bad " + "éλ".encode())
    docs.append(b"\xe4\xb8 ab " + "ééé ".encode() * 20)
    _check(docs, {}, monkeypatch, decode_error=decode_error)
    _check(docs, {"n_features": 999}, monkeypatch, decode_error=decode_error)
