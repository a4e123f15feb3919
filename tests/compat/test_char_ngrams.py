# Authors: The fasthash developers
# SPDX-License-Identifier: BSD-3-Clause
"""Differential tests of the character analyzers' fast paths against scikit-learn.

The C core takes different paths for ``analyzer="char"`` and ``"char_wb"`` depending on the
text and the parameters (see ``csrc/fh_hashing.c``):

- ASCII ``char_wb`` with ``min_n`` 2 or 3 and ``max_n <= 8``: windows of one joined text;
  ASCII ``char`` with ``max_n <= 8``: one pass over start positions; both vectorised (AVX2
  where the CPU has it) for a power-of-two ``n_features``, scalar otherwise; non-ASCII
  ``char_wb`` with ``min_n`` 2 or 3 and no ``strip_accents``: the same windows over the
  code points of one joined text (AVX2 for ``max_n <= 8`` and a power-of-two
  ``n_features``); other ranges, ``strip_accents`` and non-ASCII ``char`` take the general
  paths;
- rows of 16 to 2**16 keys are summed through an aggregation table, shorter and longer
  rows are sorted.

Each case here crosses one of those boundaries, with documents whose n-grams repeat (so
that sums grow) and small ``n_features`` (so that opposite signs cancel into explicit
zeros, which scikit-learn keeps). The C tests check the paths against each other on far
more parameters; these check the fastest path against scikit-learn itself.
"""

import numpy as np
import pytest
from _helpers import compare_with_sklearn

WHITESPACE_DOCS = [
    "",
    "   ",
    "a",
    "  a b  ",
    "x\ty\nz\x0bw\x0cv\rq\x1cr\x1ds\x1et\x1fu end",
    "Mixed CASE words, With PUNCTUATION... and digits 123 4567!",
    "tab\tand\t\tdouble  space\n\nnewline\r\nend  ",
]

REPEATED_DOCS = [
    "abc abd abc abe " * 40,  # table path: few distinct n-grams, large sums
    "aaaa " * 300 + "b",
    "the cat sat on the mat " * 25,
    "ab" * 7,  # a short row: sorted, not aggregated
]

MIXED_DOCS = WHITESPACE_DOCS + REPEATED_DOCS + [
    "naïve café Straße ΟΔΟΣ",  # non-ASCII documents take the general path, same batch
    "emoji😀emoji " * 20,
]


def _docs(docs):
    return lambda: list(docs)


NGRAM_RANGES = {
    "char_wb": [(2, 2), (2, 3), (2, 4), (2, 5), (2, 6), (2, 8), (3, 3), (3, 4), (3, 5), (3, 7),
                (1, 3), (4, 6), (2, 9)],
    "char": [(1, 1), (1, 2), (1, 3), (2, 3), (2, 4), (2, 5), (3, 5), (3, 6), (1, 8), (5, 8),
             (2, 9)],
}


@pytest.mark.parametrize(
    ("analyzer", "ngram_range"),
    [(a, r) for a, ranges in NGRAM_RANGES.items() for r in ranges],
    ids=lambda v: str(v),
)
@pytest.mark.parametrize("n_features", [2**20, 1000003])
def test_ngram_ranges(analyzer, ngram_range, n_features):
    params = {"analyzer": analyzer, "ngram_range": ngram_range, "n_features": n_features}
    compare_with_sklearn(params, _docs(MIXED_DOCS))


@pytest.mark.parametrize("analyzer", ["char", "char_wb"])
@pytest.mark.parametrize("n_features", [1, 2, 3, 16])
@pytest.mark.parametrize(
    "extra",
    [
        {"norm": None},
        {"norm": "l1"},
        {"norm": "l2"},
        {"norm": None, "dtype": np.float32},
        {"norm": "l2", "dtype": np.float32},
        {"norm": None, "dtype": np.int64},
        {"norm": None, "binary": True},
        {"norm": "l2", "binary": True, "dtype": np.float32},
        {"norm": None, "alternate_sign": False},
        {"lowercase": False},
    ],
    ids=repr,
)
def test_collisions_and_explicit_zeros(analyzer, n_features, extra):
    """Few columns: every row's n-grams collide, and +1s and -1s cancel into explicit
    zeros in the aggregation table as in scipy's sum_duplicates."""
    params = {"analyzer": analyzer, "ngram_range": (2, 4), "n_features": n_features, **extra}
    expected = compare_with_sklearn(params, _docs(REPEATED_DOCS + WHITESPACE_DOCS))
    X = expected.result
    if n_features > 1 and extra.get("alternate_sign", True) and not extra.get("binary"):
        assert (X.data == 0).any(), "the documents should produce explicit zeros"


@pytest.mark.parametrize("analyzer", ["char", "char_wb"])
@pytest.mark.parametrize("dtype", [np.float64, np.float32, np.int64])
def test_rows_around_the_table_limits(analyzer, dtype):
    """Rows just under and over 16 keys (the table's lower bound) and over 2**16 keys (its
    upper bound: sorted again), with many repeats, and the n-gram blocks' boundaries
    (256 start positions)."""
    rng = np.random.default_rng(7)
    words = ["".join(rng.choice(list("abcdeXY"), size=rng.integers(1, 9))) for _ in range(60)]
    long_doc = " ".join(rng.choice(words, size=9000))  # ~45k chars: > 2**16 keys for (2, 4)
    docs = [
        "abcdef",  # < 16 keys
        "abcdefgh",
        "ab cd ef gh",
        " ".join(rng.choice(words, size=50)),  # 255-260 positions
        " ".join(rng.choice(words, size=400)),
        long_doc,
        long_doc.upper(),
    ]
    params = {"analyzer": analyzer, "ngram_range": (2, 4), "dtype": dtype, "norm": None}
    compare_with_sklearn(params, _docs(docs))
    compare_with_sklearn(dict(params, n_features=64, norm=None), _docs(docs), n_jobs=(1,))


