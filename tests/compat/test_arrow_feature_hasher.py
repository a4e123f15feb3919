# Authors: The fasthash developers
# SPDX-License-Identifier: BSD-3-Clause
"""FeatureHasher on Arrow list and map columns equals scikit-learn on the Python samples.

``list<name>`` stands for lists of names (``input_type='string'``); ``map<name, number>``
and ``list<struct<name, number>>`` for the lists of ``(name, value)`` pairs of their rows
(``'pair'``) or the dicts of those pairs (``'dict'``). Outputs are compared bit for bit,
exceptions by type and message, warnings too, for 1 and 2 threads.
"""

import warnings

import numpy as np
import pytest
from _helpers import assert_csr_identical, assert_same_outcome, run
from sklearn.feature_extraction import FeatureHasher as SkFeatureHasher

from fasthash import FeatureHasher

pa = pytest.importorskip("pyarrow")

NAMES = [["dog", "cat", "dog"], [], ["é", "ünïcödé name", "x" * 40], ["a", "b", "c", "d"] * 8,
         ["snake"], ["dog"]]


def _samples(column, input_type):
    """The Python samples an Arrow column stands for."""
    rows = column.to_pylist()
    out = []
    for row in rows:
        if row is None or input_type == "string":
            out.append(row)
            continue
        pairs = [
            None if item is None else (tuple(item.values()) if isinstance(item, dict) else item)
            for item in row
        ]
        out.append(dict(pairs) if input_type == "dict" else pairs)
    return out


def _compare(params, column, samples=None, n_jobs=(1, 2)):
    if samples is None:
        samples = _samples(column, params.get("input_type", "dict"))
    expected = run(lambda: SkFeatureHasher(**params).transform(samples))
    for jobs in n_jobs:
        got = run(lambda jobs=jobs: FeatureHasher(**params, n_jobs=jobs).transform(column))
        try:
            assert_same_outcome(got, expected)
        except AssertionError as err:
            raise AssertionError(f"n_jobs={jobs}, params={params!r}: {err}") from err
    return expected


@pytest.mark.parametrize("list_type", ["list_", "large_list"])
@pytest.mark.parametrize("name_type", ["string", "large_string", "string_view", "binary"])
@pytest.mark.parametrize(
    "params",
    [{}, {"n_features": 7}, {"alternate_sign": False, "n_features": 2**4},
     {"dtype": np.float32}, {"dtype": np.int64}, {"dtype": np.complex128}],
    ids=repr,
)
def test_lists_of_names(list_type, name_type, params):
    name = getattr(pa, name_type)()
    values = NAMES
    if name_type == "binary":
        values = [[n.encode() for n in row] for row in NAMES]
    column = pa.array(values, type=getattr(pa, list_type)(name))
    _compare({"input_type": "string", **params}, column)
    _compare({"input_type": "string", **params}, column.slice(2, 3), n_jobs=(1,))


def test_lists_of_dictionary_names_chunked_and_sliced():
    inner = pa.array(["dog", "cat", "é"]).dictionary_encode()
    column = pa.ListArray.from_arrays(pa.array([0, 2, 2, 3]), inner)
    chunked = pa.chunked_array([column, column.slice(1), pa.array([], column.type)])
    _compare({"input_type": "string"}, chunked)


VALUE_TYPES = ["int8", "uint8", "int16", "int32", "uint32", "int64", "uint64", "float16",
               "float32", "float64", "bool_"]


def _pair_values(value_type):
    if value_type == "bool_":
        return [True, False, True]
    if value_type.startswith("uint"):
        return [3, 0, 255 if value_type == "uint8" else 2**32 - 1 if value_type == "uint32"
                else 2**64 - 1 if value_type == "uint64" else 7]
    if value_type.startswith("int"):
        return [-5, 0, 100]
    return [1.5, 0.0, -2.25]


@pytest.mark.parametrize("value_type", VALUE_TYPES)
@pytest.mark.parametrize("layout", ["map", "list<struct>", "large_list<struct>"])
@pytest.mark.parametrize("input_type", ["dict", "pair"])
def test_pairs(value_type, layout, input_type):
    vals = _pair_values(value_type)
    rows = [[("dog", vals[0]), ("cat", vals[1]), ("é", vals[2])], [], [("x" * 30, vals[0])],
            [("cat", vals[2]), ("dog", vals[2])]]
    vt = getattr(pa, value_type)()
    if layout == "map":
        column = pa.array(rows, type=pa.map_(pa.string(), vt))
    else:
        st = pa.struct([("name", pa.string()), ("value", vt)])
        lt = pa.list_(st) if layout == "list<struct>" else pa.large_list(st)
        column = pa.array([[{"name": k, "value": v} for k, v in r] for r in rows], type=lt)
    for params in ({}, {"dtype": np.float32}, {"dtype": np.int32}, {"alternate_sign": False}):
        _compare({"input_type": input_type, "n_features": 2**5, **params}, column)


