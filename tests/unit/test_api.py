# Authors: The fasthash developers
# SPDX-License-Identifier: BSD-3-Clause
"""The estimator API of fasthash.HashingVectorizer equals scikit-learn's (plus ``n_jobs``)."""

import inspect
import pickle
import threading
import warnings

import numpy as np
import pytest
import scipy.sparse as sp
import sklearn
from _helpers import (
    needs_sparse_interface,
    TRICKY_DOCUMENTS,
    SkHashingVectorizer,
    assert_csr_identical,
    assert_same_outcome,
    run,
    stable_repr,
)
from sklearn.base import clone
from sklearn.compose import ColumnTransformer
from sklearn.feature_extraction.text import TfidfTransformer
from sklearn.linear_model import SGDClassifier
from sklearn.pipeline import FeatureUnion, Pipeline, make_pipeline
from sklearn.utils import get_tags
from sklearn.utils import murmurhash3_32 as sk_murmurhash3_32
from sklearn.utils._param_validation import InvalidParameterError
from sklearn.utils.validation import check_is_fitted

import fasthash

DOCS = [d for d in TRICKY_DOCUMENTS if d]


def _analyzer(doc):
    return doc.split()


def _preprocessor(doc):
    return doc.lower()


def _tokenizer(doc):
    return doc.split()


# --- class, module path, signature --------------------------------------------------------


def test_is_a_sklearn_hashing_vectorizer():
    assert isinstance(fasthash.HashingVectorizer(), SkHashingVectorizer)
    assert issubclass(fasthash.HashingVectorizer, SkHashingVectorizer)
    assert fasthash.HashingVectorizer.__name__ == "HashingVectorizer"
    for base in SkHashingVectorizer.__mro__:
        assert base in fasthash.HashingVectorizer.__mro__


def test_import_paths():
    from fasthash.feature_extraction import HashingVectorizer as A
    from fasthash.feature_extraction.text import HashingVectorizer as B

    assert A is B is fasthash.HashingVectorizer
    assert "HashingVectorizer" in fasthash.__all__
    assert "murmurhash3_32" in fasthash.__all__
    assert isinstance(fasthash.__version__, str)


def test_signature_matches_sklearn_plus_n_jobs():
    sk = inspect.signature(SkHashingVectorizer.__init__).parameters
    fh = inspect.signature(fasthash.HashingVectorizer.__init__).parameters
    assert list(fh) == [*sk, "n_jobs"]
    for name, param in sk.items():
        other = fh[name]
        assert other.kind is param.kind, name
        if param.default is inspect.Parameter.empty:
            assert other.default is inspect.Parameter.empty, name
        else:
            assert type(other.default) is type(param.default), name
            assert other.default == param.default or other.default is param.default, name
    assert fh["n_jobs"].kind is inspect.Parameter.KEYWORD_ONLY
    assert fh["n_jobs"].default is None
    # every argument after self is keyword-only, as in scikit-learn
    assert all(p.kind is inspect.Parameter.KEYWORD_ONLY for n, p in fh.items() if n != "self")


@pytest.mark.parametrize("method", ["fit", "partial_fit", "transform", "fit_transform"])
def test_method_signatures_match_sklearn(method):
    assert inspect.signature(getattr(fasthash.HashingVectorizer, method)) == inspect.signature(
        getattr(SkHashingVectorizer, method)
    )


def test_positional_argument_rejected_like_sklearn():
    assert_same_outcome(
        run(fasthash.HashingVectorizer, 100), run(SkHashingVectorizer, 100), compare_warnings=False
    )
    assert not run(fasthash.HashingVectorizer, 100).ok


def test_init_stores_parameters_verbatim():
    weird = {
        "n_features": "x",
        "norm": 3,
        "ngram_range": [9, 1],
        "dtype": "foo",
        "stop_words": {"a"},
        "n_jobs": "many",
        "analyzer": object,
    }
    vec = fasthash.HashingVectorizer(**weird)
    for name, value in weird.items():
        assert getattr(vec, name) is value
    # no other attribute than the parameters (sklearn's check_no_attributes_set_in_init)
    assert set(vars(vec)) == set(inspect.signature(type(vec)).parameters)


