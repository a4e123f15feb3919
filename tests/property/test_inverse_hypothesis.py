# Authors: The fasthash developers
# SPDX-License-Identifier: BSD-3-Clause
"""Property tests of InverseHasher: on generated text and parameters, the recorded map is
the brute-force one (scikit-learn's analyzer, murmurhash3_32), its signed counts add up to
the transform's columns, and it does not depend on n_jobs or on how the documents are
split between partial_fit and merge."""

from collections import Counter

import numpy as np
from hypothesis import given
from hypothesis import strategies as st
from sklearn.feature_extraction.text import HashingVectorizer as SkHashingVectorizer
from sklearn.utils import murmurhash3_32

from fasthash import HashingVectorizer, InverseHasher

CHARS = st.one_of(
    st.sampled_from("abcdeABCDE  .,'-_0123\t\n"),
    st.sampled_from("ΣσςİıßẞﬁéÉ中文😀\u0301\u00a0\u3000"),
    # NUL and controls, whitespace that str.split() splits on (FS, NEL), a bidi control
    st.sampled_from("\x00\x07\x1c\x85\u200f"),
    # any code point of any plane but the lone surrogates (which fail the recording as
    # they fail transform: tests/unit/test_inverse_hasher.py)
    st.characters(exclude_categories=("Cs",)),
)
DOCS = st.lists(st.text(CHARS, max_size=60), min_size=1, max_size=25)
PARAMS = st.one_of(
    st.builds(
        dict,
        analyzer=st.just("word"),
        ngram_range=st.sampled_from([(1, 1), (1, 2), (2, 3)]),
        lowercase=st.booleans(),
        strip_accents=st.sampled_from([None, "ascii", "unicode"]),
    ),
    st.builds(
        dict,
        analyzer=st.sampled_from(["char", "char_wb"]),
        ngram_range=st.sampled_from([(1, 1), (1, 3), (2, 4)]),
        lowercase=st.booleans(),
    ),
)


def _recorded(inv):
    return {
        c: {t: (s, n) for t, s, n in inv.column_tokens(c)}
        for c in range(inv.n_features_out_)
        if inv.column_tokens(c)
    }


@given(docs=DOCS, params=PARAMS, alternate_sign=st.booleans(), split=st.integers(0, 25))
def test_map_is_brute_force_and_independent_of_threads_and_splits(
    docs, params, alternate_sign, split
):
    n_features = 16
    vec = HashingVectorizer(n_features=n_features, alternate_sign=alternate_sign, **params)
    maps = [InverseHasher(vec, max_tokens_per_column=None, n_jobs=n).fit(docs) for n in (1, 2)]
    a = InverseHasher(vec, max_tokens_per_column=None).fit(docs[:split])
    b = InverseHasher(vec, max_tokens_per_column=None).fit(docs[split:])
    maps.append(a.merge(b))

    analyzer = SkHashingVectorizer(**params).build_analyzer()
    expected = {}
    for tok, count in Counter(t for d in docs for t in analyzer(d)).items():
        h = murmurhash3_32(tok, positive=False)
        sign = -1 if alternate_sign and h < 0 else 1
        expected.setdefault(abs(h) % n_features, {})[tok] = (sign, count)
    for inv in maps:
        assert _recorded(inv) == expected
        assert inv.n_documents_ == len(docs)

    X = HashingVectorizer(
        n_features=n_features, alternate_sign=alternate_sign, norm=None, **params
    ).transform(docs)
    sums = np.zeros(n_features)
    for c, toks in expected.items():
        sums[c] = sum(s * n for s, n in toks.values())
    np.testing.assert_array_equal(np.asarray(X.sum(axis=0)).ravel(), sums)
