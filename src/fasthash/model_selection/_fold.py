# Authors: The fasthash developers
# SPDX-License-Identifier: BSD-3-Clause
"""Folds as row views of one shared matrix, and fitting and scoring on them.

scikit-learn's cross-validation and searches hand each fit ``X[train]`` and each scorer
``X[test]``. fasthash gives them instead a vector of row numbers (``np.arange(n)``) and an
estimator, :class:`RowsEstimator`, that stands for the user's: scikit-learn clones it, sets
the candidate's parameters, fits it on ``rows[train]`` and scores it on ``rows[test]`` --
its own code, with its own bookkeeping, messages, error handling and metadata routing --
while :class:`SharedRows` does the work on the shared data:

- a stateless prefix of a pipeline (:mod:`fasthash.model_selection._prefix`) is applied
  once to the whole ``X`` per distinct setting of its parameters, and dropped after the
  last fit that needs it; each fit reads its rows from that one matrix;
- a column-local final estimator (:mod:`fasthash.utils._columns`) is fitted and scored on
  its rows restricted to the columns its training rows use (bit for bit the same scores),
  unless the estimators are returned (they would show the narrower ``coef_``);
- a fit run next to others gets ``n_jobs=1`` (:func:`~fasthash.utils._parallel.
  with_inner_n_jobs`) and one OpenMP thread, and a fit drawing from scikit-learn's
  process-wide random generator runs in :func:`~fasthash.utils._parallel.private_rng`;
- a progress bar (``tqdm.auto``) counts the fits;
- once the evaluation is over (:meth:`SharedRows.start_refit`), a fit is the refit of the
  full estimator on the original ``X``.
"""

import contextlib
import threading
from collections import defaultdict

import numpy as np
from sklearn.base import clone
from sklearn.pipeline import Pipeline
from sklearn.utils import get_tags
from sklearn.utils.metadata_routing import get_routing_for_object
from threadpoolctl import threadpool_limits

from fasthash.model_selection._prefix import (
    is_passthrough,
    prefix_key,
    stateless_prefix_length,
)
from fasthash.utils._columns import (
    column_map,
    compact_for_fit,
    expand_columns,
    finite_csr,
    is_column_local,
    may_be_column_local,
    restrict_columns,
    same_solver,
)
from fasthash.utils._parallel import private_rng, with_inner_n_jobs
from fasthash.utils._progress import progress_bar
from fasthash.utils._sklearn_compat import num_samples, safe_indexing

__all__ = [
    "RowsEstimator",
    "SharedRows",
    "can_share_rows",
    "count_splits",
    "draws_from_shared_rng",
    "progress_bar",
    "refit_compacted",
]

# The methods through which scikit-learn's scorers (and cross_validate) use an estimator
# on the rows they are given.
_ROW_METHODS = frozenset({
    "decision_function",
    "predict",
    "predict_log_proba",
    "predict_proba",
    "score",
    "score_samples",
    "transform",
})


_worker_state = threading.local()


def _one_openmp_thread_in_this_worker():
    """One OpenMP thread for code run in this worker thread, set once per thread.

    OpenMP's thread count is a per-thread setting: a limit set in the calling thread does
    not reach joblib's workers. They end with the search, so the limit needs no restoring;
    the main thread is never limited for good.
    """
    if threading.current_thread() is threading.main_thread():
        return
    if not getattr(_worker_state, "openmp_limited", False):
        threadpool_limits(limits=1, user_api="openmp")
        _worker_state.openmp_limited = True


def _fit(estimator, X, y, fit_params):
    if y is None:
        return estimator.fit(X, **fit_params)
    return estimator.fit(X, y, **fit_params)


def _per_sample(fit_params):
    """Only ``sample_weight`` (a per-row array) may go with a compacted fit: ``coef_init``
    and the like are per column."""
    return all(key.rsplit("__", 1)[-1] == "sample_weight" for key in fit_params)


def _n_jobs_params(estimator):
    try:
        params = estimator.get_params(deep=True)
    except Exception:  # noqa: BLE001
        return {}
    return {k: v for k, v in params.items() if k == "n_jobs" or k.endswith("__n_jobs")}


