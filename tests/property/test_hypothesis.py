# Authors: The fasthash developers
# SPDX-License-Identifier: BSD-3-Clause
"""Property tests: fasthash equals scikit-learn bit for bit on generated text and parameters.

Documents are drawn from all of Unicode (lone surrogates included) and from targeted
alphabets (Greek sigma around case-ignorable characters, special casings, combining marks,
CJK, emoji, exotic whitespace, non-ASCII digits, format characters). The thread count
never changes the output. Profiles ``dev``/``ci`` are registered in ``tests/conftest.py``.
"""

import warnings
from unittest import mock

import numpy as np
import pytest
from _helpers import (
    FhHashingVectorizer,
    SkHashingVectorizer,
    assert_csr_identical,
    assert_same_outcome,
    run,
)
from hypothesis import given, note
from hypothesis import strategies as st
from sklearn.utils import murmurhash3_32 as sk_murmurhash3_32

import fasthash
import fasthash.feature_extraction.text as fh_text

DEFAULT_TOKEN_PATTERN = r"(?u)\b\w\w+\b"

# --- documents -------------------------------------------------------------------------------

# Every code point, lone surrogates (category Cs) included.
ANY_CHAR = st.characters(exclude_categories=())

GREEK = "ΣσςΑαΟοΔδΈέΐΰ"
CASE_IGNORABLE = "'\u0345\u00ad\u2019\u02bc:.\u00b7\u0301\u0308\u200d"
SPECIAL_CASING = "İıIißẞﬁﬀﬃŉǅǄǆǈǋǲᾈᾙῼKÅΩ"
CJK_EMOJI = "中文日本語한국어😀👍🏽🏻👨\u200d👩🇫🇷"
WHITESPACE = (
    " \t\n\r\x0b\x0c\x1c\x1d\x1e\x1f\x85\xa0\u1680\u2000\u2001\u2002\u2003\u2004\u2005"
    "\u2006\u2007\u2008\u2009\u200a\u2028\u2029\u202f\u205f\u3000\u180e"
)
DIGITS = "0123٣٤０１½²①Ⅻⅻ"
FORMAT = "\u200b\ufeff_\u200c\u2060"
ASCII = "abcdeABCDE"
TARGETED_CHARS = st.one_of(
    st.sampled_from(GREEK + CASE_IGNORABLE + SPECIAL_CASING + ASCII),
    st.sampled_from(CJK_EMOJI + WHITESPACE + DIGITS + FORMAT),
    st.characters(min_codepoint=0x300, max_codepoint=0x36F),  # combining marks
)

ASCII_CHARS = st.sampled_from(
    "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_ _ .,;'-\t\n\x00\x7f"
)
any_text = st.text(ANY_CHAR, max_size=40)
# Long, mostly ASCII documents: word runs cross the blocks of vectorised scanners, with
# the occasional non-ASCII character at any offset.
long_text = st.text(st.one_of(ASCII_CHARS, ASCII_CHARS, ASCII_CHARS, TARGETED_CHARS), max_size=400)
targeted_text = st.text(TARGETED_CHARS, max_size=40)
# Words separated by spaces: more tokens, more n-grams, more stop-word hits.
word_text = st.lists(
    st.one_of(
        st.text(TARGETED_CHARS, min_size=1, max_size=6),
        st.sampled_from(["the", "and", "ΣΑΣ", "σας", "ab", "ΟΔΟΣ", "İstanbul"]),
    ),
    max_size=12,
).map(" ".join)
any_doc = st.one_of(targeted_text, word_text, any_text, long_text)
doc_lists = st.lists(any_doc, min_size=1, max_size=8)


def _has_surrogate(text):
    return any(0xD800 <= ord(c) <= 0xDFFF for c in text)


def _maybe_bytes(draw, docs, encoding="utf-8"):
    """Encode some documents as bytes (those that can be encoded)."""
    mode = draw(st.sampled_from(["str", "str", "bytes", "mixed"]))
    if mode == "str":
        return docs
    out = []
    for doc in docs:
        if _has_surrogate(doc) or (mode == "mixed" and draw(st.booleans())):
            out.append(doc)
        else:
            out.append(doc.encode(encoding))
    return out


# --- parameters ------------------------------------------------------------------------------

N_FEATURES = st.sampled_from([1, 16, 1000003, 2**20, 2**31 - 2])
NGRAMS = st.sampled_from([(1, 1), (1, 2), (2, 3), (1, 3), (0, 2), (2, 2), (0, 0), (3, 5)])
DTYPES = st.sampled_from([np.float64, np.float32, np.int64, np.int32, np.int8, np.bool_])
STOP_WORDS = st.one_of(
    st.none(),
    st.just("english"),
    st.lists(
        st.sampled_from(["the", "and", "σας", "ab", "ΣΑΣ", "de", "中文", "i̇stanbul"]), max_size=4
    ),
)


