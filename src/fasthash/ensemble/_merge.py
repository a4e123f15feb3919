# Authors: The fasthash developers
# SPDX-License-Identifier: BSD-3-Clause
"""Forests trained in parallel threads and merged into one scikit-learn forest.

Two pieces (DESIGN.md, "The parallel ML layer"):

- :func:`merge_forests` concatenates the trees of fitted RandomForest / ExtraTrees models
  into a new, ordinary scikit-learn forest. For classifiers the classes are aligned to the
  sorted union of every forest's ``classes_``: each tree's class columns are remapped, so
  a forest that never saw a class gives it probability 0 instead of voting for whatever
  class happens to share its column index.
- :class:`ParallelForestClassifier` and :class:`ParallelForestRegressor` fit sub-forests on
  fasthash's thread pool (scikit-learn's tree builder releases the GIL), on the whole data
  ("replicate", the data is shared, not copied) or on disjoint partitions ("partition"),
  with distinct seeds, tree budgets proportional to partition sizes and class weights
  computed once on the full ``y``, then merge them.

How scikit-learn stores a forest classifier's trees (scikit-learn >= 1.4; checked against
``sklearn/ensemble/_forest.py`` and ``sklearn/tree/_classes.py``): the forest encodes
``y`` as ``0..n_classes-1`` before fitting its trees, so every tree's ``classes_`` is
``arange(n_classes, dtype=float)`` of its own forest, and ``tree_.value`` has shape
``(node_count, n_outputs, max_n_classes)`` and holds per-node class *fractions* (each
output's row sums to 1). A tree's ``predict_proba`` returns ``value[leaf, k, :n_classes_k]``
and the forest's ``predict_proba`` is the plain mean over trees of those rows, so
remapping the fraction columns into the union of classes (zeros elsewhere) makes the
merged forest's probabilities the tree-count-weighted mean of the forests' probabilities
over the aligned classes.
"""

import copy
import numbers
import warnings

import numpy as np
import scipy.sparse as sp
from sklearn.base import (
    BaseEstimator,
    ClassifierMixin,
    MetaEstimatorMixin,
    RegressorMixin,
    clone,
    is_classifier,
)
from sklearn.ensemble import (
    ExtraTreesClassifier,
    ExtraTreesRegressor,
    RandomForestClassifier,
    RandomForestRegressor,
)
from sklearn.exceptions import DataConversionWarning
from sklearn.utils import get_tags
from sklearn.utils.class_weight import compute_class_weight
from sklearn.utils.multiclass import check_classification_targets
from sklearn.utils.validation import check_is_fitted, validate_data

from fasthash.exceptions import IncompatibleModelsError
from fasthash.utils._parallel import thread_map, with_inner_n_jobs

__all__ = ["merge_forests", "ParallelForestClassifier", "ParallelForestRegressor"]

_FOREST_CLASSIFIERS = (RandomForestClassifier, ExtraTreesClassifier)
_FOREST_REGRESSORS = (RandomForestRegressor, ExtraTreesRegressor)
_FORESTS = _FOREST_CLASSIFIERS + _FOREST_REGRESSORS

# Hyper-parameters that change what a tree's output means, or what the forest promises
# about it: forests that differ in one of them are refused. (Parameters that only change
# how big or how regularised the trees are -- n_estimators, max_depth, min_samples_*,
# bootstrap, max_samples, ccp_alpha, ... -- may differ: the merged forest is still a valid
# forest, as a forest of trees with different depths is.)
_SEMANTIC_PARAMS = ("criterion", "max_features", "class_weight", "monotonic_cst")

# Fitted attributes that describe the data a single forest was trained on and become
# wrong after a merge. ``estimators_samples_`` is a property computed from the last three.
_STALE_ATTRIBUTES = (
    "oob_score_",
    "oob_decision_function_",
    "oob_prediction_",
    "_n_samples",
    "_n_samples_bootstrap",
    "_sample_weight",
)

# Largest seed numpy's legacy RandomState accepts (what scikit-learn's trees use).
_MAX_SEED = np.iinfo(np.uint32).max


def _describe(forest, index):
    return f"forest {index} ({type(forest).__name__})"


def _same_param(a, b):
    if isinstance(a, (list, tuple, np.ndarray)) or isinstance(b, (list, tuple, np.ndarray)):
        try:
            return np.array_equal(np.asarray(a, dtype=object), np.asarray(b, dtype=object))
        except Exception:  # noqa: BLE001 - ragged lists of dicts
            return a == b
    try:
        return bool(a == b)
    except Exception:  # noqa: BLE001 - objects whose == does not give a bool
        return a is b


# Criteria that are two names of one thing.
_CRITERION_ALIASES = {"log_loss": "entropy"}


