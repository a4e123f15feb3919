# Authors: The fasthash developers
# SPDX-License-Identifier: BSD-3-Clause
"""Error parity with scikit-learn: same exception type and message, same laziness.

The last section covers the deliberate differences, where scikit-learn crashes the
interpreter or leaks a bare ``StopIteration``: those are never run on scikit-learn.
"""

import io
import re
import warnings

import numpy as np
import pytest
from _helpers import (
    FhHashingVectorizer,
    SkHashingVectorizer,
    assert_same_exception,
    assert_same_outcome,
    compare_with_sklearn,
    normalize_message,
    run,
    stable_repr,
)
from sklearn import config_context
from sklearn.utils._param_validation import InvalidParameterError


def _compare_call(params, call, n_jobs=(1, 2)):
    """``call(vectorizer)`` on scikit-learn's class and on fasthash's: same outcome."""
    expected = run(call, SkHashingVectorizer(**params))
    for jobs in n_jobs:
        got = run(call, FhHashingVectorizer(**params, n_jobs=jobs))
        assert_same_outcome(got, expected)
    return expected


def _expect_error(params, make_docs, method="transform", n_jobs=(1, 2)):
    expected = compare_with_sklearn(params, make_docs, n_jobs=n_jobs, method=method)
    assert not expected.ok, "this case is meant to raise in scikit-learn"
    return expected


# --- the input itself ---------------------------------------------------------------------


@pytest.mark.parametrize("method", ["transform", "fit", "fit_transform"])
@pytest.mark.parametrize("X", ["a bare string", "", "ab cd"])
def test_bare_string(method, X):
    expected = _compare_call({}, lambda v: getattr(v, method)(X))
    assert type(expected.exc) is ValueError
    assert "string object received" in str(expected.exc)


def test_bare_bytes_is_iterated():
    # bytes X is not rejected: its items (ints) fail later.
    _expect_error({}, lambda: b"abc")
    _expect_error({"lowercase": False}, lambda: b"abc")


@pytest.mark.parametrize("analyzer", ["word", "char", "char_wb", str.split])
@pytest.mark.parametrize("lowercase", [True, False])
@pytest.mark.parametrize("position", [0, 3])
def test_np_nan_document(analyzer, lowercase, position):
    docs = ["aa bb", "cc", "dd ee"]
    docs.insert(position, np.nan)
    exp = _expect_error({"analyzer": analyzer, "lowercase": lowercase}, lambda: list(docs))
    assert type(exp.exc) is ValueError and "np.nan is an invalid document" in str(exp.exc)


@pytest.mark.parametrize(
    "doc",
    [
        None,
        42,
        4.5,
        float("nan"),
        np.float64("nan"),
        np.int64(3),
        ["aa", "bb"],
        np.array(["aa", "bb"]),
        ("aa",),
        {"aa": 1},
        bytearray(b"aa bb"),
        memoryview(b"aa bb"),
        object(),
    ],
    ids=lambda d: type(d).__name__,
)
@pytest.mark.parametrize("lowercase", [True, False])
@pytest.mark.parametrize("analyzer", ["word", "char_wb"])
@pytest.mark.parametrize("position", [0, 2])
def test_non_text_document(doc, lowercase, analyzer, position):
    docs = ["aa bb", "cc dd"]
    docs.insert(position, doc)
    params = {"lowercase": lowercase, "analyzer": analyzer}
    _expect_error(params, lambda: list(docs))


def test_two_d_array_rows():
    X = np.array([["aa bb", "cc"], ["dd", "ee"]], dtype=object)
    _expect_error({}, lambda: X)
    _expect_error({"lowercase": False}, lambda: X)


