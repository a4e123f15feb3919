# Authors: The fasthash developers
# SPDX-License-Identifier: BSD-3-Clause
# cython: freethreading_compatible = False
"""Cython boundary of Arrow input: PyCapsules in, C views of each chunk out.

An :class:`ArrowStream` takes over the ``ArrowArrayStream`` of an ``arrow_array_stream``
capsule (or the ``ArrowSchema``/``ArrowArray`` pair of an ``__arrow_c_array__`` export)
and hands out its chunks one at a time as :class:`ArrowChunk` objects, each owning its
``ArrowArray`` (released when the chunk is freed) and a C view of it (``csrc/fh_arrow.h``)
that the kernels read without the GIL. No pyarrow is needed: any producer of the Arrow
PyCapsule interface works. No policy lives here: which objects take this path, what a null
document means and how errors are worded are decided by the Python layer.
"""

from cpython.bytes cimport PyBytes_FromStringAndSize
from cpython.pycapsule cimport PyCapsule_GetPointer, PyCapsule_IsValid
from libc.stdint cimport int8_t, int16_t, int32_t, int64_t, uint8_t, uint16_t, uint32_t, uint64_t
from libc.string cimport memcpy, memset, strcmp

from .fh_core cimport *


cdef extern from "Python.h":
    object PyUnicode_DecodeUTF8(const char *s, Py_ssize_t size, const char *errors)


TEXT = FH_ARROW_TEXT
BYTES = FH_ARROW_BYTES
NAME_LISTS = FH_ARROW_NAME_LISTS
PAIR_LISTS = FH_ARROW_PAIR_LISTS
TABLE = FH_ARROW_TABLE
UNSUPPORTED = FH_ARROW_UNSUPPORTED

# Modes of ArrowChunk samples (those of _features.MODE_*).
SAMPLE_DICT = 0
SAMPLE_PAIR = 1
SAMPLE_STRING = 2


class MalformedArrowError(ValueError):
    """An Arrow array breaks its format's rules (offsets, views, indices or layout)."""


cdef int _check_init(fh_status st, str what) except -1:
    if st == FH_OK:
        return 0
    if st == FH_ERR_INVALID:
        raise MalformedArrowError(f"malformed Arrow array ({what}): its layout breaks the "
                                  "Arrow format's rules")
    raise TypeError(f"unsupported Arrow array ({what})")


cdef _malformed(int64_t row):
    return MalformedArrowError(
        f"malformed Arrow array: row {row} has offsets, a view or a dictionary index "
        "outside its buffers")


cdef _raise_stream_error(int rc, str message):
    """Raise the error of a failed ``get_next``. A producer running Python code (pyarrow's
    reader over a generator) hands an exception over as text only: Ctrl-C inside it is
    still a KeyboardInterrupt for the caller."""
    lines = [line.strip() for line in message.splitlines() if line.strip()]
    if lines and lines[len(lines) - 1] == "KeyboardInterrupt":  # (no wraparound here)
        raise KeyboardInterrupt(message)
    raise OSError(rc, f"reading the Arrow stream failed: {message}")


