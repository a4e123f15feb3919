# Authors: The fasthash developers
# SPDX-License-Identifier: BSD-3-Clause
"""Every code point through the native word tokenizer, against scikit-learn's transform.

Without accent stripping, the word tokenizer (``DEFINE_WORD_TOKENS`` in
``csrc/fh_tokenize.c``) reads a BMP code point with one load of a flat table: the UTF-8
bytes of the character after lowercasing (or kept) and its ``\\w`` / ``\\S`` classes. It
takes other paths for the astral code points (their record), and for the characters the
table marks special: the capital sigma (final or not by context), U+0130 (whose lowercase
is two code points) and the surrogates. A token ends in one of two ways: hashed at once
(unigrams, no stop words) or kept (n-grams, stop words).

Here every code point, in every text width (UCS1, UCS2, UCS4), sits at the start, in the
middle and at the end of words of 1 to 5 characters, next to each special character, with
``lowercase`` on and off, for each native token scanner, through both ends of a token,
and the whole transform (analysis, then MurmurHash3 of each token) must equal
scikit-learn's. Texts longer than the tokenizer's polling block (2**16 code units) check
runs that cross it.
"""

import functools

import numpy as np
import pytest
from _helpers import assert_csr_identical
from sklearn.feature_extraction.text import HashingVectorizer as SkHashingVectorizer
from sklearn.utils import murmurhash3_32

from fasthash import HashingVectorizer as FhHashingVectorizer

pytestmark = pytest.mark.slow

BMP, N_CODEPOINTS = 0x10000, 0x110000
SURROGATES = range(0xD800, 0xE000)
ASTRAL_CHAR = "\U0001d400"  # MATHEMATICAL BOLD CAPITAL A: \w, its own lowercase
SPECIALS = "\u03a3\u0130"  # capital sigma, capital I with dot above
BLOCK = 256

WORD2 = r"(?u)\b\w\w+\b"  # the default
WORD1 = r"(?u)\b\w+\b"
NONSPACE = r"\S+"


def _contexts(c, specials=True):
    """Words of 1 to 5 characters holding c at their start, middle and end, and next to
    the special characters (the final-sigma rule looks at the cased characters around a
    sigma, which c may be)."""
    plain = f"{c} a{c} {c}{c}b x{c}{c}{c}y {c}_{c}{c}{c} 7{c}"
    if not specials:
        return plain
    return (
        f"{plain} \u0391{c}\u03a3 {c}\u03a3 \u03a3{c} \u0391\u03a3{c}\u0391 \u0130{c}{c}\u0130"
        f" {c}\u0130 \u00c9{c}\u03a3{c}"
    )


def _runs(cps, seed=0):
    """The code points cps in words of 1 to 5 consecutive code points."""
    words, i, k = [], 0, seed
    while i < len(cps):
        step = 1 + k % 5
        words.append("".join(map(chr, cps[i : i + step])))
        i += step
        k += 1
    return " ".join(words)


def _bmp_documents(surrogates):
    """Documents over every BMP code point (but the surrogates unless asked): per block of
    256, the contexts and the runs, as UCS2 (UCS1 for the Latin-1 block) and as UCS4."""
    docs = []
    for start in range(0, BMP, BLOCK):
        cps = [cp for cp in range(start, start + BLOCK) if surrogates or cp not in SURROGATES]
        if not cps:
            continue
        contexts = " ".join(_contexts(chr(cp)) for cp in cps)
        runs = _runs(cps, start // BLOCK)
        docs += [contexts, contexts + " " + ASTRAL_CHAR, runs, runs + ASTRAL_CHAR]
        if start == 0:  # Latin-1 text (UCS1): no sigma, no U+0130
            docs.append(" ".join(_contexts(chr(cp), specials=False) for cp in cps))
    return docs


def _astral_documents():
    """Every astral code point in runs of 1 to 5; some in the full contexts too."""
    docs = []
    step = 4096
    for start in range(BMP, N_CODEPOINTS, step):
        cps = list(range(start, start + step))
        docs.append(_runs(cps, start // step))
        docs.append(" ".join(_contexts(chr(cp)) for cp in cps[::61]))
    return docs


def _long_documents():
    """Runs crossing the tokenizer's polling block (2**16 code units), in each width, the
    block ending before, inside and after a run, and on special characters."""
    edge = 2**16
    docs = []
    for word in ("\u00e9a", "\u0436\u042f", "\u0436\U00010428", "\u03a3\u03a3", "\u0130x"):
        for shift in range(-3, 3):
            pad = "b" * (edge + shift)
            docs.append(f"{pad}{word}{word} {word}")
            docs.append(f"{' ' * (edge + shift)}{word}{word}{word} {word}")
    return docs


@functools.cache
def _documents(surrogates):
    return _bmp_documents(surrogates) + _astral_documents() + _long_documents()


def _first_difference(docs, params):
    """The code point and tokens of the first document whose features differ, for the
    failure message (scikit-learn's analyzer and murmurhash3_32 on one word at a time)."""
    sk = SkHashingVectorizer(**params)
    analyzer = sk.build_analyzer()
    fh = FhHashingVectorizer(**params, n_jobs=1)
    for doc in docs:
        for word in doc.split(" "):
            want = sk.transform([word])
            got = fh.transform([word])
            if (want != got).nnz:
                tokens = analyzer(word)
                hashes = [murmurhash3_32(t, positive=True) % params["n_features"] for t in tokens]
                message = (
                    f"word {word!r} ({', '.join(f'U+{ord(c):04X}' for c in word[:8])}): "
                    f"scikit-learn's tokens {tokens!r}, columns {hashes}, "
                    f"fasthash's columns {sorted(map(int, got.indices))}"
                )
                return message if len(message) < 800 else message[:400] + " ... " + message[-300:]
    return "no single word differs (context-dependent)"


@pytest.mark.parametrize("lowercase", [True, False], ids=["lower", "keep"])
@pytest.mark.parametrize(
    "token_pattern, extra",
    [
        (WORD2, {}),  # hashed as the runs end
        (WORD2, {"ngram_range": (1, 2)}),  # tokens kept, then joined
        (WORD2, {"stop_words": ["ab", "\u03c3\u03c3", "x\u00e9\u00e9\u00e9y", "\u00e9"]}),
        (WORD1, {}),
        (NONSPACE, {}),
        (NONSPACE, {"ngram_range": (2, 2)}),
    ],
    ids=["word2", "word2-ngrams", "word2-stop", "word1", "nonspace", "nonspace-bigrams"],
)
def test_every_code_point_equals_sklearn(lowercase, token_pattern, extra):
    # a lone surrogate in a \S token raises when hashed (tests/compat/test_errors.py)
    docs = _documents(surrogates=token_pattern != NONSPACE)
    params = {
        "lowercase": lowercase,
        "token_pattern": token_pattern,
        "alternate_sign": False,
        "norm": None,
        "n_features": 2**20,
        **extra,
    }
    expected = SkHashingVectorizer(**params).transform(docs)
    got = FhHashingVectorizer(**params, n_jobs=1).transform(docs)
    try:
        assert_csr_identical(got, expected)
    except AssertionError:
        rows = np.flatnonzero(np.asarray(abs(got - expected).sum(axis=1)).ravel())
        bad = [docs[i] for i in rows[:3]]
        pytest.fail(f"{len(rows)} documents differ; first: {_first_difference(bad, params)}")
