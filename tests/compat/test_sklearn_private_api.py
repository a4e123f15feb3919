# Authors: The fasthash developers
# SPDX-License-Identifier: BSD-3-Clause
"""scikit-learn's private API, as fasthash uses it: one boundary, checked here.

Three parts:

1. The boundary: a scan of the installed package's source proves that no module but
   ``fasthash/utils/_sklearn_compat.py`` reaches into scikit-learn's private API (private
   module paths, private names imported, private attributes or methods of scikit-learn
   objects, by attribute or by string).
2. Every accessor of ``_sklearn_compat`` against the installed scikit-learn: it exists,
   has the expected signature or fields, and behaves as fasthash assumes. A new
   scikit-learn version fails here first.
3. Graceful degradation: with a hook missing or changed (simulated), the fast path falls
   back to public code, with the same results and one warning naming what is missing.
"""

import ast
import copy
import inspect
import io
import pickle
import re
import tokenize
import types
import warnings
from numbers import Integral
from pathlib import Path

import numpy as np
import pytest
import scipy.sparse as sp
import sklearn
from sklearn.datasets import make_classification
from sklearn.ensemble import ExtraTreesClassifier, RandomForestClassifier
from sklearn.linear_model import (
    LogisticRegression,
    RidgeClassifier,
    SGDClassifier,
    SGDRegressor,
)
from sklearn.svm import LinearSVC

import fasthash
from fasthash.exceptions import IncompatibleModelsError, SklearnCompatibilityWarning
from fasthash.utils import _sklearn_compat as compat

# ---------------------------------------------------------------------------------------
# 1. The boundary
# ---------------------------------------------------------------------------------------

PACKAGE = Path(fasthash.__file__).resolve().parent
BOUNDARY = PACKAGE / "utils" / "_sklearn_compat.py"
_PRIVATE = re.compile(r"_[A-Za-z]\w*\Z")
_DEF = re.compile(r"^\s*(?:cp?def|def|class)\s+(?:[\w.]+\s+)?(_[A-Za-z]\w*)", re.M)


def _sklearn_private_names():
    """Private identifiers scikit-learn defines or uses as attributes (its own source)."""
    names = set()
    for path in Path(sklearn.__file__).parent.rglob("*"):
        if path.suffix not in (".py", ".pyx", ".pxd") or "tests" in path.parts:
            continue
        text = path.read_text(encoding="utf-8", errors="ignore")
        names.update(re.findall(r"\.(_[A-Za-z]\w*)", text))
        names.update(_DEF.findall(text))
        names.update(re.findall(r"""["'](_[A-Za-z]\w*)["']""", text))
    return {n for n in names if not n.endswith("__")}


def _fasthash_defined_names(files):
    """Private names fasthash defines itself (functions, classes, attributes it sets)."""
    names = set()
    for path in files:
        text = path.read_text(encoding="utf-8")
        names.update(_DEF.findall(text))
        names.update(re.findall(r"\b(?:self|cls)\.(_[A-Za-z]\w*)\s*(?::[^=\n]*)?=[^=]", text))
        names.update(re.findall(r"^\s*(_[A-Za-z]\w*)\s*(?::[^=\n]*)?=[^=]", text, re.M))
    return names