@pytest.mark.parametrize(
    "encoding, bad",
    [
        ("utf-8", b"caf\xe9 ok"),
        ("utf-8", b"ok \xc3"),
        ("utf-8", b"\xed\xa0\x80 surrogate"),  # UTF-8 encoded surrogate: invalid
        ("utf-8-sig", b"\xef\xbb\xbf\xff"),
        ("utf-16", b"\xff\xfea\x00b"),
        ("utf-16", b"\xff\xfe\x00\xd8a\x00"),
        ("ascii", b"caf\xe9"),
        ("cp1252", b"\x81"),
        ("shift_jis", b"\x82\xa0\xff"),
    ],
)
@pytest.mark.parametrize("position", [0, 2])
@pytest.mark.parametrize("input_kind", ["content", "file", "filename"])
def test_undecodable_bytes_strict(encoding, bad, position, input_kind, tmp_path):
    docs = [b"aa bb", b"cc dd"]
    docs.insert(position, bad)
    if input_kind == "content":
        make = lambda: list(docs)  # noqa: E731
    elif input_kind == "file":
        make = lambda: [io.BytesIO(d) for d in docs]  # noqa: E731
    else:
        paths = []
        for i, d in enumerate(docs):
            (tmp_path / f"{i}.txt").write_bytes(d)
            paths.append(str(tmp_path / f"{i}.txt"))
        make = lambda: list(paths)  # noqa: E731
    params = {"encoding": encoding, "input": input_kind}
    exp = _expect_error(params, make)
    assert isinstance(exp.exc, UnicodeDecodeError)
    # and with a character analyzer (Python analysis)
    _expect_error(dict(params, analyzer="char_wb"), make)


@pytest.mark.parametrize("encoding", ["nope", "utf-9", ""])
@pytest.mark.parametrize("analyzer", ["word", "char"])
def test_unknown_encoding_with_bytes(encoding, analyzer):
    exp = _expect_error({"encoding": encoding, "analyzer": analyzer}, lambda: ["aa", b"bb cc"])
    assert type(exp.exc) is LookupError


def test_unknown_encoding_unused_with_str():
    compare_with_sklearn({"encoding": "nope"}, lambda: ["aa bb", "cc"])


def test_codec_that_does_not_return_str():
    # 'hex' / 'base64' are bytes-to-bytes codecs: bytes.decode rejects them.
    _expect_error({"encoding": "hex"}, lambda: [b"aa bb"])
    _expect_error({"encoding": "base64"}, lambda: [b"aa bb"])


@pytest.mark.parametrize("position", [0, 1])
def test_missing_file(tmp_path, position):
    existing = tmp_path / "exists.txt"
    existing.write_bytes(b"aa bb")
    missing = str(tmp_path / "nope.txt")
    docs = [str(existing), str(existing)]
    docs.insert(position, missing)
    exp = _expect_error({"input": "filename"}, lambda: list(docs))
    assert type(exp.exc) is FileNotFoundError
    # a directory, and a bytes path
    _expect_error({"input": "filename"}, lambda: [str(tmp_path)])
    _expect_error({"input": "filename"}, lambda: [missing.encode()])


@pytest.mark.parametrize("doc", ["a plain str", b"plain bytes", 5, None])
def test_non_file_with_input_file(doc):
    exp = _expect_error({"input": "file"}, lambda: [io.BytesIO(b"aa bb"), doc])
    assert type(exp.exc) is AttributeError


def test_file_read_returning_non_text():
    class Weird:
        def __init__(self, value):
            self.value = value

        def read(self):
            return self.value

    _expect_error({"input": "file"}, lambda: [Weird(b"aa"), Weird(12)])
    _expect_error({"input": "file"}, lambda: [Weird(np.nan)])
    _expect_error({"input": "file"}, lambda: [Weird(b"\xff")])


# --- parameters -----------------------------------------------------------------------------

INVALID_PARAMS = [
    {"n_features": 2**31 - 1},
    {"n_features": 2**31},
    {"n_features": -1},
    {"n_features": 1.5},
    {"n_features": "16"},
    {"n_features": None},
    {"norm": "max"},
    {"norm": "foo"},
    {"norm": ""},
    {"input": "foo"},
    {"encoding": None},
    {"encoding": 5},
    {"decode_error": "surrogateescape"},
    {"decode_error": None},
    {"strip_accents": False},
    {"strip_accents": "foo"},
    {"strip_accents": 1},
    {"lowercase": 1},
    {"lowercase": "yes"},
    {"lowercase": None},
    {"binary": 1},
    {"alternate_sign": 0},
    {"preprocessor": "x"},
    {"tokenizer": "x"},
    {"stop_words": ("a",)},
    {"stop_words": {"a"}},
    {"stop_words": frozenset({"a"})},
    {"stop_words": "french"},
    {"token_pattern": b"\\w+"},
    {"token_pattern": re.compile(r"\w+")},
    {"ngram_range": [1, 2]},
    {"ngram_range": None},
    {"analyzer": "foo"},
    {"analyzer": 5},
    {"analyzer": None},
]


