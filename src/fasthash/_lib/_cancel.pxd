# Authors: The fasthash developers
# SPDX-License-Identifier: BSD-3-Clause
from .fh_core cimport fh_cancel


cdef class Cancel:
    cdef fh_cancel *c