@pytest.mark.parametrize(
    "name",
    [
        "build_analyzer",
        "build_preprocessor",
        "build_tokenizer",
        "decode",
        "get_stop_words",
        "get_feature_names_out",
        "set_output",
        "inverse_transform",
        "n_features_in_",
        "feature_names_in_",
        "_more_tags",
        "_get_tags",
        "get_metadata_routing",
        "set_transform_request",
        "set_fit_request",
        "partial_fit",
        "__sklearn_tags__",
    ],
)
def test_same_members_as_sklearn(name):
    assert hasattr(fasthash.HashingVectorizer(), name) == hasattr(SkHashingVectorizer(), name)


# --- get_params / set_params / clone / repr ----------------------------------------------


def test_get_params():
    expected = SkHashingVectorizer().get_params()
    got = fasthash.HashingVectorizer().get_params()
    assert got == {**expected, "n_jobs": None}
    assert got["dtype"] is np.float64
    assert fasthash.HashingVectorizer(n_jobs=3).get_params()["n_jobs"] == 3


def test_set_params():
    vec = fasthash.HashingVectorizer()
    assert vec.set_params(n_features=16, n_jobs=2, analyzer="char") is vec
    assert (vec.n_features, vec.n_jobs, vec.analyzer) == (16, 2, "char")
    assert_csr_identical(
        vec.transform(DOCS), SkHashingVectorizer(n_features=16, analyzer="char").transform(DOCS)
    )
    with pytest.raises(ValueError, match="Invalid parameter 'foo' for estimator"):
        vec.set_params(foo=1)
    sk_err = run(SkHashingVectorizer().set_params, foo=1).exc
    assert type(run(vec.set_params, foo=1).exc) is type(sk_err)


def test_clone():
    vec = fasthash.HashingVectorizer(n_features=16, n_jobs=2, stop_words=["aa"], analyzer=_analyzer)
    vec.transform(["aa bb"])
    cloned = clone(vec)
    assert type(cloned) is fasthash.HashingVectorizer
    assert cloned is not vec
    assert cloned.get_params() == vec.get_params()
    assert not hasattr(cloned, "_stop_words_id")
    assert_csr_identical(cloned.transform(DOCS), vec.transform(DOCS))


@pytest.mark.parametrize(
    "params",
    [
        {},
        {"n_features": 16},
        {"analyzer": "char", "ngram_range": (2, 4), "norm": None},
        {"stop_words": "english", "dtype": np.float32, "binary": True},
        {"tokenizer": _tokenizer, "preprocessor": _preprocessor, "token_pattern": None},
    ],
    ids=stable_repr,
)
def test_repr_matches_sklearn(params):
    assert repr(fasthash.HashingVectorizer(**params)) == repr(SkHashingVectorizer(**params))
    with sklearn.config_context(print_changed_only=False):
        fh = repr(fasthash.HashingVectorizer(**params))
        sk = repr(SkHashingVectorizer(**params))
    assert "n_jobs=None" in fh and "n_jobs" not in sk


def test_repr_with_n_jobs():
    assert repr(fasthash.HashingVectorizer(n_jobs=2)) == "HashingVectorizer(n_jobs=2)"
    assert repr(fasthash.HashingVectorizer()) == "HashingVectorizer()"


# --- tags, fitted state, config ---------------------------------------------------------------


def test_sklearn_tags_equal():
    assert (
        fasthash.HashingVectorizer().__sklearn_tags__() == SkHashingVectorizer().__sklearn_tags__()
    )
    assert get_tags(fasthash.HashingVectorizer(n_jobs=2)) == get_tags(SkHashingVectorizer())
    # (requires_fit is False from scikit-learn 1.7 on; the installed one decides)
    assert get_tags(fasthash.HashingVectorizer()).requires_fit is (
        get_tags(SkHashingVectorizer()).requires_fit
    )
    assert get_tags(fasthash.HashingVectorizer()).input_tags.string is True