@pytest.mark.parametrize("params", INVALID_PARAMS, ids=stable_repr)
@pytest.mark.parametrize("method", ["fit", "fit_transform", "partial_fit"])
def test_invalid_parameter(params, method):
    exp = _compare_call(params, lambda v: getattr(v, method)(["aa bb"]))
    assert type(exp.exc) is InvalidParameterError


def test_invalid_parameter_messages_compared_without_set_order():
    """The option sets of these messages are ordered by PYTHONHASHSEED: never pin it."""
    exp = run(lambda: SkHashingVectorizer(norm="max").fit(["aa"]))
    got = run(lambda: FhHashingVectorizer(norm="max").fit(["aa"]))
    assert normalize_message(got.exc) == normalize_message(exp.exc)
    assert normalize_message(exp.exc) == (
        "The 'norm' parameter of HashingVectorizer must be a str among {'l1', 'l2'} or None. "
        "Got 'max' instead."
    )


@pytest.mark.parametrize(
    "params",
    [
        {"norm": "max"},
        {"decode_error": "surrogateescape"},
        {"stop_words": ("aa",)},
        {"ngram_range": [1, 2]},
    ],
    ids=stable_repr,
)
def test_skip_parameter_validation(params):
    with config_context(skip_parameter_validation=True):
        compare_with_sklearn(params, lambda: ["aa bb aa", b"caf\xe9 aa"], method="fit_transform")


@pytest.mark.parametrize("method", ["transform", "fit", "fit_transform"])
@pytest.mark.parametrize("ngram_range", [(2, 1), (5, -1), (1, 0)])
def test_invalid_ngram_range(method, ngram_range):
    exp = _compare_call({"ngram_range": ngram_range}, lambda v: getattr(v, method)(["aa bb"]))
    assert type(exp.exc) is ValueError
    assert "lower boundary larger than the upper boundary" in str(exp.exc)


def test_invalid_ngram_range_not_checked_by_partial_fit():
    for cls in (SkHashingVectorizer, FhHashingVectorizer):
        vec = cls(ngram_range=(2, 1))
        assert vec.partial_fit(["aa"]) is vec


@pytest.mark.parametrize("method", ["transform", "fit", "fit_transform"])
@pytest.mark.parametrize("ngram_range", [(1, 2, 3), (1,), ()])
def test_ngram_range_wrong_length(method, ngram_range):
    _compare_call({"ngram_range": ngram_range}, lambda v: getattr(v, method)(["aa bb"]))


@pytest.mark.parametrize("ngram_range", [(1.0, 2.0), (1, 2.5), ("1", "2"), (None, 1)])
def test_ngram_range_bad_types_in_transform(ngram_range):
    _compare_call({"ngram_range": ngram_range}, lambda v: v.transform(["aa bb cc"]))


@pytest.mark.parametrize("analyzer", ["foo", "", "Word", 5])
def test_invalid_analyzer_in_transform(analyzer):
    exp = _compare_call({"analyzer": analyzer}, lambda v: v.transform(["aa bb"]))
    assert not exp.ok


@pytest.mark.parametrize("strip_accents", ["foo", "ASCII", 3])
def test_invalid_strip_accents_in_transform(strip_accents):
    exp = _compare_call({"strip_accents": strip_accents}, lambda v: v.transform(["café"]))
    assert not exp.ok


@pytest.mark.parametrize("pattern", [r"(a)(b)", r"(\w)(\w)+", r"((\w+))"])
def test_too_many_capturing_groups(pattern):
    exp = _expect_error({"token_pattern": pattern}, lambda: ["ab cd"])
    assert "More than 1 capturing group" in str(exp.exc)
    _expect_error({"token_pattern": pattern}, lambda: ["ab cd"], method="fit_transform")


def test_invalid_regex():
    _expect_error({"token_pattern": r"(\w"}, lambda: ["ab cd"])


def test_token_pattern_none_without_tokenizer():
    exp = _expect_error({"token_pattern": None}, lambda: ["ab cd"])
    assert type(exp.exc) is TypeError


