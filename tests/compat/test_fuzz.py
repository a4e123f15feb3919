# Authors: The fasthash developers
# SPDX-License-Identifier: BSD-3-Clause
"""Seeded differential fuzz: random Unicode documents through every native configuration.

Documents are drawn over every plane, with the characters scanners are most likely to get
wrong: NUL and the other C0/C1 controls, every kind of whitespace, combining marks, bidi and
zero-width controls, special casings (final sigma and its case-ignorable neighbours, dotted
capital I, sharp s, ligatures, Cherokee, Georgian, titlecase digraphs, the Kelvin sign that
lowers to ASCII), characters that NFKD expands or turns into spaces, numerals, astral
letters, noncharacters and unassigned code points, and lone surrogates (in documents of
their own: scikit-learn raises UnicodeEncodeError when a feature holds one, and fasthash
must raise the same error).

Every native configuration runs against the installed scikit-learn, bit for bit (or the
same exception and warnings): each built-in token pattern spelling and each shape of the
natively scanned subset of token patterns (under inline flags drawn from u, i, a, m, s,
x), 'char' and 'char_wb',
every strip_accents, lowercase on and off, n-gram ranges from (-2, 2) to (1, 2**40), stop
words, binary, every norm, several dtypes, alternate_sign, power-of-two and other
n_features; each on the core's fastest, baseline-ISA and reference paths (the same output
is required from all). FeatureHasher is fuzzed with the same alphabet.

Reproduce a failure with ``FASTHASH_TESTS_GLOBAL_RANDOM_SEED=<seed>``; hunt with more
documents per seed with ``FASTHASH_FUZZ_DOCS=<n>`` (default 240).
"""

import os
import re

import numpy as np
import pytest
from _helpers import (
    FhHashingVectorizer,
    SkHashingVectorizer,
    assert_same_outcome,
    run,
)
from sklearn.feature_extraction import FeatureHasher as SkFeatureHasher

import fasthash.feature_extraction.text as fh_text
from fasthash import FeatureHasher as FhFeatureHasher
from fasthash import python_analysis_reason
from fasthash._lib import _hashing

N_DOCS = int(os.environ.get("FASTHASH_FUZZ_DOCS", "240"))


def _cps(*ranges):
    out = []
    for r in ranges:
        if isinstance(r, int):
            out.append(r)
        else:
            out.extend(range(r[0], r[1] + 1))
    return out


# Pools of code points, each a thing some scanner path treats specially.
ASCII_WORD = _cps((0x30, 0x39), (0x41, 0x5A), (0x61, 0x7A), 0x5F)
ASCII_SPACE = _cps(0x20, (0x09, 0x0D), (0x1C, 0x1F))
ASCII_OTHER = _cps((0x00, 0x08), (0x0E, 0x1B), (0x21, 0x2F), (0x3A, 0x40), (0x5B, 0x5E), 0x60,
                   (0x7B, 0x7F), 0x00, 0x00, 0x00)  # NUL thrice as likely
LATIN1 = _cps((0x80, 0xFF))  # C1 controls (U+0085 is whitespace), NBSP, letters, ´ ¨ ¯
UNICODE_SPACE = _cps(0x85, 0xA0, 0x1680, (0x2000, 0x200A), 0x2028, 0x2029, 0x202F, 0x205F,
                     0x3000, 0x180E)
COMBINING = _cps((0x300, 0x36F), 0x345, (0x483, 0x489), (0x591, 0x5BD), (0x1AB0, 0x1ABE),
                 (0x20D0, 0x20F0), (0xFE20, 0xFE2F), (0x1D165, 0x1D169), 0x1D16D)
BIDI = _cps(0x200E, 0x200F, 0x061C, (0x202A, 0x202E), (0x2066, 0x2069), (0x200B, 0x200D),
            0x2060, 0xFEFF, 0x00AD, 0x180E)
