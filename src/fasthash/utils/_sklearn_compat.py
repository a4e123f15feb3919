# Authors: The fasthash developers
# SPDX-License-Identifier: BSD-3-Clause
"""The one place where fasthash uses scikit-learn's private API.

Every private scikit-learn name fasthash relies on -- a module path with a leading
underscore, a private function or class, a private attribute read or written on a
scikit-learn object, a private method inherited from a scikit-learn class -- is imported
or wrapped here, in a small accessor that says what it assumes and the scikit-learn
versions it was checked against. ``tests/compat/test_sklearn_private_api.py`` checks
each one against the installed scikit-learn (it exists, it has the expected signature or
fields, it behaves as assumed) and scans the package to prove that no other module
reaches into scikit-learn's private API.

Where an accessor finds that the installed scikit-learn no longer has what it assumes,
it says so (a ``None`` or ``False`` result) and emits one
:class:`~fasthash.exceptions.SklearnCompatibilityWarning` naming what is missing; the
caller then takes scikit-learn's public path, with the same results (see each accessor).
``HashingVectorizer`` and ``FeatureHasher`` depend on no private hook for their results.

Versions checked: scikit-learn 1.6.1, 1.7.2, 1.8.0, 1.9.0 and 1.9.1 (``CHECKED``).
"""

import threading
import warnings
from numbers import Integral

import numpy as np
import scipy.sparse as sp
from sklearn import get_config
from sklearn.utils._param_validation import (
    HasMethods,
    Interval,
    InvalidParameterError,
    StrOptions,
    validate_parameter_constraints,
)

from fasthash.exceptions import SklearnCompatibilityWarning

# The scikit-learn releases every accessor below was checked against (the suite runs on
# each of them: tools/test_sklearn_versions.py).
CHECKED = ("1.6.1", "1.7.2", "1.8.0", "1.9.0", "1.9.1")

_warned = set()
_warned_lock = threading.Lock()


def warn_missing(hook, consequence):
    """Warn once per process that the private hook ``hook`` is missing or changed.

    Parameters
    ----------
    hook : str
        What fasthash looked for, e.g. ``"SGDClassifier._standard_coef"``.
    consequence : str
        What fasthash does instead (its public fallback).
    """
    with _warned_lock:
        if hook in _warned:
            return
        _warned.add(hook)
    import sklearn

    warnings.warn(
        f"scikit-learn {sklearn.__version__} does not have {hook} as fasthash expects "
        f"(checked against scikit-learn {', '.join(CHECKED)}): {consequence}",
        SklearnCompatibilityWarning,
        stacklevel=3,
    )


# ---- parameter validation: sklearn.utils._param_validation, imported above (checked
#      1.6.1-1.9.1) ----


class NJobs(Interval):
    """Parameter constraint of fasthash's ``n_jobs``: a nonzero int, not a bool.

    Used as ``[NJobs(), None]`` in ``_parameter_constraints`` so that ``fit`` rejects
    what :func:`fasthash.utils._threads.effective_n_jobs` rejects (0, True, False), with
    scikit-learn's ``InvalidParameterError`` message. (An ``Interval`` subclass because
    scikit-learn's validation accepts only its own constraint classes.)
    """

    def __init__(self):
        super().__init__(Integral, None, None, closed="neither")

    def is_satisfied_by(self, val):
        if val is None:
            return True
        return isinstance(val, Integral) and not isinstance(val, bool) and int(val) != 0

    def __str__(self):
        return "an int other than 0 (not a bool)"


def parameter_constraints(estimator_class):
    """A copy of the ``_parameter_constraints`` of a scikit-learn estimator class.

    Assumes the class attribute every scikit-learn estimator has had since 1.2: a dict
    from parameter name to a list of constraints.

    Examples
    --------
    >>> from sklearn.linear_model import SGDClassifier
    >>> from fasthash.utils._sklearn_compat import parameter_constraints
    >>> "alpha" in parameter_constraints(SGDClassifier)
    True
    """
    return dict(estimator_class._parameter_constraints)


