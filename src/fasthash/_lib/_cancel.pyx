# Authors: The fasthash developers
# SPDX-License-Identifier: BSD-3-Clause
# cython: freethreading_compatible = False
"""Cancellation tokens of the C core, shared by the hashing and FeatureHasher kernels.

A kernel call given a :class:`Cancel` polls it at bounded intervals (inside long documents
and rows too) and stops with ``FH_ERR_CANCELLED`` soon after :meth:`Cancel.request`, which
any thread may call while the kernel runs without the GIL.
"""

from libc.stdint cimport int64_t

from .fh_core cimport (
    FH_OK,
    fh_cancel_after_polls,
    fh_cancel_free,
    fh_cancel_new,
    fh_cancel_polls,
    fh_cancel_request,
    fh_cancel_requested,
    fh_cancel_reset,
)


cdef class Cancel:
    """A cancellation token (not requested when made)."""

    def __cinit__(self):
        self.c = NULL
        if fh_cancel_new(&self.c) != FH_OK:
            raise MemoryError()

    def __dealloc__(self):
        fh_cancel_free(self.c)

    def request(self):
        """Ask the kernel calls polling this token to stop (thread-safe)."""
        fh_cancel_request(self.c)

    def reset(self):
        """Withdraw a request (no kernel call may be polling the token)."""
        fh_cancel_reset(self.c)

    @property
    def requested(self):
        """Whether cancellation was requested."""
        return bool(fh_cancel_requested(self.c))

    def after_polls(self, int64_t polls):
        """For tests: request cancellation at the ``polls``-th poll from now (0: never)."""
        fh_cancel_after_polls(self.c, polls)

    @property
    def polls(self):
        """For tests: polls counted since the token was made or reset."""
        return fh_cancel_polls(self.c)
