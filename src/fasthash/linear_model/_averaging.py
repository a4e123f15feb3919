# Authors: The fasthash developers
# SPDX-License-Identifier: BSD-3-Clause
"""Linear models trained on partitions of the data in parallel threads, then averaged.

Two pieces (DESIGN.md, "The parallel ML layer"):

- :func:`average_models` averages already-fitted linear models (anything with ``coef_``
  and ``intercept_``: SGD*, Perceptron, PassiveAggressive*, LogisticRegression,
  LinearSVC/LinearSVR, Ridge*, LinearRegression, ...) into a new, ordinary scikit-learn
  estimator of the same class;
- :class:`AveragedLinearModel` does the whole job: split ``X``/``y`` into partitions, fit a
  clone per partition on fasthash's thread pool, average; optionally several rounds of
  iterative parameter mixing (each round warm-starts every partition from the last
  average), and ``partial_fit`` for streams.

The averaging is an associative reduction over :class:`_Contribution` objects, so the same
code runs as a tree over threads or over cluster workers::

    average = _finalize(tree_reduce(_combine, [_contribution(m, w) for m, w in ...]))

Rules (each one tested):

- **Weights.** Model ``p`` has weight ``w_p`` (its partition size). Every row of
  ``coef_`` and every intercept is the weighted mean of the models' rows.
- **One global label set.** With ``classes=`` (the meta-estimator always passes the labels
  of the whole ``y``), each model's rows are placed at the position of their class in the
  global label set, and the row of class ``c`` is averaged *only over the models whose
  training data contained* ``c``: a partition that never saw ``c`` neither changes the
  shape of ``coef_`` nor teaches "never ``c``". (A model that has a row for ``c`` without
  having seen it, e.g. after warm-starting, keeps a vanishing weight, ``1e-9 w_p``, so a
  class that no model saw in the last round keeps the plain average.) A binary model
  (one row ``w``, positive class ``classes_[1]``) inside a multiclass label set is the pair
  of rows ``(-w, w)`` for its two classes (one-vs-rest estimators) or ``(-w/2, w/2)``
  (multinomial LogisticRegression); without ``classes=``, a binary model is never mixed
  with a multiclass one.
- **Compatibility.** Models must share estimator class, semantic hyper-parameters (those
  that change what the fitted attributes mean: ``loss``, ``penalty``, ``fit_intercept``,
  ``average``, ``multi_class``, the liblinear-ness of LogisticRegression's solver),
  ``n_features_in_``, ``feature_names_in_`` (same order) and ``classes_`` (or a subset of
  the given ``classes``); otherwise :class:`~fasthash.exceptions.IncompatibleModelsError`
  names the first difference.
- **Averaged SGD.** With ``average`` set, scikit-learn keeps the plain iterate
  (``_standard_coef``, ``_standard_intercept``), the running average (``_average_coef``,
  ``_average_intercept``) and the update count ``t_``; all are averaged (``t_`` by weight)
  and ``coef_``/``intercept_`` are then chosen from them by scikit-learn's own rule, so a
  ``partial_fit`` of the averaged model continues both iterates.
- **Sparse coef_.** Models whose ``coef_`` was ``sparsify()``-ed are averaged as sparse
  matrices; the result is sparse when every input was.
- **Per-feature weighting** (``feature_weights``): model ``p``'s weight for column ``j`` is
  ``w_p * feature_weights[p, j]`` (e.g. how often partition ``p`` saw column ``j``), so a
  hashed column seen by one partition only is not diluted by the zeros of the others.
  Columns that no model saw keep the plain average.
"""

import contextlib
import copy
import inspect
import numbers

import numpy as np
import scipy.sparse as sp
from sklearn.base import BaseEstimator, MetaEstimatorMixin, clone, is_classifier
from sklearn.exceptions import NotFittedError
from sklearn.utils import check_random_state, get_tags
from sklearn.utils.metaestimators import available_if
from sklearn.utils.multiclass import check_classification_targets
from sklearn.utils.validation import check_is_fitted, validate_data

from fasthash.exceptions import IncompatibleModelsError
from fasthash.utils._columns import compact_for_fit, expand_columns, same_solver
from fasthash.utils._parallel import private_rng, thread_map, with_inner_n_jobs
from fasthash.utils._threads import effective_n_jobs

__all__ = ["AveragedLinearModel", "average_models"]

# Hyper-parameters that change what coef_/intercept_ mean (or which fitted state exists):
# models that differ in one of them are refused. Training-only settings (alpha, C, tol,
# max_iter, learning_rate, random_state, ...) may differ.
_SEMANTIC_PARAMS = ("loss", "penalty", "fit_intercept", "multi_class", "average")

# Arrays of scikit-learn's averaged SGD state (sklearn/linear_model/_stochastic_gradient.py):
# coefficient-like ones (rows x features) and intercept-like ones (rows).
_SGD_COEF_STATE = ("_standard_coef", "_average_coef")
_SGD_INTERCEPT_STATE = ("_standard_intercept", "_average_intercept")

# Weight of a row a model holds for a class its training data did not contain, relative to
# the model's weight: small enough not to matter next to models that saw the class, nonzero
# so that a class no model saw keeps the plain average instead of becoming undefined.
_UNSEEN_ROW_WEIGHT = 1e-9
# Same idea for columns under per-feature weighting.
_UNSEEN_COLUMN_WEIGHT = 1e-9


# ---------------------------------------------------------------------------------------
# The reduction: contribution -> combine -> finalize
# ---------------------------------------------------------------------------------------


class _Contribution:
    """Weighted partial sums of one or more fitted linear models (picklable).

    Attributes
    ----------
    estimator_class : type
    params : dict
        Semantic hyper-parameters (see ``_SEMANTIC_PARAMS``).
    n_features_in : int
    feature_names_in : ndarray of str or None
    classes : ndarray or None
        The (global) label set the rows are aligned to; None for regressors.
    n_rows : int
        Rows of the 2-D coefficient arrays (1 for binary / single-target models).
    coef_ndim, intercept_scalar : int, bool
        How to give ``coef_``/``intercept_`` back their original shapes.
    sums : dict of str -> ndarray or sparse matrix
        Weighted sums of ``coef_``, ``intercept_`` and, for averaged SGD, the arrays of
        ``_SGD_COEF_STATE`` and ``_SGD_INTERCEPT_STATE``, all as 2-D (rows, features) or
        1-D (rows,) arrays.
    row_weight : ndarray of shape (n_rows,)
        Sum of the weights of each row (the per-class weights used for class alignment).
    column_weight : ndarray of shape (n_rows, n_features) or (1, n_features) or None
        Sum of the per-(row, column) weights, with per-feature weighting only ((1, d) while
        every row has the same weights).
    total_weight : float
    t_sum : float or None
        Weighted sum of SGD's ``t_``.
    n_iter : float or None
        Largest scalar ``n_iter_``.
    n_models : int
    origin : int
        Index of the first model summed here (for error messages).
    template : estimator
        A fitted model of the class, without its coefficients, finalised into the result.
    template_complete : bool
        Whether the template's own classes_ are the whole label set.
    """

    def __init__(self, **fields):
        self.__dict__.update(fields)

    def __repr__(self):
        return (
            f"_Contribution({self.estimator_class.__name__}, n_models={self.n_models}, "
            f"total_weight={self.total_weight!r})"
        )


