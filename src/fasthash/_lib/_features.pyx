# Authors: The fasthash developers
# SPDX-License-Identifier: BSD-3-Clause
# cython: freethreading_compatible = False
"""Cython boundary of the FeatureHasher kernel.

:class:`FeatureBatch` reads samples from a Python iterator with the GIL held, exactly as
scikit-learn's ``_hashing_fast.transform`` does (same order, same conversions, same
exceptions), and turns each kept feature into its raw entry at once: the name is hashed in
place (the UTF-8 of a compact ASCII ``str`` is its own buffer), giving the column and the
signed value. :class:`MergedRows` then merges each batch's duplicates with the GIL released
(possibly on another thread while the next batch is read). No policy lives here: the Python
layer decides the mode, the dtype checks, the batch size and the threads, casts the values
and builds the sparse matrix.
"""

from cpython.bytes cimport PyBytes_AS_STRING, PyBytes_GET_SIZE
from cpython.exc cimport PyErr_CheckSignals
from cpython.object cimport PyObject
from libc.math cimport fabs, isfinite
from libc.stdint cimport INT32_MAX, int32_t, int64_t, uint8_t, uint32_t
from libc.stdlib cimport free, malloc, realloc
from libc.string cimport memcpy

cimport cython
cimport numpy as cnp
import numpy as np

from ._arrow cimport ArrowChunk, ArrowStream
from ._cancel cimport Cancel
from ._hashing cimport _check
from .fh_core cimport (
    FH_CHECK_FINITE_ABS,
    FH_CHECK_NONE,
    FH_CHECK_RANGE,
    FH_MERGE_RAW,
    FH_OK,
    FH_ROW_PYTHON,
    fh_arrow_feature_rows,
    fh_arrow_list_items,
    fh_arrow_lists,
    fh_cancel,
    fh_feature_entry,
    fh_merge_feature_rows_f32,
    fh_merge_feature_rows_f64,
    fh_sink,
    fh_sink_needs_fix,
    fh_status,
)

cnp.import_array()


cdef extern from "Python.h":
    int PyUnicode_READY(object o) except -1
    int PyUnicode_IS_COMPACT_ASCII(object o)
    void *PyUnicode_DATA(object o)
    Py_ssize_t PyUnicode_GET_LENGTH(object o)
    bytes PyUnicode_AsUTF8String(object o)


cdef extern from "fh_pydict.h":
    void fh_sink_put(fh_sink *s, uint32_t key, double v)
    uint32_t fh_sink_key(const fh_sink *s, const uint8_t *p, Py_ssize_t len)
    int fh_read_dict(object d, Py_ssize_t *ppos, Py_ssize_t *remaining, fh_sink *s,
                     PyObject **pk, PyObject **pv, int64_t budget)


# Features read between two checks for signals (a millisecond or so).
cdef int64_t _SIGNAL_CHECK_ITEMS = 1 << 16

MODE_DICT = 0
MODE_PAIR = 1
MODE_STRING = 2

CHECK_NONE = FH_CHECK_NONE
CHECK_RANGE = FH_CHECK_RANGE
CHECK_FINITE_ABS = FH_CHECK_FINITE_ABS


