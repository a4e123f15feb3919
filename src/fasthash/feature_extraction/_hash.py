# Authors: The fasthash developers
# SPDX-License-Identifier: BSD-3-Clause
"""FeatureHasher: an exact drop-in for :class:`sklearn.feature_extraction.FeatureHasher`."""

import operator
from itertools import chain
from numbers import Integral

import numpy as np
import scipy.sparse as sp
from sklearn import feature_extraction as _sk_feature_extraction

from fasthash._lib import _features
from fasthash.utils._sklearn_compat import (
    InvalidParameterError,
    NJobs,
    align_api_if_sparse,
    validate_parameter_constraints,
)
from fasthash.utils._threads import effective_n_jobs

__all__ = ["FeatureHasher"]

_INT32_MAX = 2**31 - 1
# Above this many raw entries scikit-learn switches both index arrays to int64 (a
# separate name so the tests can lower it, as they lower scikit-learn's).
_INDEX_INT32_MAX = 2**31 - 1
# Features marshalled per nogil kernel call: bounds the C buffers on any input length.
_BATCH_FEATURES = 1 << 16


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
    zeros) and the same exceptions; adds ``n_jobs``. The samples are read in Python,
    lazily and in order, exactly as scikit-learn reads them; the feature names are then
    hashed in C with the GIL released, and scipy merges duplicates as in scikit-learn.

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
        exactly ``k``, ``-1`` all CPUs, ``-k`` all but ``k - 1``. The output does not
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
        **_sk_feature_extraction.FeatureHasher._parameter_constraints,
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
        raw_X : iterable over iterable over raw features, length = n_samples
            Samples. Each sample must be iterable (e.g., a list or tuple)
            containing/generating feature names (and optionally values, see
            the input_type constructor argument) which will be hashed.
            raw_X need not support the len function, so it can be the result
            of a generator; n_samples is determined on the fly.

        Returns
        -------
        X : sparse matrix of shape (n_samples, n_features)
            Feature matrix, for use with estimators or further transformers
            (``csr_array`` under ``sklearn.set_config(sparse_interface="sparray")``).
        """
        self._reject_zero_features()
        n_threads = effective_n_jobs(self.n_jobs)
        n_features = self._native_n_features()
        dt = _native_dtype(self.dtype)
        if n_features is None or dt is None:
            return super().transform(raw_X)

        raw_X = iter(raw_X)
        if self.input_type == "dict":
            mode = _features.MODE_DICT
        elif self.input_type == "string":
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
        batch = _features.FeatureBatch(dt, check, lo, hi, alternate_sign)
        out = _RawEntries(dt)
        while not batch.exhausted:
            batch.fill(raw_X, mode, _BATCH_FEATURES)
            if batch.n_samples:
                out.add(batch, n_features, alternate_sign, n_threads)
        if out.n_samples == 0:
            raise ValueError("Cannot vectorize empty sequence.")
        indices, values, indptr = out.finish()
        n_samples = out.n_samples

        merged = None
        if indices.dtype == np.int32 and values.dtype in (np.float64, np.float32):
            # scipy's sum_duplicates, per row on n_threads without the GIL, wherever the
            # result cannot depend on scipy's (unstable) summation order; else None.
            merged = _features.merge_rows(
                indptr.astype(np.int64, copy=False), indices, values, n_threads
            )
        if merged is not None:
            merged_indptr, indices, values = merged
            indptr = merged_indptr.astype(indptr.dtype, copy=False)
        X = sp.csr_array(
            (values, indices, indptr),
            dtype=self.dtype,
            shape=(n_samples, self.n_features),
        )
        if merged is not None:
            X.has_canonical_format = True
        else:
            X.sum_duplicates()  # scipy's own merge: the same (unstable) order as scikit-learn
        return align_api_if_sparse(X)


class _RawEntries:
    """The raw (column, value) entries of a whole call, grown batch by batch.

    The arrays grow by ``ndarray.resize`` (realloc: no copy of the data on Linux for
    large blocks) and are trimmed at the end, so the peak memory is that of the output.
    """

    def __init__(self, dt):
        self.dt = dt
        self.indices = np.empty(0, dtype=np.int32)
        self.values = np.empty(0, dtype=dt)
        self.scratch = None if dt == np.float64 else np.empty(0, dtype=np.float64)
        self.size = 0
        self.rows = []
        self.n_samples = 0

    def add(self, batch, n_features, alternate_sign, n_threads):
        n = batch.n_features
        start, stop = self.size, self.size + n
        if stop > self.indices.shape[0]:
            cap = max(stop, 2 * self.indices.shape[0], _BATCH_FEATURES)
            self.indices.resize(cap, refcheck=False)
            self.values.resize(cap, refcheck=False)
        if self.scratch is None:  # float64: the kernel writes the output directly
            batch.hash_into(
                self.indices, start, self.values, start, n_features, alternate_sign, n_threads
            )
        else:
            if self.scratch.shape[0] < n:
                self.scratch = np.empty(max(n, _BATCH_FEATURES), dtype=np.float64)
            batch.hash_into(
                self.indices, start, self.scratch, 0, n_features, alternate_sign, n_threads
            )
            with np.errstate(all="ignore"):  # unsafe values were assigned (and warned) already
                np.copyto(self.values[start:stop], self.scratch[:n], casting="unsafe")
        fix_pos, fix_values = batch.fixups()
        if fix_pos.size:
            self.values[start + fix_pos] = fix_values
        self.size = stop
        self.rows.append(batch.row_lengths())
        self.n_samples += batch.n_samples

    def finish(self):
        """(indices, values, indptr) with scikit-learn's index dtypes."""
        self.indices.resize(self.size, refcheck=False)
        self.values.resize(self.size, refcheck=False)
        indptr = np.zeros(self.n_samples + 1, dtype=np.int64)
        np.cumsum(np.concatenate(self.rows), out=indptr[1:])
        indices = self.indices
        # scikit-learn decides on the raw entry count, before duplicates are merged.
        if self.size > _INDEX_INT32_MAX:
            indices = indices.astype(np.int64)
        else:
            indptr = indptr.astype(np.int32)
        return indices, self.values, indptr