def _resolved_max_features(forest):
    # What the trees actually used: max_features resolved against n_features_in_
    # ("sqrt", None, 1.0, 0.5, an int ... all become an int).
    return getattr(forest.estimators_[0], "max_features_", None) if forest.estimators_ else None


def _same_semantics(name, a, b, forest_a, forest_b):
    if name == "criterion":
        return _CRITERION_ALIASES.get(a, a) == _CRITERION_ALIASES.get(b, b)
    if name == "max_features":
        if _same_param(a, b):
            return True
        ra, rb = _resolved_max_features(forest_a), _resolved_max_features(forest_b)
        return ra is not None and ra == rb
    return _same_param(a, b)


def _classes_per_output(forest):
    """``classes_`` as a list with one array per output."""
    if forest.n_outputs_ == 1:
        return [np.asarray(forest.classes_)]
    return [np.asarray(c) for c in forest.classes_]


def _check_forests(forests):
    if isinstance(forests, BaseEstimator):
        raise TypeError(
            "merge_forests expects a sequence of fitted forests, got a single "
            f"{type(forests).__name__}; wrap it in a list."
        )
    forests = list(forests)
    if not forests:
        raise ValueError("merge_forests needs at least one fitted forest, got an empty sequence.")
    for i, forest in enumerate(forests):
        if not isinstance(forest, _FORESTS):
            raise TypeError(
                f"merge_forests merges RandomForestClassifier, RandomForestRegressor, "
                f"ExtraTreesClassifier and ExtraTreesRegressor models; item {i} is "
                f"{type(forest).__name__}."
            )
        check_is_fitted(forest, "estimators_")
    first = forests[0]
    for i, forest in enumerate(forests[1:], start=1):
        where = f"{_describe(first, 0)} and {_describe(forest, i)}"
        if type(forest) is not type(first):
            raise IncompatibleModelsError(
                f"Cannot merge forests of different classes: {where}."
            )
        if forest.n_outputs_ != first.n_outputs_:
            raise IncompatibleModelsError(
                f"Cannot merge forests with different n_outputs_: {where} have "
                f"{first.n_outputs_} and {forest.n_outputs_}."
            )
        if forest.n_features_in_ != first.n_features_in_:
            raise IncompatibleModelsError(
                f"Cannot merge forests with different n_features_in_: {where} have "
                f"{first.n_features_in_} and {forest.n_features_in_}."
            )
        names_a = getattr(first, "feature_names_in_", None)
        names_b = getattr(forest, "feature_names_in_", None)
        if (names_a is None) != (names_b is None):
            with_names = 0 if names_a is not None else i
            raise IncompatibleModelsError(
                f"Cannot merge a forest fitted with feature names and one fitted without: "
                f"{where} (only forest {with_names} has feature_names_in_)."
            )
        if names_a is not None and not np.array_equal(names_a, names_b):
            if sorted(map(str, names_a)) == sorted(map(str, names_b)):
                detail = "the same names in a different order"
            else:
                detail = "different names"
            raise IncompatibleModelsError(
                f"Cannot merge forests with different feature_names_in_ ({detail}): "
                f"{where} have {list(names_a)} and {list(names_b)}."
            )
        for name in _SEMANTIC_PARAMS:
            a, b = getattr(first, name, None), getattr(forest, name, None)
            if not _same_semantics(name, a, b, first, forest):
                raise IncompatibleModelsError(
                    f"Cannot merge forests with different {name}: {where} have "
                    f"{name}={a!r} and {name}={b!r}."
                )
        if is_classifier(first):
            for k, (ca, cb) in enumerate(
                zip(_classes_per_output(first), _classes_per_output(forest))
            ):
                if _label_kind(ca) != _label_kind(cb):
                    output = f" (output {k})" if first.n_outputs_ > 1 else ""
                    raise IncompatibleModelsError(
                        f"Cannot merge forests whose class labels{output} are of different "
                        f"kinds: {where} have classes_ {ca.tolist()!r} and {cb.tolist()!r}."
                    )
    return forests


def _label_kind(classes):
    """'number' or 'string' (or 'other'): labels of different kinds cannot be united."""
    if classes.dtype.kind in "biuf":
        return "number"
    if classes.dtype.kind in "US":
        return "string"
    kinds = {
        "number" if isinstance(c, (numbers.Number, np.number)) and not isinstance(c, bool)
        else "string" if isinstance(c, (str, bytes, np.str_, np.bytes_))
        else "other"
        for c in classes.tolist()
    }
    return kinds.pop() if len(kinds) == 1 else "other"


def _union_classes(class_arrays):
    union = class_arrays[0]
    for c in class_arrays[1:]:
        union = np.union1d(union, c)
    return union


