# Authors: The fasthash developers
# SPDX-License-Identifier: BSD-3-Clause
"""ParallelForestClassifier and ParallelForestRegressor: sub-forests on threads, merged.

They fit sub-forests on fasthash's thread pool (scikit-learn's tree builder releases the
GIL), on the whole data ("replicate": the data is shared, not copied) or on disjoint
partitions ("partition"), with distinct seeds, tree budgets proportional to partition sizes
and class weights computed once on the full ``y``, then merge them with
:func:`~fasthash.ensemble.merge_forests`. :func:`tree_budgets` and :func:`distinct_seeds`
are shared with :func:`fasthash.dask.fit_forest`.
"""

import numbers
import re
import warnings
from numbers import Integral

import numpy as np
import scipy.sparse as sp
import sklearn
from sklearn.base import (
    BaseEstimator,
    ClassifierMixin,
    MetaEstimatorMixin,
    RegressorMixin,
    clone,
)
from sklearn.ensemble import RandomForestClassifier, RandomForestRegressor
from sklearn.exceptions import DataConversionWarning
from sklearn.utils import get_tags
from sklearn.utils.class_weight import compute_class_weight
from sklearn.utils.multiclass import check_classification_targets
from sklearn.utils.validation import check_is_fitted, validate_data

from fasthash.ensemble._merge import FOREST_CLASSIFIERS, FOREST_REGRESSORS, merge_forests
from fasthash.utils._parallel import thread_map, with_inner_n_jobs
from fasthash.utils._sklearn_compat import (
    Interval,
    NJobs,
    StrOptions,
    validate_params,
)

# scikit-learn's forests weigh class_weight="balanced" by the sample weights from 1.9 on
# (by class counts alone before).
_BALANCED_BY_SAMPLE_WEIGHT = tuple(
    int(part) for part in re.findall(r"\d+", sklearn.__version__)[:2]
) >= (1, 9)

__all__ = [
    "ParallelForestClassifier",
    "ParallelForestRegressor",
    "distinct_seeds",
    "split_partitions",
    "tree_budgets",
]

def tree_budgets(sizes, n_estimators):
    """Split ``n_estimators`` in proportion to ``sizes`` (largest remainders), each >= 1."""
    sizes = np.asarray(sizes, dtype=np.float64)
    k = len(sizes)
    # One tree each first, the rest in proportion: every sub-forest needs a tree.
    extra = n_estimators - k
    quota = extra * sizes / sizes.sum()
    budgets = np.floor(quota).astype(np.int64)
    remainder = extra - int(budgets.sum())
    # Ties broken by position (stable sort), so the split is deterministic.
    order = np.argsort(-(quota - budgets), kind="stable")
    budgets[order[:remainder]] += 1
    return (budgets + 1).tolist()


def distinct_seeds(random_state, n):
    """``n`` distinct seeds for sub-forests plus one for the partitioning.

    Derived from ``random_state`` through ``np.random.SeedSequence(...).spawn``: an int
    gives the same seeds on every run; None gives fresh ones; a ``RandomState`` instance
    is drawn from once (as scikit-learn does).
    """
    if random_state is None:
        entropy = None
    elif isinstance(random_state, numbers.Integral) and not isinstance(random_state, bool):
        entropy = int(random_state)
    elif isinstance(random_state, np.random.RandomState):
        entropy = int(random_state.randint(np.iinfo(np.int32).max))
    elif isinstance(random_state, np.random.Generator):
        entropy = int(random_state.integers(np.iinfo(np.int64).max))
    else:
        raise ValueError(
            f"random_state must be None, an int, a numpy RandomState or Generator; got "
            f"{random_state!r} of type {type(random_state).__name__}."
        )
    children = np.random.SeedSequence(entropy).spawn(n + 1)
    seeds, seen = [], set()
    for child in children[:n]:
        words = 1
        while True:
            seed = int(child.generate_state(words, np.uint32)[-1])
            if seed not in seen:
                break
            words += 1  # a 32-bit collision: take the child's next word
        seen.add(seed)
        seeds.append(seed)
    partition_rng = np.random.default_rng(children[n])
    return seeds, partition_rng


