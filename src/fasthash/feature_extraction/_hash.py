# Authors: The fasthash developers
# SPDX-License-Identifier: BSD-3-Clause
"""FeatureHasher: an exact drop-in for :class:`sklearn.feature_extraction.FeatureHasher`."""

import operator
from itertools import chain
from numbers import Integral

import numpy as np
import scipy.sparse as sp
from sklearn import feature_extraction as _sk_feature_extraction

from fasthash._lib import _arrow, _cancel, _features
from fasthash.feature_extraction._arrow import add_row_note, arrow_column, iter_samples
from fasthash.feature_extraction._interruptible import in_main_thread, run_interruptibly
from fasthash.utils._sklearn_compat import (
    InvalidParameterError,
    NJobs,
    align_api_if_sparse,
    parameter_constraints,
    validate_parameter_constraints,
)
from fasthash.utils._threads import effective_n_jobs

__all__ = ["FeatureHasher"]

_INT32_MAX = 2**31 - 1
# Above this many raw entries scikit-learn switches both index arrays to int64 (a
# separate name so the tests can lower it, as they lower scikit-learn's).
_INDEX_INT32_MAX = 2**31 - 1
# Raw entries read per batch: bounds the buffers on any input length; each batch is merged
# (nogil) while its entries are still in cache.
_BATCH_FEATURES = 1 << 16
# A merge of more raw entries than this (a huge sample) runs on fasthash's kernel thread
# while the main thread waits interruptibly, so that Ctrl-C cancels it at once.
_INTERRUPTIBLE_FEATURES = 1 << 22
# The Arrow column types read natively for each input_type; any other column is read as
# the Python values it stands for (_SAMPLE_MODES: lists of names or of (name, value)).
_NATIVE_KINDS = {
    "string": _arrow.NAME_LISTS,
    "dict": _arrow.PAIR_LISTS,
    "pair": _arrow.PAIR_LISTS,
}
_SAMPLE_MODES = {_arrow.NAME_LISTS: _arrow.SAMPLE_STRING, _arrow.PAIR_LISTS: _arrow.SAMPLE_PAIR}


def _native_dtype(dtype):
    """The numpy dtype if the native path handles it exactly, else None."""
    try:
        dt = np.dtype(dtype)
    except Exception:  # noqa: BLE001 - scikit-learn's path raises numpy's own error
        return None
    if dt.kind not in "biufc" or not dt.isnative or dt.metadata is not None:
        return None
    if dt.kind == "f" and dt.itemsize == 2:  # float16: scipy rejects it after the loop
        return None
    return dt


def _exact_bounds(dt, alternate_sign):
    """(check, lo, hi) telling which values cannot be cast to ``dt`` in bulk exactly.

    scikit-learn assigns each signed double to the output array as a Python float. For an
    integer dtype numpy converts through ``int(value)``: truncation, like a C cast, when
    the result is in range, else an error (and NaN/inf are errors). For float32/complex64
    an overflow to inf warns. Values inside the bounds give the same bits in bulk; the
    others are assigned one by one while reading (see ``FeatureBatch``).
    """
    if dt.kind in "iu":
        info = np.iinfo(dt)
        lo_exact, hi_exact = int(info.min) - 1, int(info.max) + 1  # exclusive bounds
        lo, hi = float(lo_exact), float(hi_exact)
        if lo < lo_exact:
            lo = float(np.nextafter(lo, np.inf))
        if hi > hi_exact:
            hi = float(np.nextafter(hi, -np.inf))
        if alternate_sign:  # v and -v must both be safe
            lo, hi = max(lo, -hi), min(hi, -lo)
        return _features.CHECK_RANGE, lo, hi
    if dt.kind in "fc" and dt.itemsize in (4, 8) and dt != np.float64 and dt != np.complex128:
        # float32, complex64: |v| > FLT_MAX may overflow (and warn); NaN/inf cast exactly.
        fmax = float(np.finfo(np.float32).max)
        return _features.CHECK_FINITE_ABS, 0.0, float(np.nextafter(fmax, np.inf))
    return _features.CHECK_NONE, 0.0, 0.0