def test_float32_sums_near_2_24_are_exact():
    """float32 sums of a column's +-1 entries are exact up to 2**24: a column repeated
    50,000 times in one row sums to 50000.0 in the table as in scipy."""
    doc = "ab " * 50000  # " a", "ab", "b ", " ab", "ab ", " ab ": ~50000 each (> 2**16 keys)
    for d in (doc, doc[: 3 * 5000]):
        compare_with_sklearn(
            {"analyzer": "char_wb", "ngram_range": (2, 4), "dtype": np.float32, "norm": None},
            _docs([d]),
            n_jobs=(1,),
        )


# --- char_wb on wide text ----------------------------------------------------------------
# Non-ASCII documents (UCS-1 with Latin-1 letters, UCS-2, UCS-4) with min_n 2 or 3 take
# one pass joining the words and windows hashed with shared MurmurHash3 blocks (AVX2 for a
# power-of-two n_features and max_n <= 8, scalar otherwise; the baseline path is scalar,
# the reference path the general one). Characters of 1 to 4 UTF-8 bytes, so that n-grams of
# 2 to 12 code points end at every offset of a 4-byte block.
WIDE_ALPHABET = ["a", "Q", "é", "Ñ", "ж", "Ω", "ع", "ह", "日", "ア", "한", "😀", "𝔘", "𐐀", "_", "1"]
WIDE_SPACES = [" ", "  ", "\t", "\u00a0", "\u0085", "\u3000", "\u2028", " \u00a0\u2003 ", "\x1c"]


def _wide_docs(seed):
    rng = np.random.default_rng(seed)
    docs = [
        "ΣΑΣ ΟΔΟΣ Σ aΣ ΣΑΣ. ΌΣΟΣ'Σ",  # final sigma by context
        "İstanbul İİ \u0130x xİ",  # U+0130 lowers to two code points
        "\u212a\u00c5 \u2126",  # Kelvin sign (lowers to ASCII k), Angstrom, Ohm
        "Ünïcödé Latin-1 only: ÀÉÎÕÜ àéîõü ÿ \u00a0 \u0085 end",  # UCS-1, not ASCII
        "\u00e9",
        "\u00a0\u3000",  # only whitespace
        "\u3000日本語\u3000",
        "😀",
        "a😀 😀😀 😀😀😀 x😀y",
        "\x00é\x00 \x00",
    ]
    for length in range(1, 14):  # one word of each length, in each byte width
        for ch in ("é", "ж", "日", "😀"):
            docs.append("".join(rng.choice(WIDE_ALPHABET, size=length - 1)) + ch)
    for _ in range(40):
        words = ["".join(rng.choice(WIDE_ALPHABET, size=rng.integers(1, 12)))
                 for _ in range(rng.integers(1, 30))]
        seps = rng.choice(WIDE_SPACES, size=len(words) + 1)
        docs.append("".join(s + w for s, w in zip(seps[:-1], words, strict=True)) + seps[-1])
    # beyond FH_POLL_ITEMS (2**16) code points and start positions: the cancellation polls
    docs.append(" ".join(docs[10:60]) * 40)
    return docs


WIDE_WB_RANGES = [(2, 2), (2, 3), (2, 4), (2, 5), (2, 8), (3, 3), (3, 4), (3, 5), (3, 8),
                  (2, 9), (3, 12), (1, 3), (4, 6), (2, 64), (3, 65), (2, 10**20)]


@pytest.mark.parametrize("ngram_range", WIDE_WB_RANGES, ids=str)
@pytest.mark.parametrize("paths", ["fastest", "baseline", "reference"])
def test_char_wb_wide_text(monkeypatch, ngram_range, paths):
    import fasthash.feature_extraction.text as fh_text
    from fasthash._lib import _hashing

    monkeypatch.setattr(fh_text, "_KERNEL_PATHS", getattr(_hashing, f"PATHS_{paths.upper()}"))
    docs = _wide_docs(sum(ngram_range))
    for params in [
        {"n_features": 2**20},
        {"n_features": 1000003, "lowercase": False},
        {"n_features": 16, "norm": None, "alternate_sign": False},
        {"n_features": 2**18, "strip_accents": "unicode"},  # the general path
    ]:
        params = {"analyzer": "char_wb", "ngram_range": ngram_range, **params}
        compare_with_sklearn(params, _docs(docs))


@pytest.mark.parametrize("ngram_range", [(2, 4), (3, 5), (2, 9)], ids=str)
def test_char_wb_wide_utf8_bytes_input(ngram_range):
    """UTF-8 bytes documents (input='content') are decoded, then take the same paths."""
    docs = [d.encode("utf-8") for d in _wide_docs(3)]
    params = {"analyzer": "char_wb", "ngram_range": ngram_range}
    compare_with_sklearn(params, _docs(docs))


@pytest.mark.parametrize("doc", ["ab\ud800cd é", "é \ud800", "日本\udfff語 x", "\ud83d"])
@pytest.mark.parametrize("ngram_range", [(2, 4), (3, 3), (2, 9)], ids=str)
def test_char_wb_wide_lone_surrogates_raise(doc, ngram_range):
    """A lone surrogate in a wide document raises scikit-learn's UnicodeEncodeError."""
    params = {"analyzer": "char_wb", "ngram_range": ngram_range}
    compare_with_sklearn(params, _docs(["é ok", doc]))
