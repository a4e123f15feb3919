# Authors: The fasthash developers
# SPDX-License-Identifier: BSD-3-Clause
"""fasthash.dask.transform on a 2-worker LocalCluster: blocks bit-identical to local hashing."""

import doctest
import pickle
import subprocess
import sys

import numpy as np
import pytest
import scipy.sparse as sp

pytest.importorskip(
    "dask", reason='needs the optional dependency dask: pip install "fasthash[dask]"'
)
pytest.importorskip(
    "distributed", reason='needs the optional dependency distributed: pip install "fasthash[dask]"'
)

import dask  # noqa: E402
import dask.array as da  # noqa: E402
import dask.bag as db  # noqa: E402
import dask.dataframe as dd  # noqa: E402
import distributed  # noqa: E402
import pandas as pd  # noqa: E402

import fasthash  # noqa: E402
import fasthash.dask  # noqa: E402
from fasthash._corpus import english_topics  # noqa: E402
from fasthash.dask import PartitionError, partition_lengths, transform  # noqa: E402

N_FEATURES = 2**16


@pytest.fixture(scope="module")
def docs():
    documents, _ = english_topics()
    return documents[:400]


def assert_csr_identical(got, expected):
    assert type(got) is type(expected)
    assert got.shape == expected.shape
    assert got.dtype == expected.dtype
    for name in ("indptr", "indices", "data"):
        a, b = getattr(got, name), getattr(expected, name)
        assert a.dtype == b.dtype, name
        assert a.shape == b.shape, name
        assert a.tobytes() == b.tobytes(), name  # bits, not values


def local_partitions(collection):
    """The partitions of a dask collection, computed in this process (sync scheduler)."""
    if isinstance(collection, da.Array):
        n = collection.numblocks[0]
        return [collection.blocks[i].compute(scheduler="sync") for i in range(n)]
    if isinstance(collection, db.Bag):
        return [list(d.compute(scheduler="sync")) for d in collection.to_delayed()]
    n = collection.npartitions
    return [collection.partitions[i].compute(scheduler="sync") for i in range(n)]


def check_blockwise(vectorizer, collection, client):
    X = transform(vectorizer, collection)
    parts = local_partitions(collection)
    lengths = tuple(len(p) for p in parts)
    assert X.chunks == (lengths, (vectorizer.n_features,))
    assert X.shape == (sum(lengths), vectorizer.n_features)
    assert X.dtype == np.dtype(vectorizer.dtype)
    # dask keeps meta as a 0x0 slice of the meta given (an empty CSR of width n_features)
    assert isinstance(X._meta, sp.csr_matrix)
    assert X._meta.dtype == np.dtype(vectorizer.dtype)
    blocks = client.compute([X.blocks[i] for i in range(X.numblocks[0])], sync=True)
    for block, part in zip(blocks, parts, strict=True):
        assert_csr_identical(block, vectorizer.transform(part))
    return X


_IMPORT_CHECK = """
import sys
import fasthash
print(any(m == "dask" or m.startswith("dask.") for m in sys.modules))
for missing in ("dask", "distributed"):
    for name in list(sys.modules):
        if name.split(".")[0] in ("dask", "distributed", "fasthash"):
            del sys.modules[name]
    sys.modules[missing] = None
    try:
        import fasthash.dask
    except ImportError as e:
        print(e)
    del sys.modules[missing]
"""


def test_import_fasthash_does_not_import_dask_and_hint_without_dask():
    out = subprocess.run(
        [sys.executable, "-c", _IMPORT_CHECK], capture_output=True, text=True, check=True
    )
    hint = (
        "fasthash.dask needs the optional dependencies dask and distributed: "
        'pip install "fasthash[dask]"'
    )
    assert out.stdout.splitlines() == ["False", hint, hint]


@pytest.mark.parametrize(
    "params", [{}, {"ngram_range": (1, 2), "norm": None, "dtype": np.float32}], ids=repr
)
def test_bag_blocks_identical(client, docs, params):
    vec = fasthash.HashingVectorizer(n_features=N_FEATURES, **params)
    X = check_blockwise(vec, db.from_sequence(docs, npartitions=4), client)
    assert_csr_identical(X.compute(), vec.transform(docs))


def test_series_and_single_column_dataframe_blocks_identical(client, docs):
    frame = dd.from_pandas(pd.DataFrame({"text": docs, "other": range(len(docs))}), npartitions=3)
    vec = fasthash.HashingVectorizer(n_features=N_FEATURES, alternate_sign=False)
    check_blockwise(vec, frame["text"], client)
    check_blockwise(vec, frame[["text"]], client)


def test_array_blocks_identical_known_and_unknown_chunks(client, docs):
    array = da.from_array(np.array(docs, dtype=object), chunks=150)
    vec = fasthash.HashingVectorizer(n_features=N_FEATURES)
    check_blockwise(vec, array, client)
    unknown = array[array != "no such document"]
    assert np.isnan(unknown.chunks[0]).all()
    X = transform(vec, unknown)
    assert X.chunks[0] == (150, 150, 100)
    assert_csr_identical(X.compute(), vec.transform(docs))


