# Authors: The fasthash developers
# SPDX-License-Identifier: BSD-3-Clause
"""The one meaning of ``n_jobs`` in fasthash (see DESIGN.md)."""

import numbers
import os
import threading

from fasthash._lib import _hashing

__all__ = ["effective_n_jobs", "cpu_count", "Overlap"]


def cpu_count():
    """Number of CPUs this process may run on (its affinity mask where the OS has one).

    Returns
    -------
    int
        At least 1.

    Examples
    --------
    >>> from fasthash.utils._threads import cpu_count
    >>> cpu_count() >= 1
    True
    """
    if hasattr(os, "sched_getaffinity"):
        return max(1, len(os.sched_getaffinity(0)))
    return max(1, os.cpu_count() or 1)


def effective_n_jobs(n_jobs=None):
    """Resolve ``n_jobs`` to a thread count.

    Parameters
    ----------
    n_jobs : int or None, default=None
        ``None``: every CPU this process may use, within the limits set by
        ``OMP_NUM_THREADS`` or threadpoolctl (``threadpool_limits``); ``k > 0``: exactly
        ``k``; ``-1``: all CPUs of the affinity mask; ``-k``: all but ``k - 1`` of them
        (at least 1). ``0`` is an error.

    Returns
    -------
    int
        The number of threads, at least 1.

    Raises
    ------
    ValueError
        If ``n_jobs == 0``.
    TypeError
        If ``n_jobs`` is neither None nor an integer.

    Examples
    --------
    >>> from fasthash.utils._threads import effective_n_jobs
    >>> effective_n_jobs(3)
    3
    >>> effective_n_jobs(-1) == effective_n_jobs(-1)
    True
    """
    if n_jobs is None:
        n = cpu_count()
        if _hashing.openmp_enabled():
            # omp_get_max_threads() reflects OMP_NUM_THREADS and threadpoolctl's limits.
            n = min(n, _hashing.openmp_max_threads())
        return max(1, n)
    if isinstance(n_jobs, bool) or not isinstance(n_jobs, numbers.Integral):
        raise TypeError(
            f"n_jobs must be an int or None, got {n_jobs!r} of type {type(n_jobs).__name__}."
        )
    n_jobs = int(n_jobs)
    if n_jobs == 0:
        raise ValueError(
            "n_jobs == 0 has no meaning: use None (all usable CPUs), k > 0 (exactly k "
            "threads), -1 (all CPUs) or -k (all CPUs but k - 1)."
        )
    if n_jobs < 0:
        return max(1, cpu_count() + 1 + n_jobs)
    return n_jobs


class Overlap:
    """Run one call at a time on a helper thread while the caller prepares the next one.

    Built for loops that alternate GIL-bound work (reading a batch of Python objects) with
    a call that releases the GIL (hashing that batch in C): with ``Overlap`` the caller
    reads batch k+1 while batch k is hashed. Calls run strictly one after another, in
    submission order, so the state they share needs no lock.

    Parameters
    ----------
    enabled : bool
        False runs every call synchronously in the caller (no thread is ever started).

    Notes
    -----
    ``submit`` first waits for the running call and re-raises its exception, so an error
    of an earlier batch is raised before anything about a later one. ``wait`` does the
    same for the last call. Leaving the ``with`` block waits for the running call; if an
    exception is already propagating, the call's own exception is dropped (the caller
    decided which error wins by calling ``wait`` first).

    Examples
    --------
    >>> from fasthash.utils._threads import Overlap
    >>> out = []
    >>> with Overlap(enabled=True) as overlap:
    ...     for k in range(3):
    ...         overlap.submit(out.append, k)
    ...     overlap.wait()
    >>> out
    [0, 1, 2]
    """

    def __init__(self, enabled=True):
        self.enabled = bool(enabled)
        self._thread = None
        self._error = None

    def submit(self, fn, *args):
        """Wait for the previous call (raising its error), then start ``fn(*args)``."""
        self.wait()
        if not self.enabled:
            fn(*args)
            return
        self._thread = threading.Thread(
            target=self._run, args=(fn, args), name="fasthash-overlap", daemon=True
        )
        self._thread.start()

    def _run(self, fn, args):
        try:
            fn(*args)
        except BaseException as exc:  # noqa: BLE001 - re-raised in the caller's thread
            self._error = exc

    def wait(self):
        """Wait for the running call, if any, and re-raise its exception."""
        thread = self._thread
        if thread is None:
            return
        thread.join()
        self._thread = None
        error, self._error = self._error, None
        if error is not None:
            try:
                raise error
            finally:
                error = None  # no reference cycle through this frame

    def __enter__(self):
        return self

    def __exit__(self, exc_type, exc, tb):
        if exc_type is None:
            self.wait()
        elif self._thread is not None:
            self._thread.join()
            self._thread = None
            self._error = None
        return False
