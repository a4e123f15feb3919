# Authors: The fasthash developers
# SPDX-License-Identifier: BSD-3-Clause
"""InverseHasher and top_tokens: the recorded map equals a brute-force one (scikit-learn's
analyzer, murmurhash3_32), whatever n_jobs, input container, batching or merging."""

import pickle
import warnings
from collections import Counter

import numpy as np
import pytest
from _helpers import TRICKY_DOCUMENTS, parametrize_with_checks, stable_repr
from sklearn.ensemble import RandomForestClassifier
from sklearn.exceptions import NotFittedError, SkipTestWarning
from sklearn.feature_extraction import FeatureHasher as SkFeatureHasher
from sklearn.feature_extraction.text import HashingVectorizer as SkHashingVectorizer
from sklearn.feature_extraction.text import TfidfTransformer
from sklearn.linear_model import LogisticRegression, Ridge, SGDClassifier
from sklearn.pipeline import make_pipeline
from sklearn.utils import murmurhash3_32

from fasthash import FeatureHasher, HashingVectorizer, InverseHasher, top_tokens
from fasthash.datasets import load_english_documents, load_english_topics
from fasthash.feature_extraction import TokenWeight, TokenWeights

ENGLISH = load_english_documents().data
DOCS = (
    TRICKY_DOCUMENTS
    + [
        "fox dog fox cat",
        "the the the end",
        "caf\u00e9 CAF\u00c9 na\u00efve",
    ]
    + ENGLISH[:200]
)

CONFIGS = [
    {},
    {"ngram_range": (1, 2), "stop_words": "english"},
    {"ngram_range": (2, 3), "lowercase": False},
    {"analyzer": "char_wb", "ngram_range": (2, 4)},
    {"analyzer": "char", "ngram_range": (1, 3), "strip_accents": "unicode"},
    {"token_pattern": r"\S+", "strip_accents": "ascii"},
    {"token_pattern": r"\b\w{3,}\b"},  # the pattern run scanner, counting
    {"token_pattern": r"\w+(?:-\w+)*"},  # analysed in Python
    {"analyzer": lambda doc: doc.split()},  # a callable analyzer
]


with warnings.catch_warnings():
    # documents, not a 2-D array: scikit-learn runs its API checks only (as for its own
    # HashingVectorizer), and says so with a SkipTestWarning
    warnings.simplefilter("ignore", SkipTestWarning)
    _ESTIMATOR_CHECKS = parametrize_with_checks(
        [InverseHasher(HashingVectorizer(n_features=2**10))]
    )


@_ESTIMATOR_CHECKS
def test_sklearn_estimator_checks(estimator, check):
    check(estimator)


def brute_force(hasher_params, docs, n_features, alternate_sign):
    """{column: {token: (sign, count)}} from scikit-learn's analyzer and murmurhash3_32."""
    analyzer = SkHashingVectorizer(**hasher_params).build_analyzer()
    counts = Counter(tok for doc in docs for tok in analyzer(doc))
    out = {}
    for tok, count in counts.items():
        h = murmurhash3_32(tok, positive=False)
        sign = -1 if (alternate_sign and h < 0) else 1
        out.setdefault(abs(h) % n_features, {})[tok] = (sign, count)
    return out


def recorded(inv):
    out = {}
    for c in range(inv.n_features_out_):
        toks = inv.column_tokens(c)
        if toks:
            out[c] = {t: (s, n) for t, s, n in toks}
    return out