def test_values_needing_scikit_learns_assignment():
    # int8 output: values out of range and NaN go through scikit-learn's exact assignment
    column = pa.array([[("a", 1.0), ("b", 300.0)]], type=pa.map_(pa.string(), pa.float64()))
    expected = _compare({"dtype": np.int8}, column)
    assert not expected.ok
    nan = pa.array([[("a", float("nan")), ("b", 2.0)]], type=pa.map_(pa.string(), pa.float64()))
    _compare({"dtype": np.int16}, nan)
    huge = pa.array([[("a", 1e300), ("b", -1e300)]], type=pa.map_(pa.string(), pa.float64()))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        _compare({"dtype": np.float32}, huge)


def test_duplicate_keys_in_dict_mode_are_a_dicts():
    column = pa.array([[("a", 1), ("b", 2), ("a", 5)], [("z", 1), ("z", 0)]],
                      type=pa.map_(pa.string(), pa.int64()))
    _compare({"input_type": "dict"}, column)  # {"a": 5, "b": 2}, {"z": 0}
    _compare({"input_type": "pair"}, column)  # every pair counts


@pytest.mark.parametrize("input_type", ["string", "pair", "dict"])
def test_nulls(input_type):
    if input_type == "string":
        cases = [[["a"], None, ["b"]], [["a", None]], [None], [[None, "b"]]]
        typ = pa.list_(pa.string())
    else:
        cases = [[[("a", 1.0)], None], [[("a", None), ("b", 2.0)]], [[("a", 0.0)]],
                 [[("a", 1.0)], [("b", None)]]]
        typ = pa.map_(pa.string(), pa.float64())
    for rows in cases:
        column = pa.array(rows, type=typ)
        expected = _compare({"input_type": input_type}, column)
        if not expected.ok:
            with pytest.raises(type(expected.exc)) as info:
                FeatureHasher(input_type=input_type).transform(column)
            assert "of the Arrow column" in info.value.__notes__[0]


def test_null_struct_items_and_names():
    st = pa.struct([("k", pa.string()), ("v", pa.float64())])
    items = pa.array([{"k": "a", "v": 1.0}, None, {"k": None, "v": 0.0}, {"k": None, "v": 2.0}],
                     type=st)
    offsets = pa.array([0, 1, 2, 3, 4], type=pa.int32())
    column = pa.ListArray.from_arrays(offsets, items)
    samples = [[("a", 1.0)], [None], [(None, 0.0)], [(None, 2.0)]]
    for i in range(4):
        _compare({"input_type": "pair"}, column.slice(i, 1), samples[i : i + 1], n_jobs=(1,))


def test_mismatched_input_types_read_the_python_values():
    names = pa.array(NAMES, type=pa.list_(pa.string()))
    _compare({"input_type": "pair"}, names, names.to_pylist())  # "ab" unpacks to ("a", "b")
    pairs = pa.array([[("a", 1)]], type=pa.map_(pa.string(), pa.int64()))
    _compare({"input_type": "string"}, pairs, pairs.to_pylist())
    text = pa.array(["abc", "de"])
    expected = _compare({"input_type": "string"}, text, text.to_pylist())
    assert "single string" in str(expected.exc)


def test_empty_and_table_inputs():
    with pytest.raises(ValueError, match="Cannot vectorize empty sequence."):
        FeatureHasher(input_type="string").transform(pa.array([], type=pa.list_(pa.string())))
    table = pa.table({"features": pa.array(NAMES)})
    assert_csr_identical(
        FeatureHasher(input_type="string").transform(table),
        SkFeatureHasher(input_type="string").transform(NAMES),
    )


def test_many_rows_and_batches():
    rng = np.random.default_rng(3)
    vocab = [f"feature_{i}" for i in range(500)]
    rows = [list(rng.choice(vocab, rng.integers(0, 60))) for _ in range(5000)]
    column = pa.chunked_array([pa.array(rows[:1234]), pa.array(rows[1234:])])
    _compare({"input_type": "string", "n_features": 2**10}, column, rows)
    weights = [
        [(f, float(w)) for f, w in zip(r, rng.normal(size=len(r)), strict=True)] for r in rows
    ]
    column = pa.array(weights, type=pa.map_(pa.string(), pa.float64()))
    _compare({"input_type": "pair", "n_features": 2**10}, column, weights)


def test_polars_and_pandas_lists():
    pl = pytest.importorskip("polars")
    s = pl.Series("f", NAMES)
    _compare({"input_type": "string"}, s, NAMES)
    pd = pytest.importorskip("pandas")
    ps = pd.Series(NAMES, dtype=pd.ArrowDtype(pa.list_(pa.string())))
    _compare({"input_type": "string"}, ps, NAMES)
