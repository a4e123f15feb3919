# Authors: The fasthash developers
# SPDX-License-Identifier: BSD-3-Clause
"""The one thread pool of fasthash's parallel ML layer.

Every utility that runs estimators in parallel (averaging, forests, model selection) goes
through :func:`thread_map`, which gives them the same policy (``docs/design.md``):

- ``n_jobs`` has fasthash's one meaning (:func:`fasthash.utils._threads.effective_n_jobs`);
- results come back in task order, so they never depend on the thread count;
- nested parallelism never oversubscribes: BLAS pools are limited to one thread while
  tasks run (with one worker too, so that BLAS reductions, whose rounding depends on their
  thread count, give the same bits for every ``n_jobs``), so is OpenMP in each worker
  thread (``threadpoolctl``; OpenMP limits are per thread), and estimators handed to
  workers get ``n_jobs=1`` (:func:`with_inner_n_jobs`);
- the first failing task (in task order) raises in the caller, with its own traceback, and
  the tasks not yet started are cancelled;
- Ctrl-C in the calling thread stops promptly: no new task starts, the running ones finish
  (a thread cannot be killed) and ``KeyboardInterrupt`` is raised;
- workers run with the calling thread's configuration, scikit-learn's
  (``sklearn.get_config``) and fasthash's (``fasthash.get_config``), as scikit-learn's
  own joblib workers do;
- fits that draw from a random generator scikit-learn shares process-wide (liblinear, and
  libsvm with ``probability=True``) run one at a time, or on private copies of its
  solvers when the user opted in (:func:`private_rng`): sharing the generator, their
  results would depend on the timing of threads.
"""

import concurrent.futures
import contextlib
import threading

import sklearn
from sklearn.base import BaseEstimator
from threadpoolctl import threadpool_limits

from fasthash._config import config_context, get_config
from fasthash.utils._solver_copies import isolated_solvers
from fasthash.utils._threads import effective_n_jobs

__all__ = ["private_rng", "thread_map", "with_inner_n_jobs", "n_workers"]

# How long the calling thread blocks at a time while waiting for workers: short enough for
# Ctrl-C (delivered only to the main thread, between bytecodes) to be seen promptly.
_POLL_SECONDS = 0.05


def n_workers(n_jobs, n_tasks):
    """Number of worker threads for ``n_tasks`` tasks under ``n_jobs``.

    Parameters
    ----------
    n_jobs : int or None
        fasthash's ``n_jobs`` (None = every usable CPU).
    n_tasks : int
        Number of tasks.

    Returns
    -------
    int
        ``min(effective_n_jobs(n_jobs), n_tasks)``, at least 1.

    Examples
    --------
    >>> from fasthash.utils._parallel import n_workers
    >>> n_workers(4, 2)
    2
    """
    return max(1, min(effective_n_jobs(n_jobs), int(n_tasks)))


def with_inner_n_jobs(estimator, n_jobs=1):
    """Set every ``n_jobs`` parameter of ``estimator`` (nested ones too) to ``n_jobs``.

    The estimator is modified in place and returned; use it on clones. Meant for estimators
    run inside a worker thread, so their own kernels (fasthash's C core, joblib in
    scikit-learn's forests) do not start a pool of their own. Parameters that already hold
    ``n_jobs`` are left alone, and so is ``None`` on estimators outside fasthash: there it
    means one job already (outside a joblib context), and setting it can warn (for
    example ``LogisticRegression(n_jobs=...)``, deprecated in scikit-learn 1.8). fasthash's
    own ``None`` means every CPU, so it is replaced.

    Parameters
    ----------
    estimator : estimator instance
        Any scikit-learn compatible estimator (Pipeline, meta-estimators, ...).
    n_jobs : int, default=1
        Value to set.

    Returns
    -------
    estimator
        The same object.

    Examples
    --------
    >>> from sklearn.pipeline import make_pipeline
    >>> from sklearn.ensemble import RandomForestClassifier
    >>> from fasthash import HashingVectorizer
    >>> from fasthash.utils._parallel import with_inner_n_jobs
    >>> pipe = make_pipeline(HashingVectorizer(), RandomForestClassifier(n_jobs=-1))
    >>> params = with_inner_n_jobs(pipe).get_params()
    >>> params["hashingvectorizer__n_jobs"], params["randomforestclassifier__n_jobs"]
    (1, 1)
    """
    if not isinstance(estimator, BaseEstimator) and not hasattr(estimator, "get_params"):
        return estimator
    try:
        params = estimator.get_params(deep=True)
    except TypeError:  # get_params without ``deep``
        return estimator
    updates = {
        name: n_jobs
        for name, value in params.items()
        if (name == "n_jobs" or name.endswith("__n_jobs"))
        and value != n_jobs
        and not (value is None and not _is_fasthash(_owner(estimator, params, name)))
    }
    if updates:
        estimator.set_params(**updates)
    return estimator


