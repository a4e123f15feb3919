# Authors: The fasthash developers
# SPDX-License-Identifier: BSD-3-Clause
"""cross_validate and cross_val_score: scikit-learn's, on threads, data shared.

Each calls scikit-learn's own function (so the returned scores, messages, warnings,
``error_score`` handling and metadata routing are the installed scikit-learn's) under
``joblib.parallel_config(backend="threading")`` with fasthash's ``n_jobs``, and, when it
can (:func:`~fasthash.model_selection._fold.can_share_rows`), gives it the row numbers of
one shared copy of the data and an estimator standing for the user's
(:mod:`fasthash.model_selection._fold`).
"""

import numbers

import numpy as np
from joblib import parallel_config
from sklearn import get_config
from sklearn.base import is_classifier
from sklearn.model_selection import check_cv
from sklearn.model_selection import cross_val_score as _sk_cross_val_score
from sklearn.model_selection import cross_validate as _sk_cross_validate
from threadpoolctl import threadpool_limits

from fasthash.model_selection._fold import (
    RowsEstimator,
    SharedRows,
    can_share_rows,
    count_splits,
    draws_from_shared_rng,
)
from fasthash.utils._sklearn_compat import (
    HasMethods,
    NJobs,
    check_sklearn_selects_rows,
    num_samples,
    validate_parameter_constraints,
)
from fasthash.utils._threads import effective_n_jobs

__all__ = ["cross_val_score", "cross_validate"]

# The parameters fasthash reads or replaces before scikit-learn's function sees them;
# scikit-learn validates the others itself.
_CONSTRAINTS = {
    "estimator": [HasMethods("fit")],
    "X": ["array-like", "sparse matrix"],
    "n_jobs": [NJobs(), None],
    "progress": ["boolean"],
}


def _run(sk_function, caller, estimator, X, y, *, groups, scoring, cv, n_jobs, params,
         progress, return_estimator=False, **kwargs):
    """``sk_function(estimator, X, y, ...)`` on threads, on shared rows when it can."""
    if not get_config()["skip_parameter_validation"]:
        validate_parameter_constraints(
            _CONSTRAINTS,
            {"estimator": estimator, "X": X, "n_jobs": n_jobs, "progress": progress},
            caller_name=caller,
        )
    workers = effective_n_jobs(n_jobs, caller)
    if return_estimator:
        kwargs["return_estimator"] = True
    if not (hasattr(cv, "split") or cv is None or isinstance(cv, numbers.Integral)):
        # An iterable of splits (maybe a generator): read it once, as scikit-learn does.
        cv = check_cv(cv, y, classifier=is_classifier(estimator))
    common = dict(groups=groups, scoring=scoring, cv=cv, params=params, **kwargs)
    if not can_share_rows(estimator, scoring, cv):
        check_sklearn_selects_rows(X, caller)
        if draws_from_shared_rng(estimator):
            workers = 1
        with parallel_config(backend="threading"), \
                threadpool_limits(limits=1, user_api="blas"):
            return sk_function(estimator, X, y, n_jobs=workers, **common)

    routed = bool(get_config().get("enable_metadata_routing", False)) and bool(params)
    shared = SharedRows(
        X, y, estimator, n_workers=workers,
        fit_param_names=set(params or ()) - {"groups"},
        hoist=not routed, compact=not routed, keep_full=return_estimator,
    )
    rows = np.arange(num_samples(X))
    try:
        with shared.progress(progress, caller), parallel_config(backend="threading"), \
                threadpool_limits(limits=1, user_api="blas"):
            shared.plan([None], count_splits(cv, estimator, rows, y, groups, params))
            result = sk_function(RowsEstimator(estimator, shared), rows, y,
                                 n_jobs=workers, **common)
    finally:
        shared.close()
    if return_estimator:
        result["estimator"] = [proxy.estimator for proxy in result["estimator"]]
    return result


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
    """Evaluate metric(s) by cross-validation on threads sharing one copy of the data.

    scikit-learn's :func:`~sklearn.model_selection.cross_validate` -- same parameters,
    the same returned dict and scores -- with the fits on threads: the leading stateless
    steps of a pipeline (e.g. a HashingVectorizer) run once on the whole ``X`` instead of
    once per split, and each split reads its rows from that one matrix.

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
        Number of threads: None = every usable CPU, -1 = all CPUs, k > 0 = k (at most
        the usable CPUs). Results do not depend on it.
    verbose : int, default=0
        As in scikit-learn: > 1 one line per fit.
    params : dict, default=None
        Parameters passed to the estimator's fit, the scorer and the splitter.
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
        Show a progress bar of the fits on stderr (``tqdm``; a widget in notebooks).

    Returns
    -------
    scores : dict of float arrays of shape (n_splits,)
        As scikit-learn's: ``test_<name>``, ``train_<name>``, ``fit_time``,
        ``score_time``, optionally ``estimator`` and ``indices``.

    See Also
    --------
    sklearn.model_selection.cross_validate : The scikit-learn function this runs.

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
    return _run(
        _sk_cross_validate, "cross_validate", estimator, X, y, groups=groups,
        scoring=scoring, cv=cv, n_jobs=n_jobs, params=params, progress=progress,
        return_estimator=return_estimator, verbose=verbose, pre_dispatch=pre_dispatch,
        return_train_score=return_train_score, return_indices=return_indices,
        error_score=error_score,
    )


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
    """Evaluate a score by cross-validation on threads sharing one copy of the data.

    scikit-learn's :func:`~sklearn.model_selection.cross_val_score`, run like
    :func:`cross_validate`.

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
        Number of threads (None = every usable CPU). Results do not depend on it.
    verbose : int, default=0
        Verbosity.
    params : dict, default=None
        Parameters passed to the estimator's fit, the scorer and the splitter.
    pre_dispatch : int or str, default='2*n_jobs'
        Accepted for compatibility.
    error_score : 'raise' or numeric, default=np.nan
        Value assigned to the score if fitting fails, or 'raise'.
    progress : bool, default=False
        Show a progress bar of the fits on stderr (``tqdm``; a widget in notebooks).

    Returns
    -------
    scores : ndarray of float of shape (n_splits,)
        The score of each split.

    See Also
    --------
    sklearn.model_selection.cross_val_score : The scikit-learn function this runs.

    Examples
    --------
    >>> from sklearn.datasets import load_iris
    >>> from sklearn.linear_model import LogisticRegression
    >>> from fasthash.model_selection import cross_val_score
    >>> X, y = load_iris(return_X_y=True)
    >>> cross_val_score(LogisticRegression(max_iter=1000), X, y, cv=3).round(3)
    array([0.98, 0.96, 0.98])
    """
    return _run(
        _sk_cross_val_score, "cross_val_score", estimator, X, y, groups=groups,
        scoring=scoring, cv=cv, n_jobs=n_jobs, params=params, progress=progress,
        verbose=verbose, pre_dispatch=pre_dispatch, error_score=error_score,
    )
