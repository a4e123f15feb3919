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

LinearSVC and LinearSVR are column-local too when liblinear runs one of its *dual*
solvers (coordinate descent over the samples, or Crammer-Singer's over samples and
classes): the weights start at 0 and move only by ``w += d * x_i`` over a sample's
entries; the coordinate order is drawn from the number of samples; every quantity the
solver reads (``w . x_i``, ``||x_i||**2``, the bias feature appended to each row) is a sum
over a sample's entries in order. Its primal solvers are not (TRON's BLAS reductions run
over the whole weight vector; the L1 solvers draw a random order of the columns). The
choice ``dual="auto"`` makes depends on the number of columns (dual when there are more
columns than samples), so a compacted fit pins ``dual`` to what the full width resolves
to (:func:`same_solver`); scikit-learn stores no trace of that choice.
"""

import contextlib

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
from sklearn.svm import LinearSVC, LinearSVR

from fasthash.utils._sklearn_compat import LIBLINEAR_DUAL_SOLVERS, liblinear_solver_type

__all__ = [
    "COLUMN_LOCAL",
    "column_map",
    "compact_for_fit",
    "expand_columns",
    "finite_csr",
    "is_column_local",
    "may_be_column_local",
    "restrict_columns",
    "same_solver",
]

COLUMN_LOCAL = (
    SGDClassifier,
    SGDRegressor,
    Perceptron,
    PassiveAggressiveClassifier,
    PassiveAggressiveRegressor,
)
# Column-local when liblinear runs a dual solver (see the module docstring).
LIBLINEAR_DUAL = (LinearSVC, LinearSVR)
# The attributes of a fitted column-local estimator that have one entry per column (last
# axis); tests check that no other attribute depends on the number of columns. (Averaged
# SGD, whose private state has per-column arrays too, is never column-local.)
_PER_COLUMN_ATTRIBUTES = ("coef_",)
# Compact only when it removes at least this fraction of the columns.
MIN_DROPPED = 0.5


def _is_passthrough(step):
    return step is None or (isinstance(step, str) and step == "passthrough")


def _final_step(estimator):
    """``estimator``, or the last step of a Pipeline of passthrough steps; None otherwise."""
    if type(estimator) is Pipeline:
        if getattr(estimator, "transform_input", None) is not None:
            return None
        *head, (_name, last) = estimator.steps
        if not all(_is_passthrough(step) for _, step in head):
            return None
        return last
    return estimator


def _liblinear_solver(estimator, shape):
    """The liblinear solver number a LinearSVC/LinearSVR fit on X of ``shape`` runs, or
    None when it cannot be told (invalid parameters: the fit raises either way)."""
    p = estimator.get_params(deep=False)
    if type(estimator) is LinearSVC:
        multi_class, penalty = p.get("multi_class"), p.get("penalty")
    else:
        multi_class, penalty = "ovr", "l2"  # as LinearSVR.fit passes them
    if "dual" not in p or "loss" not in p:
        return None
    return liblinear_solver_type(multi_class, penalty, p["loss"], p["dual"], shape)


def is_column_local(estimator, shape=None):
    """Whether ``estimator`` -- or a Pipeline of passthrough steps ending with it -- fits
    column-locally: one of the exact types of :data:`COLUMN_LOCAL`, or of
    :data:`LIBLINEAR_DUAL` running a dual solver on training data of ``shape`` (never
    without ``shape``)."""
    estimator = _final_step(estimator)
    if type(estimator) in LIBLINEAR_DUAL:
        return shape is not None and _liblinear_solver(estimator, shape) in LIBLINEAR_DUAL_SOLVERS
    if type(estimator) not in COLUMN_LOCAL:
        return False
    # Averaged SGD folds the weights into the averaged ones with a BLAS axpy over every
    # column, whose rounding (FMA in the vector body, none in the tail) depends on a
    # column's position: not column-local.
    return not estimator.get_params(deep=False).get("average", False)


def may_be_column_local(estimator):
    """Whether :func:`is_column_local` can hold for ``estimator`` on some training data."""
    return is_column_local(estimator) or type(_final_step(estimator)) in LIBLINEAR_DUAL


@contextlib.contextmanager
def same_solver(estimator):
    """Fit a column-local ``estimator`` on compacted columns inside this block.

    A LinearSVC/LinearSVR with ``dual="auto"`` (which would choose by the number of
    columns) gets ``dual=True`` -- what :func:`is_column_local` found the full width
    resolves to -- and ``"auto"`` back afterwards. Nothing to do for other estimators.
    """
    final = _final_step(estimator)
    if type(final) in LIBLINEAR_DUAL and final.get_params(deep=False)["dual"] == "auto":
        final.set_params(dual=True)
        try:
            yield
        finally:
            final.set_params(dual="auto")
    else:
        yield


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
    """Give a column-local ``estimator`` fitted on columns ``used`` its full width.

    Its per-column attributes get ``n_features`` columns (zeros outside ``used``) and
    ``n_features_in_`` is set: the estimator is then what fitting on all the columns would
    have given.
    """
    for attr in _PER_COLUMN_ATTRIBUTES:
        value = getattr(estimator, attr, None)
        if value is None:
            continue
        # In the layout scikit-learn gives it (liblinear's coef_ is Fortran-ordered).
        order = "F" if value.flags.f_contiguous and not value.flags.c_contiguous else "C"
        full = np.zeros(value.shape[:-1] + (n_features,), dtype=value.dtype, order=order)
        full[..., used] = value
        setattr(estimator, attr, full)
    estimator.n_features_in_ = n_features
    return estimator


def compact_for_fit(estimator, X):
    """``(X restricted to its columns, used)`` to fit a fresh ``estimator`` on, or None.

    None unless ``estimator`` is column-local on ``X`` (:func:`is_column_local`), ``X``
    is finite CSR and compaction drops enough columns. Fit on the first element inside
    ``with same_solver(estimator):``, then call :func:`expand_columns` with ``used`` and
    ``X.shape[1]``.
    """
    if not finite_csr(X) or not is_column_local(estimator, X.shape):
        return None
    found = column_map(X)
    if found is None:
        return None
    remap, used = found
    return restrict_columns(X, remap, len(used)), used