def split_partitions(y_strata, n_samples, n_partitions, rng):
    """Disjoint, shuffled index partitions covering ``range(n_samples)``.

    With ``y_strata`` (classifiers), each stratum is shuffled and dealt out in turn,
    continuing from where the previous stratum stopped, so partitions differ in size by
    at most one and each class is spread as evenly as its count allows.
    """
    if y_strata is None:
        perm = rng.permutation(n_samples)
        return [np.sort(p) for p in np.array_split(perm, n_partitions)]
    buckets = [[] for _ in range(n_partitions)]
    start = 0
    for label in range(int(y_strata.max()) + 1):
        members = np.flatnonzero(y_strata == label)
        members = members[rng.permutation(len(members))]
        for j in range(n_partitions):
            buckets[(start + j) % n_partitions].append(members[j::n_partitions])
        start = (start + len(members)) % n_partitions
    return [np.sort(np.concatenate(b)) for b in buckets]


def _validate_sample_weight(sample_weight, n_samples):
    """A 1-D float64 copy of ``sample_weight`` of length ``n_samples`` (public API only)."""
    sw = np.asarray(sample_weight, dtype=np.float64)
    if sw.ndim == 0:
        sw = np.full(n_samples, float(sw))
    if sw.ndim != 1 or sw.shape[0] != n_samples:
        raise ValueError(
            f"sample_weight.shape == {sw.shape}, expected ({n_samples},)."
        )
    if not np.all(np.isfinite(sw)):
        raise ValueError("sample_weight must be finite; got NaN or infinity.")
    if np.any(sw < 0):
        raise ValueError("Negative values in data passed to sample_weight.")
    return sw