def refit_compacted(pipeline, X, y, fit_params, n_threads=1):
    """``pipeline.fit(X, y)`` with its column-local last step fitted on the columns the
    transformed X uses, then widened back (the same fitted pipeline, bit for bit).

    Only for a plain Pipeline (no memory, no verbose, no transform_input) whose steps
    before the last are all stateless, with no fit parameters: there ``Pipeline.fit`` is
    ``fit_transform`` of each step in turn, then ``fit`` of the last. Returns False
    (nothing done) otherwise. A last step with ``n_jobs=None`` (one-vs-rest SGD) fits its
    classes on ``n_threads`` threads, as ``n_jobs=n_threads`` would (the same model: each
    class has its own seed, drawn before), and gets ``n_jobs=None`` back.
    """
    if (
        fit_params
        or y is None
        or type(pipeline) is not Pipeline
        or pipeline.memory is not None
        or pipeline.verbose
        or stateless_prefix_length(pipeline) != len(pipeline.steps) - 1
        or not may_be_column_local(pipeline.steps[-1][1])
    ):
        return False
    Xt = X
    for _name, step in pipeline.steps[:-1]:
        if not is_passthrough(step):
            Xt = step.fit_transform(Xt, y)
    final = pipeline.steps[-1][1]
    compact = compact_for_fit(final, Xt)
    inner = n_threads > 1 and final.get_params(deep=False).get("n_jobs", 0) is None
    if inner:
        final.set_params(n_jobs=n_threads)
    try:
        if compact is None:
            final.fit(Xt, y)
        else:
            with same_solver(final):
                final.fit(compact[0], y)
            expand_columns(final, compact[1], Xt.shape[1])
    finally:
        if inner:
            final.set_params(n_jobs=None)
    return True


class _Fitted:
    """What one fit on shared rows left: the model and how to give it rows."""

    __slots__ = ("model", "source", "remap", "n_kept")

    def __init__(self, model, source, remap=None, n_kept=None):
        self.model = model  # fitted; the suffix after the prefix, or the whole estimator
        self.source = source  # the matrix its rows come from
        self.remap = remap  # column map of a compacted fit, or None
        self.n_kept = n_kept

    def rows(self, rows):
        X = safe_indexing(self.source, rows)
        if self.remap is not None:
            X = restrict_columns(X, self.remap, self.n_kept)
        return X

    def method(self, name):
        """``model.<name>`` taking row numbers (named like it: scorers read the name)."""
        bound = getattr(self.model, name)

        def on_rows(rows, *args, **kwargs):
            return bound(self.rows(rows), *args, **kwargs)

        on_rows.__name__ = on_rows.__qualname__ = name
        return on_rows