def private_api_uses(source, sklearn_private, fasthash_defined):
    """``(line, what)`` for every reach into scikit-learn's private API in ``source``.

    Flags: imports from a private scikit-learn module or of a private name; a dotted path
    ``sklearn....._x`` or a string naming one; ``obj._x`` where ``_x`` is private to
    scikit-learn (on a name bound to scikit-learn, always; elsewhere unless fasthash
    defines ``_x`` itself and ``obj`` is ``self``/``cls`` or another of its objects);
    a string ``"_x"`` naming such an attribute (getattr/setattr). Docstrings and comments
    are not code.
    """
    tree = ast.parse(source)
    found = []
    sklearn_bound, fasthash_bound, import_lines, doc_lines = set(), set(), set(), set()
    for node in ast.walk(tree):
        if isinstance(node, (ast.Import, ast.ImportFrom)):
            import_lines.update(range(node.lineno, (node.end_lineno or node.lineno) + 1))
        if isinstance(node, ast.Import):
            for alias in node.names:
                bound = alias.asname or alias.name.split(".")[0]
                if alias.name.split(".")[0] == "sklearn":
                    sklearn_bound.add(bound)
                    if any(p.startswith("_") for p in alias.name.split(".")):
                        found.append((node.lineno, f"import of private module {alias.name}"))
                elif alias.name.split(".")[0] == "fasthash":
                    fasthash_bound.add(bound)
        elif isinstance(node, ast.ImportFrom) and node.module:
            root = node.module.split(".")[0]
            for alias in node.names:
                (sklearn_bound if root == "sklearn" else fasthash_bound).add(
                    alias.asname or alias.name
                )
            if root == "sklearn":
                if any(p.startswith("_") for p in node.module.split(".")):
                    found.append((node.lineno, f"import from private module {node.module}"))
                for alias in node.names:
                    if alias.name.startswith("_"):
                        found.append(
                            (node.lineno, f"private name {alias.name} from {node.module}")
                        )
        elif isinstance(node, (ast.Module, ast.ClassDef, ast.FunctionDef, ast.AsyncFunctionDef)):
            body = node.body
            if body and isinstance(body[0], ast.Expr) and isinstance(body[0].value, ast.Constant):
                doc_lines.add(body[0].lineno)
    tokens = [
        t
        for t in tokenize.generate_tokens(io.StringIO(source).readline)
        if t.type not in (tokenize.COMMENT, tokenize.NL, tokenize.NEWLINE, tokenize.INDENT,
                          tokenize.DEDENT)
    ]
    for i, tok in enumerate(tokens):
        line = tok.start[0]
        if tok.type == tokenize.STRING and line not in doc_lines:
            try:
                value = ast.literal_eval(tok.string)
            except (ValueError, SyntaxError):
                continue
            if not isinstance(value, str):
                continue
            if re.search(r"\bsklearn(\.\w+)*\._", value):
                found.append((line, f"string naming a private scikit-learn path: {value!r}"))
            elif _PRIVATE.match(value) and value in sklearn_private and value not in (
                fasthash_defined
            ):
                found.append((line, f"string naming scikit-learn's private {value!r}"))
            continue
        if not (tok.type == tokenize.OP and tok.string == "." and i + 1 < len(tokens)):
            continue
        name = tokens[i + 1].string
        if tokens[i + 1].type != tokenize.NAME or not _PRIVATE.match(name):
            continue
        if line in import_lines:
            continue
        j = i - 1  # the root of the dotted chain before the dot
        while j >= 2 and tokens[j].type == tokenize.NAME and tokens[j - 1].string == ".":
            j -= 2
        root = tokens[j].string if j >= 0 else ""
        if root in sklearn_bound:
            found.append((line, f"{root}...{name}: private to scikit-learn"))
        elif root in fasthash_bound or name not in sklearn_private:
            continue
        elif name not in fasthash_defined:
            found.append((line, f"{tokens[i - 1].string}.{name}: private to scikit-learn"))
    return sorted(set(found))


def _package_files():
    return sorted(p for p in PACKAGE.rglob("*.py") if p != BOUNDARY)


@pytest.fixture(scope="module")
def scan_context():
    return _sklearn_private_names(), _fasthash_defined_names(list(PACKAGE.rglob("*.py")))


@pytest.mark.parametrize(
    "path", _package_files(), ids=lambda p: str(p.relative_to(PACKAGE))
)
def test_no_module_but_the_boundary_reaches_into_sklearn(path, scan_context):
    """Fails for a module that uses scikit-learn's private API outside _sklearn_compat."""
    uses = private_api_uses(path.read_text(encoding="utf-8"), *scan_context)
    assert not uses, "\n".join(f"{path.name}:{line}: {what}" for line, what in uses)


def test_pyx_files_do_not_touch_sklearn():
    for path in PACKAGE.rglob("*.pyx"):
        assert "sklearn" not in path.read_text(encoding="utf-8"), path


@pytest.mark.parametrize(
    "source, expected",
    [
        ("from sklearn.svm._base import helper\n", "private module"),
        ("from sklearn.utils import _safe_indexing\n", "private name"),
        ("import sklearn.utils._param_validation as pv\n", "private module"),
        ("import sklearn\nx = sklearn.svm._base\n", "private to scikit-learn"),
        ("def f(model):\n    return model._standard_coef\n", "_standard_coef"),
        ("def f(model):\n    return getattr(model, '_label_binarizer')\n", "_label_binarizer"),
        ("from sklearn.base import BaseEstimator as B\nc = B._get_param_names\n", "private"),
        ("class A:\n    def f(self):\n        return self._validate_params()\n",
         "_validate_params"),
        ("class A:\n    def f(self):\n        return super()._get_param_names()\n",
         "_get_param_names"),
        ("x = 'sklearn.svm._base.liblinear'\n", "private scikit-learn path"),
    ],
)
def test_the_scan_catches(source, expected, scan_context):
    sk, _ = scan_context
    uses = private_api_uses(source, sk, set())
    assert any(expected in what for _, what in uses), uses


