# Authors: The fasthash developers
# SPDX-License-Identifier: BSD-3-Clause
"""The Arrow reader: capsules, chunk views, malformed arrays, memory and ownership.

The differential tests against scikit-learn are in ``tests/compat/test_arrow_*.py``.
"""

import gc
import tracemalloc

import numpy as np
import pytest

from fasthash import FeatureHasher, HashingVectorizer
from fasthash._lib import _arrow, _hashing

pa = pytest.importorskip("pyarrow")


def _stream(obj):
    if hasattr(type(obj), "__arrow_c_stream__"):
        return _arrow.from_stream(obj.__arrow_c_stream__())
    return _arrow.from_array(*obj.__arrow_c_array__())


@pytest.mark.parametrize(
    ("arrow", "kind", "fmt"),
    [
        (pa.array(["a"]), _arrow.TEXT, "u"),
        (pa.array(["a"], pa.large_string()), _arrow.TEXT, "U"),
        (pa.array(["a"], pa.string_view()), _arrow.TEXT, "vu"),
        (pa.array([b"a"]), _arrow.BYTES, "z"),
        (pa.array([b"a"], pa.large_binary()), _arrow.BYTES, "Z"),
        (pa.array([b"a"], pa.binary_view()), _arrow.BYTES, "vz"),
        (pa.array(["a"]).dictionary_encode(), _arrow.TEXT, "dictionary<i, u>"),
        (pa.array([["a"]]), _arrow.NAME_LISTS, "+l"),
        (pa.array([["a"]], pa.large_list(pa.binary())), _arrow.NAME_LISTS, "+L"),
        (pa.array([[("a", 1)]], pa.map_(pa.string(), pa.int8())), _arrow.PAIR_LISTS, "+m"),
        (pa.array([[{"k": "a", "v": 1.0}]]), _arrow.PAIR_LISTS, "+l"),
        (pa.table({"t": ["a"]}), _arrow.TEXT, "u"),
        (pa.table({"a": ["x"], "b": ["y"]}), _arrow.TABLE, "+s"),
        (pa.array([1, 2]), _arrow.UNSUPPORTED, "l"),
        (pa.array([["a"]], pa.list_(pa.list_(pa.string()))), _arrow.UNSUPPORTED, "+l"),
        (pa.array([[{"k": 1, "v": 1.0}]]), _arrow.UNSUPPORTED, "+l"),
        (pa.array([[("a", "b")]], pa.map_(pa.string(), pa.string())), _arrow.UNSUPPORTED, "+m"),
    ],
)
def test_kinds_and_formats(arrow, kind, fmt):
    s = _stream(arrow)
    assert (s.kind, s.format) == (kind, fmt)


@pytest.mark.parametrize("typ", [pa.string(), pa.large_string(), pa.string_view(),
                                 pa.binary(), pa.large_binary(), pa.binary_view()])
def test_rows_equal_to_pylist(typ):
    values = ["", "short", "exactly 12 b", "longer than twelve", None, "é ü ΣΑΣ", None]
    if typ in (pa.binary(), pa.large_binary(), pa.binary_view()):
        values = [None if v is None else v.encode() for v in values]
    arr = pa.array(values * 3, type=typ)
    chunked = pa.chunked_array([arr.slice(2, 9), arr.slice(0, 0), arr.slice(5)])
    chunks = _stream(chunked).chunks()
    assert [c.length for c in chunks] == [9, 0, len(arr) - 5]
    assert [c.start for c in chunks] == [0, 9, 9]
    got = [v for c in chunks for v in c.rows(0, c.length, "NULL")]
    assert got == ["NULL" if v is None else v for v in chunked.to_pylist()]


