# Authors: The fasthash developers
# SPDX-License-Identifier: BSD-3-Clause
"""Merging fitted forests into one scikit-learn forest: :func:`merge_forests`.

:func:`merge_forests` concatenates the trees of fitted RandomForest / ExtraTrees models
into a new, ordinary scikit-learn forest. For classifiers the classes are aligned to the
sorted union of every forest's ``classes_``: each tree's class columns are remapped, so a
forest that never saw a class gives it probability 0 instead of voting for whatever class
happens to share its column index. The estimators that train forests in parallel and merge
them are in :mod:`fasthash.ensemble._forest`.

How scikit-learn stores a forest classifier's trees (scikit-learn >= 1.4; checked against
``sklearn/ensemble/_forest.py`` and ``sklearn/tree/_classes.py``): the forest encodes
``y`` as ``0..n_classes-1`` before fitting its trees, so every tree's ``classes_`` is
``arange(n_classes, dtype=float)`` of its own forest, and ``tree_.value`` has shape
``(node_count, n_outputs, max_n_classes)`` and holds per-node class *fractions* (each
output's row sums to 1). A tree's ``predict_proba`` returns ``value[leaf, k, :n_classes_k]``
and the forest's ``predict_proba`` is the plain mean over trees of those rows, so
remapping the fraction columns into the union of classes (zeros elsewhere) makes the
merged forest's probabilities the tree-count-weighted mean of the forests' probabilities
over the aligned classes. The tree's state is reached through
:func:`fasthash.utils._sklearn_compat.tree_with_class_columns`.
"""

import copy
import numbers

import numpy as np
from sklearn.base import BaseEstimator, is_classifier
from sklearn.ensemble import (
    ExtraTreesClassifier,
    ExtraTreesRegressor,
    RandomForestClassifier,
    RandomForestRegressor,
)
from sklearn.utils.validation import check_is_fitted

from fasthash.exceptions import IncompatibleModelsError
from fasthash.utils._sklearn_compat import FOREST_SAMPLE_ATTRIBUTES, tree_with_class_columns

__all__ = ["FOREST_CLASSIFIERS", "FOREST_REGRESSORS", "merge_forests"]

FOREST_CLASSIFIERS = (RandomForestClassifier, ExtraTreesClassifier)
FOREST_REGRESSORS = (RandomForestRegressor, ExtraTreesRegressor)
_FORESTS = FOREST_CLASSIFIERS + FOREST_REGRESSORS

# Hyper-parameters that change what a tree's output means, or what the forest promises
# about it: forests that differ in one of them are refused. (Parameters that only change
# how big or how regularised the trees are -- n_estimators, max_depth, min_samples_*,
# bootstrap, max_samples, ccp_alpha, ... -- may differ: the merged forest is still a valid
# forest, as a forest of trees with different depths is.)
_SEMANTIC_PARAMS = ("criterion", "max_features", "class_weight", "monotonic_cst")

# Fitted attributes that describe the data a single forest was trained on and become
# wrong after a merge (``estimators_samples_`` is a property computed from the private ones).
_STALE_ATTRIBUTES = (
    "oob_score_",
    "oob_decision_function_",
    "oob_prediction_",
    *FOREST_SAMPLE_ATTRIBUTES,
)


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
    the new class list of that output; ``n_classes_new[k]`` is that list's length.
    """
    tree = copy.deepcopy(tree)
    new_tree = tree_with_class_columns(tree.tree_, n_classes_new, columns)
    if new_tree is None:
        raise IncompatibleModelsError(
            "Cannot merge forests whose classes_ differ with this scikit-learn: the "
            "layout of its trees' state is not the one fasthash knows (see the warning). "
            "Forests with the same classes_ can still be merged."
        )
    tree.tree_ = new_tree
    n_outputs = len(columns)
    n_classes_new = np.asarray(n_classes_new, dtype=np.intp)
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