@st.composite
def common_params(draw):
    params = {
        "lowercase": draw(st.booleans()),
        "ngram_range": draw(NGRAMS),
        "n_features": draw(N_FEATURES),
        "binary": draw(st.booleans()),
        "norm": draw(st.sampled_from([None, "l1", "l2"])),
        "alternate_sign": draw(st.booleans()),
        "dtype": draw(DTYPES),
    }
    return params


@st.composite
def native_params(draw):
    """Configurations the C core analyses itself (word analyzer, default pattern)."""
    params = draw(common_params())
    params["stop_words"] = draw(STOP_WORDS)
    return params


@st.composite
def any_params(draw):
    params = draw(common_params())
    analyzer = draw(st.sampled_from(["word", "char", "char_wb"]))
    params["analyzer"] = analyzer
    params["strip_accents"] = draw(st.sampled_from([None, "ascii", "unicode"]))
    if analyzer == "word":
        params["stop_words"] = draw(STOP_WORDS)
        params["token_pattern"] = draw(
            st.sampled_from(
                [DEFAULT_TOKEN_PATTERN, DEFAULT_TOKEN_PATTERN, r"\S+", r"(?u)\w+", r"[^\s]+",
                 r"(?u)\b\w+\b", r"\w\w+", r"(?a)\w+"]
            )
        )
    else:
        lo = draw(st.integers(0, 4))
        params["ngram_range"] = (lo, lo + draw(st.integers(0, 3)))
    return params


def _compare(params, docs, n_jobs, *, notes=True):
    if notes:
        note(f"params={params!r}")
        note(f"docs={docs!r}")
    expected = run(lambda: SkHashingVectorizer(**params).transform(list(docs)))
    for jobs in sorted({1, n_jobs}):
        got = run(lambda j=jobs: FhHashingVectorizer(**params, n_jobs=j).transform(iter(docs)))
        assert_same_outcome(got, expected)
    return expected


# --- properties ------------------------------------------------------------------------------


@given(docs=doc_lists, params=native_params(), n_jobs=st.integers(1, 4), data=st.data())
def test_native_word_analyzer_matches_sklearn(docs, params, n_jobs, data):
    docs = _maybe_bytes(data.draw, docs)
    outcome = _compare(params, docs, n_jobs)
    # A lone surrogate is a separator for the word analyzer: never an error.
    assert outcome.ok, outcome


@given(
    docs=st.lists(any_text, min_size=1, max_size=6),
    lowercase=st.booleans(),
    n_jobs=st.integers(1, 4),
)
def test_default_config_on_any_unicode(docs, lowercase, n_jobs):
    outcome = _compare({"lowercase": lowercase, "norm": None}, docs, n_jobs)
    assert outcome.ok


@given(docs=doc_lists, params=any_params(), n_jobs=st.integers(1, 4), data=st.data())
def test_any_analyzer_matches_sklearn(docs, params, n_jobs, data):
    docs = _maybe_bytes(data.draw, docs)
    outcome = _compare(params, docs, n_jobs)
    if not outcome.ok:
        # The only way these parameters fail: a lone surrogate inside a hashed feature.
        assert type(outcome.exc) is UnicodeEncodeError, outcome


@given(
    docs=st.lists(
        st.text(
            st.one_of(TARGETED_CHARS, st.characters(min_codepoint=0xD800, max_codepoint=0xDFFF)),
            max_size=20,
        ),
        min_size=1,
        max_size=5,
    ),
    analyzer=st.sampled_from(["char", "char_wb"]),
    lo=st.integers(1, 3),
    width=st.integers(0, 2),
)
def test_surrogates_in_char_ngrams(docs, analyzer, lo, width):
    params = {"analyzer": analyzer, "ngram_range": (lo, lo + width)}
    outcome = _compare(params, docs, 2)
    if not outcome.ok:
        assert type(outcome.exc) is UnicodeEncodeError
    elif analyzer == "char" and lo == 1:
        # every character is a feature: a lone surrogate cannot go through
        assert not any(_has_surrogate(d) for d in docs)


@given(
    docs=st.lists(
        st.text(
            st.one_of(
                TARGETED_CHARS,
                st.sampled_from(" \t\x1c\u3000"),
                st.characters(min_codepoint=0xD800, max_codepoint=0xDFFF),
            ),
            max_size=20,
        ),
        min_size=1,
        max_size=5,
    ),
    lo=st.integers(1, 3),
    width=st.integers(0, 2),
    lowercase=st.booleans(),
    strip_accents=st.sampled_from([None, "unicode", "ascii"]),
    stop_words=st.sampled_from([None, ["\ud800"], ["a\udfff", "the"]]),
)
def test_surrogates_in_nonspace_tokens(docs, lo, width, lowercase, strip_accents, stop_words):
    """\\S+ tokens can hold lone surrogates: scikit-learn's error, or its stop-word match."""
    params = {
        "token_pattern": r"\S+",
        "ngram_range": (lo, lo + width),
        "lowercase": lowercase,
        "strip_accents": strip_accents,
        "stop_words": stop_words,
    }
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)  # inconsistent stop words
        outcome = _compare(params, docs, 2)
    if not outcome.ok:
        assert type(outcome.exc) is UnicodeEncodeError


