# Authors: The fasthash developers
# SPDX-License-Identifier: BSD-3-Clause
"""HashingVectorizer on Arrow columns equals scikit-learn on the column's Python values.

An Arrow column (pyarrow, pandas with Arrow-backed strings, polars) stands for the list of
its values (``to_pylist()``, ``list(series)``): every test hashes the column with fasthash
and that list with scikit-learn, and compares every bit of the output, or the exception
(type, message, Unicode error arguments), whatever the thread count.
"""

import pickle

import numpy as np
import pytest
from _helpers import (
    TRICKY_DOCUMENTS,
    FhHashingVectorizer,
    SkHashingVectorizer,
    assert_csr_identical,
    assert_same_outcome,
    run,
    stable_repr,
)

pa = pytest.importorskip("pyarrow")

# Short strings (inline in a string_view: up to 12 bytes) and long ones, ASCII and not.
DOCS = [
    *TRICKY_DOCUMENTS,
    "a",
    "twelve bytes",
    "thirteen byte",
    "é",
    "ÉÉÉÉÉÉ",
    "Straße über ΣΑΣ",
    "x " * 300,
]

TEXT_TYPES = ["string", "large_string", "string_view"]
BINARY_TYPES = ["binary", "large_binary", "binary_view"]


def _array(values, type_name):
    typ = getattr(pa, type_name)()
    if type_name in BINARY_TYPES:
        values = [v.encode("utf-8") if isinstance(v, str) else v for v in values]
    return pa.array(values, type=typ)


def _compare(params, column, values, n_jobs=(1, 2)):
    """fasthash on ``column`` against scikit-learn on ``values``; returns sklearn's
    outcome."""
    expected = run(lambda: SkHashingVectorizer(**params).transform(values))
    for jobs in n_jobs:
        got = run(lambda jobs=jobs: FhHashingVectorizer(**params, n_jobs=jobs).transform(column))
        try:
            assert_same_outcome(got, expected)
        except AssertionError as err:
            raise AssertionError(f"n_jobs={jobs}, params={params!r}: {err}") from err
    return expected


PARAMS = [
    {},
    {"n_features": 2**8, "alternate_sign": False},
    {"lowercase": False, "norm": "l1"},
    {"ngram_range": (1, 3), "stop_words": "english"},
    {"token_pattern": r"\S+", "binary": True, "norm": None},
    {"token_pattern": r"(?u)\b\w+\b", "strip_accents": "unicode"},
    {"analyzer": "char", "ngram_range": (1, 3)},
    {"analyzer": "char", "ngram_range": (2, 5), "strip_accents": "ascii"},
    {"analyzer": "char_wb", "ngram_range": (2, 4)},
    {"analyzer": "char_wb", "ngram_range": (1, 6), "lowercase": False},
    {"dtype": np.float32},
    {"dtype": np.int64, "norm": None},
    # analysed in Python (a custom pattern, callables): the rows become str objects
    {"token_pattern": r"[a-z]+ing"},
    {"analyzer": lambda doc: doc.split()},
    {"preprocessor": lambda doc: doc.upper()},
    {"tokenizer": lambda doc: doc.split(" ")},
]


@pytest.mark.parametrize("type_name", TEXT_TYPES + BINARY_TYPES)
@pytest.mark.parametrize("params", PARAMS, ids=stable_repr)
def test_every_type_and_analyzer(type_name, params):
    column = _array(DOCS, type_name)
    expected = _compare(params, column, column.to_pylist())
    assert expected.ok


@pytest.mark.parametrize("type_name", TEXT_TYPES)
def test_chunked_arrays_slices_and_empty_chunks(type_name):
    a = _array(DOCS, type_name)
    chunked = pa.chunked_array(
        [a.slice(0, 0), a.slice(3, 5), a.slice(0, 0), a.slice(0, 0), a, a.slice(7)],
        type=a.type,
    )
    _compare({}, chunked, chunked.to_pylist())
    _compare({"analyzer": "char_wb"}, chunked, chunked.to_pylist())
    for start, length in [(0, 1), (1, 9), (5, 40), (len(chunked) - 1, 1)]:
        part = chunked.slice(start, length)
        _compare({}, part, part.to_pylist())


