# Authors: The fasthash developers
# SPDX-License-Identifier: BSD-3-Clause
"""One partition's step of model averaging, shared by the threads and the cluster.

:class:`~fasthash.linear_model.AveragedLinearModel` (threads) and
:func:`fasthash.dask.fit_averaged` (Dask workers) fit one model per partition with
:func:`fit_partition`, weigh it with :func:`averaging_weights` and reduce the models with
:mod:`fasthash.linear_model._reduction`. Internal, but an interface between the two.
"""

import contextlib
import copy
import inspect

import numpy as np
import scipy.sparse as sp
from sklearn.utils import check_array

from fasthash.utils._columns import compact_for_fit, expand_columns, same_solver
from fasthash.utils._parallel import private_rng

__all__ = [
    "averaging_weights",
    "check_sample_weight",
    "column_counts",
    "fit_partition",
    "partition_seeds",
    "warm_start_from",
    "warm_start_mode",
]

# How an estimator continues from given coefficients (see warm_start_mode).
PARTIAL_FIT, WARM_START, COEF_INIT = "partial_fit", "warm_start", "coef_init"


def warm_start_mode(estimator):
    """How ``estimator`` can continue from given coefficients, or None if it cannot.

    ``"partial_fit"`` (one more epoch, SGD-like), ``"warm_start"`` (a warm-started
    ``fit``) or ``"coef_init"`` (``fit`` with ``coef_init``/``intercept_init``).
    """
    if hasattr(estimator, "partial_fit"):
        return PARTIAL_FIT
    params = estimator.get_params(deep=False)
    if "warm_start" in params and not (
        type(estimator).__name__ == "LogisticRegression" and params.get("solver") == "liblinear"
    ):
        return WARM_START
    try:
        if "coef_init" in inspect.signature(estimator.fit).parameters:
            return COEF_INIT
    except (TypeError, ValueError):  # pragma: no cover - builtins without a signature
        pass
    return None


def partition_seeds(random_state, n_partitions):
    """The ``random_state`` of each partition's clone: drawn from ``random_state``.

    ``random_state`` is a ``RandomState`` (``check_random_state`` of the user's value);
    None (the user gave None) leaves every clone's own ``random_state``.
    """
    if random_state is None:
        return [None] * n_partitions
    return [int(s) for s in random_state.randint(np.iinfo(np.int32).max, size=n_partitions)]


def check_sample_weight(sample_weight, n_samples):
    """``sample_weight`` as a finite 1-D float64 array of ``n_samples`` values.

    scikit-learn's messages for NaN, infinity, a wrong shape and all-zero weights.
    Negative values are allowed here: the partition models decide (see
    :func:`averaging_weights`).
    """
    sample_weight = check_array(
        sample_weight, ensure_2d=False, dtype=np.float64, input_name="sample_weight"
    )
    if sample_weight.ndim != 1 or sample_weight.shape[0] != n_samples:
        raise ValueError(
            f"sample_weight.shape == {sample_weight.shape}, expected ({n_samples},)!"
        )
    if not np.any(sample_weight):
        raise ValueError("Sample weights must contain at least one non-zero number.")
    return sample_weight


