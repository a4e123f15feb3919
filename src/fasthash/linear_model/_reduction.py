# Authors: The fasthash developers
# SPDX-License-Identifier: BSD-3-Clause
"""Averaging fitted linear models: an associative reduction, and :func:`average_models`.

:func:`average_models` averages already-fitted linear models (anything with ``coef_`` and
``intercept_``: SGD*, Perceptron, PassiveAggressive*, LogisticRegression,
LinearSVC/LinearSVR, Ridge*, LinearRegression, ...) into a new, ordinary scikit-learn
estimator of the same class. It is a reduction over :class:`Contribution` records, so the
same code runs as a tree over threads (:class:`~fasthash.linear_model.AveragedLinearModel`)
or over cluster workers (:func:`fasthash.dask.fit_averaged`)::

    average = finalize(tree_reduce([contribution(m, w, origin=i) for i, (m, w) in ...]))

Rules (each one tested):

- **Weights.** Model ``p`` has weight ``w_p`` (its partition's size, or the sum of its
  sample weights). Every row of ``coef_`` and every intercept is the weighted mean of the
  models' rows.
- **One global label set.** With ``classes=`` (the meta-estimator always passes the labels
  of the whole ``y``), each model's rows are placed at the position of their class in the
  global label set, and the row of class ``c`` is averaged *only over the models whose
  training data contained* ``c``: a partition that never saw ``c`` neither changes the
  shape of ``coef_`` nor teaches "never ``c``". (A model that has a row for ``c`` without
  having seen it, e.g. after warm-starting, keeps a vanishing weight,
  ``UNSEEN_ROW_WEIGHT * w_p``, so a class that no model saw in the last round keeps the
  plain average.) A binary model (one row ``w``, positive class ``classes_[1]``) inside a
  multiclass label set is the pair of rows ``(-w, w)`` for its two classes (one-vs-rest
  estimators) or ``(-w/2, w/2)`` (multinomial LogisticRegression); without ``classes=``, a
  binary model is never mixed with a multiclass one.
- **Compatibility.** Models must share estimator class, semantic hyper-parameters (those
  that change what the fitted attributes mean: ``loss``, ``penalty``, ``fit_intercept``,
  ``average``, ``multi_class``, the liblinear-ness of LogisticRegression's solver),
  ``n_features_in_``, ``feature_names_in_`` (same order) and ``classes_`` (or a subset of
  the given ``classes``); otherwise :class:`~fasthash.exceptions.IncompatibleModelsError`
  names the first difference.
- **Averaged SGD.** With ``average`` set, scikit-learn keeps the plain iterate, the
  running average and the update count ``t_``; all are averaged (``t_`` by weight) and
  ``coef_``/``intercept_`` are then chosen from them by scikit-learn's own rule, so a
  ``partial_fit`` of the averaged model continues both iterates (the private state is
  reached through :mod:`fasthash.utils._sklearn_compat`).
- **Sparse coef_.** Models whose ``coef_`` was ``sparsify()``-ed are averaged as sparse
  matrices; the result is sparse when every input was.
- **Per-feature weighting** (``feature_weights``): model ``p``'s weight for column ``j`` is
  ``w_p * feature_weights[p, j]`` (e.g. how often partition ``p`` saw column ``j``), so a
  hashed column seen by one partition only is not diluted by the zeros of the others.
  Columns that no model saw keep the plain average.
"""

import copy
import numbers
from dataclasses import dataclass, replace

import numpy as np
import scipy.sparse as sp
from sklearn.base import BaseEstimator, clone, is_classifier
from sklearn.exceptions import NotFittedError
from sklearn.utils.validation import check_is_fitted

from fasthash.exceptions import IncompatibleModelsError
from fasthash.utils._sklearn_compat import (
    set_fitted_classes,
    set_sgd_averaged_state,
    sgd_averaged_state,
)

__all__ = [
    "Contribution",
    "average_models",
    "combine",
    "contribution",
    "finalize",
    "tree_reduce",
]

# Hyper-parameters that change what coef_/intercept_ mean (or which fitted state exists):
# models that differ in one of them are refused. Training-only settings (alpha, C, tol,
# max_iter, learning_rate, random_state, ...) may differ.
SEMANTIC_PARAMS = ("loss", "penalty", "fit_intercept", "multi_class", "average")

# Keys of Contribution.sums for averaged SGD's state (see sgd_averaged_state): the
# coefficient-like ones (rows x features) and the intercept-like ones (rows).
_SGD_COEF_STATE = ("standard_coef", "average_coef")
_SGD_INTERCEPT_STATE = ("standard_intercept", "average_intercept")

# Weight of a row a model holds for a class its training data did not contain, relative to
# the model's weight: small enough not to matter next to models that saw the class, nonzero
# so that a class no model saw keeps the plain average instead of becoming undefined.
UNSEEN_ROW_WEIGHT = 1e-9
# Same idea for columns under per-feature weighting.
UNSEEN_COLUMN_WEIGHT = 1e-9