def validate_params(estimator):
    """Validate ``estimator``'s parameters against its ``_parameter_constraints``.

    What scikit-learn's ``BaseEstimator._validate_params`` does (the same
    ``InvalidParameterError`` and message), without calling a private method.

    Examples
    --------
    >>> from fasthash.linear_model import AveragedLinearModel
    >>> from sklearn.linear_model import SGDClassifier
    >>> from fasthash.utils._sklearn_compat import validate_params
    >>> validate_params(AveragedLinearModel(SGDClassifier(), n_jobs=1.5))
    Traceback (most recent call last):
    ...
    sklearn.utils._param_validation.InvalidParameterError: The 'n_jobs' parameter of AveragedLinearModel must be an int other than 0 (not a bool) or None. Got 1.5 instead.
    """  # noqa: E501
    validate_parameter_constraints(
        type(estimator)._parameter_constraints,
        estimator.get_params(deep=False),
        caller_name=type(estimator).__name__,
    )


def validate_ngram_range(vectorizer):
    """Raise scikit-learn's error for an invalid ``ngram_range`` of a text vectorizer.

    The check scikit-learn's vectorizers inherit (``_VectorizerMixin._validate_ngram_range``,
    checked 1.6.1-1.9.1): ``ValueError`` when ``ngram_range[0] > ngram_range[1]``.
    """
    vectorizer._validate_ngram_range()


# ---- the output container of transformers (public code) ----


def align_api_if_sparse(X):
    """``X`` in the sparse container scikit-learn's configuration asks for.

    scikit-learn >= 1.9 returns ``csr_array`` instead of ``csr_matrix`` under
    ``sklearn.set_config(sparse_interface="sparray")``; older versions have no such
    setting and return ``csr_matrix``. This reads the public configuration (no private
    hook): what ``sklearn.utils._sparse._align_api_if_sparse`` does, which the tests
    compare it with where it exists. Dense input is returned unchanged.

    Examples
    --------
    >>> import scipy.sparse as sp
    >>> from fasthash.utils._sklearn_compat import align_api_if_sparse
    >>> type(align_api_if_sparse(sp.csr_array((2, 2)))).__name__
    'csr_matrix'
    """
    if not sp.issparse(X):
        return X
    interface = get_config().get("sparse_interface", "spmatrix")
    if interface == "sparray":
        return getattr(sp, X.format + "_array")(X) if sp.isspmatrix(X) else X
    return X if sp.isspmatrix(X) else getattr(sp, X.format + "_matrix")(X)


# ---- SGD's averaged state (checked 1.6.1-1.9.1) ----
#
# With ``average`` set, scikit-learn's SGD estimators (sklearn/linear_model/
# _stochastic_gradient.py) keep, besides coef_/intercept_, the plain iterate and the running
# average: ``_standard_coef``, ``_standard_intercept``, ``_average_coef`` and
# ``_average_intercept`` (1-D for a binary model, (n_classes, n_features) otherwise), and
# ``partial_fit`` continues from them. ``coef_``/``intercept_`` are the running average once
# ``t_ - 1 >= average``, the plain iterate before.

SGD_AVERAGED_STATE = {
    "standard_coef": "_standard_coef",
    "average_coef": "_average_coef",
    "standard_intercept": "_standard_intercept",
    "average_intercept": "_average_intercept",
}


def _is_averaged_sgd(model):
    from sklearn.linear_model import SGDClassifier, SGDOneClassSVM, SGDRegressor

    if not isinstance(model, (SGDClassifier, SGDRegressor, SGDOneClassSVM)):
        return False
    return bool(model.get_params(deep=False).get("average", False))


def sgd_averaged_state(model):
    """The averaged-SGD state of a fitted ``model``, or None.

    Returns
    -------
    dict or None
        ``{"standard_coef", "average_coef", "standard_intercept", "average_intercept"}``
        -> ndarray, for an SGD estimator fitted with ``average`` set. None for any other
        model; None too (with a warning) when this scikit-learn does not keep the state
        as expected: the caller then averages ``coef_``/``intercept_`` only (the same
        predictions; a ``partial_fit`` of the averaged model then continues from the
        first model's private state).
    """
    if not _is_averaged_sgd(model):
        return None
    state = {key: getattr(model, name, None) for key, name in SGD_AVERAGED_STATE.items()}
    coef = np.asarray(model.coef_)
    ok = all(isinstance(v, np.ndarray) for v in state.values()) and (
        state["standard_coef"].size == coef.size == state["average_coef"].size
        and state["standard_intercept"].size == state["average_intercept"].size
    )
    if not ok:
        warn_missing(
            f"{type(model).__name__}'s averaged state ({', '.join(SGD_AVERAGED_STATE.values())})",
            "averaged SGD models are averaged by coef_ and intercept_ only (same "
            "predictions; partial_fit on the averaged model continues from one model's "
            "internal state).",
        )
        return None
    return state