def _owner(estimator, params, name):
    """The (sub-)estimator that holds the parameter ``name`` of ``get_params(deep=True)``."""
    prefix, _, _ = name.rpartition("__")
    return params.get(prefix, estimator) if prefix else estimator


def _is_fasthash(obj):
    return type(obj).__module__.split(".")[0] == "fasthash"


def _draws_from_global_rng(est):
    from sklearn.linear_model import LogisticRegression, LogisticRegressionCV
    from sklearn.svm import SVC, SVR, LinearSVC, LinearSVR, NuSVC, NuSVR, OneClassSVM

    if isinstance(est, (LinearSVC, LinearSVR)):
        return True
    if isinstance(est, (LogisticRegression, LogisticRegressionCV)):
        return est.get_params(deep=False).get("solver") == "liblinear"
    if isinstance(est, (SVC, NuSVC, SVR, NuSVR, OneClassSVM)):
        return est.get_params(deep=False).get("probability", False) is True
    return False


def private_rng(estimator):
    """The context to fit ``estimator`` in, in a worker thread (often a null context).

    When ``estimator`` or one of its sub-estimators draws from a random generator that
    scikit-learn shares process-wide (LinearSVC, LinearSVR, LogisticRegression with
    ``solver="liblinear"``, libsvm estimators with ``probability=True``; see
    :mod:`fasthash.utils._solver_copies`), the fit runs in
    :func:`~fasthash.utils._solver_copies.isolated_solvers`: one such fit at a time by
    default, in parallel on private solver copies when the user opted in
    (``fasthash.config_context(private_solver_copies=True)``); either way it gives the
    result of a sequential run. Not for fasthash's own parallel meta-estimators: their
    workers isolate their own fits.

    Examples
    --------
    >>> import contextlib
    >>> from sklearn.svm import LinearSVC
    >>> from sklearn.linear_model import SGDClassifier
    >>> from fasthash.utils._parallel import private_rng
    >>> isinstance(private_rng(SGDClassifier()), contextlib.nullcontext)  # nothing to isolate
    True
    >>> with private_rng(LinearSVC()):
    ...     pass
    """
    try:
        params = estimator.get_params(deep=True)
    except Exception:  # noqa: BLE001 - not an estimator after all
        return contextlib.nullcontext()
    parts = [estimator, *(v for v in params.values() if isinstance(v, BaseEstimator))]
    if any(getattr(p, "_fasthash_thread_pool", False) for p in parts):
        return contextlib.nullcontext()
    if any(_draws_from_global_rng(p) for p in parts):
        return isolated_solvers()
    return contextlib.nullcontext()


def _one_blas_thread():
    """BLAS pools (OpenBLAS, MKL; process-wide) limited to one thread, restored on exit.

    For every task, with one worker too: a BLAS reduction (a dot product or a norm over
    ``n_features`` values, as in lbfgs or liblinear's TRON) sums in an order that depends
    on its thread count, so a fit's last bits would depend on ``n_jobs`` otherwise.
    """
    return threadpool_limits(limits=1, user_api="blas")