@pytest.mark.parametrize("type_name", TEXT_TYPES + BINARY_TYPES)
@pytest.mark.parametrize("start", [0, 1, 3, 8, 17])
def test_sliced_arrays(type_name, start):
    a = _array(DOCS, type_name)
    for length in (1, 2, len(DOCS) - start):
        part = a.slice(start, length)
        _compare({}, part, part.to_pylist(), n_jobs=(1,))


def test_many_rows_cross_batches_and_chunks():
    rng = np.random.default_rng(0)
    words = np.array(["alpha", "beta", "γάμμα", "délta", "x", "yy", "ЖЖЖ"])
    docs = [" ".join(rng.choice(words, size=rng.integers(0, 30))) for _ in range(20_000)]
    chunks = [pa.array(docs[i : i + 3001]) for i in range(0, len(docs), 3001)]
    column = pa.chunked_array(chunks)
    _compare({"n_features": 2**12}, column, docs)
    _compare({"analyzer": "char", "ngram_range": (2, 3)}, column, docs)


def test_large_string_offsets_beyond_int32_range_of_a_slice():
    # 64-bit offsets: a sliced large_string array whose offsets do not start at 0
    a = pa.array(DOCS * 3, type=pa.large_string()).slice(11)
    _compare({}, a, a.to_pylist())


def test_string_view_inline_and_out_of_line():
    values = ["", "1", "12 bytes ok!", "13 bytes now!", "a much longer string " * 5, "é" * 6]
    a = pa.array(values * 4, type=pa.string_view())
    _compare({"analyzer": "char", "ngram_range": (1, 2)}, a, a.to_pylist())
    # views into several data buffers
    b = pa.concat_arrays([a, pa.array(["another buffer " * 3, "z"], type=pa.string_view())])
    chunked = pa.chunked_array([b, b.slice(3)])
    _compare({}, chunked, chunked.to_pylist())


@pytest.mark.parametrize("index_type", ["int8", "uint8", "int16", "int32", "uint32", "int64"])
@pytest.mark.parametrize("value_type", ["string", "large_string", "binary"])
def test_dictionary_arrays(index_type, value_type):
    values = _array(["fox", "Dog", "élan vital", "", "fox jumps"], value_type)
    indices = pa.array([0, 1, 2, 3, 4, 4, 0, 2, 1, 1], type=getattr(pa, index_type)())
    d = pa.DictionaryArray.from_arrays(indices, values)
    _compare({}, d, d.to_pylist())
    _compare({}, d.slice(3, 5), d.slice(3, 5).to_pylist(), n_jobs=(1,))
    encoded = pa.chunked_array([_array(DOCS, value_type)]).dictionary_encode()
    _compare({"analyzer": "char_wb"}, encoded, encoded.to_pylist(), n_jobs=(1,))


@pytest.mark.parametrize("where", ["first", "middle", "last", "all", "dictionary value"])
@pytest.mark.parametrize(
    "params",
    [{}, {"lowercase": False}, {"analyzer": "char"}, {"analyzer": lambda d: [str(d)]}],
    ids=["lowercase", "no lowercase", "char", "callable"],
)
def test_nulls_raise_sklearns_error_for_none_naming_the_row(where, params):
    docs = ["one doc", "two docs", "three docs", "four"]
    if where == "dictionary value":
        column = pa.DictionaryArray.from_arrays(
            pa.array([0, 1, 2, 0]), pa.array(["one doc", None, "x y"])
        )
        null_row = 1
    else:
        null_row = {"first": 0, "middle": 2, "last": 3, "all": 0}[where]
        values = [None] * 4 if where == "all" else docs[:null_row] + [None] + docs[null_row + 1 :]
        column = pa.array(values, type=pa.string())
    expected = _compare(params, column, column.to_pylist())
    if expected.ok:  # a callable analyzer takes None like any document
        return
    with pytest.raises(type(expected.exc)) as info:
        FhHashingVectorizer(**params).transform(column)
    assert f"document {null_row} of the Arrow column" in " ".join(info.value.__notes__)


def test_error_in_row_order_null_after_invalid_utf8():
    # the invalid row comes first: its UnicodeDecodeError wins over the later null
    column = pa.array([b"ok", b"bad \xc3(", None], type=pa.binary())
    expected = _compare({}, column, column.to_pylist())
    assert isinstance(expected.exc, UnicodeDecodeError)
    column = pa.array([b"ok", None, b"bad \xc3("], type=pa.binary())
    expected = _compare({}, column, column.to_pylist())
    assert isinstance(expected.exc, AttributeError)