class FeatureHasher(_sk_feature_extraction.FeatureHasher):
    """Implements feature hashing, aka the hashing trick, with a multi-core C kernel.

    Exact drop-in for :class:`sklearn.feature_extraction.FeatureHasher`: the same
    parameters, the same output bit for bit (container, dtypes, indices, values, explicit
    zeros) and the same exceptions; adds ``n_jobs``. The samples are read lazily and in
    order, exactly as scikit-learn reads them, each feature name hashed in place as it is
    read; duplicates are then merged in C with the GIL released, batch by batch, on
    ``n_jobs`` threads, giving scipy's bits.

    Parameters
    ----------
    n_features : int, default=2**20
        The number of features (columns) in the output matrices.
    input_type : str, default='dict'
        Choose a string from {'dict', 'pair', 'string'}: "dict" accepts mappings of
        (feature_name, value), "pair" iterables of (feature_name, value) pairs and
        "string" iterables of feature names (value 1).
    dtype : numpy dtype, default=np.float64
        The type of feature values. Do not set this to bool or an unsigned integer type.
    alternate_sign : bool, default=True
        When True, an alternating sign is added to the features as to approximately
        conserve the inner product in the hashed space even for small n_features.
    n_jobs : int, default=None
        Threads used to hash: ``None`` means every CPU this process may use, ``k > 0``
        ``k`` (never more than the usable CPUs), ``-1`` all CPUs, ``-k`` all but
        ``k - 1``. The output does not
        depend on it.

    See Also
    --------
    sklearn.feature_extraction.FeatureHasher : The scikit-learn class this replaces.
    fasthash.HashingVectorizer : Hashes text documents.

    Notes
    -----
    ``FeatureHasher(n_features=0).transform`` raises the ``InvalidParameterError`` that
    ``fit`` raises, where scikit-learn crashes the interpreter; with
    ``input_type='string'`` an empty input raises ``ValueError("Cannot vectorize empty
    sequence.")`` where scikit-learn leaks a bare ``StopIteration``. Data types other
    than numpy's native bool, integer, float32/64, longdouble and complex types are
    handled by scikit-learn's own code.

    Examples
    --------
    >>> from fasthash import FeatureHasher
    >>> h = FeatureHasher(n_features=10)
    >>> D = [{'dog': 1, 'cat': 2, 'elephant': 4}, {'dog': 2, 'run': 5}]
    >>> h.transform(D).toarray()
    array([[ 0.,  0., -4., -1.,  0.,  0.,  0.,  0.,  0.,  2.],
           [ 0.,  0.,  0., -2., -5.,  0.,  0.,  0.,  0.,  0.]])
    >>> h = FeatureHasher(n_features=8, input_type="string", n_jobs=2)
    >>> h.transform([["dog", "cat", "snake"], ["snake", "dog"], ["cat", "bird"]]).toarray()
    array([[ 0.,  0.,  0., -1.,  0., -1.,  0.,  1.],
           [ 0.,  0.,  0., -1.,  0., -1.,  0.,  0.],
           [ 0., -1.,  0.,  0.,  0.,  0.,  0.,  1.]])
    """

    _parameter_constraints: dict = {
        **parameter_constraints(_sk_feature_extraction.FeatureHasher),
        "n_jobs": [NJobs(), None],
    }

    def __init__(
        self,
        n_features=(2**20),
        *,
        input_type="dict",
        dtype=np.float64,
        alternate_sign=True,
        n_jobs=None,
    ):
        self.dtype = dtype
        self.input_type = input_type
        self.n_features = n_features
        self.alternate_sign = alternate_sign
        self.n_jobs = n_jobs

    def _reject_zero_features(self):
        """scikit-learn divides by n_features == 0 (SIGFPE): raise fit's error instead."""
        n = self.n_features
        if not isinstance(n, Integral):
            return
        try:
            if operator.index(n) != 0:
                return
        except TypeError:
            return
        name = self.__class__.__name__
        validate_parameter_constraints(
            {"n_features": self._parameter_constraints["n_features"]},
            {"n_features": n},
            caller_name=name,
        )
        raise InvalidParameterError(  # pragma: no cover - the line above raises
            f"The 'n_features' parameter of {name} must be an int in the range "
            f"[1, {_INT32_MAX}]. Got {n!r} instead."
        )

    def _native_n_features(self):
        """n_features as an int if the native path handles it, else None."""
        n = self.n_features
        if not isinstance(n, Integral):
            return None
        try:
            n = operator.index(n)
        except TypeError:
            return None
        return n if 1 <= n <= _INT32_MAX else None

    def transform(self, raw_X):
        """Transform a sequence of instances to a scipy.sparse matrix.

        Parameters
        ----------
        raw_X : iterable over iterable over raw features, or Arrow column
            Samples. Each sample must be iterable (e.g., a list or tuple)
            containing/generating feature names (and optionally values, see
            the input_type constructor argument) which will be hashed.
            raw_X need not support the len function, so it can be the result
            of a generator; n_samples is determined on the fly (length = n_samples).

            An Arrow column (pyarrow, polars, a pandas Series of an ``ArrowDtype``, or
            anything exporting the Arrow PyCapsule interface) of ``list<string>`` (for
            ``input_type='string'``), ``map<string, number>`` or
            ``list<struct<string, number>>`` (for ``'pair'``, and ``'dict'``: the dict of
            each row's pairs) is read in C, without the GIL and without Python lists or
            dicts; any other column is read as the Python values it stands for. The
            result is the same as for those values (``to_pylist()``); an error names
            the row in a note.

        Returns
        -------
        X : sparse matrix of shape (n_samples, n_features)
            Feature matrix, for use with estimators or further transformers
            (``csr_array`` under ``sklearn.set_config(sparse_interface="sparray")``).

        Examples
        --------
        >>> import pyarrow as pa
        >>> from fasthash import FeatureHasher
        >>> counts = pa.array([[("dog", 1), ("cat", 2)], [("dog", 2), ("run", 5)]],
        ...                   type=pa.map_(pa.string(), pa.int64()))
        >>> FeatureHasher(n_features=10).transform(counts).toarray()
        array([[ 0.,  0.,  0., -1.,  0.,  0.,  0.,  0.,  0.,  2.],
               [ 0.,  0.,  0., -2., -5.,  0.,  0.,  0.,  0.,  0.]])
        """
        self._reject_zero_features()
        n_threads = effective_n_jobs(self.n_jobs, type(self).__name__)
        n_features = self._native_n_features()
        dt = _native_dtype(self.dtype)
        column = self._arrow_column(raw_X)
        if column is not None and (column.kind != _NATIVE_KINDS.get(self.input_type)
                                   or n_features is None or dt is None):
            # read as the Python values the column stands for
            raw_X = iter_samples(column, _SAMPLE_MODES.get(column.kind, _arrow.SAMPLE_PAIR))
            column = None
        if n_features is None or dt is None:
            return super().transform(raw_X)

        if self.input_type == "dict":
            mode = _features.MODE_DICT
        elif column is not None:
            mode = _features.MODE_STRING if self.input_type == "string" else _features.MODE_PAIR
        elif self.input_type == "string":
            raw_X = iter(raw_X)
            mode = _features.MODE_STRING
            try:
                first_raw_X = next(raw_X)
            except StopIteration:
                raise ValueError("Cannot vectorize empty sequence.") from None
            if isinstance(first_raw_X, str):
                raise ValueError(
                    "Samples can not be a single string. The input must be an iterable"
                    " over iterables of strings."
                )
            raw_X = chain([first_raw_X], raw_X)
        else:
            mode = _features.MODE_PAIR
        alternate_sign = bool(self.alternate_sign)

        check, lo, hi = _exact_bounds(dt, alternate_sign)

        def new_batch():
            return _features.FeatureBatch(n_features, alternate_sign, dt, check, lo, hi)

        if column is None:
            raw_X = iter(raw_X)

            def fill(batch, cancel, run):
                batch.fill(raw_X, mode, _BATCH_FEATURES)
        else:
            unique = mode == _features.MODE_DICT  # a dict keeps one value per name

            def fill(batch, cancel, run):
                try:
                    batch.fill_arrow(
                        column.stream, mode, _BATCH_FEATURES, unique, n_threads, cancel, run,
                        _INTERRUPTIBLE_FEATURES, column.null_value,
                    )
                except Exception as exc:
                    add_row_note(exc, column.stream.position)
                    raise

        if dt == np.float64 or dt == np.float32:
            out = _MergedOutput(n_features, dt)
        else:
            out = _RawOutput(dt, n_features)
        _read_batches(fill, new_batch, out, n_threads)
        if out.n_samples == 0:
            raise ValueError("Cannot vectorize empty sequence.")
        X = out.matrix(self.dtype, self.n_features)
        return align_api_if_sparse(X)

    def _arrow_column(self, raw_X):
        """raw_X's Arrow column (see ``_arrow.arrow_column``), or None."""
        column = arrow_column(raw_X)
        if column is not None:
            column.check_not_table(type(self).__name__)
            if column.kind == _arrow.UNSUPPORTED:
                return None  # the iterable path
        return column


