# Authors: The fasthash developers
# SPDX-License-Identifier: BSD-3-Clause
"""Thread-parallel cross-validation and parameter search sharing one copy of the data.

:func:`cross_validate`, :func:`cross_val_score`, :class:`GridSearchCV` and
:class:`RandomizedSearchCV` have scikit-learn's signatures and give scikit-learn's results
(same ``cv_results_`` keys and scores, ``best_params_``, ``best_index_``, ...) for
deterministic estimators; only the way candidates x splits are evaluated differs:

- every fit runs on :func:`fasthash.utils._parallel.thread_map` (threads, results in task
  order, Ctrl-C stops promptly); ``n_jobs`` has fasthash's meaning (None = every usable
  CPU); estimators run in workers get ``n_jobs=1`` and BLAS/OpenMP pools are limited;
- the rows of each split are materialised once and shared read-only by every candidate,
  and freed once the last candidate of that split is done (splits are processed in
  order), so memory stays near one copy of ``X`` plus about two splits;
- a stateless prefix of a :class:`~sklearn.pipeline.Pipeline` (HashingVectorizer,
  FeatureHasher, ...: see :func:`_is_trusted_stateless`) is transformed once on the
  whole ``X`` per distinct set of prefix parameters, not once per split and candidate;
  the rest of the pipeline is cross-validated on the transformed matrix. The final refit
  (``best_estimator_``) is still the full pipeline fitted on ``X``;
- a column-local final estimator (scikit-learn's plain SGD family on finite sparse
  input: see :mod:`fasthash.utils._columns`) is fitted and scored on the split's rows
  restricted to the columns its training rows use -- one compacted copy per split, shared
  by the candidates; bit for bit the same scores, several times faster on hashed text.
  Not when the estimators are returned or the scorer is a user function (they would see
  the narrower ``coef_``), nor with per-column fit parameters (``coef_init``).
"""

import contextlib
import numbers
import sys
import threading
import time
from collections import defaultdict
from traceback import format_exc

import numpy as np
from joblib import logger as _joblib_logger
from sklearn import get_config
from sklearn.base import clone, is_classifier
from sklearn.exceptions import UnsetMetadataPassedError
from sklearn.feature_extraction import FeatureHasher as _SkFeatureHasher
from sklearn.feature_extraction.text import HashingVectorizer as _SkHashingVectorizer
from sklearn.kernel_approximation import AdditiveChi2Sampler
from sklearn.metrics import check_scoring, get_scorer_names
from sklearn.model_selection import GridSearchCV as _SkGridSearchCV
from sklearn.model_selection import ParameterGrid, ParameterSampler, check_cv
from sklearn.model_selection import RandomizedSearchCV as _SkRandomizedSearchCV
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import Binarizer, FunctionTransformer, Normalizer
from sklearn.utils import get_tags, indexable
from sklearn.utils.metadata_routing import MetadataRouter, MethodMapping, process_routing

# scikit-learn private API, through the one module that holds it (see its docstring).
from fasthash.utils._sklearn_compat import (
    HasMethods,
    StrOptions,
    _aggregate_score_dicts,
    _BaseScorer,
    _check_method_params,
    _insert_error_scores,
    _manual_routing,
    _MultimetricScorer,
    _normalize_score_results,
    _num_samples,
    _PassthroughScorer,
    _routing_enabled,
    _safe_split,
    _score,
    _warn_or_raise_about_fit_failures,
)

# --------------------------------------------------------------------------------------

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
from fasthash.utils._parallel import n_workers, private_rng, thread_map, with_inner_n_jobs
from fasthash.utils._threads import effective_n_jobs
from fasthash.utils._sklearn_compat import NJobs, validate_parameter_constraints

__all__ = ["GridSearchCV", "RandomizedSearchCV", "cross_val_score", "cross_validate"]


# ---------------------------------------------------------------------------------------
# Stateless prefixes
# ---------------------------------------------------------------------------------------

# Transformers whose output row i depends only on input row i and on their parameters
# (never on other rows, never on a fit): hashing (the hash of a document's features),
# per-row normalisation and thresholding, the additive chi2 feature map. fasthash's
# HashingVectorizer and FeatureHasher subclass scikit-learn's, so isinstance covers them.
_TRUSTED_STATELESS = (
    _SkHashingVectorizer,
    _SkFeatureHasher,
    Normalizer,
    Binarizer,
    AdditiveChi2Sampler,
)
# Tagged ``requires_fit=False`` but NOT row-wise in general: FunctionTransformer applies
# an arbitrary function (``X - X.mean(axis=0)`` mixes rows). (PatchExtractor, also tagged,
# changes the number of rows: caught by the row-count check after the transform.)
_UNTRUSTED_STATELESS = (FunctionTransformer,)


def _is_trusted_stateless(step):
    """Whether a pipeline step can be applied once to the whole X instead of per split.

    Trusted: ``"passthrough"``/None, the classes of ``_TRUSTED_STATELESS`` (row-wise by
    construction) and any other transformer whose ``__sklearn_tags__().requires_fit`` is
    False (a transformer that needs no fit has no state learnt from other rows; we also
    take the tag as a promise that rows are transformed independently), except
    FunctionTransformer (an arbitrary function).
    """
    if step is None or (isinstance(step, str) and step == "passthrough"):
        return True
    if not hasattr(step, "transform") or not hasattr(step, "fit_transform"):
        return False
    if isinstance(step, _UNTRUSTED_STATELESS):
        return False
    if isinstance(step, _TRUSTED_STATELESS):
        return True
    try:
        return get_tags(step).requires_fit is False
    except Exception:  # noqa: BLE001 - a third-party estimator without valid tags
        return False


def _stateless_prefix_length(estimator, fit_params):
    """Number of leading steps of ``estimator`` computable once on the whole X (0: none)."""
    if type(estimator) is not Pipeline:  # subclasses may slice or fit differently
        return 0
    if getattr(estimator, "transform_input", None) is not None:
        return 0
    steps = estimator.steps
    k = 0
    # The last step is never part of the prefix: something must be fitted per split.
    while k < len(steps) - 1 and _is_trusted_stateless(steps[k][1]):
        k += 1
    if k == 0:
        return 0
    # A fit parameter addressed to a prefix step would be lost: keep those steps per split.
    prefix_names = {name for name, _ in steps[:k]}
    for key in fit_params:
        if key.split("__", 1)[0] in prefix_names:
            return 0
    return k