class SharedRows:
    """The data of one cross-validation or search, shared by all of its fits.

    Parameters
    ----------
    X, y : the user's data (after ``indexable``).
    estimator : the user's estimator (to plan which prefixes the candidates need).
    n_workers : int
        Number of fits run at once.
    fit_param_names : set of str
        Names of the fit parameters (a prefix step receiving one is not shared).
    hoist : bool
        Whether stateless prefixes may be applied once to the whole X.
    compact : bool
        Whether column-local fits may be compacted.
    keep_full : bool
        Whether the fitted estimators are returned to the user: they are then the full
        estimators (prefix steps fitted on the training rows, as ``Pipeline.fit`` does).
    """

    def __init__(self, X, y, estimator, *, n_workers, fit_param_names=(), hoist=True,
                 compact=True, keep_full=False):
        self.X = X
        self.y = y
        self.n_samples = num_samples(X)
        self.estimator = estimator
        self.n_workers = n_workers
        self.fit_param_names = set(fit_param_names)
        self.hoist = hoist
        self.compact = compact and not keep_full
        self.keep_full = keep_full
        self.refitting = False
        self.bar = None
        #: Number of prefix transforms of the whole X done (for tests and benchmarks).
        self.n_prefix_transforms = 0
        self._lock = threading.Lock()
        self._key_locks = defaultdict(threading.Lock)
        self._prefixes = {}  # prefix key -> (matrix or None, whether finite CSR)
        self._column_maps = {}  # (prefix key, training rows) -> column_map's result
        self._uses = defaultdict(int)  # prefix key -> fits still to come (planned)

    def __deepcopy__(self, memo):
        # The shared data is never copied: scikit-learn deep-copies metadata routing
        # objects, which may reach the stand-in estimator (and so this object).
        return self

    # -- planning and lifetime ------------------------------------------------------

    def plan(self, candidate_params, n_splits):
        """Count the fits each prefix will serve, and grow the progress bar.

        ``n_splits`` None (unknown): the prefixes are kept until the refit, and the bar
        has no total.
        """
        if n_splits is None:
            return
        for params in candidate_params:
            key = self._key(self._candidate(params))[0]
            if key is not None:
                with self._lock:
                    self._uses[key] += n_splits
        if self.bar is not None:
            self.bar.total = (self.bar.total or 0) + len(candidate_params) * n_splits
            self.bar.refresh()

    def _candidate(self, params):
        est = clone(self.estimator)
        if params:
            est.set_params(**clone(params, safe=False))
        return est

    @contextlib.contextmanager
    def progress(self, enabled, desc):
        """Show a progress bar of the fits (``plan`` sets its total) inside this block."""
        self.bar = progress_bar(None, enabled, desc)
        try:
            yield self
        finally:
            if self.bar is not None:
                self.bar.close()
                self.bar = None

    def start_refit(self):
        """The evaluation is over: drop the shared matrices; later fits are refits."""
        self.refitting = True
        with self._lock:
            self._prefixes.clear()
            self._column_maps.clear()
            self._uses.clear()

    def close(self):
        """Drop every reference to the data."""
        self.start_refit()
        self.X = self.y = self.estimator = None

    # -- the shared prefix outputs -------------------------------------------------

    def _key(self, estimator, fit_params=None):
        if not self.hoist:
            return None, 0
        names = self.fit_param_names if fit_params is None else fit_params
        k = stateless_prefix_length(estimator, names)
        return (prefix_key(estimator, k), k) if k else (None, 0)

    def _prefix_output(self, key, prefix):
        """The output of ``prefix`` on the whole X (computed once), or None if it fails or
        is not row-wise (then every fit runs the whole estimator on its rows and fails or
        not on its own, as in scikit-learn)."""
        with self._lock:
            key_lock = self._key_locks[key]
        with key_lock:
            with self._lock:
                found = self._prefixes.get(key)
            if found is None:
                try:
                    Xt = clone(prefix).fit_transform(self.X, self.y)
                except Exception:  # noqa: BLE001 - each fit fails on its own below
                    Xt = None
                else:
                    with self._lock:
                        self.n_prefix_transforms += 1
                    if num_samples(Xt) != self.n_samples:
                        Xt = None
                found = (Xt, Xt is not None and finite_csr(Xt))
                with self._lock:
                    if key in self._uses or not self.refitting:
                        self._prefixes[key] = found
        return found

    def _release(self, key):
        with self._lock:
            if key in self._uses:
                self._uses[key] -= 1
                if self._uses[key] <= 0:
                    del self._uses[key]
                    self._prefixes.pop(key, None)

    # -- fitting ---------------------------------------------------------------------

    def fit(self, estimator, rows, y, fit_params):
        """Fit ``estimator`` (a clone with the candidate's parameters) on rows ``rows``."""
        if self.refitting:
            return self._refit(estimator, rows, y, fit_params)
        try:
            return self._fit_rows(estimator, rows, y, fit_params)
        finally:
            if self.bar is not None:
                self.bar.update(1)

    def _fit_rows(self, estimator, rows, y, fit_params):
        key, k = self._key(estimator, fit_params)
        source, source_ok = self.X, None
        if key is not None:
            try:
                Xt, source_ok = self._prefix_output(key, estimator[:k])
            finally:
                self._release(key)
            if Xt is None:
                k = 0
            else:
                source = Xt
        model = estimator[k:] if k else estimator
        saved_n_jobs = _n_jobs_params(estimator) if self.keep_full else {}
        if self.n_workers > 1:
            with_inner_n_jobs(model)
        X_train = safe_indexing(source, rows)
        fitted = _Fitted(model, source)
        if (
            self.compact
            and _per_sample(fit_params)
            and is_column_local(model, getattr(X_train, "shape", None))
        ):
            if source_ok is None:
                source_ok = finite_csr(source)
            found = self._column_map(key, rows, X_train) if source_ok else None
            if found is not None:
                fitted.remap, used = found
                fitted.n_kept = len(used)
                X_train = restrict_columns(X_train, fitted.remap, fitted.n_kept)
        if self.n_workers > 1:
            _one_openmp_thread_in_this_worker()
        compacted = same_solver(model) if fitted.remap is not None else contextlib.nullcontext()
        with private_rng(model), compacted:
            _fit(model, X_train, y, fit_params)
        if self.keep_full:
            if saved_n_jobs:
                estimator.set_params(**saved_n_jobs)
            if k:
                self._fit_prefix_steps(estimator, k, rows, y)
        return fitted

    def _column_map(self, key, rows, X_train):
        """``column_map(X_train)``, computed once per split and prefix (the candidates of
        a search share it: a few MB per split). A fit that needs the map another thread
        is computing waits for it rather than computing it again."""
        cache_key = (key, rows.tobytes())
        with self._lock:
            key_lock = self._key_locks[("columns", cache_key)]
        with key_lock:
            with self._lock:
                if cache_key in self._column_maps:
                    return self._column_maps[cache_key]
            found = column_map(X_train)
            with self._lock:
                if not self.refitting:
                    self._column_maps[cache_key] = found
        return found

    def _fit_prefix_steps(self, estimator, k, rows, y):
        """Fit the stateless steps of ``estimator`` on the raw training rows, as
        ``Pipeline.fit`` would (the fitted estimator is returned to the user)."""
        Xt = safe_indexing(self.X, rows)
        for j, (_name, step) in enumerate(estimator.steps[:k]):
            if is_passthrough(step):
                continue
            if j == k - 1:
                step.fit(Xt, y)
            else:
                Xt = step.fit_transform(Xt, y)

    def _refit(self, estimator, rows, y, fit_params):
        X = self.X
        if len(rows) != self.n_samples or not np.array_equal(rows, np.arange(len(rows))):
            X = safe_indexing(X, rows)
        if not refit_compacted(estimator, X, y, fit_params, self.n_workers):
            _fit(estimator, X, y, fit_params)
        return _Fitted(estimator, self.X)


