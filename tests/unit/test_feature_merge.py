# Authors: The fasthash developers
# SPDX-License-Identifier: BSD-3-Clause
"""FeatureHasher's native duplicate merge (``_features.MergedRows``) and its fallback."""

import numpy as np
import pytest
import scipy.sparse as sp
from sklearn.feature_extraction import FeatureHasher as SkFeatureHasher

from fasthash import FeatureHasher
from fasthash._lib import _features


def _raw(rows, dtype):
    indptr = np.zeros(len(rows) + 1, dtype=np.int64)
    indptr[1:] = np.cumsum([len(r) for r in rows])
    indices = np.array([c for r in rows for c, _ in r], dtype=np.int32)
    values = np.array([v for r in rows for _, v in r], dtype=dtype)
    return indptr, indices, values


def _scipy_merge(indptr, indices, values, n_cols=100):
    X = sp.csr_array(
        (values.copy(), indices.copy(), indptr.copy()), shape=(len(indptr) - 1, n_cols)
    )
    X.sum_duplicates()
    return X


def _merge(batches, dtype, n_threads, n_cols=100):
    """MergedRows over batches of raw rows; returns finish() and the instance."""
    merged = _features.MergedRows(n_cols, np.dtype(dtype))
    for rows in batches:
        merged.append(*_raw(rows, dtype), n_threads)
    return merged.finish(), merged


ROWS = [
    [(5, 1.5), (2, 1.0), (5, 2.25), (2, -1.0)],  # explicit zero in column 2
    [],
    [(7, 1.0), (7, 2.0), (7, -4.0)],  # integers: any order gives -1
    [(9, 0.1), (3, 0.2), (9, 0.7)],  # two non-integers: one commutative rounding
    [(c, float(c)) for c in range(40, 0, -1)],  # a longer row, reversed
]


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("n_threads", [1, 2, 3])
@pytest.mark.parametrize("split", [5, 2, 1], ids=["one-batch", "two-batches", "row-batches"])
def test_merge_equals_scipy_when_order_cannot_matter(dtype, n_threads, split):
    batches = [ROWS[i : i + split] for i in range(0, len(ROWS), split)]
    (m_indptr, m_indices, m_values, raw_rows), merged = _merge(batches, dtype, n_threads)
    assert raw_rows.size == 0 and not merged.any_raw and not merged.all_sorted
    assert merged.n_samples == len(ROWS) and merged.n_raw == sum(map(len, ROWS))
    want = _scipy_merge(*_raw(ROWS, dtype))
    np.testing.assert_array_equal(m_indptr, want.indptr)
    np.testing.assert_array_equal(m_indices, want.indices)
    assert m_values.dtype == want.data.dtype and m_indices.dtype == np.int32
    np.testing.assert_array_equal(m_values.view(np.uint8), want.data.view(np.uint8))
    assert 0.0 in m_values  # the explicit zero is kept


@pytest.mark.parametrize(
    "row",
    [
        [(1, 0.5), (1, 1e16), (1, -1e16)],  # three non-integers: order changes the bits
        [(1, float("nan")), (1, 1.0)],  # NaN payload/sign depends on the order
        [(1, float("inf")), (1, 1.0)],
        [(1, 2.0**53), (1, 1.0), (1, 1.0)],  # integers beyond 2**53 in total
    ],
)
@pytest.mark.parametrize("n_threads", [1, 2])
def test_order_sensitive_rows_are_kept_raw(row, n_threads):
    rows = [[(0, 1.0)], [(3, 2.0), *row], [(2, 1.0), (2, 1.0)]]
    (indptr, indices, values, raw_rows), merged = _merge(
        [rows[:2], rows[2:]], np.float64, n_threads
    )
    assert merged.any_raw and raw_rows.tolist() == [1] and not merged.all_sorted
    assert np.diff(indptr).tolist() == [1, 1 + len(row), 1]
    # the raw row exactly as given, the others merged
    np.testing.assert_array_equal(indices[1:-1], [3] + [c for c, _ in row])
    np.testing.assert_array_equal(
        values[1:-1].view(np.uint64), np.array([2.0] + [v for _, v in row]).view(np.uint64)
    )
    assert indices[-1] == 2 and values[-1] == 2.0


def test_all_sorted_spans_batches():
    sorted_rows = [[(1, 1.0), (1, 2.0), (4, 1.0)], [(0, 1.0)]]
    (*_, raw_rows), merged = _merge([sorted_rows, sorted_rows], np.float64, 1)
    assert merged.all_sorted
    (*_, raw_rows), merged = _merge([sorted_rows, [[(4, 1.0), (1, 1.0)]]], np.float64, 1)
    assert not merged.all_sorted


def test_merged_rows_rejects_bad_input():
    with pytest.raises(TypeError, match="float64 or float32"):
        _features.MergedRows(16, np.dtype(np.int64))
    merged = _features.MergedRows(16, np.dtype(np.float64))
    with pytest.raises(ValueError, match="does not match"):
        merged.append(np.array([0, 5], np.int64), np.array([0], np.int32), np.array([1.0]), 1)
    with pytest.raises(ValueError, match="start with 0"):
        merged.append(np.array([1, 2], np.int64), np.array([0, 1], np.int32), np.ones(2), 1)
    with pytest.raises(RuntimeError, match="internal error"):  # decreasing indptr
        merged.append(np.array([0, 2, 1], np.int64), np.array([0, 1], np.int32), np.ones(2), 1)
    with pytest.raises(RuntimeError, match="internal error"):  # column >= n_features
        merged.append(np.array([0, 1], np.int64), np.array([16], np.int32), np.ones(1), 1)
    merged.append(np.array([0, 1], np.int64), np.array([3], np.int32), np.ones(1), 1)
    indptr, indices, values, _ = merged.finish()  # the failed calls appended nothing
    assert indptr.tolist() == [0, 1] and indices.tolist() == [3] and values.tolist() == [1.0]
    with pytest.raises(RuntimeError, match="after finish"):
        merged.append(np.array([0], np.int64), np.array([], np.int32), np.ones(0), 1)


