# Authors: The fasthash developers
# SPDX-License-Identifier: BSD-3-Clause
"""Differential tests: fasthash.HashingVectorizer against scikit-learn over its parameters.

Every constructor argument is varied. The grid is not a cartesian product: it is the union
of a one-factor-at-a-time list (every value of every parameter, the others at their
defaults) and ~300 configurations drawn with a fixed seed. Each case runs scikit-learn once
and fasthash with ``n_jobs=1`` and ``n_jobs=2`` (and ``3`` for every fifth case) on fresh
inputs, and compares the CSR bits, or the exception (type and message), and the warnings.
"""

import io
import random
import re

import numpy as np
import pytest
from _helpers import (
    TRICKY_DOCUMENTS,
    FhHashingVectorizer,
    SkHashingVectorizer,
    assert_csr_identical,
    compare_with_sklearn,
    run,
    stable_repr,
)

from fasthash import python_analysis_reason

DEFAULT_TOKEN_PATTERN = r"(?u)\b\w\w+\b"


# Callables are module-level functions so that the ids are stable and readable.
def upper_accents(s):
    return s.upper()


def preprocess_zero(s):
    return s.lower().replace("o", "0")


def preprocess_identity(s):
    return s


def tokenize_split(s):
    return s.split()


_WORD_CHAR = re.compile(r"\w")


def tokenize_chars(s):
    return _WORD_CHAR.findall(s)


def analyze_split(doc):
    return doc.split()


def analyze_bytes_bigrams(doc):
    """Features given as bytes (hashed verbatim) and as a generator."""
    words = doc.split()
    return (" ".join(pair).encode("utf-8") for pair in zip(words, words[1:], strict=False))


def analyze_with_empty(doc):
    return [doc[:3], "", doc[-2:]]


STOP_CONSISTENT = ["the", "and", "fox", "σας", "don", "ΣΑΣ", "quick"]
STOP_INCONSISTENT = ["the", "e-mail", "fox", "naïve café", "x"]

ENCODABLE = {}  # encoding -> documents of TRICKY_DOCUMENTS it can encode
BAD_BYTES = {
    # Undecodable in strict mode, decoded differently by 'ignore' and 'replace'.
    "utf-8": b"caf\xe9 ok \xff\xfe tail",
    "utf-8-sig": b"\xef\xbb\xbfcaf\xe9 ok \xc3",
    "utf-16": b"\xff\xfea\x00b\x00 \x00\x00\xd8c\x00 \x00d",  # lone surrogate + truncated
    "latin-1": b"caf\xe9 ok \xff",  # latin-1 decodes anything: no error
    "cp1252": b"caf\xe9 \x81 \x8d ok",  # 0x81, 0x8d are undefined in cp1252
    "ascii": b"caf\xe9 ok",
}

VALUES = {
    "input_mode": [
        "content-str",
        "content-bytes",
        "file-bytes",
        "file-str",
        "filename-str",
        "filename-bytes",
    ],
    "encoding": ["utf-8", "latin-1", "utf-16", "utf-8-sig", "cp1252", "ascii"],
    "decode_error": ["strict", "ignore", "replace"],
    "bad_bytes": [False, True],
    "strip_accents": [None, "ascii", "unicode", upper_accents],
    "lowercase": [True, False],
    "preprocessor": [None, preprocess_zero, preprocess_identity],
    "tokenizer": [None, tokenize_split, tokenize_chars],
    "stop_words": [None, "english", STOP_CONSISTENT, STOP_INCONSISTENT],
    "token_pattern": [
        DEFAULT_TOKEN_PATTERN,
        r"(?u)\b\w+\b",
        r"\S+",
        r"(\w)\w*",
        r"\w*",
        r"(?a)\b\w\w+\b",
        r"(?u)\b[a-zA-Z]{2,}\b",
        r"(?i)\b[a-z]{2,3}\b",
        r"\d?",
        None,
    ],
    "ngram_range": [(1, 1), (1, 2), (2, 3), (1, 3), (0, 2), (2, 2)],
    "analyzer": [
        "word",
        "char",
        "char_wb",
        analyze_split,
        analyze_bytes_bigrams,
        analyze_with_empty,
    ],
    "n_features": [1, 16, 1000003, 2**20, 2**31 - 2],
    "binary": [False, True],
    "norm": [None, "l1", "l2"],
    "alternate_sign": [True, False],
    "dtype": [
        np.float64,
        np.float32,
        np.int64,
        np.int32,
        np.int8,
        np.uint8,
        np.bool_,
        np.longdouble,
        np.complex128,
    ],
    "container": ["list", "tuple", "generator", "ndarray"],
    "method": ["transform", "fit_transform"],
}
DEFAULTS = {name: values[0] for name, values in VALUES.items()}
DEFAULTS["norm"] = "l2"