@pytest.mark.parametrize("type_name", BINARY_TYPES)
@pytest.mark.parametrize("decode_error", ["strict", "ignore", "replace"])
@pytest.mark.parametrize("encoding", ["utf-8", "UTF8", "latin-1", "utf-16"])
def test_binary_decoded_as_bytes_documents(type_name, decode_error, encoding):
    values = [b"plain ascii", "caf\xe9 na\xefve".encode(), b"bad \xff\xfe bytes", b"\xe9t\xe9",
              b"", b"trunc \xe2\x82", "\ufeffbom".encode()]
    column = pa.array(values, type=getattr(pa, type_name)())
    params = {"encoding": encoding, "decode_error": decode_error}
    expected = _compare(params, column, column.to_pylist())
    if not expected.ok:
        assert isinstance(expected.exc, UnicodeDecodeError)
        with pytest.raises(UnicodeDecodeError) as info:
            FhHashingVectorizer(**params).transform(column)
        assert info.value.args == expected.exc.args


def test_invalid_utf8_in_a_string_column_raises_pythons_decode_error():
    raw = pa.array([b"fine", b"x \xed\xa0\x80 y", b"also fine"], type=pa.binary())
    column = raw.view(pa.string())  # not validated by pyarrow
    with pytest.raises(UnicodeDecodeError) as info:
        FhHashingVectorizer().transform(column)
    with pytest.raises(UnicodeDecodeError) as py:
        b"x \xed\xa0\x80 y".decode("utf-8")
    assert info.value.args == py.value.args
    assert "document 1 of the Arrow column" in info.value.__notes__[0]


@pytest.mark.parametrize(
    "column",
    [pa.array([], type=pa.string()), pa.chunked_array([], type=pa.large_string()),
     pa.chunked_array([pa.array([], type=pa.string())] * 3)],
    ids=["array", "no chunks", "empty chunks"],
)
def test_empty_columns(column):
    with pytest.raises(ValueError, match="Cannot vectorize empty sequence."):
        FhHashingVectorizer().transform(column)


def test_tables_and_record_batches():
    table = pa.table({"text": DOCS})
    _compare({}, table, DOCS)
    _compare({}, table.to_batches()[0], DOCS, n_jobs=(1,))
    _compare({}, table.slice(4, 9), DOCS[4:13], n_jobs=(1,))
    with pytest.raises(ValueError, match="several columns: select the column"):
        FhHashingVectorizer().transform(pa.table({"a": ["x"], "b": ["y"]}))


def test_other_arrow_types_keep_the_iterable_path():
    ints = pa.array([1, 2, 3])
    # scikit-learn sees what iterating the array gives (pyarrow scalars)
    _compare({}, ints, list(ints), n_jobs=(1,))
    _compare({"analyzer": lambda x: [str(x)]}, ints, list(ints), n_jobs=(1,))


def test_input_filename_on_an_arrow_column(tmp_path):
    paths = []
    for i, doc in enumerate(["first file text", "zweite Datei é"]):
        p = tmp_path / f"{i}.txt"
        p.write_text(doc, encoding="utf-8")
        paths.append(str(p))
    column = pa.array(paths)
    _compare({"input": "filename"}, column, paths)


@pytest.mark.parametrize("params", [{}, {"analyzer": "char_wb"}])
def test_fit_transform_and_pipeline(params):
    from sklearn.linear_model import SGDClassifier
    from sklearn.pipeline import make_pipeline

    column = pa.array(DOCS)
    assert_csr_identical(
        FhHashingVectorizer(**params).fit_transform(column),
        SkHashingVectorizer(**params).fit_transform(DOCS),
    )
    y = np.arange(len(DOCS)) % 2
    on_arrow = make_pipeline(FhHashingVectorizer(**params), SGDClassifier(random_state=0))
    on_list = make_pipeline(SkHashingVectorizer(**params), SGDClassifier(random_state=0))
    on_arrow.fit(column, y)
    on_list.fit(DOCS, y)
    np.testing.assert_array_equal(on_arrow[-1].coef_, on_list[-1].coef_)
    np.testing.assert_array_equal(on_arrow.predict(column), on_list.predict(DOCS))
    pickle.loads(pickle.dumps(on_arrow))  # the fitted pipeline holds no Arrow state