def set_sgd_averaged_state(model, state):
    """Write the averaged-SGD ``state`` (as returned by :func:`sgd_averaged_state`) and
    set ``coef_``/``intercept_`` from it by scikit-learn's rule.

    ``state``'s coefficient arrays have scikit-learn's shapes (1-D for a binary model);
    ``model.coef_`` must already have its final shape.
    """
    for key, name in SGD_AVERAGED_STATE.items():
        setattr(model, name, state[key])
    average = model.get_params(deep=False).get("average", 0)
    use_average = bool(average) and getattr(model, "t_", 1.0) - 1 >= float(average)
    coef = state["average_coef"] if use_average else state["standard_coef"]
    if not sp.issparse(model.coef_):  # in coef_'s shape: (1, d) for a binary classifier
        model.coef_ = coef.reshape(np.shape(model.coef_))
    # The same object, as scikit-learn leaves it.
    model.intercept_ = model._average_intercept if use_average else model._standard_intercept


# ---- the class-encoding state of linear classifiers (checked 1.6.1-1.9.1) ----
#
# RidgeClassifier and RidgeClassifierCV encode y with a LabelBinarizer kept as
# ``_label_binarizer`` (their ``classes_`` is a read-only property returning its classes_
# up to 1.8, a plain attribute set from it since 1.9); predict maps argmax columns through
# ``classes_``. SGD classifiers keep the per-class weights of ``class_weight`` as
# ``_expanded_class_weight`` (one per class, read by fit/partial_fit only).


def set_fitted_classes(model, classes):
    """Make the fitted linear classifier ``model`` a model of the labels ``classes``.

    Sets ``classes_`` and the private state that encodes the classes (see above), then
    checks that ``predict`` maps decision values to ``classes`` as assumed.

    Returns
    -------
    bool
        True when done. False (with a warning) when this scikit-learn keeps the classes
        in a way fasthash does not know: the caller then makes the model through public
        code instead (a clone fitted on one sample per class, given the averaged
        ``coef_`` and ``intercept_``: the same predictions).
    """
    from sklearn.linear_model import RidgeClassifier, RidgeClassifierCV, SGDClassifier
    from sklearn.preprocessing import LabelBinarizer

    classes = np.asarray(classes)
    name = type(model).__name__
    if isinstance(model, (RidgeClassifier, RidgeClassifierCV)):
        binarizer = getattr(model, "_label_binarizer", None)
        if not isinstance(binarizer, LabelBinarizer):
            warn_missing(f"{name}._label_binarizer", _REFIT)
            return False
        model._label_binarizer = LabelBinarizer(pos_label=1, neg_label=-1).fit(classes)
    if not isinstance(getattr(type(model), "classes_", None), property):
        model.classes_ = classes.copy()
    if isinstance(model, SGDClassifier):
        expanded = getattr(model, "_expanded_class_weight", None)
        if expanded is not None and len(expanded) != len(classes):
            # Recomputed by fit / partial_fit from class_weight; what they compute for
            # class_weight=None. (Only a later partial_fit reads it.)
            model._expanded_class_weight = np.ones(len(classes), dtype=np.float64)
    if not _predicts_through(model, classes):
        warn_missing(f"{name}'s class encoding (classes_)", _REFIT)
        return False
    return True


_REFIT = (
    "the averaged model is made by fitting a clone on one sample per class and setting "
    "its coef_ and intercept_ (the same predictions)."
)


def _predicts_through(model, classes):
    """Whether ``model.predict`` gives ``classes[argmax]`` of its decision function."""
    try:
        if not np.array_equal(np.asarray(model.classes_), classes):
            return False
        n_features = np.shape(model.coef_)[-1]
        probe = sp.csr_matrix((1, n_features), dtype=np.float64)
        if getattr(model, "feature_names_in_", None) is not None:
            return True  # predict would want a DataFrame; classes_ checked above
        scores = np.asarray(model.decision_function(probe))
        index = (scores > 0).astype(int) if scores.ndim == 1 else scores.argmax(axis=1)
        return bool(np.array_equal(model.predict(probe), classes[index]))
    except Exception:  # noqa: BLE001 - any failure means the assumption does not hold
        return False