@pytest.mark.parametrize(
    "source",
    [
        '"""Docs may name sklearn.utils._param_validation.InvalidParameterError."""\n',
        "# a comment about model._standard_coef\nx = 1\n",
        "from fasthash.utils import _sklearn_compat as c\nx = c.NJobs\n",
        "class A:\n    def __init__(self):\n        self._stream = 1\n    def f(self):\n"
        "        return self._stream\n",
    ],
)
def test_the_scan_allows(source, scan_context):
    sk, _ = scan_context
    assert private_api_uses(source, sk, {"_stream"}) == []


# ---------------------------------------------------------------------------------------
# 2. Each accessor against the installed scikit-learn
# ---------------------------------------------------------------------------------------


def test_checked_versions_name_the_declared_range():
    assert sklearn.__version__ in compat.CHECKED or sklearn.__version__.endswith(".dev0")


def test_param_validation():
    from sklearn.base import BaseEstimator

    assert issubclass(compat.InvalidParameterError, ValueError)
    assert issubclass(compat.InvalidParameterError, TypeError)
    sig = inspect.signature(compat.validate_parameter_constraints)
    assert list(sig.parameters) == ["parameter_constraints", "params", "caller_name"]
    constraints = compat.parameter_constraints(SGDClassifier)
    assert isinstance(constraints, dict) and "alpha" in constraints
    constraints["alpha"] = None  # a copy
    assert SGDClassifier._parameter_constraints["alpha"] is not None
    # validate_params gives what BaseEstimator._validate_params gives.
    bad = SGDClassifier(alpha=-1.0, penalty="l3")
    with pytest.raises(compat.InvalidParameterError) as ours:
        compat.validate_params(bad)
    with pytest.raises(compat.InvalidParameterError) as theirs:
        BaseEstimator._validate_params(bad)
    assert str(ours.value) == str(theirs.value)
    # NJobs is accepted by scikit-learn's validation, with fasthash's message.
    for value, ok in [(None, True), (2, True), (-1, True), (0, False), (True, False),
                      (1.5, False), ("2", False)]:
        if ok:
            compat.validate_parameter_constraints(
                {"n_jobs": [compat.NJobs(), None]}, {"n_jobs": value}, caller_name="X"
            )
        else:
            with pytest.raises(compat.InvalidParameterError, match="int other than 0"):
                compat.validate_parameter_constraints(
                    {"n_jobs": [compat.NJobs(), None]}, {"n_jobs": value}, caller_name="X"
                )
    compat.Interval(Integral, 1, None, closed="left")
    compat.StrOptions({"a"})
    compat.HasMethods(["fit"])


def test_validate_ngram_range():
    from sklearn.feature_extraction.text import HashingVectorizer

    compat.validate_ngram_range(HashingVectorizer(ngram_range=(1, 2)))
    with pytest.raises(ValueError, match="Invalid value for ngram_range=\\(2, 1\\)"):
        compat.validate_ngram_range(HashingVectorizer(ngram_range=(2, 1)))


@pytest.mark.parametrize("interface", ["spmatrix", "sparray"])
@pytest.mark.parametrize("make", [sp.csr_matrix, sp.csr_array, sp.csc_array, np.asarray])
def test_align_api_if_sparse_is_sklearns(interface, make):
    X = make(np.eye(3))
    config = sklearn.get_config()
    if "sparse_interface" not in config:
        if interface == "sparray":
            pytest.skip("this scikit-learn has no sparse_interface setting")
        got = compat.align_api_if_sparse(X)
        assert type(got) is (sp.csr_matrix if make is sp.csr_array else type(X)) or (
            sp.issparse(got) and sp.isspmatrix(got)
        )
        return
    from sklearn.utils._sparse import _align_api_if_sparse

    with sklearn.config_context(sparse_interface=interface):
        assert type(compat.align_api_if_sparse(X)) is type(_align_api_if_sparse(X))


