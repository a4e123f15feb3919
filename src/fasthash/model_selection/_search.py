# Authors: The fasthash developers
# SPDX-License-Identifier: BSD-3-Clause
"""GridSearchCV and RandomizedSearchCV: scikit-learn's searches on threads, data shared.

The searches are scikit-learn's: ``fit`` is ``BaseSearchCV.fit`` (candidates, splits,
scoring, ``cv_results_``, ``best_*``, refit, messages, warnings, metadata routing and
callbacks all come from the installed scikit-learn). fasthash changes what it is given:

- the work runs on threads (``joblib.parallel_config(backend="threading")``) with
  fasthash's ``n_jobs`` (None = every usable CPU);
- through the extension point ``_run_search`` that ``BaseSearchCV`` documents for
  subclasses, the evaluation sees the row numbers of one shared copy of the data and an
  estimator standing for the user's (:mod:`fasthash.model_selection._fold`): a stateless
  pipeline prefix is applied once, column-local fits are compacted; after it, the refit is
  the user's estimator on the user's ``X``.

When the installed scikit-learn lacks what this relies on
(:func:`fasthash.utils._sklearn_compat.missing_search_hooks`), or the search cannot share
rows (a user-function scorer, callbacks, a pairwise estimator, a splitter of another
library), ``fit`` is scikit-learn's on threads with nothing shared: the same results.
"""

import contextlib
import warnings

import numpy as np
import sklearn
from joblib import parallel_config
from sklearn import get_config
from sklearn.metrics import check_scoring
from sklearn.model_selection import GridSearchCV as _SkGridSearchCV
from sklearn.model_selection import RandomizedSearchCV as _SkRandomizedSearchCV
from sklearn.utils import indexable
from threadpoolctl import threadpool_limits

from fasthash.model_selection._fold import (
    RowsEstimator,
    SharedRows,
    can_share_rows,
    count_splits,
    draws_from_shared_rng,
)
from fasthash.utils._sklearn_compat import (
    NJobs,
    check_sklearn_selects_rows,
    has_callbacks,
    missing_search_hooks,
    num_samples,
    parameter_constraints,
    run_search_takes_callback_ctx,
    validate_parameter_constraints,
)
from fasthash.utils._threads import effective_n_jobs

__all__ = ["GridSearchCV", "RandomizedSearchCV"]

_EXTRA_CONSTRAINTS = {"n_jobs": [NJobs(), None], "progress": ["boolean"]}


@contextlib.contextmanager
def _standing_in(search, **values):
    """Set parameters of ``search`` for the duration of its ``fit``, then restore them."""
    saved = {name: getattr(search, name) for name in values}
    for name, value in values.items():
        setattr(search, name, value)
    try:
        yield
    finally:
        for name, value in saved.items():
            setattr(search, name, value)


def _routing_enabled():
    return bool(get_config().get("enable_metadata_routing", False))