CASING = _cps(0x3A3, 0x3A3, 0x3C3, 0x3C2, 0x391, 0x3B1, 0x130, 0x49, 0x131, 0xDF, 0x1E9E,
              0x212A, 0x212B, 0x2126, (0x1C4, 0x1CC), (0x1F1, 0x1F3), (0x1F80, 0x1FAF),
              0x1FBC, 0x1FCC, 0x1FFC, (0xFB00, 0xFB06), (0xFB13, 0xFB17), (0x13A0, 0x13F5),
              (0x13F8, 0x13FD), (0xAB70, 0xABBF), (0x10A0, 0x10C5), (0x1C90, 0x1CBF),
              (0x2C00, 0x2C2F), (0x10400, 0x1044F), (0x104B0, 0x104D3), (0x10570, 0x1057A),
              (0x10C80, 0x10CB2), (0x118A0, 0x118BF), (0x16E40, 0x16E5F), (0x1E900, 0x1E921),
              0x27, 0x2E, 0xB7, 0x387, 0x2019, 0x5F4, 0x3A, 0x345, 0x1E9B, 0x390, 0x3B0)
NFKD = _cps(0xFB01, 0x338F, 0xFDFA, 0xFB2C, (0xAC00, 0xAC40), 0xD7A3, (0xFF01, 0xFF5E),
            (0xFF61, 0xFF9F), (0x2460, 0x2473), (0x2474, 0x2487), (0x1D400, 0x1D433), 0x133,
            (0x2070, 0x209C), (0x2150, 0x2189), (0x3380, 0x33FF), 0xB4, 0xA8, 0xAF, 0xB8,
            0x2DC, 0x1FBD, 0x1FED, 0x1FEE, 0x1FEF, 0x1FFD, 0x1FFE, 0x309B, 0x309C, 0xFE49,
            (0x1F100, 0x1F10A), 0x1F12F, (0x2F800, 0x2F810))
NUMERIC = _cps((0x660, 0x669), (0x6F0, 0x6F9), (0x966, 0x96F), (0x9E6, 0x9EF), (0x1D7D8, 0x1D7E1),
               (0x2160, 0x216F), 0xBD, 0xB2, 0xB3, 0xB9, 0x3007, (0x1E950, 0x1E959))
ASTRAL = _cps((0x1F600, 0x1F64F), (0x1F3FB, 0x1F3FF), (0x1F1E6, 0x1F1FF), 0xE0001,
              (0xE0020, 0xE007F), 0xF0000, 0x10FFFD, 0x10FFFF, (0x20000, 0x2000F), 0x1F9D1,
              0x1FAF8, 0x2FA1D)
BMP_OTHER = _cps((0x4E00, 0x4E3F), (0x3040, 0x309F), (0x600, 0x6FF), (0x900, 0x97F),
                 (0xE00, 0xE5B), 0xFFFD, 0xFFFE, 0xFFFF, 0xE000, 0xF8FF, 0x378, 0x870, 0xFDD0)
SURROGATE = _cps((0xD800, 0xDFFF))

WIDE_POOLS = [UNICODE_SPACE, COMBINING, BIDI, CASING, NFKD, NUMERIC, BMP_OTHER]
# Scikit-learn's interesting substrings, inserted whole.
SNIPPETS = ["a\x00b", "\x00", "ΑΣ", "ΑΣ'", "ΑΣ\u0345", "ΣΑΣ Σ", "σς", "İstanbul", "Straße",
            "ﬁnance", "K", "café", "cafe\u0301", "ǅemal", "\u00b4a", "a\u00a0b", "x\u3000y",
            "\x1c\x1d", "\u0085", "ᏸᏹ", "Ა", "\U00010400\U00010428", "\u200b", "\x00 \x00",
            "  ", "\t\n", "\u2028\u2029", "aa aa aa", "t0 t14", "aivlts3m acdia99h"]


def _random_char(rng, pools):
    pool = pools[rng.integers(len(pools))]
    return chr(pool[rng.integers(len(pool))])