def _semantic_params(model):
    params = model.get_params(deep=False)
    out = {name: params[name] for name in _SEMANTIC_PARAMS if name in params}
    if "solver" in params and type(model).__name__ == "LogisticRegression":
        # liblinear fits one-vs-rest, the other solvers a multinomial model.
        out["solver is liblinear"] = params["solver"] == "liblinear"
    return out


def _is_multinomial(model):
    params = model.get_params(deep=False)
    if type(model).__name__ == "LogisticRegression":
        return params.get("solver") != "liblinear" and params.get("multi_class") != "ovr"
    return False


def _as_rows(array, name, model_name):
    """``coef_``-like to 2-D (rows, features), dense ndarray or csr; also returns ndim."""
    if sp.issparse(array):
        return sp.csr_matrix(array, dtype=np.float64), 2
    array = np.asarray(array, dtype=np.float64)
    if array.ndim == 1:
        return array.reshape(1, -1), 1
    if array.ndim != 2:
        raise IncompatibleModelsError(
            f"{model_name}.{name} has shape {array.shape}; a linear model's {name} is 1-D "
            "or 2-D."
        )
    return array, 2


def _scale_rows(matrix, factors):
    """Multiply row i of a dense or sparse matrix by factors[i]."""
    if sp.issparse(matrix):
        return sp.csr_matrix(sp.diags(factors) @ matrix)
    return matrix * factors[:, None]


def _align(matrix, mapping, n_rows, binary_factor):
    """Place the rows of one model at their global positions.

    ``mapping[i]`` is the global row of the model's row ``i``. A binary model (one row, two
    classes) given as ``binary_factor`` not None becomes rows ``(-f w, f w)``.
    """
    if binary_factor is not None:
        neg, pos = mapping
        if sp.issparse(matrix):
            out = sp.lil_matrix((n_rows, matrix.shape[1]))
            out[pos] = matrix[0] * binary_factor
            out[neg] = matrix[0] * -binary_factor
            return sp.csr_matrix(out)
        out = np.zeros((n_rows, matrix.shape[1]))
        out[pos] = matrix[0] * binary_factor
        out[neg] = matrix[0] * -binary_factor
        return out
    if sp.issparse(matrix):
        perm = sp.csr_matrix(
            (np.ones(len(mapping)), (np.asarray(mapping), np.arange(len(mapping)))),
            shape=(n_rows, matrix.shape[0]),
        )
        return sp.csr_matrix(perm @ matrix)
    out = np.zeros((n_rows, matrix.shape[1]))
    out[np.asarray(mapping)] = matrix
    return out


def _align_vector(vector, mapping, n_rows, binary_factor):
    out = np.zeros(n_rows)
    if binary_factor is not None:
        neg, pos = mapping
        out[pos] = vector[0] * binary_factor
        out[neg] = -vector[0] * binary_factor
    else:
        out[np.asarray(mapping)] = vector
    return out


def _make_template(model):
    """A copy of ``model`` without its (large) coefficient arrays."""
    shallow = copy.copy(model)
    for name in ("coef_", "intercept_", *_SGD_COEF_STATE, *_SGD_INTERCEPT_STATE):
        if name in shallow.__dict__:
            shallow.__dict__[name] = None
    return copy.deepcopy(shallow)


