# Authors: The fasthash developers
# SPDX-License-Identifier: BSD-3-Clause
r"""The block path of the tokenizers on non-ASCII text, against scikit-learn's transform.

When only the tokens' hashes are wanted (unigrams, no stop words, no accent stripping),
a UCS1 or UCS2 document is tokenized in blocks of 1024 code points (``fh_wide_runs_*``
in ``csrc/fh_tokenize.c``), for the native word patterns and for the custom patterns
scanned as runs of one class (``\b\w{3,}\b``, ``[^\W\d_]+``, ...): each code point's
class and word bits go to the block's bitmaps, the bytes of each group of 64 code points
holding a run character are written, the runs are found in the bitmap, kept by their
length and by the ``\b`` anchors at their ends, and their byte spans are hashed 8 at a
time. A run still open at a block's end keeps its bytes for the next block (moved to the
start of the buffer up to 256 bytes, left in place beyond). A code point the flat table
cannot describe (the capital sigma, U+0130, a surrogate) sends the whole document back to
the per-code-point path, also after blocks already hashed.

The documents here are built so that runs start, end and stay open at every position
around the block boundaries, with runs of 1 to 5000 code points of 1- to 3-byte
characters, ASCII letters and digits next to other word characters (the anchors), so that
every one of those cases occurs.
"""

import random
import re
import zlib

import pytest
from _helpers import assert_csr_identical
from sklearn.feature_extraction.text import HashingVectorizer as SkHashingVectorizer

from fasthash import HashingVectorizer as FhHashingVectorizer

BLOCK = 1024

# \w characters of 1 to 3 UTF-8 bytes once lowercased, some of them uppercase, a titlecase
# (U+01C5), a non-Latin digit and the underscore
WORD_CHARS = "\u00e9\u00c9\u00df\u0436\u0416\u03b1\u0391\u4e2d\u0663\u01c5_zA7\u05d0\u0915"
# not \w: spaces (ASCII, no-break, ideographic, line separator), punctuation, NUL, a
# combining mark, a bidi control, a zero-width joiner
OTHER_CHARS = " \u00a0\u3000\u2028,.\x00\u0301\u200f\u200d"
LATIN1_WORD = "\u00e9\u00c9\u00df\u00b5\u00ff\u00aaA_z9"
LATIN1_OTHER = " \u00a0,\x00\u00b7\u00bf"
SPECIALS = ["\u03a3", "\u0130", "\ud800"]

WORD2 = r"(?u)\b\w\w+\b"
WORD1 = r"(?u)\b\w+\b"
NONSPACE = r"\S+"
# custom patterns the core scans as runs of one class: \b anchors (the class inside \w),
# runs of >= 3 and >= 4, a class outside \w's complement, a sparse class, one anchor only
PATTERNS = [
    r"(?u)\b[a-zA-Z]{2,}\b",
    r"(?i)\b[a-z]{2,}\b",
    r"\b\w{3,}\b",
    r"[^\W\d_]+",
    r"\d+",
    r"\b[^\W\d]{4,}",
]


def _text(rng, n, word, other):
    """About n code points: runs of word characters of 1 to 5000 (mostly short), separated
    by runs of 1 to 3 other characters."""
    out, size = [], 0
    while size < n:
        r = rng.random()
        length = rng.randint(1, 6) if r < 0.8 else rng.choice([2, 250, 300, 1030, 5000])
        out.append("".join(rng.choice(word) for _ in range(length)))
        out.append("".join(rng.choice(other) for _ in range(rng.randint(1, 3))))
        size += length
    return "".join(out)


def _around_boundaries(rng, word, other):
    """A run ending, and one starting, at each position from 3 before to 3 after the
    block boundaries 1024 and 2048, and a text just shorter, as long as and just longer
    than one and two blocks."""
    docs = []
    for edge in (BLOCK, 2 * BLOCK):
        for shift in range(-3, 4):
            head = rng.choice(other) * (edge + shift)
            docs.append(head + rng.choice(word) * 2 + rng.choice(other) + word[:3])
            docs.append(rng.choice(word) * (edge + shift) + rng.choice(other) + word[:2])
            docs.append(rng.choice(other) * (edge + shift - 1) + word[:1] + rng.choice(other))
    for size in (BLOCK - 1, BLOCK, BLOCK + 1, 2 * BLOCK - 1, 2 * BLOCK, 2 * BLOCK + 1):
        docs.append(_text(rng, size, word, other)[:size])
    return docs