def _read_batches(fill, new_batch, out, n_threads):
    """Read the samples batch by batch (``fill(batch, cancel, run)``: with the GIL held
    from a Python iterable, without it from an Arrow column) and hand the batches to
    ``out``, whose ``merge`` runs without the GIL on ``n_threads`` threads.

    Each batch is merged as soon as it is read, while its entries are in cache, and its
    buffers are reused, whatever the thread count: a merge is one job of the core's thread
    pool, whose threads sleep between jobs and never make the caller wait for one that has
    not started (the OpenMP regions this replaced made a merge per batch cost 2 threads
    twice the time of 1 on 2 loaded cores, so batches were copied and merged in groups).
    Memory is bounded by a batch plus the output, whatever the input's length.
    """
    cancel = _cancel.Cancel()
    interruptible = in_main_thread()
    read_run = run_interruptibly if interruptible else None
    batch = new_batch()
    while not batch.exhausted:
        fill(batch, cancel, read_run)
        if batch.n_samples:
            long_merge = batch.n_entries > _INTERRUPTIBLE_FEATURES
            run = run_interruptibly if interruptible and long_merge else None
            out.merge(out.prepare(batch), n_threads, cancel, run)


class _MergedOutput:
    """float64/float32 output: each batch's duplicates are merged natively, as scipy's
    ``sum_duplicates`` does (rows whose sums depend on scipy's order excepted, see
    ``_scipy_merge_rows``)."""

    def __init__(self, n_features, dt):
        self.dt = dt
        self.merged = _features.MergedRows(n_features, dt)

    @property
    def n_samples(self):
        return self.merged.n_samples

    def prepare(self, batch):
        """The batch's raw rows with values cast to ``dt`` (GIL held): views of the batch."""
        values = batch.values()
        if self.dt != np.float64:
            with np.errstate(all="ignore"):  # unsafe values were assigned (and warned) already
                values = values.astype(self.dt)
        fix_pos, fix_values = batch.fixups()
        if fix_pos.size:
            values[fix_pos] = fix_values
        return batch.indptr_array(), batch.indices(), values

    def merge(self, job, n_threads, cancel, run):
        self.merged.append(*job, n_threads, cancel, run)

    def matrix(self, dtype, n_features):
        indptr, indices, values, raw_rows = self.merged.finish()
        if raw_rows.size:
            indptr, indices, values = _scipy_merge_rows(
                indptr, indices, values, raw_rows, self.merged.all_sorted, n_features
            )
        # scikit-learn decides on the raw entry count, before duplicates are merged.
        if self.merged.n_raw > _INDEX_INT32_MAX:
            indices = indices.astype(np.int64)
        else:
            indptr = indptr.astype(np.int32)
        X = sp.csr_array(
            (values, indices, indptr), dtype=dtype, shape=(indptr.shape[0] - 1, n_features)
        )
        X.has_canonical_format = True
        return X