cdef class ArrowChunk:
    """One array of a stream, with the C view of it (see ``csrc/fh_arrow.h``)."""

    def __cinit__(self):
        memset(&self.array, 0, sizeof(ArrowArray))

    def __dealloc__(self):
        if self.array.release != NULL:
            self.array.release(&self.array)

    cdef object row_object(self, int64_t i, object null_value):
        """Row ``i`` of a text column as ``to_pylist`` gives it: ``str`` (strict UTF-8;
        UnicodeDecodeError otherwise) or ``bytes``; ``null_value`` if null."""
        cdef const uint8_t *p
        cdef int64_t n
        cdef int r = fh_arrow_text_get(&self.text, i, &p, &n)
        if r == 0:
            return null_value
        if r < 0:
            raise _malformed(self.start + i)
        if self.text.strings.binary:
            return PyBytes_FromStringAndSize(<const char *>p, n)
        return PyUnicode_DecodeUTF8(<const char *>p, n, NULL)

    def rows(self, int64_t start, int64_t stop, null_value=None):
        """Rows ``[start, stop)`` of a text column as Python objects (for tests)."""
        return [self.row_object(i, null_value) for i in range(start, stop)]

    cdef object _name(self, int64_t item):
        cdef const uint8_t *p
        cdef int64_t n
        cdef int r = fh_arrow_text_get(&self.lists.names, item, &p, &n)
        if r == 0:
            return None
        if r < 0:
            raise _malformed(self.start)
        if self.lists.names.strings.binary:
            return PyBytes_FromStringAndSize(<const char *>p, n)
        return PyUnicode_DecodeUTF8(<const char *>p, n, NULL)

    cdef object _value(self, int64_t item):
        """Value ``item`` as ``to_pylist`` gives it (int, float or bool; None if null)."""
        cdef const fh_arrow_numbers *v = &self.lists.values
        cdef int64_t k = v.offset + item
        cdef const void *d = v.values
        cdef double x
        if v.validity != NULL and not fh_arrow_bit(v.validity, k):
            return None
        if v.type == FH_ARROW_BOOL:
            return bool(fh_arrow_bit(<const uint8_t *>d, k))
        if v.type == FH_ARROW_I8:
            return (<const int8_t *>d)[k]
        if v.type == FH_ARROW_U8:
            return (<const uint8_t *>d)[k]
        if v.type == FH_ARROW_I16:
            return (<const int16_t *>d)[k]
        if v.type == FH_ARROW_U16:
            return (<const uint16_t *>d)[k]
        if v.type == FH_ARROW_I32:
            return (<const int32_t *>d)[k]
        if v.type == FH_ARROW_U32:
            return (<const uint32_t *>d)[k]
        if v.type == FH_ARROW_I64:
            return (<const int64_t *>d)[k]
        if v.type == FH_ARROW_U64:
            return (<const uint64_t *>d)[k]
        fh_arrow_number(v, item, &x)  # float16, float32 and float64: exact
        return x

    cdef object sample(self, int64_t i, int mode, object null_value):
        """Row ``i`` of a list column as a FeatureHasher sample: ``null_value`` if null; a
        list of names (names may be None), of ``(name, value)`` pairs (an item may be
        None) or, for ``SAMPLE_DICT``, the dict of the pairs."""
        cdef int64_t a, b, k, item
        cdef int r = fh_arrow_list_items(&self.lists, i, &a, &b)
        if r == 0:
            return null_value
        if r < 0:
            raise _malformed(self.start + i)
        out = []
        for k in range(a, b):
            item = self.lists.item_offset + k
            if not self.lists.pairs:
                out.append(self._name(item))
            elif (self.lists.item_validity != NULL
                  and not fh_arrow_bit(self.lists.item_validity, item)):
                out.append(None)
            else:
                out.append((self._name(item), self._value(item)))
        if mode == SAMPLE_DICT:
            return dict(out)
        return out

    def samples(self, int64_t start, int64_t stop, int mode, null_value=None):
        """Rows ``[start, stop)`` of a list column as samples (for tests)."""
        return [self.sample(i, mode, null_value) for i in range(start, stop)]


