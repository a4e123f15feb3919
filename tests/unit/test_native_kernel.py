# Authors: The fasthash developers
# SPDX-License-Identifier: BSD-3-Clause
"""The native path's own mechanisms: batching, chunking, index dtypes, n_jobs, statuses."""

import mmap
import os
import subprocess
import sys
import textwrap
from unittest import mock

import numpy as np
import pytest
from sklearn.utils._param_validation import InvalidParameterError
from sklearn.feature_extraction.text import HashingVectorizer as SkHashingVectorizer
from threadpoolctl import threadpool_limits

import fasthash.feature_extraction.text as fh_text
from fasthash import HashingVectorizer
from fasthash._lib import _hashing
from fasthash.utils._threads import cpu_count, effective_n_jobs

DOCS = [
    "The quick brown fox jumps over the lazy dog",
    "",
    "fox fox FOX t0 t14 tt",
    "ΟΔΟΣ ΣΑΣ İstanbul naïve cafe\u0301 中文分词 emoji😀emoji",
    "a_b __ 1.5 3.14 don't e-mail x",
] * 7


def assert_same(got, want):
    assert type(got) is type(want)
    assert got.shape == want.shape and got.dtype == want.dtype
    assert got.indices.dtype == want.indices.dtype and got.indptr.dtype == want.indptr.dtype
    np.testing.assert_array_equal(got.indptr, want.indptr)
    np.testing.assert_array_equal(got.indices, want.indices)
    assert got.data.tobytes() == want.data.tobytes()


@pytest.mark.parametrize("ngram_range", [(1, 1), (1, 3), (0, 2), (-2, 2)])
def test_many_small_batches_equal_one(monkeypatch, ngram_range):
    want = SkHashingVectorizer(ngram_range=ngram_range).transform(DOCS)
    monkeypatch.setattr(fh_text, "_BATCH_MAX_DOCS", 3)
    got = HashingVectorizer(ngram_range=ngram_range, n_jobs=2).transform(iter(DOCS))
    assert_same(got, want)
    monkeypatch.setattr(fh_text, "_BATCH_MAX_UNITS", 10)
    assert_same(HashingVectorizer(ngram_range=ngram_range).transform(DOCS), want)


def test_many_chunks_and_threads():
    # more documents than one C chunk holds (4096) and long documents: several chunks per
    # batch, scheduled dynamically; the output must not depend on the thread count, also
    # with more threads than CPUs (n_jobs is capped at the usable CPUs: the kernel gets
    # the counts directly here)
    rng = np.random.default_rng(0)
    words = np.array(["w%d" % i for i in range(3000)] + ["The", "OF", "and"])
    docs = [" ".join(rng.choice(words, size=rng.integers(0, 40))) for _ in range(9000)]
    docs += [" ".join(rng.choice(words, size=30000))]  # > 4096 keys: radix sort path
    want = SkHashingVectorizer(ngram_range=(1, 2)).transform(docs)
    with mock.patch.object(fh_text, "effective_n_jobs", lambda n_jobs, caller: n_jobs):
        for n_jobs in (1, 2, 3, 4, 8, 13):
            got = HashingVectorizer(ngram_range=(1, 2), n_jobs=n_jobs).transform(docs)
            assert_same(got, want)


def test_int64_indices_when_raw_entries_exceed_int32(monkeypatch):
    """sklearn switches both index arrays to int64 when the entries *before* summing
    duplicates exceed the int32 range (spec R3a); exercised with a lowered threshold."""
    monkeypatch.setattr(fh_text, "_INT32_MAX", 5)
    hv = HashingVectorizer(norm=None)
    small = hv.transform(["aa bb aa", "cc dd"])  # 5 raw entries: int32
    assert small.indices.dtype == np.int32 and small.indptr.dtype == np.int32
    big = hv.transform(["aa bb aa", "cc dd ee"])  # 6 raw, 5 after merging: int64
    assert big.indices.dtype == np.int64 and big.indptr.dtype == np.int64
    want = SkHashingVectorizer(norm=None).transform(["aa bb aa", "cc dd ee"])
    np.testing.assert_array_equal(big.indptr, want.indptr)
    np.testing.assert_array_equal(big.indices, want.indices)
    np.testing.assert_array_equal(big.data, want.data)


