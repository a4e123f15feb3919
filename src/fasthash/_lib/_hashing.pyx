# Authors: The fasthash developers
# SPDX-License-Identifier: BSD-3-Clause
# cython: freethreading_compatible = False
"""Cython boundary of the hashing kernels.

Marshals Python documents into C views (a ``str`` is read in place: PEP 393 pointer, kind
and length; references are held by the batch), runs one ``nogil`` kernel call per batch and
maps C statuses to Python exceptions. No policy lives here: what to analyse natively, how
to decode, which dtype and norm apply are decided by the Python layer.
"""

from cpython.buffer cimport (PyBUF_WRITABLE, PyBuffer_FillInfo, PyBuffer_Release,
                             PyObject_GetBuffer)
from cpython.bytes cimport PyBytes_AS_STRING, PyBytes_GET_SIZE
from cpython.exc cimport PyErr_CheckSignals
from cpython.unicode cimport PyUnicode_Check
from libc.stdint cimport int32_t, int64_t, uint8_t, uint16_t, uint32_t
from libc.stdlib cimport free, malloc, realloc
from libc.string cimport memset

cimport numpy as cnp
import mmap as _mmap
import numpy as np

from ._arrow cimport ArrowChunk, ArrowStream
from ._cancel cimport Cancel
from .fh_core cimport *

from ._arrow import MalformedArrowError

cnp.import_array()


cdef extern from "Python.h":
    object PyUnicode_DecodeUTF8(const char *s, Py_ssize_t size, const char *errors)
    int PyUnicode_KIND(object o)
    void *PyUnicode_DATA(object o)
    Py_ssize_t PyUnicode_GET_LENGTH(object o)
    int PyUnicode_IS_ASCII(object o)
    bint PyUnicode_CheckExact(object o)

cdef object _END = object()


OUT_F64 = FH_OUT_F64
OUT_F32 = FH_OUT_F32
OUT_I64 = FH_OUT_I64
ANALYZER_WORD = FH_ANALYZER_WORD
ANALYZER_CHAR = FH_ANALYZER_CHAR
ANALYZER_CHAR_WB = FH_ANALYZER_CHAR_WB
TOKEN_WORD2 = FH_TOKEN_WORD2
TOKEN_WORD1 = FH_TOKEN_WORD1
TOKEN_NONSPACE = FH_TOKEN_NONSPACE
NORM_NONE = FH_NORM_NONE
NORM_L1 = FH_NORM_L1
NORM_L2 = FH_NORM_L2
PATHS_FASTEST = FH_PATHS_FASTEST
PATHS_BASELINE = FH_PATHS_BASELINE
PATHS_REFERENCE = FH_PATHS_REFERENCE


class SurrogateFeatureError(UnicodeEncodeError):
    """A feature to hash holds a lone surrogate (document ``row`` of the batch).

    The Python layer re-runs scikit-learn's analysis of that document to raise the exact
    ``UnicodeEncodeError`` scikit-learn raises.
    """

    def __init__(self, row):
        super().__init__("utf-8", "", 0, 0, f"document {row}: a feature holds a lone surrogate")
        self.row = row


class UTF8DecodeError(UnicodeDecodeError):
    """A UTF-8 document (document ``row`` of the batch) is not valid UTF-8.

    The Python layer decodes that document itself to raise Python's exact
    ``UnicodeDecodeError``.
    """

    def __init__(self, row):
        super().__init__("utf-8", b"", 0, 0, f"document {row}: invalid UTF-8")
        self.row = row


cdef int _check(fh_status status, int64_t row) except -1:
    """The one translator of C statuses to Python exceptions (``_features`` cimports it).

    ``row`` is the document of the batch the status is about, or -1 when it is about no
    document (a FeatureHasher batch, an allocation).
    """
    if status == FH_OK:
        return 0
    where = f"document {row}" if row >= 0 else "no document"
    if status == FH_ERR_NOMEM:
        raise MemoryError()
    if status == FH_ERR_OVERFLOW:
        raise OverflowError(f"{where}: the number of features exceeds the int64 index range")
    if status == FH_ERR_ENCODE:
        raise SurrogateFeatureError(row)
    if status == FH_ERR_DECODE:
        raise UTF8DecodeError(row)
    if status == FH_ERR_CANCELLED:
        raise KeyboardInterrupt()  # a token is only requested on an interrupt
    if status == FH_ERR_INVALID:
        raise MalformedArrowError(f"malformed Arrow array ({where})")
    raise RuntimeError(
        f"fasthash internal error ({fh_status_message(status).decode()}, {where}); "
        "please report")


def check_status(int status, int64_t row=-1):
    """Raise the Python exception of a C status (used by the tests of the mapping)."""
    _check(<fh_status>status, row)


SCAN_RUNS = FH_SCAN_RUNS
SCAN_GENERAL = FH_SCAN_GENERAL
SET_CLASS = FH_SET_CLASS
SET_WORD = FH_SET_WORD
SET_LOWER_CLASS = FH_SET_LOWER_CLASS
SET_LOWER_WORD = FH_SET_LOWER_WORD
SET_LOWER_COMPLEX = FH_SET_LOWER_COMPLEX
CHARSET_BYTES = FH_CHARSET_BYTES