def _remap_tree(tree, n_classes_new, columns):
    """Copy of a fitted tree whose class columns are moved into the union of classes.

    ``columns[k]`` gives, for each of the tree's classes of output ``k``, its index in
    the new class list of that output; ``n_classes_new[k]`` is that list's length. The
    low-level ``Tree`` is rebuilt through its pickle protocol (``__reduce__`` /
    ``__setstate__``), the same path ``pickle`` and ``copy.deepcopy`` use.
    """
    tree = copy.deepcopy(tree)
    cls, (n_features, _, n_outputs), state = tree.tree_.__reduce__()
    values = state["values"]
    n_classes_new = np.asarray(n_classes_new, dtype=np.intp)
    new_values = np.zeros(
        (values.shape[0], n_outputs, int(n_classes_new.max())), dtype=values.dtype
    )
    for k in range(n_outputs):
        cols = np.asarray(columns[k], dtype=np.intp)
        new_values[:, k, cols] = values[:, k, : cols.shape[0]]
    state = dict(state, values=np.ascontiguousarray(new_values))
    new_tree = cls(n_features, n_classes_new, n_outputs)
    new_tree.__setstate__(state)
    tree.tree_ = new_tree
    if n_outputs == 1:
        tree.n_classes_ = int(n_classes_new[0])
        tree.classes_ = np.arange(n_classes_new[0], dtype=np.float64)
    else:
        tree.n_classes_ = n_classes_new
        tree.classes_ = [np.arange(n, dtype=np.float64) for n in n_classes_new]
    return tree


def merge_forests(forests):
    """Merge fitted random forests or extra-trees into one new fitted forest.

    The trees of every forest are deep-copied and concatenated, in order, into a copy of
    the first forest. For classifiers, ``classes_`` becomes the sorted union of the
    forests' classes (per output for multi-output models) and each tree's class columns
    are remapped into it, so a forest that never saw a class gives it probability 0.
    The merged forest's ``predict_proba`` is therefore the mean of the forests'
    ``predict_proba`` over the aligned classes, weighted by their numbers of trees.

    The result is a plain scikit-learn forest (it predicts, scores and pickles without
    fasthash). ``n_estimators`` is the total number of trees and ``oob_score`` is set to
    False; fitted attributes that describe one forest's training data (``oob_score_``,
    ``oob_decision_function_``, ``oob_prediction_`` and the bookkeeping behind
    ``estimators_samples_``) are dropped. Other parameters are those of the first forest.
    Merging is associative: ``merge_forests([merge_forests([a, b]), c])`` has the same
    trees, in the same order, as ``merge_forests([a, b, c])``.

    Parameters
    ----------
    forests : sequence of fitted forests
        ``RandomForestClassifier``, ``ExtraTreesClassifier``, ``RandomForestRegressor``
        or ``ExtraTreesRegressor`` models, all of the same class. They are not modified.

    Returns
    -------
    forest : estimator of the same class as ``forests[0]``
        A new fitted forest with ``sum(len(f.estimators_) for f in forests)`` trees.

    Raises
    ------
    IncompatibleModelsError
        If the forests differ in class, ``n_outputs_``, ``n_features_in_``,
        ``feature_names_in_`` (names or order), one of the hyper-parameters
        ``criterion`` (``'log_loss'`` and ``'entropy'`` count as one), ``max_features``
        (compared as resolved by the trees, so ``None`` and ``1.0`` match),
        ``class_weight``, ``monotonic_cst``, or have class labels of different kinds
        (numbers and strings). The message names the first difference found.
    TypeError
        If an item is not one of the four forest classes.
    ValueError
        If ``forests`` is empty.
    sklearn.exceptions.NotFittedError
        If a forest is not fitted.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn.ensemble import RandomForestClassifier
    >>> from fasthash.ensemble import merge_forests
    >>> X = np.array([[0.0], [1.0], [2.0], [3.0], [4.0], [5.0]])
    >>> y = np.array(["a", "a", "b", "b", "c", "c"])
    >>> f1 = RandomForestClassifier(n_estimators=3, random_state=0).fit(X[:4], y[:4])
    >>> f2 = RandomForestClassifier(n_estimators=2, random_state=1).fit(X[2:], y[2:])
    >>> merged = merge_forests([f1, f2])
    >>> merged.n_estimators, merged.classes_.tolist()
    (5, ['a', 'b', 'c'])
    >>> f1.classes_.tolist(), f1.predict_proba([[5.0]]).tolist()
    (['a', 'b'], [[0.0, 1.0]])
    >>> f2.classes_.tolist(), f2.predict_proba([[5.0]]).tolist()
    (['b', 'c'], [[0.0, 1.0]])

    ``f1`` never saw ``'c'``: its trees give it probability 0, and the merged
    probabilities are the tree-weighted mean ``(3 * [0, 1, 0] + 2 * [0, 0, 1]) / 5``:

    >>> merged.predict_proba([[5.0]]).tolist()
    [[0.0, 0.6, 0.4]]
    """
    forests = _check_forests(forests)
    first = forests[0]
    # A shallow copy of the first forest, stripped of its trees, is the template: its
    # parameters and fitted attributes are kept, its trees are replaced.
    skipped = {"estimators_", *_STALE_ATTRIBUTES}
    merged = copy.copy(first)
    merged.__dict__ = copy.deepcopy(
        {k: v for k, v in first.__dict__.items() if k not in skipped}
    )

    trees = []
    if is_classifier(first):
        n_outputs = first.n_outputs_
        per_forest = [_classes_per_output(f) for f in forests]
        union = [_union_classes([c[k] for c in per_forest]) for k in range(n_outputs)]
        n_union = [len(u) for u in union]
        for forest, classes in zip(forests, per_forest):
            columns = [np.searchsorted(union[k], classes[k]) for k in range(n_outputs)]
            identity = all(
                len(classes[k]) == n_union[k] for k in range(n_outputs)
            )
            for tree in forest.estimators_:
                if identity:
                    trees.append(copy.deepcopy(tree))
                else:
                    trees.append(_remap_tree(tree, n_union, columns))
        if n_outputs == 1:
            merged.classes_ = union[0]
            merged.n_classes_ = n_union[0]
        else:
            merged.classes_ = union
            merged.n_classes_ = n_union
    else:
        for forest in forests:
            trees.extend(copy.deepcopy(tree) for tree in forest.estimators_)

    merged.estimators_ = trees
    merged.n_estimators = len(trees)
    merged.oob_score = False
    return merged