def _random_document(rng, profile, length):
    """A document of about ``length`` code points: runs of one pool, separators, words of
    a small per-document vocabulary (so that n-grams repeat) and snippets."""
    if profile == "ascii":
        pools = [ASCII_WORD, ASCII_WORD, ASCII_OTHER]
        forced = None
    elif profile == "latin1":
        pools = [ASCII_WORD, ASCII_OTHER, LATIN1]
        forced = LATIN1
    elif profile == "bmp":
        pools = [ASCII_WORD, ASCII_OTHER, LATIN1, *WIDE_POOLS]
        forced = CASING
    elif profile == "astral":
        pools = [ASCII_WORD, ASCII_OTHER, *WIDE_POOLS, ASTRAL]
        forced = ASTRAL
    elif profile == "planes":  # uniform over every code point but the surrogates
        pools = [_ALL_PLANES, ASCII_WORD]
        forced = None
    else:  # "surrogate"
        pools = [ASCII_WORD, ASCII_OTHER, LATIN1, CASING, SURROGATE]
        forced = SURROGATE
    vocab = [
        "".join(_random_char(rng, pools) for _ in range(rng.integers(1, 6)))
        for _ in range(rng.integers(1, 5))
    ]
    parts = []
    size = 0
    while size < length:
        kind = rng.integers(10)
        if kind < 3:
            piece = "".join(_random_char(rng, pools) for _ in range(rng.integers(1, 9)))
        elif kind < 6:
            piece = vocab[rng.integers(len(vocab))]
        elif kind < 8:
            space = ASCII_SPACE if profile in ("ascii", "latin1") or rng.integers(2) else (
                UNICODE_SPACE)
            piece = "".join(chr(space[rng.integers(len(space))])
                            for _ in range(rng.choice([1, 1, 1, 2, 3])))
        elif kind < 9 and profile != "ascii":
            piece = SNIPPETS[rng.integers(len(SNIPPETS))]
        else:
            piece = "\x00" if rng.integers(3) == 0 else " "
        parts.append(piece)
        size += len(piece)
    doc = "".join(parts)
    if profile == "ascii":
        doc = "".join(c if ord(c) < 0x80 else "\x00" for c in doc)  # snippets above
    elif profile == "latin1":
        doc = "".join(c if ord(c) < 0x100 else "\xdf" for c in doc)
    if forced is not None and not any(ord(c) in _FORCED_SETS[id(forced)] for c in doc):
        at = int(rng.integers(len(doc) + 1))
        doc = doc[:at] + chr(forced[rng.integers(len(forced))]) + doc[at:]
    return doc


_ALL_PLANES = [c for c in range(0, 0x110000, 7) if not 0xD800 <= c <= 0xDFFF]
_FORCED_SETS = {id(p): set(p) for p in (LATIN1, CASING, ASTRAL, SURROGATE)}


def random_corpus(seed, n_docs):
    """(documents without lone surrogates, documents with one or more)."""
    rng = np.random.default_rng(seed)
    profiles = ["ascii", "ascii", "latin1", "bmp", "bmp", "astral", "planes"]
    docs = []
    for i in range(n_docs):
        length = int(rng.choice([0, 1, 2, 3, 5, 8, 13, 16, 17, 30, 33, 64, 65, 80]))
        if i % 40 == 7:
            length = int(rng.integers(200, 700))  # radix sort, aggregation, long words
        docs.append(_random_document(rng, profiles[i % len(profiles)], length))
    surrogate_docs = [
        _random_document(rng, "surrogate", int(rng.integers(1, 20))) for _ in range(6)
    ]
    return docs, surrogate_docs


def test_corpus_covers_every_profile():
    """The generator yields what the fuzz relies on (so a change cannot hollow it out)."""
    docs, sur = random_corpus(0, 240)
    kinds = {max((ord(c) for c in d), default=0).bit_length() for d in docs}
    assert {c <= 7 for c in kinds} == {True, False}
    assert any(max(map(ord, d), default=0) > 0xFFFF for d in docs)  # UCS4
    assert any(0x80 <= max(map(ord, d), default=0) <= 0xFF for d in docs)  # UCS1, not ASCII
    assert sum("\x00" in d for d in docs if not d.isascii()) > 20
    assert sum("\x00" in d for d in docs if d.isascii()) > 20
    assert any("Σ" in d for d in docs) and any(len(d) > 200 for d in docs)
    assert all(any(0xD800 <= ord(c) <= 0xDFFF for c in d) for d in sur)
    assert not any(0xD800 <= ord(c) <= 0xDFFF for d in docs for c in d)


# --- configurations ---------------------------------------------------------------------

