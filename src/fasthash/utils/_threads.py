# Authors: The fasthash developers
# SPDX-License-Identifier: BSD-3-Clause
"""The one meaning of ``n_jobs`` in fasthash (see ``docs/design.md``).

Every entry point validates ``n_jobs`` with :func:`check_n_jobs` (scikit-learn's
``InvalidParameterError``, the same message from ``fit``, ``transform`` and the utilities)
and turns it into a thread count with :func:`effective_n_jobs`, which never exceeds the
CPUs this process may use: more threads than CPUs only slow CPU-bound work down, and an
unbounded count could exhaust the process' threads or stacks.
"""

import os

from fasthash._lib import _hashing
from fasthash.utils._sklearn_compat import NJobs, validate_parameter_constraints

__all__ = ["check_n_jobs", "cpu_count", "effective_n_jobs"]


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


def check_n_jobs(n_jobs, caller_name):
    """Raise scikit-learn's ``InvalidParameterError`` unless ``n_jobs`` is valid.

    Valid: ``None`` or an integer other than 0 (not a bool).

    Parameters
    ----------
    n_jobs : object
        The value to check.
    caller_name : str
        Named in the message, as scikit-learn names the estimator or function.

    Raises
    ------
    sklearn.utils._param_validation.InvalidParameterError
        A subclass of both ``ValueError`` and ``TypeError``, with scikit-learn's message.

    Examples
    --------
    >>> from fasthash.utils._threads import check_n_jobs
    >>> check_n_jobs(2, "HashingVectorizer")
    >>> check_n_jobs(1.5, "HashingVectorizer")
    Traceback (most recent call last):
    ...
    sklearn.utils._param_validation.InvalidParameterError: The 'n_jobs' parameter of HashingVectorizer must be an int other than 0 (not a bool) or None. Got 1.5 instead.
    """  # noqa: E501
    validate_parameter_constraints(
        {"n_jobs": [NJobs(), None]}, {"n_jobs": n_jobs}, caller_name=caller_name
    )


def effective_n_jobs(n_jobs=None, caller_name="fasthash"):
    """Resolve ``n_jobs`` to a thread count.

    Parameters
    ----------
    n_jobs : int or None, default=None
        ``None``: every CPU this process may use, within the limits set by
        ``OMP_NUM_THREADS`` or threadpoolctl (``threadpool_limits``); ``k > 0``: ``k``
        threads; ``-1``: all CPUs of the affinity mask; ``-k``: all but ``k - 1`` of them.
        Whatever the value, the count is at least 1 and at most the number of CPUs this
        process may use.
    caller_name : str, default="fasthash"
        Named in the error message.

    Returns
    -------
    int
        The number of threads.

    Raises
    ------
    sklearn.utils._param_validation.InvalidParameterError
        If ``n_jobs`` is neither None nor an integer other than 0 (see
        :func:`check_n_jobs`).

    Examples
    --------
    >>> from fasthash.utils._threads import cpu_count, effective_n_jobs
    >>> effective_n_jobs(1)
    1
    >>> effective_n_jobs(10**6) == cpu_count()
    True
    """
    check_n_jobs(n_jobs, caller_name)
    usable = cpu_count()
    if n_jobs is None:
        n = usable
        if _hashing.openmp_enabled():
            # omp_get_max_threads() reflects OMP_NUM_THREADS and threadpoolctl's limits.
            n = min(n, _hashing.openmp_max_threads())
    elif n_jobs < 0:
        n = usable + 1 + int(n_jobs)
    else:
        n = min(int(n_jobs), usable)
    return max(1, n)