def test_n_jobs_semantics():
    assert effective_n_jobs(1) == 1
    assert effective_n_jobs(3) == min(3, cpu_count())  # never more than the usable CPUs
    assert effective_n_jobs(-1) == cpu_count()
    assert effective_n_jobs(-cpu_count() - 5) == 1
    assert 1 <= effective_n_jobs(None) <= cpu_count()
    for bad in (0, 1.5, True, "2"):
        with pytest.raises(InvalidParameterError, match="'n_jobs' parameter of fasthash"):
            effective_n_jobs(bad)
    with pytest.raises(InvalidParameterError, match="'n_jobs' parameter of HashingVectorizer"):
        HashingVectorizer(n_jobs=0).transform(["a b"])


@pytest.mark.skipif(not _hashing.openmp_enabled(), reason="built without OpenMP")
def test_n_jobs_none_respects_threadpoolctl_limits():
    # the kernels run on fasthash's own pool, but n_jobs=None follows the OpenMP limit
    with threadpool_limits(limits=1, user_api="openmp"):
        assert effective_n_jobs(None) == 1
        assert effective_n_jobs(2) == min(2, cpu_count())  # an explicit count is kept


def test_status_mapping():
    with pytest.raises(MemoryError):
        _hashing.check_status(1)
    with pytest.raises(RuntimeError, match="internal error.*please report"):
        _hashing.check_status(2, 7)
    with pytest.raises(OverflowError, match="document 3"):
        _hashing.check_status(3, 3)
    with pytest.raises(OverflowError, match="no document"):  # FeatureHasher's statuses
        _hashing.check_status(3)
    with pytest.raises(UnicodeEncodeError):
        _hashing.check_status(4, 0)
    with pytest.raises(_hashing.UTF8DecodeError, match="document 5") as info:
        _hashing.check_status(6, 5)
    assert isinstance(info.value, UnicodeDecodeError) and info.value.row == 5
    _hashing.check_status(0)


def test_bad_kernel_options_are_internal_errors():
    with pytest.raises(RuntimeError, match="please report"):
        _hashing.Options(min_n=1, max_n=1, n_features=0, lowercase=True, alternate_sign=True,
                         binary=False, norm=0, out_type=0)


def test_deliberate_differences():
    with pytest.raises(ValueError, match="Cannot vectorize empty sequence"):
        HashingVectorizer().transform([])
    with pytest.raises(ValueError, match="Cannot vectorize empty sequence"):
        HashingVectorizer().transform(iter([]))
    with pytest.raises(ValueError, match="'n_features' parameter"):
        HashingVectorizer(n_features=0).transform(["a b"])


def test_python_analysis_reason():
    reason = fh_text.python_analysis_reason
    assert reason(HashingVectorizer()) is None
    assert reason(HashingVectorizer(lowercase=False, stop_words="english", ngram_range=(2, 5),
                                    norm="l1", dtype=np.float32, binary=True,
                                    input="filename")) is None
    assert reason(HashingVectorizer(analyzer="char", ngram_range=(2, 4))) is None
    assert reason(HashingVectorizer(analyzer="char_wb", lowercase=False)) is None
    assert reason(HashingVectorizer(analyzer="char", strip_accents="ascii")) is None
    assert reason(HashingVectorizer(strip_accents="unicode", lowercase=False)) is None
    assert reason(HashingVectorizer(strip_accents=str.upper)).startswith("strip_accents=")
    assert reason(HashingVectorizer(token_pattern=r"\S+")) is None
    assert reason(HashingVectorizer(token_pattern=r"\S\S+")) is None
    assert reason(HashingVectorizer(token_pattern=r"\S+?")) == (
        "token_pattern outside the subset the core scans"
    )
    assert reason(HashingVectorizer(n_features=2**31)).startswith("scikit-learn's own")
    assert reason(HashingVectorizer(dtype=np.float16)).startswith("scikit-learn's own")