@pytest.mark.parametrize("params", CONFIGS, ids=lambda p: stable_repr(p)[:40])
@pytest.mark.parametrize("alternate_sign", [True, False])
@pytest.mark.parametrize("n_jobs", [1, 2])
def test_map_equals_brute_force(params, alternate_sign, n_jobs):
    n_features = 2**6
    vec = HashingVectorizer(n_features=n_features, alternate_sign=alternate_sign, **params)
    inv = InverseHasher(vec, max_tokens_per_column=None, n_jobs=n_jobs).fit(DOCS)
    expected = brute_force(params, DOCS, n_features, alternate_sign)
    assert recorded(inv) == expected
    assert inv.n_documents_ == len(DOCS)
    assert inv.n_tokens_ == sum(len(v) for v in expected.values())
    assert inv.capped_columns_.shape == (0,)
    # the signed counts add up to the transform's columns
    X = HashingVectorizer(
        n_features=n_features, alternate_sign=alternate_sign, norm=None, **params
    ).transform(DOCS)
    sums = np.zeros(n_features)
    for c, toks in expected.items():
        sums[c] = sum(s * n for s, n in toks.values())
    np.testing.assert_array_equal(np.asarray(X.sum(axis=0)).ravel(), sums)


def test_tokens_sorted_and_named():
    vec = HashingVectorizer(n_features=4)
    inv = InverseHasher(vec, max_tokens_per_column=None).fit(["bb bb bb cc a dd dd"] + DOCS)
    names = inv.get_feature_names_out()
    assert names.shape == (4,) and names.dtype == object
    for c in range(4):
        toks = inv.column_tokens(c)
        keys = [(-n, len(t.encode()), t.encode()) for t, _, n in toks]
        assert keys == sorted(keys)
        assert names[c] == " | ".join(t if s > 0 else "-" + t for t, s, _ in toks)
    np.testing.assert_array_equal(inv.column_names([3, 1]), names[[3, 1]])


def test_unreached_column_placeholder():
    inv = InverseHasher(HashingVectorizer(n_features=2**20)).fit(["fox"])
    col = abs(murmurhash3_32("fox", positive=False)) % 2**20
    names = inv.column_names([col, 0, 12345])
    assert list(names) == [
        "fox" if murmurhash3_32("fox", positive=False) >= 0 else "-fox",
        "x0",
        "x12345",
    ]
    assert inv.column_tokens(0) == []
    with pytest.raises(IndexError):
        inv.column_tokens(2**20)
    with pytest.raises(IndexError):
        inv.column_names([-1])


def test_cap_keeps_most_frequent():
    docs = ["a1 " * 5 + "a2 " * 4 + "a3 " * 3 + "a4 " * 2 + "a5"] + DOCS
    n_features = 3
    vec = HashingVectorizer(n_features=n_features, token_pattern=r"\S+")
    inv = InverseHasher(vec, max_tokens_per_column=2).fit(docs)
    full = brute_force({"token_pattern": r"\S+"}, docs, n_features, True)
    capped = []
    for c in range(n_features):
        toks = full.get(c, {})
        best = sorted(
            toks.items(), key=lambda kv: (-kv[1][1], len(kv[0].encode()), kv[0].encode())
        )[:2]
        assert inv.column_tokens(c) == [(t, s, n) for t, (s, n) in best]
        if len(toks) > 2:
            capped.append(c)
            assert inv.column_names([c])[0].endswith(" | ...")
    assert list(inv.capped_columns_) == capped
    assert inv.n_tokens_ == sum(min(2, len(full.get(c, {}))) for c in range(n_features))


def _column(token, n_features):
    return abs(murmurhash3_32(token, positive=False)) % n_features


@pytest.mark.parametrize("collide", [False, True])
def test_cap_check_on_columns_sharing_low_bits(collide):
    # The cap check counts the columns in groups (their low bits) first: many tokens in
    # distinct columns of one group are not capped; two tokens in one column are.
    n_features = 2**20
    by_column, grouped, pair = {}, [], None
    for i in range(100_000):
        token = f"t{i}"
        col = _column(token, n_features)
        if col in by_column:
            if by_column[col] not in grouped:
                pair = pair or [by_column[col], token]
        elif col % 64 == 0 and len(grouped) < 20:
            grouped.append(token)
        by_column.setdefault(col, token)
        if pair and len(grouped) == 20:
            break
    assert len(grouped) == 20 and not set(pair) & set(grouped)
    tokens = grouped + (pair if collide else pair[:1])
    docs = [" ".join(tokens), pair[0]]  # pair[0] the more frequent of the pair
    vec = HashingVectorizer(n_features=n_features, token_pattern=r"\S+", lowercase=False)
    inv = InverseHasher(vec, max_tokens_per_column=1).fit(docs)
    expected = grouped + pair[:1]
    assert inv.n_tokens_ == len(expected)
    for token in expected:
        ((got, _, count),) = inv.column_tokens(_column(token, n_features))
        assert got == token and count == (2 if token == pair[0] else 1)
    assert list(inv.capped_columns_) == ([_column(pair[0], n_features)] if collide else [])