@pytest.mark.parametrize("Estimator, n_classes", [(SGDClassifier, 2), (SGDClassifier, 3),
                                                  (SGDRegressor, None)])
def test_sgd_averaged_state(Estimator, n_classes):
    X, y = make_classification(n_samples=200, n_classes=n_classes or 2, n_informative=4,
                               random_state=0)
    model = Estimator(average=10, max_iter=5, tol=None, random_state=0).fit(X, y)
    state = compat.sgd_averaged_state(model)
    assert set(state) == set(compat.SGD_AVERAGED_STATE)
    rows = 1 if n_classes in (None, 2) else n_classes
    assert state["standard_coef"].shape == ((20,) if rows == 1 else (rows, 20))
    assert state["average_coef"].shape == state["standard_coef"].shape
    assert state["standard_intercept"].shape == state["average_intercept"].shape == (rows,)
    # scikit-learn's rule: coef_ is the running average once t_ - 1 >= average.
    assert model.t_ - 1 >= model.average
    np.testing.assert_array_equal(model.coef_.ravel(), state["average_coef"].ravel())
    np.testing.assert_array_equal(model.intercept_, state["average_intercept"])
    # Written back into a copy, partial_fit continues exactly as from the original.
    other = copy.deepcopy(model)
    compat.set_sgd_averaged_state(other, {k: v.copy() for k, v in state.items()})
    np.testing.assert_array_equal(other.coef_, model.coef_)
    a = model.partial_fit(X, y)
    b = other.partial_fit(X, y)
    np.testing.assert_array_equal(a.coef_, b.coef_)
    np.testing.assert_array_equal(a.intercept_, b.intercept_)
    # And partial_fit reads it: a changed plain iterate changes the next step.
    shifted = copy.deepcopy(model)
    state = compat.sgd_averaged_state(shifted)
    state["standard_coef"] = state["standard_coef"] + 1.0
    compat.set_sgd_averaged_state(shifted, state)
    assert not np.array_equal(shifted.partial_fit(X, y).coef_, model.partial_fit(X, y).coef_)
    assert compat.sgd_averaged_state(Estimator().fit(X, y)) is None  # not averaged


@pytest.mark.parametrize(
    "make",
    [RidgeClassifier, lambda: SGDClassifier(class_weight="balanced", random_state=0),
     LogisticRegression, LinearSVC],
    ids=["ridge", "sgd-balanced", "logistic", "linearsvc"],
)
def test_set_fitted_classes(make):
    X, y = make_classification(n_samples=300, n_classes=3, n_informative=4, random_state=0)
    part = y != 2
    model = make().fit(X[part], y[part])  # knows classes 0 and 1 only
    full = make().fit(X, y)
    model.coef_, model.intercept_ = full.coef_.copy(), full.intercept_.copy()
    assert compat.set_fitted_classes(model, np.array([0, 1, 2]))
    np.testing.assert_array_equal(model.classes_, [0, 1, 2])
    np.testing.assert_array_equal(model.predict(X), full.predict(X))
    if isinstance(model, SGDClassifier):
        assert len(model._expanded_class_weight) == 3
        model.partial_fit(X, y)  # continues with the three classes


def test_liblinear_solver_type():
    from sklearn.svm._base import _get_liblinear_solver_type

    assert compat.liblinear_solver_type("ovr", "l2", "hinge", True, (10, 5)) == 3
    assert compat.liblinear_solver_type("ovr", "l2", "squared_hinge", True, (10, 5)) == 1
    assert compat.liblinear_solver_type("ovr", "l2", "squared_hinge", False, (10, 5)) == 2
    assert compat.liblinear_solver_type("crammer_singer", "l2", "hinge", True, (10, 5)) == 4
    # dual="auto": dual when there are more columns than samples, if the loss allows it
    assert compat.liblinear_solver_type("ovr", "l2", "squared_hinge", "auto", (5, 10)) == 1
    assert compat.liblinear_solver_type("ovr", "l2", "squared_hinge", "auto", (10, 5)) == 2
    assert compat.liblinear_solver_type("ovr", "l1", "squared_hinge", "auto", (5, 10)) == 5
    assert compat.liblinear_solver_type("ovr", "l3", "hinge", True, (5, 10)) is None
    duals = {
        _get_liblinear_solver_type("ovr", "l2", loss, True)
        for loss in ("hinge", "squared_hinge", "epsilon_insensitive",
                     "squared_epsilon_insensitive")
    } | {_get_liblinear_solver_type("crammer_singer", "l2", "hinge", True)}
    assert duals == compat.LIBLINEAR_DUAL_SOLVERS
    primal = {_get_liblinear_solver_type("ovr", "l2", "squared_hinge", False),
              _get_liblinear_solver_type("ovr", "l1", "squared_hinge", False)}
    assert not primal & compat.LIBLINEAR_DUAL_SOLVERS