@st.composite
def corrupted_bytes(draw):
    """UTF-8 text with random bytes spliced in, or arbitrary bytes."""
    if draw(st.booleans()):
        return draw(st.binary(max_size=30))
    raw = bytearray(draw(word_text).encode("utf-8"))
    for _ in range(draw(st.integers(0, 3))):
        at = draw(st.integers(0, len(raw)))
        raw[at:at] = draw(st.binary(min_size=1, max_size=3))
    return bytes(raw)


@given(
    docs=st.lists(corrupted_bytes(), min_size=1, max_size=6),
    encoding=st.sampled_from(["utf-8", "utf-8", "latin-1", "cp1252", "utf-16", "ascii"]),
    decode_error=st.sampled_from(["strict", "ignore", "replace"]),
    params=native_params(),
    n_jobs=st.integers(1, 4),
)
def test_bytes_decoding_matches_sklearn(docs, encoding, decode_error, params, n_jobs):
    params = dict(params, encoding=encoding, decode_error=decode_error)
    outcome = _compare(params, docs, n_jobs)
    if not outcome.ok:
        assert isinstance(outcome.exc, UnicodeDecodeError), outcome


@given(
    docs=st.lists(st.one_of(word_text, targeted_text), min_size=1, max_size=60),
    params=native_params(),
    n_jobs=st.integers(2, 9),
)
def test_thread_count_never_changes_output(docs, params, n_jobs):
    serial = FhHashingVectorizer(**params, n_jobs=1).transform(docs)
    # n_jobs is capped at the usable CPUs: hand the kernel the count itself (more threads
    # than CPUs must give the same bits too)
    with mock.patch.object(fh_text, "effective_n_jobs", lambda n_jobs, caller: n_jobs):
        parallel = FhHashingVectorizer(**params, n_jobs=n_jobs).transform(docs)
    assert_csr_identical(parallel, serial)


@given(docs=st.lists(word_text, min_size=1, max_size=20), params=native_params())
def test_shape_and_row_sums(docs, params):
    """Shape, canonical format, and the unnormalised row sums against a direct count."""
    params = dict(params, norm=None, binary=False, alternate_sign=False, dtype=np.float64)
    X = FhHashingVectorizer(**params, n_jobs=2).transform(docs)
    assert X.shape == (len(docs), params["n_features"])
    assert X.has_canonical_format
    analyzer = SkHashingVectorizer(**params).build_analyzer()
    np.testing.assert_array_equal(
        np.asarray(X.sum(axis=1)).ravel(), [len(list(analyzer(d))) for d in docs]
    )


@given(
    key=st.one_of(
        st.text(ANY_CHAR.filter(lambda c: not _has_surrogate(c)), max_size=30),
        st.binary(max_size=40),
    ),
    seed=st.one_of(st.sampled_from([0, 1, 42, 2**32 - 1]), st.integers(0, 2**32 - 1)),
    positive=st.booleans(),
)
def test_murmurhash3_32_matches_sklearn(key, seed, positive):
    assert fasthash.murmurhash3_32(key, seed=seed, positive=positive) == sk_murmurhash3_32(
        key, seed=seed, positive=positive
    )


@given(
    keys=st.lists(st.integers(-(2**31), 2**31 - 1), max_size=30),
    seed=st.integers(0, 2**32 - 1),
    positive=st.booleans(),
)
def test_murmurhash3_32_int_keys_match_sklearn(keys, seed, positive):
    arr = np.array(keys, dtype=np.int32)
    np.testing.assert_array_equal(
        fasthash.murmurhash3_32(arr, seed=seed, positive=positive),
        sk_murmurhash3_32(arr, seed=seed, positive=positive),
    )
    for k in keys[:3]:
        assert fasthash.murmurhash3_32(k, seed, positive) == sk_murmurhash3_32(k, seed, positive)


@pytest.mark.parametrize("analyzer", ["char", "char_wb"])
def test_surrogate_error_message_example(analyzer):
    """A fixed example next to the generated ones (fails loudly if hypothesis is off)."""
    outcome = _compare(
        {"analyzer": analyzer, "ngram_range": (1, 2)}, ["ok", "ab\ud800cd"], 2, notes=False
    )
    assert type(outcome.exc) is UnicodeEncodeError