def _scorer_is_structure_blind(scorer):
    """Whether ``scorer`` only uses the estimator's public prediction/score methods.

    scikit-learn's scorers (strings, ``make_scorer``, ``None`` -> ``estimator.score``) call
    ``predict``/``decision_function``/``predict_proba``/``score``, which a pipeline and its
    suffix applied to the prefix's output answer identically. A user function receives the
    estimator itself and may look inside it, so it disables the stateless-prefix path.
    """
    if isinstance(scorer, _MultimetricScorer):
        return all(_scorer_is_structure_blind(s) for s in scorer._scorers.values())
    return isinstance(scorer, (_BaseScorer, _PassthroughScorer))


def _freeze(value):
    """A hashable stand-in for a parameter value (equal values give equal keys)."""
    if isinstance(value, (list, tuple)):
        return (type(value).__name__, tuple(_freeze(v) for v in value))
    if isinstance(value, dict):
        return ("dict", tuple(sorted((repr(k), _freeze(v)) for k, v in value.items())))
    if isinstance(value, (set, frozenset)):
        return ("set", tuple(sorted(repr(_freeze(v)) for v in value)))
    if isinstance(value, np.ndarray):
        return ("ndarray", value.dtype.str, value.shape, value.tobytes())
    if hasattr(value, "get_params") and not isinstance(value, type):
        params = value.get_params(deep=False)
        return (type(value), tuple(sorted((k, _freeze(v)) for k, v in params.items())))
    try:
        hash(value)
    except TypeError:
        return ("id", id(value))  # unhashable and unknown: never shared
    return (type(value), value)


def _prefix_key(estimator, k):
    """Cache key of the first ``k`` steps of a pipeline: their classes and parameters."""
    parts = []
    for name, step in estimator.steps[:k]:
        if step is None or isinstance(step, str):
            parts.append((name, step))
        else:
            parts.append((name, type(step), _freeze(step.get_params(deep=True))))
    return (k, tuple(parts))


# ---------------------------------------------------------------------------------------
# Column compaction (see fasthash.utils._columns)
# ---------------------------------------------------------------------------------------


def _fit_params_are_per_sample(fit_params):
    """Only ``sample_weight`` (a per-row array) may go with a compacted fit: ``coef_init``
    and the like are per column."""
    return all(key.rsplit("__", 1)[-1] == "sample_weight" for key in fit_params)


def _compact_fold(fold):
    """``fold`` with every matrix restricted to the training rows' columns, or None.

    One copy per split, shared by every column-local candidate. None when the matrices
    are not finite CSR or when the training rows use over half of the columns.
    """
    X_score = getattr(fold, "X_train_score", None)
    mats = [fold.X_train, fold.X_test] + ([] if X_score is None else [X_score])
    if not all(finite_csr(X) for X in mats):
        return None
    if any(X.shape[1] != fold.X_train.shape[1] for X in mats):
        return None
    found = column_map(fold.X_train)
    if found is None:
        return None
    remap, used = found
    out = fold.copy()
    out.X_train = restrict_columns(fold.X_train, remap, len(used))
    out.X_test = restrict_columns(fold.X_test, remap, len(used))
    if X_score is not None:
        out.X_train_score = restrict_columns(X_score, remap, len(used))
    return out


def _refit_compacted(pipeline, X, y, fit_params, n_threads=1):
    """``pipeline.fit(X, y)`` with its column-local last step fitted on the columns the
    transformed X uses, then widened back (the same fitted pipeline, bit for bit).

    Only for a plain Pipeline (no memory, no verbose, no transform_input) whose steps
    before the last are all stateless (:func:`_stateless_prefix_length`) and with no fit
    parameters: there ``Pipeline.fit`` is ``fit_transform`` of each step in turn, then
    ``fit`` of the last. Returns False (nothing done) otherwise. A last step with
    ``n_jobs=None`` (one-vs-rest SGD) fits its classes on ``n_threads`` threads, as
    ``n_jobs=n_threads`` would (the same model: each class has its own seed, drawn before),
    and gets ``n_jobs=None`` back.
    """
    if (
        fit_params
        or y is None
        or type(pipeline) is not Pipeline
        or pipeline.memory is not None
        or pipeline.verbose
        or _stateless_prefix_length(pipeline, {}) != len(pipeline.steps) - 1
        or not may_be_column_local(pipeline.steps[-1][1])
    ):
        return False
    Xt = X
    for _name, step in pipeline.steps[:-1]:
        if step is not None and not (isinstance(step, str) and step == "passthrough"):
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


# ---------------------------------------------------------------------------------------
# Fitting one (candidate, split)
# ---------------------------------------------------------------------------------------


def _n_jobs_params(estimator):
    try:
        params = estimator.get_params(deep=True)
    except Exception:  # noqa: BLE001
        return {}
    return {k: v for k, v in params.items() if k == "n_jobs" or k.endswith("__n_jobs")}


def _params_message(parameters):
    if parameters is None:
        return ""
    return ", ".join(f"{k}={parameters[k]}" for k in sorted(parameters))


def _progress_message(split_progress, candidate_progress, verbose):
    msg = ""
    if verbose > 2:
        if split_progress is not None:
            msg = f" {split_progress[0] + 1}/{split_progress[1]}"
        if candidate_progress and verbose > 9:
            msg += f"; {candidate_progress[0] + 1}/{candidate_progress[1]}"
    return msg


def _end_message(result, parameters, split_progress, candidate_progress, verbose,
                 return_train_score):
    """scikit-learn's ``[CV] END ...`` line of ``_fit_and_score``."""
    progress_msg = _progress_message(split_progress, candidate_progress, verbose)
    params_msg = _params_message(parameters)
    test_scores = result["test_scores"]
    train_scores = result.get("train_scores")
    total_time = result["fit_time"] + result["score_time"]
    end_msg = f"[CV{progress_msg}] END "
    result_msg = params_msg + (";" if params_msg else "")
    if verbose > 2:
        if isinstance(test_scores, dict):
            for scorer_name in sorted(test_scores):
                result_msg += f" {scorer_name}: ("
                if return_train_score:
                    result_msg += f"train={train_scores[scorer_name]:.3f}, "
                result_msg += f"test={test_scores[scorer_name]:.3f})"
        else:
            result_msg += ", score="
            if return_train_score:
                result_msg += f"(train={train_scores:.3f}, test={test_scores:.3f})"
            else:
                result_msg += f"{test_scores:.3f}"
    result_msg += f" total time={_joblib_logger.short_format_time(total_time)}"
    end_msg += "." * (80 - len(end_msg) - len(result_msg))
    return end_msg + result_msg