@dataclass(eq=False)
class Contribution:
    """Weighted partial sums of one or more fitted linear models (picklable).

    Made by :func:`contribution`, combined by :func:`combine`, turned into a model by
    :func:`finalize`.
    """

    #: Class of the models.
    estimator_class: type
    #: Semantic hyper-parameters (see ``SEMANTIC_PARAMS``).
    params: dict
    n_features_in: int
    #: Number of columns of ``coef_``.
    n_coef_features: int
    #: ``feature_names_in_`` of the models (object array), or None.
    feature_names_in: object
    #: The (global) label set the rows are aligned to; None for regressors.
    classes: object
    #: Rows of the 2-D coefficient arrays (1 for binary / single-target models).
    n_rows: int
    #: ``coef_.ndim`` of the models (1 or 2), to give ``coef_`` its shape back.
    coef_ndim: int
    #: Whether every model's ``intercept_`` is a scalar.
    intercept_scalar: bool
    #: Weighted sums of ``coef_``, ``intercept_`` and, for averaged SGD, of the arrays of
    #: its state (``standard_coef``, ...), as 2-D (rows, features) or 1-D (rows,) arrays.
    sums: dict
    #: Sum of the weights of each row (the per-class weights of class alignment).
    row_weight: np.ndarray
    #: Sum of the per-(row, column) weights under per-feature weighting, else None;
    #: (1, n_features) while every row has the same weights.
    column_weight: object
    total_weight: float
    #: Weighted sum of SGD's ``t_``, or None.
    t_sum: object
    #: Largest scalar ``n_iter_``, or None.
    n_iter: object
    n_models: int
    #: Index of the first model summed here (named in error messages).
    origin: int
    #: dtype of the averaged arrays (float32 if a model's ``coef_`` is).
    dtype: object
    #: A fitted model of the class without its coefficients, finalised into the result.
    template: object
    #: Whether the template's own ``classes_`` are the whole label set.
    template_complete: bool

    def __repr__(self):
        return (
            f"Contribution({self.estimator_class.__name__}, n_models={self.n_models}, "
            f"total_weight={self.total_weight!r})"
        )


def _semantic_params(model):
    params = model.get_params(deep=False)
    out = {name: params[name] for name in SEMANTIC_PARAMS if name in params}
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


def _make_template(model, state_attributes):
    """A copy of ``model`` without its (large) coefficient arrays."""
    shallow = copy.copy(model)
    for name in ("coef_", "intercept_", *state_attributes):
        if name in shallow.__dict__:
            shallow.__dict__[name] = None
    return copy.deepcopy(shallow)


def _row_alignment(model, name, n_model_rows, classes):
    """How ``model``'s rows map to the label set ``classes`` (see :func:`contribution`).

    Returns ``(classes, n_rows, mapping, binary_factor, template_complete, row_classes)``.
    """
    model_classes = np.asarray(model.classes_)
    if classes is None:
        classes = model_classes
        template_complete = True
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
    mapping = None
    binary_factor = None
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
    row_classes = classes if n_rows > 1 else classes[1:]
    return classes, n_rows, mapping, binary_factor, template_complete, row_classes