@pytest.mark.parametrize("n_jobs", [1, 2])
def test_next_map_reuses_the_tables_emptied(n_jobs):
    # A map's recorder, once dropped, leaves its hash tables for the next maps to reuse:
    # those maps have none of the first one's features (the tables still held them).
    from fasthash._lib import _hashing

    params = {"ngram_range": (1, 2)}
    vec = HashingVectorizer(n_features=2**12, **params)
    first = InverseHasher(vec, max_tokens_per_column=None, n_jobs=n_jobs).fit(ENGLISH[:1000])
    del first
    assert _hashing._table_cache_bytes() > 0
    docs = ENGLISH[1000:2000]  # tables of the same sizes, dirty if not emptied
    inv = InverseHasher(vec, max_tokens_per_column=None, n_jobs=n_jobs).fit(docs)
    assert recorded(inv) == brute_force(params, docs, 2**12, True)


def test_cap_bounds_memory_and_does_not_depend_on_n_jobs():
    # many distinct character n-grams in few columns: trimmed while recording
    docs = ENGLISH[:3000]
    vec = HashingVectorizer(n_features=16, analyzer="char", ngram_range=(3, 6))
    maps = [InverseHasher(vec, max_tokens_per_column=4, n_jobs=n).fit(docs) for n in (1, 2, 3)]
    dumps = [m._dump() for m in maps]
    for d in dumps[1:]:
        for a, b in zip(dumps[0], d, strict=True):
            np.testing.assert_array_equal(np.asarray(a), np.asarray(b))
    inv = maps[0]
    assert inv.n_tokens_ == 4 * 16
    assert list(inv.capped_columns_) == list(range(16))
    # the most frequent n-grams of the text are kept
    analyzer = vec.build_analyzer()
    top = Counter(g for d in docs for g in analyzer(d)).most_common(3)
    kept = {t for c in range(16) for t, _, _ in inv.column_tokens(c)}
    assert {t for t, _ in top} <= kept


def test_char_wb_words_expanded_once_whatever_n_jobs():
    # more distinct words than one part of the threads' shared expansion (a few thousand),
    # seen by several threads: each word's n-grams counted once, as many times as the word
    docs = TRICKY_DOCUMENTS + ENGLISH
    params = {"analyzer": "char_wb", "ngram_range": (2, 4)}
    vec = HashingVectorizer(n_features=2**12, **params)
    maps = [InverseHasher(vec, max_tokens_per_column=None, n_jobs=n).fit(docs) for n in (1, 2, 3)]
    assert recorded(maps[1]) == brute_force(params, docs, 2**12, True)
    dumps = [m._dump() for m in maps]
    for d in dumps[1:]:
        for a, b in zip(dumps[0], d, strict=True):
            np.testing.assert_array_equal(np.asarray(a), np.asarray(b))


