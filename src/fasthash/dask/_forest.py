# Authors: The fasthash developers
# SPDX-License-Identifier: BSD-3-Clause
"""fit_forest: sub-forests trained on the Dask workers and merged into one forest.

The rules are :class:`~fasthash.ensemble.ParallelForestClassifier`'s (seeds, tree budgets,
class weights; :mod:`fasthash.ensemble._forest`) and the merge is
:func:`~fasthash.ensemble.merge_forests`; see :mod:`fasthash.dask._cluster` for where
things run.
"""

import numbers

import numpy as np
import scipy.sparse as sp
from sklearn.base import clone, is_classifier

from fasthash.dask._cluster import FAN_IN, as_1d, partition_futures, summary, tree_reduce, validate
from fasthash.dask._hashing import partition_error
from fasthash.ensemble._forest import ParallelForestClassifier, distinct_seeds, tree_budgets
from fasthash.ensemble._merge import FOREST_CLASSIFIERS, FOREST_REGRESSORS, merge_forests
from fasthash.utils._parallel import with_inner_n_jobs

__all__ = ["fit_forest"]

# The parameters fit_forest shares with ParallelForestClassifier/Regressor have their
# constraints (the same in both).
_CONSTRAINTS = {
    name: ParallelForestClassifier._parameter_constraints[name]
    for name in ("n_estimators", "mode", "n_partitions", "random_state")
}
_CONSTRAINTS.update(
    estimator=[*FOREST_CLASSIFIERS, *FOREST_REGRESSORS],
    fan_in=FAN_IN,
)


def _forest_X(X):
    """What scikit-learn's trees use: float32, CSC with sorted indices if sparse."""
    if sp.issparse(X):
        X = sp.csc_matrix(X, dtype=np.float32)
        X.sort_indices()
        return X
    if hasattr(X, "to_numpy"):
        X = X.to_numpy()
    return np.ascontiguousarray(X, dtype=np.float32)


def _assemble(*parts):
    """Worker task: the partitions (X or y) stacked into one local array."""
    if sp.issparse(parts[0]):
        return sp.vstack(parts, format="csr")
    if hasattr(parts[0], "to_numpy"):
        parts = [p.to_numpy() for p in parts]
    return np.concatenate([np.asarray(p) for p in parts], axis=0)


def _fit_sub_forest(base, X, y, index, n_partitions, budget, seed):
    try:
        forest = clone(base).set_params(n_estimators=int(budget), random_state=int(seed))
        return forest.fit(_forest_X(X), as_1d(y))
    except Exception as exc:
        raise partition_error(exc, index, n_partitions, "fitting on") from exc


def _merge_group(*forests):
    return merge_forests(list(forests))