def test_samples_equal_python_values():
    st = pa.struct([("k", pa.string()), ("v", pa.float16())])
    column = pa.array([[{"k": "a", "v": 1.5}, None], None, [{"k": None, "v": None}]],
                      type=pa.list_(st))
    (chunk,) = _stream(column).chunks()
    assert chunk.samples(0, 3, _arrow.SAMPLE_PAIR, "N") == [
        [("a", 1.5), None], "N", [(None, None)]]
    m = pa.array([[("x", 2**64 - 1), ("y", 0)]], type=pa.map_(pa.binary(), pa.uint64()))
    (chunk,) = _stream(m).chunks()
    assert chunk.samples(0, 1, _arrow.SAMPLE_DICT) == [{b"x": 2**64 - 1, b"y": 0}]
    assert type(chunk.samples(0, 1, _arrow.SAMPLE_PAIR)[0][0][1]) is int


def test_capsules_are_moved_and_checked():
    capsule = pa.chunked_array([pa.array(["a"])]).__arrow_c_stream__()
    _arrow.from_stream(capsule)
    with pytest.raises(ValueError, match="released already"):
        _arrow.from_stream(capsule)  # the struct was moved out: the capsule is empty
    with pytest.raises(TypeError, match="arrow_array_stream"):
        _arrow.from_stream(object())
    schema, array = pa.array(["a"]).__arrow_c_array__()
    with pytest.raises(TypeError, match="arrow_schema"):
        _arrow.from_array(array, schema)


def test_stream_errors_propagate():
    def batches():
        yield pa.record_batch({"t": ["fine"]})
        raise RuntimeError("the producer failed")

    reader = pa.RecordBatchReader.from_batches(pa.schema({"t": pa.string()}), batches())
    with pytest.raises(OSError, match="the producer failed"):
        HashingVectorizer().transform(reader)


def test_ctrl_c_inside_a_python_producer_stays_a_keyboard_interrupt():
    def batches():
        yield pa.record_batch({"t": ["fine"]})
        raise KeyboardInterrupt

    reader = pa.RecordBatchReader.from_batches(pa.schema({"t": pa.string()}), batches())
    with pytest.raises(KeyboardInterrupt):
        HashingVectorizer().transform(reader)


def _malformed_string_array(offsets, data=b"abcdef", n=None):
    offsets = np.asarray(offsets, dtype=np.int32)
    n = len(offsets) - 1 if n is None else n
    return pa.Array.from_buffers(pa.string(), n, [None, pa.py_buffer(offsets.tobytes()),
                                          pa.py_buffer(data)])


@pytest.mark.parametrize("offsets", [[0, 3, 1, 6], [0, 1, 2, 6, 5]], ids=["middle", "last"])
def test_malformed_offsets_raise_instead_of_reading_out_of_bounds(offsets):
    arr = _malformed_string_array(offsets)
    with pytest.raises(_arrow.MalformedArrowError, match="malformed Arrow array"):
        HashingVectorizer().transform(arr)
    lists = pa.ListArray.from_buffers(
        pa.list_(pa.string()), 1,
        [None, pa.py_buffer(np.array([0, len(offsets) - 1], np.int32).tobytes())],
        children=[arr],
    )
    with pytest.raises(_arrow.MalformedArrowError):
        FeatureHasher(input_type="string").transform(lists)


def test_dictionary_index_out_of_range_raises():
    indices = pa.Array.from_buffers(pa.int32(), 2, [None, pa.py_buffer(
        np.array([0, 7], np.int32).tobytes())])
    d = pa.DictionaryArray.from_arrays(indices, pa.array(["a", "b"]), safe=False)
    with pytest.raises(_arrow.MalformedArrowError, match="row 1"):
        HashingVectorizer().transform(d)


def test_view_outside_its_buffer_raises():
    views = np.zeros(2, dtype=[("len", "<i4"), ("prefix", "S4"), ("buf", "<i4"), ("off", "<i4")])
    views[0] = (3, b"abc", 0, 0)  # inline
    views[1] = (20, b"abcd", 0, 10)  # 10 + 20 > the buffer's 16 bytes
    arr = pa.Array.from_buffers(pa.string_view(), 2, [None, pa.py_buffer(views.tobytes()),
                                                      pa.py_buffer(b"0123456789abcdef")])
    with pytest.raises(_arrow.MalformedArrowError, match="row 1"):
        HashingVectorizer().transform(arr)