def test_stateless():
    # Unfitted, check_is_fitted passes where the installed scikit-learn's own passes (its
    # tags say requires_fit=False from 1.7 on).
    outcomes = []
    for vectorizer in (fasthash.HashingVectorizer(), SkHashingVectorizer()):
        try:
            check_is_fitted(vectorizer)
            outcomes.append(None)
        except Exception as exc:  # noqa: BLE001 - compared below
            outcomes.append((type(exc), str(exc).replace("fasthash.", "sklearn.")))
    assert outcomes[0] == outcomes[1]
    assert fasthash.HashingVectorizer().get_metadata_routing().__repr__() == (
        SkHashingVectorizer().get_metadata_routing().__repr__()
    )


@needs_sparse_interface
@pytest.mark.parametrize("n_jobs", [1, 2])
def test_sparse_interface_sparray(n_jobs):
    with sklearn.config_context(sparse_interface="sparray"):
        got = fasthash.HashingVectorizer(n_jobs=n_jobs).transform(DOCS)
        expected = SkHashingVectorizer().transform(DOCS)
        assert type(got) is sp.csr_array
        assert_csr_identical(got, expected)
        for params in (
            {"analyzer": "char"},
            {"norm": None, "dtype": np.int8},
            {"n_features": 2**31},
        ):
            assert_csr_identical(
                fasthash.HashingVectorizer(**params).transform(DOCS),
                SkHashingVectorizer(**params).transform(DOCS),
            )
    got = fasthash.HashingVectorizer(n_jobs=n_jobs).transform(DOCS)
    assert type(got) is sp.csr_matrix


@needs_sparse_interface
def test_sparse_interface_is_read_per_thread():
    """sklearn's config is thread-local and read at transform time."""
    vec = fasthash.HashingVectorizer(n_jobs=2)
    results = {}

    def worker():
        with sklearn.config_context(sparse_interface="sparray"):
            results["thread"] = vec.transform(DOCS)

    t = threading.Thread(target=worker)
    t.start()
    t.join()
    results["main"] = vec.transform(DOCS)
    assert type(results["thread"]) is sp.csr_array
    assert type(results["main"]) is sp.csr_matrix


# --- fit, partial_fit, fit_transform and their warnings -----------------------------------------

FIT_WARNING_CONFIGS = [
    {},
    {"tokenizer": _tokenizer},
    {"tokenizer": _tokenizer, "token_pattern": None},
    {"analyzer": _analyzer, "preprocessor": _preprocessor},
    {"analyzer": _analyzer, "ngram_range": (1, 2)},
    {
        "analyzer": _analyzer,
        "stop_words": "english",
        "tokenizer": _tokenizer,
        "token_pattern": r"\w+",
        "ngram_range": (2, 2),
        "preprocessor": _preprocessor,
    },
    {"analyzer": "char", "stop_words": "english"},
    {"analyzer": "char_wb", "token_pattern": r"\w+"},
    {"analyzer": "char", "tokenizer": _tokenizer, "token_pattern": None},
    {"analyzer": "char", "tokenizer": _tokenizer},
    {"stop_words": ["the", "e-mail"]},
    {"stop_words": ["The"], "lowercase": True},
]


@pytest.mark.parametrize("params", FIT_WARNING_CONFIGS, ids=stable_repr)
@pytest.mark.parametrize("method", ["fit", "partial_fit", "fit_transform", "transform"])
def test_fit_methods_and_warnings_match_sklearn(params, method):
    def call(vec):
        result = getattr(vec, method)(list(DOCS))
        if method in ("fit", "partial_fit"):
            assert result is vec
            return vec.transform(DOCS)
        return result

    sk_vec = SkHashingVectorizer(**params)
    expected = run(call, sk_vec)
    for n_jobs in (1, 2):
        fh_vec = fasthash.HashingVectorizer(**params, n_jobs=n_jobs)
        got = run(call, fh_vec)
        assert_same_outcome(got, expected)
        assert hasattr(fh_vec, "_stop_words_id") == hasattr(sk_vec, "_stop_words_id")