# ---- liblinear's solver choice (sklearn.svm._base, sklearn.svm._classes; checked
#      1.6.1-1.9.1) ----

# liblinear's dual solvers, as numbered by sklearn.svm._base._get_liblinear_solver_type:
# L2R_L2LOSS_SVC_DUAL, L2R_L1LOSS_SVC_DUAL, MCSVM_CS, L2R_L2LOSS_SVR_DUAL,
# L2R_L1LOSS_SVR_DUAL.
LIBLINEAR_DUAL_SOLVERS = frozenset({1, 3, 4, 12, 13})


def liblinear_solver_type(multi_class, penalty, loss, dual, shape):
    """The liblinear solver number a LinearSVC/LinearSVR fit on X of ``shape`` runs.

    ``dual`` may be ``"auto"`` (resolved as scikit-learn resolves it for that shape).
    None when the parameters are invalid (the fit raises anyway), or, with a warning, when
    this scikit-learn lacks ``_validate_dual_parameter`` / ``_get_liblinear_solver_type``
    (the caller then does not compact columns: the plain fit, same results).
    """
    import inspect

    try:
        from sklearn.svm._base import _get_liblinear_solver_type
        from sklearn.svm._classes import _validate_dual_parameter

        known = (
            list(inspect.signature(_validate_dual_parameter).parameters)
            == ["dual", "loss", "penalty", "multi_class", "X"]
            and list(inspect.signature(_get_liblinear_solver_type).parameters)
            == ["multi_class", "penalty", "loss", "dual"]
        )
    except (ImportError, TypeError, ValueError):
        known = False
    if not known:
        warn_missing(
            "sklearn.svm._classes._validate_dual_parameter(dual, loss, penalty, "
            "multi_class, X) and sklearn.svm._base._get_liblinear_solver_type(multi_class, "
            "penalty, loss, dual)",
            "LinearSVC and LinearSVR are fitted on every column (no column compaction: "
            "the same models, more slowly).",
        )
        return None

    class _Shape:  # scikit-learn reads only X.shape
        pass

    x = _Shape()
    x.shape = tuple(shape)
    try:
        dual = _validate_dual_parameter(dual, loss, penalty, multi_class, x)
        return _get_liblinear_solver_type(multi_class, penalty, loss, dual)
    except (KeyError, TypeError, ValueError):
        return None


# ---- forests: the per-tree class values (sklearn.tree._tree.Tree; checked 1.6.1-1.9.1) --
#
# A fitted tree's ``tree_`` is a Cython ``Tree``. Its pickle protocol, ``__reduce__``,
# returns ``(Tree, (n_features, n_classes, n_outputs), state)`` where ``state`` is a dict
# with "max_depth", "node_count", "nodes" (a structured array) and "values", the per-node
# class fractions of shape (node_count, n_outputs, max_n_classes); ``Tree(n_features,
# n_classes, n_outputs).__setstate__(state)`` rebuilds it (what pickle and deepcopy do).

# Fitted forest attributes that describe one forest's training sample (behind
# ``estimators_samples_``): stale once forests are merged.
FOREST_SAMPLE_ATTRIBUTES = ("_n_samples", "_n_samples_bootstrap", "_sample_weight")


def tree_with_class_columns(tree, n_classes, columns):
    """A copy of the Cython ``tree`` whose class columns are moved.

    ``columns[k]`` gives, for each class of output ``k``, its column in a new class list
    of ``n_classes[k]`` classes (zeros elsewhere).

    Returns
    -------
    Tree or None
        None, with a warning, when this scikit-learn's ``Tree`` state is not laid out as
        assumed: the caller cannot align classes then.
    """
    try:
        cls, args, state = tree.__reduce__()
        n_features, _, n_outputs = args
        values = state["values"]
        assert isinstance(values, np.ndarray) and values.ndim == 3
        assert values.shape[:2] == (state["node_count"], n_outputs)
    except Exception:  # noqa: BLE001 - any difference: the layout is not the known one
        warn_missing(
            "the state of sklearn.tree._tree.Tree (__reduce__ with per-node 'values')",
            "forests whose classes_ differ cannot be merged (forests with the same "
            "classes_ still can).",
        )
        return None
    n_classes = np.asarray(n_classes, dtype=np.intp)
    new_values = np.zeros((values.shape[0], n_outputs, int(n_classes.max())), values.dtype)
    for k in range(n_outputs):
        cols = np.asarray(columns[k], dtype=np.intp)
        new_values[:, k, cols] = values[:, k, : cols.shape[0]]
    new_tree = cls(n_features, n_classes, n_outputs)
    new_tree.__setstate__(dict(state, values=np.ascontiguousarray(new_values)))
    return new_tree