# Token patterns: the built-in scanners' spellings, then every shape of the natively scanned
# subset (\b? C{m,n} \b? after inline flags): runs of a class inside \w, outside it or
# across it, with and without anchors; bounded repeats; empty matches; anchors that fall
# inside runs; literal, escaped and non-ASCII atoms (tests/unit/test_token_patterns.py
# checks each shape against re.findall on every code point).
TOKEN_BODIES = [
    r"\b\w\w+\b", r"\w\w+", r"\b\w\w+", r"\w\w+\b", r"\b\w+\b", r"\w+", r"\b\w+", r"\w+\b",
    r"\S+", r"[^\s]+",
    # the runs scanner: maximal runs, kept by the anchors at their two ends
    r"\b[a-zA-Z]{2,}\b", r"[a-zA-Z]{2,}", r"\b\w{3,}\b", r"[^\W\d_]+", r"\d+", r"\b[a-z]{2,}",
    r"[\w']+", r"\W+", r"\s+", r"\x00+", r"[^\s.]+", r".+", r"[\u0300-\u036f]+",
    r"[α-ωά-ώ]{2,}\b", r"[\x00-\x1f\x7f-\x9f]+",
    # the general scanner: bounded repeats, empty matches, anchors inside runs
    r"\w{2,3}", r"\b\w{3,5}\b", r"\w{3,5}\b", r"\S{1,4}", r"\w*", r"\S?", r"\d{0,2}",
    r"[a-z]*\b", r"\b\S+\b", r"\b\S{2,}", r"[-.\w]+\b", r"\b[\w']{2,}\b", r"\b\w{,2}",
]
FLAG_PREFIXES = ["", "(?u)", "(?i)", "(?u)(?m)", "(?x)", "(?usx)", "(?a)", "(?ai)", "(?is)"]
WORD_RANGES = [(1, 1), (1, 2), (2, 2), (1, 3), (2, 4), (0, 2), (-2, 2), (3, 3), (1, 9),
               (5, 40), (2, 2**40)]
CHAR_RANGES = [(1, 1), (1, 2), (1, 3), (2, 3), (2, 4), (2, 5), (3, 5), (1, 5), (3, 8), (1, 8),
               (2, 9), (4, 12), (0, 2), (-2, 3), (6, 6), (9, 20), (3, 2**40)]
WB_RANGES = [(1, 1), (1, 3), (2, 3), (2, 4), (2, 5), (3, 4), (3, 5), (2, 8), (3, 9), (4, 12),
             (0, 3), (-2, 2), (7, 7), (1, 2**40)]
STOP_LISTS = [None, None, "english", ["a\x00b", "σας", "ﬁ", "straße", "the", "aa", "x\ud800",
                                      "Σ", "t0", "\x00"]]
DTYPES = [np.float64, np.float64, np.float32, np.int64, np.int32, np.bool_, np.complex128]
N_FEATURES = [2**20, 2**20, 2**10, 16, 1, 2, 7, 1000, 12345, 2**31 - 1]


def _configs(seed):
    """Every analyzer x token pattern spelling x strip_accents x lowercase, the other
    parameters drawn with ``seed``."""
    rng = np.random.default_rng(seed + 1)
    pick = lambda values: values[rng.integers(len(values))]  # noqa: E731
    configs = []
    for analyzer in ("word", "char", "char_wb"):
        patterns = TOKEN_BODIES if analyzer == "word" else [None, None]
        for body in patterns:
            for strip in (None, "unicode", "ascii"):
                for lowercase in (True, False):
                    params = {"analyzer": analyzer, "strip_accents": strip,
                              "lowercase": lowercase}
                    if analyzer == "word":
                        params["token_pattern"] = pick(FLAG_PREFIXES) + body
                        params["ngram_range"] = pick(WORD_RANGES)
                        params["stop_words"] = pick(STOP_LISTS)
                    else:
                        params["ngram_range"] = pick(
                            CHAR_RANGES if analyzer == "char" else WB_RANGES)
                    params["binary"] = bool(rng.integers(4) == 0)
                    params["norm"] = pick([None, "l1", "l2", "l2"])
                    params["dtype"] = pick(DTYPES)
                    params["alternate_sign"] = bool(rng.integers(4) != 0)
                    params["n_features"] = pick(N_FEATURES)
                    configs.append(params)
    return configs


PATHS = {
    "fastest": _hashing.PATHS_FASTEST,
    "baseline": _hashing.PATHS_BASELINE,
    "reference": _hashing.PATHS_REFERENCE,
}