def test_fit_never_consumes_x():
    for cls in (SkHashingVectorizer, fasthash.HashingVectorizer):
        gen = (d for d in ["aa bb", "cc"])
        vec = cls()
        assert vec.fit(gen) is vec
        assert vec.fit(None) is vec
        assert vec.fit([{"foo": 1}]) is vec
        assert vec.transform(gen).shape[0] == 2  # the generator is still full


def test_fit_transform_is_fit_then_transform():
    docs = list(DOCS)
    vec = fasthash.HashingVectorizer(ngram_range=(1, 2), n_jobs=2)
    assert_csr_identical(vec.fit_transform(d for d in docs), vec.fit(docs).transform(docs))
    assert_csr_identical(
        vec.fit_transform(docs, np.arange(len(docs))),
        SkHashingVectorizer(ngram_range=(1, 2)).fit_transform(docs),
    )


# --- stop words -----------------------------------------------------------------------------


def test_stop_words_consistency_warning():
    stop = ["the", "e-mail", "x"]
    expected = run(SkHashingVectorizer(stop_words=stop).transform, ["aa"])
    got = run(fasthash.HashingVectorizer(stop_words=stop).transform, ["aa"])
    assert expected.warnings and expected.warnings[0][0] is UserWarning
    assert "Tokenizing the stop words generated tokens ['mail']" in expected.warnings[0][1]
    assert_same_outcome(got, expected)


def test_stop_words_check_runs_once_per_list_object():
    stop = ["the", "e-mail"]
    for cls in (SkHashingVectorizer, fasthash.HashingVectorizer):
        vec = cls(stop_words=stop)
        with pytest.warns(UserWarning, match="inconsistent"):
            vec.transform(["aa"])
        assert vec._stop_words_id == id(stop)
        with warnings.catch_warnings():
            warnings.simplefilter("error")
            vec.transform(["aa"])  # same list object: no second warning
            vec.fit(["aa"])
        vec.set_params(stop_words=list(stop))  # a new list: checked again
        with pytest.warns(UserWarning, match="inconsistent"):
            vec.fit_transform(["aa"])


def test_stop_words_check_swallows_errors():
    def fragile(doc):
        if doc == "the":
            raise RuntimeError("no")
        return doc.lower()

    stop = ["the", "aa"]
    params = {"stop_words": stop, "preprocessor": fragile}
    # fragile("the") fails inside the consistency check: swallowed, no warning
    expected = run(SkHashingVectorizer(**params).transform, ["aa bb the"])
    got = run(fasthash.HashingVectorizer(**params).transform, ["aa bb the"])
    assert expected.ok and not expected.warnings
    assert_same_outcome(got, expected)
    # ... but not when a document is "the"
    expected = run(SkHashingVectorizer(**params).transform, ["aa bb", "the"])
    got = run(fasthash.HashingVectorizer(**params).transform, ["aa bb", "the"])
    assert type(expected.exc) is RuntimeError
    assert_same_outcome(got, expected)