def test_tree_with_class_columns():
    X, y = make_classification(n_samples=200, n_classes=3, n_informative=4, random_state=0)
    part = y != 1  # classes 0 and 2
    tree = RandomForestClassifier(n_estimators=1, random_state=0).fit(X[part], y[part])
    est = tree.estimators_[0]
    remapped = compat.tree_with_class_columns(est.tree_, [3], [np.array([0, 2])])
    assert type(remapped) is type(est.tree_)
    before, after = est.tree_.value, remapped.value
    assert after.shape == (est.tree_.node_count, 1, 3)
    np.testing.assert_array_equal(after[:, 0, [0, 2]], before[:, 0, :2])
    np.testing.assert_array_equal(after[:, 0, 1], 0)
    leaves = est.tree_.apply(X.astype(np.float32))
    np.testing.assert_array_equal(remapped.apply(X.astype(np.float32)), leaves)
    assert pickle.loads(pickle.dumps(remapped)).node_count == est.tree_.node_count


def test_forest_sample_attributes():
    X, y = make_classification(n_samples=100, random_state=0)
    for Forest in (RandomForestClassifier, ExtraTreesClassifier):
        forest = Forest(n_estimators=2, bootstrap=True, random_state=0).fit(X, y)
        private = {k for k in vars(forest) if k.startswith("_")}
        # (scikit-learn < 1.7 keeps no _sample_weight)
        assert "_n_samples" in private and private <= set(compat.FOREST_SAMPLE_ATTRIBUTES)
        assert len(forest.estimators_samples_) == 2
        for name in private:
            delattr(forest, name)
        with pytest.raises(AttributeError):
            forest.estimators_samples_  # noqa: B018 - they are what it reads


def test_svm_solver_globals():
    import sklearn.svm._liblinear
    import sklearn.svm._libsvm
    import sklearn.svm._libsvm_sparse

    base = compat.svm_base_module()
    assert base is not None
    assert base.liblinear is sklearn.svm._liblinear
    assert base.libsvm is sklearn.svm._libsvm
    assert base.libsvm_sparse is sklearn.svm._libsvm_sparse
    assert callable(base.liblinear.train_wrap) and callable(base.libsvm.fit)


# ---------------------------------------------------------------------------------------
# 3. Graceful degradation (hooks missing or changed, simulated in the test only)
# ---------------------------------------------------------------------------------------


@pytest.fixture
def fresh_warnings(monkeypatch):
    """Forget which missing hooks were already reported (they warn once per process)."""
    monkeypatch.setattr(compat, "_warned", set())


def _one_warning(record, what):
    mine = [w for w in record if issubclass(w.category, SklearnCompatibilityWarning)]
    assert len(mine) == 1, [str(w.message) for w in mine]
    assert what in str(mine[0].message)
    assert sklearn.__version__ in str(mine[0].message)


def test_sgd_state_missing_averages_the_public_coefficients(monkeypatch, fresh_warnings):
    X, y = make_classification(n_samples=400, n_classes=3, n_informative=4, random_state=0)
    models = [
        SGDClassifier(average=5, random_state=i).fit(X[i::2], y[i::2]) for i in range(2)
    ]
    want = fasthash.average_models(models)
    monkeypatch.setitem(compat.SGD_AVERAGED_STATE, "standard_coef", "_renamed_coef")
    with warnings.catch_warnings(record=True) as record:
        warnings.simplefilter("always")
        got = fasthash.average_models(models)
        fasthash.average_models(models)  # once per process
    _one_warning(record, "averaged state")
    np.testing.assert_allclose(got.coef_, want.coef_, rtol=1e-12)
    np.testing.assert_allclose(got.intercept_, want.intercept_, rtol=1e-12)
    np.testing.assert_array_equal(got.predict(X), want.predict(X))


