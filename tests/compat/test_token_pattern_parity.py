# Authors: The fasthash developers
# SPDX-License-Identifier: BSD-3-Clause
r"""Differential tests: natively scanned token patterns against scikit-learn, whole transforms.

Every pattern of the grid (each shape of the subset ``\b? C{m,n} \b?``: classes, escapes,
``.``, bounded and unbounded repeats, empty matches, anchors, the inline flags ``a i m s u
x``) runs through ``transform`` on seeded random documents drawn over every plane (NUL and
other controls, every kind of whitespace, combining marks, special casings, astral
characters), on real English and multilingual text, and on documents holding lone
surrogates (scikit-learn's UnicodeEncodeError must come out the same), with the other
parameters drawn from the seed: lowercase, strip_accents, n-gram ranges, stop words
(including the empty string, which empty matches produce), binary, norm, dtype,
n_features. fasthash runs with ``n_jobs`` 1 and 2, on the fastest and the reference
(general scanner) paths; the CSR bits, or the exception, and the warnings must equal
scikit-learn's.

Reproduce a failure with ``FASTHASH_TESTS_GLOBAL_RANDOM_SEED=<seed>``.
"""

import numpy as np
import pytest
from _helpers import (
    FhHashingVectorizer,
    SkHashingVectorizer,
    assert_same_outcome,
    run,
)

import fasthash.feature_extraction.text as fh_text
from fasthash import python_analysis_reason
from fasthash._corpus import english_documents, multilingual_documents
from fasthash._lib import _hashing

PATTERNS = [
    r"(?u)\b[a-zA-Z]{2,}\b",
    r"[a-zA-Z]{2,}",
    r"\b\w{3,}\b",
    r"[^\W\d_]+",
    r"\d+",
    r"(?i)\b[a-z]{2,}\b",
    r"(?i)[a-z]+",
    r"(?a)\b\w\w+\b",
    r"(?a)\w+",
    r"(?ai)\b[k-s]{2,}",
    r"\w{2,3}",
    r"\b\w{3,5}\b",
    r"\w{3,5}\b",
    r"\w*",
    r"\S?",
    r"\d{0,2}",
    r"\b\S+\b",
    r"\b\S{2,}",
    r"[^\s.]+",
    r"\W+",
    r"\s+",
    r".{1,3}",
    r"(?s).+",
    r"(?m)[-.\w]+\b",
    r"(?x) \b [\w'] {2,} \b  # words with apostrophes",
    r"[\u0300-\u036f]+",
    r"[α-ωά-ώ]{2,}",
    r"\b\w\w\w+",
    r"\x00+",
]

_POOLS = [
    [chr(c) for c in [*range(0x30, 0x3A), *range(0x41, 0x5B), *range(0x61, 0x7B), 0x5F]],
    [chr(c) for c in [0x20, 0x09, 0x0A, 0x0B, 0x0C, 0x0D, 0x1C, 0x1D, 0x1E, 0x1F]],
    [chr(c) for c in [*range(0x00, 0x09), *range(0x0E, 0x1C), *range(0x21, 0x30), 0x7F, 0]],
    [chr(c) for c in range(0x80, 0x100)],
    [chr(c) for c in [0x85, 0xA0, 0x1680, *range(0x2000, 0x200B), 0x2028, 0x2029, 0x3000]],
    [chr(c) for c in [*range(0x300, 0x370), 0x345, 0x20DD, 0x1D165]],
    [
        "Σ",
        "σ",
        "ς",
        "İ",
        "ı",
        "ß",
        "ẞ",
        "K",
        "ſ",
        "ǅ",
        "ǈ",
        "ﬁ",
        "ﬀ",
        "Ω",
        "Å",
        "ᾈ",
        "Ꭰ",
        "ꭰ",
        "\U00010400",
        "\U00010428",
        "ΐ",
        "\u1e9e",
        "'",
        ".",
        "\u00b7",
        "\u2019",
    ],
    [
        chr(c)
        for c in [
            *range(0x0660, 0x066A),
            *range(0x0966, 0x0970),
            0xB2,
            0xBD,
            0x2167,
            *range(0x1D7CE, 0x1D7D8),
            0x3007,
        ]
    ],
    [
        chr(c)
        for c in [
            *range(0x4E00, 0x4E20),
            *range(0x3040, 0x3060),
            *range(0x0400, 0x0460),
            *range(0x0600, 0x0620),
            *range(0x0900, 0x0930),
            *range(0xAC00, 0xAC10),
        ]
    ],
    [
        chr(c)
        for c in [
            *range(0x1F600, 0x1F610),
            0x1D400,
            0x1D41A,
            0x20000,
            0xE0041,
            0xF0000,
            0x10FFFF,
            0xFEFF,
            0x200B,
            0x200D,
            0xFFFD,
            0xFB01,
            0x2460,
            0x33A1,
        ]
    ],
]
_PLANES = [chr(c) for c in range(0, 0x110000, 97) if not 0xD800 <= c <= 0xDFFF]