@pytest.mark.parametrize("norm", ["max"], ids=stable_repr)
def test_norm_max_in_transform_works(norm):
    compare_with_sklearn({"norm": norm}, lambda: ["aa aa bb", ""])


@pytest.mark.parametrize("norm", ["foo", "", "L2", 2])
def test_invalid_norm_in_transform(norm):
    _expect_error({"norm": norm}, lambda: ["aa aa bb"])


def test_complex_with_norm():
    exp = _expect_error({"dtype": np.complex128}, lambda: ["aa aa bb"])
    assert str(exp.exc).startswith("Complex data not supported")


@pytest.mark.parametrize(
    "dtype", ["foo", "float99", np.float16, object, str, "U5", "M8[s]", np.void]
)
@pytest.mark.parametrize("norm", [None, "l2"])
def test_invalid_dtype(dtype, norm):
    _expect_error({"dtype": dtype, "norm": norm}, lambda: ["aa bb"])


@pytest.mark.parametrize("dtype", [np.uint8, np.uint16, np.uint32, np.uint64])
def test_unsigned_dtype_with_alternate_sign(dtype):
    # "aaum2erp" hashes to -1: the first negative value is out of bounds.
    exp = _expect_error({"dtype": dtype}, lambda: ["zz aa", "aaum2erp"])
    assert type(exp.exc) is OverflowError
    # only positive hashes: no error
    compare_with_sklearn({"dtype": dtype, "norm": None}, lambda: ["acdia99h acqerwwr"])


def test_transform_takes_no_y():
    _compare_call({}, lambda v: v.transform(["aa"], None))


# --- callables --------------------------------------------------------------------------------


def _analyzer_str_first(doc):
    return doc  # a str: "Samples can not be a single string"


@pytest.mark.parametrize("first", [True, False])
def test_callable_analyzer_returning_str(first):
    docs = ["aa bb", "cc dd"]
    if first:
        exp = _expect_error({"analyzer": _analyzer_str_first}, lambda: list(docs))
        assert "Samples can not be a single string" in str(exp.exc)
    else:
        # Only the first document is checked: a later str is iterated per character.
        compare_with_sklearn(
            {"analyzer": lambda d: d if d == "cc dd" else d.split()}, lambda: list(docs)
        )


@pytest.mark.parametrize(
    "features",
    [[1, 2], ["ok", None], ["ok", 3.5], [("a",)], [b"ok", bytearray(b"no")], [np.int64(4)]],
    ids=stable_repr,
)
def test_callable_analyzer_non_str_features(features):
    exp = _expect_error({"analyzer": lambda d: features}, lambda: ["aa", "bb"])
    assert type(exp.exc) is TypeError


def test_callable_analyzer_str_subclass_features():
    compare_with_sklearn(
        {"analyzer": lambda d: [np.str_(d), np.bytes_(b"x\x00")]}, lambda: ["aa", "bb"]
    )


def test_callable_analyzer_non_iterable():
    _expect_error({"analyzer": lambda d: 5}, lambda: ["aa", "bb"])
    _expect_error({"analyzer": lambda d: None}, lambda: ["aa", "bb"])


def test_callable_analyzer_surrogate_feature():
    exp = _expect_error({"analyzer": lambda d: ["ok", "a\ud800b"]}, lambda: ["aa", "bb"])
    assert type(exp.exc) is UnicodeEncodeError


@pytest.mark.parametrize("kind", ["preprocessor", "tokenizer", "analyzer", "strip_accents"])
@pytest.mark.parametrize(
    "exc",
    [KeyError("k"), RuntimeError("boom"), StopIteration(), MemoryError(), UnicodeError("u")],
    ids=stable_repr,
)
def test_exception_inside_callable_propagates(kind, exc):
    def fail(doc):
        if "bad" in str(doc):
            raise exc
        return str(doc).split() if kind in ("tokenizer", "analyzer") else str(doc)

    params = {kind: fail}
    if kind == "tokenizer":
        params["token_pattern"] = None
    make = lambda: ["aa", "bb", "a bad one", "cc"]  # noqa: E731
    expected = run(lambda: SkHashingVectorizer(**params).transform(make()))
    got = run(lambda: FhHashingVectorizer(**params, n_jobs=2).transform(make()))
    if isinstance(exc, StopIteration):
        # sklearn's generator turns the StopIteration into a RuntimeError (PEP 479) or
        # stops early; fasthash must do exactly what scikit-learn does.
        assert_same_outcome(got, expected)
    else:
        assert not expected.ok
        assert got.exc is exc  # the very same object, traceback intact
        assert_same_outcome(got, expected)


