# Authors: The fasthash developers
# SPDX-License-Identifier: BSD-3-Clause
"""The only place fasthash touches scikit-learn's private API (kept small on purpose)."""

from sklearn.utils._param_validation import (
    InvalidParameterError,
    validate_parameter_constraints,
)

try:  # scikit-learn >= 1.9: output container follows the `sparse_interface` config
    from sklearn.utils._sparse import _align_api_if_sparse as align_api_if_sparse
except ImportError:  # pragma: no cover - older scikit-learn returns csr_matrix
    def align_api_if_sparse(X):
        import scipy.sparse as sp

        return sp.csr_matrix(X) if not sp.isspmatrix(X) else X

__all__ = ["InvalidParameterError", "align_api_if_sparse", "validate_parameter_constraints"]
