# Authors: The fasthash developers
# SPDX-License-Identifier: BSD-3-Clause
# cython: freethreading_compatible = False
"""Cython boundary of the FeatureHasher kernel.

:class:`FeatureBatch` reads samples from a Python iterator with the GIL held, exactly as
scikit-learn's ``_hashing_fast.transform`` does (same order, same conversions, same
exceptions), and copies each kept feature (its UTF-8 or bytes name and its value as a C
double) into C buffers. :meth:`FeatureBatch.hash` then hashes the batch with the GIL
released. No policy lives here: the Python layer decides the mode, the dtype checks and
the batch size, casts the values and builds the sparse matrix.
"""

from cpython.bytes cimport PyBytes_AS_STRING, PyBytes_GET_SIZE
from cpython.dict cimport PyDict_Next
from cpython.object cimport PyObject
from libc.math cimport fabs, isfinite
from libc.stdint cimport int32_t, int64_t, uint8_t
from libc.stdlib cimport free, malloc, realloc
from libc.string cimport memcpy

cimport cython
cimport numpy as cnp
import numpy as np

from .fh_core cimport *

cnp.import_array()


cdef extern from "Python.h":
    int PyUnicode_READY(object o) except -1
    int PyUnicode_IS_ASCII(object o)
    void *PyUnicode_DATA(object o)
    Py_ssize_t PyUnicode_GET_LENGTH(object o)
    bytes PyUnicode_AsUTF8String(object o)


cdef extern from *:
    """
    static inline int _fh_float_exact(PyObject *o) { return PyFloat_CheckExact(o); }
    static inline double _fh_float_value(PyObject *o) { return PyFloat_AS_DOUBLE(o); }
    static inline int _fh_ascii_str_exact(PyObject *o) {
        return PyUnicode_CheckExact(o) && PyUnicode_IS_COMPACT_ASCII(o);
    }
    static inline const uint8_t *_fh_ascii_data(PyObject *o) {
        return (const uint8_t *)PyUnicode_DATA(o);
    }
    static inline Py_ssize_t _fh_ascii_length(PyObject *o) { return PyUnicode_GET_LENGTH(o); }
    """
    bint _float_exact "_fh_float_exact"(PyObject *o)
    double _float_value "_fh_float_value"(PyObject *o)
    bint _ascii_str_exact "_fh_ascii_str_exact"(PyObject *o)
    const uint8_t *_ascii_data "_fh_ascii_data"(PyObject *o)
    Py_ssize_t _ascii_length "_fh_ascii_length"(PyObject *o)


MODE_DICT = 0
MODE_PAIR = 1
MODE_STRING = 2

CHECK_NONE = 0
CHECK_RANGE = 1
CHECK_FINITE_ABS = 2


cdef int _check(fh_status status) except -1:
    """Translate a C status into a Python exception."""
    if status == FH_OK:
        return 0
    if status == FH_ERR_NOMEM:
        raise MemoryError()
    raise RuntimeError(
        f"fasthash internal error ({fh_status_message(status).decode()}); please report")