cdef class ArrowStream:
    """The chunks of an Arrow array stream, read one after the other.

    Made by :func:`from_stream` or :func:`from_array` from the capsules of the Arrow
    PyCapsule interface (their structs are moved out: the capsules are left released).
    ``kind`` is what the schema holds (``TEXT``, ``BYTES``, ``NAME_LISTS``,
    ``PAIR_LISTS``, ``TABLE`` or ``UNSUPPORTED``) and ``format`` its format string (that of
    the column, for a one-column table).
    """

    def __cinit__(self):
        memset(&self.stream, 0, sizeof(ArrowArrayStream))
        memset(&self.schema, 0, sizeof(ArrowSchema))
        self.kind = FH_ARROW_UNSUPPORTED
        self.format = ""
        self.rows_read = 0
        self.pos = 0
        self.ended = False

    def __dealloc__(self):
        self.pending = None
        self.cur = None
        if self.schema.release != NULL:
            self.schema.release(&self.schema)
        if self.stream.release != NULL:
            self.stream.release(&self.stream)

    cdef int _set_schema(self) except -1:
        cdef const ArrowSchema *s = &self.schema
        self.kind = fh_arrow_classify(s)
        if (s.format != NULL and strcmp(s.format, b"+s") == 0 and s.n_children == 1
                and s.children != NULL and s.children[0].format != NULL):
            s = s.children[0]
        fmt = s.format if s.format != NULL else b""
        if s.dictionary != NULL and s.dictionary.format != NULL:
            fmt = b"dictionary<" + fmt + b", " + s.dictionary.format + b">"
        self.format = fmt.decode("utf-8", "replace")
        return 0

    cdef str _last_error(self):
        cdef const char *msg = NULL
        if self.stream.get_last_error != NULL:
            msg = self.stream.get_last_error(&self.stream)
        return msg.decode("utf-8", "replace") if msg != NULL else "no message"

    cdef ArrowChunk _next_chunk(self):
        """The next chunk, or None at the end (GIL held: producers may run Python code)."""
        cdef ArrowChunk chunk
        cdef int rc
        cdef fh_status st
        if self.pending is not None:
            chunk = self.pending
            self.pending = None
        else:
            if self.ended or self.stream.release == NULL:
                self.ended = True
                return None
            chunk = ArrowChunk()
            rc = self.stream.get_next(&self.stream, &chunk.array)
            if rc != 0:
                _raise_stream_error(rc, self._last_error())
            if chunk.array.release == NULL:
                self.ended = True
                self.stream.release(&self.stream)
                return None
        chunk.stream = self
        if self.kind == FH_ARROW_TEXT or self.kind == FH_ARROW_BYTES:
            st = fh_arrow_text_init(&self.schema, &chunk.array, &chunk.text)
            _check_init(st, self.format)
            chunk.length = chunk.text.length
        elif self.kind == FH_ARROW_NAME_LISTS or self.kind == FH_ARROW_PAIR_LISTS:
            st = fh_arrow_lists_init(&self.schema, &chunk.array, &chunk.lists)
            _check_init(st, self.format)
            chunk.length = chunk.lists.length
        else:
            raise TypeError(f"unsupported Arrow type {self.format!r}")
        chunk.start = self.rows_read
        self.rows_read += chunk.length
        return chunk

    cdef ArrowChunk current(self):
        """The chunk holding the next row to read (empty chunks skipped), or None."""
        while self.cur is None or self.pos >= self.cur.length:
            self.cur = self._next_chunk()
            self.pos = 0
            if self.cur is None:
                return None
        return self.cur

    cdef void advance(self, int64_t n):
        """Rows of the current chunk read."""
        self.pos += n

    @property
    def position(self):
        """Row (in the whole stream) of the next row to read."""
        if self.cur is None:
            return self.rows_read
        return self.cur.start + self.pos

    def read_rows(self, Py_ssize_t max_rows, null_value=None):
        """The next rows (at most ``max_rows``, none at the end) of a text column as
        Python values: ``str`` (UnicodeDecodeError for one that is not UTF-8), ``bytes``,
        or ``null_value``."""
        cdef ArrowChunk chunk
        cdef int64_t i
        out = []
        while len(out) < max_rows:
            chunk = self.current()
            if chunk is None:
                break
            while self.pos < chunk.length and len(out) < max_rows:
                i = self.pos
                out.append(chunk.row_object(i, null_value))
                self.pos += 1
        return out

    def read_samples(self, Py_ssize_t max_rows, int mode, null_value=None):
        """The next rows (at most ``max_rows``, none at the end) as FeatureHasher samples
        of ``mode`` (see ``ArrowChunk.sample``); rows of a text column as values."""
        cdef ArrowChunk chunk
        cdef int64_t i
        if self.kind == FH_ARROW_TEXT or self.kind == FH_ARROW_BYTES:
            return self.read_rows(max_rows, null_value)
        out = []
        while len(out) < max_rows:
            chunk = self.current()
            if chunk is None:
                break
            while self.pos < chunk.length and len(out) < max_rows:
                i = self.pos
                out.append(chunk.sample(i, mode, null_value))
                self.pos += 1
        return out

    def chunks(self):
        """Every remaining chunk, as a list (for tests)."""
        out = []
        while True:
            chunk = self._next_chunk()
            if chunk is None:
                return out
            out.append(chunk)


def from_stream(capsule):
    """An :class:`ArrowStream` of an ``arrow_array_stream`` capsule (moved out of it)."""
    cdef ArrowStream s = ArrowStream()
    cdef ArrowArrayStream *src
    cdef int rc
    if not PyCapsule_IsValid(capsule, b"arrow_array_stream"):
        raise TypeError("__arrow_c_stream__ did not return an 'arrow_array_stream' capsule")
    src = <ArrowArrayStream *>PyCapsule_GetPointer(capsule, b"arrow_array_stream")
    if src.release == NULL:
        raise ValueError("the Arrow stream was released already")
    memcpy(&s.stream, src, sizeof(ArrowArrayStream))
    src.release = NULL  # moved: the capsule's destructor leaves it alone
    rc = s.stream.get_schema(&s.stream, &s.schema)
    if rc != 0:
        raise OSError(rc, f"reading the Arrow stream's schema failed: {s._last_error()}")
    if s.schema.release == NULL:
        raise ValueError("the Arrow stream returned a released schema")
    s._set_schema()
    return s


def from_array(schema_capsule, array_capsule):
    """An :class:`ArrowStream` of one array, from the capsules of ``__arrow_c_array__``."""
    cdef ArrowStream s = ArrowStream()
    cdef ArrowChunk chunk = ArrowChunk()
    cdef ArrowSchema *sp
    cdef ArrowArray *ap
    if not PyCapsule_IsValid(schema_capsule, b"arrow_schema") or not PyCapsule_IsValid(
            array_capsule, b"arrow_array"):
        raise TypeError("__arrow_c_array__ did not return ('arrow_schema', 'arrow_array') "
                        "capsules")
    sp = <ArrowSchema *>PyCapsule_GetPointer(schema_capsule, b"arrow_schema")
    ap = <ArrowArray *>PyCapsule_GetPointer(array_capsule, b"arrow_array")
    if sp.release == NULL or ap.release == NULL:
        raise ValueError("the Arrow array was released already")
    memcpy(&s.schema, sp, sizeof(ArrowSchema))
    sp.release = NULL
    memcpy(&chunk.array, ap, sizeof(ArrowArray))
    ap.release = NULL
    s.pending = chunk
    s._set_schema()
    return s