cdef class Pattern:
    """A token pattern of the core's subset: ``\\b? C{min_count,max_count} \\b?``.

    ``class_bits`` and ``word_bits`` are bitmaps of ``CHARSET_BYTES`` bytes over every code
    point (code point ``c`` at bit ``c & 7`` of byte ``c >> 3``): the class ``C`` and the
    word characters of ``\\b``. ``max_count`` is -1 when unbounded. Immutable; may be
    shared by threads and by several :class:`Options`.
    """
    cdef fh_pattern *c

    def __cinit__(self, const uint8_t[::1] class_bits not None,
                  const uint8_t[::1] word_bits not None, int64_t min_count, int64_t max_count,
                  bint bound_start, bint bound_end):
        cdef fh_pattern_spec spec
        self.c = NULL
        if class_bits.shape[0] != FH_CHARSET_BYTES or word_bits.shape[0] != FH_CHARSET_BYTES:
            raise ValueError(f"bitmaps must hold {FH_CHARSET_BYTES} bytes")
        spec.class_bits = &class_bits[0]
        spec.word_bits = &word_bits[0]
        spec.min_count = min_count
        spec.max_count = max_count
        spec.bound_start = bound_start
        spec.bound_end = bound_end
        _check(fh_pattern_new(&spec, &self.c), -1)

    def __dealloc__(self):
        fh_pattern_free(self.c)

    @property
    def scanner(self):
        """``SCAN_RUNS`` or ``SCAN_GENERAL``: the scanner the core chose."""
        return fh_pattern_scanner(self.c)

    def members(self, int which):
        """Membership of every code point in the set ``which`` (``SET_*``), from the core's
        tables (for tests): a bool array of 0x110000 entries."""
        cdef uint8_t[::1] out = np.empty(0x110000, dtype=np.uint8)
        cdef uint32_t cp
        with nogil:
            for cp in range(0x110000):
                out[cp] = fh_pattern_has(self.c, which, cp) != 0
        return np.asarray(out).view(np.bool_)


cdef class Options:
    """Validated kernel options (the Python layer decides their values)."""
    cdef fh_opts c
    cdef fh_stopset *stop
    cdef readonly Pattern pattern

    def __cinit__(self, *, int64_t min_n, int64_t max_n, uint32_t n_features, bint lowercase,
                  bint alternate_sign, bint binary, int norm, int out_type, stop_words=None,
                  int analyzer=FH_ANALYZER_WORD, int strip_accents=0, int token=FH_TOKEN_WORD2,
                  int paths=FH_PATHS_FASTEST, Pattern pattern=None):
        memset(&self.c, 0, sizeof(fh_opts))
        self.stop = NULL
        self.pattern = pattern  # kept alive by these options
        if pattern is not None:
            self.c.pattern = pattern.c
        self.c.analyzer = analyzer
        self.c.token = token
        self.c.strip_accents = strip_accents
        self.c.min_n = min_n
        self.c.max_n = max_n
        self.c.n_features = n_features
        self.c.lowercase = lowercase
        self.c.alternate_sign = alternate_sign
        self.c.binary = binary
        self.c.norm = norm
        self.c.out_type = out_type
        self.c.paths = paths  # tests only: every path gives the same output
        _check(fh_opts_check(&self.c), -1)
        if stop_words is not None:
            self._set_stop_words(stop_words)

    cdef int _set_stop_words(self, list words) except -1:
        """words: list of UTF-8 bytes."""
        cdef bytes joined = b"".join(words)
        cdef int64_t[::1] offsets = np.zeros(len(words) + 1, dtype=np.int64)
        cdef Py_ssize_t i
        for i in range(len(words)):
            offsets[i + 1] = offsets[i] + len(<bytes>words[i])
        _check(fh_stopset_new(<const uint8_t *>PyBytes_AS_STRING(joined), &offsets[0],
                              len(words), &self.stop), -1)
        self.c.stop = self.stop
        return 0

    def __dealloc__(self):
        fh_stopset_free(self.stop)


cdef inline int _view(object s, fh_text *t) except -1:
    """Fill t with an in-place view of a str or bytes object (the caller holds a reference)."""
    if PyUnicode_Check(s):
        t.data = PyUnicode_DATA(s)
        t.len = PyUnicode_GET_LENGTH(s)
        t.kind = PyUnicode_KIND(s)
        t.ascii = PyUnicode_IS_ASCII(s)
    else:
        t.data = PyBytes_AS_STRING(s)
        t.len = PyBytes_GET_SIZE(s)
        t.kind = FH_KIND_BYTES
        t.ascii = 0
    return 0


cdef bint _has_surrogate(fh_text *t) noexcept:
    cdef Py_ssize_t i
    cdef const uint16_t *s2
    cdef const uint32_t *s4
    if t.kind == FH_KIND_UCS2:
        s2 = <const uint16_t *>t.data
        for i in range(t.len):
            if 0xD800 <= s2[i] <= 0xDFFF:
                return True
    elif t.kind == FH_KIND_UCS4:
        s4 = <const uint32_t *>t.data
        for i in range(t.len):
            if 0xD800 <= s4[i] <= 0xDFFF:
                return True
    return False