@pytest.mark.parametrize(
    "params, has_id",
    [
        ({}, True),
        ({"stop_words": "english"}, True),
        ({"analyzer": "char"}, False),
        ({"analyzer": "char_wb", "stop_words": ["a"]}, False),
        ({"analyzer": _analyzer}, False),
        ({"tokenizer": _tokenizer, "token_pattern": None}, True),
    ],
    ids=stable_repr,
)
@pytest.mark.parametrize("method", ["transform", "fit", "partial_fit"])
def test_stop_words_id_like_sklearn(params, has_id, method):
    sk = SkHashingVectorizer(**params)
    fh = fasthash.HashingVectorizer(**params)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        getattr(sk, method)(["aa bb"])
        getattr(fh, method)(["aa bb"])
    assert hasattr(fh, "_stop_words_id") == hasattr(sk, "_stop_words_id")
    if method == "transform":
        assert hasattr(sk, "_stop_words_id") == has_id
    if hasattr(sk, "_stop_words_id"):
        assert fh._stop_words_id == id(fh.stop_words)
        assert sk._stop_words_id == id(sk.stop_words)


# --- pickling ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "params",
    [
        {},
        {"n_jobs": 2},
        {"stop_words": ["aa", "the"], "ngram_range": (1, 3)},
        {"analyzer": "char_wb", "dtype": np.float32},
        {"tokenizer": _tokenizer},
        {"n_features": 7, "norm": None, "dtype": np.int8},
    ],
    ids=stable_repr,
)
def test_pickle_round_trip(params):
    vec = fasthash.HashingVectorizer(**params)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        before = vec.transform(DOCS)
    state = vec.__getstate__()
    sk_vec = SkHashingVectorizer(**{k: v for k, v in params.items() if k != "n_jobs"})
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        sk_vec.transform(DOCS)
    # BaseEstimator adds `_sklearn_version` only to classes whose module is sklearn.*
    assert set(state) == (set(sk_vec.__getstate__()) - {"_sklearn_version"}) | {"n_jobs"}
    restored = pickle.loads(pickle.dumps(vec))
    assert type(restored) is fasthash.HashingVectorizer
    assert restored.get_params().keys() == vec.get_params().keys()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        assert_csr_identical(restored.transform(DOCS), before)


def test_pickle_lambda_fails_like_sklearn():
    expected = run(pickle.dumps, SkHashingVectorizer(analyzer=lambda d: d.split()))
    got = run(pickle.dumps, fasthash.HashingVectorizer(analyzer=lambda d: d.split()))
    assert not expected.ok
    assert type(got.exc) is type(expected.exc)


# --- composition ------------------------------------------------------------------------------


def _labels(n):
    return np.arange(n) % 3


def test_pipeline():
    docs = DOCS * 3
    y = _labels(len(docs))

    def fit_pipe(vec):
        pipe = Pipeline(
            [
                ("hv", vec),
                ("tfidf", TfidfTransformer()),
                ("clf", SGDClassifier(random_state=0, max_iter=20, tol=None)),
            ]
        )
        return pipe.fit(docs, y)

    sk = fit_pipe(SkHashingVectorizer(n_features=2**12))
    fh = fit_pipe(fasthash.HashingVectorizer(n_features=2**12, n_jobs=2))
    np.testing.assert_array_equal(fh.predict(docs), sk.predict(docs))
    assert fh.decision_function(docs).tobytes() == sk.decision_function(docs).tobytes()
    assert_csr_identical(
        make_pipeline(fasthash.HashingVectorizer()).fit_transform(docs),
        make_pipeline(SkHashingVectorizer()).fit_transform(docs),
    )


def test_pipeline_clone_and_set_params():
    pipe = Pipeline([("hv", fasthash.HashingVectorizer(n_jobs=2)), ("clf", SGDClassifier())])
    pipe.set_params(hv__n_jobs=1, hv__n_features=64)
    assert pipe.get_params()["hv__n_jobs"] == 1
    cloned = clone(pipe)
    assert type(cloned.named_steps["hv"]) is fasthash.HashingVectorizer
    assert cloned.named_steps["hv"].n_features == 64


def test_feature_union():
    def union(cls):
        return FeatureUnion(
            [
                ("word", cls(n_features=2**10, ngram_range=(1, 2))),
                ("char", cls(n_features=2**8, analyzer="char_wb", ngram_range=(2, 3))),
            ]
        )

    assert_csr_identical(
        union(fasthash.HashingVectorizer).fit_transform(DOCS),
        union(SkHashingVectorizer).fit_transform(DOCS),
    )
    assert_csr_identical(
        union(fasthash.HashingVectorizer).transform(DOCS),
        union(SkHashingVectorizer).transform(DOCS),
    )