def _scipy_merge_rows(indptr, indices, values, rows, all_sorted, n_features):
    """Merge the raw ``rows`` exactly as scipy's ``sum_duplicates`` of the whole matrix.

    scipy sorts each row with std::sort (unstable) unless every row of the matrix is
    already sorted (``all_sorted``), then sums runs of equal columns left to right. Both
    steps work row by row, so scipy merging these rows alone, told whether the whole
    matrix was sorted, gives the same bits.
    """
    n_rows = indptr.shape[0] - 1
    lengths = np.diff(indptr)
    row_of = np.repeat(np.arange(n_rows), lengths)
    in_rows = np.zeros(n_rows, dtype=bool)
    in_rows[rows] = True
    raw = in_rows[row_of]
    sub_indptr = np.zeros(rows.size + 1, dtype=np.int64)
    np.cumsum(lengths[rows], out=sub_indptr[1:])
    sub = sp.csr_array((values[raw], indices[raw], sub_indptr), shape=(rows.size, n_features))
    sub.has_sorted_indices = bool(all_sorted)
    sub.sum_duplicates()
    sub_lengths = np.diff(sub.indptr)
    new_lengths = lengths.copy()
    new_lengths[rows] = sub_lengths
    new_indptr = np.zeros(n_rows + 1, dtype=np.int64)
    np.cumsum(new_lengths, out=new_indptr[1:])
    out_indices = np.empty(new_indptr[-1], dtype=indices.dtype)
    out_values = np.empty(new_indptr[-1], dtype=values.dtype)
    keep = np.flatnonzero(~raw)
    keep_rows = row_of[keep]
    pos = new_indptr[keep_rows] + (keep - indptr[keep_rows])
    out_indices[pos] = indices[keep]
    out_values[pos] = values[keep]
    sub_row = np.repeat(np.arange(rows.size), sub_lengths)
    pos = new_indptr[rows[sub_row]] + (np.arange(sub.nnz) - sub.indptr[sub_row])
    out_indices[pos] = sub.indices
    out_values[pos] = sub.data
    return new_indptr, out_indices, out_values