def _name(value):
    if callable(value) and hasattr(value, "__name__"):
        return value.__name__
    if value is STOP_CONSISTENT:
        return "stop_consistent"
    if value is STOP_INCONSISTENT:
        return "stop_inconsistent"
    return repr(value)


def _fix(config):
    """Apply the constraints that keep a configuration meaningful."""
    config = dict(config)
    if config["dtype"] is np.uint8:
        config["alternate_sign"] = False  # else sklearn raises on the first -1 (test_errors)
    if config["dtype"] is np.complex128:
        config["norm"] = None  # else "Complex data not supported" (test_errors)
    if config["token_pattern"] is None and config["tokenizer"] is None:
        config["tokenizer"] = tokenize_split  # else TypeError (test_errors)
    if config["input_mode"] == "content-str" or config["input_mode"] == "file-str":
        config["bad_bytes"] = False
    if config["bad_bytes"] and config["decode_error"] == "strict":
        # A strict decoding error stops everything before any feature: keep it rare.
        # Seeded by the values' names, not their repr (a function's holds its address,
        # which differs from one process to the next: the grid must not).
        config["decode_error"] = random.Random(
            repr(sorted((k, _name(v)) for k, v in config.items()))
        ).choice(["strict", "ignore", "replace", "ignore"])
    if config["container"] == "ndarray" and config["input_mode"].startswith("file-"):
        config["container"] = "list"
    return config


def _one_factor_at_a_time():
    configs = []
    for name, values in VALUES.items():
        for value in values:
            if (
                value is DEFAULTS[name]
                or value == DEFAULTS[name]
                and type(value) is type(DEFAULTS[name])
            ):
                continue
            config = dict(DEFAULTS, **{name: value})
            if name in ("encoding", "decode_error", "bad_bytes"):
                config["input_mode"] = "content-bytes"
                config["bad_bytes"] = True
            configs.append(_fix(config))
    return configs


def _random_configs(n, seed):
    rng = random.Random(seed)
    configs = []
    for _ in range(n):
        config = {name: rng.choice(values) for name, values in VALUES.items()}
        if rng.random() < 0.5:
            # Half the draws stay within what the C core analyses itself (word analyzer,
            # default token pattern, no callables, no accent stripping) and vary the rest.
            config.update(
                analyzer="word",
                token_pattern=DEFAULT_TOKEN_PATTERN,
                preprocessor=None,
                tokenizer=None,
                strip_accents=None,
            )
        else:
            # Favour the defaults of the parameters that otherwise hide the rest of the
            # pipeline (a callable analyzer ignores preprocessing, tokenizer and n-grams).
            if rng.random() < 0.6:
                config["analyzer"] = rng.choice(["word", "char", "char_wb"])
            if rng.random() < 0.5:
                config["preprocessor"] = None
            if rng.random() < 0.5:
                config["tokenizer"] = None
        configs.append(_fix(config))
    return configs


CONFIGS = _one_factor_at_a_time() + _random_configs(300, seed=20240917)


def _config_id(index_config):
    index, config = index_config
    changed = [f"{k}={_name(v)}" for k, v in config.items() if _name(v) != _name(DEFAULTS[k])]
    return f"{index:03d}-" + ",".join(changed)[:180]