class _Fold:
    """The rows of one split (train and test), materialised once and shared read-only."""

    __slots__ = ("X_train", "y_train", "X_test", "y_test", "fit_params",
                 "score_params_train", "score_params_test", "train", "X_train_score")

    def copy(self):
        """A new fold sharing this one's arrays (only the attributes that are set)."""
        out = _Fold()
        for attr in _Fold.__slots__:
            if hasattr(self, attr):
                setattr(out, attr, getattr(self, attr))
        return out

    def train_for_scoring(self):
        # What ``pipeline.predict(X_train)`` would see: the fitted prefix's ``transform``
        # of the training rows (may differ from ``fit_transform`` in the last bits).
        X = getattr(self, "X_train_score", None)
        return self.X_train if X is None else X


class _FoldCache:
    """Materialise each split's rows on first use, free them after their last task.

    Tasks are ordered split-major, so with k workers only about two splits are alive at
    a time. Keyed by (split, pairwise): a pairwise estimator (precomputed kernel) needs
    its test rows restricted to the training columns.
    """

    def __init__(self, X, y, X_raw, splits, fit_params, score_params, uses):
        self._X = X
        self._y = y
        self._X_raw = X_raw
        self._splits = splits
        self._fit_params = fit_params
        self._score_params = score_params
        self._lock = threading.Lock()
        self._uses = dict(uses)  # split -> tasks still to run on it
        self._folds = {}
        self._split_locks = defaultdict(threading.Lock)

    def _once(self, key, make):
        """``self._folds[key]``, made by ``make()`` by the first task that asks for it."""
        with self._lock:
            split_lock = self._split_locks[key]
        with split_lock:
            if key not in self._folds:
                self._folds[key] = make()
            return self._folds[key]

    def acquire(self, split_idx, estimator):
        pairwise = bool(get_tags(estimator).input_tags.pairwise)

        def make():
            train, test = self._splits[split_idx]
            fold = _Fold()
            fold.train = train
            fold.X_train, fold.y_train = _safe_split(estimator, self._X, self._y, train)
            fold.X_test, fold.y_test = _safe_split(estimator, self._X, self._y, test, train)
            fold.fit_params = _check_method_params(
                self._X_raw, params=self._fit_params, indices=train
            )
            fold.score_params_train = _check_method_params(
                self._X_raw, params=self._score_params, indices=train
            )
            fold.score_params_test = _check_method_params(
                self._X_raw, params=self._score_params, indices=test
            )
            return fold

        return self._once((split_idx, pairwise), make)

    def acquire_transformed(self, split_idx, estimator, m, skey, return_train_score):
        """The split's rows through the first ``m`` (fitted once) steps of ``estimator``.

        Shared by every candidate whose first ``m`` steps have the same parameters
        (``skey``): the steps are fitted once per split (``fit_transform`` of the training
        rows, as ``Pipeline.fit`` does) and the test rows (and, for train scores, the
        training rows) transformed once, as ``Pipeline.predict`` would.
        """

        def make():
            base = self.acquire(split_idx, estimator)
            prefix = clone(estimator[:m])
            fold = base.copy()
            with private_rng(prefix):
                fold.X_train = prefix.fit_transform(base.X_train, base.y_train)
            fold.X_test = prefix.transform(base.X_test)
            fold.X_train_score = prefix.transform(base.X_train) if return_train_score else None
            return fold

        return self._once((split_idx, "fitted-prefix", skey), make)

    def acquire_compact(self, split_idx, fold, fold_key):
        """``fold`` (of this split, cached under ``fold_key``) restricted to its training
        columns, computed once and shared; None when compaction does not apply."""
        return self._once((split_idx, "compact", fold_key), lambda: _compact_fold(fold))

    def release(self, split_idx):
        with self._lock:
            self._uses[split_idx] -= 1
            if self._uses[split_idx] == 0:
                for key in [k for k in self._folds if k[0] == split_idx]:
                    del self._folds[key]


def _fit_and_score_fold(estimator, fold, *, scorer, return_train_score, error_score):
    """scikit-learn's ``_fit_and_score`` on a materialised fold (same result dict)."""
    result = {}
    start_time = time.time()
    try:
        with private_rng(estimator):  # liblinear & co: a generator of its own (shared RNG)
            if fold.y_train is None:
                estimator.fit(fold.X_train, **fold.fit_params)
            else:
                estimator.fit(fold.X_train, fold.y_train, **fold.fit_params)
    except Exception:
        fit_time = time.time() - start_time
        score_time = 0.0
        if error_score == "raise":
            raise
        if isinstance(scorer, _MultimetricScorer):
            test_scores = {name: error_score for name in scorer._scorers}
            if return_train_score:
                train_scores = test_scores.copy()
        else:
            test_scores = error_score
            if return_train_score:
                train_scores = error_score
        result["fit_error"] = format_exc()
    else:
        result["fit_error"] = None
        fit_time = time.time() - start_time
        test_scores = _score(
            estimator, fold.X_test, fold.y_test, scorer, fold.score_params_test, error_score
        )
        score_time = time.time() - start_time - fit_time
        if return_train_score:
            train_scores = _score(
                estimator, fold.train_for_scoring(), fold.y_train, scorer,
                fold.score_params_train,
                error_score,
            )
    result["test_scores"] = test_scores
    if return_train_score:
        result["train_scores"] = train_scores
    result["n_test_samples"] = _num_samples(fold.X_test)
    result["fit_time"] = fit_time
    result["score_time"] = score_time
    return result


class _Progress:
    """A one-line progress bar on stderr: ``[#####-----] 30/60 fits, 12.3 s``."""

    def __init__(self, total, enabled, stream=None):
        self.total = total
        self.enabled = bool(enabled) and total > 0
        self.stream = stream
        self.done = 0
        self.start = time.time()
        if self.enabled:
            self._draw()

    def _draw(self):
        stream = self.stream if self.stream is not None else sys.stderr
        width = 30
        filled = int(width * self.done / self.total)
        elapsed = time.time() - self.start
        stream.write(
            f"\r[{'#' * filled}{'-' * (width - filled)}] {self.done}/{self.total} fits, "
            f"{elapsed:.1f} s"
        )
        if self.done == self.total:
            stream.write("\n")
        stream.flush()

    def update(self, n=1):
        if self.enabled:
            self.done += n
            self._draw()


