# Authors: The fasthash developers
# SPDX-License-Identifier: BSD-3-Clause
"""The one meaning of ``n_jobs`` in fasthash (see DESIGN.md)."""

import numbers
import os

from fasthash._lib import _hashing

__all__ = ["effective_n_jobs", "cpu_count"]


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