def _word_counts(n_docs=300):
    rng = np.random.default_rng(0)
    words = [f"w{i}" for i in range(5000)]
    return [
        {words[j]: float(rng.integers(1, 4)) for j in rng.integers(0, 5000, size=30)}
        for _ in range(n_docs)
    ]


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("n_features", [2**20, 64])  # 64: many collisions
def test_feature_hasher_merges_natively(monkeypatch, dtype, n_features):
    samples = _word_counts()
    want = SkFeatureHasher(n_features=n_features, dtype=dtype).transform(samples)

    def fail(self):
        raise AssertionError("scipy's sum_duplicates was called")

    monkeypatch.setattr(sp.csr_array, "sum_duplicates", fail)
    monkeypatch.setattr(sp.csr_matrix, "sum_duplicates", fail)
    for n_jobs in (1, 2):
        got = FeatureHasher(n_features=n_features, dtype=dtype, n_jobs=n_jobs).transform(samples)
        assert type(got) is type(want) and got.dtype == want.dtype
        assert got.has_canonical_format and got.has_sorted_indices
        np.testing.assert_array_equal(got.indptr, want.indptr)
        np.testing.assert_array_equal(got.indices, want.indices)
        np.testing.assert_array_equal(got.data.view(np.uint8), want.data.view(np.uint8))
        assert got.indptr.dtype == want.indptr.dtype and got.indices.dtype == want.indices.dtype


def test_feature_hasher_falls_back_to_scipy_when_order_matters(monkeypatch):
    samples = [[("a", v) for v in (1e16, 0.5, -1e16, 3.0, 0.5)], [("b", 1.0), ("a", 2.0)]]
    calls = []
    original = sp.csr_array.sum_duplicates

    def spy(self):
        calls.append(1)
        return original(self)

    monkeypatch.setattr(sp.csr_array, "sum_duplicates", spy)
    got = FeatureHasher(n_features=16, input_type="pair").transform(samples)
    assert calls
    want = SkFeatureHasher(n_features=16, input_type="pair").transform(samples)
    np.testing.assert_array_equal(got.data.view(np.uint8), want.data.view(np.uint8))
    np.testing.assert_array_equal(got.indices, want.indices)


@pytest.mark.parametrize(
    "dtype", [np.float64, np.float32, np.int8, np.int64, np.bool_, np.complex128, np.longdouble]
)
@pytest.mark.parametrize("input_type", ["dict", "string"])
def test_batches_merge_as_one(monkeypatch, dtype, input_type):
    """Batches are merged one by one as they are read (bounded memory), whatever the
    thread count; integer and bool outputs are summed by scipy per batch. Tiny batches,
    more threads than CPUs: scikit-learn's bits, whatever the batching."""
    import fasthash.feature_extraction._hash as fh_hash

    rng = np.random.default_rng(7)
    names = [f"f{i}" for i in range(40)]
    samples = []
    for i in range(300):
        picked = rng.choice(names, size=int(rng.integers(0, 12)))
        if input_type == "string":
            samples.append(list(picked))
        else:
            samples.append({str(f): float(rng.choice([1, -2, 0.5, 100, 7])) for f in picked})
    want = SkFeatureHasher(n_features=16, input_type=input_type, dtype=dtype).transform(samples)
    monkeypatch.setattr(fh_hash, "_BATCH_FEATURES", 7)
    monkeypatch.setattr(fh_hash, "effective_n_jobs", lambda n_jobs, caller: n_jobs)
    for n_jobs in (1, 2, 5):
        with np.errstate(over="ignore"):
            got = FeatureHasher(n_features=16, input_type=input_type, dtype=dtype,
                                n_jobs=n_jobs).transform(iter(samples))
        assert type(got) is type(want) and got.dtype == want.dtype
        assert got.indices.dtype == want.indices.dtype and got.indptr.dtype == want.indptr.dtype
        np.testing.assert_array_equal(got.indptr, want.indptr)
        np.testing.assert_array_equal(got.indices, want.indices)
        np.testing.assert_array_equal(got.data, want.data)
        assert got.has_canonical_format


@pytest.mark.slow
@pytest.mark.parametrize("n_jobs", [1, 2])
def test_peak_memory_is_bounded_for_any_n_jobs(n_jobs):
    """100 samples of 2**20 copies of one name: 100 non-zeros out, 100M raw entries in.
    Memory stays near one group of batches, never the whole input's entries (1.2 GB)."""
    import json
    import subprocess
    import sys
    import textwrap

    code = textwrap.dedent(
        f"""
        import json, resource
        from fasthash import FeatureHasher
        before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        X = FeatureHasher(input_type="string", n_jobs={n_jobs}).transform(
            ["a"] * 2**20 for _ in range(100))
        grown = (resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before) * 1024
        print(json.dumps({{"grown": grown, "nnz": int(X.nnz)}}))
        """
    )
    res = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True, timeout=600)
    out = json.loads(res.stdout)
    assert out["nnz"] == 100
    assert out["grown"] < 400 * 2**20, out  # 2.4 GB before groups were merged as they came