# --- lone surrogates in hashed features -------------------------------------------------------


@pytest.mark.parametrize("analyzer", ["char", "char_wb"])
@pytest.mark.parametrize("ngram_range", [(1, 1), (2, 3), (1, 4), (3, 3)])
@pytest.mark.parametrize("doc", ["ab\ud800cd", "\udfff", "x \ud83d y", "é\udc80\udc81é"])
@pytest.mark.parametrize("position", [0, 2])
def test_lone_surrogate_in_char_ngram(analyzer, ngram_range, doc, position):
    docs = ["aa bb", "cc"]
    docs.insert(position, doc)
    params = {"analyzer": analyzer, "ngram_range": ngram_range}
    exp = compare_with_sklearn(params, lambda: list(docs))
    if not exp.ok:
        assert type(exp.exc) is UnicodeEncodeError


@pytest.mark.parametrize(
    "params",
    [
        {"token_pattern": r"\S+"},
        {"token_pattern": r"(?u)\b\w\w+\b", "ngram_range": (1, 2)},
        {"tokenizer": str.split},
        {"preprocessor": lambda s: s + " \ud800\ud800"},
        {"strip_accents": "unicode"},
        {"strip_accents": "ascii"},
        {"lowercase": False, "stop_words": ["ab\ud800"]},
    ],
    ids=stable_repr,
)
def test_lone_surrogate_in_word_features(params):
    compare_with_sklearn(params, lambda: ["ab\ud800cd ok", "x\udfffy", "\ud800\ud800 zz"])


def test_surrogateescape_bytes_in_char_analyzer():
    exp = _expect_error(
        {"decode_error": "surrogateescape", "analyzer": "char"}, lambda: [b"aa", b"caf\xe9"]
    )
    assert type(exp.exc) is UnicodeEncodeError


# --- laziness (spec R41) ----------------------------------------------------------------------


class _Boom(RuntimeError):
    pass


def _logged_docs(docs, log):
    for d in docs:
        log.append(("yield", d))
        yield d


def _run_logged(cls, params_factory, docs, **extra):
    log = []
    params = params_factory(log)
    outcome = run(lambda: cls(**params, **extra).transform(_logged_docs(docs, log)))
    return outcome, log


DOCS_WITH_BAD = ["d0 aa", "d1 bb", "bad doc", "d3 cc", "d4 dd"]


def _analyzer_params(log):
    def analyzer(doc):
        log.append(("analyze", doc))
        if doc.startswith("bad"):
            raise _Boom(f"boom at {doc}")
        return doc.split()

    return {"analyzer": analyzer}


def _preprocessor_params(log):
    def preprocessor(doc):
        log.append(("pre", doc))
        if doc.startswith("bad"):
            raise _Boom(f"boom at {doc}")
        return doc.lower()

    return {"preprocessor": preprocessor, "stop_words": ["x", "Y"]}


def _tokenizer_params(log):
    def tokenizer(doc):
        log.append(("tok", doc))
        if doc.startswith("bad"):
            raise _Boom(f"boom at {doc}")
        return doc.split()

    def preprocessor(doc):
        log.append(("pre", doc))
        return doc

    return {
        "tokenizer": tokenizer,
        "preprocessor": preprocessor,
        "token_pattern": None,
        "stop_words": ["A b", "x"],
        "ngram_range": (1, 2),
    }


def _char_preprocessor_params(log):
    params = _preprocessor_params(log)
    params.pop("stop_words")
    return dict(params, analyzer="char_wb", ngram_range=(2, 3))


@pytest.mark.parametrize(
    "params_factory",
    [_analyzer_params, _preprocessor_params, _tokenizer_params, _char_preprocessor_params],
)
@pytest.mark.parametrize("n_jobs", [1, 2, 4])
def test_callables_are_called_lazily_in_order(params_factory, n_jobs):
    expected, expected_log = _run_logged(SkHashingVectorizer, params_factory, DOCS_WITH_BAD)
    got, got_log = _run_logged(FhHashingVectorizer, params_factory, DOCS_WITH_BAD, n_jobs=n_jobs)
    assert type(expected.exc) is _Boom
    assert_same_outcome(got, expected)
    assert got_log == expected_log
    # documents after the failing one are never pulled
    assert ("yield", "d3 cc") not in got_log