def test_class_encoding_missing_refits_publicly(fresh_warnings):
    X, y = make_classification(n_samples=300, n_classes=3, n_informative=4, random_state=0)
    models = [RidgeClassifier().fit(X[y != c], y[y != c]) for c in (0, 2)]
    want = fasthash.average_models(models, classes=[0, 1, 2])
    changed = copy.deepcopy(models)
    for m in changed:  # as if scikit-learn encoded the labels with something else
        binarizer = m.__dict__.pop("_label_binarizer")
        m._label_binarizer = types.SimpleNamespace(**vars(binarizer))
    with warnings.catch_warnings(record=True) as record:
        warnings.simplefilter("always")
        got = fasthash.average_models(changed, classes=[0, 1, 2])
    _one_warning(record, "_label_binarizer")
    assert type(got) is RidgeClassifier
    np.testing.assert_array_equal(got.classes_, [0, 1, 2])
    np.testing.assert_array_equal(got.coef_, want.coef_)
    np.testing.assert_array_equal(got.predict(X), want.predict(X))


def test_liblinear_hooks_missing_fit_every_column(monkeypatch, fresh_warnings):
    import sklearn.svm._classes

    from fasthash.utils import _columns

    X = sp.random(60, 5000, density=0.002, format="csr", random_state=0)
    y = np.arange(60) % 2
    assert _columns.compact_for_fit(LinearSVC(dual=True), X) is not None
    # As if scikit-learn changed the helper's signature (it still works for scikit-learn).
    original = sklearn.svm._classes._validate_dual_parameter

    def changed(dual, loss, penalty, multi_class, X, sample_weight=None):
        return original(dual, loss, penalty, multi_class, X)

    monkeypatch.setattr(sklearn.svm._classes, "_validate_dual_parameter", changed)
    with warnings.catch_warnings(record=True) as record:
        warnings.simplefilter("always")
        assert _columns.compact_for_fit(LinearSVC(dual=True), X) is None
        model = fasthash.AveragedLinearModel(LinearSVC(random_state=0), n_jobs=1).fit(X, y)
    _one_warning(record, "_validate_dual_parameter")
    monkeypatch.undo()
    want = fasthash.AveragedLinearModel(LinearSVC(random_state=0), n_jobs=1).fit(X, y)
    assert model.coef_.tobytes() == want.coef_.tobytes()


def test_tree_state_changed_refuses_only_what_needs_it(fresh_warnings):
    class ChangedTree:
        def __reduce__(self):
            return (object, (3, np.array([2]), 1), {"nodes": None})

    with pytest.warns(SklearnCompatibilityWarning, match="Tree"):
        assert compat.tree_with_class_columns(ChangedTree(), [3], [[0, 1]]) is None


def test_merge_without_the_tree_hook(monkeypatch, fresh_warnings):
    from fasthash.ensemble import _merge

    monkeypatch.setattr(_merge, "tree_with_class_columns", lambda *a: None)
    X, y = make_classification(n_samples=200, n_classes=3, n_informative=4, random_state=0)
    a = RandomForestClassifier(n_estimators=2, random_state=0).fit(X, y)
    b = RandomForestClassifier(n_estimators=2, random_state=1).fit(X, y)
    merged = fasthash.merge_forests([a, b])  # same classes: no private hook needed
    assert merged.n_estimators == 4
    c = RandomForestClassifier(n_estimators=2, random_state=1).fit(X[y != 1], y[y != 1])
    with pytest.raises(IncompatibleModelsError, match="classes_ differ"):
        fasthash.merge_forests([a, c])


def test_svm_globals_missing_run_fits_one_at_a_time(monkeypatch, fresh_warnings):
    from sklearn.svm import _base

    from fasthash.utils import _solver_copies

    monkeypatch.delattr(_base, "libsvm_sparse")
    with fasthash.config_context(private_solver_copies=True):
        with pytest.warns(SklearnCompatibilityWarning, match="solver modules"):
            with _solver_copies.isolated_solvers():
                assert _solver_copies._serial_lock.locked()
                assert getattr(_solver_copies._local, "copies", None) is None