def test_str_subclass_overriding_lower_is_analysed_in_python():
    class Shouty(str):
        def lower(self):
            return str.upper(self)

    docs = [Shouty("Hello World"), "plain text"]
    want = SkHashingVectorizer().transform(docs)
    assert_same(HashingVectorizer().transform(docs), want)


def test_peak_memory_on_a_long_generator_is_bounded():
    """A generator is consumed in batches: peak memory stays near the output size, far
    below the size of the whole input (which is never materialised)."""
    code = textwrap.dedent(
        """
        import resource, sys
        from fasthash import HashingVectorizer
        def docs():
            for i in range(120000):
                yield ("document %d " % i) + "lorem ipsum dolor sit amet %d " % (i % 97) * 60
        before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        X = HashingVectorizer(n_jobs=2).transform(docs())
        after = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        out = X.data.nbytes + X.indices.nbytes + X.indptr.nbytes
        text = sum(len(d) for d in docs())
        print((after - before) * 1024, out, text)
        """
    )
    res = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    grown, out, text = map(int, res.stdout.split())
    assert text > 4 * out  # the input is much larger than the output...
    assert grown < 1.5 * out + 64 * 2**20, (grown, out, text)  # ...and never held whole


def test_float32_counts_saturate_like_scipy_sequential_sums():
    """scikit-learn sums a column's +-1 entries in float32, one at a time (scipy's
    sum_duplicates): a single-sign column stops growing at 2**24. Checked against scipy
    itself on raw entries, then through fasthash on a document with 2**24 + 5 tokens."""
    import scipy.sparse as sp

    n = 2**24 + 5
    raw = sp.csr_array(
        (np.ones(n, dtype=np.float32), np.zeros(n, dtype=np.int32), np.array([0, n])),
        shape=(1, 4),
    )
    raw.sum_duplicates()
    assert raw.data.tolist() == [16777216.0]

    doc = "aa " * n + "cc cc"  # murmur("aa") > 0, murmur("cc") < 0
    X = HashingVectorizer(dtype=np.float32, norm=None, n_jobs=1).transform([doc])
    assert sorted(X.data.tolist()) == [-2.0, 16777216.0]
    assert X.dtype == np.float32


@pytest.mark.parametrize("use_mmap", [True, False])
def test_output_storage_grows_correctly(monkeypatch, use_mmap):
    """Rows appended batch after batch into storage grown in place (anonymous maps, or
    bytearrays where the platform has none) equal scikit-learn's."""
    if use_mmap and not _hashing.USE_MMAP:
        pytest.skip("no private anonymous maps on this platform")
    monkeypatch.setattr(_hashing, "USE_MMAP", use_mmap)
    monkeypatch.setattr(fh_text, "_BATCH_MAX_DOCS", 997)
    docs = ["w%d x%d y%d" % (i, i % 7, i % 1000) for i in range(60000)]
    got = HashingVectorizer(n_jobs=2, dtype=np.float32).transform(docs)
    assert got.data.flags.writeable
    assert_same(got, SkHashingVectorizer(dtype=np.float32).transform(docs))


def _vm_flags_of(address):
    """The VmFlags of the mapping of this process that holds address (Linux smaps)."""
    start = None
    with open("/proc/self/smaps") as f:
        for line in f:
            head = line.split(None, 1)[0]
            if "-" in head and not head.endswith(":"):
                lo, hi = (int(x, 16) for x in head.split("-"))
                start = lo if lo <= address < hi else None
            elif start is not None and head == "VmFlags:":
                return line.split()[1:]
    raise LookupError(hex(address))


