# Authors: The fasthash developers
# SPDX-License-Identifier: BSD-3-Clause
"""fasthash.dask.transform on dask DataFrames whose partitions hold Arrow strings.

Each partition is a pandas Series with an Arrow-backed dtype, hashed on its worker through
the Arrow path (no Python object per document): every block equals scikit-learn's output
on the partition's values, and a null names its partition and its row.
"""

import pytest

pytest.importorskip(
    "dask", reason='needs the optional dependency dask: pip install "fasthash[dask]"'
)
pytest.importorskip(
    "distributed", reason='needs the optional dependency distributed: pip install "fasthash[dask]"'
)
pa = pytest.importorskip("pyarrow")

import dask.dataframe as dd  # noqa: E402
import pandas as pd  # noqa: E402
from sklearn.feature_extraction import FeatureHasher as SkFeatureHasher  # noqa: E402
from sklearn.feature_extraction.text import HashingVectorizer as SkHashingVectorizer  # noqa: E402

import fasthash  # noqa: E402
from fasthash._corpus import english_topics  # noqa: E402
from fasthash.dask import PartitionError, transform  # noqa: E402

N_FEATURES = 2**14


def _assert_identical(got, expected):
    assert type(got) is type(expected) and got.shape == expected.shape
    for name in ("indptr", "indices", "data"):
        a, b = getattr(got, name), getattr(expected, name)
        assert a.dtype == b.dtype and a.tobytes() == b.tobytes(), name


@pytest.mark.parametrize(
    "dtype", ["str", "string[pyarrow]", pd.ArrowDtype(pa.large_string())], ids=str
)
@pytest.mark.parametrize("params", [{}, {"analyzer": "char_wb", "ngram_range": (2, 4)}],
                         ids=repr)
def test_arrow_string_partitions(client, dtype, params):
    docs, _ = english_topics()
    docs = docs[:300]
    series = pd.Series(docs, dtype=dtype)
    frame = dd.from_pandas(pd.DataFrame({"text": series}), npartitions=3)
    part = frame["text"].partitions[1].compute(scheduler="sync")
    assert not pd.api.types.is_object_dtype(part.dtype)  # the workers get Arrow strings
    vec = fasthash.HashingVectorizer(n_features=N_FEATURES, **params)
    X = transform(vec, frame["text"])
    blocks = client.compute([X.blocks[i] for i in range(3)], sync=True)
    start = 0
    for block in blocks:
        n = block.shape[0]
        expected = SkHashingVectorizer(n_features=N_FEATURES, **params).transform(
            docs[start : start + n]
        )
        _assert_identical(block, expected)
        start += n
    assert start == len(docs)


def test_null_in_an_arrow_partition_names_partition_and_row(client):
    docs = [f"document {i}" for i in range(30)]
    values = pd.Series(docs, dtype="string[pyarrow]")
    values[17] = None
    frame = dd.from_pandas(pd.DataFrame({"text": values}), npartitions=3)
    X = transform(fasthash.HashingVectorizer(n_features=N_FEATURES), frame["text"])
    with pytest.raises(AttributeError) as info:
        X.compute()
    err = info.value
    assert isinstance(err, PartitionError) and err.partition == 1
    assert "'NAType' object has no attribute 'lower'" in str(err)
    assert "document 7 of the Arrow column" in str(err)


def test_feature_hasher_on_arrow_list_partitions(client):
    rows = [["dog", "cat"], [], ["é", "dog", "dog"]] * 40
    series = pd.Series(rows, dtype=pd.ArrowDtype(pa.list_(pa.string())))
    frame = dd.from_pandas(pd.DataFrame({"f": series}), npartitions=4)
    hasher = fasthash.FeatureHasher(n_features=2**8, input_type="string")
    X = transform(hasher, frame["f"]).compute()
    _assert_identical(X, SkFeatureHasher(n_features=2**8, input_type="string").transform(rows))