class _Evaluator:
    """Evaluate candidates x splits on the thread pool, sharing folds and prefixes."""

    def __init__(self, base_estimator, X, y, *, scorer, fit_params, score_params,
                 return_train_score, return_estimator, error_score, verbose, n_jobs,
                 progress, allow_prefix=True):
        self.base = base_estimator
        self.X = X
        self.y = y
        self.scorer = scorer
        self.fit_params = fit_params or {}
        self.score_params = score_params or {}
        self.return_train_score = return_train_score
        self.return_estimator = return_estimator
        self.error_score = error_score
        self.verbose = verbose
        self.n_jobs = n_jobs
        self.progress = progress
        self.allow_prefix = (
            allow_prefix
            and _scorer_is_structure_blind(scorer)
            and not (_routing_enabled() and self.fit_params)
        )
        # Column compaction changes the estimators' shapes (n_features_in_, coef_): only
        # when they are not returned and the scorers only call their prediction methods.
        self.allow_compact = (
            self.allow_prefix
            and not return_estimator
            and _fit_params_are_per_sample(self.fit_params)
        )
        self._print_lock = threading.Lock()
        # "[CV 2/5; 3/12]" in the per-fit lines, as the searches print (cross_validate
        # prints plain "[CV]", like scikit-learn's).
        self.progress_in_messages = True
        #: Number of prefix transforms done (for tests and benchmarks).
        self.n_prefix_transforms = 0

    def _candidate(self, parameters):
        est = clone(self.base)
        if parameters is not None:
            # Clone the parameters too: they may be estimators (scikit-learn #26786).
            est.set_params(**clone(parameters, safe=False))
        return est

    def run(self, candidate_params, splits):
        """Results of every (candidate, split), candidate-major as scikit-learn's."""
        n_cand, n_splits = len(candidate_params), len(splits)
        n_tasks = n_cand * n_splits
        out = [None] * n_tasks
        if n_tasks == 0:
            return out
        # Group candidates by the stateless prefix they need (None: raw X).
        groups = {}
        for ci, parameters in enumerate(candidate_params):
            key = None
            if self.allow_prefix:
                est = self._candidate(parameters)
                k = _stateless_prefix_length(est, self.fit_params)
                if k:
                    key = _prefix_key(est, k)
            groups.setdefault(key, []).append(ci)
        progress = _Progress(n_tasks, self.progress)
        workers = n_workers(self.n_jobs, n_tasks)
        for key, cands in groups.items():
            X_group, k = self.X, 0
            if key is not None:
                k = key[0]
                prefix = self._candidate(candidate_params[cands[0]])[:k]
                try:
                    X_group = prefix.fit_transform(self.X, self.y)
                except Exception:  # noqa: BLE001
                    # Let every fit fail on its own, as in scikit-learn (error_score,
                    # FitFailedWarning, "All the fits failed").
                    X_group, k = self.X, 0
                else:
                    self.n_prefix_transforms += 1
                    if _num_samples(X_group) != _num_samples(self.X):  # not row-wise
                        X_group, k = self.X, 0
            fitted_prefix = self._fitted_prefix_plan(candidate_params, cands, k)
            tasks = [(ci, si) for si in range(n_splits) for ci in cands]
            cache = _FoldCache(
                X_group, self.y, self.X, splits, self.fit_params, self.score_params,
                {si: len(cands) for si in range(n_splits)},
            )

            def task(ci_si, k=k, cache=cache, fitted_prefix=fitted_prefix):
                return self._run_task(
                    ci_si, candidate_params, n_splits, k, cache, workers, fitted_prefix
                )

            def on_result(i, result, tasks=tasks):
                ci, si = tasks[i]
                if self.verbose > 1:
                    msg = _end_message(
                        result, candidate_params[ci], *self._progress_args(ci, si, n_cand,
                                                                           n_splits),
                        self.verbose, self.return_train_score,
                    )
                    with self._print_lock:
                        print(msg)
                progress.update()

            results = thread_map(task, tasks, workers, on_result=on_result)
            for (ci, si), result in zip(tasks, results):
                out[ci * n_splits + si] = result
            del cache, X_group
        return out

    def _progress_args(self, ci, si, n_cand, n_splits):
        if not self.progress_in_messages:
            return None, None
        return (si, n_splits), (ci, n_cand)

    def _fitted_prefix_plan(self, candidate_params, cands, k):
        """{candidate: (m, key)} for candidates sharing a fitted prefix on every split.

        Candidates whose pipelines (after the stateless prefix) start with the same
        transformers with the same parameters fit those transformers once per split.
        Only when at least two candidates share them, when the estimators are not
        returned (they would share fitted steps) and no fit parameter targets them.
        """
        if not self.allow_prefix or self.return_estimator or len(cands) < 2:
            return {}
        plans = {}
        for ci in cands:
            full = self._candidate(candidate_params[ci])
            est = full[k:] if k else full
            if type(est) is not Pipeline or getattr(est, "transform_input", None) is not None:
                return {}
            m = len(est.steps) - 1
            if m < 1:
                continue
            names = {name for name, _ in est.steps[:m]}
            if any(key.split("__", 1)[0] in names for key in self.fit_params):
                continue
            plans[ci] = (m, _prefix_key(est, m))
        counts = defaultdict(int)
        for plan in plans.values():
            counts[plan] += 1
        return {ci: plan for ci, plan in plans.items() if counts[plan] >= 2}

    def _run_task(self, ci_si, candidate_params, n_splits, k, cache, workers,
                  fitted_prefix=None):
        ci, si = ci_si
        parameters = candidate_params[ci]
        if self.verbose > 9:
            progress_msg = _progress_message(
                *self._progress_args(ci, si, len(candidate_params), n_splits), self.verbose
            )
            start_msg = f"[CV{progress_msg}] START {_params_message(parameters)}"
            with self._print_lock:
                print(f"{start_msg}{(80 - len(start_msg)) * '.'}")
        full = self._candidate(parameters)
        est = full[k:] if k else full
        saved_n_jobs = _n_jobs_params(full) if workers > 1 else {}
        if workers > 1:
            with_inner_n_jobs(est)
        plan = (fitted_prefix or {}).get(ci)
        fold = None
        if plan is not None:
            m, skey = plan
            try:
                fold = cache.acquire_transformed(si, est, m, skey, self.return_train_score)
            except Exception:  # noqa: BLE001 - the whole pipeline fails below, per fit
                fold = None
            else:
                est = est[m:]
        if fold is None:
            fold = cache.acquire(si, est)
            fold_key = None
        else:
            fold_key = plan[1]
        compacted = False
        if self.allow_compact and is_column_local(est, getattr(fold.X_train, "shape", None)):
            compact = cache.acquire_compact(si, fold, fold_key)
            if compact is not None:
                fold, compacted = compact, True
        try:
            with same_solver(est) if compacted else contextlib.nullcontext():
                result = _fit_and_score_fold(
                    est, fold, scorer=self.scorer, return_train_score=self.return_train_score,
                    error_score=self.error_score,
                )
            if self.return_estimator:
                if saved_n_jobs:
                    full.set_params(**saved_n_jobs)
                if k and result["fit_error"] is None:
                    self._fit_prefix_steps(full, k, fold.train)
                result["estimator"] = full
        finally:
            cache.release(si)
        return result

    def _fit_prefix_steps(self, full, k, train):
        """Fit the stateless steps of ``full`` on the raw training rows (as Pipeline.fit)."""
        X_train, y_train = _safe_split(full, self.X, self.y, train)
        Xt = X_train
        for j, (_name, step) in enumerate(full.steps[:k]):
            if step is None or isinstance(step, str):
                continue
            if j == k - 1:
                step.fit(Xt, y_train)
            else:
                Xt = step.fit_transform(Xt, y_train)


