# Authors: The fasthash developers
# SPDX-License-Identifier: BSD-3-Clause
"""The only place fasthash touches scikit-learn's private API (kept small on purpose)."""

from numbers import Integral

from sklearn.utils._param_validation import (
    Interval,
    InvalidParameterError,
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
    "InvalidParameterError",
    "NJobs",
    "align_api_if_sparse",
    "validate_parameter_constraints",
]