class _BaseParallelForest(MetaEstimatorMixin, BaseEstimator):
    """Common code of ParallelForestClassifier and ParallelForestRegressor."""

    # Fits sub-estimators on fasthash worker threads (see utils._parallel.private_rng).
    _fasthash_thread_pool = True

    _default_estimator = None

    _parameter_constraints: dict = {
        "n_estimators": [Interval(Integral, 1, None, closed="left")],
        "mode": [StrOptions({"replicate", "partition"})],
        "n_partitions": [Interval(Integral, 1, None, closed="left"), None],
        "n_jobs": [NJobs(), None],
        "random_state": ["random_state", np.random.Generator],
        "verbose": ["verbose"],
    }

    def __init__(
        self,
        estimator=None,
        *,
        n_estimators=100,
        mode="replicate",
        n_partitions=None,
        n_jobs=None,
        random_state=None,
        verbose=0,
    ):
        self.estimator = estimator
        self.n_estimators = n_estimators
        self.mode = mode
        self.n_partitions = n_partitions
        self.n_jobs = n_jobs
        self.random_state = random_state
        self.verbose = verbose

    # -- validation ------------------------------------------------------------------

    def _template(self):
        return self._default_estimator() if self.estimator is None else self.estimator

    def _n_sub_forests(self, n_samples):
        """The number of sub-forests (checked against the other parameters and the data)."""
        name = type(self).__name__
        if self.n_partitions is None:
            k = min(8, int(self.n_estimators))
            if self.mode == "partition":
                k = min(k, n_samples)
            return k
        if self.n_partitions > self.n_estimators:
            raise ValueError(
                f"{name}: n_partitions={self.n_partitions} is larger than "
                f"n_estimators={self.n_estimators}; every sub-forest needs at least one "
                f"tree."
            )
        if self.mode == "partition" and self.n_partitions > n_samples:
            raise ValueError(
                f"{name}: n_partitions={self.n_partitions} is larger than the number of "
                f"samples, n_samples = {n_samples}, in mode='partition' (every partition "
                f"needs a sample)."
            )
        return int(self.n_partitions)

    # -- fit -------------------------------------------------------------------------

    def _prepare_y(self, y):
        """Validated y (1-D when single-output) and per-output classes (classifiers)."""
        return y, None

    def _global_class_weight(self, template, y, sample_weight):
        return None

    def _strata(self, y):
        return None

    def fit(self, X, y, sample_weight=None):
        """Fit sub-forests on a thread pool and merge them.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            Training data. Converted once to what scikit-learn's trees use
            (``float32``; CSC if sparse) and shared by every sub-forest.
        y : array-like of shape (n_samples,) or (n_samples, n_outputs)
            Targets.
        sample_weight : array-like of shape (n_samples,), default=None
            Sample weights, passed to the sub-forests (their partition's share of them
            in ``mode='partition'``).

        Returns
        -------
        self : object
            The fitted estimator.
        """
        if sp.issparse(y):
            raise ValueError("sparse multilabel-indicator for y is not supported.")
        validate_params(self)
        template = self._template()
        X, y = validate_data(
            self,
            X,
            y,
            multi_output=True,
            accept_sparse="csc",
            dtype=np.float32,
            ensure_all_finite=False,
        )
        if sp.issparse(X):
            X.sort_indices()  # once here, not in every sub-forest
        if sample_weight is not None:
            sample_weight = _validate_sample_weight(sample_weight, X.shape[0])
        y = np.asarray(y)
        if y.ndim == 2 and y.shape[1] == 1:
            warnings.warn(
                "A column-vector y was passed when a 1d array was expected. Please change "
                "the shape of y to (n_samples,), for example using ravel().",
                DataConversionWarning,
                stacklevel=2,
            )
            y = y.ravel()
        y = self._prepare_y(y)
        n_samples = X.shape[0]
        k = self._n_sub_forests(n_samples)
        seeds, rng = distinct_seeds(self.random_state, k)
        class_weight = self._global_class_weight(template, y, sample_weight)

        if self.mode == "replicate":
            parts = [None] * k
            sizes = [n_samples] * k
        else:
            parts = split_partitions(self._strata(y), n_samples, k, rng)
            sizes = [len(p) for p in parts]
        budgets = tree_budgets(sizes, int(self.n_estimators))

        base = clone(template)
        params = {"oob_score": False, "warm_start": False}
        if class_weight is not None:
            params["class_weight"] = class_weight
        base.set_params(**params)
        with_inner_n_jobs(base)

        def fit_one(task):
            index, budget, seed = task
            forest = clone(base).set_params(n_estimators=budget, random_state=seed)
            idx = parts[index]
            if idx is None:
                return forest.fit(X, y, sample_weight=sample_weight)
            sw = None if sample_weight is None else sample_weight[idx]
            return forest.fit(X[idx], y[idx], sample_weight=sw)

        on_result = None
        if self.verbose:
            name = type(self).__name__

            def on_result(i, forest):
                print(
                    f"[{name}] sub-forest {i + 1}/{k} fitted: {budgets[i]} trees on "
                    f"{sizes[i]} samples",
                    flush=True,
                )

        tasks = list(zip(range(k), budgets, seeds))
        forests = thread_map(fit_one, tasks, self.n_jobs, on_result=on_result)
        merged = merge_forests(forests)
        # The sub-forests saw validated arrays: give the merged forest the input's
        # feature names, so it checks them at predict time as a forest fitted on them.
        merged.__dict__.pop("feature_names_in_", None)
        if hasattr(self, "feature_names_in_"):
            merged.feature_names_in_ = self.feature_names_in_
        merged.random_state = self.random_state if isinstance(
            self.random_state, numbers.Integral
        ) else None
        self.estimator_ = merged
        self.n_outputs_ = merged.n_outputs_
        self.n_estimators_ = merged.n_estimators
        self.tree_budgets_ = budgets
        self.partition_sizes_ = sizes
        return self

    # -- delegation ------------------------------------------------------------------

    @property
    def estimators_(self):
        """The merged forest's trees (``estimator_.estimators_``)."""
        check_is_fitted(self, "estimator_")
        return self.estimator_.estimators_

    @property
    def feature_importances_(self):
        """Impurity-based feature importances of the merged forest."""
        check_is_fitted(self, "estimator_")
        return self.estimator_.feature_importances_

    def predict(self, X):
        """Predict with the merged forest (``estimator_.predict``).

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            Input samples.

        Returns
        -------
        y : ndarray of shape (n_samples,) or (n_samples, n_outputs)
            Predictions.
        """
        check_is_fitted(self, "estimator_")
        return self.estimator_.predict(X)

    def apply(self, X):
        """Leaf index of every sample in every tree (``estimator_.apply``).

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            Input samples.

        Returns
        -------
        X_leaves : ndarray of shape (n_samples, n_estimators)
            Leaf indices.
        """
        check_is_fitted(self, "estimator_")
        return self.estimator_.apply(X)

    def decision_path(self, X):
        """Decision paths in the merged forest (``estimator_.decision_path``).

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            Input samples.

        Returns
        -------
        indicator : sparse matrix of shape (n_samples, n_nodes)
            Node indicator matrix.
        n_nodes_ptr : ndarray of shape (n_estimators + 1,)
            Column ranges of each tree in ``indicator``.
        """
        check_is_fitted(self, "estimator_")
        return self.estimator_.decision_path(X)

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        template = self.estimator if self.estimator is not None else self._default_estimator()
        try:
            inner = get_tags(template)
        except Exception:  # noqa: BLE001 - an invalid estimator fails in fit, not here
            return tags
        tags.input_tags.sparse = inner.input_tags.sparse
        tags.input_tags.allow_nan = inner.input_tags.allow_nan
        tags.target_tags.multi_output = True
        tags.target_tags.single_output = True
        return tags