def _contribution(model, weight, *, classes=None, column_weights=None, seen_classes=None):
    """Weighted partial sums of one fitted linear model.

    Parameters
    ----------
    model : fitted estimator with ``coef_`` (and usually ``intercept_``)
    weight : float
        The model's weight (e.g. its partition size), > 0.
    classes : array-like, optional
        The global label set to align a classifier's rows to; ``model.classes_`` must be a
        subset. Default: ``model.classes_`` (no alignment).
    column_weights : array-like of shape (`n_features_in_`,), optional
        Per-column weights (per-feature weighting): the model's weight for column ``j`` is
        ``weight * column_weights[j]``.
    seen_classes : array-like, optional
        The labels the model's training data contained (default: its ``classes_``); rows
        of the other classes get a vanishing weight.

    Returns
    -------
    _Contribution
    """
    name = type(model).__name__
    try:
        check_is_fitted(model)
    except NotFittedError as exc:
        raise NotFittedError(f"Cannot average an unfitted {name}: {exc}") from None
    if not hasattr(model, "coef_") or model.coef_ is None:
        raise IncompatibleModelsError(
            f"{name} has no coef_: average_models averages linear models (estimators with "
            "coef_ and intercept_)."
        )
    weight = float(weight)
    if not np.isfinite(weight) or weight <= 0:
        raise ValueError(f"A model's weight must be a finite number > 0, got {weight!r}.")

    coef, coef_ndim = _as_rows(model.coef_, "coef_", name)
    n_model_rows, n_features = coef.shape
    intercept = getattr(model, "intercept_", 0.0)
    intercept_scalar = np.ndim(intercept) == 0
    intercept = np.atleast_1d(np.asarray(intercept, dtype=np.float64)).ravel()
    if intercept.shape[0] == 1 and n_model_rows > 1:
        intercept = np.repeat(intercept, n_model_rows)
    if intercept.shape[0] != n_model_rows:
        raise IncompatibleModelsError(
            f"{name}.intercept_ has {intercept.shape[0]} values for {n_model_rows} rows of "
            "coef_."
        )

    classifier = hasattr(model, "classes_") and is_classifier(model)
    model_classes = np.asarray(model.classes_) if classifier else None
    n_rows = n_model_rows
    mapping = None
    binary_factor = None
    template_complete = True
    if classifier:
        if classes is None:
            classes = model_classes
        else:
            classes = np.asarray(classes)
            template_complete = len(model_classes) == len(classes) and np.array_equal(
                model_classes, classes
            )
        pos = np.searchsorted(classes, model_classes)
        pos = np.clip(pos, 0, len(classes) - 1)
        if len(classes) == 0 or not np.array_equal(classes[pos], model_classes):
            missing = [c for c, p in zip(model_classes, pos) if classes[p] != c]
            raise IncompatibleModelsError(
                f"{name}.classes_ contains {missing!r}, not in the label set {classes!r}."
            )
        n_rows = 1 if len(classes) == 2 else len(classes)
        if len(classes) > 2:
            if n_model_rows == 1 and len(model_classes) == 2:
                binary_factor = 0.5 if _is_multinomial(model) else 1.0
                mapping = list(pos)
            elif n_model_rows == len(model_classes):
                mapping = list(pos)
            else:
                raise IncompatibleModelsError(
                    f"{name}.coef_ has {n_model_rows} rows for {len(model_classes)} classes."
                )
            if mapping == list(range(n_rows)):
                mapping = None
        elif n_model_rows != 1:
            raise IncompatibleModelsError(
                f"{name}.coef_ has {n_model_rows} rows for 2 classes; expected 1."
            )
        seen = model_classes if seen_classes is None else np.asarray(seen_classes)
        row_classes = classes if n_rows > 1 else classes[1:]
        has_row = np.zeros(len(row_classes), dtype=bool)
        if mapping is None:
            has_row[:] = True
        else:
            has_row[np.asarray(mapping)] = True
        saw = np.isin(row_classes, seen)
        if n_rows == 1:
            saw[:] = True
        row_weight = np.where(has_row, np.where(saw, weight, weight * _UNSEEN_ROW_WEIGHT), 0.0)
    else:
        row_weight = np.full(n_rows, weight)

    def rows(matrix):
        if mapping is not None or binary_factor is not None:
            return _align(matrix, mapping, n_rows, binary_factor)
        return matrix

    def vec(vector):
        vector = np.atleast_1d(np.asarray(vector, dtype=np.float64)).ravel()
        if vector.shape[0] == 1 and n_model_rows > 1:
            vector = np.repeat(vector, n_model_rows)
        if mapping is not None or binary_factor is not None:
            return _align_vector(vector, mapping, n_rows, binary_factor)
        return vector

    col = None
    if column_weights is not None:
        column_weights = np.asarray(column_weights, dtype=np.float64).ravel()
        if column_weights.shape != (n_features,):
            raise ValueError(
                f"column_weights of {name} must have shape ({n_features},), got "
                f"{column_weights.shape}."
            )
        if not np.all(np.isfinite(column_weights)) or np.any(column_weights < 0):
            raise ValueError("column_weights must be finite and >= 0.")
        positive = column_weights[column_weights > 0]
        floor = _UNSEEN_COLUMN_WEIGHT * (positive.mean() if positive.size else 1.0)
        # (1, d) when every row has the same weight (the common case: the model saw every
        # class), else (n_rows, d); both broadcast against (n_rows, d).
        uniform = np.all(row_weight == row_weight[0])
        col = (row_weight[:1] if uniform else row_weight)[:, None] * (column_weights + floor)

    def weigh(matrix):
        matrix = rows(matrix)
        if col is None:
            return _scale_rows(matrix, row_weight)
        if sp.issparse(matrix):
            return sp.csr_matrix(matrix.multiply(col))
        return matrix * col

    sums = {"coef_": weigh(coef), "intercept_": vec(intercept) * row_weight}
    for state in _SGD_COEF_STATE:
        value = getattr(model, state, None)
        if value is not None:
            sums[state] = weigh(_as_rows(value, state, name)[0])
    for state in _SGD_INTERCEPT_STATE:
        value = getattr(model, state, None)
        if value is not None:
            sums[state] = vec(value) * row_weight
    t = getattr(model, "t_", None)
    n_iter = getattr(model, "n_iter_", None)
    names = getattr(model, "feature_names_in_", None)
    return _Contribution(
        estimator_class=type(model),
        params=_semantic_params(model),
        n_features_in=getattr(model, "n_features_in_", n_features),
        n_coef_features=n_features,
        feature_names_in=None if names is None else np.asarray(names, dtype=object),
        classes=classes,
        n_rows=n_rows,
        coef_ndim=coef_ndim,
        intercept_scalar=intercept_scalar,
        sums=sums,
        row_weight=row_weight,
        column_weight=None if col is None else col,
        total_weight=weight,
        t_sum=None if t is None else float(t) * weight,
        n_iter=float(n_iter) if isinstance(n_iter, numbers.Real) else None,
        n_models=1,
        origin=0,
        dtype=np.float32 if getattr(model.coef_, "dtype", None) == np.float32 else np.float64,
        template=_make_template(model),
        template_complete=template_complete,
    )


def _first_difference(a, b):
    """Describe the first way two contributions cannot be combined, or None."""
    if a.estimator_class is not b.estimator_class:
        return "estimator class", a.estimator_class.__name__, b.estimator_class.__name__
    for key in sorted(set(a.params) | set(b.params)):
        va, vb = a.params.get(key, "<absent>"), b.params.get(key, "<absent>")
        if va != vb:
            return f"hyper-parameter {key!r}", va, vb
    if a.n_features_in != b.n_features_in:
        return "n_features_in_", a.n_features_in, b.n_features_in
    fa, fb = a.feature_names_in, b.feature_names_in
    if (fa is None) != (fb is None) or (
        fa is not None and (len(fa) != len(fb) or not np.array_equal(fa, fb))
    ):
        return "feature_names_in_", fa, fb
    ca, cb = a.classes, b.classes
    if (ca is None) != (cb is None) or (
        ca is not None and (len(ca) != len(cb) or not np.array_equal(ca, cb))
    ):
        return "classes_", ca, cb
    if a.n_rows != b.n_rows or a.coef_ndim != b.coef_ndim:
        kind = {True: "binary/single-output (1, d)", False: "multiclass/multi-output (k, d)"}
        return (
            "coef_ shape",
            f"{kind[a.n_rows == 1 and a.coef_ndim == 2]} with {a.n_rows} row(s)",
            f"{kind[b.n_rows == 1 and b.coef_ndim == 2]} with {b.n_rows} row(s)",
        )
    if a.n_coef_features != b.n_coef_features:
        return "number of columns of coef_", a.n_coef_features, b.n_coef_features
    if set(a.sums) != set(b.sums):
        return "fitted state (e.g. averaged SGD arrays)", sorted(a.sums), sorted(b.sums)
    if (a.column_weight is None) != (b.column_weight is None):
        return "per-feature weights (given for some models only)", (
            a.column_weight is not None
        ), (b.column_weight is not None)
    if (a.t_sum is None) != (b.t_sum is None):
        return "t_ (SGD update count)", a.t_sum is not None, b.t_sum is not None
    return None


def _check_compatible(a, b):
    diff = _first_difference(a, b)
    if diff is not None:
        what, va, vb = diff
        raise IncompatibleModelsError(
            f"Cannot average model #{a.origin} with model #{b.origin}: they differ in "
            f"{what}: {va!r} vs {vb!r}. Averaging needs models of the same class, fitted "
            "with the same semantic hyper-parameters on the same features and labels."
        )


def _add(x, y):
    if sp.issparse(x) and sp.issparse(y):
        return sp.csr_matrix(x + y)
    if sp.issparse(x):
        x = x.toarray()
    if sp.issparse(y):
        y = y.toarray()
    return x + y