def test_feature_union_parallel_threads():
    """FeatureUnion(n_jobs=2) on joblib's threading backend: the core's thread pool called
    from two Python threads at once."""
    joblib = pytest.importorskip("joblib")
    union = FeatureUnion(
        [
            ("a", fasthash.HashingVectorizer(n_features=64, n_jobs=2)),
            ("b", fasthash.HashingVectorizer(n_features=32, analyzer="char")),
        ],
        n_jobs=2,
    )
    expected = FeatureUnion(
        [
            ("a", SkHashingVectorizer(n_features=64)),
            ("b", SkHashingVectorizer(n_features=32, analyzer="char")),
        ]
    )
    with joblib.parallel_backend("threading", n_jobs=2):
        got = union.fit_transform(DOCS)
    assert_csr_identical(got, expected.fit_transform(DOCS))


def test_column_transformer():
    """Mirror what scikit-learn supports: a scalar column selects a 1-D column."""
    X = np.empty((len(DOCS), 2), dtype=object)
    X[:, 0] = DOCS
    X[:, 1] = DOCS[::-1]

    def make(cls):
        return ColumnTransformer(
            [("t", cls(n_features=128), 0), ("u", cls(n_features=64, analyzer="char"), 1)]
        )

    expected = make(SkHashingVectorizer).fit_transform(X)
    got = make(fasthash.HashingVectorizer).fit_transform(X)
    assert type(got) is type(expected)
    assert (got != expected).nnz == 0
    assert got.dtype == expected.dtype


# --- murmurhash3_32 ---------------------------------------------------------------------------

KEYS = [
    "",
    "a",
    "foo",
    "café",
    "ΟΔΟΣ",
    "中文",
    "😀👍🏽",
    "aivlts3m",
    "acdia99h",
    "x" * 1000,
    b"",
    b"\x00",
    b"foo\x00bar",
    bytes(range(256)),
    "\x00",
    0,
    1,
    -1,
    2**31 - 1,
    -(2**31),
    42,
    True,
    False,
    np.int32(7),
    np.int32(-(2**31)),
]


@pytest.mark.parametrize("key", KEYS, ids=lambda k: repr(k)[:20])
@pytest.mark.parametrize("seed", [0, 1, 42, 2**32 - 1])
@pytest.mark.parametrize("positive", [False, True])
def test_murmurhash3_32_scalars(key, seed, positive):
    expected = sk_murmurhash3_32(key, seed=seed, positive=positive)
    got = fasthash.murmurhash3_32(key, seed=seed, positive=positive)
    assert type(got) is type(expected)
    assert got == expected
    if seed == 0 and not positive:
        assert fasthash.murmurhash3_32(key) == expected


@pytest.mark.parametrize("seed", [0, 1, 42, 2**32 - 1])
@pytest.mark.parametrize("positive", [False, True])
@pytest.mark.parametrize(
    "make",
    [
        lambda a: a,
        lambda a: a.reshape(4, 5),
        lambda a: a.reshape(4, 5).T,
        lambda a: a[::3],
        lambda a: a[:0],
        lambda a: np.asarray(a[0]),
        lambda a: np.asfortranarray(a.reshape(2, 2, 5)),
    ],
    ids=["1d", "2d", "2d-T", "strided", "empty", "0d", "3d-F"],
)
def test_murmurhash3_32_arrays(make, seed, positive):
    base = np.array([0, 1, -1, 2**31 - 1, -(2**31)] + list(range(100, 115)), dtype=np.int32)
    key = make(base)
    expected = sk_murmurhash3_32(key, seed=seed, positive=positive)
    got = fasthash.murmurhash3_32(key, seed=seed, positive=positive)
    assert type(got) is type(expected)
    assert got.dtype == expected.dtype and got.shape == expected.shape
    np.testing.assert_array_equal(got, expected)
    readonly = key.copy()
    readonly.flags.writeable = False
    assert_same_result = run(sk_murmurhash3_32, readonly, seed, positive)
    fh = run(fasthash.murmurhash3_32, readonly, seed, positive)
    assert fh.ok == assert_same_result.ok