cdef class Batch:
    """Documents of one batch as C views, with the references that keep them alive."""
    cdef fh_doc *docs
    cdef Py_ssize_t cap_docs
    cdef fh_text *feats
    cdef Py_ssize_t n_feats, cap_feats
    cdef list refs
    cdef readonly Py_ssize_t n_docs
    cdef readonly Py_ssize_t units
    cdef readonly bint exhausted
    # collect_arrow: the exception of the row that ended the batch (the rows before it are
    # in the batch), and that row's number in the stream
    cdef readonly object error
    cdef readonly int64_t error_row
    cdef readonly int64_t first_row  # collect_arrow: the stream's row of document 0

    def text(self, Py_ssize_t i):
        """The (decoded) text of natively analysed document ``i``."""
        if not 0 <= i < self.n_docs or self.docs[i].mode != FH_DOC_TEXT:
            raise IndexError(i)
        ref = self.refs[i]
        if PyUnicode_Check(ref):
            return ref
        return _view_text(&self.docs[i].text)  # a row of an Arrow column

    def __cinit__(self):
        self.docs = NULL
        self.feats = NULL
        self.n_docs = self.cap_docs = self.n_feats = self.cap_feats = self.units = 0
        self.refs = []
        self.exhausted = False
        self.error = None
        self.error_row = -1
        self.first_row = 0

    def __dealloc__(self):
        free(self.docs)
        free(self.feats)

    cdef int _reserve_docs(self, Py_ssize_t n) except -1:
        """Room for n more documents (their entries are left to the caller)."""
        cdef Py_ssize_t ncap = self.cap_docs if self.cap_docs else 256
        cdef fh_doc *p
        while ncap < self.n_docs + n:
            ncap *= 2
        if ncap > self.cap_docs:
            p = <fh_doc *>realloc(self.docs, ncap * sizeof(fh_doc))
            if p == NULL:
                raise MemoryError()
            self.docs = p
            self.cap_docs = ncap
        return 0

    cdef fh_doc *_new_doc(self) except NULL:
        cdef Py_ssize_t ncap
        cdef fh_doc *p
        if self.n_docs == self.cap_docs:
            ncap = 2 * self.cap_docs if self.cap_docs else 256
            p = <fh_doc *>realloc(self.docs, ncap * sizeof(fh_doc))
            if p == NULL:
                raise MemoryError()
            self.docs = p
            self.cap_docs = ncap
        p = &self.docs[self.n_docs]
        memset(p, 0, sizeof(fh_doc))
        self.n_docs += 1
        return p

    cdef int _add_text(self, object text, Py_ssize_t at=-1) except -1:
        """Append a document to analyse natively (or set document ``at``)."""
        if not PyUnicode_Check(text):
            raise TypeError(f"internal: native analysis needs a str, got {type(text)!r}")
        cdef fh_doc *d = self._new_doc() if at < 0 else &self.docs[at]
        memset(d, 0, sizeof(fh_doc))
        d.mode = FH_DOC_TEXT
        _view(text, &d.text)
        if at < 0:
            self.refs.append(text)
        else:
            self.refs[at] = text
        return 0

    cdef Py_ssize_t _add_features(self, object features, Py_ssize_t at=-1) except -1:
        """Append a pre-analysed document (or set document ``at``); returns its number of
        features."""
        cdef fh_doc *d
        cdef fh_text *t
        cdef Py_ssize_t start = self.n_feats, ncap
        cdef fh_text *p
        feats = features if type(features) is list else list(features)
        for f in feats:
            if (self.n_feats & 0xFFFF) == 0xFFFF:
                PyErr_CheckSignals()  # a document may hold any number of features
            if self.n_feats == self.cap_feats:
                ncap = 2 * self.cap_feats if self.cap_feats else 1024
                p = <fh_text *>realloc(self.feats, ncap * sizeof(fh_text))
                if p == NULL:
                    raise MemoryError()
                self.feats = p
                self.cap_feats = ncap
            t = &self.feats[self.n_feats]
            if isinstance(f, str):
                _view(f, t)
                if _has_surrogate(t):
                    f.encode("utf-8")  # raises Python's exact UnicodeEncodeError
            elif isinstance(f, bytes):
                _view(f, t)
            else:
                raise TypeError("feature names must be strings")
            self.n_feats += 1
        d = self._new_doc() if at < 0 else &self.docs[at]
        memset(d, 0, sizeof(fh_doc))
        d.mode = FH_DOC_FEATURES
        d.feat_start = start
        d.n_feat = self.n_feats - start
        if at < 0:
            self.refs.append(feats)
        else:
            self.refs[at] = feats
        return d.n_feat


def collect(iterator, Py_ssize_t max_docs, Py_ssize_t max_units, prepare, bint fast_str):
    """Pull documents from ``iterator`` into a new :class:`Batch`.

    Stops after ``max_docs`` documents or once ``max_units`` code units (or features, 16
    units each) were collected (``batch.units``), or when the iterator is exhausted
    (``batch.exhausted``). With ``fast_str``,
    a document whose type is exactly ``str`` is analysed natively as it is; any other
    document goes through ``prepare(doc)``, which returns ``(True, text)`` to analyse
    ``text`` natively or ``(False, features)`` with the features of an analysis done in
    Python. Exceptions from the iterator or from ``prepare`` propagate.
    """
    cdef Batch b = Batch()
    cdef Py_ssize_t units = 0
    cdef list refs = b.refs
    cdef fh_doc *d
    while b.n_docs < max_docs and units < max_units:
        doc = next(iterator, _END)
        if doc is _END:
            b.exhausted = True
            break
        if fast_str and PyUnicode_CheckExact(doc):
            # what _add_text does, inlined: the common case of the loop
            if b.n_docs == b.cap_docs:
                b._reserve_docs(1)
            d = &b.docs[b.n_docs]
            _view(doc, &d.text)
            d.feat_start = 0
            d.n_feat = 0
            d.mode = FH_DOC_TEXT
            refs.append(doc)
            b.n_docs += 1
            units += d.text.len + 1
            continue
        native, value = prepare(doc)
        if native:
            b._add_text(value)
            units += PyUnicode_GET_LENGTH(value) + 1
        else:
            units += 16 * b._add_features(value) + 1
    b.units = units
    return b