def _random_documents(seed, n):
    rng = np.random.default_rng(seed)
    docs = ["", " ", "\x00", "a", "ab cd", "abcdefg abc", "ΑΣ ΣΑΣ' Σ", "İstanbul", "K ſ k"]
    while len(docs) < n:
        pools = [_POOLS[k] for k in rng.choice(len(_POOLS), size=3)] + [_PLANES]
        length = int(rng.choice([1, 2, 5, 9, 20, 40, 70]))
        if len(docs) % 50 == 0:
            length = 600
        pieces = []
        for _ in range(length):
            pool = pools[rng.integers(len(pools))] if rng.integers(3) else _POOLS[0]
            pieces.append(pool[rng.integers(len(pool))])
            if rng.integers(5) == 0:
                pieces.append(" ")
        docs.append("".join(pieces))
    return docs


def _surrogate_documents(seed):
    rng = np.random.default_rng(seed + 7)
    docs = []
    for _ in range(5):
        base = "".join(_POOLS[0][rng.integers(len(_POOLS[0]))] for _ in range(8))
        at = int(rng.integers(len(base) + 1))
        docs.append(base[:at] + chr(int(rng.integers(0xD800, 0xE000))) + " x" + base[at:])
    return docs


@pytest.fixture(scope="module")
def real_text():
    return english_documents(max_bytes=60_000) + multilingual_documents()[:120]


STOP = [None, "english", ["", "ab", "σας", "straße", "x\ud800", "\x00", "k"]]


def _params(pattern, rng):
    pick = lambda values: values[rng.integers(len(values))]  # noqa: E731
    return {
        "token_pattern": pattern,
        "lowercase": bool(rng.integers(3)),
        "strip_accents": pick([None, None, "unicode", "ascii"]),
        "ngram_range": pick([(1, 1), (1, 1), (1, 2), (2, 3), (0, 2), (1, 4)]),
        "stop_words": pick(STOP),
        "binary": bool(rng.integers(4) == 0),
        "norm": pick([None, "l1", "l2", "l2"]),
        "dtype": pick([np.float64, np.float32, np.int64]),
        "n_features": pick([2**20, 2**10, 7, 1]),
        "alternate_sign": bool(rng.integers(4)),
    }


@pytest.mark.parametrize("pattern", PATTERNS)
def test_pattern_matches_sklearn(pattern, global_random_seed, real_text, monkeypatch):
    rng = np.random.default_rng([global_random_seed, len(pattern), ord(pattern[-1])])
    docs = _random_documents(global_random_seed, 150)
    cases = [
        ("random", docs),
        ("real", real_text),
        ("surrogates", _surrogate_documents(global_random_seed)),
    ]
    for round_ in range(2):
        params = _params(pattern, rng) if round_ else {"token_pattern": pattern}
        assert python_analysis_reason(FhHashingVectorizer(**params)) is None, params
        for what, corpus in cases:
            expected = run(lambda c=corpus, p=params: SkHashingVectorizer(**p).transform(c))
            for paths, n_jobs in (
                (_hashing.PATHS_FASTEST, 1),
                (_hashing.PATHS_FASTEST, 2),
                (_hashing.PATHS_REFERENCE, 1),
            ):
                monkeypatch.setattr(fh_text, "_KERNEL_PATHS", paths)
                got = run(
                    lambda c=corpus, j=n_jobs, p=params: FhHashingVectorizer(
                        **p, n_jobs=j
                    ).transform(c)
                )
                try:
                    assert_same_outcome(got, expected)
                except AssertionError as err:
                    raise AssertionError(
                        f"seed {global_random_seed}, {what}, paths={paths}, n_jobs={n_jobs}, "
                        f"params={params!r}: {err}; first differing document: "
                        f"{_first_difference(params, corpus)!r}"
                    ) from err


def _first_difference(params, docs):
    for doc in docs:
        want = run(lambda d=doc: SkHashingVectorizer(**params).transform([d]))
        got = run(lambda d=doc: FhHashingVectorizer(**params, n_jobs=1).transform([d]))
        try:
            assert_same_outcome(got, want)
        except AssertionError:
            return doc
    return None


def test_documents_cover_the_cases():
    docs = _random_documents(0, 150)
    assert any(len(d) > 500 for d in docs)
    assert any(max(map(ord, d), default=0) > 0xFFFF for d in docs)
    assert any(0x80 <= max(map(ord, d), default=0) <= 0xFF for d in docs)
    assert any(d.isascii() and d for d in docs)
    assert sum("\x00" in d for d in docs) > 5 and any("Σ" in d for d in docs)
    assert all(any(0xD800 <= ord(c) < 0xE000 for c in d) for d in _surrogate_documents(0))