@pytest.mark.parametrize(
    "params_factory",
    [_analyzer_params, _preprocessor_params, _tokenizer_params],
)
def test_callables_call_order_without_error(params_factory):
    docs = [d for d in DOCS_WITH_BAD if not d.startswith("bad")]
    expected, expected_log = _run_logged(SkHashingVectorizer, params_factory, docs)
    got, got_log = _run_logged(FhHashingVectorizer, params_factory, docs, n_jobs=2)
    assert_same_outcome(got, expected)
    assert got_log == expected_log
    # a second transform on the same estimator skips the stop-word check in both
    log = []
    params = params_factory(log)
    sk, fh = SkHashingVectorizer(**params), FhHashingVectorizer(**params)
    sk.transform(["z"])
    sk_log = list(log)
    log.clear()
    fh.transform(["z"])
    assert log == sk_log
    log.clear()
    sk.transform(["z"])
    sk_log = list(log)
    log.clear()
    fh.transform(["z"])
    assert log == sk_log


def test_file_reads_in_order_with_callable():
    log = []

    class LoggedFile(io.BytesIO):
        def read(self, *args):
            log.append(("read", self.getvalue()))
            return super().read(*args)

    def analyzer(doc):
        log.append(("analyze", doc))
        if doc == "bad":
            raise _Boom("bad")
        return doc.split()

    docs = [b"aa", b"bb", b"bad", b"cc"]
    for cls, extra in [(SkHashingVectorizer, {}), (FhHashingVectorizer, {"n_jobs": 2})]:
        log.clear()
        with pytest.raises(_Boom):
            cls(input="file", analyzer=analyzer, **extra).transform(LoggedFile(d) for d in docs)
        assert log == [
            ("read", b"aa"),
            ("analyze", "aa"),
            ("read", b"bb"),
            ("analyze", "bb"),
            ("read", b"bad"),
            ("analyze", "bad"),
        ]


@pytest.mark.parametrize("n_jobs", [1, 2])
@pytest.mark.parametrize("position", [0, 1, 5, 70000])
def test_native_path_error_in_generator(n_jobs, position):
    """Native analysis may read ahead in batches: only the exception itself is compared."""

    def docs():
        for i in range(position + 3):
            if i == position:
                raise _Boom(f"generator failed at {i}")
            yield f"doc {i} aa bb"

    for params in ({}, {"ngram_range": (1, 2), "stop_words": "english"}):
        fh = FhHashingVectorizer(**params, n_jobs=n_jobs)
        expected = run(lambda p=params: SkHashingVectorizer(**p).transform(docs()))
        got = run(lambda fh=fh: fh.transform(docs()))
        assert_same_outcome(got, expected)


@pytest.mark.parametrize("analyzer", ["char", "char_wb"])
@pytest.mark.parametrize("later", [np.nan, None, b"\xff", "GEN"])
def test_core_error_of_a_batch_wins_over_an_error_while_reading_the_next(
    monkeypatch, analyzer, later
):
    """The lone surrogate found by the core in batch k is raised, not the error met while
    reading a later document (as in scikit-learn, which stops at the surrogate)."""
    from fasthash.feature_extraction import text as fh_text

    monkeypatch.setattr(fh_text, "_BATCH_MAX_DOCS", 2)

    def docs():
        # batches of 2: the surrogate is in batch 2, the failing read in batch 3
        yield from ["aa bb", "cc dd", "x\ud800y", "ee"]
        if later == "GEN":
            raise _Boom("generator failed later")
        yield later

    params = {"analyzer": analyzer, "ngram_range": (1, 2)}
    expected = compare_with_sklearn(params, docs, n_jobs=(2, 3))
    assert type(expected.exc) is UnicodeEncodeError


@pytest.mark.parametrize("position", [0, 3, 70000])
def test_native_path_bad_document_late(position):
    docs = [f"doc {i}" for i in range(position + 5)]
    docs[position] = None
    compare_with_sklearn({}, lambda: iter(docs))
    docs[position] = b"\xff"
    compare_with_sklearn({}, lambda: iter(docs))