# ---------------------------------------------------------------------------------------
# cross_validate / cross_val_score
# ---------------------------------------------------------------------------------------

_CV_CONSTRAINTS = {
    "estimator": [HasMethods("fit")],
    "X": ["array-like", "sparse matrix"],
    "y": ["array-like", None],
    "groups": ["array-like", None],
    "scoring": [StrOptions(set(get_scorer_names())), callable, list, tuple, dict, None],
    "cv": ["cv_object"],
    "n_jobs": [NJobs(), None],
    "verbose": ["verbose"],
    "params": [dict, None],
    "pre_dispatch": [numbers.Integral, str, None],
    "return_train_score": ["boolean"],
    "return_estimator": ["boolean"],
    "return_indices": ["boolean"],
    "error_score": [StrOptions({"raise"}), numbers.Real],
    "progress": ["boolean"],
}


def _check_groups_routing_disabled(groups):
    if groups is not None and _routing_enabled():
        raise ValueError(
            "`groups` can only be passed if metadata routing is not enabled via"
            " `sklearn.set_config(enable_metadata_routing=True)`. When routing is"
            " enabled, pass `groups` alongside other metadata via the `params` argument"
            " instead."
        )


def _validate(caller, constraints, values):
    if not get_config()["skip_parameter_validation"]:
        validate_parameter_constraints(constraints, values, caller_name=caller)


def cross_validate(
    estimator,
    X,
    y=None,
    *,
    groups=None,
    scoring=None,
    cv=None,
    n_jobs=None,
    verbose=0,
    params=None,
    pre_dispatch="2*n_jobs",
    return_train_score=False,
    return_estimator=False,
    return_indices=False,
    error_score=np.nan,
    progress=False,
):
    """Evaluate metric(s) by cross-validation on threads; scikit-learn's results.

    Drop-in for :func:`sklearn.model_selection.cross_validate`: same parameters, same
    returned dict and scores. The splits run on a thread pool sharing one copy of the
    data; a stateless leading part of a pipeline (e.g. a HashingVectorizer) is
    transformed once on the whole ``X`` instead of once per split.

    Parameters
    ----------
    estimator : estimator object implementing 'fit'
        The object to use to fit the data.
    X : {array-like, sparse matrix} of shape (n_samples, n_features)
        The data to fit (a list of documents for a text pipeline).
    y : array-like of shape (n_samples,) or (n_samples, n_outputs), default=None
        The target variable.
    groups : array-like of shape (n_samples,), default=None
        Group labels for the samples, passed to the splitter (e.g. GroupKFold); only
        when metadata routing is disabled.
    scoring : str, callable, list, tuple, or dict, default=None
        As in scikit-learn: a scorer name, a callable, or several of them.
    cv : int, cross-validation generator or an iterable, default=None
        As in scikit-learn (None: 5-fold, stratified for classifiers).
    n_jobs : int, default=None
        Number of threads, fasthash's meaning: None = every usable CPU, -1 = all CPUs,
        k > 0 = k (at most the usable CPUs). Results do not depend on it.
    verbose : int, default=0
        Verbosity: > 0 prints a summary line (on stderr), > 1 one line per fit.
    params : dict, default=None
        Parameters passed to the estimator's fit (split like scikit-learn does), the
        scorer and the splitter (with metadata routing).
    pre_dispatch : int or str, default='2*n_jobs'
        Accepted for compatibility; threads need no pre-dispatch.
    return_train_score : bool, default=False
        Whether to include train scores.
    return_estimator : bool, default=False
        Whether to return the estimators fitted on each split (full pipelines).
    return_indices : bool, default=False
        Whether to return the train/test indices of each split.
    error_score : 'raise' or numeric, default=np.nan
        Value assigned to the score if fitting fails (with a FitFailedWarning), or
        'raise'.
    progress : bool, default=False
        Show a progress bar on stderr.

    Returns
    -------
    scores : dict of float arrays of shape (n_splits,)
        As scikit-learn's: ``test_<name>``, ``train_<name>``, ``fit_time``,
        ``score_time``, optionally ``estimator`` and ``indices``.

    See Also
    --------
    sklearn.model_selection.cross_validate : The scikit-learn function this replaces.

    Examples
    --------
    >>> from sklearn.datasets import load_iris
    >>> from sklearn.linear_model import LogisticRegression
    >>> from fasthash.model_selection import cross_validate
    >>> X, y = load_iris(return_X_y=True)
    >>> res = cross_validate(LogisticRegression(max_iter=1000), X, y, cv=3, n_jobs=2)
    >>> sorted(res)
    ['fit_time', 'score_time', 'test_score']
    >>> res["test_score"].round(3)
    array([0.98, 0.96, 0.98])
    """
    _validate("cross_validate", _CV_CONSTRAINTS, dict(
        estimator=estimator, X=X, y=y, groups=groups, scoring=scoring, cv=cv,
        n_jobs=n_jobs, verbose=verbose, params=params, pre_dispatch=pre_dispatch,
        return_train_score=return_train_score, return_estimator=return_estimator,
        return_indices=return_indices, error_score=error_score, progress=progress,
    ))
    _check_groups_routing_disabled(groups)
    X, y = indexable(X, y)
    params = {} if params is None else params
    cv = check_cv(cv, y, classifier=is_classifier(estimator))
    scorers = check_scoring(estimator, scoring=scoring, raise_exc=(error_score == "raise"))

    if _routing_enabled():
        router = (
            MetadataRouter(owner="cross_validate")
            .add(splitter=cv, method_mapping=MethodMapping().add(caller="fit", callee="split"))
            .add(estimator=estimator,
                 method_mapping=MethodMapping().add(caller="fit", callee="fit"))
            .add(scorer=scorers, method_mapping=MethodMapping().add(caller="fit", callee="score"))
        )
        try:
            routed_params = process_routing(router, "fit", **params)
        except UnsetMetadataPassedError as e:
            raise UnsetMetadataPassedError(
                message=str(e).replace("cross_validate.fit", "cross_validate"),
                unrequested_params=e.unrequested_params,
                routed_params=e.routed_params,
            ) from None
    else:
        routed_params = _manual_routing({
            "splitter": {"split": {"groups": groups}},
            "estimator": {"fit": params},
            "scorer": {},
        })

    indices = list(cv.split(X, y, **routed_params.splitter.split))
    start = time.time()
    evaluator = _Evaluator(
        estimator, X, y, scorer=scorers, fit_params=routed_params.estimator.fit,
        score_params=routed_params.scorer.score, return_train_score=return_train_score,
        return_estimator=return_estimator, error_score=error_score, verbose=verbose,
        n_jobs=n_jobs, progress=progress,
    )
    evaluator.progress_in_messages = False
    results = evaluator.run([None], indices)
    if verbose > 0:
        print(
            f"[fasthash.cross_validate(n_jobs={n_jobs})]: Done {len(results)} out of "
            f"{len(results)} | elapsed: {_joblib_logger.short_format_time(time.time() - start)}"
            " finished",
            file=sys.stderr,
        )

    _warn_or_raise_about_fit_failures(results, error_score)
    if callable(scoring):
        _insert_error_scores(results, error_score)
    results = _aggregate_score_dicts(results)

    ret = {"fit_time": results["fit_time"], "score_time": results["score_time"]}
    if return_estimator:
        ret["estimator"] = results["estimator"]
    if return_indices:
        ret["indices"] = {}
        ret["indices"]["train"], ret["indices"]["test"] = zip(*indices)
    test_scores_dict = _normalize_score_results(results["test_scores"])
    if return_train_score:
        train_scores_dict = _normalize_score_results(results["train_scores"])
    for name in test_scores_dict:
        ret[f"test_{name}"] = test_scores_dict[name]
        if return_train_score:
            ret[f"train_{name}"] = train_scores_dict[name]
    return ret