def _combine(a, b):
    """Combine two contributions (associative and commutative up to float rounding).

    Raises
    ------
    IncompatibleModelsError
        If the models summed in ``a`` and ``b`` cannot be averaged together.
    """
    _check_compatible(a, b)
    # The template of the first model (in model order) that knows every class: the same
    # whatever the order of combination.
    keep = min((a, b), key=lambda c: (not c.template_complete, c.origin))
    return _Contribution(
        estimator_class=a.estimator_class,
        params=a.params,
        n_features_in=a.n_features_in,
        n_coef_features=a.n_coef_features,
        feature_names_in=a.feature_names_in,
        classes=a.classes,
        n_rows=a.n_rows,
        coef_ndim=a.coef_ndim,
        intercept_scalar=a.intercept_scalar and b.intercept_scalar,
        sums={k: _add(a.sums[k], b.sums[k]) for k in a.sums},
        row_weight=a.row_weight + b.row_weight,
        column_weight=None if a.column_weight is None else a.column_weight + b.column_weight,
        total_weight=a.total_weight + b.total_weight,
        t_sum=None if a.t_sum is None else a.t_sum + b.t_sum,
        n_iter=(
            None
            if a.n_iter is None or b.n_iter is None
            else max(a.n_iter, b.n_iter)
        ),
        n_models=a.n_models + b.n_models,
        origin=min(a.origin, b.origin),
        dtype=np.result_type(a.dtype, b.dtype),
        template=keep.template,
        template_complete=keep.template_complete,
    )


def _tree_reduce(contributions):
    """Combine in a balanced binary tree over the given (task) order: deterministic."""
    items = list(contributions)
    if not items:
        raise ValueError("Nothing to average: no models were given.")
    while len(items) > 1:
        paired = [_combine(items[i], items[i + 1]) for i in range(0, len(items) - 1, 2)]
        if len(items) % 2:
            paired.append(items[-1])
        items = paired
    return items[0]


def _divide_rows(total, c, dtype):
    """``sum / weight`` for a coefficient-like array."""
    if c.column_weight is not None:
        den = c.column_weight
        if sp.issparse(total):
            return sp.csr_matrix(total.multiply(1.0 / den), dtype=dtype)
        return (total / den).astype(dtype, copy=False)
    factors = 1.0 / c.row_weight
    if sp.issparse(total):
        return sp.csr_matrix(_scale_rows(total, factors), dtype=dtype)
    # In the sum's layout (liblinear's coef_ is Fortran-ordered): no transposing copy.
    return (total * factors[:, None]).astype(dtype, copy=False)


def _shape_coef(matrix, ndim):
    if ndim == 1:
        return np.ascontiguousarray(np.asarray(matrix).ravel())
    return matrix


def _finalize(contribution):
    """Turn a (combined) contribution into a new fitted estimator of the models' class.

    Returns
    -------
    estimator
        A plain scikit-learn estimator (deep copy of one of the models, with averaged
        coefficients); it predicts, scores and pickles without fasthash.
    """
    c = contribution
    if np.any(c.row_weight <= 0):
        empty = np.flatnonzero(c.row_weight <= 0)
        labels = c.classes if c.n_rows > 1 else c.classes[1:]
        raise IncompatibleModelsError(
            "No model has coefficients for class(es) "
            f"{list(np.asarray(labels)[empty])!r}: every class of the label set must have "
            "been seen by at least one model."
        )
    # A deep copy of the template, except its coefficient arrays (replaced below): copying
    # those would be the largest cost of averaging wide models.
    memo = {}
    for attr in ("coef_", *(state for state in _SGD_COEF_STATE if state in c.sums)):
        value = getattr(c.template, attr, None)
        if value is not None:
            memo[id(value)] = None
    model = copy.deepcopy(c.template, memo)
    dtype = c.dtype
    coef = _divide_rows(c.sums["coef_"], c, dtype)
    intercept = (c.sums["intercept_"] / c.row_weight).astype(dtype)
    model.coef_ = coef if sp.issparse(coef) else _shape_coef(coef, c.coef_ndim)
    if c.intercept_scalar and intercept.shape == (1,):
        model.intercept_ = float(intercept[0])
    else:
        model.intercept_ = intercept
    if c.classes is not None:
        model.classes_ = c.classes.copy()
        if hasattr(model, "_label_binarizer"):  # RidgeClassifier* encode y with it
            from sklearn.preprocessing import LabelBinarizer

            model._label_binarizer = LabelBinarizer(pos_label=1, neg_label=-1).fit(
                c.classes
            )
        if (
            getattr(model, "_expanded_class_weight", None) is not None
            and len(model._expanded_class_weight) != len(c.classes)
        ):
            model._expanded_class_weight = np.ones(len(c.classes), dtype=np.float64)
    if c.t_sum is not None:
        model.t_ = c.t_sum / c.total_weight
    if c.n_iter is not None and isinstance(getattr(model, "n_iter_", None), numbers.Real):
        model.n_iter_ = c.n_iter
    binary_sgd = c.n_rows == 1
    for state in _SGD_COEF_STATE:
        if state in c.sums:
            value = _divide_rows(c.sums[state], c, dtype)
            value = value.toarray() if sp.issparse(value) else value
            value = np.ascontiguousarray(value.ravel() if binary_sgd else value, dtype=dtype)
            setattr(model, state, value)
    for state in _SGD_INTERCEPT_STATE:
        if state in c.sums:
            setattr(
                model, state, np.ascontiguousarray(c.sums[state] / c.row_weight, dtype=dtype)
            )
    if "_average_coef" in c.sums and "_standard_coef" in c.sums:
        # scikit-learn's rule (_fit_binary / _fit_multiclass): coef_ is the running
        # average once t_ - 1 >= average, the plain iterate before that.
        average = model.get_params(deep=False).get("average", 0)
        use_average = bool(average) and getattr(model, "t_", 1.0) - 1 >= float(average)
        std_c, avg_c = model._standard_coef, model._average_coef
        src_c = avg_c if use_average else std_c
        src_i = model._average_intercept if use_average else model._standard_intercept
        if not sp.issparse(model.coef_):
            model.coef_ = src_c.reshape(1, -1) if binary_sgd else src_c
        model.intercept_ = src_i  # the same object, as scikit-learn leaves it
    return model


def _reduce_models(models, weights, feature_weights, classes):
    contributions = []
    for i, model in enumerate(models):
        cw = None if feature_weights is None else feature_weights[i]
        contrib = _contribution(model, weights[i], classes=classes, column_weights=cw)
        contrib.origin = i
        contributions.append(contrib)
    for contrib in contributions[1:]:  # name the first difference, in model order
        _check_compatible(contributions[0], contrib)
    return _tree_reduce(contributions)