def test_feature_hasher_blocks_identical(client, docs):
    dicts = [{w: float(len(w)) for w in doc.split()[:30]} for doc in docs]
    hasher = fasthash.FeatureHasher(n_features=N_FEATURES)
    check_blockwise(hasher, db.from_sequence(dicts, npartitions=3), client)
    tokens = [doc.split()[:30] for doc in docs]
    hasher = fasthash.FeatureHasher(n_features=2**10, input_type="string", dtype=np.float32)
    check_blockwise(hasher, db.from_sequence(tokens, npartitions=2), client)


def test_sklearn_vectorizer_and_empty_partition(client, docs):
    from sklearn.feature_extraction.text import HashingVectorizer as SkHashingVectorizer

    numbered = db.from_sequence(list(enumerate(docs[:9])), npartitions=3)
    bag = numbered.filter(lambda t: t[0] < 3 or t[0] >= 6).map(lambda t: t[1])
    vec = SkHashingVectorizer(n_features=2**12)
    X = transform(vec, bag)
    assert X.chunks == ((3, 0, 3), (2**12,))
    blocks = client.compute([X.blocks[i] for i in range(3)], sync=True)
    assert_csr_identical(blocks[0], vec.transform(docs[:3]))
    assert_csr_identical(blocks[2], vec.transform(docs[6:9]))
    assert blocks[1].shape == (0, 2**12) and blocks[1].nnz == 0
    assert blocks[1].dtype == np.float64


def test_text_stays_on_the_workers(client, docs):
    text = docs * 5
    bag = client.persist(db.from_sequence(text, npartitions=4))
    X = transform(fasthash.HashingVectorizer(n_features=N_FEATURES), bag)
    # The graph refers to the persisted partitions by key: the text is not in it.
    graph_bytes = len(pickle.dumps(dict(X.__dask_graph__())))
    assert graph_bytes < sum(len(d) for d in text) / 20
    X = client.persist(X)
    distributed.wait(X, timeout=60)
    where = client.who_has(X)
    workers = set(client.scheduler_info()["workers"])
    assert where and all(set(w) <= workers and w for w in where.values())
    local = fasthash.HashingVectorizer(n_features=N_FEATURES).transform(text)
    assert_csr_identical(X.compute(), local)


@pytest.mark.parametrize(
    "bad, expected_type, original",
    [
        (None, AttributeError, "'NoneType' object has no attribute 'lower'"),
        (5, AttributeError, "'int' object has no attribute 'lower'"),
        (b"\xff\xfe", UnicodeDecodeError, "can't decode byte 0xff"),
    ],
    ids=["None", "int", "bytes"],
)
def test_bad_partition_names_partition_and_error(client, docs, bad, expected_type, original):
    items = list(docs[:40])
    items[33] = bad  # partition 3 of 4 (10 items each)
    vec = fasthash.HashingVectorizer(n_features=N_FEATURES)
    X = transform(vec, db.from_sequence(items, npartitions=4))
    with pytest.raises(expected_type) as info:
        X.compute()
    err = info.value
    assert isinstance(err, PartitionError)
    assert err.partition == 2 + 1 and err.n_partitions == 4
    assert "partition 3 (of 4)" in str(err)
    assert original in str(err)
    assert isinstance(err.__cause__, expected_type)


def test_partition_lengths_and_lengths_parameter(client, docs):
    bag = db.from_sequence(docs[:10], npartitions=3)
    assert partition_lengths(bag) == (4, 4, 2)
    vec = fasthash.HashingVectorizer(n_features=2**10)
    X = transform(vec, bag, lengths=[4, 4, 2])
    assert X.chunks[0] == (4, 4, 2)
    wrong = transform(vec, bag, lengths=[4, 4, 3])  # given lengths are checked on the workers
    with pytest.raises(ValueError, match=r"partition 2 \(of 3\).*holds 2 documents"):
        wrong.compute()
    with pytest.raises(ValueError, match=r"lengths must be 3 non-negative ints"):
        transform(vec, bag, lengths=[4, 4])
    with pytest.raises(ValueError, match="do not match the chunks"):
        transform(vec, da.from_array(np.array(docs[:10], dtype=object), chunks=5), lengths=[2, 8])


def test_invalid_inputs_raise_on_the_client(docs):
    vec = fasthash.HashingVectorizer(n_features=2**10)
    with pytest.raises(TypeError, match="expects a dask Bag"):
        transform(vec, docs)
    with pytest.raises(ValueError, match="select the text column"):
        transform(vec, dd.from_pandas(pd.DataFrame({"a": ["x"], "b": ["y"]}), npartitions=1))
    with pytest.raises(ValueError, match="1-D dask Array"):
        transform(vec, da.from_array(np.array([["a"]], dtype=object), chunks=1))
    with pytest.raises(TypeError, match="stateless hasher"):
        transform(object(), db.from_sequence(["a"]))
    with pytest.raises(ValueError, match="n_features"):
        transform(fasthash.HashingVectorizer(n_features=0), db.from_sequence(["a"]))


def test_workers_get_n_jobs_1():
    from fasthash.dask._hashing import _checked_vectorizer

    vec = fasthash.HashingVectorizer(n_features=2**10, n_jobs=4)
    assert _checked_vectorizer(vec).n_jobs == 1
    assert vec.n_jobs == 4  # the user's object is not modified


def test_docstring_examples():
    import fasthash.dask._hashing as module

    with dask.config.set(scheduler="sync"):
        flags = doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE
        result = doctest.testmod(module, optionflags=flags)
    assert result.attempted > 0 and result.failed == 0