@cython.final
cdef class FeatureBatch:
    """The features of consecutive samples, marshalled into C buffers.

    Parameters
    ----------
    fix_dtype : numpy.dtype
        The output dtype. A value the Python layer cannot cast in bulk exactly (see
        ``check``) is assigned, signed, to an array of this dtype as soon as it is read,
        the way scikit-learn assigns every value: errors and warnings happen at the same
        feature, and the exact result is kept for :meth:`fixups`.
    check : int
        ``CHECK_NONE``: every value casts exactly in bulk. ``CHECK_RANGE``: a value ``v``
        needs the exact path unless ``lo < v < hi``. ``CHECK_FINITE_ABS``: unless ``v`` is
        not finite or ``abs(v) < hi``.
    lo, hi : float
        Bounds of ``check`` (the Python layer accounts for the sign flip).
    alternate_sign : bool
        Sign rule used for the values that take the exact path.
    """
    cdef uint8_t *names            # arena of name bytes
    cdef int64_t names_len, names_cap
    cdef int64_t *offsets          # n + 1 entries
    cdef double *values            # n entries
    cdef int64_t n, cap
    cdef int64_t *row_ends         # n_rows entries: feature count after each sample
    cdef int64_t n_rows, rows_cap
    cdef readonly bint exhausted
    cdef int check
    cdef double lo, hi
    cdef bint alternate_sign
    cdef object fix_dtype
    cdef object fix_values         # ndarray of fix_dtype (capacity grows)
    cdef list fix_pos
    cdef Py_ssize_t n_fix

    def __cinit__(self, fix_dtype, int check, double lo, double hi, bint alternate_sign):
        self.names = NULL
        self.offsets = NULL
        self.values = NULL
        self.row_ends = NULL
        self.names_len = self.n = self.cap = self.n_rows = self.rows_cap = 0
        self.exhausted = False
        self.check = check
        self.lo = lo
        self.hi = hi
        self.alternate_sign = alternate_sign
        self.fix_dtype = fix_dtype
        self.fix_values = None
        self.fix_pos = []
        self.n_fix = 0
        self.offsets = <int64_t *>malloc(sizeof(int64_t))
        self.names = <uint8_t *>malloc(1 << 16)  # never NULL, even if every name is empty
        if self.offsets == NULL or self.names == NULL:
            raise MemoryError()
        self.names_cap = 1 << 16
        self.offsets[0] = 0

    def __dealloc__(self):
        free(self.names)
        free(self.offsets)
        free(self.values)
        free(self.row_ends)

    @property
    def n_features(self):
        """Number of features (raw entries) in the batch."""
        return self.n

    @property
    def n_samples(self):
        """Number of samples in the batch."""
        return self.n_rows

    cdef int _reset(self) except -1:
        self.names_len = 0
        self.n = 0
        self.n_rows = 0
        self.fix_pos = []
        self.n_fix = 0
        return 0

    cdef int _grow(self, int64_t nbytes) except -1:
        """Room for one more feature of nbytes name bytes."""
        cdef int64_t ncap
        cdef void *p
        if self.names_len + nbytes > self.names_cap:
            ncap = self.names_cap * 2 if self.names_cap else 1 << 16
            while ncap < self.names_len + nbytes:
                ncap *= 2
            p = realloc(self.names, <size_t>ncap)
            if p == NULL:
                raise MemoryError()
            self.names = <uint8_t *>p
            self.names_cap = ncap
        if self.n == self.cap:
            ncap = self.cap * 2 if self.cap else 1 << 12
            p = realloc(self.offsets, <size_t>(ncap + 1) * sizeof(int64_t))
            if p == NULL:
                raise MemoryError()
            self.offsets = <int64_t *>p
            p = realloc(self.values, <size_t>ncap * sizeof(double))
            if p == NULL:
                raise MemoryError()
            self.values = <double *>p
            self.cap = ncap
        return 0

    cdef int _end_row(self) except -1:
        cdef int64_t ncap
        cdef void *p
        if self.n_rows == self.rows_cap:
            ncap = self.rows_cap * 2 if self.rows_cap else 1 << 10
            p = realloc(self.row_ends, <size_t>ncap * sizeof(int64_t))
            if p == NULL:
                raise MemoryError()
            self.row_ends = <int64_t *>p
            self.rows_cap = ncap
        self.row_ends[self.n_rows] = self.n
        self.n_rows += 1
        return 0

    cdef int _fix(self, const uint8_t *p, Py_ssize_t nbytes, double value) except -1:
        """Assign the signed value the way scikit-learn does; keep the exact result."""
        cdef int32_t h
        cdef double signed_value = value
        cdef object arr
        if self.alternate_sign:
            h = <int32_t>fh_murmur3_32(p, <size_t>nbytes, 0)
            if h < 0:
                signed_value = -value
        if self.fix_values is None or self.n_fix == len(self.fix_values):
            arr = np.empty(max(16, 2 * self.n_fix), dtype=self.fix_dtype)
            if self.n_fix:
                arr[:self.n_fix] = self.fix_values[:self.n_fix]
            self.fix_values = arr
        # The same numpy setitem of a Python float as scikit-learn's ``values[size] = value``.
        self.fix_values[self.n_fix] = signed_value
        self.fix_pos.append(self.n)
        self.n_fix += 1
        return 0

    cdef inline int _append(self, const uint8_t *p, Py_ssize_t nbytes, double value) except -1:
        """Store one kept feature: its name bytes and its value (before any fix-up)."""
        cdef Py_ssize_t k
        cdef uint8_t *dst
        if self.names_len + nbytes > self.names_cap or self.n == self.cap:
            self._grow(nbytes)
        dst = self.names + self.names_len
        if nbytes <= 16:  # most names: cheaper than a call to memcpy
            for k in range(nbytes):
                dst[k] = p[k]
        else:
            memcpy(dst, p, <size_t>nbytes)
        self.names_len += nbytes
        self.values[self.n] = value
        self.n += 1
        self.offsets[self.n] = self.names_len
        return 0

    cdef int _add_name(self, object f, double value) except -1:
        """Append a feature whose value is nonzero (scikit-learn's name checks)."""
        cdef const uint8_t *p
        cdef Py_ssize_t nbytes
        cdef bytes tmp
        cdef bint exact
        if isinstance(f, str):
            PyUnicode_READY(f)
            if PyUnicode_IS_ASCII(f):
                p = <const uint8_t *>PyUnicode_DATA(f)
                nbytes = PyUnicode_GET_LENGTH(f)
            else:
                # Not the cached UTF-8 of the str: that would stay attached to the user's key.
                tmp = PyUnicode_AsUTF8String(f)
                p = <const uint8_t *>PyBytes_AS_STRING(tmp)
                nbytes = PyBytes_GET_SIZE(tmp)
        elif isinstance(f, bytes):
            p = <const uint8_t *>PyBytes_AS_STRING(f)
            nbytes = PyBytes_GET_SIZE(f)
        else:
            raise TypeError("feature names must be strings")
        if self.check == 1:
            exact = not (self.lo < value < self.hi)
        elif self.check == 2:
            exact = isfinite(value) and not (fabs(value) < self.hi)
        else:
            exact = False
        if exact:
            self._fix(p, nbytes, value)
        return self._append(p, nbytes, value)

    cdef int _add(self, object f, object v) except -1:
        """One (name, value) pair, exactly as scikit-learn's loop body."""
        cdef double value
        if isinstance(v, str):
            f = "%s%s%s" % (f, '=', v)
            value = 1
        else:
            value = v
        if value == 0:
            return 0
        return self._add_name(f, value)

    cdef int _add_sample(self, object x, int mode) except -1:
        cdef Py_ssize_t pos = 0, size
        cdef double value
        cdef PyObject *kp
        cdef PyObject *vp
        if mode == 0:
            if type(x) is dict:
                # dict.items() order without a tuple per item. The references are owned
                # (f, v) while the values are read; a dict resized meanwhile (by a value's
                # __float__ or __str__) raises as iterating items() would.
                # Fast path: an exact str key that is compact ASCII and an exact float
                # value run no user code (so the dict cannot change) and need no
                # conversion; anything else takes scikit-learn's loop body (_add).
                size = len(<dict>x)
                while PyDict_Next(x, &pos, &kp, &vp):
                    # Borrowed references: nothing below runs code that could drop them.
                    if (self.check == 0 and _float_exact(vp) and _ascii_str_exact(kp)):
                        value = _float_value(vp)
                        if value != 0:
                            self._append(_ascii_data(kp), _ascii_length(kp), value)
                        continue
                    f = <object>kp
                    v = <object>vp
                    self._add(f, v)
                    if len(<dict>x) != size:
                        raise RuntimeError("dictionary changed size during iteration")
            else:
                items = x.iteritems() if hasattr(x, "iteritems") else x.items()
                for f, v in items:
                    self._add(f, v)
        elif mode == 1:
            for f, v in x:
                self._add(f, v)
        else:
            for f in x:
                self._add_name(f, 1.0)
        self._end_row()
        return 0

    def fill(self, iterator, int mode, Py_ssize_t max_features):
        """Empty the batch, then pull samples until ``max_features`` features are held.

        ``mode`` is ``MODE_DICT`` (each sample's ``iteritems()`` if it has one, else
        ``items()``), ``MODE_PAIR`` (``for f, v in sample``) or ``MODE_STRING`` (``for f
        in sample``, value 1). Sets ``exhausted`` when the iterator ends. An exception in
        a sample propagates at once: no later sample is pulled.
        """
        self._reset()
        for x in iterator:
            self._add_sample(x, mode)
            if self.n >= max_features:
                return
        self.exhausted = True

    def row_lengths(self):
        """Number of raw entries of each sample of the batch (int64)."""
        cdef cnp.ndarray[int64_t, ndim=1] out = np.empty(self.n_rows, dtype=np.int64)
        cdef int64_t prev = 0
        cdef Py_ssize_t i
        for i in range(self.n_rows):
            out[i] = self.row_ends[i] - prev
            prev = self.row_ends[i]
        return out

    def fixups(self):
        """(positions, values): the entries assigned exactly while reading."""
        if self.n_fix == 0:
            return np.empty(0, dtype=np.intp), np.empty(0, dtype=self.fix_dtype)
        return np.asarray(self.fix_pos, dtype=np.intp), self.fix_values[:self.n_fix].copy()

    def hash_into(self, int32_t[::1] indices, Py_ssize_t istart, double[::1] values,
                  Py_ssize_t vstart, int64_t n_features, bint alternate_sign, int n_threads):
        """Hash the batch with the GIL released.

        Writes the column of each feature to ``indices[istart:istart + n]`` and its signed
        value to ``values[vstart:vstart + n]`` (``n`` = ``n_features`` of the batch).
        """
        cdef fh_status status = FH_OK
        if (istart < 0 or vstart < 0 or istart + self.n > indices.shape[0]
                or vstart + self.n > values.shape[0]):
            raise ValueError("output arrays too small for the batch")
        if self.n > 0:
            with nogil:
                status = fh_hash_named_values(self.names, self.offsets, self.values, self.n,
                                              n_features, alternate_sign, n_threads,
                                              &indices[istart], &values[vstart])
        _check(status)