def test_char_wb_shared_expansion_on_every_plane():
    # thousands of distinct words of code points from every plane, with NUL and other
    # controls, combining marks, bidi controls and special casings: several parts of the
    # shared expansion, on the UCS-1, UCS-2 and UCS-4 counting paths
    rng = np.random.default_rng(7)
    pool = (
        list("abcxyz\x00\x07\x1b\u0301\u0308\u200f\u202e\u00df\u0130\u03a3\ufb01")
        + [chr(c) for c in rng.integers(0x100, 0xD800, 40)]
        + [chr(c) for c in rng.integers(0xE000, 0x10000, 20)]
        + [chr(c) for c in rng.integers(0x10000, 0x110000, 20)]
    )
    pool = [c for c in pool if not c.isspace()]
    words = {"".join(rng.choice(pool, rng.integers(1, 9))) for _ in range(12000)}
    words = sorted(words)
    docs = [" ".join(words[i : i + 40]) for i in range(0, len(words), 40)]
    docs += [" ".join(w for w in words[:600] if w.isascii())]  # an ASCII document too
    params = {"analyzer": "char_wb", "ngram_range": (2, 4)}
    vec = HashingVectorizer(n_features=2**10, **params)
    maps = [InverseHasher(vec, max_tokens_per_column=None, n_jobs=n).fit(docs) for n in (1, 2)]
    assert recorded(maps[1]) == recorded(maps[0]) == brute_force(params, docs, 2**10, True)


@pytest.mark.parametrize("special", ["", "\u0130", "\u03a3", "\ud800"])
@pytest.mark.parametrize("at", ["first block", "later block"])
def test_words_of_long_wide_documents(special, at):
    # UCS-2 documents longer than a block of the wide word path (1024 code points) with a
    # special code point (lowercase of two code points, the capital sigma, a lone
    # surrogate) in the first block or a later one: the check before any word is counted
    # sends the document to the general path, and the counts are scikit-learn's
    words = ["слово", "Δέλτα", "ημέρα", "x1", "ab", "Язык", "ΔΕΛΤΑ", "фраза"] * 60
    text = " ".join(words)
    cut = 100 if at == "first block" else 2000
    doc = text[:cut] + " " + special + "Ab " + text[cut:]
    docs = [doc, text]
    vec = HashingVectorizer(n_features=2**10)
    expected = brute_force({}, docs, 2**10, True)
    assert len(doc) > 1024
    assert recorded(InverseHasher(vec, max_tokens_per_column=None, n_jobs=1).fit(docs)) == expected


def test_partial_fit_merge_pickle_equal_fit():
    vec = HashingVectorizer(n_features=2**8, ngram_range=(1, 2))
    whole = InverseHasher(vec, max_tokens_per_column=None).fit(DOCS)
    parts = InverseHasher(vec, max_tokens_per_column=None)
    for i in range(0, len(DOCS), 50):
        parts.partial_fit(DOCS[i : i + 50])
    a = InverseHasher(vec, max_tokens_per_column=None).fit(DOCS[:100])
    b = InverseHasher(vec, max_tokens_per_column=None).fit(DOCS[100:])
    merged = a.merge(b)
    restored = pickle.loads(pickle.dumps(whole))
    unfitted = pickle.loads(pickle.dumps(InverseHasher(vec)))
    assert not hasattr(unfitted, "n_documents_")
    for other in (parts, merged, restored):
        assert recorded(other) == recorded(whole)
        assert other.n_documents_ == len(DOCS)
        np.testing.assert_array_equal(other.get_feature_names_out(), whole.get_feature_names_out())
    # fit starts over
    whole.fit(["fox"])
    assert whole.n_documents_ == 1 and whole.n_tokens_ == 1


def test_merge_checks():
    a = InverseHasher(HashingVectorizer(n_features=8)).fit(["a bb"])
    with pytest.raises(ValueError, match="different n_features"):
        a.merge(InverseHasher(HashingVectorizer(n_features=16)).fit(["a bb"]))
    with pytest.raises(TypeError):
        a.merge("x")
    with pytest.raises(NotFittedError):
        a.merge(InverseHasher(HashingVectorizer(n_features=8)))


def test_arrow_column_equals_list():
    pa = pytest.importorskip("pyarrow")
    vec = HashingVectorizer(n_features=2**6, analyzer="char_wb", ngram_range=(1, 3))
    from_list = InverseHasher(vec, max_tokens_per_column=None).fit(DOCS)
    for column in (
        pa.array(DOCS),
        pa.chunked_array([DOCS[:7], DOCS[7:]]),
        pa.array([d.encode() for d in DOCS]),
    ):
        assert recorded(InverseHasher(vec, max_tokens_per_column=None).fit(column)) == recorded(
            from_list
        )


