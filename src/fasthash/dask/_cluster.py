# Authors: The fasthash developers
# SPDX-License-Identifier: BSD-3-Clause
"""What the Dask entry points share: partition futures, summaries, a reduction tree.

The math is the threaded layer's, unchanged: linear models are averaged with the
contribution/combine/finalize reduction of :mod:`fasthash.linear_model._reduction` and
forests are merged with :func:`fasthash.ensemble.merge_forests`. These modules only decide
*where* things run:

- every partition of ``X``/``y`` stays on the worker that holds it (partitions are turned
  into futures with ``client.compute``; nothing is gathered to the client);
- a model is fitted per partition on the workers and summarised there (a linear model's
  weighted partial sums, a sub-forest);
- partial results are combined with a tree reduction of fan-in ``fan_in`` submitted as
  futures (the AllReduce pattern: a spanning tree of partial sums), and only the final
  model travels to the client;
- for iterative parameter mixing the average of a round stays a future that every
  partition task of the next round depends on: the scheduler broadcasts it to the workers.

Only small summaries (partition lengths, the labels each partition contains, class counts)
are gathered before training, to fix the global label set, class weights and tree budgets.
"""

from numbers import Integral
from typing import NamedTuple

import numpy as np
from sklearn.utils.multiclass import check_classification_targets

from fasthash.dask._hashing import partition_error
from fasthash.utils._sklearn_compat import Interval, validate_parameter_constraints

__all__ = [
    "FAN_IN",
    "PartitionSummary",
    "as_1d",
    "n_rows",
    "partition_futures",
    "summary",
    "tree_reduce",
    "validate",
]

# The constraint of every entry point's ``fan_in``.
FAN_IN = [Interval(Integral, 2, None, closed="left")]


def validate(constraints, params, caller_name):
    """scikit-learn's validation of an entry point's parameters (``InvalidParameterError``).

    ``constraints`` reuses the estimators' ``_parameter_constraints`` for the parameters
    they share, so a value is rejected with the same message everywhere. The ``client``
    must be a ``distributed.Client``.
    """
    import distributed

    validate_parameter_constraints(
        {**constraints, "client": [distributed.Client]},
        params,
        caller_name=caller_name,
    )


def _row_partitions(data, what):
    """Delayed objects, one per row partition, of a dask Array / DataFrame / Series / Bag."""
    import dask.array as da

    if isinstance(data, da.Array):
        if data.ndim not in (1, 2):
            raise ValueError(f"{what} must be a 1-D or 2-D dask Array, got {data.ndim}-D.")
        if data.ndim == 2 and data.numblocks[1] != 1:
            data = data.rechunk({1: -1})  # one block per row partition
        return list(data.to_delayed().ravel())
    try:
        import dask.dataframe as dd
    except ImportError:  # pragma: no cover
        dd = None
    if dd is not None and isinstance(data, (dd.DataFrame, dd.Series)):
        return list(data.to_delayed())
    raise TypeError(
        f"{what} must be a dask Array (dense or of scipy.sparse blocks, e.g. the result of "
        f"fasthash.dask.transform) or a dask DataFrame/Series, got "
        f"{type(data).__module__}.{type(data).__qualname__}."
    )


def partition_futures(client, X, y):
    """Futures of the row partitions of ``X`` and ``y`` (lists of equal length), computed
    on the workers and left there."""
    x_parts = _row_partitions(X, "X")
    y_parts = _row_partitions(y, "y")
    if len(x_parts) != len(y_parts):
        raise ValueError(
            f"X and y must be aligned by partitions: X has {len(x_parts)} row partitions, "
            f"y has {len(y_parts)}."
        )
    if not x_parts:
        raise ValueError("X has no partition: nothing to fit.")
    # One graph for both, so shared inputs are computed once; results stay on the workers.
    futures = client.compute(x_parts + y_parts)
    return futures[: len(x_parts)], futures[len(x_parts) :]


def n_rows(X):
    """Number of rows of a partition (array, sparse matrix, DataFrame or sequence)."""
    return X.shape[0] if hasattr(X, "shape") else len(X)


def as_1d(y):
    """``y`` as an array, a single column raveled."""
    y = np.asarray(y)
    if y.ndim == 2 and y.shape[1] == 1:
        y = y.ravel()
    return y


class PartitionSummary(NamedTuple):
    """What the client learns of a partition before training."""

    n_rows: int
    labels: object  # the labels it holds (classifiers), else None
    counts: object  # their counts (when asked), else None


def summary(X, y, index, n_partitions, classifier, counts):
    """Worker task: the :class:`PartitionSummary` of a partition."""
    try:
        y = as_1d(y)
        n = n_rows(X)
        if n != y.shape[0]:
            raise ValueError(f"X has {n} rows but y has {y.shape[0]} values")
        if not classifier or n == 0:
            return PartitionSummary(n, None, None)
        check_classification_targets(y)
        if counts:
            labels, c = np.unique(y, return_counts=True)
            return PartitionSummary(n, labels, c)
        return PartitionSummary(n, np.unique(y), None)
    except Exception as exc:
        raise partition_error(exc, index, n_partitions, "checking") from exc


def tree_reduce(client, futures, fan_in, func):
    """Combine futures in a spanning tree of fan-in ``fan_in``, in order (deterministic).

    Each level groups consecutive items by ``fan_in``; a group of one is passed up as it is,
    so with ``fan_in=2`` the tree equals the threaded ``tree_reduce``'s pairing
    (:func:`fasthash.linear_model._reduction.tree_reduce`).
    """
    level = list(futures)
    while len(level) > 1:
        nxt = []
        for start in range(0, len(level), fan_in):
            group = level[start : start + fan_in]
            nxt.append(group[0] if len(group) == 1 else client.submit(func, *group, pure=False))
        level = nxt
    return level[0]