@cython.final
cdef class FeatureBatch:
    """The raw entries (column, signed value) of consecutive samples.

    Parameters
    ----------
    n_features : int
        Number of columns, in [1, 2**31 - 1].
    alternate_sign : bool
        scikit-learn's sign rule.
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
    """
    cdef fh_sink sink
    cdef _Owner cols_buf           # int32 entries, capacity sink.cap (sink.cols is its data)
    cdef _Owner vals_buf           # float64 entries, the same
    cdef bint viewed               # arrays returned since the last growth may view them
    cdef object indptr_arr         # int64 ndarray: 0, then the entry count after each sample
    cdef int64_t *indptr
    cdef int64_t n_rows, rows_cap
    cdef readonly bint exhausted
    cdef object fix_dtype
    cdef object fix_values         # ndarray of fix_dtype (capacity grows)
    cdef list fix_pos
    cdef Py_ssize_t n_fix
    cdef int64_t ticks
    # the Arrow read in progress (fill_arrow), read by _read_arrow on any thread
    cdef const fh_arrow_lists *a_lists
    cdef int64_t a_row0, a_rows
    cdef int a_unique, a_threads
    cdef fh_cancel *a_cancel
    cdef int64_t *a_nnz
    cdef uint8_t *a_flags
    cdef fh_status a_status

    def __cinit__(self, int64_t n_features, bint alternate_sign, fix_dtype, int check,
                  double lo, double hi):
        if not 1 <= n_features <= INT32_MAX:
            raise ValueError(f"n_features must be in [1, 2**31 - 1], got {n_features}")
        self.sink.n_features = <uint32_t>n_features
        self.sink.pow2_mask = (<uint32_t>n_features - 1
                               if n_features > 1 and (n_features & (n_features - 1)) == 0
                               else 0)
        self.sink.alternate_sign = alternate_sign
        self.sink.check = check
        self.sink.lo = lo
        self.sink.hi = hi
        self.sink.n = 0
        self.sink.cap = 0
        self.exhausted = False
        self.fix_dtype = fix_dtype
        self.fix_values = None
        self.fix_pos = []
        self.n_fix = 0
        self.n_rows = 0
        self._grow(1 << 12)
        self._grow_rows()

    @property
    def n_entries(self):
        """Number of raw entries (kept features) in the batch."""
        return self.sink.n

    @property
    def n_samples(self):
        """Number of samples in the batch."""
        return self.n_rows

    cdef int _grow(self, int64_t need) except -1:
        """Capacity for at least ``need`` entries (the entries held are kept).

        Grown by realloc, which remaps large blocks instead of copying them (a sample of
        any size grows in O(1) per doubling: no long copy where Ctrl-C would wait), unless
        an array returned by :meth:`indices` or :meth:`values` since may view the block:
        then a new block is made and the old one is left to that array."""
        cdef int64_t ncap = max(need, 2 * self.sink.cap, 1 << 12)
        self.cols_buf = _grown(self.cols_buf, self.sink.n * sizeof(int32_t),
                               ncap * sizeof(int32_t), self.viewed)
        self.vals_buf = _grown(self.vals_buf, self.sink.n * sizeof(double),
                               ncap * sizeof(double), self.viewed)
        self.viewed = False
        self.sink.cols = <int32_t *>self.cols_buf.p
        self.sink.vals = <double *>self.vals_buf.p
        self.sink.cap = ncap
        return 0

    cdef int _grow_rows(self) except -1:
        cdef int64_t ncap = self.rows_cap * 2 if self.rows_cap else 1 << 10
        arr = np.empty(ncap + 1, dtype=np.int64)
        cdef int64_t[::1] a = arr
        if self.indptr != NULL:
            memcpy(&a[0], self.indptr, <size_t>(self.n_rows + 1) * sizeof(int64_t))
        else:
            a[0] = 0
        self.indptr_arr = arr
        self.indptr = &a[0]
        self.rows_cap = ncap
        return 0

    cdef inline int _reserve(self, Py_ssize_t k) except -1:
        if self.sink.n + k > self.sink.cap:
            self._grow(self.sink.n + k)
        return 0

    cdef int _fix(self, uint32_t key, double value) except -1:
        """Assign the signed value the way scikit-learn does; keep the exact result."""
        cdef double signed_value = -value if key & 1 else value
        cdef object arr
        if self.fix_values is None or self.n_fix == len(self.fix_values):
            arr = np.empty(max(16, 2 * self.n_fix), dtype=self.fix_dtype)
            if self.n_fix:
                arr[:self.n_fix] = self.fix_values[:self.n_fix]
            self.fix_values = arr
        # The same numpy setitem of a Python float as scikit-learn's ``values[size] = value``.
        self.fix_values[self.n_fix] = signed_value
        self.fix_pos.append(self.sink.n)
        self.n_fix += 1
        return 0

    cdef int _add_name(self, object f, double value) except -1:
        """Append a feature whose value is nonzero (scikit-learn's name checks)."""
        cdef const uint8_t *p
        cdef Py_ssize_t nbytes
        cdef bytes tmp
        cdef uint32_t key
        if isinstance(f, str):
            PyUnicode_READY(f)
            if PyUnicode_IS_COMPACT_ASCII(f):
                # In place: the str's header precedes its bytes (fh_feature_hash reads
                # before them); a subclass's bytes are a separate block, hence the copy.
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
        if nbytes > INT32_MAX:  # scikit-learn passes the length as a C int
            raise OverflowError("a feature name longer than 2**31 - 1 bytes cannot be hashed")
        key = fh_sink_key(&self.sink, p, nbytes)
        if fh_sink_needs_fix(&self.sink, value):
            self._fix(key, value)
        self._reserve(1)
        fh_sink_put(&self.sink, key, value)
        return 0

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

    cdef int _add_dict(self, dict x) except -1:
        # dict.items() order without a tuple per item (PyDict_Next). fh_read_dict takes the
        # items that need no Python code; any other item runs scikit-learn's loop body on
        # owned references (f, v), and a dict changed meanwhile (by a value's __float__ or
        # __str__) raises as iterating items() would.
        cdef Py_ssize_t pos = 0
        cdef Py_ssize_t size = len(x)
        cdef Py_ssize_t remaining = size
        cdef PyObject *kp
        cdef PyObject *vp
        cdef int r
        self._reserve(size)
        while True:
            r = fh_read_dict(x, &pos, &remaining, &self.sink, &kp, &vp, _SIGNAL_CHECK_ITEMS)
            if r == 0:
                return 0
            if r == 2:
                self._reserve(1)
                PyErr_CheckSignals()  # a signal handler may change the dict:
                if len(x) != size:
                    raise RuntimeError("dictionary changed size during iteration")
                continue
            if r == 3:
                raise RuntimeError("dictionary keys changed during iteration")
            f = <object>kp
            v = <object>vp
            self._add(f, v)
            if len(x) != size:
                raise RuntimeError("dictionary changed size during iteration")

    cdef inline int _tick(self) except -1:
        """Count a feature read; check for signals (Ctrl-C) every _SIGNAL_CHECK_ITEMS: a
        sample may hold any number of features, read by this loop without Python code."""
        self.ticks += 1
        if self.ticks >= _SIGNAL_CHECK_ITEMS:
            self.ticks = 0
            PyErr_CheckSignals()
        return 0

    cdef int _add_sample(self, object x, int mode) except -1:
        if mode == 0:
            if type(x) is dict:
                self._add_dict(<dict>x)
            else:
                items = x.iteritems() if hasattr(x, "iteritems") else x.items()
                for f, v in items:
                    self._tick()
                    self._add(f, v)
        elif mode == 1:
            for f, v in x:
                self._tick()
                self._add(f, v)
        else:
            for f in x:
                self._tick()
                self._add_name(f, 1.0)
        if self.n_rows == self.rows_cap:
            self._grow_rows()
        self.n_rows += 1
        self.indptr[self.n_rows] = self.sink.n
        return 0

    def fill(self, iterator, int mode, Py_ssize_t max_features):
        """Empty the batch, then pull samples until ``max_features`` features are held.

        ``mode`` is ``MODE_DICT`` (each sample's ``iteritems()`` if it has one, else
        ``items()``), ``MODE_PAIR`` (``for f, v in sample``) or ``MODE_STRING`` (``for f
        in sample``, value 1). Sets ``exhausted`` when the iterator ends. An exception in
        a sample propagates at once: no later sample is pulled.
        """
        self.sink.n = 0
        self.n_rows = 0
        self.fix_pos = []
        self.n_fix = 0
        if self.sink.cap < max_features + 4096:  # room for the batch and a usual last sample
            self._grow(max_features + 4096)
        for x in iterator:
            self._add_sample(x, mode)
            if self.sink.n >= max_features:
                return
        self.exhausted = True

    # -------------------------------------------------------------- Arrow lists

    def fill_arrow(self, ArrowStream stream, int mode, Py_ssize_t max_features,
                   bint unique_keys, int n_threads, Cancel cancel=None, run=None,
                   Py_ssize_t run_above=-1, null_value=None):
        """Empty the batch, then read rows of an Arrow column of feature lists
        (``stream``: ``NAME_LISTS`` for ``MODE_STRING``, ``PAIR_LISTS`` for
        ``MODE_DICT``/``MODE_PAIR``) until ``max_features`` items are held.

        The rows are read in C without the GIL (``fh_arrow_feature_rows``, on up to
        ``n_threads`` threads, polling ``cancel``); ``unique_keys`` makes a row whose names
        repeat go the Python way (a dict keeps one value per name). A row the C reader
        leaves to Python (nulls, values to assign one by one, ...) is turned into the
        sample its Python values make (``null_value`` for a null row) and read as
        :meth:`fill` reads it, in row order. ``run`` (None: this thread) is called as
        ``run(work, cancel)`` for a read of more than ``run_above`` items (-1: never), as
        in ``MergedRows.append``. Sets ``exhausted`` at the end of the stream; an exception
        of a row propagates once the rows before it are in the batch.
        """
        cdef ArrowChunk chunk
        cdef int64_t row, span, items, a, b, k, budget, start, pos
        cdef int r
        cdef int64_t[::1] row_nnz
        cdef uint8_t[::1] flags
        cdef bint any_python
        self.sink.n = 0
        self.n_rows = 0
        self.fix_pos = []
        self.n_fix = 0
        while self.sink.n < max_features:
            chunk = stream.current()
            if chunk is None:
                self.exhausted = True
                return
            row = stream.pos
            # rows up to about the budget of items (at least one row)
            budget = max_features - self.sink.n
            span = items = 0
            while row + span < chunk.length and (span == 0 or items < budget):
                r = fh_arrow_list_items(&chunk.lists, row + span, &a, &b)
                if r > 0:
                    items += b - a
                span += 1
            self._reserve(items)
            while self.n_rows + span > self.rows_cap:
                self._grow_rows()
            row_nnz = np.empty(span, dtype=np.int64)
            flags = np.empty(span, dtype=np.uint8)
            start = self.sink.n
            self.a_lists = &chunk.lists
            self.a_row0 = row
            self.a_rows = span
            self.a_unique = unique_keys
            self.a_threads = n_threads
            self.a_cancel = cancel.c if cancel is not None else NULL
            self.a_nnz = &row_nnz[0]
            self.a_flags = &flags[0]
            try:
                if run is None or run_above < 0 or items <= run_above:
                    self._read_arrow()
                else:
                    run(self._read_arrow, cancel)
            finally:
                self.a_lists = NULL
                self.a_cancel = NULL
            _check(self.a_status, -1)
            any_python = False
            for k in range(span):
                if flags[k] & FH_ROW_PYTHON:
                    any_python = True
                    break
            if not any_python:
                pos = start
                for k in range(span):
                    pos += row_nnz[k]
                    self.n_rows += 1
                    self.indptr[self.n_rows] = pos
            else:
                self._interleave(stream, chunk, row, start, row_nnz, flags, mode, null_value)
            stream.advance(span)
        if stream.current() is None:
            self.exhausted = True

    def _read_arrow(self):
        """The C reader of :meth:`fill_arrow` (GIL released)."""
        with nogil:
            self.a_status = fh_arrow_feature_rows(
                self.a_lists, self.a_row0, self.a_rows, self.a_unique, self.a_threads,
                self.a_cancel, &self.sink, self.a_nnz, self.a_flags)

    cdef int _interleave(self, ArrowStream stream, ArrowChunk chunk, int64_t row, int64_t start,
                         int64_t[::1] row_nnz, uint8_t[::1] flags, int mode,
                         null_value) except -1:
        """Rows of one read in order: the C reader's entries (from ``start``), and the
        Python samples of the rows it left (flags). If one of those raises, the stream's
        position is left at its row."""
        cdef int64_t k, n = row_nnz.shape[0], m
        cdef int64_t total = self.sink.n - start, at = 0
        cols = np.empty(total, dtype=np.int32)
        vals = np.empty(total, dtype=np.float64)
        cdef int32_t[::1] c = cols
        cdef double[::1] v = vals
        if total:
            memcpy(&c[0], self.sink.cols + start, total * sizeof(int32_t))
            memcpy(&v[0], self.sink.vals + start, total * sizeof(double))
        self.sink.n = start
        for k in range(n):
            if flags[k] & FH_ROW_PYTHON:
                try:
                    self._add_sample(chunk.sample(row + k, mode, null_value), mode)
                except BaseException:
                    stream.advance(k)
                    raise
                continue
            m = row_nnz[k]
            self._reserve(m)
            if m:
                memcpy(self.sink.cols + self.sink.n, &c[at], m * sizeof(int32_t))
                memcpy(self.sink.vals + self.sink.n, &v[at], m * sizeof(double))
            self.sink.n += m
            at += m
            if self.n_rows == self.rows_cap:
                self._grow_rows()
            self.n_rows += 1
            self.indptr[self.n_rows] = self.sink.n
        return 0

    def indptr_array(self):
        """Row offsets of the batch's entries: int64, ``n_samples + 1`` entries from 0 (a
        view, valid until the next :meth:`fill`)."""
        return self.indptr_arr[:self.n_rows + 1]

    def indices(self):
        """Column of each entry (int32; a view, overwritten by the next :meth:`fill`)."""
        self.viewed = True
        return _view(self.cols_buf, self.sink.n, cnp.NPY_INT32)

    def values(self):
        """Signed value of each entry as a double (a view, overwritten by the next
        :meth:`fill`); the entries of :meth:`fixups` still need their exact value."""
        self.viewed = True
        return _view(self.vals_buf, self.sink.n, cnp.NPY_FLOAT64)

    def fixups(self):
        """(positions, values): the entries assigned exactly while reading."""
        if self.n_fix == 0:
            return np.empty(0, dtype=np.intp), np.empty(0, dtype=self.fix_dtype)
        return np.asarray(self.fix_pos, dtype=np.intp), self.fix_values[:self.n_fix].copy()