class ParallelForestClassifier(ClassifierMixin, _BaseParallelForest):
    """Random forest / extra-trees classifier trained as sub-forests on parallel threads.

    Sub-forests (clones of ``estimator`` with ``n_jobs=1``) are fitted on fasthash's
    thread pool, on the whole data (``mode='replicate'``: every sub-forest sees the same
    array, shared, never copied) or on disjoint stratified partitions
    (``mode='partition'``), then merged with :func:`merge_forests`, which aligns the
    classes, so a partition that never saw a class still lets the forest predict it.

    - Seeds: each sub-forest gets its own ``random_state``, derived from
      ``random_state`` with ``np.random.SeedSequence(random_state).spawn`` (never the
      same twice); the result does not depend on ``n_jobs``.
    - Tree budgets: ``n_estimators`` is split in proportion to the partition sizes
      (largest remainders, at least one tree per sub-forest); the budgets sum to
      ``n_estimators`` exactly.
    - Class weights: ``class_weight='balanced'`` on ``estimator`` (or
      ``'balanced_subsample'`` with ``bootstrap=False``, which means the same) is
      computed once on the full ``y`` (and ``sample_weight``) and passed to every
      sub-forest as an explicit dict. ``'balanced_subsample'`` with bootstrap stays
      per bootstrap sample, as in scikit-learn.
    - Out-of-bag estimates are not computed (``oob_score`` is turned off in the
      sub-forests): a merge makes them stale.

    Parameters
    ----------
    estimator : RandomForestClassifier or ExtraTreesClassifier, default=None
        Unfitted template of the sub-forests; ``None`` means
        ``RandomForestClassifier()``. Its ``n_estimators``, ``random_state``,
        ``n_jobs``, ``oob_score`` and ``warm_start`` are overridden.
    n_estimators : int, default=100
        Total number of trees.
    mode : {'replicate', 'partition'}, default='replicate'
        Train every sub-forest on the whole data, or each on its own disjoint
        partition (stratified by class, shuffled with ``random_state``).
    n_partitions : int, default=None
        Number of sub-forests (and of partitions); ``None`` means
        ``min(8, n_estimators)`` (and at most ``n_samples`` in partition mode). It does
        not depend on ``n_jobs``, so neither does the result.
    n_jobs : int, default=None
        Threads (fasthash's meaning: None = every usable CPU).
    random_state : int, RandomState instance, Generator or None, default=None
        Seeds the sub-forests and the partitioning (:func:`distinct_seeds`).
    verbose : int, default=0
        Print a line as each sub-forest finishes.

    Attributes
    ----------
    estimator_ : RandomForestClassifier or ExtraTreesClassifier
        The merged forest: a plain scikit-learn model usable without fasthash.
    estimators_ : list of DecisionTreeClassifier
        Its trees.
    classes_ : ndarray of shape (n_classes,) or list of ndarray
        Class labels (sorted union over partitions; all classes of ``y``).
    n_classes_ : int or list of int
        Number of classes (per output).
    n_outputs_ : int
        Number of outputs.
    n_features_in_ : int
        Number of features seen during fit.
    feature_names_in_ : ndarray of shape (`n_features_in_`,)
        Feature names, when X has string column names.
    n_estimators_ : int
        Number of trees of the merged forest (equals ``n_estimators``).
    tree_budgets_ : list of int
        Trees of each sub-forest.
    partition_sizes_ : list of int
        Samples each sub-forest was trained on.

    See Also
    --------
    merge_forests : Merge already-fitted forests.
    ParallelForestRegressor : The regression counterpart.

    Examples
    --------
    >>> from sklearn.datasets import load_iris
    >>> from sklearn.ensemble import ExtraTreesClassifier
    >>> from fasthash.ensemble import ParallelForestClassifier
    >>> X, y = load_iris(return_X_y=True)
    >>> clf = ParallelForestClassifier(
    ...     ExtraTreesClassifier(), n_estimators=20, n_partitions=4, n_jobs=2,
    ...     random_state=0,
    ... ).fit(X, y)
    >>> clf.tree_budgets_, len(clf.estimators_)
    ([5, 5, 5, 5], 20)
    >>> type(clf.estimator_).__name__
    'ExtraTreesClassifier'
    >>> clf.score(X, y)
    1.0
    """

    _default_estimator = RandomForestClassifier
    _parameter_constraints: dict = {
        **_BaseParallelForest._parameter_constraints,
        "estimator": [*FOREST_CLASSIFIERS, None],
    }

    def _prepare_y(self, y):
        check_classification_targets(y)
        return y

    def _strata(self, y):
        if y.ndim == 1:
            return np.unique(y, return_inverse=True)[1].ravel()
        # Strata are the distinct rows of labels; each column is encoded on its own first
        # (an object column may mix types that cannot be compared across columns).
        codes = np.column_stack(
            [np.unique(y[:, k], return_inverse=True)[1].ravel() for k in range(y.shape[1])]
        )
        return np.unique(codes, axis=0, return_inverse=True)[1].ravel()

    def _global_class_weight(self, template, y, sample_weight):
        cw = template.class_weight
        if cw == "balanced_subsample" and not template.bootstrap:
            cw = "balanced"
        if not isinstance(cw, str) or cw != "balanced":
            return None
        columns = [y] if y.ndim == 1 else [y[:, k] for k in range(y.shape[1])]
        weights = []
        for col in columns:
            classes = np.unique(col)
            # As the installed scikit-learn's forests compute them (see the constant).
            kwargs = {"sample_weight": sample_weight} if _BALANCED_BY_SAMPLE_WEIGHT else {}
            values = compute_class_weight("balanced", classes=classes, y=col, **kwargs)
            weights.append({c: float(w) for c, w in zip(classes.tolist(), values)})
        return weights[0] if y.ndim == 1 else weights

    def fit(self, X, y, sample_weight=None):  # noqa: D102 - documented in the base class
        super().fit(X, y, sample_weight=sample_weight)
        self.classes_ = self.estimator_.classes_
        self.n_classes_ = self.estimator_.n_classes_
        return self

    fit.__doc__ = _BaseParallelForest.fit.__doc__

    def predict_proba(self, X):
        """Class probabilities of the merged forest (``estimator_.predict_proba``).

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            Input samples.

        Returns
        -------
        p : ndarray of shape (n_samples, n_classes), or a list of such arrays
            Mean of the trees' class probabilities; columns follow ``classes_``.
        """
        check_is_fitted(self, "estimator_")
        return self.estimator_.predict_proba(X)

    def predict_log_proba(self, X):
        """Log of :meth:`predict_proba` (``estimator_.predict_log_proba``).

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            Input samples.

        Returns
        -------
        p : ndarray of shape (n_samples, n_classes), or a list of such arrays
            Log-probabilities; columns follow ``classes_``.
        """
        check_is_fitted(self, "estimator_")
        return self.estimator_.predict_log_proba(X)

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.classifier_tags.multi_label = True
        return tags