def average_models(models, *, weights=None, feature_weights=None, classes=None):
    """Average fitted linear models into one new fitted estimator of the same class.

    The result is a deep copy of one of the models with ``coef_`` and ``intercept_`` (and,
    for averaged SGD, its whole averaged state) replaced by their weighted means: an
    ordinary scikit-learn estimator that predicts, scores and pickles without fasthash.

    Parameters
    ----------
    models : sequence of fitted estimators
        Linear models of one class (SGDClassifier/Regressor, Perceptron,
        PassiveAggressive*, LogisticRegression, LinearSVC/LinearSVR, Ridge*, or anything
        with ``coef_`` and ``intercept_``), fitted with the same semantic
        hyper-parameters on the same features.
    weights : array-like of shape (n_models,), default=None
        Weight of each model, e.g. the size of its partition (intercepts and rows are
        weighted by it). Default: equal weights.
    feature_weights : array-like of shape (n_models, n_features), default=None
        Per-feature weighting: model ``p``'s weight for column ``j`` is
        ``weights[p] * feature_weights[p, j]``, e.g. the fraction of partition ``p``'s
        samples in which column ``j`` is nonzero. Recovers accuracy when partitions see
        different columns (skewed partitions of hashed text).
    classes : array-like, default=None
        The global label set of classifiers. By default every model must have the same
        ``classes_``. When given, each model's ``classes_`` must be a subset and the row of
        each class is averaged only over the models that have it (module docstring).

    Returns
    -------
    estimator
        A new fitted estimator of the models' class.

    Raises
    ------
    IncompatibleModelsError
        If the models differ in estimator class, semantic hyper-parameters (``loss``,
        ``penalty``, ``fit_intercept``, ...), ``n_features_in_``, ``feature_names_in_``,
        ``classes_`` or the shape of ``coef_`` (binary vs multiclass); the message names
        the first difference.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn.datasets import make_classification
    >>> from sklearn.linear_model import SGDClassifier
    >>> from fasthash.linear_model import average_models
    >>> X, y = make_classification(n_samples=400, random_state=0)
    >>> parts = [SGDClassifier(random_state=0).fit(X[i::2], y[i::2]) for i in range(2)]
    >>> clf = average_models(parts, weights=[200, 200])
    >>> type(clf).__name__, clf.coef_.shape
    ('SGDClassifier', (1, 20))
    >>> np.allclose(clf.coef_, (parts[0].coef_ + parts[1].coef_) / 2)
    True
    >>> clf.score(X, y) > 0.8
    True
    """
    if isinstance(models, BaseEstimator) or not hasattr(models, "__iter__"):
        raise TypeError(
            f"models must be a sequence of fitted estimators, got {type(models).__name__}."
        )
    models = list(models)
    if not models:
        raise ValueError("average_models needs at least one model, got an empty sequence.")
    n = len(models)
    if weights is None:
        weights = np.ones(n)
    else:
        weights = np.asarray(weights, dtype=np.float64).ravel()
        if weights.shape != (n,):
            raise ValueError(f"weights must have one value per model ({n}), got {weights.shape}.")
        if not np.all(np.isfinite(weights)) or np.any(weights <= 0):
            raise ValueError(f"weights must be finite and > 0, got {weights!r}.")
    if feature_weights is not None:
        if sp.issparse(feature_weights):
            feature_weights = feature_weights.toarray()
        feature_weights = np.asarray(feature_weights, dtype=np.float64)
        if feature_weights.ndim != 2 or feature_weights.shape[0] != n:
            raise ValueError(
                "feature_weights must have shape (n_models, n_features) = "
                f"({n}, n_features), got {feature_weights.shape}."
            )
    if classes is not None:
        classes = np.unique(np.asarray(classes))
    return _finalize(_reduce_models(models, weights, feature_weights, classes))


# ---------------------------------------------------------------------------------------
# The meta-estimator
# ---------------------------------------------------------------------------------------

_PARTITIONS = ("contiguous", "shuffle", "stratified")


def _estimator_has(attr):
    def check(self):
        if hasattr(self, "estimator_"):
            return hasattr(self.estimator_, attr)
        return hasattr(self.estimator, attr)

    return check


def _warm_start_mode(estimator):
    """How an estimator can continue from given coefficients (None: it cannot)."""
    if hasattr(estimator, "partial_fit"):
        return "partial_fit"
    params = estimator.get_params(deep=False)
    if "warm_start" in params and not (
        type(estimator).__name__ == "LogisticRegression" and params.get("solver") == "liblinear"
    ):
        return "warm_start"
    try:
        if "coef_init" in inspect.signature(estimator.fit).parameters:
            return "coef_init"
    except (TypeError, ValueError):  # pragma: no cover - builtins without a signature
        pass
    return None


def _column_counts(X):
    """Number of samples in which each column is nonzero."""
    if sp.issparse(X):
        X = sp.csr_matrix(X)
        return np.bincount(X.indices[X.data != 0], minlength=X.shape[1]).astype(np.float64)
    return np.count_nonzero(np.asarray(X), axis=0).astype(np.float64)


def _warm_start_from(est, averaged, mode, X, y, *, classes=None, sample_weight=None):
    """``est``'s parameters, started from ``averaged`` and trained once more on (X, y).

    ``mode`` is how the estimator family continues from given parameters:
    ``"partial_fit"`` (one more epoch, SGD-like), ``"warm_start"`` (a warm-started ``fit``)
    or ``"coef_init"`` (``fit`` with ``coef_init``/``intercept_init``). ``classes`` is the
    global label set of a classifier (None for a regressor). Shared by
    :class:`AveragedLinearModel` and :func:`fasthash.dask.fit_averaged`.
    """
    params = est.get_params(deep=False)
    start = copy.deepcopy(averaged)
    start.set_params(**params)
    kwargs = {} if sample_weight is None else {"sample_weight": sample_weight}
    if mode == "partial_fit":
        if classes is not None:
            kwargs["classes"] = classes
        start.partial_fit(X, y, **kwargs)
        return start
    if classes is not None and len(np.unique(y)) != len(classes):
        raise ValueError(
            f"n_rounds > 1 with {type(est).__name__} (warm-started by "
            f"{'warm_start' if mode == 'warm_start' else 'coef_init'}) needs every "
            "partition to contain every class; use partition='stratified'."
        )
    if mode == "warm_start":
        start.set_params(warm_start=True)
        start.fit(X, y, **kwargs)
        start.set_params(warm_start=params["warm_start"])
        return start
    est.fit(X, y, coef_init=averaged.coef_, intercept_init=averaged.intercept_, **kwargs)
    return est


def _fit_partition(est, X, y, *, classes=None, seen=None, averaged=None, mode=None,
                   sample_weight=None):
    """Fit one partition's model for one round; return ``(model, classes it counts for)``.

    The first round (``averaged`` None) fits ``est`` on the partition; a classifier
    partition holding a single class can only be fitted by ``partial_fit`` with the global
    label set ``classes``. Later rounds warm-start from ``averaged``
    (:func:`_warm_start_from`); every row of a classifier is then trained on every sample
    of the partition (negatives included), so it counts for every class (plain parameter
    mixing). ``seen`` is the partition's own label set. Shared by
    :class:`AveragedLinearModel` and :func:`fasthash.dask.fit_averaged`.
    """
    with private_rng(est):  # liblinear & co: a generator of its own (their shared RNG)
        if averaged is not None:
            est = _warm_start_from(
                est, averaged, mode, X, y, classes=classes, sample_weight=sample_weight
            )
            return est, (classes if classes is not None else seen)
        kwargs = {} if sample_weight is None else {"sample_weight": sample_weight}
        # A fit from zero weights of plain SGD, or of liblinear's dual solvers, runs on the
        # partition's own columns (bit for bit the same model once widened back; see
        # fasthash.utils._columns).
        compact = compact_for_fit(est, X)
        X_fit = X if compact is None else compact[0]
        with same_solver(est) if compact is not None else contextlib.nullcontext():
            if classes is not None and len(seen) < 2:
                est.partial_fit(X_fit, y, classes=classes, **kwargs)
            else:
                est.fit(X_fit, y, **kwargs)
    if compact is not None:
        expand_columns(est, compact[1], X.shape[1])
    return est, seen