@cython.final
cdef class _Owner:
    """Owner of a malloc'd block that numpy arrays may view (their base)."""
    cdef void *p

    def __dealloc__(self):
        free(self.p)


cdef _Owner _grown(_Owner old, size_t used, size_t nbytes, bint viewed):
    """A block of nbytes holding the first ``used`` bytes of ``old`` (may be None): ``old``
    itself, reallocated, unless arrays may view it (``viewed``): then a new block (a copy),
    the old one left to them."""
    cdef void *q
    cdef _Owner new
    if old is not None and not viewed:
        q = realloc(old.p, nbytes)
        if q == NULL:
            raise MemoryError()
        old.p = q
        return old
    new = _Owner()
    new.p = malloc(nbytes)
    if new.p == NULL:
        raise MemoryError()
    if used:
        memcpy(new.p, old.p, used)
    return new


cdef object _view(_Owner buf, int64_t n, int typenum):
    """A 1-D numpy array of the first n items of buf (which it keeps alive)."""
    cdef cnp.npy_intp dims = n
    arr = cnp.PyArray_SimpleNewFromData(1, &dims, typenum, buf.p)
    cnp.Py_INCREF(buf)
    cnp.PyArray_SetBaseObject(arr, buf)
    return arr


cdef object _owned_array(void **p, int64_t n, int typenum, size_t itemsize):
    """A numpy array of n items taking over the malloc'd block *p (trimmed to n)."""
    cdef cnp.npy_intp dims = n
    cdef void *q = realloc(p[0], <size_t>(n if n > 0 else 1) * itemsize)
    if q == NULL:
        raise MemoryError()
    p[0] = NULL
    owner = _Owner()
    (<_Owner>owner).p = q
    arr = cnp.PyArray_SimpleNewFromData(1, &dims, typenum, q)
    cnp.Py_INCREF(owner)
    cnp.PyArray_SetBaseObject(arr, owner)
    return arr