def fit_forest(
    estimator,
    X,
    y,
    *,
    client,
    n_estimators=100,
    mode="replicate",
    n_partitions=None,
    fan_in=2,
    random_state=None,
):
    """Train sub-forests on the workers and merge them into one scikit-learn forest.

    The distributed counterpart of :class:`fasthash.ensemble.ParallelForestClassifier` /
    ``ParallelForestRegressor``, with the same rules: distinct seeds from
    ``np.random.SeedSequence(random_state).spawn``, tree budgets summing to
    ``n_estimators`` (proportional to the partition sizes), class weights
    (``class_weight="balanced"``) computed once on the whole ``y``, and sub-forests merged
    with :func:`fasthash.ensemble.merge_forests`, which aligns ``classes_`` so that a
    partition that never saw a class still votes correctly. Merging runs as a tree of fan-in
    ``fan_in`` on the workers; only the merged forest travels to the client.

    - ``mode="replicate"``: the whole data set is assembled ONCE on a worker (as float32,
      CSC if sparse) and each of ``n_partitions`` sub-forests is trained on all of it
      (the scheduler copies it to the workers that need it). With the same
      ``random_state`` and ``n_partitions`` the forest equals
      ``ParallelForestClassifier(mode="replicate")``'s on the same data.
    - ``mode="partition"``: one sub-forest per (non-empty) dask partition, trained on the
      worker holding it; nothing moves but the trees.

    Parameters
    ----------
    estimator : RandomForestClassifier, ExtraTreesClassifier, RandomForestRegressor or \
ExtraTreesRegressor
        Unfitted template; ``n_estimators`` and ``random_state`` are set per sub-forest,
        ``n_jobs=1``, ``oob_score=False``, ``warm_start=False``.
    X : dask Array or dask DataFrame
        Training data (dense, or of ``scipy.sparse`` blocks).
    y : dask Array, dask Series or single-column DataFrame
        1-D targets aligned with ``X`` by partitions.
    client : distributed.Client
    n_estimators : int, default=100
        Total number of trees.
    mode : {"replicate", "partition"}, default="replicate"
    n_partitions : int, optional
        Number of sub-forests in ``mode="replicate"`` (default: the number of workers,
        at most ``n_estimators``). Must be None in ``mode="partition"``.
    fan_in : int, default=2
        Forests merged by one task of the merge tree (>= 2).
    random_state : int, RandomState, Generator or None, default=None
        As for ``ParallelForestClassifier``.

    Returns
    -------
    forest : estimator of ``estimator``'s class
        A plain fitted scikit-learn forest with ``n_estimators`` trees.

    Raises
    ------
    sklearn.utils._param_validation.InvalidParameterError
        For an invalid parameter (``estimator`` not one of the four forest classes
        included): the message of ``ParallelForestClassifier`` for the parameters they
        share.
    ValueError
        For X/y partitions that do not match, or ``n_partitions`` that cannot be.
    fasthash.dask.PartitionError
        If training on a partition fails (names the partition and the original error).

    Examples
    --------
    >>> import dask.array as da, numpy as np
    >>> from distributed import Client, LocalCluster
    >>> from sklearn.ensemble import RandomForestClassifier
    >>> from fasthash.dask import fit_forest
    >>> rng = np.random.default_rng(0)
    >>> X = rng.normal(size=(300, 4)); y = np.where(X[:, 0] > 0, "pos", "neg")
    >>> with LocalCluster(n_workers=1, processes=False,
    ...                   dashboard_address="127.0.0.1:0") as cluster, \\
    ...         Client(cluster) as client:
    ...     forest = fit_forest(RandomForestClassifier(max_depth=3),
    ...                         da.from_array(X, chunks=(100, 4)), da.from_array(y, chunks=100),
    ...                         client=client, n_estimators=10, mode="partition",
    ...                         random_state=0)
    >>> forest.n_estimators, forest.classes_.tolist()
    (10, ['neg', 'pos'])
    """
    validate(
        _CONSTRAINTS,
        {
            "estimator": estimator,
            "client": client,
            "n_estimators": n_estimators,
            "mode": mode,
            "n_partitions": n_partitions,
            "fan_in": fan_in,
            "random_state": random_state,
        },
        "fit_forest",
    )
    if mode == "partition" and n_partitions is not None:
        raise ValueError(
            "n_partitions must be None in mode='partition': the dask partitions of X are "
            f"the partitions (got n_partitions={n_partitions!r}); repartition X instead."
        )
    classifier = is_classifier(estimator)

    x_futs, y_futs = partition_futures(client, X, y)
    k_parts = len(x_futs)
    summaries = client.gather(
        client.map(
            summary, x_futs, y_futs, range(k_parts), n_partitions=k_parts,
            classifier=classifier, counts=True, pure=False,
        )
    )
    sizes = [s.n_rows for s in summaries]
    n_samples = sum(sizes)
    if n_samples == 0:
        raise ValueError("X has 0 rows: nothing to fit.")

    class_weight = None
    if classifier:
        cw = estimator.class_weight
        if cw == "balanced_subsample" and not estimator.bootstrap:
            cw = "balanced"
        if isinstance(cw, str) and cw == "balanced":
            totals = {}
            for part in summaries:
                if part.labels is None:
                    continue
                for label, c in zip(part.labels.tolist(), part.counts.tolist()):
                    totals[label] = totals.get(label, 0) + c
            labels = sorted(totals)
            # compute_class_weight("balanced"): n_samples / (n_classes * count)
            class_weight = {
                c: float(n_samples / (len(labels) * totals[c])) for c in labels
            }

    base = with_inner_n_jobs(clone(estimator))
    params = {"oob_score": False, "warm_start": False}
    if class_weight is not None:
        params["class_weight"] = class_weight
    base.set_params(**params)

    if mode == "replicate":
        if n_partitions is None:
            n_workers = len(client.scheduler_info()["workers"])
            k = max(1, min(n_workers, n_estimators))
        else:
            k = n_partitions
            if k > n_estimators:
                raise ValueError(
                    f"n_partitions={k} is larger than n_estimators={n_estimators}; every "
                    "sub-forest needs at least one tree."
                )
        X_all = client.submit(_assemble, *x_futs, pure=False)
        y_all = client.submit(_assemble, *y_futs, pure=False)
        data = [(X_all, y_all)] * k
        budget_sizes = [n_samples] * k
    else:
        keep = [p for p in range(k_parts) if sizes[p] > 0]
        k = len(keep)
        if k > n_estimators:
            raise ValueError(
                f"X has {k} non-empty partitions but n_estimators={n_estimators}: every "
                "sub-forest needs at least one tree; repartition X or add trees."
            )
        data = [(x_futs[p], y_futs[p]) for p in keep]
        budget_sizes = [sizes[p] for p in keep]

    budgets = tree_budgets(budget_sizes, n_estimators)
    seeds, _ = distinct_seeds(random_state, k)
    forests = [
        client.submit(
            _fit_sub_forest, base, Xf, yf, i if mode == "replicate" else keep[i],
            k if mode == "replicate" else k_parts, budgets[i], seeds[i], pure=False,
        )
        for i, (Xf, yf) in enumerate(data)
    ]
    root = tree_reduce(client, forests, fan_in, _merge_group)
    if k == 1:
        root = client.submit(_merge_group, root, pure=False)  # a new forest, as merged
    merged = root.result()
    merged.random_state = random_state if isinstance(random_state, numbers.Integral) else None
    return merged