@pytest.mark.skipif(
    not (_hashing.USE_MMAP and hasattr(mmap, "MADV_HUGEPAGE")
         and os.path.exists("/proc/self/smaps")
         and os.path.exists("/sys/kernel/mm/transparent_hugepage/enabled")),
    reason="needs Linux with transparent huge pages",
)
def test_large_outputs_are_advised_huge_pages():
    """Output maps of 2 MiB or more carry the huge-page advice ("hg") once grown past that
    size batch after batch; smaller ones do not. (indptr is checked elsewhere: it is copied
    to int32 when its values fit, as scikit-learn's is.)"""
    _hashing._drop_spare_maps()  # (a kept map that was large would keep its advice)
    small = HashingVectorizer(n_jobs=1).transform(["a small document"])
    docs = [f"w{i} x{i % 7} y{i % 1000} z{i % 13}" for i in range(300_000)]
    X = HashingVectorizer(n_jobs=2).transform(docs)
    assert X.data.nbytes >= 1 << 21 and X.indices.nbytes >= 1 << 21
    for arr in (X.indices, X.data):
        assert "hg" in _vm_flags_of(arr.ctypes.data)
    assert "hg" not in _vm_flags_of(small.data.ctypes.data)
    assert_same(X, SkHashingVectorizer().transform(docs))


def test_workspace_is_kept_between_calls_and_reused():
    from fasthash._lib import _hashing

    docs = [f"w{i} x{i % 7} y{i % 100}" for i in range(20000)]
    want = SkHashingVectorizer().transform(docs)
    vec = HashingVectorizer(n_jobs=2)
    assert_same(vec.transform(docs), want)
    kept = _hashing._spare_workspace_bytes()
    assert 0 < kept <= 1 << 25  # one workspace, within the cap
    assert_same(vec.transform(docs), want)  # a reused workspace changes nothing
    assert _hashing._spare_workspace_bytes() == kept


def test_output_maps_of_dropped_results_are_reused():
    """The maps of a result the caller dropped are kept and taken by the next transform;
    a kept map is not zero: the next result is still scikit-learn's (indptr[0] = 0 when
    the map it takes held another array)."""
    docs = [f"w{i} x{i % 7} y{i % 100}" for i in range(20000)]
    want = SkHashingVectorizer().transform(docs)
    vec = HashingVectorizer(n_jobs=2)
    _hashing._drop_spare_maps()
    tiny = vec.transform(["a bb ccc dddd eeeee ffffff"])  # maps too small for the next
    del tiny
    assert _hashing._spare_maps_bytes() > 0
    # no batch: indptr[0] is the builder's own, in a kept map that held another array
    indptr, indices, data = _hashing.CSRBuilder(fh_text._Plan(vec).options).finish()
    assert indptr.tolist() == [0] and indices.size == data.size == 0
    X = vec.transform(docs)
    assert_same(X, want)
    size = X.data.nbytes + X.indices.nbytes
    del X
    assert size <= _hashing._spare_maps_bytes() <= 1 << 26  # its maps kept
    assert_same(vec.transform(docs), want)


def test_live_results_are_never_written_by_later_transforms():
    docs = [f"w{i} x{i % 7} y{i % 100}" for i in range(5000)]
    vec = HashingVectorizer(n_jobs=2)
    X = vec.transform(docs)
    copy = X.copy()
    for k in range(4):  # results taken and dropped around the live one
        assert_same(vec.transform(docs[k:]), SkHashingVectorizer().transform(docs[k:]))
    assert_same(X, copy)


@pytest.mark.parametrize(
    "params",
    [{}, {"ngram_range": (1, 3)}, {"analyzer": "char_wb", "ngram_range": (2, 4)},
     {"analyzer": "char", "ngram_range": (1, 5), "strip_accents": "unicode"}],
    ids=repr,
)
@pytest.mark.parametrize("n_threads", [1, 2, 7])
def test_hash_only_hashes_every_feature_the_kernel_does(params, n_threads):
    """The benchmarks' tokenize-and-hash stage (no rows) sees exactly the raw features the
    kernel sums into rows, on any number of threads."""
    vec = HashingVectorizer(**params)
    plan = fh_text._Plan(vec)
    prepare = plan.preparer(vec, vec.build_analyzer())
    docs = DOCS * 40
    batch = _hashing.collect(iter(docs), 1 << 20, 1 << 30, prepare, plan.fast_str)
    builder = _hashing.CSRBuilder(plan.options)
    builder.append(batch, plan.options, 1)
    assert builder.raw > 0
    assert _hashing.hash_only(batch, plan.options, n_threads) == builder.raw
