# Authors: The fasthash developers
# SPDX-License-Identifier: BSD-3-Clause
# The Arrow readers other compiled modules of fasthash._lib use (_hashing, _features): a
# stream of chunks and each chunk's C view, valid while the chunk object lives.
from libc.stdint cimport int64_t

from .fh_core cimport ArrowArray, ArrowArrayStream, ArrowSchema, fh_arrow_lists, fh_arrow_text


cdef class ArrowChunk:
    cdef ArrowArray array
    cdef ArrowStream stream
    cdef fh_arrow_text text
    cdef fh_arrow_lists lists
    cdef readonly int64_t length
    cdef readonly int64_t start
    cdef object row_object(self, int64_t i, object null_value)
    cdef object _name(self, int64_t item)
    cdef object _value(self, int64_t item)
    cdef object sample(self, int64_t i, int mode, object null_value)


cdef class ArrowStream:
    cdef ArrowArrayStream stream
    cdef ArrowSchema schema
    cdef object capsules
    cdef readonly int kind
    cdef readonly str format
    cdef readonly int64_t rows_read
    cdef ArrowChunk pending
    cdef ArrowChunk cur
    cdef int64_t pos
    cdef bint ended
    cdef int _set_schema(self) except -1
    cdef str _last_error(self)
    cdef ArrowChunk _next_chunk(self)
    cdef ArrowChunk current(self)
    cdef void advance(self, int64_t n)
