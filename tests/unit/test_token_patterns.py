# Authors: The fasthash developers
# SPDX-License-Identifier: BSD-3-Clause
"""Token patterns scanned natively: each recognised spelling means what the core scans.

``_NATIVE_TOKEN_BODIES`` maps pattern spellings (after inline flags) to three scanners:
runs of >= 2 word characters, runs of >= 1, runs of non-whitespace. The tests check, on a
text holding every code point, that ``re.findall`` returns the same tokens for each
spelling and flag combination as for the canonical pattern of its scanner, that the
recogniser refuses what changes the meaning, and that the native path equals scikit-learn
on real text.
"""

import random
import re

import pytest
from _helpers import FhHashingVectorizer, SkHashingVectorizer, assert_csr_identical, native_reason

from fasthash._corpus import english_documents, multilingual_documents
from fasthash._lib import _hashing
from fasthash.feature_extraction.text import _NATIVE_TOKEN_BODIES, _native_token

CANONICAL = {
    _hashing.TOKEN_WORD2: r"(?u)\b\w\w+\b",
    _hashing.TOKEN_WORD1: r"(?u)\b\w+\b",
    _hashing.TOKEN_NONSPACE: r"\S+",
}
FLAGS = ["", "(?u)", "(?i)", "(?m)", "(?s)", "(?x)", "(?ui)", "(?imsux)", "(?u)(?i)"]


@pytest.fixture(scope="module")
def every_code_point_text():
    """Every code point once, each followed at random by a space, a word char or nothing."""
    rng = random.Random(0)
    pieces = []
    for c in range(0x110000):
        pieces.append(chr(c))
        r = rng.random()
        if r < 0.3:
            pieces.append(" ")
        elif r < 0.5:
            pieces.append(chr(rng.randrange(0x110000)))
    return "".join(pieces)


@pytest.mark.parametrize("body", sorted(_NATIVE_TOKEN_BODIES))
def test_each_spelling_means_its_scanner(body, every_code_point_text):
    token = _NATIVE_TOKEN_BODIES[body]
    expected = re.findall(CANONICAL[token], every_code_point_text)
    for flags in FLAGS:
        pattern = flags + body
        assert _native_token(pattern) == token
        assert re.findall(pattern, every_code_point_text) == expected, pattern


@pytest.mark.parametrize(
    "pattern",
    [
        r"(?a)\b\w\w+\b",  # ASCII \w
        r"(?au)\w+",
        r"\S\S+",
        r"\w*",
        r"(\w)\w+",
        r"\b\w\w+\b ",
        r" \S+",
        r"(?u)\b\w\w+\b|x",
        r"\\S+",
        b"\\S+",
        None,
        re.compile(r"\S+"),
    ],
    ids=repr,
)
def test_other_patterns_are_left_to_python(pattern):
    assert _native_token(pattern) is None
    if pattern is not None and not isinstance(pattern, bytes):
        assert native_reason(FhHashingVectorizer(token_pattern=pattern)) == "custom token_pattern"


@pytest.mark.parametrize(
    "pattern", [r"(?u)\b\w+\b", r"\S+", r"[^\s]+", r"\w\w+", r"(?i)\w+"], ids=repr
)
@pytest.mark.parametrize("lowercase", [True, False])
@pytest.mark.parametrize("strip_accents", [None, "unicode", "ascii"])
def test_native_patterns_match_sklearn_on_real_text(pattern, lowercase, strip_accents):
    docs = english_documents(max_bytes=200_000) + multilingual_documents()[:400]
    params = dict(
        token_pattern=pattern,
        lowercase=lowercase,
        strip_accents=strip_accents,
        ngram_range=(1, 2),
        n_features=2**20,
    )
    vec = FhHashingVectorizer(**params, n_jobs=2)
    assert native_reason(vec) is None
    assert_csr_identical(vec.transform(docs), SkHashingVectorizer(**params).transform(docs))