def test_generator_input_and_errors():
    vec = HashingVectorizer(n_features=2**6)
    inv = InverseHasher(vec).fit(d for d in DOCS)
    assert inv.n_documents_ == len(DOCS)
    with pytest.raises(ValueError, match="string object received"):
        InverseHasher(vec).fit("a document")
    with pytest.raises(TypeError, match="HashingVectorizer or a FeatureHasher"):
        InverseHasher(object()).fit(DOCS)
    with pytest.raises(ValueError, match="max_tokens_per_column"):
        InverseHasher(vec, max_tokens_per_column=0).fit(DOCS)
    with pytest.raises(ValueError, match="n_features"):
        InverseHasher(HashingVectorizer(n_features=0)).fit(DOCS)
    with pytest.raises(NotFittedError):
        InverseHasher(vec).get_feature_names_out()
    with pytest.raises(ValueError, match="changed since fit"):
        inv.set_params(max_tokens_per_column=3).partial_fit(DOCS)
    # scikit-learn's errors for bad documents
    with pytest.raises(ValueError, match="np.nan is an invalid document"):
        InverseHasher(vec).fit(["ok", np.nan])
    char = HashingVectorizer(n_features=2**6, analyzer="char")
    with pytest.raises(UnicodeEncodeError) as sk_err:
        SkHashingVectorizer(n_features=2**6, analyzer="char").transform(["ok", "bad \ud800x"])
    with pytest.raises(UnicodeEncodeError) as err:
        InverseHasher(char).fit(["ok", "bad \ud800x"])
    assert str(err.value) == str(sk_err.value)


@pytest.mark.parametrize(
    "params",
    [
        {},
        {"ngram_range": (1, 2)},
        {"analyzer": "char_wb", "ngram_range": (2, 4)},
        {"analyzer": "char", "ngram_range": (2, 5)},
    ],
    ids=stable_repr,
)
@pytest.mark.parametrize("text", ["ascii", "wide"])
def test_lone_surrogate_raises_as_transform(params, text):
    """A lone surrogate fails the recording as it fails ``transform`` (character
    n-grams; the default token pattern never takes it into a word), on the counting paths
    of ASCII and wide text, in the first document and after many that counted."""
    word = "x\ud800y" if text == "ascii" else "Жx\ud800y"
    for docs in ([f"a {word} b"], [f"doc {i} Жж" for i in range(500)] + [f"a {word} b"]):
        if params.get("analyzer", "word") == "word":
            SkHashingVectorizer(**params).transform(docs)
            inv = InverseHasher(HashingVectorizer(**params)).fit(docs)
            assert inv.n_documents_ == len(docs)
            continue
        with pytest.raises(UnicodeEncodeError) as sk_err:
            SkHashingVectorizer(**params).transform(docs)
        for n_jobs in (1, 2):
            with pytest.raises(UnicodeEncodeError) as err:
                InverseHasher(HashingVectorizer(**params), n_jobs=n_jobs).fit(docs)
            assert str(err.value) == str(sk_err.value)


def test_sklearn_hasher_accepted():
    sk = SkHashingVectorizer(n_features=2**6, ngram_range=(1, 2))
    fh = HashingVectorizer(n_features=2**6, ngram_range=(1, 2))
    assert recorded(InverseHasher(sk).fit(DOCS)) == recorded(InverseHasher(fh).fit(DOCS))