class RowsEstimator:
    """Stands for ``estimator`` in scikit-learn's cross-validation: X is row numbers.

    Parameters, tags and metadata routing are ``estimator``'s; ``fit(rows, y)`` fits on
    those rows of the shared data (:meth:`SharedRows.fit`), and the prediction methods
    and the fitted attributes are those of the fitted model, on the given rows.
    """

    def __init__(self, estimator, shared):
        self.estimator = estimator
        self.shared = shared

    def __sklearn_clone__(self):
        return RowsEstimator(clone(self.estimator), self.shared)

    def get_params(self, deep=True):
        return self.estimator.get_params(deep=deep)

    def set_params(self, **params):
        self.estimator.set_params(**params)
        return self

    def __sklearn_tags__(self):
        return get_tags(self.estimator)

    def get_metadata_routing(self):
        return get_routing_for_object(self.estimator)

    def fit(self, X, y=None, **fit_params):
        self.__dict__["fitted_"] = self.shared.fit(self.estimator, np.asarray(X), y,
                                                   fit_params)
        return self

    def __getattr__(self, name):
        if name.startswith("__") or name in ("estimator", "shared", "fitted_"):
            raise AttributeError(name)
        fitted = self.__dict__.get("fitted_")
        if fitted is None:
            return getattr(self.__dict__["estimator"], name)
        if name in _ROW_METHODS:
            return fitted.method(name)  # AttributeError if the model has none
        return getattr(fitted.model, name)

    def __repr__(self):
        return repr(self.estimator)


def can_share_rows(estimator, scoring, cv):
    """Whether scikit-learn's cross-validation of ``estimator`` may run on shared rows.

    Not when a scorer is a user function (it would receive the stand-in estimator and
    row numbers), the estimator is pairwise (its test rows are cut by the training
    columns), it or a sub-estimator has callbacks (they would see row numbers), or the
    splitter is not scikit-learn's (it might read the values of ``X``).
    """
    from fasthash.model_selection._prefix import scoring_is_structure_blind
    from fasthash.utils._sklearn_compat import has_callbacks

    if not scoring_is_structure_blind(scoring) or has_callbacks(estimator):
        return False
    try:
        if get_tags(estimator).input_tags.pairwise:
            return False
    except Exception:  # noqa: BLE001 - no valid tags: leave it to scikit-learn
        return False
    if hasattr(cv, "split") and not type(cv).__module__.startswith("sklearn."):
        return False
    return True


def count_splits(cv, estimator, X, y, groups=None, params=None):
    """The number of splits ``cv`` will make (for the plan), or None if unknown."""
    from sklearn.base import is_classifier
    from sklearn.model_selection import check_cv

    try:
        checked = check_cv(cv, y, classifier=is_classifier(estimator))
        if groups is None and params:
            groups = params.get("groups")
        return int(checked.get_n_splits(X, y, groups))
    except Exception:  # noqa: BLE001 - scikit-learn raises its own error later
        return None


def draws_from_shared_rng(estimator):
    """Whether fits of ``estimator`` must not run at the same time outside
    :class:`SharedRows` (they draw from scikit-learn's process-wide generator)."""
    return not isinstance(private_rng(estimator), contextlib.nullcontext)