def cross_val_score(
    estimator,
    X,
    y=None,
    *,
    groups=None,
    scoring=None,
    cv=None,
    n_jobs=None,
    verbose=0,
    params=None,
    pre_dispatch="2*n_jobs",
    error_score=np.nan,
    progress=False,
):
    """Evaluate a score by cross-validation on threads; scikit-learn's results.

    Drop-in for :func:`sklearn.model_selection.cross_val_score` (see
    :func:`cross_validate` for how the work is shared).

    Parameters
    ----------
    estimator : estimator object implementing 'fit'
        The object to use to fit the data.
    X : {array-like, sparse matrix} of shape (n_samples, n_features)
        The data to fit.
    y : array-like of shape (n_samples,) or (n_samples, n_outputs), default=None
        The target variable.
    groups : array-like of shape (n_samples,), default=None
        Group labels for the splitter.
    scoring : str or callable, default=None
        One scorer (None: the estimator's ``score``).
    cv : int, cross-validation generator or an iterable, default=None
        As in scikit-learn.
    n_jobs : int, default=None
        Number of threads, fasthash's meaning (None = every usable CPU).
    verbose : int, default=0
        Verbosity.
    params : dict, default=None
        Parameters passed to the estimator's fit, the scorer and the splitter.
    pre_dispatch : int or str, default='2*n_jobs'
        Accepted for compatibility.
    error_score : 'raise' or numeric, default=np.nan
        Value assigned to the score if fitting fails, or 'raise'.
    progress : bool, default=False
        Show a progress bar on stderr.

    Returns
    -------
    scores : ndarray of float of shape (n_splits,)
        The score of each split.

    See Also
    --------
    sklearn.model_selection.cross_val_score : The scikit-learn function this replaces.

    Examples
    --------
    >>> from sklearn.datasets import load_iris
    >>> from sklearn.linear_model import LogisticRegression
    >>> from fasthash.model_selection import cross_val_score
    >>> X, y = load_iris(return_X_y=True)
    >>> cross_val_score(LogisticRegression(max_iter=1000), X, y, cv=3).round(3)
    array([0.98, 0.96, 0.98])
    """
    _validate("cross_val_score", {
        "scoring": [StrOptions(set(get_scorer_names())), callable, None],
    }, {"scoring": scoring})
    scorer = check_scoring(estimator, scoring=scoring)
    cv_results = cross_validate(
        estimator=estimator, X=X, y=y, groups=groups, scoring={"score": scorer}, cv=cv,
        n_jobs=n_jobs, verbose=verbose, params=params, pre_dispatch=pre_dispatch,
        error_score=error_score, progress=progress,
    )
    return cv_results["test_score"]


# ---------------------------------------------------------------------------------------
# Searches
# ---------------------------------------------------------------------------------------