# ---- the solver modules of sklearn.svm._base (checked 1.6.1-1.9.1) ----
#
# sklearn.svm._base calls liblinear and libsvm through three module globals, ``liblinear``,
# ``libsvm`` and ``libsvm_sparse`` (the compiled sklearn.svm._liblinear, _libsvm and
# _libsvm_sparse). Used only with fasthash.config_context(private_solver_copies=True).

SVM_SOLVER_GLOBALS = ("liblinear", "libsvm", "libsvm_sparse")


def svm_base_module():
    """``sklearn.svm._base``, or None (with a warning) if it lacks the solver globals."""
    try:
        from sklearn.svm import _base
    except ImportError:
        _base = None
    if _base is None or not all(hasattr(_base, name) for name in SVM_SOLVER_GLOBALS):
        warn_missing(
            "sklearn.svm._base.liblinear, libsvm and libsvm_sparse (its solver modules)",
            "private solver copies are not used: liblinear and libsvm fits run one at a "
            "time (the same models).",
        )
        return None
    return _base


__all__ = [
    "align_api_if_sparse",
    "CHECKED",
    "FOREST_SAMPLE_ATTRIBUTES",
    "HasMethods",
    "Interval",
    "InvalidParameterError",
    "LIBLINEAR_DUAL_SOLVERS",
    "liblinear_solver_type",
    "NJobs",
    "parameter_constraints",
    "set_fitted_classes",
    "set_sgd_averaged_state",
    "SGD_AVERAGED_STATE",
    "sgd_averaged_state",
    "StrOptions",
    "svm_base_module",
    "SVM_SOLVER_GLOBALS",
    "tree_with_class_columns",
    "validate_parameter_constraints",
    "validate_ngram_range",
    "validate_params",
    "warn_missing",
]


# ---- model_selection ----
# What fasthash.model_selection assumes of scikit-learn beyond its public API. Checked
# against scikit-learn 1.6.1, 1.7.2, 1.8.0, 1.9.0 and 1.9.1; each assumption has a test in
# tests/compat/test_sklearn_private_api.py (section "model_selection"), which is where a
# new scikit-learn fails first. When an assumption of the searches does not hold
# (missing_search_hooks), the searches run scikit-learn's own code on threads instead.

import inspect as _inspect

from sklearn.metrics._scorer import _BaseScorer as _SkBaseScorer
from sklearn.utils import _safe_indexing  # documented in scikit-learn's API reference
from sklearn.utils.validation import _num_samples

#: scikit-learn versions the accessors of this section were checked against.
MODEL_SELECTION_CHECKED_VERSIONS = ("1.6.1", "1.7.2", "1.8.0", "1.9.0", "1.9.1")


def num_samples(X):
    """Number of rows of ``X`` as scikit-learn counts them (lists, arrays, sparse, frames).

    ``sklearn.utils.validation._num_samples``; checked with 1.6.1 to 1.9.1.
    """
    return _num_samples(X)


def safe_indexing(X, indices):
    """Rows ``indices`` of ``X``, as scikit-learn's cross-validation selects them.

    ``sklearn.utils._safe_indexing`` (listed in scikit-learn's API reference despite its
    underscore); checked with 1.6.1 to 1.9.1. pyarrow data (an Array, ChunkedArray, Table
    or RecordBatch) are taken with their own ``take``, as scikit-learn >= 1.7 does (1.6
    would make a list of pyarrow scalars): the rows stay an Arrow column.
    """
    if is_pyarrow_data(X):
        return _take_arrow_rows(X, indices)
    return _safe_indexing(X, indices)


def is_pyarrow_data(X):
    """Whether ``X`` is a pyarrow Array, ChunkedArray, Table or RecordBatch."""
    return (
        type(X).__module__.partition(".")[0] == "pyarrow"
        and hasattr(X, "take")
        and hasattr(X, "__len__")
    )


def _take_arrow_rows(X, indices):
    import pyarrow as pa

    indices = np.asarray(indices)
    if indices.dtype == bool:
        indices = np.flatnonzero(indices)
    rows = X.take(pa.array(indices.astype(np.int64, copy=False)))
    return rows.combine_chunks() if isinstance(rows, pa.ChunkedArray) else rows