def test_native_rows_never_reach_python():
    """Valid rows are analysed from their bytes: the per-document callback never runs."""

    def prepare(doc):
        raise AssertionError(f"row {doc!r} went through Python")

    docs = ["ascii", "ünïcödé", "", "x" * 100] * 5000
    for typ in (pa.string(), pa.large_string(), pa.string_view(), pa.binary()):
        column = pa.chunked_array([pa.array(docs[:777], typ), pa.array(docs[777:], typ)])
        stream = _stream(column)
        n = 0
        while True:
            batch = _hashing.collect_arrow(stream, 8192, 1 << 21, prepare,
                                           _hashing.ARROW_VIEWS_UTF8, True, None)
            assert batch.error is None
            n += batch.n_docs
            if batch.exhausted:
                break
        assert n == len(docs)


def test_no_python_object_per_document():
    """Hashing an Arrow column allocates no Python object per document (the traced
    allocations stay far below one small object per row)."""
    n = 200_000
    column = pa.array([f"document number {i} with words" for i in range(n)])
    vec = HashingVectorizer(n_features=2**10, n_jobs=1)
    vec.transform(column[:10])  # imports and caches
    gc.collect()
    tracemalloc.start()
    try:
        vec.transform(column)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert peak < n * 8, peak  # a str per row alone would be > 60 bytes per row


def test_buffers_are_released():
    gc.collect()  # an earlier test's garbage freed later would look like a release here
    before = pa.total_allocated_bytes()
    column = pa.chunked_array([pa.array([f"doc {i}" for i in range(5000)])] * 3)
    vec = HashingVectorizer(n_features=2**8)
    for _ in range(3):
        vec.transform(column)
    with pytest.raises(AttributeError):
        vec.transform(pa.chunked_array([column.chunk(0), pa.array([None], pa.string())]))
    del column
    gc.collect()
    assert pa.total_allocated_bytes() == before


def test_batch_text_of_an_arrow_row():
    stream = _stream(pa.array(["héllo wörld", "second"]))
    batch = _hashing.collect_arrow(stream, 10, 1 << 20, None, _hashing.ARROW_VIEWS_UTF8,
                                   True, None)
    assert batch.n_docs == 2 and batch.exhausted and batch.first_row == 0
    assert batch.text(0) == "héllo wörld"


_WITHOUT_PYARROW = """
import sys
sys.modules["pyarrow"] = None  # import pyarrow fails
import polars as pl
import fasthash
from sklearn.feature_extraction.text import HashingVectorizer as Sk
docs = ["The quick brown fox", None, "é ça"]
s = pl.Series("t", docs).drop_nulls()
got = fasthash.HashingVectorizer(n_features=64).transform(s)
want = Sk(n_features=64).transform(list(s))
assert (got != want).nnz == 0 and got.indices.tolist() == want.indices.tolist()
lists = fasthash.FeatureHasher(n_features=16, input_type="string").transform(
    pl.Series("f", [["a", "b"], [], ["c"]]))
assert lists.shape == (3, 16) and lists.nnz == 3
assert "pyarrow" not in {m.split(".")[0] for m in sys.modules if sys.modules[m] is not None}
print("ok")
"""


def test_no_pyarrow_needed_for_capsule_exporters():
    import subprocess
    import sys

    pytest.importorskip("polars")
    out = subprocess.run([sys.executable, "-c", _WITHOUT_PYARROW], capture_output=True,
                         text=True, timeout=120)
    assert out.returncode == 0, out.stderr[-2000:]
    assert out.stdout.strip() == "ok"