def test_cross_validate_on_an_arrow_column():
    from sklearn.linear_model import SGDClassifier
    from sklearn.pipeline import make_pipeline

    from fasthash.model_selection import cross_validate

    rng = np.random.default_rng(1)
    words = ["good", "bad", "fine", "awful", "great", "poor", "ok"]
    docs = [" ".join(rng.choice(words, 6)) for _ in range(200)]
    y = np.array([("good" in d or "great" in d) for d in docs], dtype=int)
    pipe = make_pipeline(FhHashingVectorizer(n_features=2**10), SGDClassifier(random_state=0))
    on_list = cross_validate(pipe, docs, y, cv=4, n_jobs=2, return_train_score=True)
    on_arrow = cross_validate(pipe, pa.array(docs), y, cv=4, n_jobs=2,
                              return_train_score=True)
    chunked = pa.chunked_array([pa.array(docs[:50]), pa.array(docs[50:])])
    on_chunked = cross_validate(pipe, chunked, y, cv=4, n_jobs=1, return_estimator=True)
    for key in ("test_score", "train_score"):
        np.testing.assert_array_equal(on_arrow[key], on_list[key])
    np.testing.assert_array_equal(on_chunked["test_score"], on_list["test_score"])


# ------------------------------------------------------------------ pandas and polars


def test_pandas_arrow_strings():
    pd = pytest.importorskip("pandas")
    for dtype in ["string[pyarrow]", pd.ArrowDtype(pa.large_string()),
                  pd.ArrowDtype(pa.string())]:
        s = pd.Series(DOCS, dtype=dtype, index=np.arange(len(DOCS)) * 3)
        _compare({}, s, list(s))
        _compare({"analyzer": "char", "ngram_range": (1, 2)}, s.iloc[2:9], list(s.iloc[2:9]))
        with_na = pd.Series(["a doc", None, "more"], dtype=dtype)
        expected = _compare({}, with_na, list(with_na))
        assert isinstance(expected.exc, AttributeError)  # pd.NA.lower


def test_pandas_default_str_with_nan_raises_sklearns_nan_error():
    pd = pytest.importorskip("pandas")
    s = pd.Series(["first", np.nan, "third"])
    if not (isinstance(s.dtype, pd.StringDtype) and s.dtype.storage == "pyarrow"):
        pytest.skip("this pandas' default string dtype is not Arrow-backed")
    expected = _compare({}, s, list(s))
    assert isinstance(expected.exc, ValueError) and "np.nan is an invalid document" in str(
        expected.exc
    )
    _compare({}, s.dropna(), list(s.dropna()))


def test_pandas_categorical_of_arrow_strings():
    pd = pytest.importorskip("pandas")
    cats = pd.Index(["fox", "dog", "élan"], dtype="string[pyarrow]")
    s = pd.Series(["fox", "dog", "fox", "élan", "dog"], dtype=pd.CategoricalDtype(cats))
    _compare({}, s, list(s))
    s_na = pd.Series(["fox", None], dtype=pd.CategoricalDtype(cats))
    _compare({}, s_na, list(s_na))


def test_pandas_object_columns_and_frames_keep_the_iterable_path():
    pd = pytest.importorskip("pandas")
    # object Series export Arrow too (inferring a type): their values must reach
    # scikit-learn's checks as they are
    mixed = pd.Series(["text", b"bytes doc"], dtype=object)
    _compare({}, mixed, list(mixed))
    with_nan = pd.Series(["text", np.nan], dtype=object)
    expected = _compare({}, with_nan, list(with_nan))
    assert isinstance(expected.exc, ValueError)
    frame = pd.DataFrame({"text": ["a b", "c d"], "other": ["e", "f"]})
    _compare({}, frame, list(frame))  # scikit-learn iterates over the column labels


def test_polars_series():
    pl = pytest.importorskip("polars")
    s = pl.Series("text", DOCS)
    _compare({}, s, list(s))
    _compare({"analyzer": "char_wb"}, s.slice(3, 10), list(s.slice(3, 10)))
    nulls = pl.Series("text", ["x", None, "y"])
    expected = _compare({}, nulls, list(nulls))
    assert isinstance(expected.exc, AttributeError)
    cat = pl.Series("c", ["a b", "c", "a b", None, "c"], dtype=pl.Categorical).slice(0, 3)
    _compare({}, cat, list(cat))
    binary = pl.Series("b", [b"caf\xc3\xa9", b"\xff"], dtype=pl.Binary)
    _compare({"decode_error": "replace"}, binary, list(binary))
    frame = pl.DataFrame({"text": DOCS})
    _compare({}, frame, DOCS, n_jobs=(1,))