# --- deliberate differences: never run on scikit-learn ------------------------------------


@pytest.mark.parametrize("n_features", [0, np.int64(0), False])
@pytest.mark.parametrize(
    "params",
    [{}, {"analyzer": "char"}, {"analyzer": str.split}, {"dtype": np.float16}, {"norm": None}],
    ids=stable_repr,
)
def test_n_features_zero_raises(n_features, params):
    vec = FhHashingVectorizer(n_features=n_features, **params)
    with pytest.raises(ValueError):
        vec.transform(["a b", "aa bb"])
    with pytest.raises(ValueError, match="n_features"):
        vec.fit(["a b"])
    with pytest.raises(ValueError, match="n_features"):
        vec.fit_transform(["a b"])


EMPTY_CONFIGS = [
    {},
    {"analyzer": "char"},
    {"analyzer": "char_wb", "ngram_range": (2, 3)},
    {"analyzer": str.split},
    {"tokenizer": str.split},
    {"input": "file"},
    {"input": "filename"},
    {"dtype": np.float32},
    {"dtype": np.int8, "norm": None},
    {"dtype": np.uint8},
    {"dtype": np.float16},
    {"dtype": np.longdouble},
    {"n_features": 2**31},
    {"n_features": 2**31 - 1},
    {"norm": "max"},
]


@pytest.mark.parametrize("params", EMPTY_CONFIGS, ids=stable_repr)
@pytest.mark.parametrize(
    "make_empty",
    [list, lambda: iter([]), lambda: (d for d in ()), lambda: np.array([], dtype=object)],
    ids=["list", "iter", "generator", "ndarray"],
)
@pytest.mark.parametrize("method", ["transform", "fit_transform"])
def test_empty_input_raises_value_error(params, make_empty, method):
    # scikit-learn leaks a bare StopIteration here (spec R16/R19).
    vec = FhHashingVectorizer(**params)
    if method == "fit_transform" and not run(FhHashingVectorizer(**params).fit, ["a"]).ok:
        pytest.skip("fit rejects these parameters first")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)  # fit's unused-parameter warnings
        with pytest.raises(ValueError, match="empty"):
            getattr(vec, method)(make_empty())


@pytest.mark.parametrize("n_jobs", [0, np.int64(0)])
def test_n_jobs_zero_raises(n_jobs):
    vec = FhHashingVectorizer(n_jobs=n_jobs)
    with pytest.raises(ValueError):
        vec.transform(["aa bb"])
    with pytest.raises(ValueError):
        vec.fit_transform(["aa bb"])


@pytest.mark.parametrize("n_jobs", [1.5, "2", 2.0, [2]])
def test_n_jobs_not_an_int_raises(n_jobs):
    vec = FhHashingVectorizer(n_jobs=n_jobs)
    with pytest.raises((TypeError, ValueError)):
        vec.transform(["aa bb"])
    with pytest.raises(InvalidParameterError):
        vec.fit(["aa bb"])


@pytest.mark.parametrize("n_jobs", [None, -1, -2, -100, 1, 3, 64, np.int32(2)])
def test_n_jobs_valid_values(n_jobs):
    expected = SkHashingVectorizer().transform(["aa bb", "cc aa"])
    got = FhHashingVectorizer(n_jobs=n_jobs).fit_transform(["aa bb", "cc aa"])
    from _helpers import assert_csr_identical

    assert_csr_identical(got, expected)


def test_n_features_zero_error_is_clean_in_a_subprocess():
    """A crash (SIGFPE) would kill the test runner; check it in a child process."""
    import subprocess
    import sys

    code = (
        "import fasthash\n"
        "try:\n"
        "    fasthash.HashingVectorizer(n_features=0).transform(['a b', 'aa bb'])\n"
        "except ValueError as e:\n"
        "    print('ValueError', e)\n"
    )
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.startswith("ValueError")


def test_same_exception_helper_detects_differences():
    """The comparison helpers must be able to fail."""
    with pytest.raises(AssertionError):
        assert_same_exception(ValueError("a"), ValueError("b"))
    with pytest.raises(AssertionError):
        assert_same_exception(TypeError("a"), ValueError("a"))
    assert_same_exception(ValueError("x {'b', 'a'} y"), ValueError("x {'a', 'b'} y"))