def _short(params):
    return {k: v for k, v in params.items() if k != "stop_words"} | {
        "stop_words": params.get("stop_words") if params.get("stop_words") in (None, "english")
        else "custom"
    }


def test_every_native_configuration(monkeypatch, global_random_seed):
    docs, surrogate_docs = random_corpus(global_random_seed, N_DOCS)
    configs = _configs(global_random_seed)
    assert len(configs) == 3 * 2 * (len(TOKEN_BODIES) + 4)
    for index, params in enumerate(configs):
        assert python_analysis_reason(FhHashingVectorizer(**params)) is None, params
        cases = [("corpus", docs), ("surrogates", surrogate_docs)]
        cases += [(f"surrogate doc {k}", [d]) for k, d in enumerate(surrogate_docs)]
        for what, corpus in cases:
            expected = run(lambda c=corpus: SkHashingVectorizer(**params).transform(c))
            for path_name, path in PATHS.items():
                monkeypatch.setattr(fh_text, "_KERNEL_PATHS", path)
                n_jobs = 1 + (index + len(what) + path) % 2
                got = run(
                    lambda c=corpus, j=n_jobs: FhHashingVectorizer(**params, n_jobs=j).transform(c)
                )
                try:
                    assert_same_outcome(got, expected)
                except AssertionError as err:
                    raise AssertionError(
                        f"seed {global_random_seed}, {what}, {path_name} path, n_jobs={n_jobs}, "
                        f"params={_short(params)!r}: {err}; first differing document: "
                        f"{_first_difference(params, corpus)!r}"
                    ) from err


def _first_difference(params, docs):
    """For a failure report: the first document whose row differs (or None)."""
    for doc in docs:
        want = run(lambda: SkHashingVectorizer(**params).transform([doc]))
        got = run(lambda: FhHashingVectorizer(**params, n_jobs=1).transform([doc]))
        try:
            assert_same_outcome(got, want)
        except AssertionError:
            return doc
    return None