def sklearn_selects_rows_of(X):
    """Whether scikit-learn's own cross-validation (``_safe_indexing``) selects rows of
    ``X`` as data of the same kind: False for pyarrow data before scikit-learn 1.7 (it
    makes lists of pyarrow scalars, which no vectorizer reads)."""
    if not is_pyarrow_data(X) or len(X) == 0:
        return True
    rows = _safe_indexing(X, np.array([0]))
    return type(rows).__module__.partition(".")[0] == "pyarrow"


def check_sklearn_selects_rows(X, caller):
    """Raise a clear TypeError where :func:`sklearn_selects_rows_of` is False."""
    if not sklearn_selects_rows_of(X):
        import sklearn

        raise TypeError(
            f"{caller} runs scikit-learn's own cross-validation here (a custom scorer, "
            f"splitter or callbacks), and scikit-learn {sklearn.__version__} cannot select "
            f"rows of a {type(X).__module__}.{type(X).__qualname__} (scikit-learn >= 1.7 "
            "can). Pass the column as a pandas Series with an Arrow dtype or a polars "
            "Series, or upgrade scikit-learn."
        )


def is_sklearn_scorer(obj):
    """Whether ``obj`` is a scorer made by scikit-learn (``get_scorer``, ``make_scorer``).

    Such a scorer only calls the estimator's public prediction and ``score`` methods on
    the rows it is given (never looks inside the estimator). Instances of
    ``sklearn.metrics._scorer._BaseScorer``; checked with 1.6.1 to 1.9.1.
    """
    return isinstance(obj, _SkBaseScorer)


def has_callbacks(estimator):
    """Whether ``estimator`` or one of its sub-estimators has callbacks registered.

    scikit-learn >= 1.9 stores the callbacks of ``set_callbacks`` in ``_skl_callbacks``;
    older versions have no callbacks (always False). Checked with 1.6.1 to 1.9.1.
    """
    parts = [estimator]
    if hasattr(estimator, "get_params") and not _inspect.isclass(estimator):
        try:
            parts.extend(estimator.get_params(deep=True).values())
        except Exception:  # noqa: BLE001 - get_params without deep
            pass
    return any(bool(getattr(p, "_skl_callbacks", None)) for p in parts)


def _run_search_parameters(cls):
    run_search = getattr(cls, "_run_search", None)
    if run_search is None:
        return None
    try:
        return tuple(_inspect.signature(run_search).parameters)
    except (TypeError, ValueError):
        return None


def run_search_takes_callback_ctx(cls):
    """Whether ``cls._run_search`` takes scikit-learn 1.9's ``callback_ctx`` keyword."""
    return "callback_ctx" in (_run_search_parameters(cls) or ())


def missing_search_hooks(search_cls):
    """What the thread-shared evaluation of ``search_cls`` needs and does not find.

    ``search_cls`` is scikit-learn's GridSearchCV or RandomizedSearchCV. fasthash's
    searches rely on the extension point that ``BaseSearchCV`` documents for subclasses:
    ``fit`` calls ``self._run_search(evaluate_candidates)`` once (with
    ``callback_ctx=...`` from 1.9), then refits with ``clone(estimator)`` and
    ``set_params(**best_params_)``; ``evaluate_candidates(candidate_params)`` evaluates
    every candidate on every split with ``clone``, ``set_params``, ``fit(X[train],
    y[train], **params)`` and the scorer on ``X[test]``. Checked with 1.6.1 to 1.9.1.

    Returns
    -------
    list of str
        The names of what is missing or changed (empty: all there).
    """
    from sklearn.model_selection._search import BaseSearchCV

    missing = []
    base = _run_search_parameters(BaseSearchCV)
    if base not in (("self", "evaluate_candidates"),
                    ("self", "evaluate_candidates", "callback_ctx")):
        missing.append("BaseSearchCV._run_search(evaluate_candidates)")
    if _run_search_parameters(search_cls) != base:
        missing.append(f"{search_cls.__name__}._run_search(evaluate_candidates)")
    return missing


__all__ += [
    "MODEL_SELECTION_CHECKED_VERSIONS",
    "has_callbacks",
    "is_sklearn_scorer",
    "missing_search_hooks",
    "num_samples",
    "run_search_takes_callback_ctx",
    "safe_indexing",
]