def test_objects_that_only_speak_the_capsule_interface():
    class Exporter:
        """Neither pyarrow nor iterable: only the Arrow PyCapsule interface."""

        def __init__(self, arrow):
            self._arrow = arrow

        def __arrow_c_stream__(self, requested_schema=None):
            return self._arrow.__arrow_c_stream__(requested_schema)

    class ArrayExporter(Exporter):
        __arrow_c_stream__ = None

        def __arrow_c_array__(self, requested_schema=None):
            return self._arrow.__arrow_c_array__(requested_schema)

    column = pa.chunked_array([pa.array(DOCS[:5]), pa.array(DOCS[5:])])
    assert_csr_identical(
        FhHashingVectorizer().transform(Exporter(column)), SkHashingVectorizer().transform(DOCS)
    )
    assert_csr_identical(
        FhHashingVectorizer().transform(ArrayExporter(pa.array(DOCS))),
        SkHashingVectorizer().transform(DOCS),
    )


def test_model_selection_takes_arrow_rows():
    """fasthash selects rows of pyarrow data as pyarrow data on every scikit-learn (1.6
    would make lists of scalars), and says clearly where scikit-learn's own
    cross-validation cannot."""
    from sklearn.linear_model import SGDClassifier
    from sklearn.pipeline import make_pipeline

    from fasthash.model_selection import GridSearchCV, cross_val_score
    from fasthash.utils._sklearn_compat import safe_indexing, sklearn_selects_rows_of

    column = pa.chunked_array([pa.array(DOCS[:4]), pa.array(DOCS[4:])])
    rows = safe_indexing(column, np.array([5, 0, 2]))
    assert rows.to_pylist() == [DOCS[5], DOCS[0], DOCS[2]]
    mask = np.zeros(len(DOCS), dtype=bool)
    mask[[1, 3]] = True
    assert safe_indexing(pa.table({"t": DOCS}), mask).column(0).to_pylist() == [DOCS[1],
                                                                                  DOCS[3]]
    y = np.arange(len(DOCS)) % 2
    pipe = make_pipeline(FhHashingVectorizer(n_features=2**8), SGDClassifier(random_state=0))

    def scorer(est, X, y):  # a user function: scikit-learn's own cross-validation runs
        return float(est.score(X, y))

    if sklearn_selects_rows_of(column):
        got = cross_val_score(pipe, column, y, cv=2, scoring=scorer)
        want = cross_val_score(pipe, DOCS, y, cv=2, scoring=scorer)
        np.testing.assert_array_equal(got, want)
    else:
        with pytest.raises(TypeError, match="cannot select rows"):
            cross_val_score(pipe, column, y, cv=2, scoring=scorer)
    search = GridSearchCV(pipe, {"sgdclassifier__alpha": [1e-4, 1e-3]}, cv=2)
    search.fit(pa.array(DOCS), y)
    reference = GridSearchCV(pipe, {"sgdclassifier__alpha": [1e-4, 1e-3]}, cv=2).fit(DOCS, y)
    np.testing.assert_array_equal(search.cv_results_["mean_test_score"],
                                  reference.cv_results_["mean_test_score"])


@pytest.mark.parametrize("type_name", TEXT_TYPES + BINARY_TYPES)
@pytest.mark.parametrize("ngram_range", [(2, 4), (3, 5), (2, 9)], ids=str)
def test_char_wb_on_wide_utf8_columns(type_name, ngram_range):
    """Non-ASCII UTF-8 strings take the wide char_wb path (one joined text, shared hash
    blocks) after validation, as the str documents do."""
    values = ["Straße über ΣΑΣ ΟΔΟΣ", "日本語\u3000テキスト", "a😀 😀😀 x😀y", "İİ \u00a0 é",
              "ж" * 300 + " ω" * 200]
    params = {"analyzer": "char_wb", "ngram_range": ngram_range}
    column = _array(values, type_name)
    _compare(params, column, column.to_pylist())