# ------------------------------------------------------------------ Arrow documents

cdef object _view_text(const fh_text *t):
    """The str a UTF-8 view (a row of an Arrow column) decodes to: Python's strict decoder,
    which raises its exact UnicodeDecodeError for one that is not valid UTF-8."""
    if t.kind == FH_KIND_UTF8:
        return PyUnicode_DecodeUTF8(<const char *>t.data, t.len, NULL)
    raise TypeError(f"internal: no text of kind {t.kind}")


ARROW_VIEWS_NONE = -1
ARROW_VIEWS_UTF8 = FH_ARROW_DOCS_UTF8
ARROW_VIEWS_CHECKED = FH_ARROW_DOCS_CHECKED


def collect_arrow(ArrowStream stream, Py_ssize_t max_docs, Py_ssize_t max_units, prepare,
                  int views, bint fast_str, null_value):
    """Pull rows of an Arrow text column (``stream``) into a new :class:`Batch`.

    Stops as :func:`collect` does (``max_docs``, ``max_units``; ``exhausted`` at the end
    of the stream). Document ``i`` of the batch is row ``batch.first_row + i`` of the
    stream. With ``views`` ``ARROW_VIEWS_UTF8``, the rows' bytes are analysed natively in
    place as UTF-8 text, with no Python object (the kernel reports one that is not valid
    UTF-8 as ``UTF8DecodeError``; ``batch.text(i)`` then raises Python's error); with
    ``ARROW_VIEWS_CHECKED`` the same, except that rows that are not valid UTF-8 are treated
    as below. With ``ARROW_VIEWS_NONE``, and for null rows, every row is turned into its
    Python value (``str``, ``bytes``, or ``null_value`` for a null) and, unless
    ``fast_str`` and it is a ``str``, handed to ``prepare`` as in :func:`collect`. An
    exception raised for a row (by ``prepare``, or decoding a ``str`` row that is not
    UTF-8) ends the batch before that row: it is left in ``batch.error`` and the row's
    number in the stream in ``batch.error_row``, for the caller to raise once the rows
    before it are hashed (so that errors come in row order).
    """
    cdef Batch b = Batch()
    cdef ArrowChunk chunk
    cdef Py_ssize_t units = 0, base, k, want
    cdef int64_t row, n = 0, u = 0, null_row = -1, bad_row = -1
    cdef fh_status st
    cdef const fh_doc *d
    cdef uint8_t[::1] flags = None
    b.first_row = stream.position
    if views >= 0:
        flags = np.empty(max(max_docs, 1), dtype=np.uint8)
    while b.n_docs < max_docs and units < max_units and b.error is None:
        chunk = stream.current()
        if chunk is None:
            b.exhausted = True
            break
        row = stream.pos
        if views >= 0:
            want = min(max_docs - b.n_docs, chunk.length - row)
            base = b.n_docs
            b._reserve_docs(want)
            with nogil:
                st = fh_arrow_docs(&chunk.text, row, want, max_units - units,
                                   views, b.docs + base, &flags[0], &n, &u,
                                   &null_row, &bad_row)
            b.n_docs += n
            b.refs.extend([chunk] * n)
            units += u
            for k in range(n):
                if flags[k] and not _collect_row(b, chunk, row + k, base + k, prepare,
                                                 fast_str, null_value):
                    b.n_docs = base + k  # the rows from the failing one on are dropped
                    del b.refs[base + k:]
                    n = k
                    break
            stream.advance(n)
            if b.error is not None:
                break
            if st != FH_OK:
                b.error = MalformedArrowError(
                    f"malformed Arrow array: row {chunk.start + bad_row} has offsets, a "
                    "view or a dictionary index outside its buffers")
                b.error_row = chunk.start + bad_row
                break
            if null_row < 0 or b.n_docs >= max_docs or units >= max_units:
                continue
            row = null_row  # a null row stopped the views: it is a document of its own
        if _collect_row(b, chunk, row, -1, prepare, fast_str, null_value):
            d = &b.docs[b.n_docs - 1]
            units += (16 * d.n_feat if d.mode == FH_DOC_FEATURES else d.text.len) + 1
            stream.advance(1)
    b.units = units
    return b


cdef bint _collect_row(Batch b, ArrowChunk chunk, int64_t row, Py_ssize_t at, prepare,
                       bint fast_str, null_value) except -1:
    """Add row ``row`` of ``chunk`` as a Python value (document ``at``, or a new one):
    True, or False with the exception in ``b.error``."""
    try:
        doc = chunk.row_object(row, null_value)
        if fast_str and PyUnicode_CheckExact(doc):
            b._add_text(doc, at)
            return True
        native, value = prepare(doc)
        if native:
            b._add_text(value, at)
        else:
            b._add_features(value, at)
    except Exception as exc:  # noqa: BLE001 - raised by the caller, in row order
        b.error = exc
        b.error_row = chunk.start + row
        return False
    return True


_OUT_DTYPES = {FH_OUT_F64: np.float64, FH_OUT_F32: np.float32, FH_OUT_I64: np.int64}


# Output storage: private anonymous maps where the platform has them (grown by mremap, no
# copy); elsewhere bytearrays (grown by realloc). Maps of 2 MiB or more ask for transparent
# huge pages (Linux, where the system leaves it to madvise): one page fault per 2 MiB
# instead of 512, about 5% of a character n-gram transform (the core also faults each
# batch's slice in with one call before copying into it).
USE_MMAP = hasattr(_mmap, "MAP_PRIVATE") and hasattr(_mmap, "MAP_ANONYMOUS")
_MADV_HUGEPAGE = getattr(_mmap, "MADV_HUGEPAGE", None)
_HUGE_PAGE_BYTES = 1 << 21


