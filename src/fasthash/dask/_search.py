# Authors: The fasthash developers
# SPDX-License-Identifier: BSD-3-Clause
"""search: grid search of a hashing pipeline whose hashing step runs once, on the workers."""

import numpy as np
from sklearn.base import clone

from fasthash.dask._cluster import validate
from fasthash.dask._hashing import transform

__all__ = ["search"]


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

    validate({}, {"client": client}, "search")
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