class ParallelForestRegressor(RegressorMixin, _BaseParallelForest):
    """Random forest / extra-trees regressor trained as sub-forests on parallel threads.

    Sub-forests (clones of ``estimator`` with ``n_jobs=1``) are fitted on fasthash's
    thread pool, on the whole data (``mode='replicate'``, shared, never copied) or on
    disjoint shuffled partitions (``mode='partition'``), with distinct seeds derived from
    ``random_state`` and tree budgets in proportion to partition sizes summing to
    ``n_estimators``, then merged with :func:`merge_forests`. The result does not depend
    on ``n_jobs``. Out-of-bag estimates are not computed (a merge makes them stale).

    Parameters
    ----------
    estimator : RandomForestRegressor or ExtraTreesRegressor, default=None
        Unfitted template of the sub-forests; ``None`` means ``RandomForestRegressor()``.
        Its ``n_estimators``, ``random_state``, ``n_jobs``, ``oob_score`` and
        ``warm_start`` are overridden.
    n_estimators : int, default=100
        Total number of trees.
    mode : {'replicate', 'partition'}, default='replicate'
        Train every sub-forest on the whole data, or each on its own disjoint
        partition (shuffled with ``random_state``).
    n_partitions : int, default=None
        Number of sub-forests; ``None`` means ``min(8, n_estimators)`` (and at most
        ``n_samples`` in partition mode).
    n_jobs : int, default=None
        Threads (fasthash's meaning: None = every usable CPU).
    random_state : int, RandomState instance, Generator or None, default=None
        Seeds the sub-forests and the partitioning (:func:`distinct_seeds`).
    verbose : int, default=0
        Print a line as each sub-forest finishes.

    Attributes
    ----------
    estimator_ : RandomForestRegressor or ExtraTreesRegressor
        The merged forest: a plain scikit-learn model usable without fasthash.
    estimators_ : list of DecisionTreeRegressor
        Its trees.
    n_outputs_ : int
        Number of outputs.
    n_features_in_ : int
        Number of features seen during fit.
    feature_names_in_ : ndarray of shape (`n_features_in_`,)
        Feature names, when X has string column names.
    n_estimators_ : int
        Number of trees of the merged forest.
    tree_budgets_ : list of int
        Trees of each sub-forest.
    partition_sizes_ : list of int
        Samples each sub-forest was trained on.

    See Also
    --------
    merge_forests : Merge already-fitted forests.
    ParallelForestClassifier : The classification counterpart.

    Examples
    --------
    >>> import numpy as np
    >>> from fasthash.ensemble import ParallelForestRegressor
    >>> rng = np.random.RandomState(0)
    >>> X = rng.uniform(size=(200, 3))
    >>> y = X[:, 0] + 2 * X[:, 1]
    >>> reg = ParallelForestRegressor(
    ...     n_estimators=10, mode="partition", n_partitions=3, random_state=0
    ... ).fit(X, y)
    >>> reg.tree_budgets_, reg.partition_sizes_
    ([4, 3, 3], [67, 67, 66])
    >>> reg.score(X, y) > 0.9
    True
    """

    _default_estimator = RandomForestRegressor
    _parameter_constraints: dict = {
        **_BaseParallelForest._parameter_constraints,
        "estimator": [*FOREST_REGRESSORS, None],
    }

    def _prepare_y(self, y):
        if y.dtype.kind not in "biuf":
            try:
                y = y.astype(np.float64)
            except (TypeError, ValueError) as exc:
                raise ValueError(
                    f"{type(self).__name__} needs numeric targets; y has dtype {y.dtype}."
                ) from exc
        return y