@pytest.mark.parametrize("input_type", ["dict", "pair", "string"])
@pytest.mark.parametrize("alternate_sign", [True, False])
def test_feature_hasher_names(input_type, alternate_sign):
    rng = np.random.RandomState(0)
    names = [f"f{i}" for i in range(40)] + ["caf\u00e9", "x"]
    if input_type == "string":
        X = [list(rng.choice(names, 5)) for _ in range(50)]
        expected_names = [n for x in X for n in x]
    else:
        X = []
        for _ in range(50):
            sample = {str(rng.choice(names)): float(rng.randint(-2, 3)) for _ in range(4)}
            sample["colour"] = str(rng.choice(["red", "blue"]))
            X.append(sample if input_type == "dict" else list(sample.items()))
        expected_names = []
        for x in X:
            for f, v in x.items() if input_type == "dict" else x:
                if isinstance(v, str):
                    expected_names.append(f"{f}={v}")
                elif v != 0:
                    expected_names.append(f)
    n_features = 16
    for hasher in (FeatureHasher, SkFeatureHasher):
        h = hasher(n_features=n_features, input_type=input_type, alternate_sign=alternate_sign)
        inv = InverseHasher(h, max_tokens_per_column=None, n_jobs=2).fit(X)
        expected = {}
        for tok, count in Counter(expected_names).items():
            hh = murmurhash3_32(tok, positive=False)
            sign = -1 if (alternate_sign and hh < 0) else 1
            expected.setdefault(abs(hh) % n_features, {})[tok] = (sign, count)
        assert recorded(inv) == expected


# ---------------------------------------------------------------------- top_tokens


@pytest.fixture(scope="module")
def topics():
    X, y = load_english_topics(return_X_y=True)
    X = list(X[:600])
    return X, np.asarray(y[:600])


def _check_weights(result, coef_row, inv, n_top):
    assert isinstance(result, TokenWeights)
    assert len(result.positive) <= n_top and len(result.negative) <= n_top
    for tw in result.positive + result.negative:
        assert isinstance(tw, TokenWeight)
        toks = {t: (s, n) for t, s, n in inv.column_tokens(tw.column)}
        if tw.token == f"x{tw.column}" and not toks:
            assert (tw.sign, tw.count) == (1, 0)
        else:
            assert toks[tw.token] == (tw.sign, tw.count)
        assert tw.weight == pytest.approx(tw.sign * coef_row[tw.column])
    pos = [t.weight for t in result.positive]
    neg = [t.weight for t in result.negative]
    assert all(w > 0 for w in pos) and pos == sorted(pos, reverse=True)
    assert all(w < 0 for w in neg) and neg == sorted(neg)


def test_top_tokens_multiclass_pipeline(topics):
    X, y = topics
    vec = HashingVectorizer(n_features=2**16)
    pipe = make_pipeline(vec, TfidfTransformer(), SGDClassifier(random_state=0)).fit(X, y)
    inv = InverseHasher(vec).fit(X)
    res = top_tokens(pipe, inv, n_top=5)
    clf = pipe[-1]
    assert [r.label for r in res] == clf.classes_.tolist()
    for r, row in zip(res, clf.coef_, strict=True):
        _check_weights(r, row, inv, 5)
        assert len(r.positive) == 5 and len(r.negative) == 5


def test_top_tokens_sign_correction():
    # "good" and "bad" each hash to a column of some sign: the weights follow the tokens
    docs = ["good good fine", "bad awful bad", "good fine", "awful bad"] * 5
    y = [1, 0, 1, 0] * 5
    for alternate_sign in (True, False):
        vec = HashingVectorizer(n_features=2**12, alternate_sign=alternate_sign)
        clf = LogisticRegression().fit(vec.transform(docs), y)
        inv = InverseHasher(vec).fit(docs)
        [res] = top_tokens(clf, inv)
        assert res.label == 1
        assert {t.token for t in res.positive} == {"good", "fine"}
        assert {t.token for t in res.negative} == {"bad", "awful"}
        _check_weights(res, clf.coef_[0], inv, 10)
        signs = {t.token: t.sign for t in res.positive + res.negative}
        for tok, s in signs.items():
            h = murmurhash3_32(tok, positive=False)
            assert s == (-1 if alternate_sign and h < 0 else 1)