def averaging_weights(weights, *, present=None, what="partition"):
    """The weights the partition models are averaged with.

    A partition's weight is its number of samples, or, with sample weights, the sum of
    its sample weights: the weight of its loss in the loss of the whole data. The average
    is the mean of the models weighted by these sums, which is defined when they are all
    positive or all negative (then it is the mean weighted by their magnitudes): the
    weights returned are ``abs(weights)``.

    Parameters
    ----------
    weights : array-like of shape (n_partitions,)
        Each partition's weight.
    present : array-like of bool, default=None
        The partitions that hold samples (the others, of a stream not yet reaching them,
        are left out). Default: every partition.
    what : str, default="partition"
        What the partitions are called in the message.

    Returns
    -------
    ndarray of shape (n_partitions,)
        ``abs(weights)`` (0 for partitions not present).

    Raises
    ------
    ValueError
        If a present partition's weight is 0, or the weights differ in sign: the message
        names the partitions and their weights.
    """
    weights = np.asarray(weights, dtype=np.float64)
    present = np.ones(len(weights), dtype=bool) if present is None else np.asarray(present)
    why = (
        "AveragedLinearModel weighs each partition's model by the sum of its sample weights "
        "(the weight of its loss), and a weighted mean needs weights that are all positive "
        "or all negative."
    )
    zero = np.flatnonzero(present & (weights == 0))
    if zero.size:
        p = int(zero[0])
        raise ValueError(
            f"sample_weight sums to 0 over {what} {p}: {why} Use partition='shuffle', "
            "fewer partitions, or sample weights that do not cancel out."
        )
    signs = np.sign(weights[present])
    if signs.size and not np.all(signs == signs[0]):
        idx = np.flatnonzero(present)
        p = int(idx[np.flatnonzero(signs < 0)[0]])
        q = int(idx[np.flatnonzero(signs > 0)[0]])
        raise ValueError(
            f"sample_weight sums to {float(weights[p])!r} over {what} {p} but to "
            f"{float(weights[q])!r} "
            f"over {what} {q}: {why} Use partition='shuffle', fewer partitions, or sample "
            "weights of one sign."
        )
    return np.where(present, np.abs(weights), 0.0)


def column_counts(X):
    """Number of samples in which each column is nonzero."""
    if sp.issparse(X):
        X = sp.csr_matrix(X)
        return np.bincount(X.indices[X.data != 0], minlength=X.shape[1]).astype(np.float64)
    return np.count_nonzero(np.asarray(X), axis=0).astype(np.float64)


def warm_start_from(est, averaged, mode, X, y, *, classes=None, sample_weight=None):
    """``est``'s parameters, started from ``averaged`` and trained once more on (X, y).

    ``mode`` is how the estimator family continues from given parameters
    (:func:`warm_start_mode`). ``classes`` is the global label set of a classifier (None
    for a regressor).
    """
    params = est.get_params(deep=False)
    start = copy.deepcopy(averaged)
    start.set_params(**params)
    kwargs = {} if sample_weight is None else {"sample_weight": sample_weight}
    if mode == PARTIAL_FIT:
        if classes is not None:
            kwargs["classes"] = classes
        start.partial_fit(X, y, **kwargs)
        return start
    if classes is not None and len(np.unique(y)) != len(classes):
        raise ValueError(
            f"n_rounds > 1 with {type(est).__name__} (warm-started by {mode}) needs every "
            "partition to contain every class; use partition='stratified'."
        )
    if mode == WARM_START:
        start.set_params(warm_start=True)
        start.fit(X, y, **kwargs)
        start.set_params(warm_start=params["warm_start"])
        return start
    est.fit(X, y, coef_init=averaged.coef_, intercept_init=averaged.intercept_, **kwargs)
    return est


def fit_partition(est, X, y, *, classes=None, seen=None, averaged=None, mode=None,
                  sample_weight=None):
    """Fit one partition's model for one round; return ``(model, classes it counts for)``.

    The first round (``averaged`` None) fits ``est`` on the partition; a classifier
    partition holding a single class can only be fitted by ``partial_fit`` with the global
    label set ``classes``. Later rounds warm-start from ``averaged``
    (:func:`warm_start_from`); every row of a classifier is then trained on every sample
    of the partition (negatives included), so it counts for every class (plain parameter
    mixing). ``seen`` is the partition's own label set.
    """
    with private_rng(est):  # liblinear & co draw from one process-wide generator
        if averaged is not None:
            est = warm_start_from(
                est, averaged, mode, X, y, classes=classes, sample_weight=sample_weight
            )
            return est, (classes if classes is not None else seen)
        kwargs = {} if sample_weight is None else {"sample_weight": sample_weight}
        # A fit from zero weights of plain SGD, or of liblinear's dual solvers, runs on the
        # partition's own columns (bit for bit the same model once widened back; see
        # fasthash.utils._columns).
        compact = compact_for_fit(est, X)
        X_fit, used = (X, None) if compact is None else compact
        with same_solver(est) if compact is not None else contextlib.nullcontext():
            if classes is not None and len(seen) < 2:
                est.partial_fit(X_fit, y, classes=classes, **kwargs)
            else:
                est.fit(X_fit, y, **kwargs)
    if used is not None:
        expand_columns(est, used, X.shape[1])
    return est, seen