# ----------------------------------------------------------------------------------------
# Thread-parallel training


def _tree_budgets(sizes, n_estimators):
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


def _distinct_seeds(random_state, n):
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


def _split_partitions(y_strata, n_samples, n_partitions, rng):
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


_MODES = ("replicate", "partition")


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
    _allowed = ()

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
        if self.estimator is None:
            return self._default_estimator()
        if not isinstance(self.estimator, self._allowed) or isinstance(self.estimator, type):
            allowed = ", ".join(c.__name__ for c in self._allowed)
            raise TypeError(
                f"{type(self).__name__}: estimator must be an unfitted instance of one of "
                f"{allowed}, or None; got {self.estimator!r}."
            )
        return self.estimator

    def _check_params(self, n_samples):
        name = type(self).__name__
        if (
            isinstance(self.n_estimators, bool)
            or not isinstance(self.n_estimators, numbers.Integral)
            or self.n_estimators < 1
        ):
            raise ValueError(
                f"{name}: n_estimators must be an int >= 1, got {self.n_estimators!r}."
            )
        if self.mode not in _MODES:
            raise ValueError(
                f"{name}: mode must be 'replicate' or 'partition', got {self.mode!r}."
            )
        if self.n_partitions is None:
            k = min(8, int(self.n_estimators))
            if self.mode == "partition":
                k = min(k, n_samples)
            return k
        if (
            isinstance(self.n_partitions, bool)
            or not isinstance(self.n_partitions, numbers.Integral)
            or self.n_partitions < 1
        ):
            raise ValueError(
                f"{name}: n_partitions must be None or an int >= 1, got "
                f"{self.n_partitions!r}."
            )
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
        k = self._check_params(n_samples)
        seeds, rng = _distinct_seeds(self.random_state, k)
        class_weight = self._global_class_weight(template, y, sample_weight)

        if self.mode == "replicate":
            parts = [None] * k
            sizes = [n_samples] * k
        else:
            parts = _split_partitions(self._strata(y), n_samples, k, rng)
            sizes = [len(p) for p in parts]
        budgets = _tree_budgets(sizes, int(self.n_estimators))

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
    random_state : int, RandomState instance or None, default=None
        Seeds the sub-forests and the partitioning.
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
    _allowed = _FOREST_CLASSIFIERS

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
            values = compute_class_weight(
                "balanced", classes=classes, y=col, sample_weight=sample_weight
            )
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
    random_state : int, RandomState instance or None, default=None
        Seeds the sub-forests and the partitioning.
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
    _allowed = _FOREST_REGRESSORS

    def _prepare_y(self, y):
        if y.dtype.kind not in "biuf":
            try:
                y = y.astype(np.float64)
            except (TypeError, ValueError) as exc:
                raise ValueError(
                    f"{type(self).__name__} needs numeric targets; y has dtype {y.dtype}."
                ) from exc
        return y