def _documents(config):
    mode = config["input_mode"]
    if mode in ("content-str", "file-str"):
        return list(TRICKY_DOCUMENTS)
    encoding = config["encoding"]
    docs = []
    for doc in TRICKY_DOCUMENTS:
        try:
            docs.append(doc.encode(encoding))
        except UnicodeEncodeError:
            continue
    if config["bad_bytes"]:
        docs.insert(len(docs) // 2, BAD_BYTES[encoding])
    return docs


@pytest.fixture(scope="module")
def file_store(tmp_path_factory):
    """Writes documents to files once per distinct corpus; returns their paths."""
    root = tmp_path_factory.mktemp("parity_docs")
    cache = {}

    def paths(docs):
        key = tuple(docs)
        if key not in cache:
            folder = root / f"c{len(cache)}"
            folder.mkdir()
            names = []
            for i, doc in enumerate(docs):
                path = folder / f"doc{i:03d}.txt"
                path.write_bytes(doc)
                names.append(str(path))
            cache[key] = names
        return cache[key]

    return paths


def _make_docs_factory(config, file_store):
    docs = _documents(config)
    mode = config["input_mode"]
    if mode == "file-bytes":
        items = lambda: [io.BytesIO(d) for d in docs]  # noqa: E731
    elif mode == "file-str":
        items = lambda: [io.StringIO(d) for d in docs]  # noqa: E731
    elif mode == "filename-str":
        paths = file_store(docs)
        items = lambda: list(paths)  # noqa: E731
    elif mode == "filename-bytes":
        paths = [p.encode() for p in file_store(docs)]
        items = lambda: list(paths)  # noqa: E731
    else:
        items = lambda: list(docs)  # noqa: E731

    container = config["container"]
    if container == "tuple":
        return lambda: tuple(items())
    if container == "generator":
        return lambda: (d for d in items())
    if container == "ndarray":
        # str documents become np.str_, bytes become np.bytes_ (dtype U / S arrays).
        def as_array():
            values = items()
            if values and isinstance(values[0], bytes):
                # np.bytes_ strips trailing NULs: keep object dtype for exact bytes
                arr = np.empty(len(values), dtype=object)
                arr[:] = [np.bytes_(v) for v in values]
                return arr
            return np.array(values)

        return as_array
    return items


def _params(config):
    mode = config["input_mode"]
    return {
        "input": mode.split("-")[0],
        "encoding": config["encoding"],
        "decode_error": config["decode_error"],
        "strip_accents": config["strip_accents"],
        "lowercase": config["lowercase"],
        "preprocessor": config["preprocessor"],
        "tokenizer": config["tokenizer"],
        "stop_words": config["stop_words"],
        "token_pattern": config["token_pattern"],
        "ngram_range": config["ngram_range"],
        "analyzer": config["analyzer"],
        "n_features": config["n_features"],
        "binary": config["binary"],
        "norm": config["norm"],
        "alternate_sign": config["alternate_sign"],
        "dtype": config["dtype"],
    }


def test_grid_covers_every_value():
    for name, values in VALUES.items():
        seen = {_name(c[name]) for c in CONFIGS}
        assert {_name(v) for v in values} <= seen, name


def test_grid_exercises_the_native_path():
    native = [
        c for c in CONFIGS if python_analysis_reason(FhHashingVectorizer(**_params(c))) is None
    ]
    assert len(native) >= 0.4 * len(CONFIGS)


def test_grid_mostly_succeeds(file_store):
    """Guard against a grid that only compares exceptions: most configurations work."""
    n_ok = 0
    sample = CONFIGS[::7]
    for config in sample:
        outcome = run(
            lambda c=config: getattr(SkHashingVectorizer(**_params(c)), c["method"])(
                _make_docs_factory(c, file_store)()
            )
        )
        n_ok += outcome.ok
    assert n_ok >= 0.8 * len(sample)


@pytest.mark.parametrize("index_config", list(enumerate(CONFIGS)), ids=_config_id)
def test_matches_sklearn(index_config, file_store):
    index, config = index_config
    n_jobs = (1, 2, 3) if index % 5 == 0 else (1, 2)
    compare_with_sklearn(
        _params(config),
        _make_docs_factory(config, file_store),
        n_jobs=n_jobs,
        method=config["method"],
    )


# --- spec edge cases, one by one -------------------------------------------------------

CRAFTED = "aivlts3m akqlrggi alcv86qg acdia99h acqerwwr abxnxwpw aaum2erp"

EDGE_CASES = [
    # (id, params, documents)
    ("collision-explicit-zero", {"n_features": 16, "norm": None}, ["t0 t14", "t0 t14 tt", ""]),
    (
        "collision-binary",
        {"n_features": 16, "binary": True, "norm": None},
        ["t0 t14", "t0 t14 tt", ""],
    ),
    ("collision-binary-l2", {"n_features": 16, "binary": True}, ["t0 t14", "t0 t14 tt", ""]),
    ("collision-l1-zero-row", {"n_features": 16, "norm": "l1"}, ["t0 t14", "t0 t14 t0 t14"]),
    ("binary-loses-sign", {"n_features": 16, "binary": True, "norm": None}, ["t0 t0 t0 zz"]),
    ("min-int32-hash-3", {"n_features": 3, "norm": None}, [CRAFTED]),
    ("min-int32-hash-1000", {"n_features": 1000, "norm": None}, [CRAFTED]),
    ("min-int32-hash-2**20", {"n_features": 2**20, "norm": None}, [CRAFTED]),
    ("min-int32-hash-max", {"n_features": 2**31 - 2, "norm": None}, [CRAFTED]),
    ("min-int32-hash-no-sign", {"n_features": 7, "alternate_sign": False}, [CRAFTED]),
    ("n_features-1", {"n_features": 1, "norm": None}, ["aa bb cc dd", "aa", ""]),
    ("n_features-2**31-1-no-fit", {"n_features": 2**31 - 1, "norm": None}, [CRAFTED]),
    ("n_features-2**31-no-fit", {"n_features": 2**31, "norm": None}, [CRAFTED]),
    ("n_features-2**32+3-no-fit", {"n_features": 2**32 + 3, "norm": None}, [CRAFTED]),
    ("n_features-True", {"n_features": True, "norm": None}, ["aa bb"]),
    ("n_features-np.int64", {"n_features": np.int64(16)}, ["aa bb cc"]),
    ("n_features-np.uint8", {"n_features": np.uint8(200)}, ["aa bb cc"]),
    ("n_features-negative", {"n_features": -5}, ["aa bb"]),
    ("n_features-float", {"n_features": 16.0}, ["aa bb"]),
    (
        "float32-l2-rounding",
        {"dtype": np.float32, "alternate_sign": False},
        ["aa " * 4097 + "bb " * 3 + "cc " * 5001],
    ),
    (
        "float32-l1-rounding",
        {"dtype": np.float32, "norm": "l1"},
        ["aa " * 4097 + "bb " * 3 + "cc " * 5001 + "dd " * 77],
    ),
    ("float64-large-counts", {}, ["aa " * 70001 + "bb " * 3 + "cc " * 123457]),
    ("int8-wrap", {"dtype": np.int8, "norm": None}, ["aa " * 130, "aa " * 256 + "bb"]),
    ("int8-wrap-l2", {"dtype": np.int8}, ["aa " * 130 + "bb"]),
    ("int16-wrap", {"dtype": np.int16, "norm": None, "alternate_sign": False}, ["aa " * 40000]),
    ("uint16", {"dtype": np.uint16, "norm": None, "alternate_sign": False}, ["aa " * 70000]),
    ("uint32", {"dtype": np.uint32, "norm": "l1", "alternate_sign": False}, ["aa bb aa"]),
    ("uint64", {"dtype": np.uint64, "norm": None, "alternate_sign": False}, ["aa bb aa"]),
    ("int16-l2", {"dtype": np.int16}, ["aa bb aa"]),
    ("bool-or", {"dtype": np.bool_, "norm": None}, ["aa aa bb", "t0 t14", ""]),
    ("bool-l2", {"dtype": np.bool_}, ["aa aa bb"]),
    ("bool-collision", {"dtype": np.bool_, "norm": None, "n_features": 16}, ["t0 t14"]),
    ("longdouble-l2", {"dtype": np.longdouble}, ["aa aa bb ccc ccc ccc"]),
    ("longdouble-none", {"dtype": np.longdouble, "norm": None}, ["aa aa bb ccc ccc ccc"]),
    ("complex-none", {"dtype": np.complex128, "norm": None}, ["aa aa bb", "t0 t14"]),
    ("complex64-none", {"dtype": np.complex64, "norm": None}, ["aa aa bb"]),
    ("complex-l2", {"dtype": np.complex128}, ["aa aa bb"]),
    ("float16", {"dtype": np.float16}, ["aa aa bb"]),
    ("dtype-str-name", {"dtype": "float32"}, ["aa aa bb"]),
    ("dtype-None", {"dtype": None}, ["aa aa bb"]),
    ("dtype-python-float", {"dtype": float}, ["aa aa bb"]),
    ("dtype-python-int", {"dtype": int, "norm": None}, ["aa aa bb"]),
    ("dtype-object", {"dtype": object}, ["aa aa bb"]),
    ("dtype-np.dtype", {"dtype": np.dtype("f4")}, ["aa aa bb"]),
    ("dtype-intc-l1", {"dtype": np.intc, "norm": "l1"}, ["aa aa bb"]),
    ("dtype-big-endian-f8", {"dtype": ">f8"}, ["aa aa bb"]),
    ("dtype-big-endian-f4", {"dtype": ">f4", "norm": None}, ["aa aa bb"]),
    ("dtype-big-endian-i4", {"dtype": ">i4", "norm": None}, ["aa aa bb"]),
    ("dtype-big-endian-i8-l2", {"dtype": ">i8"}, ["aa aa bb"]),
    ("dtype-big-endian-c16", {"dtype": ">c16", "norm": None}, ["aa aa bb"]),
    ("dtype-clongdouble", {"dtype": np.clongdouble, "norm": None}, ["aa aa bb"]),
    ("norm-max-no-fit", {"norm": "max"}, ["aa aa bb", ""]),
    ("norm-foo-no-fit", {"norm": "foo"}, ["aa aa bb"]),
    ("norm-empty-no-fit", {"norm": ""}, ["aa aa bb"]),
    ("binary-1-truthy", {"binary": 1, "alternate_sign": 0, "lowercase": 0}, ["Aa aa bb"]),
    ("ngram-list", {"ngram_range": [1, 2]}, ["aa bb cc"]),
    ("ngram-float-max1", {"ngram_range": (1.0, 1.0)}, ["aa bb cc"]),
    ("ngram-float", {"ngram_range": (1.0, 2.0)}, ["aa bb cc"]),
    ("ngram-(0,1)", {"ngram_range": (0, 1)}, ["aa bb cc"]),
    ("ngram-(-3,1)", {"ngram_range": (-3, 1)}, ["aa bb cc"]),
    ("ngram-(-1,2)", {"ngram_range": (-1, 2), "norm": None}, ["aa bb cc", "", "dd"]),
    ("ngram-(0,0)", {"ngram_range": (0, 0), "norm": None}, ["aa bb cc", ""]),
    ("ngram-(0,2)", {"ngram_range": (0, 2), "norm": None}, ["aa bb", "", "x"]),
    ("ngram-(2,2)-short", {"ngram_range": (2, 2)}, ["bb", "aa bb", ""]),
    (
        "ngram-(3,5)-stop",
        {"ngram_range": (3, 5), "stop_words": "english"},
        ["the quick and the brown fox jumps over the lazy dog again and again"],
    ),
    ("ngram-(1,40)", {"ngram_range": (1, 40)}, ["w " * 3 + " ".join(f"w{i}" for i in range(60))]),
    ("ngram-np.int", {"ngram_range": (np.int64(1), np.int32(3))}, ["aa bb cc dd"]),
    ("ngram-huge-max", {"ngram_range": (2, 2**40)}, ["aa bb cc dd"]),
    ("ngram-ndarray", {"ngram_range": np.array([1, 2])}, ["aa bb cc dd"]),
    ("ngram-bool", {"ngram_range": (True, 2)}, ["aa bb cc dd"]),
    ("ngram-np.int-min0", {"ngram_range": (np.int64(0), np.int64(2))}, ["aa bb"]),
    (
        "alternate_sign-empty-str",
        {"alternate_sign": "", "n_features": np.uint64(16)},
        ["aa bb aaum2erp"],
    ),
    ("binary-np.True_", {"binary": np.True_, "lowercase": np.False_}, ["Aa aa bb"]),
    ("char-(0,2)", {"analyzer": "char", "ngram_range": (0, 2), "norm": None}, ["ab", ""]),
    ("char-(3,3)-short", {"analyzer": "char", "ngram_range": (3, 3)}, ["ab", "abc", ""]),
    (
        "char-whitespace",
        {"analyzer": "char", "ngram_range": (1, 2), "norm": None},
        ["a\tb", "a\t\tb", "a\xa0b", "a\xa0\xa0b", "  ab  ", "x\u3000y\x1cz\u200bw"],
    ),
    (
        "char_wb-short-word",
        {"analyzer": "char_wb", "ngram_range": (5, 6), "norm": None},
        ["a bcd", "ab"],
    ),
    ("char_wb-(3,5)", {"analyzer": "char_wb", "ngram_range": (3, 5)}, ["ab", "ab c", ""]),
    ("char_wb-(1,1)", {"analyzer": "char_wb", "norm": None}, ["ab"]),
    (
        "char_wb-(0,2)",
        {"analyzer": "char_wb", "ngram_range": (0, 2), "norm": None},
        ["ab c", "", "  "],
    ),
    (
        "char_wb-exotic-space",
        {"analyzer": "char_wb", "ngram_range": (2, 2)},
        ["x\u3000y\x1cz\u200bw", "a\u0085b\u2028c"],
    ),
    ("input-foo-no-fit", {"input": "foo"}, ["aa bb"]),
    ("decode-surrogateescape-word", {"decode_error": "surrogateescape"}, [b"caf\xe9 ok"]),
    (
        "decode-surrogateescape-char",
        {"decode_error": "surrogateescape", "analyzer": "char"},
        [b"caf\xe9 ok"],
    ),
    ("encoding-unused-with-str", {"encoding": "nope"}, ["aa bb"]),
    ("bom-kept", {"analyzer": "char", "norm": None}, [b"\xef\xbb\xbfab"]),
    (
        "bom-stripped",
        {"analyzer": "char", "norm": None, "encoding": "utf-8-sig"},
        [b"\xef\xbb\xbfab"],
    ),
    ("bytes-with-nul", {"analyzer": "char", "ngram_range": (1, 2)}, [b"a\x00b", "a\x00b\x00"]),
    ("np.bytes_-docs", {}, [np.bytes_(b"aa bb"), np.str_("cc dd")]),
    ("strip_accents-empty", {"strip_accents": ""}, ["café naïve"]),
    ("strip_accents-False", {"strip_accents": False}, ["café naïve"]),
    ("strip_accents-foo-no-fit", {"strip_accents": "foo"}, ["café"]),
    (
        "strip_accents-ascii-greek",
        {"strip_accents": "ascii"},
        ["ΟΔΟΣ Ελληνικά 中文 Łódź straße ø đ œ ﬁ ² ½ Ⅻ ① Ｈｅｌｌｏ ｶ"],
    ),
    (
        "strip_accents-unicode",
        {"strip_accents": "unicode", "lowercase": False},
        ["ΟΔΟΣ Ελληνικά Łódź straße ﬁ ² ½ Ⅻ ① Ｈｅｌｌｏ ｶ İ", "pure ascii text"],
    ),
    ("token_pattern-compiled", {"token_pattern": re.compile(r"\S+")}, ["aa b c"]),
    ("token_pattern-optional-group", {"token_pattern": r"a(b)?", "norm": None}, ["ab a"]),
    ("token_pattern-empty-matches", {"token_pattern": r"\w*", "norm": None}, ["ab cd"]),
    ("token_pattern-ascii-flag", {"token_pattern": r"(?a)\b\w\w+\b"}, ["café naïve"]),
    ("stop_words-tuple-no-fit", {"stop_words": ("aa", "bb")}, ["aa bb cc"]),
    ("stop_words-frozenset", {"stop_words": frozenset({"aa"})}, ["aa bb cc"]),
    ("stop_words-uppercase", {"stop_words": ["AA", "bb"]}, ["AA aa bb BB cc"]),
    (
        "stop_words-lowercase-False",
        {"stop_words": ["AA", "bb"], "lowercase": False},
        ["AA aa bb BB cc"],
    ),
    ("stop_words-non-str", {"stop_words": ["aa", 3, None, b"bb"]}, ["aa bb cc"]),
    ("stop_words-surrogate", {"stop_words": ["aa", "b\ud800b"]}, ["aa b\ud800b cc"]),
    ("stop_words-french", {"stop_words": "french"}, ["aa"]),
    (
        "stop_words-bigram-bridge",
        {"stop_words": "english", "ngram_range": (2, 2)},
        ["the quick and the brown fox"],
    ),
    ("stop_words-empty-list", {"stop_words": []}, ["aa bb"]),
    ("word-surrogate-separator", {}, ["ab\ud800cd", "\udfff", "x\ud83dy zz"]),
    ("word-surrogate-lowercase-False", {"lowercase": False}, ["AB\ud800CD"]),
    ("empty-documents", {}, ["", "", ""]),
    ("whitespace-only", {}, [" \t\n", "\u3000"]),
    ("single-chars", {}, ["a b c d e f"]),
    ("long-token", {}, ["x" * 100000 + " " + "é" * 50000]),
    ("many-docs", {"n_features": 1024}, [f"doc{i} w{i % 7} w{i % 13}" for i in range(5000)]),
    ("str-subclass-lower", {}, [type("S", (str,), {"lower": lambda self: "zz yy"})("AA BB")]),
    ("str-subclass-plain", {}, [type("T", (str,), {})("AA BB")]),
]


@pytest.mark.parametrize("params, docs", [pytest.param(p, d, id=i) for i, p, d in EDGE_CASES])
def test_spec_edge_case(params, docs):
    compare_with_sklearn(params, lambda: list(docs), n_jobs=(1, 2))


@pytest.mark.parametrize("n_jobs", [1, 2])
def test_spec_examples(n_jobs):
    """The literal outputs quoted in the spec (not just equality with sklearn)."""
    X = FhHashingVectorizer(n_jobs=n_jobs).transform(["The quick brown fox", "", "fox fox FOX"])
    assert X.indptr.tolist() == [0, 4, 4, 5]
    assert X.indices.tolist() == [237056, 286878, 587725, 768919, 768919]
    assert X.data.tolist() == [0.5, -0.5, 0.5, -0.5, -1.0]
    X = FhHashingVectorizer(n_features=16, norm=None, n_jobs=n_jobs).transform(
        ["t0 t14", "t0 t14 tt", ""]
    )
    assert X.indptr.tolist() == [0, 1, 3, 3]
    assert X.indices.tolist() == [1, 1, 10]
    assert X.data.tolist() == [0.0, 0.0, -1.0]
    assert X.nnz == 3
    for n, col in [(3, 2), (1000, 648), (2**20, 0)]:
        X = FhHashingVectorizer(n_features=n, norm=None, n_jobs=n_jobs).transform(["aivlts3m"])
        assert X.indices.tolist() == [col] and X.data.tolist() == [-1.0]
    X = FhHashingVectorizer(dtype=np.float32, alternate_sign=False, n_jobs=n_jobs).transform(
        ["aa " * 4097 + "bb " * 3 + "cc " * 5001]
    )
    assert X.data.view(np.uint32).tolist() == [1059208161, 1061554139, 972245660]
    X = FhHashingVectorizer(dtype=np.int8, norm=None, n_jobs=n_jobs).transform(["aa " * 130])
    assert X.data.tolist() == [-126]


def _random_documents(seed, n_docs):
    """Documents of random length over ASCII-heavy alphabets (vectorised scanner edges)."""
    rng = np.random.default_rng(seed)
    alphabets = [
        list("abcdefghij ABCDEFGHIJ 0123456789 _"),
        list("ab AB __ .,'-\t\n\x00"),
        list("abcXYZ ") + list("éÉßİΣσςΟΔ中文😀\u0301\u00a0\u3000\u200b٣½"),
        [chr(c) for c in range(0x20, 0x250)],
    ]
    docs = []
    for _ in range(n_docs):
        alphabet = alphabets[rng.integers(len(alphabets))]
        length = int(rng.choice([0, 1, 2, 15, 16, 17, 31, 32, 33, 63, 64, 65, 200]))
        length += int(rng.integers(0, 3))
        docs.append("".join(rng.choice(alphabet, size=length)))
    return docs


@pytest.mark.parametrize(
    "params",
    [
        {},
        {"lowercase": False},
        {"ngram_range": (1, 3), "stop_words": "english"},
        {"ngram_range": (2, 2), "lowercase": False, "dtype": np.float32, "norm": "l1"},
    ],
    ids=stable_repr,
)
def test_random_documents(params, global_random_seed):
    docs = _random_documents(global_random_seed, 3000)
    compare_with_sklearn(params, lambda: docs, n_jobs=(1, 2))
    encoded = [d.encode("utf-8") for d in docs]
    compare_with_sklearn(params, lambda: encoded, n_jobs=(2,))


def test_one_document_larger_than_a_batch():
    """A single document with more features than an internal batch holds."""
    docs = ["x", "aa bb " * 700_000, "", "cc"]
    compare_with_sklearn({}, lambda: iter(docs), n_jobs=(2,))


@pytest.mark.parametrize("n_jobs", [1, 2, 4])
def test_documents_spanning_batches(n_jobs):
    """Enough documents and text to need several internal batches (generator input)."""
    docs = [f"w{i % 50} x{i % 3} " * (1 + i % 5) for i in range(70000)]
    docs[65537] = "aa " * 300000
    params = {"n_features": 4096, "dtype": np.float32}
    expected = SkHashingVectorizer(**params).transform(docs)
    got = FhHashingVectorizer(**params, n_jobs=n_jobs).transform(d for d in docs)
    assert_csr_identical(got, expected)


# --- which configurations take the native path ----------------------------------------

NATIVE_CONFIGS = [
    {},
    {"lowercase": False},
    {"stop_words": "english"},
    {"stop_words": ["aa", "bb"]},
    {"ngram_range": (1, 2)},
    {"ngram_range": (2, 3)},
    {"ngram_range": (1, 3)},
    {"ngram_range": (0, 2)},
    {"ngram_range": (2, 2)},
    {"ngram_range": (3, 7)},
    *[
        {"norm": norm, "dtype": dtype}
        for norm in (None, "l1", "l2")
        for dtype in (np.float64, np.float32, "float32", np.dtype("float64"))
    ],
    {"binary": True, "alternate_sign": False},
    {"n_features": 1},
    {"n_features": 2**31 - 2},
    {"input": "file"},
    {"input": "filename"},
    {"encoding": "latin-1"},
    {"decode_error": "replace"},
    {"input": "file", "encoding": "utf-16", "decode_error": "ignore"},
    # documented in docs/: the character analyzers are native too
    {"analyzer": "char"},
    {"analyzer": "char", "ngram_range": (1, 3), "lowercase": False},
    {"analyzer": "char_wb", "ngram_range": (2, 4), "dtype": np.float32},
    # token patterns with a native scanner (tests/unit/test_token_patterns.py)
    {"token_pattern": r"(?u)\b\w+\b"},
    {"token_pattern": r"\w+", "ngram_range": (1, 2)},
    {"token_pattern": r"\S+", "stop_words": "english"},
    {"token_pattern": r"(?i)[^\s]+", "strip_accents": "unicode"},
    {"token_pattern": r"(?u)(?i)\w\w+"},
    # other patterns of the natively scanned subset (tests/unit/test_token_patterns.py)
    {"token_pattern": r"\S\S+"},
    {"token_pattern": r"(?a)\w+"},
    {"token_pattern": r"(?u)\b[a-zA-Z]{2,}\b", "ngram_range": (1, 3)},
    {"token_pattern": r"\w*", "stop_words": ["", "a"]},
]


@pytest.mark.parametrize("params", NATIVE_CONFIGS, ids=stable_repr)
def test_native_path_is_used(params):
    assert python_analysis_reason(FhHashingVectorizer(**params)) is None


@pytest.mark.parametrize(
    "params",
    [
        {"analyzer": analyze_split},
        {"tokenizer": tokenize_split},
        {"preprocessor": preprocess_zero},
        {"token_pattern": r"(\w+)"},
        {"token_pattern": r"\w+?"},
        {"token_pattern": r"\w+|\d"},
        {"token_pattern": re.compile(r"\S+")},
    ],
    ids=stable_repr,
)
def test_python_path_is_explained(params):
    reason = python_analysis_reason(FhHashingVectorizer(**params))
    assert isinstance(reason, str) and reason


def test_assert_csr_identical_detects_differences():
    """The comparison helper must be able to fail, on every property it claims to check."""
    import scipy.sparse as sp

    X = SkHashingVectorizer(n_features=16, norm=None).transform(["t0 t14", "aa bb", ""])
    assert_csr_identical(X.copy(), X)
    variants = []
    Y = X.copy()
    Y.data[0] = -0.0  # 0.0 == -0.0, but not bitwise
    variants.append(Y)
    Y = X.copy()
    Y.data = Y.data.astype(np.float32)
    variants.append(Y)
    Y = X.copy()
    Y.indices = Y.indices.astype(np.int64)
    variants.append(Y)
    variants.append(sp.csr_array(X))
    variants.append(sp.csr_matrix(X.toarray()))  # the explicit zero is gone
    Y = X.copy()
    Y.has_sorted_indices = False
    variants.append(Y)
    Y = X.copy()
    Y.resize((3, 17))
    variants.append(Y)
    for Y in variants:
        with pytest.raises(AssertionError):
            assert_csr_identical(Y, X)
    nan1 = np.array([np.nan])
    nan2 = nan1.view(np.uint64) | np.uint64(1)
    A = sp.csr_matrix((nan1, [0], [0, 1]), shape=(1, 2))
    B = sp.csr_matrix((nan2.view(np.float64), [0], [0, 1]), shape=(1, 2))
    with pytest.raises(AssertionError):
        assert_csr_identical(A, B)


@pytest.mark.parametrize(
    "max_docs, max_units",
    [(1, 1 << 30), (2, 1 << 30), (7, 1 << 30), (1 << 30, 1), (1 << 30, 40), (3, 25)],
)
@pytest.mark.parametrize(
    "params",
    [
        {},
        {"ngram_range": (1, 2), "stop_words": "english", "dtype": np.float32},
        {"analyzer": "char_wb", "ngram_range": (2, 3)},
        {"analyzer": analyze_split},
        {"dtype": np.int8, "norm": "l1"},
        {"input": "file"},
    ],
    ids=stable_repr,
)
def test_tiny_internal_batches(monkeypatch, max_docs, max_units, params):
    """Batch boundaries everywhere: the internal batch sizes are patched to tiny values."""
    from fasthash.feature_extraction import text

    for name, value in (("_BATCH_MAX_DOCS", max_docs), ("_BATCH_MAX_UNITS", max_units)):
        if not hasattr(text, name):
            pytest.skip(f"fasthash.feature_extraction.text.{name} does not exist")
        monkeypatch.setattr(text, name, value)
    docs = list(TRICKY_DOCUMENTS) + ["", "x", "aa " * 50]
    if params.get("input") == "file":
        encoded = [d.encode("utf-8") for d in docs]
        make = lambda: [io.BytesIO(d) for d in encoded]  # noqa: E731
    else:
        make = lambda: (d for d in docs)  # noqa: E731
    compare_with_sklearn(params, make, n_jobs=(1, 3))
    # an error in a late batch
    bad = docs[:17] + [None] + docs[17:]
    if params.get("input") != "file":
        compare_with_sklearn(params, lambda: iter(bad), n_jobs=(2,))