class _SharedDataSearchMixin:
    """``fit`` of scikit-learn's search on threads, its evaluation on shared rows."""

    # Fits sub-estimators on fasthash worker threads (see utils._parallel.private_rng).
    _fasthash_thread_pool = True

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
        if not get_config()["skip_parameter_validation"]:
            validate_parameter_constraints(
                self._parameter_constraints, self.get_params(deep=False),
                caller_name=type(self).__name__,
            )
        workers = effective_n_jobs(self.n_jobs, type(self).__name__)
        self.n_prefix_transforms_ = 0
        missing = missing_search_hooks(self._sklearn_search)
        if missing:
            warnings.warn(
                f"{type(self).__name__}: scikit-learn {sklearn.__version__} lacks what "
                f"fasthash's shared-data evaluation relies on ({', '.join(missing)}); "
                "running scikit-learn's own search on threads instead (same results, "
                "without the shared prefix, compaction or progress bar).",
                UserWarning,
                stacklevel=2,
            )
        if missing or not can_share_rows(self.estimator, self.scoring, self.cv) \
                or has_callbacks(self):
            check_sklearn_selects_rows(X, type(self).__name__)
            if draws_from_shared_rng(self.estimator):
                workers = 1
            with parallel_config(backend="threading"), \
                    _standing_in(self, n_jobs=workers):
                return super().fit(X, y, **params)

        X, y = indexable(X, y)
        routed_params = _routing_enabled() and bool(params)
        shared = SharedRows(
            X, y, self.estimator, n_workers=workers,
            fit_param_names=set(params) - {"groups"},
            hoist=not routed_params, compact=not routed_params,
        )
        proxy = RowsEstimator(self.estimator, shared)
        rows = np.arange(num_samples(X))
        self._fasthash_shared = shared
        self._fasthash_n_splits = count_splits(self.cv, self.estimator, rows, y,
                                               params=params)
        try:
            with shared.progress(self.progress, type(self).__name__), \
                    parallel_config(backend="threading"), \
                    _standing_in(self, estimator=proxy, n_jobs=workers):
                super().fit(rows, y, **params)
        finally:
            del self._fasthash_shared, self._fasthash_n_splits
            self.n_prefix_transforms_ = shared.n_prefix_transforms
            shared.close()
        if hasattr(self, "best_estimator_"):
            self.best_estimator_ = self.best_estimator_.estimator
        if self.scoring is None:  # scikit-learn's scorer_ calls the stand-in's score
            self.scorer_ = check_scoring(self.estimator, scoring=None)
        return self

    def _run_search(self, evaluate_candidates, *, callback_ctx=None):
        """Run scikit-learn's search, its evaluations on the shared rows."""
        kwargs = (
            {"callback_ctx": callback_ctx}
            if run_search_takes_callback_ctx(self._sklearn_search) else {}
        )
        shared = getattr(self, "_fasthash_shared", None)
        if shared is None:
            return super()._run_search(evaluate_candidates, **kwargs)

        def evaluate(candidate_params, cv=None, more_results=None, **kw):
            candidate_params = list(candidate_params)
            shared.plan(candidate_params, self._fasthash_n_splits)
            # One BLAS thread for every fit (with one worker too): a BLAS reduction's
            # rounding depends on its thread count, the scores would depend on n_jobs.
            with threadpool_limits(limits=1, user_api="blas"):
                return evaluate_candidates(
                    candidate_params, cv=cv, more_results=more_results, **kw
                )

        try:
            return super()._run_search(evaluate, **kwargs)
        finally:
            shared.start_refit()


