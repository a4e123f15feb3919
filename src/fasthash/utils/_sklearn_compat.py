# Authors: The fasthash developers
# SPDX-License-Identifier: BSD-3-Clause
"""The only place fasthash imports scikit-learn's private API (kept small on purpose).

Parameter validation (``InvalidParameterError``, constraints), the output container of
``sparse_interface``, and for :mod:`fasthash.model_selection` the scoring, error and
aggregation helpers of scikit-learn's own cross-validation (so results are identical),
metadata-routing switches and pairwise-aware row selection. fasthash.model_selection's
searches also inherit private methods of ``BaseSearchCV`` (``_get_scorers``,
``_format_results``, ``_select_best_index``, ...): as version-dependent as these imports.
"""

from numbers import Integral

from sklearn.metrics._scorer import (  # is a scorer one that only calls response methods?
    _BaseScorer,
    _MultimetricScorer,
    _PassthroughScorer,
)
from sklearn.model_selection._validation import (  # scoring, errors and aggregation of CV
    _aggregate_score_dicts,
    _insert_error_scores,
    _normalize_score_results,
    _score,
    _warn_or_raise_about_fit_failures,
)
from sklearn.utils._param_validation import (
    HasMethods,
    Interval,
    InvalidParameterError,
    StrOptions,
    validate_parameter_constraints,
)
from sklearn.utils.metadata_routing import _routing_enabled

try:  # scikit-learn >= 1.9.1; model_selection uses it only when routing is enabled
    from sklearn.utils.metadata_routing import _manual_routing
except ImportError:  # pragma: no cover - older scikit-learn
    _manual_routing = None
from sklearn.utils.metaestimators import _safe_split  # pairwise-aware row selection
from sklearn.utils.validation import _check_method_params, _num_samples

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
    "_BaseScorer",
    "_MultimetricScorer",
    "_PassthroughScorer",
    "_aggregate_score_dicts",
    "_check_method_params",
    "_insert_error_scores",
    "_manual_routing",
    "_normalize_score_results",
    "_num_samples",
    "_routing_enabled",
    "_safe_split",
    "_score",
    "_warn_or_raise_about_fit_failures",
    "InvalidParameterError",
    "NJobs",
    "align_api_if_sparse",
    "validate_parameter_constraints",
]