def _limit_openmp_in_this_thread():
    """ThreadPoolExecutor initializer: one OpenMP thread for code run in this worker.

    OpenMP's thread count is a per-thread setting (omp_set_num_threads sets the calling
    thread's ICV): a limit set in the calling thread does not reach the workers, which
    start from the runtime's default (every core). Worker threads end with the pool, so
    the limit needs no restoring.
    """
    threadpool_limits(limits=1, user_api="openmp")


def thread_map(fn, tasks, n_jobs=None, *, on_result=None):
    """Run ``fn(task)`` for every task on a thread pool; results in task order.

    Parameters
    ----------
    fn : callable
        Called once per task, in a worker thread (in the calling thread when one worker
        suffices). It should release the GIL for its heavy part (scikit-learn's solvers and
        fasthash's kernels do).
    tasks : iterable
        The tasks; materialised into a list first.
    n_jobs : int or None, default=None
        fasthash's ``n_jobs`` (None = every usable CPU), capped at the number of tasks.
    on_result : callable, optional
        ``on_result(index, result)`` is called in the calling thread as each task
        finishes (in completion order), e.g. for progress messages.

    Returns
    -------
    list
        ``[fn(t) for t in tasks]``, whatever the number of threads.

    Raises
    ------
    Exception
        The exception of the lowest-numbered failing task among those that ran; tasks not
        yet started are cancelled.
    KeyboardInterrupt
        On Ctrl-C: raised at once; no further task is started, tasks already running
        finish in the background and their results are dropped.

    Examples
    --------
    >>> from fasthash.utils._parallel import thread_map
    >>> thread_map(lambda x: x * x, range(5), n_jobs=2)
    [0, 1, 4, 9, 16]
    """
    tasks = list(tasks)
    if not tasks:
        return []
    workers = n_workers(n_jobs, len(tasks))
    results = [None] * len(tasks)
    if workers == 1:
        with _one_blas_thread():
            for i, task in enumerate(tasks):
                results[i] = fn(task)
                if on_result is not None:
                    on_result(i, results[i])
        return results

    stop = threading.Event()
    sklearn_config = sklearn.get_config()
    fasthash_config = get_config()

    def run(i):
        if stop.is_set():
            raise concurrent.futures.CancelledError()
        with sklearn.config_context(**sklearn_config), config_context(**fasthash_config):
            return fn(tasks[i])

    with _one_blas_thread():
        pool = concurrent.futures.ThreadPoolExecutor(
            max_workers=workers,
            thread_name_prefix="fasthash",
            initializer=_limit_openmp_in_this_thread,
        )
        futures = {}
        try:
            futures = {pool.submit(run, i): i for i in range(len(tasks))}
            pending = set(futures)
            failed = None
            while pending:
                done, pending = concurrent.futures.wait(
                    pending, timeout=_POLL_SECONDS, return_when=concurrent.futures.FIRST_COMPLETED
                )
                for fut in done:
                    i = futures[fut]
                    if fut.cancelled():
                        continue
                    exc = fut.exception()
                    if exc is not None:
                        if not isinstance(exc, concurrent.futures.CancelledError):
                            failed = i if failed is None else min(failed, i)
                        stop.set()
                        continue
                    results[i] = fut.result()
                    if on_result is not None and failed is None:
                        on_result(i, results[i])
                if failed is not None:
                    for fut in pending:
                        fut.cancel()
            if failed is not None:
                first = next(f for f, i in futures.items() if i == failed)
                raise first.exception()
        except KeyboardInterrupt:
            # Return to the user at once: running tasks cannot be interrupted, they finish in
            # the background and their results are dropped.
            stop.set()
            pool.shutdown(wait=False, cancel_futures=True)
            raise
        except BaseException:
            stop.set()
            pool.shutdown(wait=True, cancel_futures=True)
            raise
        pool.shutdown(wait=True)
    return results