def _documents(seed):
    rng = random.Random(seed)
    docs = []
    for word, other in ((WORD_CHARS, OTHER_CHARS), (LATIN1_WORD, LATIN1_OTHER)):
        docs += _around_boundaries(rng, word, other)
        docs += [_text(rng, rng.randint(1, 12_000), word, other) for _ in range(40)]
    # runs of ASCII letters or digits ending exactly at a block's end, before a word
    # character of another class or a space, in UCS2 and UCS1 text (the \b after the run
    # is read from the next block's first character)
    for edge in (BLOCK, 2 * BLOCK):
        for run in ("ab", "abc", "Abcd", "12", "1234"):
            for after in ("\u00e9", "\u0436", "7", "x", "_", " "):
                for pad in (" ", "\u00e9 "):
                    head = (pad * edge)[: edge - len(run) - 1] + " "
                    docs.append(head + run + after + " zz")
    # a character of the per-code-point path after blocks already hashed
    for special in SPECIALS:
        for at in (5, BLOCK + 3, 3 * BLOCK + 500):
            doc = _text(rng, 4 * BLOCK, WORD_CHARS, OTHER_CHARS)
            docs.append(doc[:at] + special + doc[at:])
            docs.append(doc[:at] + "x" + special + "y" + doc[at:])
    return docs


def _params(token_pattern, lowercase, hashing):
    return {"token_pattern": token_pattern, "lowercase": lowercase, **hashing}


@pytest.mark.parametrize(
    "hashing",
    [
        {},  # 2**20 columns (a power of two), alternate signs, l2
        {"n_features": 1000, "norm": None},  # keys computed without the power-of-two mask
        {"n_features": 2**18, "alternate_sign": False, "norm": "l1"},
    ],
    ids=["default", "n_features=1000", "no-sign"],
)
@pytest.mark.parametrize("lowercase", [True, False], ids=["lower", "keep"])
@pytest.mark.parametrize("token_pattern", [WORD2, WORD1, NONSPACE, *PATTERNS])
def test_block_path_equals_sklearn(token_pattern, lowercase, hashing):
    docs = _documents(seed=zlib.crc32(f"{token_pattern} {lowercase} {hashing}".encode()))
    if token_pattern == NONSPACE:  # a \S token holding a lone surrogate raises when hashed
        docs = [d for d in docs if "\ud800" not in d]
    params = _params(token_pattern, lowercase, hashing)
    expected = SkHashingVectorizer(**params).transform(docs)
    for n_jobs in (1, 2):
        assert_csr_identical(FhHashingVectorizer(**params, n_jobs=n_jobs).transform(docs), expected)


def test_documents_reach_every_case():
    """The generated documents hold what the block path must handle: UCS1 and UCS2 texts,
    runs open across a boundary that are moved (<= 256 bytes) and left in place, and a
    special character past the first block."""
    docs = _documents(seed=0)
    widths = {max(map(ord, d)) > 0xFF for d in docs if d}
    assert widths == {False, True}
    is_word = re.compile(r"\w").match
    open_runs = []
    for d in docs:
        for edge in range(BLOCK, len(d), BLOCK):
            if is_word(d[edge - 1]) and is_word(d[edge]):
                start = edge - 1
                while start > 0 and is_word(d[start - 1]):
                    start -= 1
                open_runs.append(len(d[start:edge].encode("utf-8", "surrogatepass")))
    assert min(open_runs) <= 256 < max(open_runs)
    assert any(d.find(s) > BLOCK for d in docs for s in SPECIALS)


@pytest.mark.parametrize("token_pattern", [WORD2, NONSPACE, r"\b\w{3,}\b", r"(?u)\b[a-zA-Z]{2,}\b"])
@pytest.mark.parametrize("n_jobs", [1, 2])
def test_block_path_recording_equals_brute_force(token_pattern, n_jobs):
    """InverseHasher counts the block path's tokens by their bytes: the recorded map equals
    scikit-learn's analyzer and murmurhash3_32 over the same documents, also for the
    documents with a special character after blocks (checked before any token is counted)."""
    from collections import Counter

    from sklearn.utils import murmurhash3_32

    from fasthash import InverseHasher

    docs = _documents(seed=7)
    if token_pattern == NONSPACE:
        docs = [d for d in docs if "\ud800" not in d]
    n_features = 2**8
    params = {"token_pattern": token_pattern, "n_features": n_features}
    analyzer = SkHashingVectorizer(**params).build_analyzer()
    expected = {}
    for tok, count in Counter(t for d in docs for t in analyzer(d)).items():
        h = murmurhash3_32(tok, positive=False)
        expected.setdefault(abs(h) % n_features, {})[tok] = (-1 if h < 0 else 1, count)
    inv = InverseHasher(FhHashingVectorizer(**params), max_tokens_per_column=None, n_jobs=n_jobs)
    inv.fit(docs)
    got = {}
    for c in range(n_features):
        toks = inv.column_tokens(c)
        if toks:
            got[c] = {t: (s, n) for t, s, n in toks}
    assert got == expected
