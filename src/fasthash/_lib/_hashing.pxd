# Authors: The fasthash developers
# SPDX-License-Identifier: BSD-3-Clause
"""What ``_hashing`` shares with the other Cython modules: the one translator of C
statuses to Python exceptions (``_features`` cimports it)."""

from libc.stdint cimport int64_t

from .fh_core cimport fh_status


cdef int _check(fh_status status, int64_t row) except -1