@cython.final
cdef class MergedRows:
    """The merged rows of a whole call, appended batch by batch (scipy's sum_duplicates).

    Parameters
    ----------
    n_features : int
        Number of columns.
    dtype : numpy.dtype
        float64 or float32: the type of the values merged.

    Calls to :meth:`append` must not overlap (each may run on any thread, one at a time).
    A row whose sum could depend on scipy's (unstable) summation order is kept raw and
    reported by :meth:`finish` for the caller to merge as scipy does.
    """
    cdef int64_t n_cols
    cdef bint f32
    cdef size_t vsize
    cdef int64_t *indptr           # n_rows + 1 entries
    cdef int32_t *idx
    cdef void *vals
    cdef uint8_t *flags            # n_rows entries
    cdef int64_t n_rows, rows_cap, nnz, cap
    cdef readonly int64_t n_raw
    cdef readonly bint all_sorted
    cdef readonly bint any_raw
    cdef bint done
    # the merge in progress (append), read by _merge on any thread
    cdef const int64_t *in_indptr
    cdef const int32_t *in_indices
    cdef const void *in_values
    cdef int64_t in_rows
    cdef int n_threads
    cdef fh_cancel *cancel
    cdef fh_status st
    cdef int sorted_

    def __cinit__(self, int64_t n_features, dtype):
        if dtype == np.float64:
            self.f32 = False
            self.vsize = sizeof(double)
        elif dtype == np.float32:
            self.f32 = True
            self.vsize = sizeof(float)
        else:
            raise TypeError(f"MergedRows takes float64 or float32 values, got {dtype}")
        self.n_cols = n_features
        self.indptr = <int64_t *>realloc(NULL, sizeof(int64_t))
        if self.indptr == NULL:
            raise MemoryError()
        self.indptr[0] = 0
        self.all_sorted = True

    def __dealloc__(self):
        free(self.indptr)
        free(self.idx)
        free(self.vals)
        free(self.flags)

    @property
    def n_samples(self):
        """Number of rows appended."""
        return self.n_rows

    cdef int _reserve(self, int64_t rows, int64_t entries) except -1:
        cdef int64_t ncap
        cdef void *p
        if self.n_rows + rows > self.rows_cap:
            ncap = max(self.n_rows + rows, 2 * self.rows_cap, 1 << 10)
            p = realloc(self.indptr, <size_t>(ncap + 1) * sizeof(int64_t))
            if p == NULL:
                raise MemoryError()
            self.indptr = <int64_t *>p
            p = realloc(self.flags, <size_t>ncap)
            if p == NULL:
                raise MemoryError()
            self.flags = <uint8_t *>p
            self.rows_cap = ncap
        if self.nnz + entries > self.cap:
            ncap = max(self.nnz + entries, 2 * self.cap, 1 << 16)
            p = realloc(self.idx, <size_t>ncap * sizeof(int32_t))
            if p == NULL:
                raise MemoryError()
            self.idx = <int32_t *>p
            p = realloc(self.vals, <size_t>ncap * self.vsize)
            if p == NULL:
                raise MemoryError()
            self.vals = p
            self.cap = ncap
        return 0

    def append(self, const int64_t[::1] indptr, const int32_t[::1] indices, values,
               int n_threads, Cancel cancel=None, run=None):
        """Merge the raw rows ``indptr``/``indices``/``values`` (a batch) with the GIL
        released and append them. ``values`` has the dtype of the instance.

        ``cancel`` (optional) is polled by the kernel. ``run`` is None to merge on this
        thread, or a function ``run(work, cancel)`` that calls ``work()`` (which releases
        the GIL) on some thread and returns, or raises, only once it has ended.
        """
        cdef int64_t n_rows = indptr.shape[0] - 1
        cdef int64_t n, i, base
        cdef const double[::1] v64
        cdef const float[::1] v32
        cdef uint8_t any_raw = 0
        cdef const void *vp = NULL
        if self.done:
            raise RuntimeError("MergedRows.append after finish")
        if n_rows < 0 or indptr[0] != 0:
            raise ValueError("indptr must start with 0")
        n = indptr[n_rows]
        if self.f32:
            v32 = values
            if v32.shape[0] < n:
                raise ValueError("indptr does not match indices and values")
            if n:
                vp = &v32[0]
        else:
            v64 = values
            if v64.shape[0] < n:
                raise ValueError("indptr does not match indices and values")
            if n:
                vp = &v64[0]
        if indices.shape[0] < n:
            raise ValueError("indptr does not match indices and values")
        self._reserve(n_rows, n)
        base = self.nnz
        self.in_indptr = &indptr[0]
        self.in_indices = &indices[0] if n else NULL
        self.in_values = vp
        self.in_rows = n_rows
        self.n_threads = n_threads
        self.cancel = cancel.c if cancel is not None else NULL
        self.sorted_ = 1
        try:
            if run is None:
                self._merge()
            else:
                run(self._merge, cancel)
        finally:
            self.in_indptr = NULL
            self.in_indices = NULL
            self.in_values = NULL
            self.cancel = NULL
        if self.st != FH_OK:
            self.indptr[self.n_rows] = base  # the rows written are forgotten
            _check(self.st, -1)
        # The kernel wrote this batch's indptr from 0 over the previous end (base).
        for i in range(self.n_rows, self.n_rows + n_rows):
            self.indptr[i + 1] += base
            any_raw |= self.flags[i]
        self.indptr[self.n_rows] = base
        self.n_rows += n_rows
        self.nnz = self.indptr[self.n_rows]
        self.n_raw += n
        self.all_sorted = self.all_sorted and self.sorted_
        self.any_raw = self.any_raw or any_raw

    def _merge(self):
        """The merge kernel of :meth:`append` (GIL released)."""
        cdef int64_t base = self.nnz
        with nogil:
            if self.f32:
                self.st = fh_merge_feature_rows_f32(
                    self.in_indptr, self.in_rows, self.in_indices,
                    <const float *>self.in_values, self.n_cols, self.n_threads, self.cancel,
                    self.indptr + self.n_rows, self.idx + base,
                    <float *>self.vals + base, self.flags + self.n_rows, &self.sorted_)
            else:
                self.st = fh_merge_feature_rows_f64(
                    self.in_indptr, self.in_rows, self.in_indices,
                    <const double *>self.in_values, self.n_cols, self.n_threads,
                    self.cancel, self.indptr + self.n_rows, self.idx + base,
                    <double *>self.vals + base, self.flags + self.n_rows, &self.sorted_)

    def finish(self):
        """(indptr int64, indices int32, values, raw_rows): the merged rows; the arrays take
        over the buffers (no copy). ``raw_rows`` (intp) lists the rows left raw."""
        if self.done:
            raise RuntimeError("MergedRows.finish called twice")
        raw_rows = np.empty(0, dtype=np.intp)
        if self.any_raw:
            raw_rows = np.flatnonzero(
                np.asarray(<uint8_t[:self.n_rows]>self.flags) if self.n_rows else
                np.empty(0, np.uint8))
        indptr = _owned_array(<void **>&self.indptr, self.n_rows + 1, cnp.NPY_INT64,
                              sizeof(int64_t))
        indices = _owned_array(<void **>&self.idx, self.nnz, cnp.NPY_INT32, sizeof(int32_t))
        values = _owned_array(&self.vals, self.nnz,
                              cnp.NPY_FLOAT32 if self.f32 else cnp.NPY_FLOAT64, self.vsize)
        self.done = True
        return indptr, indices, values, raw_rows
