# Authors: The fasthash developers
# SPDX-License-Identifier: BSD-3-Clause
"""fit_averaged: a linear model per Dask partition, fitted on the workers and averaged.

The per-partition step and the reduction are :class:`~fasthash.linear_model.\
AveragedLinearModel`'s own (:mod:`fasthash.linear_model._partition`,
:mod:`fasthash.linear_model._reduction`); see :mod:`fasthash.dask._cluster` for where
things run.
"""

import warnings

import numpy as np
from sklearn.base import clone, is_classifier
from sklearn.utils import check_random_state

from fasthash.dask._cluster import (
    FAN_IN,
    as_1d,
    n_rows,
    partition_futures,
    summary,
    tree_reduce,
    validate,
)
from fasthash.dask._hashing import partition_error
from fasthash.exceptions import FasthashWarning
from fasthash.linear_model._averaging import AveragedLinearModel
from fasthash.linear_model._partition import (
    PARTIAL_FIT,
    column_counts,
    fit_partition,
    partition_seeds,
    warm_start_mode,
)
from fasthash.linear_model._reduction import combine, contribution, finalize
from fasthash.utils._parallel import with_inner_n_jobs

__all__ = ["fit_averaged"]

# The parameters fit_averaged shares with AveragedLinearModel have its constraints.
_CONSTRAINTS = {
    name: AveragedLinearModel._parameter_constraints[name]
    for name in ("estimator", "n_rounds", "feature_weighting", "random_state")
}
_CONSTRAINTS.update(fan_in=FAN_IN, classes=["array-like", None])


def _fit_linear_partition(
    template, X, y, index, n_partitions, seed, classes, seen, feature_weighting, averaged, mode
):
    """Worker task: fit (or warm-start) one partition's model, return its contribution.

    The per-partition step is AveragedLinearModel's own (``fit_partition``).
    """
    try:
        y = as_1d(y)
        est = with_inner_n_jobs(clone(template))
        if seed is not None and "random_state" in est.get_params(deep=False):
            est.set_params(random_state=int(seed))
        classifier = is_classifier(template)
        est, seen = fit_partition(
            est, X, y, classes=classes if classifier else None, seen=seen,
            averaged=averaged, mode=mode,
        )
        n = n_rows(X)
        column_weights = None
        if feature_weighting:
            column_weights = column_counts(X) / max(n, 1.0)
        return contribution(
            est,
            float(n),
            classes=classes if classifier else None,
            column_weights=column_weights,
            seen_classes=seen,
            origin=index,
        )
    except Exception as exc:
        raise partition_error(exc, index, n_partitions, "fitting on") from exc


def _combine_contributions(*contributions):
    total = contributions[0]
    for c in contributions[1:]:
        total = combine(total, c)
    return total