def merge_rows(const int64_t[::1] indptr, const int32_t[::1] indices, values, int n_threads):
    """Sort each row by column and sum duplicates (scipy's ``sum_duplicates``), nogil.

    ``values`` is a float64 or float32 array. Returns ``(indptr, indices, values)`` of the
    merged rows (int64 indptr; arrays trimmed to the merged size), or None when a column's
    sum could depend on scipy's unstable summation order (``fh_merge_rows_f64`` says
    when): the caller then lets scipy merge the unchanged input.
    """
    cdef int64_t n_rows = indptr.shape[0] - 1
    cdef int64_t nnz
    cdef const double[::1] v64
    cdef const float[::1] v32
    cdef double[::1] o64
    cdef float[::1] o32
    cdef int sensitive = 0
    cdef fh_status status = FH_OK
    if n_rows < 0:
        raise ValueError("indptr must not be empty")
    nnz = indptr[n_rows]
    if indices.shape[0] < nnz or values.shape[0] < nnz or indptr[0] != 0:
        raise ValueError("indptr does not match indices and values")
    if nnz == 0:
        return np.zeros(n_rows + 1, dtype=np.int64), np.empty(0, np.int32), values[:0].copy()
    out_indptr = np.empty(n_rows + 1, dtype=np.int64)
    out_indices = np.empty(max(nnz, 1), dtype=np.int32)
    out_values = np.empty(max(nnz, 1), dtype=values.dtype)
    cdef int64_t[::1] oip = out_indptr
    cdef int32_t[::1] oix = out_indices
    if values.dtype == np.float64:
        v64 = values
        o64 = out_values
        with nogil:
            status = fh_merge_rows_f64(&indptr[0], n_rows, &indices[0], &v64[0], n_threads, &oip[0],
                                       &oix[0], &o64[0], &sensitive)
    elif values.dtype == np.float32:
        v32 = values
        o32 = out_values
        with nogil:
            status = fh_merge_rows_f32(&indptr[0], n_rows, &indices[0], &v32[0], n_threads, &oip[0],
                                       &oix[0], &o32[0], &sensitive)
    else:
        raise TypeError(f"merge_rows takes float64 or float32 values, got {values.dtype}")
    _check(status)
    if sensitive:
        return None
    m = out_indptr[n_rows]
    if m < nnz // 2:  # like scipy's prune: no view of a much larger buffer
        return out_indptr, out_indices[:m].copy(), out_values[:m].copy()
    return out_indptr, out_indices[:m], out_values[:m]