class _ThreadedSearchMixin:
    """``fit`` of scikit-learn's BaseSearchCV with candidates x splits on threads."""

    # Fits sub-estimators on fasthash worker threads (see utils._parallel.private_rng).
    _fasthash_thread_pool = True

    def _fit_validate(self):
        if not get_config()["skip_parameter_validation"]:
            self._validate_params()

    def fit(self, X, y=None, **params):
        """Run fit with all sets of parameters.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            Training data (a list of documents for a text pipeline).
        y : array-like of shape (n_samples, n_output) or (n_samples,), default=None
            Target relative to X for classification or regression.
        **params : dict of str -> object
            Parameters passed to the estimator's fit, the scorer and the splitter
            (``groups``), as in scikit-learn.

        Returns
        -------
        self : object
            Instance of fitted estimator.
        """
        self._fit_validate()
        scorers, refit_metric = self._get_scorers()
        X, y = indexable(X, y)
        params = _check_method_params(X, params=params)
        routed_params = self._get_routed_params_for_fit(params)

        self._checked_cv_orig = check_cv(self.cv, y, classifier=is_classifier(self.estimator))
        self._check_input_parameters(X=X, y=y, split_params=routed_params.splitter.split)
        self.n_splits_ = self._checked_cv_orig.get_n_splits(
            X, y, **routed_params.splitter.split
        )
        base_estimator = clone(self.estimator)

        all_candidate_params = []
        all_out = []
        all_more_results = defaultdict(list)
        results = {}
        self.n_prefix_transforms_ = 0

        def evaluate_candidates(candidate_params, cv=None, more_results=None,
                                callback_ctx=None):
            nonlocal results
            cv = cv or self._checked_cv_orig
            candidate_params = list(candidate_params)
            n_candidates = len(candidate_params)
            n_splits = self.n_splits_
            cv_splits = list(cv.split(X, y, **routed_params.splitter.split))
            if len(cv_splits) != n_splits:
                raise ValueError(
                    "cv.split and cv.get_n_splits return inconsistent results. "
                    f"Expected {n_splits} splits, got {len(cv_splits)}"
                )
            if self.verbose > 0:
                print(
                    f"Fitting {n_splits} folds for each of {n_candidates} candidates,"
                    f" totalling {n_candidates * n_splits} fits"
                )
            evaluator = _Evaluator(
                base_estimator, X, y, scorer=scorers,
                fit_params=routed_params.estimator.fit,
                score_params=routed_params.scorer.score,
                return_train_score=self.return_train_score, return_estimator=False,
                error_score=self.error_score, verbose=self.verbose, n_jobs=self.n_jobs,
                progress=self.progress,
            )
            out = evaluator.run(candidate_params, cv_splits)
            self.n_prefix_transforms_ += evaluator.n_prefix_transforms
            if len(out) < 1:
                raise ValueError(
                    "No fits were performed. "
                    "Was the CV iterator empty? "
                    "Were there no candidates?"
                )
            _warn_or_raise_about_fit_failures(out, self.error_score)
            if callable(self.scoring):
                _insert_error_scores(out, self.error_score)
            all_candidate_params.extend(candidate_params)
            all_out.extend(out)
            if more_results is not None:
                for key, value in more_results.items():
                    all_more_results[key].extend(value)
            results = self._format_results(
                all_candidate_params, n_splits, all_out, all_more_results
            )
            return results

        self._run_search(evaluate_candidates)

        first_test_score = all_out[0]["test_scores"]
        self.multimetric_ = isinstance(first_test_score, dict)
        if callable(self.scoring) and self.multimetric_:
            self._check_refit_for_multimetric(first_test_score)
            refit_metric = self.refit

        if self.refit or not self.multimetric_:
            self.best_index_ = self._select_best_index(self.refit, refit_metric, results)
            if not callable(self.refit):
                self.best_score_ = results[f"mean_test_{refit_metric}"][self.best_index_]
            self.best_params_ = results["params"][self.best_index_]

        if self.refit:
            self.best_estimator_ = clone(base_estimator).set_params(
                **clone(self.best_params_, safe=False)
            )
            refit_start_time = time.time()
            if not _refit_compacted(
                self.best_estimator_, X, y, routed_params.estimator.fit,
                effective_n_jobs(self.n_jobs),
            ):
                if y is not None:
                    self.best_estimator_.fit(X, y, **routed_params.estimator.fit)
                else:
                    self.best_estimator_.fit(X, **routed_params.estimator.fit)
            self.refit_time_ = time.time() - refit_start_time
            if hasattr(self.best_estimator_, "feature_names_in_"):
                self.feature_names_in_ = self.best_estimator_.feature_names_in_

        if isinstance(scorers, _MultimetricScorer):
            self.scorer_ = scorers._scorers
        else:
            self.scorer_ = scorers
        self.cv_results_ = results
        return self


_SEARCH_EXTRA_CONSTRAINTS = {"n_jobs": [NJobs(), None], "progress": ["boolean"]}


