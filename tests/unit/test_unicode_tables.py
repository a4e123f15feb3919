# Authors: The fasthash developers
# SPDX-License-Identifier: BSD-3-Clause
"""The C Unicode tables equal the running interpreter over all 0x110000 code points."""

import unicodedata
import warnings

import pytest
from sklearn.feature_extraction.text import HashingVectorizer as SkHashingVectorizer

from fasthash._lib import _hashing

WORD, SPACE = 1, 2
ALL = range(0x110000)


def test_unicode_version_matches_interpreter():
    assert _hashing.unicode_version() == unicodedata.unidata_version


def test_tables_equal_str_methods_on_every_code_point():
    bad = []
    for cp in ALL:
        c = chr(cp)
        flags, lower = _hashing.unicode_lookup(cp)
        if (
            lower != c.lower()
            or bool(flags & WORD) != (c.isalnum() or c == "_")
            or bool(flags & SPACE) != c.isspace()
        ):
            bad.append(hex(cp))
    assert bad == []


def test_lookup_rejects_non_code_points():
    with pytest.raises(ValueError):
        _hashing.unicode_lookup(0x110000)


STRIP = {None: 0, "unicode": 1, "ascii": 2}


def _options(lowercase, analyzer=_hashing.ANALYZER_WORD, strip_accents=None):
    return _hashing.Options(
        min_n=1, max_n=1, n_features=16, lowercase=lowercase, alternate_sign=True,
        binary=False, norm=_hashing.NORM_NONE, out_type=_hashing.OUT_F64, analyzer=analyzer,
        strip_accents=STRIP[strip_accents],
    )


def _contexts(c):
    # word runs around c, c doubled, and both sides of a capital sigma (final-sigma rule,
    # which depends on the Cased / Case_Ignorable properties of c)
    return f"a{c}b {c}{c} Ab{c}\u03a3 \u0391{c}\u03a3 \u03a3{c}\u0391 \u0391\u03a3{c} x{c}y{c}"


@pytest.mark.parametrize(
    "lowercase, strip_accents",
    [(True, None), (False, None), (True, "unicode"), (False, "ascii")],
)
def test_native_word_analysis_equals_sklearn_on_every_code_point(lowercase, strip_accents):
    """Every code point (surrogates included) in contexts that exercise \\w, str.lower
    (special casing, final sigma), accent stripping (NFKD, per character) and their
    interaction, through the native analyser."""
    analyzer = SkHashingVectorizer(
        lowercase=lowercase, strip_accents=strip_accents
    ).build_analyzer()
    opts = _options(lowercase, strip_accents=strip_accents)
    bad = []
    step = 128
    for start in range(0, 0x110000, step):
        text = " ".join(_contexts(chr(cp)) for cp in range(start, start + step))
        with warnings.catch_warnings():
            warnings.simplefilter("error")
            want = [t.encode("utf-8") for t in analyzer(text)]
        got = _hashing.doc_features(text, opts)
        if got != want:
            # narrow down to the code point for a useful failure message
            for cp in range(start, start + step):
                t = _contexts(chr(cp))
                if _hashing.doc_features(t, opts) != [x.encode() for x in analyzer(t)]:
                    bad.append(hex(cp))
    assert bad == []


@pytest.mark.parametrize(
    "lowercase, strip_accents",
    [(True, None), (False, None), (True, "unicode"), (True, "ascii"), (False, "unicode")],
)
def test_native_char_preparation_equals_python_on_every_code_point(lowercase, strip_accents):
    """The char analyzers' text: str.lower(), accent stripping, then
    re.sub(r"\\s\\s+", " ", text), for every
    code point but the surrogates (which raise when hashed: tested elsewhere), in contexts
    with whitespace runs of one and two characters and capital sigmas."""
    import re

    from sklearn.feature_extraction.text import strip_accents_ascii, strip_accents_unicode

    strip = {None: lambda t: t, "unicode": strip_accents_unicode, "ascii": strip_accents_ascii}
    white = re.compile(r"\s\s+")
    opts = _options(lowercase, _hashing.ANALYZER_CHAR, strip_accents)
    bad = []
    step = 256
    for start in range(0, 0x110000, step):
        cps = [cp for cp in range(start, start + step) if not 0xD800 <= cp <= 0xDFFF]
        text = "".join(f"A{chr(cp)}\u03a3 {chr(cp)}{chr(cp)} \u03a3{chr(cp)}\tx" for cp in cps)
        want = white.sub(" ", strip[strip_accents](text.lower() if lowercase else text))
        got = b"".join(_hashing.doc_features(text, opts)).decode("utf-8")
        if got != want:
            bad.append(hex(start))
    assert bad == []
