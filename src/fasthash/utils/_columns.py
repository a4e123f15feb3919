# Authors: The fasthash developers
# SPDX-License-Identifier: BSD-3-Clause
"""Column compaction: fit column-local estimators on the columns their rows use.

scikit-learn's plain SGD (SGDClassifier, SGDRegressor, Perceptron and the
PassiveAggressive models) is *column-local* on a sparse X: fitting from zero weights, each
step reads and updates only the weights of the columns holding an entry of the current
sample (the dot product, the update and the L1 truncation run over the sample's entries;
L2 decay is one scalar factor; the norms it tracks come from the sample's entries; the
vector-wide operations -- rescaling by a scalar, the finiteness check -- treat every
weight alike, whatever its position). Not with ``average``: folding the weights into the
averaged ones is a BLAS axpy, whose rounding depends on a column's position in the vector
(fused multiply-add in the vectorised body, not in the tail). A column without an entry
in the training rows keeps its weight at exactly 0. Its predictions are
``X @ coef_.T + intercept_``, summed over each row's entries in order; a test entry in
such a column adds ``x * 0.0``, which changes no bit of a partial sum. So the same
estimator fitted on the training rows restricted to their columns learns bit for bit the
same weights on those columns, and predicts the same values on test rows restricted to
them.

Hashed text uses a few thousand of its 2**20 columns, and these fits spend most of their
time on per-column work (allocating, scanning and rescaling ``n_features``-long vectors for
every class and epoch): compacted, they run several times faster and in cache.

Only exact types are trusted (a subclass may do anything), only on finite CSR input (a
non-finite test entry in a dropped column would escape scikit-learn's check), and only a
fit from zero weights (a warm start from non-zero weights is not column-local: L2 decay
shrinks every weight).
"""

import numpy as np
import scipy.sparse as sp
from sklearn.linear_model import (
    PassiveAggressiveClassifier,
    PassiveAggressiveRegressor,
    Perceptron,
    SGDClassifier,
    SGDRegressor,
)
from sklearn.pipeline import Pipeline

__all__ = [
    "COLUMN_LOCAL",
    "column_map",
    "compact_for_fit",
    "expand_columns",
    "finite_csr",
    "is_column_local",
    "restrict_columns",
]

COLUMN_LOCAL = (
    SGDClassifier,
    SGDRegressor,
    Perceptron,
    PassiveAggressiveClassifier,
    PassiveAggressiveRegressor,
)
# The attributes of a fitted COLUMN_LOCAL estimator that have one entry per column (last
# axis); tests check that no other attribute depends on the number of columns.
_PER_COLUMN_ATTRIBUTES = ("coef_", "_standard_coef", "_average_coef")  # (the last two
# only exist with ``average``, never compacted: widened all the same if they appear)
# Compact only when it removes at least this fraction of the columns.
MIN_DROPPED = 0.5


def _is_passthrough(step):
    return step is None or (isinstance(step, str) and step == "passthrough")


def is_column_local(estimator):
    """Whether ``estimator`` -- or a Pipeline of passthrough steps ending with it -- is one
    of the exact types of :data:`COLUMN_LOCAL`."""
    if type(estimator) is Pipeline:
        if getattr(estimator, "transform_input", None) is not None:
            return False
        *head, (_name, last) = estimator.steps
        if not all(_is_passthrough(step) for _, step in head):
            return False
        estimator = last
    if type(estimator) not in COLUMN_LOCAL:
        return False
    # Averaged SGD folds the weights into the averaged ones with a BLAS axpy over every
    # column, whose rounding (FMA in the vector body, none in the tail) depends on a
    # column's position: not column-local.
    return not estimator.get_params(deep=False).get("average", False)


def finite_csr(X):
    """Whether ``X`` is a 2-D CSR matrix or array of numbers, all finite."""
    return (
        sp.issparse(X)
        and X.format == "csr"
        and X.ndim == 2
        and X.dtype.kind in "biuf"
        and (X.dtype.kind != "f" or bool(np.isfinite(X.data).all()))
    )


def column_map(X, min_dropped=MIN_DROPPED):
    """``(remap, used)`` for the columns holding an entry of CSR ``X``, or None.

    ``used`` lists those columns in increasing order; ``remap[j]`` is column ``j``'s new
    number, ``-1`` for the others. None when fewer than ``min_dropped`` of the columns
    would be dropped.
    """
    n_features = X.shape[1]
    if n_features == 0:
        return None
    mask = np.zeros(n_features, dtype=bool)
    mask[X.indices] = True
    used = np.flatnonzero(mask)
    if len(used) > (1 - min_dropped) * n_features:
        return None
    remap = np.full(n_features, -1, dtype=X.indices.dtype)
    remap[used] = np.arange(len(used), dtype=remap.dtype)
    return remap, used


def restrict_columns(X, remap, n_kept):
    """CSR ``X`` restricted to the columns with ``remap >= 0``, renumbered by ``remap``.

    Entries keep their order within each row (the renumbering is increasing), so a sum
    over a row's entries adds the same terms in the same order. Arrays are shared with
    ``X`` where nothing is dropped.
    """
    cols = remap[X.indices]
    keep = cols >= 0
    if keep.all():
        data, indices, indptr = X.data, cols, X.indptr
    else:
        kept_before = np.concatenate(([0], np.cumsum(keep, dtype=np.int64)))
        indptr = kept_before[X.indptr].astype(X.indptr.dtype, copy=False)
        data, indices = X.data[keep], cols[keep]
    return type(X)((data, indices, indptr), shape=(X.shape[0], n_kept), copy=False)


def expand_columns(estimator, used, n_features):
    """Give a COLUMN_LOCAL ``estimator`` fitted on columns ``used`` its full width.

    Its per-column attributes get ``n_features`` columns (zeros outside ``used``) and
    ``n_features_in_`` is set: the estimator is then what fitting on all the columns would
    have given.
    """
    for attr in _PER_COLUMN_ATTRIBUTES:
        value = getattr(estimator, attr, None)
        if value is None:
            continue
        full = np.zeros(value.shape[:-1] + (n_features,), dtype=value.dtype)
        full[..., used] = value
        setattr(estimator, attr, full)
    estimator.n_features_in_ = n_features
    return estimator


def compact_for_fit(estimator, X):
    """``(X restricted to its columns, used)`` to fit a fresh ``estimator`` on, or None.

    None unless ``estimator`` is column-local (:func:`is_column_local`), ``X`` is finite
    CSR and compaction drops enough columns. Fit on the first element, then call
    :func:`expand_columns` with ``used`` and ``X.shape[1]``.
    """
    if not is_column_local(estimator) or not finite_csr(X):
        return None
    found = column_map(X)
    if found is None:
        return None
    remap, used = found
    return restrict_columns(X, remap, len(used)), used