class GridSearchCV(_ThreadedSearchMixin, _SkGridSearchCV):
    """Exhaustive search over parameter values, on threads sharing one copy of the data.

    Drop-in for :class:`sklearn.model_selection.GridSearchCV`: same parameters, same
    ``cv_results_`` (keys and scores; only the timing keys differ), ``best_params_``,
    ``best_score_``, ``best_index_`` and refit. Candidates x splits run on fasthash's
    thread pool; each split's rows are materialised once for all candidates; a stateless
    prefix of a pipeline (HashingVectorizer, FeatureHasher, ...) is transformed once on
    the whole ``X`` per distinct prefix parameters. Callbacks (scikit-learn's experimental
    ``set_callbacks``) are not called.

    Parameters
    ----------
    estimator : estimator object
        The estimator (or pipeline) to tune.
    param_grid : dict or list of dictionaries
        Parameter names (``step__param`` for pipelines) mapped to lists of values.
    scoring : str, callable, list, tuple or dict, default=None
        As in scikit-learn; several metrics need ``refit`` set to one of them (or False
        or a callable).
    n_jobs : int, default=None
        Number of threads, fasthash's meaning: None = every usable CPU, -1 = all CPUs,
        k > 0 = k (at most the usable CPUs). Results do not depend on it.
    refit : bool, str, or callable, default=True
        Refit the full estimator with the best parameters on the whole data.
    cv : int, cross-validation generator or an iterable, default=None
        As in scikit-learn.
    verbose : int
        > 0: the "Fitting ... folds" line; > 1: one line per fit; > 2: with scores.
    pre_dispatch : int or str, default='2*n_jobs'
        Accepted for compatibility; threads need no pre-dispatch.
    error_score : 'raise' or numeric, default=np.nan
        Score of a failed fit (with a FitFailedWarning), or 'raise'.
    return_train_score : bool, default=False
        Whether ``cv_results_`` includes training scores.
    progress : bool, default=False
        Show a progress bar on stderr.

    Attributes
    ----------
    cv_results_ : dict of numpy (masked) ndarrays
        As scikit-learn's.
    best_estimator_ : estimator
        The full estimator refitted on the whole data (when ``refit``).
    best_score_ : float
        Mean cross-validated score of the best candidate.
    best_params_ : dict
        Parameters of the best candidate.
    best_index_ : int
        Index of the best candidate in ``cv_results_``.
    scorer_ : function or a dict
        Scorer(s) used.
    n_splits_ : int
        Number of cross-validation splits.
    refit_time_ : float
        Seconds spent refitting.
    multimetric_ : bool
        Whether several scorers were used.
    n_prefix_transforms_ : int
        Number of times a stateless pipeline prefix was applied to the whole ``X``
        (0 when the estimator has none).

    See Also
    --------
    sklearn.model_selection.GridSearchCV : The scikit-learn class this replaces.
    RandomizedSearchCV : Search over sampled parameter settings.

    Examples
    --------
    >>> from sklearn.datasets import load_iris
    >>> from sklearn.linear_model import LogisticRegression
    >>> from fasthash.model_selection import GridSearchCV
    >>> X, y = load_iris(return_X_y=True)
    >>> search = GridSearchCV(LogisticRegression(max_iter=1000), {"C": [0.01, 1.0]},
    ...                       cv=3, n_jobs=2).fit(X, y)
    >>> search.best_params_
    {'C': 1.0}
    >>> round(float(search.best_score_), 3)
    0.973
    """

    _parameter_constraints = {**_SkGridSearchCV._parameter_constraints,
                              **_SEARCH_EXTRA_CONSTRAINTS}

    def __init__(
        self,
        estimator,
        param_grid,
        *,
        scoring=None,
        n_jobs=None,
        refit=True,
        cv=None,
        verbose=0,
        pre_dispatch="2*n_jobs",
        error_score=np.nan,
        return_train_score=False,
        progress=False,
    ):
        super().__init__(
            estimator=estimator,
            param_grid=param_grid,
            scoring=scoring,
            n_jobs=n_jobs,
            refit=refit,
            cv=cv,
            verbose=verbose,
            pre_dispatch=pre_dispatch,
            error_score=error_score,
            return_train_score=return_train_score,
        )
        self.progress = progress

    def _run_search(self, evaluate_candidates, *, callback_ctx=None):
        """Search all candidates in param_grid."""
        evaluate_candidates(ParameterGrid(self.param_grid))


class RandomizedSearchCV(_ThreadedSearchMixin, _SkRandomizedSearchCV):
    """Randomized search over parameters, on threads sharing one copy of the data.

    Drop-in for :class:`sklearn.model_selection.RandomizedSearchCV` (same candidates for
    the same ``random_state``, same results); evaluated like :class:`GridSearchCV`.

    Parameters
    ----------
    estimator : estimator object
        The estimator (or pipeline) to tune.
    param_distributions : dict or list of dicts
        Parameter names mapped to distributions (with ``rvs``) or lists of values.
    n_iter : int, default=10
        Number of parameter settings sampled.
    scoring : str, callable, list, tuple or dict, default=None
        As in scikit-learn.
    n_jobs : int, default=None
        Number of threads, fasthash's meaning (None = every usable CPU).
    refit : bool, str, or callable, default=True
        Refit the full estimator with the best parameters on the whole data.
    cv : int, cross-validation generator or an iterable, default=None
        As in scikit-learn.
    verbose : int
        As in :class:`GridSearchCV`.
    pre_dispatch : int or str, default='2*n_jobs'
        Accepted for compatibility.
    random_state : int, RandomState instance or None, default=None
        Sampling of the candidates, as in scikit-learn.
    error_score : 'raise' or numeric, default=np.nan
        Score of a failed fit, or 'raise'.
    return_train_score : bool, default=False
        Whether ``cv_results_`` includes training scores.
    progress : bool, default=False
        Show a progress bar on stderr.

    Attributes
    ----------
    cv_results_ : dict of numpy (masked) ndarrays
        As scikit-learn's.
    best_estimator_ : estimator
        The full estimator refitted on the whole data (when ``refit``).
    best_score_ : float
        Mean cross-validated score of the best candidate.
    best_params_ : dict
        Parameters of the best candidate.
    best_index_ : int
        Index of the best candidate in ``cv_results_``.
    scorer_ : function or a dict
        Scorer(s) used.
    n_splits_ : int
        Number of cross-validation splits.
    refit_time_ : float
        Seconds spent refitting.
    multimetric_ : bool
        Whether several scorers were used.
    n_prefix_transforms_ : int
        Number of times a stateless pipeline prefix was applied to the whole ``X``.

    See Also
    --------
    sklearn.model_selection.RandomizedSearchCV : The scikit-learn class this replaces.
    GridSearchCV : Exhaustive search.

    Examples
    --------
    >>> from scipy.stats import loguniform
    >>> from sklearn.datasets import load_iris
    >>> from sklearn.linear_model import LogisticRegression
    >>> from fasthash.model_selection import RandomizedSearchCV
    >>> X, y = load_iris(return_X_y=True)
    >>> search = RandomizedSearchCV(LogisticRegression(max_iter=1000),
    ...                             {"C": loguniform(1e-2, 1e2)}, n_iter=4, cv=3,
    ...                             random_state=0, n_jobs=2).fit(X, y)
    >>> len(search.cv_results_["params"])
    4
    """

    _parameter_constraints = {**_SkRandomizedSearchCV._parameter_constraints,
                              **_SEARCH_EXTRA_CONSTRAINTS}

    def __init__(
        self,
        estimator,
        param_distributions,
        *,
        n_iter=10,
        scoring=None,
        n_jobs=None,
        refit=True,
        cv=None,
        verbose=0,
        pre_dispatch="2*n_jobs",
        random_state=None,
        error_score=np.nan,
        return_train_score=False,
        progress=False,
    ):
        super().__init__(
            estimator=estimator,
            param_distributions=param_distributions,
            n_iter=n_iter,
            scoring=scoring,
            n_jobs=n_jobs,
            refit=refit,
            cv=cv,
            verbose=verbose,
            pre_dispatch=pre_dispatch,
            random_state=random_state,
            error_score=error_score,
            return_train_score=return_train_score,
        )
        self.progress = progress

    def _run_search(self, evaluate_candidates, *, callback_ctx=None):
        """Search n_iter candidates from param_distributions."""
        evaluate_candidates(
            ParameterSampler(
                self.param_distributions, self.n_iter, random_state=self.random_state
            )
        )