@pytest.mark.parametrize(
    "key, seed",
    [
        (1.5, 0),
        ("\ud800", 0),
        ("ab\udfff", 1),
        (None, 0),
        ([1, 2], 0),
        ((1,), 0),
        (np.int64(3), 0),
        (np.float32(1), 0),
        (bytearray(b"x"), 0),
        (memoryview(b"x"), 0),
        (np.array([1, 2], dtype=np.int64), 0),
        (np.array([1.0]), 0),
        (np.array(["a"]), 0),
        (2**31, 0),
        (-(2**31) - 1, 0),
        (2**64, 0),
        ("x", -1),
        ("x", 2**32),
        ("x", 1.5),
        ("x", None),
        (np.bytes_(b"ab"), 0),
        (np.str_("é"), 0),
        (b"x", "0"),
    ],
    ids=stable_repr,
)
def test_murmurhash3_32_errors(key, seed):
    expected = run(sk_murmurhash3_32, key, seed)
    got = run(fasthash.murmurhash3_32, key, seed)
    if expected.ok:
        assert got.ok and got.result == expected.result
    else:
        assert not got.ok, f"scikit-learn raised {expected.exc!r}, fasthash returned {got.result}"
        assert type(got.exc) is type(expected.exc)
        assert str(got.exc) == str(expected.exc)


def test_murmurhash3_32_signature():
    params = inspect.signature(fasthash.murmurhash3_32).parameters
    assert list(params) == ["key", "seed", "positive"]
    assert params["seed"].default == 0 and params["positive"].default is False
    assert fasthash.murmurhash3_32(b"Hello World!", seed=42) == 3565178
    assert fasthash.murmurhash3_32("aivlts3m") == -(2**31)


@pytest.mark.parametrize("cls", [fasthash.HashingVectorizer, fasthash.FeatureHasher])
@pytest.mark.parametrize("n_jobs", [True, False, 0, 1.5, "2"])
def test_every_entry_point_rejects_n_jobs_alike(cls, n_jobs):
    X = [["a"]] if cls is fasthash.FeatureHasher else ["a"]
    with pytest.raises(InvalidParameterError, match="'n_jobs' parameter"):
        cls(n_jobs=n_jobs).fit(X)
    with pytest.raises(InvalidParameterError, match="'n_jobs' parameter of " + cls.__name__):
        cls(n_jobs=n_jobs).transform(X)
    with pytest.raises(InvalidParameterError, match="'n_jobs' parameter of " + cls.__name__):
        cls(n_jobs=n_jobs).fit_transform(X)


def test_ml_layer_is_imported_lazily_from_the_top_level():
    import subprocess
    import sys

    code = (
        "import sys, fasthash\n"
        "assert 'fasthash.model_selection' not in sys.modules\n"
        "assert 'fasthash.ensemble' not in sys.modules\n"
        "from fasthash import GridSearchCV, AveragedLinearModel, merge_forests\n"
        "import fasthash.model_selection as ms, fasthash.linear_model as lm\n"
        "assert GridSearchCV is ms.GridSearchCV and AveragedLinearModel is lm.AveragedLinearModel\n"
        "assert set(fasthash.__all__) <= set(dir(fasthash))\n"
        "try:\n"
        "    fasthash.no_such_name\n"
        "except AttributeError as e:\n"
        "    assert 'no_such_name' in str(e)\n"
        "else:\n"
        "    raise SystemExit('no AttributeError')\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True)