def _advise_huge_pages(m):
    if _MADV_HUGEPAGE is not None and len(m) >= _HUGE_PAGE_BYTES:
        try:
            m.madvise(_MADV_HUGEPAGE)
        except OSError:  # a hint: a kernel without THP says EINVAL
            pass


def _private_map(Py_ssize_t nbytes):
    if USE_MMAP:
        m = _mmap.mmap(-1, nbytes, flags=_mmap.MAP_PRIVATE | _mmap.MAP_ANONYMOUS)
        _advise_huge_pages(m)
        return m
    return bytearray(nbytes)


def _resize(m, Py_ssize_t nbytes):
    if isinstance(m, bytearray):
        if nbytes > len(m):
            m.extend(bytes(nbytes - len(m)))
        else:
            del m[nbytes:]
    else:
        grow = nbytes > len(m)
        m.resize(nbytes)
        if grow:
            _advise_huge_pages(m)


# Output maps kept for the next CSRBuilder once the arrays they backed are freed (a
# matrix the caller dropped), as the workspace below is kept: the next transform writes
# into pages already faulted in instead of faulting in (and zeroing) fresh ones, about 8%
# of a word transform's time (English, 6 MB). Kept up to _SPARE_MAPS_MAX_BYTES in all, at
# most _SPARE_MAPS_MAX maps; freed otherwise. Changed under the GIL by code that runs no
# Python code.
cdef Py_ssize_t _SPARE_MAPS_MAX_BYTES = 1 << 26
cdef Py_ssize_t _SPARE_MAPS_MAX = 3
cdef list _spare_maps = []


cdef _keep_map(m):
    """Keep the map ``m`` (no longer exported) for a later builder, if there is room."""
    if _spare_maps is None or not USE_MMAP or len(_spare_maps) >= _SPARE_MAPS_MAX:
        return  # (None: the module is being torn down)
    cdef Py_ssize_t held = len(m)
    for k in _spare_maps:
        held += len(k)
    if held <= _SPARE_MAPS_MAX_BYTES:
        _spare_maps.append(m)


cdef _take_map(Py_ssize_t nbytes):
    """A map of at least ``nbytes``: the smallest kept one that is that large, else the
    largest kept one grown, else a new one. Its bytes are not zero when kept."""
    if not _spare_maps:
        return _private_map(nbytes)
    large = [m for m in _spare_maps if len(m) >= nbytes]
    m = min(large, key=len) if large else max(_spare_maps, key=len)
    _spare_maps.remove(m)
    if len(m) < nbytes:
        _resize(m, nbytes)
    return m


def _spare_maps_bytes():
    """For tests: the bytes of the kept output maps (0 if none)."""
    return sum(len(m) for m in _spare_maps)


def _drop_spare_maps():
    """For tests: free the kept output maps."""
    del _spare_maps[:]


cdef class _MapOwner:
    """The exporter of an output map's bytes to the arrays of a result: it holds the map's
    buffer (the map cannot be resized meanwhile) and, once the arrays are freed, keeps the
    map for a later builder (_keep_map)."""
    cdef object m
    cdef Py_buffer view
    cdef bint held

    def __cinit__(self, m):
        self.held = False
        self.m = m
        PyObject_GetBuffer(m, &self.view, PyBUF_WRITABLE)
        self.held = True

    def __getbuffer__(self, Py_buffer *buffer, int flags):
        PyBuffer_FillInfo(buffer, self, self.view.buf, self.view.len, 0, flags)

    def __dealloc__(self):
        if self.held:
            PyBuffer_Release(&self.view)
            self.held = False
            _keep_map(self.m)


# One workspace kept between transform calls (its chunk buffers stay faulted in: about 4%
# faster on the English bench, default and char_wb): taken by the next builder, if no other
# builder holds it; a builder that finds it taken makes its own. Kept only up to
# _SPARE_MAX_BYTES (a batch of char n-grams needs ~32 MB, of words ~7 MB); freed otherwise.
# The pointer is swapped by C code that holds the GIL and runs no Python code (the module
# is not free-threading compatible): no lock, nothing that could block or raise (an
# interrupt arriving there cannot be lost).
cdef int64_t _SPARE_MAX_BYTES = 1 << 25
cdef fh_workspace *_spare_ws = NULL


cdef fh_workspace *_take_workspace() except? NULL:
    global _spare_ws
    cdef fh_workspace *ws = _spare_ws
    _spare_ws = NULL
    if ws == NULL:
        _check(fh_workspace_new(&ws), -1)
    return ws


cdef void _give_workspace(fh_workspace *ws) noexcept:
    global _spare_ws
    if ws != NULL and _spare_ws == NULL and fh_workspace_bytes(ws) <= _SPARE_MAX_BYTES:
        _spare_ws = ws
        ws = NULL
    fh_workspace_free(ws)