def test_grouped_ascii_documents(monkeypatch, global_random_seed):
    """The kernel tokenizes runs of short ASCII documents together (the built-in token
    spellings, unigrams, no stop words; ``analyse_group`` in csrc/fh_hashing.c): ASCII
    documents (NUL, the other controls and DEL among their characters) of every length
    around the group bounds (1024 code units a document, 16384 a group), every ninth one
    of another profile (which ends a group), and the same corpus with a lone surrogate
    inside (the same error, for the same document)."""
    rng = np.random.default_rng(global_random_seed + 2)
    pick = lambda values: values[rng.integers(len(values))]  # noqa: E731
    lengths = [0, 1, 2, 3, 5, 8, 13, 30, 64, 65, 200, 1023, 1024, 1025]
    profiles = ["latin1", "bmp", "astral", "planes"]
    docs = []
    for i in range(N_DOCS):
        length = int(rng.choice(lengths))
        profile = "ascii" if i % 9 else profiles[(i // 9) % len(profiles)]
        docs.append(_random_document(rng, profile, length)[:length])
    assert sum(d.isascii() and "\x00" in d for d in docs) > 20
    surrogate = _random_document(rng, "surrogate", 10)
    corpora = [("corpus", docs), ("with a surrogate", docs[:60] + [surrogate] + docs[60:80])]
    for index, body in enumerate(TOKEN_BODIES[:10]):  # the built-in scanners' spellings
        for strip in (None, "unicode", "ascii"):
            for lowercase in (True, False):
                params = {"token_pattern": pick(["", "(?u)"]) + body, "strip_accents": strip,
                          "lowercase": lowercase, "binary": bool(rng.integers(4) == 0),
                          "norm": pick([None, "l1", "l2"]), "dtype": pick(DTYPES[:4]),
                          "alternate_sign": bool(rng.integers(4) != 0),
                          "n_features": pick(N_FEATURES)}
                for what, corpus in corpora:
                    expected = run(lambda c=corpus, p=params: SkHashingVectorizer(
                        **p).transform(c))
                    for path_name, path in PATHS.items():
                        monkeypatch.setattr(fh_text, "_KERNEL_PATHS", path)
                        n_jobs = 1 + (index + path + lowercase) % 2
                        got = run(lambda c=corpus, p=params, j=n_jobs: FhHashingVectorizer(
                            **p, n_jobs=j).transform(c))
                        try:
                            assert_same_outcome(got, expected)
                        except AssertionError as err:
                            raise AssertionError(
                                f"seed {global_random_seed}, {what}, {path_name} path, "
                                f"n_jobs={n_jobs}, params={params!r}: {err}"
                            ) from err


def test_nul_inside_wide_text_is_a_token_character():
    """U+0000 is \\S, not a separator, in every kind of text (it was one outside ASCII)."""
    docs = ["café a\x00b", "a\x00b", "\x00", "ΑΣ\x00ΣΑ \x00x", "\U0001f600\x00\x00 \x00b",
            "x\x00\u0301y", "\x00\x00 ab\x00"]
    for pattern in (r"\S+", r"[^\s]+", r"(?u)\b\w+\b", r"(?u)\b\w\w+\b"):
        for params in ({}, {"lowercase": False}, {"ngram_range": (1, 3)},
                       {"stop_words": ["a\x00b", "x"]}, {"strip_accents": "unicode"}):
            want = SkHashingVectorizer(token_pattern=pattern, **params).transform(docs)
            got = FhHashingVectorizer(token_pattern=pattern, **params).transform(docs)
            assert_same_outcome(run(lambda g=got: g), run(lambda w=want: w))
    # the reproducer: 'café' and 'a\x00b', two tokens
    assert FhHashingVectorizer(token_pattern=r"\S+").transform(["café a\x00b"]).nnz == 2


# --- FeatureHasher ------------------------------------------------------------------------


def _random_names(rng, n, surrogates):
    profiles = ["ascii", "latin1", "bmp", "astral", "planes"] + (["surrogate"] if surrogates
                                                                 else [])
    return [_random_document(rng, profiles[rng.integers(len(profiles))],
                             int(rng.integers(0, 12))) for _ in range(n)]


def _random_samples(rng, input_type, n_samples, surrogates=False):
    samples = []
    for _ in range(n_samples):
        names = _random_names(rng, int(rng.integers(0, 30)), surrogates)
        if names and rng.integers(3) == 0:
            names += names[: int(rng.integers(1, len(names) + 1))]  # duplicates: merged
        if input_type == "string":
            samples.append(names)
            continue
        values = rng.choice([1.0, -1.0, 0.5, 3.0, 0.0, 1e300, -2.5, np.nan, np.inf, 7],
                            size=len(names))
        pairs = [(f, int(v) if v == 7 else float(v)) for f, v in zip(names, values,
                                                                       strict=True)]
        if input_type == "pair":
            samples.append(pairs)
        else:
            samples.append(dict(pairs))
    return samples


@pytest.mark.parametrize("input_type", ["dict", "pair", "string"])
def test_feature_hasher(input_type, global_random_seed):
    rng = np.random.default_rng([global_random_seed, len(input_type)])
    samples = _random_samples(rng, input_type, 300)
    bad = _random_samples(rng, input_type, 5, surrogates=True)
    for k in range(12):
        params = {
            "input_type": input_type,
            "n_features": N_FEATURES[k % len(N_FEATURES)],
            "dtype": [np.float64, np.float32, np.int64, np.float64][k % 4],
            "alternate_sign": k % 3 != 2,
        }
        for what, data in [("samples", samples), ("surrogates", bad)]:
            expected = run(lambda d=data: SkFeatureHasher(**params).transform(d))
            for n_jobs in (1, 2):
                got = run(lambda d=data, j=n_jobs: FhFeatureHasher(**params, n_jobs=j)
                          .transform(d))
                try:
                    assert_same_outcome(got, expected)
                except AssertionError as err:
                    raise AssertionError(
                        f"seed {global_random_seed}, {what}, n_jobs={n_jobs}, {params}: {err}"
                    ) from err


def test_fuzz_can_fail():
    """The comparison would catch a single differing token (a guard on the harness)."""
    docs, _ = random_corpus(3, 40)
    expected = run(lambda: SkHashingVectorizer().transform(docs))
    wrong = run(lambda: SkHashingVectorizer().transform(docs[:-1] + [docs[-1] + " zz"]))
    with pytest.raises(AssertionError):
        assert_same_outcome(wrong, expected)
    assert re.search(r"\w\w", docs[-1] + " zz")
