# Authors: The fasthash developers
# SPDX-License-Identifier: BSD-3-Clause
"""Averaged linear models, merged forests and model selection on a ``distributed.Client``.

The math is the threaded layer's, unchanged: linear models are averaged with the
contribution/combine/finalize reduction of :mod:`fasthash.linear_model._averaging` and
forests are merged with :func:`fasthash.ensemble.merge_forests`. This module only decides
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

import numbers

import numpy as np
import scipy.sparse as sp
from sklearn.base import clone, is_classifier
from sklearn.utils import check_random_state
from sklearn.utils.multiclass import check_classification_targets

from fasthash.dask._hashing import _partition_error
from fasthash.utils._parallel import with_inner_n_jobs

__all__ = ["fit_averaged", "fit_forest", "search"]


# ---------------------------------------------------------------------------------------
# Validation and partition futures
# ---------------------------------------------------------------------------------------


def _check_client(client):
    import distributed

    if not isinstance(client, distributed.Client):
        raise TypeError(
            f"client must be a distributed.Client, got {client!r} of type "
            f"{type(client).__name__}."
        )
    return client


def _check_int(name, value, low):
    if isinstance(value, bool) or not isinstance(value, numbers.Integral) or value < low:
        raise ValueError(
            f"{name} must be an int >= {low}, got {value!r} of type {type(value).__name__}."
        )
    return int(value)


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


def _partition_futures(client, X, y):
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


def _n_rows(X):
    return X.shape[0] if hasattr(X, "shape") else len(X)


def _as_1d(y):
    y = np.asarray(y)
    if y.ndim == 2 and y.shape[1] == 1:
        y = y.ravel()
    return y


def _summary(X, y, index, n_partitions, classifier, counts):
    """Worker task: length of a partition and its labels (with counts when asked)."""
    try:
        y = _as_1d(y)
        n = _n_rows(X)
        if n != y.shape[0]:
            raise ValueError(f"X has {n} rows but y has {y.shape[0]} values")
        if not classifier or n == 0:
            return n, None, None
        check_classification_targets(y)
        if counts:
            labels, c = np.unique(y, return_counts=True)
            return n, labels, c
        return n, np.unique(y), None
    except Exception as exc:
        raise _partition_error(exc, index, n_partitions, "checking") from exc


def _tree_reduce(client, futures, fan_in, func):
    """Combine futures in a spanning tree of fan-in ``fan_in``, in order (deterministic).

    Each level groups consecutive items by ``fan_in``; a group of one is passed up as it is,
    so with ``fan_in=2`` the tree equals the threaded ``_tree_reduce``'s pairing.
    """
    level = list(futures)
    while len(level) > 1:
        nxt = []
        for start in range(0, len(level), fan_in):
            group = level[start : start + fan_in]
            nxt.append(group[0] if len(group) == 1 else client.submit(func, *group, pure=False))
        level = nxt
    return level[0]


# ---------------------------------------------------------------------------------------
# Averaged linear models
# ---------------------------------------------------------------------------------------


def _fit_linear_partition(
    template, X, y, index, n_partitions, seed, classes, seen, feature_weighting, averaged, mode
):
    """Worker task: fit (or warm-start) one partition's model, return its contribution.

    The per-partition step is AveragedLinearModel's own (``_fit_partition``).
    """
    from fasthash.linear_model._averaging import _column_counts, _contribution, _fit_partition

    try:
        y = _as_1d(y)
        est = with_inner_n_jobs(clone(template))
        if seed is not None and "random_state" in est.get_params(deep=False):
            est.set_params(random_state=int(seed))
        classifier = is_classifier(template)
        est, seen = _fit_partition(
            est, X, y, classes=classes if classifier else None, seen=seen,
            averaged=averaged, mode=mode,
        )
        n = _n_rows(X)
        column_weights = None
        if feature_weighting:
            column_weights = _column_counts(X) / max(n, 1.0)
        contribution = _contribution(
            est,
            float(n),
            classes=classes if classifier else None,
            column_weights=column_weights,
            seen_classes=seen,
        )
        contribution.origin = index
        return contribution
    except Exception as exc:
        raise _partition_error(exc, index, n_partitions, "fitting on") from exc


def _combine_contributions(*contributions):
    from fasthash.linear_model._averaging import _combine

    total = contributions[0]
    for c in contributions[1:]:
        total = _combine(total, c)
    return total


def _finalize_contribution(contribution):
    from fasthash.linear_model._averaging import _finalize

    return _finalize(contribution)


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
    ValueError
        For invalid parameters, X/y partitions that do not match, fewer than 2 classes,
        or classes that occur only in partitions holding a single class.
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
    from fasthash.linear_model._averaging import _warm_start_mode

    _check_client(client)
    if not hasattr(estimator, "fit") or not hasattr(estimator, "get_params"):
        raise TypeError(
            "estimator must be a scikit-learn estimator (with fit and get_params), got "
            f"{type(estimator).__name__}."
        )
    n_rounds = _check_int("n_rounds", n_rounds, 1)
    fan_in = _check_int("fan_in", fan_in, 2)
    if not isinstance(feature_weighting, (bool, np.bool_)):
        raise ValueError(f"feature_weighting must be a bool, got {feature_weighting!r}.")
    mode = _warm_start_mode(estimator)
    if n_rounds > 1 and mode is None:
        raise ValueError(
            f"n_rounds={n_rounds} needs an estimator that can start from given coefficients "
            f"(partial_fit, warm_start or fit(coef_init=...)): {type(estimator).__name__} "
            "has none. Use n_rounds=1."
        )
    classifier = is_classifier(estimator)

    x_futs, y_futs = _partition_futures(client, X, y)
    k = len(x_futs)
    summaries = client.gather(
        client.map(
            _summary, x_futs, y_futs, range(k), n_partitions=k, classifier=classifier,
            counts=False, pure=False,
        )
    )
    sizes = [s[0] for s in summaries]
    seen = [s[1] for s in summaries]
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
            n > 0 and (len(s) >= 2 or mode == "partial_fit") for n, s in zip(sizes, seen)
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
    else:
        classes = None
        fittable = [n > 0 for n in sizes]

    rng = check_random_state(random_state)
    seeds = (
        [None] * k
        if random_state is None
        else [int(s) for s in rng.randint(np.iinfo(np.int32).max, size=k)]
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
        root = _tree_reduce(client, contributions, fan_in, _combine_contributions)
        averaged = client.submit(_finalize_contribution, root, pure=False)
    model = averaged.result()
    for f in (*x_futs, *y_futs):
        f.release()
    return model


# ---------------------------------------------------------------------------------------
# Forests
# ---------------------------------------------------------------------------------------


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
        return forest.fit(_forest_X(X), _as_1d(y))
    except Exception as exc:
        raise _partition_error(exc, index, n_partitions, "fitting on") from exc


def _merge_group(*forests):
    from fasthash.ensemble import merge_forests

    return merge_forests(list(forests))


_FOREST_MODES = ("replicate", "partition")


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

    Returns
    -------
    forest : estimator of ``estimator``'s class
        A plain fitted scikit-learn forest with ``n_estimators`` trees.

    Raises
    ------
    TypeError
        If ``estimator`` is not one of the four forest classes.
    ValueError
        For invalid parameters or X/y partitions that do not match.
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
    from sklearn.ensemble import (
        ExtraTreesClassifier,
        ExtraTreesRegressor,
        RandomForestClassifier,
        RandomForestRegressor,
    )

    from fasthash.ensemble._merge import _distinct_seeds, _tree_budgets

    _check_client(client)
    allowed = (RandomForestClassifier, ExtraTreesClassifier, RandomForestRegressor,
               ExtraTreesRegressor)
    if not isinstance(estimator, allowed):
        raise TypeError(
            "estimator must be an unfitted instance of RandomForestClassifier, "
            "ExtraTreesClassifier, RandomForestRegressor or ExtraTreesRegressor; got "
            f"{estimator!r}."
        )
    n_estimators = _check_int("n_estimators", n_estimators, 1)
    fan_in = _check_int("fan_in", fan_in, 2)
    if mode not in _FOREST_MODES:
        raise ValueError(f"mode must be 'replicate' or 'partition', got {mode!r}.")
    if mode == "partition" and n_partitions is not None:
        raise ValueError(
            "n_partitions must be None in mode='partition': the dask partitions of X are "
            f"the partitions (got n_partitions={n_partitions!r}); repartition X instead."
        )
    classifier = is_classifier(estimator)

    x_futs, y_futs = _partition_futures(client, X, y)
    k_parts = len(x_futs)
    summaries = client.gather(
        client.map(
            _summary, x_futs, y_futs, range(k_parts), n_partitions=k_parts,
            classifier=classifier, counts=True, pure=False,
        )
    )
    sizes = [s[0] for s in summaries]
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
            for _, labels, counts in summaries:
                if labels is None:
                    continue
                for label, c in zip(labels.tolist(), counts.tolist()):
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
            k = _check_int("n_partitions", n_partitions, 1)
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

    budgets = _tree_budgets(budget_sizes, n_estimators)
    seeds, _ = _distinct_seeds(random_state, k)
    forests = [
        client.submit(
            _fit_sub_forest, base, Xf, yf, i if mode == "replicate" else keep[i],
            k if mode == "replicate" else k_parts, budgets[i], seeds[i], pure=False,
        )
        for i, (Xf, yf) in enumerate(data)
    ]
    root = _tree_reduce(client, forests, fan_in, _merge_group)
    if k == 1:
        root = client.submit(_merge_group, root, pure=False)  # a new forest, as merged
    merged = root.result()
    merged.random_state = random_state if isinstance(random_state, numbers.Integral) else None
    return merged


# ---------------------------------------------------------------------------------------
# Search with a stateless prefix hashed once, on the workers
# ---------------------------------------------------------------------------------------


def _grid_keys(param_grid):
    grids = [param_grid] if isinstance(param_grid, dict) else list(param_grid)
    keys = set()
    for grid in grids:
        if not isinstance(grid, dict):
            raise TypeError(f"param_grid must be a dict or a list of dicts, got {param_grid!r}.")
        keys.update(grid)
    return keys


def _run_search(rest, param_grid, X, y, search_params):
    """Worker task: scikit-learn's GridSearchCV of the pipeline's rest, fits on the cluster."""
    import joblib
    from sklearn.model_selection import GridSearchCV

    # joblib's dask backend inside a task: it uses this worker's client and secedes from
    # the worker's thread pool while it waits, so the candidates run on every worker.
    with joblib.parallel_backend("dask"):
        return GridSearchCV(rest, param_grid, n_jobs=-1, **search_params).fit(X, y)


def search(estimator, param_grid, X, y, *, client, **search_params):
    """Grid search of a hashing pipeline whose hashing step runs once, on the workers.

    ``estimator`` is a :class:`~sklearn.pipeline.Pipeline` whose first step is a stateless
    hasher (``HashingVectorizer`` or ``FeatureHasher``, fasthash's or scikit-learn's) whose
    parameters are not searched. That step is computed ONCE, partition by partition on the
    workers (:func:`fasthash.dask.transform`), instead of once per candidate and fold; the
    hashed matrix is assembled on one worker (never on the client) and scikit-learn's
    :class:`~sklearn.model_selection.GridSearchCV` of the rest of the pipeline runs there,
    its fits spread over the cluster by joblib's dask backend. Scores, ``cv_results_``,
    ``best_params_`` and ``best_index_`` are those of ``GridSearchCV(estimator, ...)``
    fitted locally on the text (for deterministic estimators).

    To search the hasher's own parameters too, use scikit-learn's ``GridSearchCV`` on the
    whole pipeline under ``joblib.parallel_backend("dask")`` (each fit then hashes its fold).

    Parameters
    ----------
    estimator : Pipeline
        First step: a stateless hasher; its parameters must not appear in ``param_grid``.
    param_grid : dict or list of dicts
        As for ``GridSearchCV``, with the pipeline's step names.
    X : dask Bag, Series, 1-D Array of documents, or a local sequence of documents
        A local sequence is sent to the workers in ``2 * n_workers`` partitions first.
    y : dask Array / Series, or array-like
        Targets (gathered to the worker running the search).
    client : distributed.Client
    **search_params
        Other ``GridSearchCV`` parameters (``cv``, ``scoring``, ``refit``,
        ``return_train_score``, ``error_score``, ...); ``n_jobs`` is not accepted (the
        cluster decides).

    Returns
    -------
    GridSearchCV
        Fitted, with ``estimator`` set to (a clone of) the whole pipeline and, when
        refitted, ``best_estimator_`` the whole pipeline (hasher + refitted rest), so
        ``predict`` / ``score`` take documents.

    Raises
    ------
    TypeError
        If ``estimator`` is not a Pipeline or ``param_grid`` not a dict/list of dicts.
    ValueError
        If the first step is not a stateless hasher, its parameters are searched, or
        ``n_jobs`` is given.

    Examples
    --------
    >>> from distributed import Client, LocalCluster
    >>> from sklearn.linear_model import SGDClassifier
    >>> from sklearn.pipeline import make_pipeline
    >>> from fasthash import HashingVectorizer
    >>> from fasthash.dask import search
    >>> docs = ["good movie", "great film", "bad movie", "awful film"] * 10
    >>> labels = [1, 1, 0, 0] * 10
    >>> pipe = make_pipeline(HashingVectorizer(n_features=2**10, n_jobs=1),
    ...                      SGDClassifier(random_state=0))
    >>> with LocalCluster(n_workers=1, processes=False,
    ...                   dashboard_address="127.0.0.1:0") as cluster, \\
    ...         Client(cluster) as client:
    ...     gs = search(pipe, {"sgdclassifier__alpha": [1e-4, 1e-2]}, docs, labels,
    ...                 client=client, cv=2)
    >>> sorted(gs.best_params_), gs.predict(["good film"]).tolist()
    (['sgdclassifier__alpha'], [1])
    """
    import dask.array as da
    import dask.bag as db
    from sklearn.feature_extraction import FeatureHasher as SkFeatureHasher
    from sklearn.feature_extraction.text import HashingVectorizer as SkHashingVectorizer
    from sklearn.pipeline import Pipeline

    from fasthash.dask._hashing import transform

    _check_client(client)
    if not isinstance(estimator, Pipeline):
        raise TypeError(
            "search needs a sklearn.pipeline.Pipeline whose first step is a "
            f"HashingVectorizer or FeatureHasher, got {type(estimator).__name__}."
        )
    if "n_jobs" in search_params:
        raise ValueError("search runs on the cluster: do not pass n_jobs.")
    name, hasher = estimator.steps[0]
    if not isinstance(hasher, (SkHashingVectorizer, SkFeatureHasher)) or len(estimator.steps) < 2:
        raise ValueError(
            "search needs a Pipeline of a stateless hasher (HashingVectorizer or "
            f"FeatureHasher) followed by at least one step; its first step {name!r} is "
            f"{type(hasher).__name__}. Use GridSearchCV under joblib.parallel_backend('dask')."
        )
    searched = sorted(k for k in _grid_keys(param_grid) if k == name or k.startswith(name + "__"))
    if searched:
        raise ValueError(
            f"param_grid searches the hashing step's parameters {searched!r}: the step is "
            "computed once for all candidates. Use GridSearchCV on the whole pipeline under "
            "joblib.parallel_backend('dask') to search them."
        )

    if not isinstance(X, (da.Array, db.Bag)) and not hasattr(X, "to_delayed"):
        n_workers = max(1, len(client.scheduler_info()["workers"]))
        X = db.from_sequence(list(X), npartitions=2 * n_workers)
    X_hashed = client.compute(transform(hasher, X))  # one CSR, assembled on a worker
    if hasattr(y, "__dask_graph__"):
        y_future = client.compute(y)
    else:
        y_future = client.scatter(np.asarray(y))
    rest = Pipeline(
        estimator.steps[1:], memory=estimator.memory, verbose=estimator.verbose
    )
    fitted = client.submit(
        _run_search, clone(rest), param_grid, X_hashed, y_future, search_params, pure=False
    ).result()
    fitted.estimator = clone(estimator)
    if hasattr(fitted, "best_estimator_"):
        fitted.best_estimator_ = Pipeline(
            [(name, clone(hasher))] + list(fitted.best_estimator_.steps),
            memory=estimator.memory,
            verbose=estimator.verbose,
        )
    return fitted