cdef class CSRBuilder:
    """CSR arrays that batches are appended to, grown in place.

    The arrays live in anonymous memory maps grown with ``mremap`` (``mmap.resize``): growing
    never copies and never leaves freed heap behind, and each batch's rows are moved by the
    core straight into their place, so peak memory is about the output plus one batch.
    The core's per-chunk buffers live in a workspace reused from one batch to the next (so
    later batches do not fault in fresh pages), handed on by ``finish`` to the next builder
    (one workspace of at most 32 MiB is kept between calls).
    ``finish`` trims the maps and returns numpy arrays backed by them: ``indptr`` int64,
    ``indices`` int32, ``data`` float64, float32 or int64 (the options' out type).
    """
    cdef fh_workspace *ws
    cdef object m_indptr, m_indices, m_data
    cdef object dtype
    cdef int64_t cap_rows, cap_nnz
    cdef readonly int64_t n_rows, nnz, raw
    cdef int elem
    # the call in progress (append), read by _run_kernel and _copy_out on any thread
    cdef fh_corpus corpus
    cdef fh_opts *opts
    cdef int n_threads
    cdef fh_cancel *cancel
    cdef fh_batch *res
    cdef int64_t bad
    cdef fh_status st
    cdef int64_t *dst_indptr
    cdef int32_t *dst_indices
    cdef void *dst_data

    def __cinit__(self, Options opts):
        self.ws = NULL
        self.res = NULL
        self.ws = _take_workspace()
        self.dtype = np.dtype(_OUT_DTYPES[opts.c.out_type])
        self.elem = self.dtype.itemsize
        # private anonymous maps, kept ones first (their capacities as they are); a shared
        # map could not grow
        self.m_indptr = _take_map((1024 + 1) * 8)
        self.m_indices = _take_map((1 << 16) * 4)
        self.m_data = _take_map((1 << 16) * self.elem)
        self.m_indptr[0:8] = bytes(8)  # indptr[0] = 0 (a kept map is not zero)
        self.cap_rows = len(self.m_indptr) // 8 - 1
        self.cap_nnz = min(len(self.m_indices) // 4, len(self.m_data) // self.elem)
        self.n_rows = self.nnz = self.raw = 0

    def __dealloc__(self):
        fh_batch_free(self.res)
        fh_workspace_free(self.ws)  # (an abandoned builder may be mid-batch: not reused)

    cdef int _reserve(self, int64_t rows, int64_t nnz) except -1:
        cdef int64_t cap
        if rows > self.cap_rows:
            cap = max(rows, self.cap_rows * 3 // 2)
            _resize(self.m_indptr, (cap + 1) * 8)
            self.cap_rows = cap
        if nnz > self.cap_nnz:
            cap = max(nnz, self.cap_nnz * 3 // 2)
            _resize(self.m_indices, cap * 4)
            _resize(self.m_data, cap * self.elem)
            self.cap_nnz = cap
        return 0

    def append(self, Batch batch, Options opts, int n_threads, Cancel cancel=None, run=None):
        """Analyse and hash ``batch`` (GIL released, up to ``n_threads`` threads) and append
        its rows.

        ``cancel`` (optional) is polled by the kernel. ``run`` is None to call the kernel
        on this thread, or a function ``run(work, cancel)`` that calls ``work()`` (which
        releases the GIL) on some thread and returns, or raises, only once it has ended.
        """
        cdef int64_t nnz
        cdef unsigned char[::1] vp, vi, vd
        self.corpus.docs = batch.docs
        self.corpus.features = batch.feats
        self.corpus.n_docs = batch.n_docs
        self.opts = &opts.c
        self.n_threads = n_threads
        self.cancel = cancel.c if cancel is not None else NULL
        try:
            if run is None:
                self._run_kernel()
            else:
                run(self._run_kernel, cancel)
            _check(self.st, self.bad)
            nnz = fh_batch_nnz(self.res)
            self._reserve(self.n_rows + batch.n_docs, self.nnz + nnz)
            # buffer views only after resizing (a map with exported buffers cannot resize)
            vp = self.m_indptr
            vi = self.m_indices
            vd = self.m_data
            self.dst_indptr = <int64_t *>&vp[0] + self.n_rows
            self.dst_indices = <int32_t *>&vi[0] + self.nnz
            self.dst_data = <void *>(&vd[0] + self.nnz * self.elem)
            if run is None:
                self._copy_out()
            else:
                run(self._copy_out, cancel)
            _check(self.st, -1)
            self.n_rows += batch.n_docs
            self.nnz += nnz
            self.raw += fh_batch_raw(self.res)
        finally:
            fh_batch_free(self.res)
            self.res = NULL
            self.opts = NULL
            self.cancel = NULL
            self.corpus.docs = NULL
            self.corpus.features = NULL

    def _run_kernel(self):
        """Phase 1 of :meth:`append`: the batch kernel (GIL released)."""
        with nogil:
            self.st = fh_batch_run_ws(&self.corpus, self.opts, self.n_threads, self.ws,
                                      self.cancel, &self.res, &self.bad)

    def _copy_out(self):
        """Phase 2 of :meth:`append`: the rows into the output (GIL released)."""
        with nogil:
            self.st = fh_batch_copy(self.res, self.n_threads, self.cancel, self.nnz,
                                    self.dst_indptr, self.dst_indices, self.dst_data)

    def finish(self):
        """``(indptr, indices, data)`` trimmed to their sizes (the builder is then empty)."""
        cdef fh_workspace *ws = self.ws
        self.ws = NULL
        _give_workspace(ws)
        out = []
        for m, count, dtype in ((self.m_indptr, self.n_rows + 1, np.dtype(np.int64)),
                                (self.m_indices, self.nnz, np.dtype(np.int32)),
                                (self.m_data, self.nnz, self.dtype)):
            if count == 0:
                out.append(np.empty(0, dtype=dtype))
                _keep_map(m)
                continue
            _resize(m, count * dtype.itemsize)
            out.append(np.frombuffer(_MapOwner(m), dtype=dtype))  # kept alive by the array
        self.m_indptr = self.m_indices = self.m_data = None
        return tuple(out)


def hash_only(Batch batch, Options opts, int n_threads):
    """For benchmarks: tokenize and hash ``batch`` as :meth:`CSRBuilder.append` does (GIL
    released, up to ``n_threads`` threads) without building rows; returns the number of
    features hashed."""
    cdef fh_corpus corpus
    cdef int64_t n_keys = 0
    cdef fh_status st
    corpus.docs = batch.docs
    corpus.features = batch.feats
    corpus.n_docs = batch.n_docs
    with nogil:
        st = fh_batch_hash_only(&corpus, &opts.c, n_threads, NULL, &n_keys)
    _check(st, -1)
    return n_keys


def doc_features(text, Options opts):
    """Features the native analyser emits for one str (UTF-8 bytes, in emission order)."""
    cdef fh_doc d
    cdef uint8_t *buf = NULL
    cdef int64_t *off = NULL
    cdef int64_t n = 0, i
    if not isinstance(text, str):
        raise TypeError("text must be a str")
    memset(&d, 0, sizeof(fh_doc))
    d.mode = FH_DOC_TEXT
    _view(text, &d.text)
    _check(fh_doc_features(&d, NULL, &opts.c, &buf, &off, &n), 0)
    try:
        return [buf[off[i]:off[i + 1]] for i in range(n)]
    finally:
        fh_free(buf)
        fh_free(off)


def _spare_workspace_bytes():
    """Bytes held by the workspace kept between transform calls (for tests)."""
    return fh_workspace_bytes(_spare_ws)


def utf8_check(const uint8_t[::1] data):
    """``(error_at, kind, ascii, n_code_points)`` of the core's UTF-8 check of ``data``.

    ``error_at`` is -1 for valid UTF-8, else where the first invalid sequence starts (as
    ``UnicodeDecodeError.start``); ``kind`` is the narrowest PEP 393 kind (1, 2 or 4) of
    valid text. For tests.
    """
    cdef fh_utf8_info info
    cdef const uint8_t *p = &data[0] if data.shape[0] else NULL
    with nogil:
        fh_utf8_check(p, data.shape[0], NULL, &info)
    return info.error_at, info.kind, bool(info.ascii), info.n_cp


def unicode_version():
    """Unicode version of the C tables (that of the interpreter the core was built with)."""
    return fh_unicode_version().decode()


def unicode_lookup(uint32_t cp):
    """``(flags, lower)`` of a code point in the C tables (for the table tests)."""
    cdef int flags = 0
    cdef uint32_t lower[3]
    cdef int n = fh_unicode_lookup(cp, &flags, lower)
    if n < 0:
        raise ValueError(f"not a code point: {cp}")
    return flags, "".join([chr(lower[i]) for i in range(n)])


def openmp_enabled():
    """Whether the C core was compiled with OpenMP."""
    return bool(fh_openmp_enabled())


def openmp_max_threads():
    """``omp_get_max_threads()`` of the OpenMP runtime the core links (1 without OpenMP):
    ``n_jobs=None`` stays within it (``OMP_NUM_THREADS``, threadpoolctl's limits), although
    the kernels run on fasthash's own thread pool."""
    return fh_openmp_max_threads()


def pool_enabled():
    """Whether the core's thread pool can run threads (else every kernel runs on the
    calling thread)."""
    return bool(fh_pool_enabled())


def pool_workers():
    """Worker threads the core's pool has started so far (they sleep between jobs)."""
    return fh_pool_workers()


def _pool_set_test_delay(int64_t usec):
    """For tests: one worker of every pool job sleeps ``usec`` microseconds before each
    item it claims (0: never)."""
    fh_pool_set_test_delay(usec)


# ------------------------------------------------------------------ murmurhash3_32

cpdef uint32_t _murmurhash3_int_u32(int key, unsigned int seed):
    return fh_murmur3_32(&key, sizeof(int), seed)


cpdef int32_t _murmurhash3_int_s32(int key, unsigned int seed):
    return <int32_t>fh_murmur3_32(&key, sizeof(int), seed)


def _murmurhash3_bytes_u32(key, unsigned int seed):
    cdef bytes k = key  # a bytes subclass is refused here exactly as scikit-learn refuses it
    return fh_murmur3_32(PyBytes_AS_STRING(k), PyBytes_GET_SIZE(k), seed)


def _murmurhash3_bytes_s32(key, unsigned int seed):
    cdef bytes k = key
    return <int32_t>fh_murmur3_32(PyBytes_AS_STRING(k), PyBytes_GET_SIZE(k), seed)


def _murmurhash3_array(const int32_t[::1] key, unsigned int seed, bint positive):
    cdef Py_ssize_t i, n = key.shape[0]
    cdef uint32_t[::1] out = np.empty(n, dtype=np.uint32)
    cdef int k
    with nogil:
        for i in range(n):
            k = key[i]
            out[i] = fh_murmur3_32(&k, sizeof(int), seed)
    res = np.asarray(out)
    return res if positive else res.view(np.int32)


# ------------------------------------------------------------------ recording (inverse map)

def _table_cache_bytes():
    """For tests: the bytes of the freed recorder tables kept for reuse (``fh_mem.h``)."""
    return fh_table_cache_bytes()


cdef class Recorder:
    """The features of documents counted per distinct feature (``csrc/fh_record.h``).

    ``append`` analyses a :class:`Batch` as :meth:`CSRBuilder.append` would and counts its
    features (GIL released, up to ``n_threads`` threads); ``add`` and ``add_dropped`` merge
    state in (another recorder's, a pickled one's); ``dump`` returns the state as arrays.
    """
    cdef fh_recorder *c
    cdef readonly uint32_t n_features
    cdef readonly int64_t max_tokens
    # the call in progress (append), read by _run_kernel on any thread
    cdef fh_corpus corpus
    cdef fh_opts *opts
    cdef int n_threads
    cdef fh_cancel *cancel
    cdef int64_t bad
    cdef fh_status st

    def __cinit__(self, uint32_t n_features, int64_t max_tokens):
        self.n_features = n_features
        self.max_tokens = max_tokens
        _check(fh_recorder_new(n_features, max_tokens, &self.c), -1)

    def __dealloc__(self):
        fh_recorder_free(self.c)  # its tables kept for the next recorder (fh_free_table)

    @property
    def n_tokens(self):
        """Distinct features held."""
        return fh_recorder_n_tokens(self.c)

    def append(self, Batch batch, Options opts, int n_threads, Cancel cancel=None, run=None):
        """Count the features of ``batch`` (``run`` as in :meth:`CSRBuilder.append`)."""
        self.corpus.docs = batch.docs
        self.corpus.features = batch.feats
        self.corpus.n_docs = batch.n_docs
        self.opts = &opts.c
        self.n_threads = n_threads
        self.cancel = cancel.c if cancel is not None else NULL
        try:
            if run is None:
                self._run_kernel()
            else:
                run(self._run_kernel, cancel)
            _check(self.st, self.bad)
        finally:
            self.opts = NULL
            self.cancel = NULL
            self.corpus.docs = NULL
            self.corpus.features = NULL

    def _run_kernel(self):
        with nogil:
            self.st = fh_recorder_run(self.c, &self.corpus, self.opts, self.n_threads,
                                      self.cancel, &self.bad)

    def add(self, const uint8_t[::1] data not None, const int64_t[::1] offsets not None,
            const int64_t[::1] counts not None):
        """Add ``counts[i]`` occurrences of feature ``data[offsets[i]:offsets[i + 1]]``."""
        cdef Py_ssize_t i, n = counts.shape[0]
        cdef fh_status st = FH_OK
        if offsets.shape[0] != n + 1 or (n and (offsets[0] < 0 or offsets[n] > data.shape[0])):
            raise ValueError("inconsistent feature arrays")
        for i in range(n):
            if offsets[i + 1] < offsets[i]:
                raise ValueError("inconsistent feature arrays")
        cdef const uint8_t *base = &data[0] if data.shape[0] else NULL
        with nogil:
            for i in range(n):
                st = fh_recorder_add(self.c, base + offsets[i] if base != NULL else NULL,
                                     offsets[i + 1] - offsets[i], counts[i])
                if st != FH_OK:
                    break
        _check(st, -1)

    def add_dropped(self, const int32_t[::1] columns not None,
                    const int64_t[::1] tokens not None, const int64_t[::1] counts not None):
        """Tally ``tokens[i]`` features and ``counts[i]`` occurrences dropped from
        ``columns[i]``."""
        cdef Py_ssize_t i
        if tokens.shape[0] != columns.shape[0] or counts.shape[0] != columns.shape[0]:
            raise ValueError("inconsistent tally arrays")
        for i in range(columns.shape[0]):
            if columns[i] < 0:
                raise ValueError("negative column")
            _check(fh_recorder_add_dropped(self.c, <uint32_t>columns[i], tokens[i], counts[i]),
                   -1)

    def trim(self):
        """Apply the cap to every column now."""
        cdef fh_status st
        with nogil:
            st = fh_recorder_trim(self.c)
        _check(st, -1)

    def dump(self):
        """``(columns, hashes, counts, offsets, data, capped_columns, capped_tokens,
        capped_counts)``: the features sorted by column, count descending, bytes; hashes
        are uint32 (negative as int32: the feature's sign)."""
        cdef int64_t n = fh_recorder_n_tokens(self.c)
        cdef int64_t m = fh_recorder_n_capped(self.c)
        cdef int32_t[::1] cols = np.empty(n, dtype=np.int32)
        cdef uint32_t[::1] hashes = np.empty(n, dtype=np.uint32)
        cdef int64_t[::1] counts = np.empty(n, dtype=np.int64)
        cdef int64_t[::1] offsets = np.empty(n + 1, dtype=np.int64)
        cdef uint8_t[::1] data = np.empty(max(fh_recorder_n_bytes(self.c), 1), dtype=np.uint8)
        cdef int32_t[::1] ccols = np.empty(max(m, 1), dtype=np.int32)
        cdef int64_t[::1] ctok = np.empty(max(m, 1), dtype=np.int64)
        cdef int64_t[::1] ccnt = np.empty(max(m, 1), dtype=np.int64)
        cdef fh_status st
        with nogil:
            st = fh_recorder_dump(self.c, &cols[0] if n else NULL, &hashes[0] if n else NULL,
                                  &counts[0] if n else NULL, &offsets[0], &data[0],
                                  &ccols[0], &ctok[0], &ccnt[0])
        _check(st, -1)
        return (np.asarray(cols), np.asarray(hashes), np.asarray(counts),
                np.asarray(offsets), bytes(data[:offsets[n]]), np.asarray(ccols)[:m],
                np.asarray(ctok)[:m], np.asarray(ccnt)[:m])