def contribution(
    model, weight, *, classes=None, column_weights=None, seen_classes=None, origin=0
):
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
    origin : int, default=0
        The model's index among the models averaged (named in error messages; the
        template of the result is the first complete model in this order).

    Returns
    -------
    Contribution
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

    mapping = binary_factor = None
    template_complete = True
    if hasattr(model, "classes_") and is_classifier(model):
        classes, n_rows, mapping, binary_factor, template_complete, row_classes = (
            _row_alignment(model, name, n_model_rows, classes)
        )
        seen = model.classes_ if seen_classes is None else seen_classes
        has_row = np.zeros(len(row_classes), dtype=bool)
        if mapping is None:
            has_row[:] = True
        else:
            has_row[np.asarray(mapping)] = True
        saw = np.isin(row_classes, np.asarray(seen))
        if n_rows == 1:
            saw[:] = True
        row_weight = np.where(has_row, np.where(saw, weight, weight * UNSEEN_ROW_WEIGHT), 0.0)
    else:
        classes = None
        n_rows = n_model_rows
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
        floor = UNSEEN_COLUMN_WEIGHT * (positive.mean() if positive.size else 1.0)
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
    state = sgd_averaged_state(model)
    if state is not None:
        for key in _SGD_COEF_STATE:
            sums[key] = weigh(_as_rows(state[key], key, name)[0])
        for key in _SGD_INTERCEPT_STATE:
            sums[key] = vec(state[key]) * row_weight
    t = getattr(model, "t_", None)
    n_iter = getattr(model, "n_iter_", None)
    names = getattr(model, "feature_names_in_", None)
    state_arrays = [] if state is None else [id(v) for v in state.values()]
    return Contribution(
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
        column_weight=col,
        total_weight=weight,
        t_sum=None if t is None else float(t) * weight,
        n_iter=float(n_iter) if isinstance(n_iter, numbers.Real) else None,
        n_models=1,
        origin=int(origin),
        dtype=np.float32 if getattr(model.coef_, "dtype", None) == np.float32 else np.float64,
        template=_make_template(
            model, [k for k, v in vars(model).items() if id(v) in state_arrays]
        ),
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


def check_compatible(a, b):
    """Raise :class:`IncompatibleModelsError` unless ``a`` and ``b`` can be combined."""
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


def combine(a, b):
    """Combine two contributions (associative and commutative up to float rounding).

    Raises
    ------
    IncompatibleModelsError
        If the models summed in ``a`` and ``b`` cannot be averaged together.
    """
    check_compatible(a, b)
    # The template of the first model (in model order) that knows every class: the same
    # whatever the order of combination.
    keep = min((a, b), key=lambda c: (not c.template_complete, c.origin))
    return replace(
        a,
        intercept_scalar=a.intercept_scalar and b.intercept_scalar,
        sums={k: _add(a.sums[k], b.sums[k]) for k in a.sums},
        row_weight=a.row_weight + b.row_weight,
        column_weight=None if a.column_weight is None else a.column_weight + b.column_weight,
        total_weight=a.total_weight + b.total_weight,
        t_sum=None if a.t_sum is None else a.t_sum + b.t_sum,
        n_iter=None if a.n_iter is None or b.n_iter is None else max(a.n_iter, b.n_iter),
        n_models=a.n_models + b.n_models,
        origin=min(a.origin, b.origin),
        dtype=np.result_type(a.dtype, b.dtype),
        template=keep.template,
        template_complete=keep.template_complete,
    )


def tree_reduce(contributions):
    """Combine in a balanced binary tree over the given (task) order: deterministic."""
    items = list(contributions)
    if not items:
        raise ValueError("Nothing to average: no models were given.")
    while len(items) > 1:
        paired = [combine(items[i], items[i + 1]) for i in range(0, len(items) - 1, 2)]
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


def _fitted_on_labels(template, classes, n_features):
    """A clone of ``template`` fitted, through its public ``fit``, on one all-zero sample
    per label: a model of ``classes`` whose coefficients the caller then replaces."""
    model = clone(template)
    X = sp.csr_matrix((len(classes), n_features), dtype=np.float64)
    try:
        model.fit(X, classes)
    except (TypeError, ValueError):  # an estimator that takes dense input only
        model.fit(X.toarray(), classes)
    names = getattr(template, "feature_names_in_", None)
    if names is not None:
        model.feature_names_in_ = names
    return model


def finalize(contribution):
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
    # A deep copy of the template (its coefficient arrays are None: set below).
    model = _set_coefficients(copy.deepcopy(c.template), c)
    if c.classes is not None and not c.template_complete:
        # No model knew every class: the template must learn the others.
        if not set_fitted_classes(model, c.classes):
            model = _fitted_on_labels(c.template, c.classes, c.n_coef_features)
            model = _set_coefficients(model, c)
    return model


def _set_coefficients(model, c):
    """Give ``model`` the averaged coefficients of the contribution ``c``."""
    dtype = c.dtype
    coef = _divide_rows(c.sums["coef_"], c, dtype)
    intercept = (c.sums["intercept_"] / c.row_weight).astype(dtype)
    # 1-D coef_ (binary models that keep it so) only while the result has one row too.
    ndim = c.coef_ndim if c.n_rows == 1 else 2
    model.coef_ = coef if sp.issparse(coef) else _shape_coef(coef, ndim)
    if c.intercept_scalar and intercept.shape == (1,):
        model.intercept_ = float(intercept[0])
    else:
        model.intercept_ = intercept
    if c.t_sum is not None:
        model.t_ = c.t_sum / c.total_weight
    if c.n_iter is not None and isinstance(getattr(model, "n_iter_", None), numbers.Real):
        model.n_iter_ = c.n_iter
    if "standard_coef" in c.sums:
        state = {}
        for key in _SGD_COEF_STATE:
            value = _divide_rows(c.sums[key], c, dtype)
            value = value.toarray() if sp.issparse(value) else value
            value = value.ravel() if c.n_rows == 1 else value
            state[key] = np.ascontiguousarray(value, dtype=dtype)
        for key in _SGD_INTERCEPT_STATE:
            state[key] = np.ascontiguousarray(c.sums[key] / c.row_weight, dtype=dtype)
        set_sgd_averaged_state(model, state)
    return model


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
        weighted by it). Default: equal weights. Finite and > 0.
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
    contributions = [
        contribution(
            model,
            weights[i],
            classes=classes,
            column_weights=None if feature_weights is None else feature_weights[i],
            origin=i,
        )
        for i, model in enumerate(models)
    ]
    for other in contributions[1:]:  # name the first difference, in model order
        check_compatible(contributions[0], other)
    return finalize(tree_reduce(contributions))