def test_top_tokens_brute_force_order(topics):
    X, y = topics
    vec = HashingVectorizer(n_features=2**10, ngram_range=(1, 2))
    clf = LogisticRegression(max_iter=200).fit(vec.transform(X), y == y[0])
    inv = InverseHasher(vec, max_tokens_per_column=None).fit(X)
    [res] = top_tokens(clf, inv, n_top=7)
    pairs = [(s * clf.coef_[0][c], n, t) for c in range(2**10) for t, s, n in inv.column_tokens(c)]
    expected_pos = sorted([p for p in pairs if p[0] > 0], key=lambda p: (-p[0], -p[1]))[:7]
    expected_neg = sorted([p for p in pairs if p[0] < 0], key=lambda p: (p[0], -p[1]))[:7]
    assert [t.weight for t in res.positive] == pytest.approx([p[0] for p in expected_pos])
    assert [t.weight for t in res.negative] == pytest.approx([p[0] for p in expected_neg])


def test_top_tokens_regression_and_placeholders():
    docs = ["up up", "down", "up", "down down", "other"]
    target = [2.0, -1.0, 1.0, -2.0, 0.0]
    vec = HashingVectorizer(n_features=2**8)
    model = Ridge(alpha=0.1).fit(vec.transform(docs), target)
    inv = InverseHasher(vec).fit(docs[:1])  # "down" is not recorded
    [res] = top_tokens(model, inv, n_top=3)
    assert res.label is None
    assert res.positive[0].token == "up"
    col = abs(murmurhash3_32("down", positive=False)) % 2**8
    assert res.negative[0].token == f"x{col}" and res.negative[0].count == 0
    _check_weights(res, model.coef_, inv, 3)
    multi = Ridge().fit(vec.transform(docs), np.c_[target, target])
    assert [r.label for r in top_tokens(multi, inv)] == [0, 1]


def test_top_tokens_forest(topics):
    X, y = topics
    vec = HashingVectorizer(n_features=2**10)
    forest = RandomForestClassifier(n_estimators=10, random_state=0).fit(vec.transform(X), y)
    inv = InverseHasher(vec).fit(X)
    [res] = top_tokens(forest, inv, n_top=8)
    assert res.label is None and res.negative == []
    assert len(res.positive) == 8
    imp = forest.feature_importances_
    for tw in res.positive:
        assert tw.weight == imp[tw.column]
    assert res.positive[0].weight == imp.max()


def test_top_tokens_errors():
    vec = HashingVectorizer(n_features=2**6)
    inv = InverseHasher(vec).fit(DOCS)
    clf = LogisticRegression().fit(
        HashingVectorizer(n_features=2**5).transform(DOCS[:4]), [0, 1, 0, 1]
    )
    with pytest.raises(ValueError, match="32 features, the map 64"):
        top_tokens(clf, inv)
    with pytest.raises(TypeError, match="InverseHasher"):
        top_tokens(clf, vec)
    with pytest.raises(TypeError, match="neither coef_ nor feature_importances_"):
        top_tokens(TfidfTransformer().fit(vec.transform(DOCS)), inv)
    with pytest.raises(NotFittedError):
        top_tokens(LogisticRegression(), inv)
    with pytest.raises(ValueError, match="n_top"):
        top_tokens(clf, inv, n_top=-1)


def test_feature_hasher_arrow_columns_equal_lists():
    pa = pytest.importorskip("pyarrow")
    names = [["a", "bb", "caf\u00e9"], [], ["bb", "bb", "x"]] * 5
    pairs = [{"a": 1.0, "bb": -2.0, "zero": 0.0}, {"caf\u00e9": 3.0}] * 5
    for input_type, X, column in (
        ("string", names, pa.array(names, type=pa.list_(pa.string()))),
        (
            "dict",
            pairs,
            pa.array([list(d.items()) for d in pairs], type=pa.map_(pa.string(), pa.float64())),
        ),
    ):
        h = FeatureHasher(n_features=8, input_type=input_type)
        from_list = InverseHasher(h, max_tokens_per_column=None).fit(X)
        from_arrow = InverseHasher(h, max_tokens_per_column=None).fit(column)
        assert recorded(from_arrow) == recorded(from_list)
        assert from_arrow.n_documents_ == len(X)