def test_hashing_needs_no_private_hook(monkeypatch):
    """HashingVectorizer and FeatureHasher give the same output without scikit-learn's
    private sparse helper (and never read it)."""
    import importlib

    docs = ["the quick brown fox", "jumps over the lazy dog"]
    want_hv = fasthash.HashingVectorizer(n_features=2**10).transform(docs)
    want_fh = fasthash.FeatureHasher(n_features=2**10).transform([{"a": 1, "b": 2}])
    try:
        sparse_module = importlib.import_module("sklearn.utils._sparse")
    except ImportError:
        sparse_module = None
    if sparse_module is not None and hasattr(sparse_module, "_align_api_if_sparse"):
        monkeypatch.delattr(sparse_module, "_align_api_if_sparse")
    got_hv = fasthash.HashingVectorizer(n_features=2**10).transform(docs)
    got_fh = fasthash.FeatureHasher(n_features=2**10).transform([{"a": 1, "b": 2}])
    for got, want in [(got_hv, want_hv), (got_fh, want_fh)]:
        assert type(got) is type(want)
        assert (got != want).nnz == 0


# ---------------------------------------------------------------------------------------
# What may import what (docs/design.md)
# ---------------------------------------------------------------------------------------


def _fasthash_imports(path):
    """``(module, name)`` of every ``from fasthash... import name`` / ``import fasthash...``."""
    found = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom) and node.module and node.module.startswith(
            "fasthash"
        ):
            found.extend((node.module, alias.name) for alias in node.names)
        elif isinstance(node, ast.Import):
            found.extend((a.name, None) for a in node.names if a.name.startswith("fasthash"))
    return found


def _modules_of(package):
    return sorted((PACKAGE / package).glob("*.py"))


def test_the_boundary_imports_nothing_of_fasthash_but_its_exceptions():
    assert {m for m, _ in _fasthash_imports(BOUNDARY)} <= {"fasthash.exceptions"}


@pytest.mark.parametrize("package", ["utils", "linear_model", "ensemble", "dask"])
def test_layers_import_what_they_may(package):
    forbidden = {
        "utils": ("fasthash.linear_model", "fasthash.ensemble", "fasthash.model_selection",
                  "fasthash.dask", "fasthash.feature_extraction"),
        "linear_model": ("fasthash.ensemble", "fasthash.model_selection", "fasthash.dask"),
        "ensemble": ("fasthash.linear_model", "fasthash.model_selection", "fasthash.dask"),
        "dask": ("fasthash.model_selection",),
    }[package]
    for path in _modules_of(package):
        for module, name in _fasthash_imports(path):
            assert not module.startswith(forbidden), f"{path.name} imports {module}"
            if package == "dask" and module.startswith(("fasthash.linear_model",
                                                        "fasthash.ensemble")):
                # internal modules, but an interface: names without a leading underscore
                assert name is not None and not name.startswith("_"), (path.name, name)


# ---------------------------------------------------------------------------------------
# ---- model_selection ----
# The assumptions of fasthash.model_selection (the last section of _sklearn_compat.py).


def test_model_selection_num_samples_and_safe_indexing():
    import scipy.sparse as sp

    from fasthash.utils._sklearn_compat import num_samples, safe_indexing

    docs = ["a", "b", "c"]
    assert num_samples(docs) == 3
    assert num_samples(sp.csr_matrix(np.eye(4))) == 4
    assert safe_indexing(docs, np.array([2, 0])) == ["c", "a"]
    X = sp.csr_matrix(np.arange(12.0).reshape(4, 3))
    np.testing.assert_array_equal(safe_indexing(X, np.array([3, 1])).toarray(),
                                  X.toarray()[[3, 1]])


def test_model_selection_is_sklearn_scorer():
    from sklearn.metrics import accuracy_score, check_scoring, get_scorer, make_scorer
    from sklearn.svm import LinearSVC

    from fasthash.utils._sklearn_compat import is_sklearn_scorer

    assert is_sklearn_scorer(get_scorer("accuracy"))
    assert is_sklearn_scorer(make_scorer(accuracy_score))
    assert is_sklearn_scorer(check_scoring(LinearSVC(), scoring="f1_macro"))
    assert not is_sklearn_scorer(lambda est, X, y: 0.0)
    assert not is_sklearn_scorer(accuracy_score)


def test_model_selection_has_callbacks():
    import sklearn
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    from fasthash.utils._sklearn_compat import has_callbacks

    pipe = make_pipeline(StandardScaler(), LogisticRegression())
    assert not has_callbacks(pipe)
    if not hasattr(LogisticRegression(), "set_callbacks"):
        assert sklearn.__version__ < "1.9"
        return
    class Callback:
        def setup(self, estimator, context):
            pass

        def on_fit_task_begin(self, estimator, context, **kwargs):
            pass

        def on_fit_task_end(self, estimator, context, **kwargs):
            pass

        def teardown(self, estimator, context):
            pass

    pipe[-1].set_callbacks(Callback())
    assert has_callbacks(pipe)
    assert has_callbacks(pipe[-1])


