# Authors: The fasthash developers
# SPDX-License-Identifier: BSD-3-Clause
"""The only place fasthash imports scikit-learn's private API (kept small on purpose).

Parameter validation (``InvalidParameterError``, constraints), the output container of
``sparse_interface``, and (in the last section) what :mod:`fasthash.model_selection`
assumes of scikit-learn's searches and scorers.
"""

from numbers import Integral

from sklearn.utils._param_validation import (
    HasMethods,
    Interval,
    InvalidParameterError,
    StrOptions,
    validate_parameter_constraints,
)
try:  # scikit-learn >= 1.9: output container follows the `sparse_interface` config
    from sklearn.utils._sparse import _align_api_if_sparse as align_api_if_sparse
except ImportError:  # pragma: no cover - older scikit-learn returns csr_matrix
    def align_api_if_sparse(X):
        import scipy.sparse as sp

        return sp.csr_matrix(X) if not sp.isspmatrix(X) else X



class NJobs(Interval):
    """Parameter constraint of fasthash's ``n_jobs``: a nonzero int, not a bool.

    Used as ``[NJobs(), None]`` in ``_parameter_constraints`` so that ``fit`` rejects
    what :func:`fasthash.utils._threads.effective_n_jobs` rejects (0, True, False), with
    scikit-learn's ``InvalidParameterError`` message. (An ``Interval`` subclass because
    scikit-learn's validation accepts only its own constraint classes.)
    """

    def __init__(self):
        super().__init__(Integral, None, None, closed="neither")

    def is_satisfied_by(self, val):
        if val is None:
            return True
        return isinstance(val, Integral) and not isinstance(val, bool) and int(val) != 0

    def __str__(self):
        return "an int other than 0 (not a bool)"


__all__ = [
    "HasMethods",
    "StrOptions",
    "InvalidParameterError",
    "NJobs",
    "align_api_if_sparse",
    "validate_parameter_constraints",
]


# ---- model_selection ----
# What fasthash.model_selection assumes of scikit-learn beyond its public API. Checked
# against scikit-learn 1.6.1, 1.7.2, 1.8.0, 1.9.0 and 1.9.1; each assumption has a test in
# tests/compat/test_sklearn_private_api.py (section "model_selection"), which is where a
# new scikit-learn fails first. When an assumption of the searches does not hold
# (missing_search_hooks), the searches run scikit-learn's own code on threads instead.

import inspect as _inspect

from sklearn.metrics._scorer import _BaseScorer as _SkBaseScorer
from sklearn.utils import _safe_indexing  # documented in scikit-learn's API reference
from sklearn.utils.validation import _num_samples

#: scikit-learn versions the accessors of this section were checked against.
MODEL_SELECTION_CHECKED_VERSIONS = ("1.6.1", "1.7.2", "1.8.0", "1.9.0", "1.9.1")


def num_samples(X):
    """Number of rows of ``X`` as scikit-learn counts them (lists, arrays, sparse, frames).

    ``sklearn.utils.validation._num_samples``; checked with 1.6.1 to 1.9.1.
    """
    return _num_samples(X)


def safe_indexing(X, indices):
    """Rows ``indices`` of ``X``, as scikit-learn's cross-validation selects them.

    ``sklearn.utils._safe_indexing`` (listed in scikit-learn's API reference despite its
    underscore); checked with 1.6.1 to 1.9.1.
    """
    return _safe_indexing(X, indices)


def is_sklearn_scorer(obj):
    """Whether ``obj`` is a scorer made by scikit-learn (``get_scorer``, ``make_scorer``).

    Such a scorer only calls the estimator's public prediction and ``score`` methods on
    the rows it is given (never looks inside the estimator). Instances of
    ``sklearn.metrics._scorer._BaseScorer``; checked with 1.6.1 to 1.9.1.
    """
    return isinstance(obj, _SkBaseScorer)


def has_callbacks(estimator):
    """Whether ``estimator`` or one of its sub-estimators has callbacks registered.

    scikit-learn >= 1.9 stores the callbacks of ``set_callbacks`` in ``_skl_callbacks``;
    older versions have no callbacks (always False). Checked with 1.6.1 to 1.9.1.
    """
    parts = [estimator]
    if hasattr(estimator, "get_params") and not _inspect.isclass(estimator):
        try:
            parts.extend(estimator.get_params(deep=True).values())
        except Exception:  # noqa: BLE001 - get_params without deep
            pass
    return any(bool(getattr(p, "_skl_callbacks", None)) for p in parts)


def _run_search_parameters(cls):
    run_search = getattr(cls, "_run_search", None)
    if run_search is None:
        return None
    try:
        return tuple(_inspect.signature(run_search).parameters)
    except (TypeError, ValueError):
        return None


def run_search_takes_callback_ctx(cls):
    """Whether ``cls._run_search`` takes scikit-learn 1.9's ``callback_ctx`` keyword."""
    return "callback_ctx" in (_run_search_parameters(cls) or ())


def missing_search_hooks(search_cls):
    """What the thread-shared evaluation of ``search_cls`` needs and does not find.

    ``search_cls`` is scikit-learn's GridSearchCV or RandomizedSearchCV. fasthash's
    searches rely on the extension point that ``BaseSearchCV`` documents for subclasses:
    ``fit`` calls ``self._run_search(evaluate_candidates)`` once (with
    ``callback_ctx=...`` from 1.9), then refits with ``clone(estimator)`` and
    ``set_params(**best_params_)``; ``evaluate_candidates(candidate_params)`` evaluates
    every candidate on every split with ``clone``, ``set_params``, ``fit(X[train],
    y[train], **params)`` and the scorer on ``X[test]``. Checked with 1.6.1 to 1.9.1.

    Returns
    -------
    list of str
        The names of what is missing or changed (empty: all there).
    """
    from sklearn.model_selection._search import BaseSearchCV

    missing = []
    base = _run_search_parameters(BaseSearchCV)
    if base not in (("self", "evaluate_candidates"),
                    ("self", "evaluate_candidates", "callback_ctx")):
        missing.append("BaseSearchCV._run_search(evaluate_candidates)")
    if _run_search_parameters(search_cls) != base:
        missing.append(f"{search_cls.__name__}._run_search(evaluate_candidates)")
    return missing


__all__ += [
    "MODEL_SELECTION_CHECKED_VERSIONS",
    "has_callbacks",
    "is_sklearn_scorer",
    "missing_search_hooks",
    "num_samples",
    "run_search_takes_callback_ctx",
    "safe_indexing",
]