def fit_averaged(
    estimator,
    X,
    y,
    *,
    client,
    n_rounds=1,
    fan_in=2,
    classes=None,
    feature_weighting=False,
    random_state=None,
):
    """Fit a linear model per partition on the workers and average them (tree reduction).

    The distributed counterpart of :class:`fasthash.linear_model.AveragedLinearModel`
    with the dask partitions as its partitions, and the same rules: models weighted by
    partition size, rows aligned to one global label set computed before training (a
    partition that never saw a class does not dilute that class), optional per-feature
    weighting, iterative parameter mixing over ``n_rounds`` rounds. Each partition's model
    is fitted where the partition lives and reduced there to weighted partial sums; the
    sums are combined in a spanning tree of fan-in ``fan_in`` on the workers; only the
    averaged model is sent to the client. With ``n_rounds > 1`` the average of a round is
    broadcast to the workers (as a future every task of the next round depends on) and each
    partition's model is warm-started from it, as ``AveragedLinearModel`` does
    (``partial_fit``, ``warm_start`` or ``fit(coef_init=...)``).

    With the same partitions, ``random_state`` and ``fan_in=2`` the result is bit for bit
    that of ``AveragedLinearModel(estimator, n_partitions=k, partition="contiguous",
    n_rounds=n_rounds, feature_weighting=feature_weighting, random_state=random_state)``
    fitted locally on the concatenated data.

    Parameters
    ----------
    estimator : estimator instance
        A linear model with ``coef_`` and ``intercept_`` (SGDClassifier, Perceptron,
        LogisticRegression, Ridge, ...); cloned, with ``n_jobs=1`` on the workers.
    X : dask Array or dask DataFrame
        Training data: a dask Array of ``scipy.sparse`` blocks (e.g. from
        :func:`fasthash.dask.transform`) or dense, or a dask DataFrame. Its row partitions
        are the partitions (a partition with 0 rows is skipped).
    y : dask Array, dask Series or single-column DataFrame
        Targets, with the same number of row partitions as ``X`` and the same rows in
        each (checked on the workers).
    client : distributed.Client
        The cluster to run on.
    n_rounds : int, default=1
        Rounds of iterative parameter mixing.
    fan_in : int, default=2
        Number of partial sums combined by one task of the reduction tree (>= 2).
    classes : array-like, optional
        The global label set (classifiers). Default: the sorted union of the labels of
        every partition, computed on the workers (only the labels travel).
    feature_weighting : bool, default=False
        Weight a partition's coefficient for a column by how often the partition saw the
        column (see ``AveragedLinearModel``).
    random_state : int, RandomState instance or None, default=None
        When not None, gives each partition's clone its own ``random_state``, drawn as
        ``AveragedLinearModel`` draws it.

    Returns
    -------
    estimator
        A new fitted estimator of ``estimator``'s class: an ordinary scikit-learn model.

    Raises
    ------
    sklearn.utils._param_validation.InvalidParameterError
        For an invalid parameter: the message of ``AveragedLinearModel`` for the
        parameters they share.
    ValueError
        For X/y partitions that do not match, fewer than 2 classes, or classes that occur
        only in partitions holding a single class.
    fasthash.exceptions.IncompatibleModelsError
        If the partition models cannot be averaged.
    fasthash.dask.PartitionError
        If fitting a partition fails: names the partition and the original error (and
        derives from its builtin family).

    Examples
    --------
    >>> import dask.array as da, numpy as np
    >>> from distributed import Client, LocalCluster
    >>> from sklearn.linear_model import SGDClassifier
    >>> from fasthash.dask import fit_averaged
    >>> rng = np.random.default_rng(0)
    >>> X = rng.normal(size=(400, 5)); y = (X[:, 0] > 0).astype(int)
    >>> with LocalCluster(n_workers=1, processes=False,
    ...                   dashboard_address="127.0.0.1:0") as cluster, \\
    ...         Client(cluster) as client:
    ...     model = fit_averaged(SGDClassifier(random_state=0),
    ...                          da.from_array(X, chunks=(100, 5)), da.from_array(y, chunks=100),
    ...                          client=client, n_rounds=2, random_state=0)
    >>> type(model).__name__, model.coef_.shape, model.score(X, y) > 0.9
    ('SGDClassifier', (1, 5), True)
    """
    validate(
        _CONSTRAINTS,
        {
            "estimator": estimator,
            "client": client,
            "n_rounds": n_rounds,
            "fan_in": fan_in,
            "classes": classes,
            "feature_weighting": feature_weighting,
            "random_state": random_state,
        },
        "fit_averaged",
    )
    mode = warm_start_mode(estimator)
    if n_rounds > 1 and mode is None:
        raise ValueError(
            f"n_rounds={n_rounds} needs an estimator that can start from given coefficients "
            f"(partial_fit, warm_start or fit(coef_init=...)): {type(estimator).__name__} "
            "has none. Use n_rounds=1."
        )
    classifier = is_classifier(estimator)

    x_futs, y_futs = partition_futures(client, X, y)
    k = len(x_futs)
    summaries = client.gather(
        client.map(
            summary, x_futs, y_futs, range(k), n_partitions=k, classifier=classifier,
            counts=False, pure=False,
        )
    )
    sizes = [s.n_rows for s in summaries]
    seen = [s.labels for s in summaries]
    if sum(sizes) == 0:
        raise ValueError("X has 0 rows: nothing to fit.")
    if classifier:
        union = np.unique(np.concatenate([s for s in seen if s is not None]))
        if classes is None:
            classes = union
        else:
            classes = np.unique(np.asarray(classes))
            unknown = np.setdiff1d(union, classes)
            if unknown.size:
                raise ValueError(
                    f"y contains labels {unknown.tolist()!r} that are not in classes="
                    f"{classes.tolist()!r}."
                )
        if len(classes) < 2:
            raise ValueError(
                f"The number of classes has to be greater than one; got {len(classes)} class."
            )
        # As AveragedLinearModel: a single-class partition is fitted only by partial_fit.
        fittable = [
            n > 0 and (len(s) >= 2 or mode == PARTIAL_FIT) for n, s in zip(sizes, seen)
        ]
        covered = set()
        for ok, s in zip(fittable, seen):
            if ok:
                covered.update(s.tolist())
        missing = [c for c in union.tolist() if c not in covered]
        if missing:
            raise ValueError(
                f"Classes {missing!r} occur only in partitions holding a single class, which "
                "cannot be fitted: repartition the data (e.g. shuffle it) or use fewer "
                "partitions."
            )
        left_out = [p for p, (ok, n) in enumerate(zip(fittable, sizes)) if n > 0 and not ok]
        if left_out:
            warnings.warn(
                f"Partition(s) {left_out} hold a single class, which "
                f"{type(estimator).__name__}.fit cannot fit (it has no partial_fit): they "
                "are left out of the average. Repartition the data (e.g. shuffle it) to give "
                "every partition every class.",
                FasthashWarning,
                stacklevel=2,
            )
    else:
        classes = None
        fittable = [n > 0 for n in sizes]

    # Drawn as AveragedLinearModel draws them (contiguous partitions draw nothing first).
    seeds = partition_seeds(
        None if random_state is None else check_random_state(random_state), k
    )
    template = clone(estimator)
    averaged = None
    for r in range(n_rounds):
        use = fittable if r == 0 else [n > 0 for n in sizes]
        contributions = [
            client.submit(
                _fit_linear_partition,
                template,
                x_futs[p],
                y_futs[p],
                p,
                k,
                seeds[p],
                classes,
                seen[p],
                feature_weighting,
                averaged,
                mode,
                pure=False,
            )
            for p in range(k)
            if use[p]
        ]
        root = tree_reduce(client, contributions, fan_in, _combine_contributions)
        averaged = client.submit(finalize, root, pure=False)
    model = averaged.result()
    for f in (*x_futs, *y_futs):
        f.release()
    return model