@pytest.mark.parametrize("name", ["GridSearchCV", "RandomizedSearchCV"])
def test_model_selection_search_hooks(name):
    import sklearn
    import sklearn.model_selection as ms

    from fasthash.utils._sklearn_compat import (
        missing_search_hooks,
        run_search_takes_callback_ctx,
    )

    cls = getattr(ms, name)
    assert missing_search_hooks(cls) == []
    # scikit-learn 1.9 added the callback context to the extension point.
    major_minor = tuple(int(p) for p in sklearn.__version__.split(".")[:2])
    assert run_search_takes_callback_ctx(cls) == (major_minor >= (1, 9))


class _Spy:
    """An estimator recording what scikit-learn's search does with it."""

    log = []

    def __init__(self, c=1.0):
        self.c = c

    def get_params(self, deep=True):
        return {"c": self.c}

    def set_params(self, **params):
        _Spy.log.append(("set_params", id(self), dict(params)))
        for k, v in params.items():
            setattr(self, k, v)
        return self

    def __sklearn_clone__(self):
        new = _Spy(self.c)
        _Spy.log.append(("clone", id(self), id(new)))
        return new

    def __sklearn_tags__(self):
        from sklearn.utils import Tags, TargetTags

        return Tags(estimator_type=None, target_tags=TargetTags(required=True))

    def fit(self, X, y, **fit_params):
        _Spy.log.append(("fit", id(self), np.asarray(X).copy(), sorted(fit_params)))
        self.fitted_ = True
        return self

    def score(self, X, y, sample_weight=None):
        _Spy.log.append(("score", id(self), np.asarray(X).copy()))
        return float(self.c)


def test_model_selection_search_calls_the_estimator_as_assumed():
    """BaseSearchCV.fit, through _run_search: per (candidate, split) a clone gets
    set_params(candidate), fit(X[train], y[train], **sliced params) and the scorer on
    X[test]; after _run_search returns, one refit of clone(estimator).set_params(best) on
    the whole X. The shared-rows evaluation relies on exactly this."""
    from sklearn.model_selection import GridSearchCV, KFold

    from fasthash.utils._sklearn_compat import run_search_takes_callback_ctx

    takes_ctx = run_search_takes_callback_ctx(GridSearchCV)
    X = np.arange(12).reshape(-1, 1)
    y = np.arange(12) % 2
    w = np.ones(12)

    class Search(GridSearchCV):
        def _run_search(self, evaluate_candidates, *, callback_ctx=None):
            _Spy.log.append(("run_search",))
            kwargs = {"callback_ctx": callback_ctx} if takes_ctx else {}
            super()._run_search(evaluate_candidates, **kwargs)
            _Spy.log.append(("run_search done",))

    _Spy.log = []
    cv = KFold(3)
    search = Search(_Spy(), {"c": [1.0, 2.0]}, cv=cv)
    search.fit(X, y, sample_weight=w)
    fits = [e for e in _Spy.log if e[0] == "fit"]
    assert len(fits) == 2 * 3 + 1  # candidates x splits, then the refit
    splits = list(cv.split(X, y))
    for i, (_, _, rows, fit_params) in enumerate(fits[:-1]):
        train, _test = splits[i % 3]
        np.testing.assert_array_equal(rows.ravel(), X[train].ravel())
        assert fit_params == ["sample_weight"]
    np.testing.assert_array_equal(fits[-1][2].ravel(), X.ravel())  # refit on all of X
    scores = [e for e in _Spy.log if e[0] == "score"]
    for i, (_, _, rows) in enumerate(scores):
        np.testing.assert_array_equal(rows.ravel(), X[splits[i % 3][1]].ravel())
    # every fitted object was cloned and given the candidate's parameters first
    set_ids = {e[1] for e in _Spy.log if e[0] == "set_params"}
    assert all(f[1] in set_ids for f in fits)
    kinds = [e[0] for e in _Spy.log]
    assert kinds.count("run_search") == 1
    # the refit is the only fit after the extension point returns
    assert kinds[kinds.index("run_search done"):].count("fit") == 1
    assert search.best_params_ == {"c": 2.0}
    assert isinstance(search.best_estimator_, _Spy)
