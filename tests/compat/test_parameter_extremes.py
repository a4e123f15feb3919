# Authors: The fasthash developers
# SPDX-License-Identifier: BSD-3-Clause
"""Every parameter at its extremes, against scikit-learn: its result, or its exact error.

No value of a public parameter may reach an internal error of the core (``RuntimeError:
fasthash internal error``): huge, negative and zero n-gram lengths, numpy integers (whose
arithmetic wraps around in scikit-learn's analyzers), ``n_features`` at both ends of its
range and beyond, and odd values of the other parameters, for both classes and every
analyzer, through ``transform`` and ``fit_transform``.
"""

import itertools

import numpy as np
import pytest
from _helpers import (
    FhHashingVectorizer,
    SkHashingVectorizer,
    assert_same_outcome,
    run,
)
from sklearn.feature_extraction import FeatureHasher as SkFeatureHasher

from fasthash import FeatureHasher as FhFeatureHasher
from fasthash import python_analysis_reason

DOCS = ["a bb ccc dddd a bb", "", "x", "Ünïcödé ΣΑΣ ab\x00cd", "one two three four five six"]

# n-gram lengths: around 0 and 1, negative (not below -64: scikit-learn then lists ~N**2
# empty strings), at the int64 and uint64 limits and beyond, and numpy integers at their
# maximum (scikit-learn's max_n + 1 wraps around there, with a RuntimeWarning).
NGRAM_ENDS = [0, 1, 2, 3, -1, -2, -64, 2**31 - 1, 2**31, 2**62, 2**62 + 1, 2**63 - 1,
              2**63, 10**30, np.int64(3), np.int64(2**63 - 1), np.int32(2**31 - 1),
              np.int8(127), np.int8(-64), np.uint8(255), np.uint64(2**64 - 1), np.bool_(True),
              True]
NGRAM_RANGES = sorted(
    {(a, b) for a, b in itertools.product(NGRAM_ENDS, repeat=2) if int(a) <= int(b)}, key=repr
) + [(2, 1), (2**63, 2**62), (np.int64(5), np.int8(-1)), (1, -(2**63))]  # min_n > max_n


def _compare(make_sk, make_fh, X, methods=("transform", "fit_transform")):
    for method in methods:
        expected = run(lambda m=method: getattr(make_sk(), m)(X))
        got = run(lambda m=method: getattr(make_fh(), m)(X))
        assert not (not got.ok and "internal error" in str(got.exc)), got.exc
        assert_same_outcome(got, expected)


@pytest.mark.parametrize("analyzer", ["word", "char", "char_wb"])
def test_ngram_range_extremes(analyzer):
    for ngram_range in NGRAM_RANGES:
        params = {"analyzer": analyzer, "ngram_range": ngram_range}
        try:
            _compare(lambda: SkHashingVectorizer(**params),
                     lambda: FhHashingVectorizer(**params, n_jobs=2), DOCS)
        except AssertionError as err:
            raise AssertionError(f"{params}: {err}") from err


def test_ngram_range_reproducer():
    """Lengths beyond the core's int64 (or at its limit) are clipped, not an internal
    error: scikit-learn returns an empty row for words, the padded word for char_wb."""
    X = FhHashingVectorizer(ngram_range=(2**62 + 1, 2**62 + 1)).transform(["a bb"])
    assert X.shape == (1, 2**20) and X.nnz == 0
    X = FhHashingVectorizer(analyzer="char_wb", ngram_range=(2**63, 2**64)).transform(["a bb"])
    assert X.nnz == 2  # " a " and " bb "
    assert python_analysis_reason(FhHashingVectorizer(ngram_range=(2**62 + 1, 2**64))) is None


def test_numpy_max_n_at_its_type_maximum_is_analysed_by_scikit_learn():
    """max_n + 1 wraps around in scikit-learn (np.int8(127) + 1 == -128): its own analysis
    gives that result and its warnings."""
    vec = FhHashingVectorizer(ngram_range=(1, np.int8(127)))
    assert "overflows" in python_analysis_reason(vec)
    assert python_analysis_reason(FhHashingVectorizer(ngram_range=(1, np.int8(126)))) is None
    with pytest.warns(RuntimeWarning, match="overflow"):
        X = vec.transform(["a bb ccc"])
    assert X.nnz == 2  # the unigrams only: range(2, -128) is empty


N_FEATURES = [1, 2, 3, 2**31 - 1, 2**31 - 2, 2**31, 2**32 + 1, 2**63, -1, -(2**31), 2.0**20,
              np.int64(2**31 - 1), np.int64(16), np.uint32(2**31 - 1), np.int8(-1), True,
              None, "16", np.float64(16)]


@pytest.mark.parametrize("analyzer", ["word", "char", "char_wb"])
def test_n_features_extremes_hashing_vectorizer(analyzer):
    for n_features in N_FEATURES:
        params = {"analyzer": analyzer, "n_features": n_features}
        _compare(lambda: SkHashingVectorizer(**params),
                 lambda: FhHashingVectorizer(**params), DOCS)


SAMPLES = {
    "dict": [{"a": 1, "b": 2.5}, {}, {"c\x00": -1, "d": 1e308}],
    "pair": [[("a", 1), ("a", 2)], [], [("b", -0.0)]],
    "string": [["a", "b", "a"], [], ["\x00"]],
    "foo": [{"a": 1}],
}


@pytest.mark.parametrize("input_type", sorted(SAMPLES))
def test_feature_hasher_extremes(input_type):
    X = SAMPLES[input_type]
    for n_features, alternate_sign in itertools.product(N_FEATURES, [True, False, 0, "x", None]):
        params = {"input_type": input_type, "n_features": n_features,
                  "alternate_sign": alternate_sign}
        _compare(lambda: SkFeatureHasher(**params), lambda: FhFeatureHasher(**params), X)
    for dtype in [np.float64, np.float32, np.int8, np.uint8, np.float16, object, np.complex64,
                  np.longdouble, ">f8", "U3", None, "foo", bool]:
        params = {"input_type": input_type, "dtype": dtype}
        _compare(lambda: SkFeatureHasher(**params), lambda: FhFeatureHasher(**params), X)


OTHER_VALUES = [("binary", 2), ("binary", None), ("binary", "no"), ("norm", "l3"),
                ("norm", "max"), ("norm", None), ("alternate_sign", 0),
                ("alternate_sign", np.bool_(False)), ("alternate_sign", "x"),
                ("lowercase", 0), ("lowercase", None), ("lowercase", "yes"),
                ("dtype", np.int8), ("dtype", np.uint8), ("dtype", np.float16),
                ("dtype", object), ("dtype", "U5"), ("dtype", np.complex64),
                ("dtype", np.longdouble), ("dtype", ">f8"), ("dtype", np.bool_),
                ("strip_accents", ""), ("stop_words", []), ("stop_words", ("a",)),
                ("stop_words", frozenset({"a"})), ("stop_words", "english")]


@pytest.mark.parametrize("analyzer", ["word", "char", "char_wb"])
def test_other_parameters_odd_values(analyzer):
    for name, value in OTHER_VALUES:
        params = {"analyzer": analyzer, name: value}
        _compare(lambda: SkHashingVectorizer(**params),
                 lambda: FhHashingVectorizer(**params), DOCS)