class GridSearchCV(_SharedDataSearchMixin, _SkGridSearchCV):
    """Exhaustive search over parameter values, on threads sharing one copy of the data.

    scikit-learn's :class:`~sklearn.model_selection.GridSearchCV` -- same parameters, and
    its own ``fit``, so the same ``cv_results_`` (scores; only the timings differ),
    ``best_params_``, ``best_score_``, ``best_index_``, refit, messages, warnings,
    metadata routing and callbacks -- with the fits on threads sharing the data: the
    leading stateless steps of a pipeline (HashingVectorizer, FeatureHasher, Normalizer,
    ...) run once on the whole ``X`` per distinct setting of their parameters, each fit
    reads its rows from that one matrix, and scikit-learn's plain SGD models and dual
    LinearSVC on hashed text are fitted on the columns their training rows use (the same
    scores, bit for bit).

    Parameters
    ----------
    estimator : estimator object
        The estimator (or pipeline) to tune.
    param_grid : dict or list of dictionaries
        Parameter names (``step__param`` for pipelines) mapped to lists of values.
    scoring : str, callable, list, tuple or dict, default=None
        As in scikit-learn; several metrics need ``refit`` set to one of them (or False
        or a callable). A user function as scorer receives the user's estimator; the
        search then shares nothing but the threads.
    n_jobs : int, default=None
        Number of threads: None = every usable CPU, -1 = all CPUs, k > 0 = k (at most
        the usable CPUs). Results do not depend on it.
    refit : bool, str, or callable, default=True
        Refit the full estimator with the best parameters on the whole data.
    cv : int, cross-validation generator or an iterable, default=None
        As in scikit-learn.
    verbose : int
        As in scikit-learn: > 0 the "Fitting ... folds" line; > 1 one line per fit;
        > 2 with scores.
    pre_dispatch : int or str, default='2*n_jobs'
        Accepted for compatibility; threads need no pre-dispatch.
    error_score : 'raise' or numeric, default=np.nan
        Score of a failed fit (with a FitFailedWarning), or 'raise'.
    return_train_score : bool, default=False
        Whether ``cv_results_`` includes training scores.
    progress : bool, default=False
        Show a progress bar of the fits on stderr (``tqdm``; a widget in notebooks).

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
    sklearn.model_selection.GridSearchCV : The scikit-learn class this runs.
    RandomizedSearchCV : Search over sampled parameter settings.

    Examples
    --------
    >>> from sklearn.linear_model import SGDClassifier
    >>> from sklearn.pipeline import make_pipeline
    >>> from fasthash import HashingVectorizer
    >>> from fasthash.model_selection import GridSearchCV
    >>> docs = ["good movie", "bad film", "great plot", "awful acting"] * 10
    >>> labels = [1, 0, 1, 0] * 10
    >>> pipe = make_pipeline(HashingVectorizer(), SGDClassifier(random_state=0))
    >>> search = GridSearchCV(pipe, {"sgdclassifier__alpha": [1e-4, 1e-2]}, cv=3,
    ...                       n_jobs=2).fit(docs, labels)
    >>> search.best_params_
    {'sgdclassifier__alpha': 0.0001}
    >>> float(search.best_score_)
    1.0
    >>> search.n_prefix_transforms_  # the documents were hashed once
    1
    """

    _sklearn_search = _SkGridSearchCV
    _parameter_constraints = {**parameter_constraints(_SkGridSearchCV),
                              **_EXTRA_CONSTRAINTS}

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


class RandomizedSearchCV(_SharedDataSearchMixin, _SkRandomizedSearchCV):
    """Randomized search over parameters, on threads sharing one copy of the data.

    scikit-learn's :class:`~sklearn.model_selection.RandomizedSearchCV` (the same
    candidates for the same ``random_state``, the same results), evaluated like
    :class:`GridSearchCV`.

    Parameters
    ----------
    estimator : estimator object
        The estimator (or pipeline) to tune.
    param_distributions : dict or list of dicts
        Parameter names mapped to distributions (with ``rvs``) or lists of values.
    n_iter : int, default=10
        Number of parameter settings sampled.
    scoring : str, callable, list, tuple or dict, default=None
        As in scikit-learn (see :class:`GridSearchCV`).
    n_jobs : int, default=None
        Number of threads (None = every usable CPU). Results do not depend on it.
    refit : bool, str, or callable, default=True
        Refit the full estimator with the best parameters on the whole data.
    cv : int, cross-validation generator or an iterable, default=None
        As in scikit-learn.
    verbose : int
        As in scikit-learn.
    pre_dispatch : int or str, default='2*n_jobs'
        Accepted for compatibility.
    random_state : int, RandomState instance or None, default=None
        Sampling of the candidates, as in scikit-learn.
    error_score : 'raise' or numeric, default=np.nan
        Score of a failed fit, or 'raise'.
    return_train_score : bool, default=False
        Whether ``cv_results_`` includes training scores.
    progress : bool, default=False
        Show a progress bar of the fits on stderr (``tqdm``; a widget in notebooks).

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
    sklearn.model_selection.RandomizedSearchCV : The scikit-learn class this runs.
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

    _sklearn_search = _SkRandomizedSearchCV
    _parameter_constraints = {**parameter_constraints(_SkRandomizedSearchCV),
                              **_EXTRA_CONSTRAINTS}

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