class _RawOutput:
    """Other dtypes: entries cast to ``dt``, merged by scipy.

    Integer and bool values are merged batch by batch as they come (a row's sums do not
    depend on their order: integer sums wrap around, bool sums are ORs; rows never span
    batches), so memory stays bounded by a batch plus the output. Complex and longdouble
    sums round in scipy's order, which depends on the whole matrix (whether every row is
    sorted): their raw entries are kept and merged at the end, as scikit-learn does.
    """

    def __init__(self, dt, n_features):
        self.dt = dt
        self.n_features = n_features
        self.by_group = dt.kind in "biu"
        self.indices = []
        self.values = []
        self.lengths = []
        self.n_samples = 0
        self.size = 0

    def prepare(self, batch):
        """The batch's raw entries cast to ``dt`` and their row lengths (arrays of their
        own)."""
        values = np.empty(batch.n_entries, dtype=self.dt)
        with np.errstate(all="ignore"):  # unsafe values were assigned (and warned) already
            np.copyto(values, batch.values(), casting="unsafe")
        fix_pos, fix_values = batch.fixups()
        if fix_pos.size:
            values[fix_pos] = fix_values
        return batch.indices().copy(), values, np.diff(batch.indptr_array())

    def merge(self, job, n_threads, cancel, run):
        indices, values, lengths = job
        self.n_samples += lengths.shape[0]
        self.size += indices.shape[0]
        if self.by_group:
            indptr = np.zeros(lengths.shape[0] + 1, dtype=np.int64)
            np.cumsum(lengths, out=indptr[1:])
            X = sp.csr_array(
                (values, indices, indptr), shape=(lengths.shape[0], self.n_features)
            )
            X.sum_duplicates()
            indices, values, lengths = X.indices, X.data, np.diff(X.indptr)
        self.indices.append(indices)
        self.values.append(values)
        self.lengths.append(lengths)

    def matrix(self, dtype, n_features):
        indices = np.concatenate(self.indices)
        values = np.concatenate(self.values)
        indptr = np.zeros(self.n_samples + 1, dtype=np.int64)
        np.cumsum(np.concatenate(self.lengths), out=indptr[1:])
        # scikit-learn decides on the raw entry count, before duplicates are merged.
        if self.size > _INDEX_INT32_MAX:
            indices = indices.astype(np.int64)
        else:
            indices = indices.astype(np.int32, copy=False)
            indptr = indptr.astype(np.int32)
        X = sp.csr_array((values, indices, indptr), dtype=dtype, shape=(self.n_samples, n_features))
        if self.by_group:
            X.has_canonical_format = True  # each batch was merged by scipy
        else:
            X.sum_duplicates()  # scipy's own merge: the same (unstable) order as scikit-learn
        return X