class AveragedLinearModel(MetaEstimatorMixin, BaseEstimator):
    """Fit a linear model on partitions of the data in parallel threads and average it.

    ``fit`` splits ``X``/``y`` into ``n_partitions`` partitions, fits a clone of
    ``estimator`` on each one on fasthash's thread pool (scikit-learn's solvers release the
    GIL; no process, no pickling: each thread takes its rows of the one shared matrix), and
    averages the fitted models with
    :func:`average_models` (weighted by partition size, classes aligned to the labels of
    the whole ``y``). With ``n_rounds > 1``, iterative parameter mixing: every later round
    starts each partition's model from the last average and trains it once more on its
    partition (one ``partial_fit`` epoch for SGD-like estimators, a warm-started ``fit``
    otherwise), then averages again.

    Classifier or regressor as ``estimator`` is (tags, ``score``, stratified CV).

    Parameters
    ----------
    estimator : estimator instance
        A linear model with ``coef_`` and ``intercept_`` (SGDClassifier, SGDRegressor,
        Perceptron, LogisticRegression, LinearSVC, Ridge, RidgeClassifier, ...).
    n_partitions : int, default=2
        Number of partitions (and of models averaged).
    partition : {"contiguous", "shuffle", "stratified"}, default="contiguous"
        ``"contiguous"``: consecutive blocks of rows; ``"shuffle"``: a random permutation
        cut into blocks;
        ``"stratified"`` (classifiers): every partition gets each class in proportion.
    n_rounds : int, default=1
        Rounds of iterative parameter mixing. Needs an estimator that can start from given
        coefficients (``partial_fit``, ``warm_start`` or ``fit(coef_init=...)``).
    feature_weighting : bool, default=False
        Weight each partition's coefficient for a column by how often the partition saw
        the column (``feature_weights`` of :func:`average_models`).
    n_jobs : int or None, default=None
        Threads (fasthash's meaning: None = every usable CPU). The result does not depend
        on it; clones run with ``n_jobs=1``.
    random_state : int, RandomState instance or None, default=None
        Seeds the shuffled/stratified partitions and, when not None, gives each partition's
        clone its own ``random_state``.
    verbose : int, default=0
        Print one line per fitted partition model when > 0.

    Attributes
    ----------
    estimator_ : estimator
        The averaged model: a plain scikit-learn estimator of ``estimator``'s class.
    estimators_ : list of estimators
        The partition models of the last round (``None`` for a partition that could not
        be fitted, e.g. one that saw a single class).
    classes_ : ndarray of shape (n_classes,)
        Labels of the whole ``y`` (classifiers only).
    coef_, intercept_ : ndarray
        Those of ``estimator_``.
    n_features_in_ : int
    feature_names_in_ : ndarray of str
        When ``X`` has feature names.
    partition_sizes_ : ndarray of shape (n_partitions,)
        Weight of each partition (sample count, or sum of ``sample_weight``).

    See Also
    --------
    average_models : average models fitted elsewhere.

    Notes
    -----
    Threads pay off when the estimator's solver releases the GIL for most of its work:
    SGDClassifier/SGDRegressor, Perceptron and PassiveAggressive* do (about 2x on 2 cores).
    scikit-learn's liblinear (LinearSVC, LinearSVR, LogisticRegression(solver="liblinear"))
    releases it too but draws its coordinate order from the C library's ``rand()``, whose
    state (and lock) the threads share: it scales poorly and, with ``n_jobs > 1``, its
    results vary at the level of the solver's tolerance. Prefer
    ``SGDClassifier(loss="hinge")`` for a linear SVM trained in threads.

    Examples
    --------
    >>> from sklearn.datasets import make_classification
    >>> from sklearn.linear_model import SGDClassifier
    >>> from fasthash.linear_model import AveragedLinearModel
    >>> X, y = make_classification(n_samples=600, n_classes=3, n_informative=5,
    ...                            random_state=0)
    >>> model = AveragedLinearModel(SGDClassifier(random_state=0), n_partitions=3,
    ...                             partition="stratified", random_state=0, n_jobs=2)
    >>> model = model.fit(X, y)
    >>> type(model.estimator_).__name__, model.coef_.shape
    ('SGDClassifier', (3, 20))
    >>> model.score(X, y) > 0.6
    True
    """

    # Fits sub-estimators on fasthash worker threads (see utils._parallel.private_rng).
    _fasthash_thread_pool = True

    def __init__(
        self,
        estimator,
        *,
        n_partitions=2,
        partition="contiguous",
        n_rounds=1,
        feature_weighting=False,
        n_jobs=None,
        random_state=None,
        verbose=0,
    ):
        self.estimator = estimator
        self.n_partitions = n_partitions
        self.partition = partition
        self.n_rounds = n_rounds
        self.feature_weighting = feature_weighting
        self.n_jobs = n_jobs
        self.random_state = random_state
        self.verbose = verbose

    # -- tags ----------------------------------------------------------------------------

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        inner = get_tags(self.estimator)
        tags.estimator_type = inner.estimator_type
        tags.classifier_tags = copy.deepcopy(inner.classifier_tags)
        tags.regressor_tags = copy.deepcopy(inner.regressor_tags)
        tags.target_tags = copy.deepcopy(inner.target_tags)
        tags.input_tags = copy.deepcopy(inner.input_tags)
        return tags

    # -- validation ----------------------------------------------------------------------

    def _validate_params(self):
        def integer(name, low):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, numbers.Integral) or value < low:
                raise ValueError(
                    f"{name} must be an int >= {low}, got {value!r} of type "
                    f"{type(value).__name__}."
                )

        integer("n_partitions", 1)
        integer("n_rounds", 1)
        if self.partition not in _PARTITIONS:
            raise ValueError(
                f"partition must be one of {_PARTITIONS}, got {self.partition!r}."
            )
        if not isinstance(self.feature_weighting, (bool, np.bool_)):
            raise ValueError(
                f"feature_weighting must be a bool, got {self.feature_weighting!r}."
            )
        effective_n_jobs(self.n_jobs)  # raises on 0 / non-int
        if not hasattr(self.estimator, "fit") or not hasattr(self.estimator, "get_params"):
            raise TypeError(
                "estimator must be a scikit-learn estimator (with fit and get_params), got "
                f"{type(self.estimator).__name__}."
            )
        if self.partition == "stratified" and not is_classifier(self.estimator):
            raise ValueError(
                "partition='stratified' needs a classifier; "
                f"{type(self.estimator).__name__} is not one. Use 'contiguous' or 'shuffle'."
            )
        if self.n_rounds > 1 and _warm_start_mode(self.estimator) is None:
            raise ValueError(
                f"n_rounds={self.n_rounds} needs an estimator that can start from given "
                "coefficients (partial_fit, warm_start or fit(coef_init=...)): "
                f"{type(self.estimator).__name__} has none. Use n_rounds=1."
            )

    def _validate_X_y(self, X, y, reset):
        tags = get_tags(self.estimator)
        X, y = validate_data(
            self,
            X,
            y,
            reset=reset,
            accept_sparse=("csr", "csc", "coo"),
            dtype=(np.float64, np.float32),
            multi_output=tags.target_tags.multi_output,
            y_numeric=not is_classifier(self.estimator),
        )
        if sp.issparse(X):
            X = sp.csr_matrix(X) if X.format != "csr" else X
        return X, y

    # -- partitioning --------------------------------------------------------------------

    def _split(self, y, rng):
        """Index arrays of the partitions (each sorted, so rows keep their order)."""
        n = len(y)
        k = self.n_partitions
        if self.partition == "contiguous":
            parts = np.array_split(np.arange(n), k)
        elif self.partition == "shuffle":
            parts = [np.sort(p) for p in np.array_split(rng.permutation(n), k)]
        else:
            _, encoded = np.unique(y, return_inverse=True)
            order = np.concatenate(
                [rng.permutation(np.flatnonzero(encoded == c)) for c in range(encoded.max() + 1)]
            )
            # Round robin over the class-grouped order: class counts differ by at most 1.
            slot = np.empty(n, dtype=np.intp)
            slot[order] = np.arange(n) % k
            parts = [np.flatnonzero(slot == p) for p in range(k)]
        return parts

    def _partition_estimator(self, seed):
        est = with_inner_n_jobs(clone(self.estimator))
        if seed is not None and "random_state" in est.get_params(deep=False):
            est.set_params(random_state=int(seed))
        return est

    # -- fitting -------------------------------------------------------------------------

    def _contribution_of(self, est, weight, seen, counts, n_samples):
        column_weights = None
        if self.feature_weighting:
            column_weights = counts / max(n_samples, 1.0)
        classes = self.classes_ if hasattr(self, "classes_") else None
        return _contribution(
            est, weight, classes=classes, column_weights=column_weights, seen_classes=seen
        )

    def _average(self, contributions):
        contributions = [c for c in contributions if c is not None]
        for i, c in enumerate(contributions):
            c.origin = i
        if not contributions:
            raise ValueError(
                "No partition could be fitted (each one holds a single class). Use "
                "partition='stratified' or fewer partitions."
            )
        return _finalize(_tree_reduce(contributions))

    def _set_from(self, averaged):
        self.estimator_ = averaged
        self.coef_ = averaged.coef_
        self.intercept_ = averaged.intercept_
        if hasattr(averaged, "classes_") and is_classifier(self.estimator):
            self.classes_ = averaged.classes_

    def _log(self, message):
        if self.verbose:
            print(f"[AveragedLinearModel] {message}")

    def fit(self, X, y, sample_weight=None):
        """Fit one clone per partition in parallel and average them.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
        y : array-like of shape (n_samples,) or (n_samples, n_targets)
        sample_weight : array-like of shape (n_samples,), default=None
            Passed to each partition's ``fit``; partitions are then weighted by the sum of
            their sample weights.

        Returns
        -------
        self : AveragedLinearModel
        """
        self._validate_params()
        for attr in ("classes_", "estimators_", "_stream"):
            if hasattr(self, attr):
                delattr(self, attr)
        X, y = self._validate_X_y(X, y, reset=True)
        n = X.shape[0]
        classifier = is_classifier(self.estimator)
        if classifier:
            check_classification_targets(y)
            self.classes_ = np.unique(y)
            if len(self.classes_) < 2:
                raise ValueError(
                    "The number of classes has to be greater than one; got "
                    f"{len(self.classes_)} class."
                )
        if sample_weight is not None:
            sample_weight = np.asarray(sample_weight, dtype=np.float64).ravel()
            if sample_weight.shape != (n,):
                raise ValueError(
                    f"sample_weight has shape {sample_weight.shape}, expected ({n},)."
                )
            if not np.any(sample_weight):
                raise ValueError("sample_weight is all zero: no sample would be used.")
        if self.n_partitions > n:
            raise ValueError(
                f"n_partitions={self.n_partitions} is larger than the number of samples "
                f"({n}); every partition needs at least one sample."
            )
        rng = check_random_state(self.random_state)
        parts = self._split(y, rng)
        seeds = (
            [None] * len(parts)
            if self.random_state is None
            else list(rng.randint(np.iinfo(np.int32).max, size=len(parts)))
        )

        plan = []
        for p, idx in enumerate(parts):
            sw = None if sample_weight is None else sample_weight[idx]
            weight = float(len(idx)) if sw is None else float(sw.sum())
            seen = np.unique(y[idx]) if classifier else None
            counts = _column_counts(X[idx]) if self.feature_weighting else None
            plan.append((p, idx, sw, weight, seen, counts))
        self.partition_sizes_ = np.array([t[3] for t in plan])

        mode = _warm_start_mode(self.estimator)
        if classifier:
            # A partition holding a single class cannot be fitted by ``fit``; an estimator
            # with partial_fit fits it with the global label set (its rows for the classes
            # it never saw then get a vanishing weight in the average).
            fittable = [len(t[4]) >= 2 or mode == "partial_fit" for t in plan]
            covered = set()
            for ok, t in zip(fittable, plan):
                if ok:
                    covered.update(t[4].tolist())
            missing = [c for c in self.classes_.tolist() if c not in covered]
            if missing:
                raise ValueError(
                    f"Classes {missing!r} occur only in partitions holding a single class, "
                    "which cannot be fitted: use partition='stratified' (or 'shuffle') or "
                    "fewer partitions."
                )
            if self.n_rounds > 1 and mode != "partial_fit":
                short = [t[0] for t in plan if len(t[4]) != len(self.classes_)]
                if short:
                    raise ValueError(
                        f"n_rounds={self.n_rounds} with {type(self.estimator).__name__} "
                        f"(warm-started with {mode}) needs every partition to contain every "
                        f"class, but partition(s) {short} do not: use partition='stratified'."
                    )
        else:
            fittable = [True] * len(plan)

        averaged = None
        for r in range(self.n_rounds):

            def work(task, averaged=averaged, r=r):
                p, idx, sw, weight, seen, counts = task
                if averaged is None and (not fittable[p] or weight <= 0):
                    return None, None
                est, seen = _fit_partition(
                    self._partition_estimator(seeds[p]), X[idx], y[idx],
                    classes=self.classes_ if classifier else None, seen=seen,
                    averaged=averaged, mode=mode, sample_weight=sw,
                )
                self._log(f"round {r + 1}: partition {p} fitted on {len(idx)} samples")
                return est, self._contribution_of(est, weight, seen, counts, len(idx))

            results = thread_map(work, plan, self.n_jobs)
            self.estimators_ = [est for est, _ in results]
            averaged = self._average([c for _, c in results])
        self._set_from(averaged)
        # partial_fit after fit continues from the partition models.
        self._stream = {
            "seed": int(rng.randint(np.iinfo(np.int32).max)),
            "calls": 0,
            "weights": np.array(
                [t[3] if est is not None else 0.0 for t, est in zip(plan, self.estimators_)]
            ),
            "seen": [set(t[4].tolist()) if classifier else set() for t in plan],
            "counts": [t[5] for t in plan],
            "n_samples": np.array([float(len(t[1])) for t in plan]),
        }
        return self

    @available_if(_estimator_has("partial_fit"))
    def partial_fit(self, X, y, classes=None, sample_weight=None):
        """Train the partition models on one chunk of a stream and re-average.

        The chunk is split over the ``n_partitions`` partition models (kept between
        calls); each one runs its estimator's ``partial_fit`` on its share in parallel,
        then all are averaged into ``estimator_``. With ``n_rounds > 1``, every call is one
        round of iterative parameter mixing: the partition models first restart from the
        last average.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
        y : array-like of shape (n_samples,)
        classes : array-like, default=None
            All the labels of the stream; required on the first call for classifiers.
        sample_weight : array-like of shape (n_samples,), default=None

        Returns
        -------
        self : AveragedLinearModel
        """
        first = not hasattr(self, "_stream")
        if first:
            self._validate_params()
        if self.n_partitions != len(getattr(self, "estimators_", [None] * self.n_partitions)):
            raise ValueError(
                f"n_partitions changed from {len(self.estimators_)} to {self.n_partitions} "
                "since the model was fitted; call fit to start again."
            )
        X, y = self._validate_X_y(X, y, reset=first)
        classifier = is_classifier(self.estimator)
        k = self.n_partitions
        if first:
            if classifier:
                if classes is None:
                    raise ValueError(
                        "classes must be passed on the first call to partial_fit."
                    )
                self.classes_ = np.unique(np.asarray(classes))
            rng = check_random_state(self.random_state)
            self._stream = {
                "seed": int(rng.randint(np.iinfo(np.int32).max)),
                "calls": 0,
                "weights": np.zeros(k),
                "seen": [set() for _ in range(k)],
                "counts": [None] * k,
                "n_samples": np.zeros(k),
            }
            self.estimators_ = [None] * k
        elif classifier and classes is not None:
            if not np.array_equal(np.unique(np.asarray(classes)), self.classes_):
                raise ValueError(
                    f"classes={classes!r} is not the same as on the first call to "
                    f"partial_fit: {self.classes_!r}."
                )
        if classifier:
            check_classification_targets(y)
            unknown = np.setdiff1d(np.unique(y), self.classes_)
            if unknown.size:
                raise ValueError(
                    f"y contains labels {unknown.tolist()!r} not in classes {self.classes_!r}."
                )
        stream = self._stream
        rng = np.random.RandomState((stream["seed"] + stream["calls"]) % (2**31 - 1))
        stream["calls"] += 1
        parts = self._split(y, rng) if len(y) >= k else [
            np.arange(len(y)) if p == 0 else np.arange(0) for p in range(k)
        ]
        seeds = (
            [None] * k
            if self.random_state is None
            else [(stream["seed"] + 7919 * (p + 1)) % (2**31 - 1) for p in range(k)]
        )
        previous = getattr(self, "estimator_", None)
        sync = self.n_rounds > 1 and previous is not None

        def work(p):
            idx = parts[p]
            est = self.estimators_[p]
            if sync and est is not None:
                params = est.get_params(deep=False)
                est = copy.deepcopy(previous)
                est.set_params(**params)
            if len(idx) == 0:
                return est
            if est is None:
                est = self._partition_estimator(seeds[p])
            kwargs = {}
            if classifier:
                kwargs["classes"] = self.classes_
            if sample_weight is not None:
                kwargs["sample_weight"] = np.asarray(sample_weight)[idx]
            est.partial_fit(X[idx], y[idx], **kwargs)
            return est

        self.estimators_ = thread_map(work, range(k), self.n_jobs)
        for p, idx in enumerate(parts):
            if len(idx) == 0:
                continue
            w = float(len(idx)) if sample_weight is None else float(
                np.asarray(sample_weight)[idx].sum()
            )
            stream["weights"][p] += w
            stream["n_samples"][p] += len(idx)
            if classifier:
                stream["seen"][p].update(np.unique(y[idx]).tolist())
            if self.feature_weighting:
                c = _column_counts(X[idx])
                stream["counts"][p] = c if stream["counts"][p] is None else stream["counts"][p] + c
        contributions = []
        for p, est in enumerate(self.estimators_):
            if est is None or stream["weights"][p] <= 0:
                contributions.append(None)
                continue
            if not classifier:
                seen = None
            elif self.n_rounds > 1:  # every model restarts from the average: plain mixing
                seen = self.classes_
            else:
                seen = np.array(sorted(stream["seen"][p]), dtype=self.classes_.dtype)
            contributions.append(
                self._contribution_of(
                    est, stream["weights"][p], seen, stream["counts"][p], stream["n_samples"][p]
                )
            )
        self.partition_sizes_ = stream["weights"].copy()
        self._set_from(self._average(contributions))
        return self

    # -- delegation ----------------------------------------------------------------------

    @available_if(_estimator_has("predict"))
    def predict(self, X):
        """Predict with the averaged model (``estimator_.predict``)."""
        check_is_fitted(self)
        return self.estimator_.predict(self._check_X(X))

    @available_if(_estimator_has("predict_proba"))
    def predict_proba(self, X):
        """Class probabilities of the averaged model (``estimator_.predict_proba``)."""
        check_is_fitted(self)
        return self.estimator_.predict_proba(self._check_X(X))

    @available_if(_estimator_has("predict_log_proba"))
    def predict_log_proba(self, X):
        """Log-probabilities of the averaged model (``estimator_.predict_log_proba``)."""
        check_is_fitted(self)
        return self.estimator_.predict_log_proba(self._check_X(X))

    @available_if(_estimator_has("decision_function"))
    def decision_function(self, X):
        """Decision function of the averaged model (``estimator_.decision_function``)."""
        check_is_fitted(self)
        return self.estimator_.decision_function(self._check_X(X))

    @available_if(_estimator_has("score"))
    def score(self, X, y, sample_weight=None):
        """Score of the averaged model (accuracy for classifiers, R^2 for regressors)."""
        check_is_fitted(self)
        return self.estimator_.score(self._check_X(X), y, sample_weight=sample_weight)

    def _check_X(self, X):
        return validate_data(
            self,
            X,
            reset=False,
            accept_sparse=("csr", "csc", "coo"),
            dtype=(np.float64, np.float32),
        )

    def __sklearn_is_fitted__(self):
        return hasattr(self, "estimator_")

