# Authors: The fasthash developers
# SPDX-License-Identifier: BSD-3-Clause
r"""Token patterns scanned natively: what is recognised, and that it scans as ``re`` does.

The core scans ``\b? C{m,n} \b?`` (after leading inline flags) from two sets of code
points computed with ``re`` itself: the atom ``C``'s members and the word characters of
``\b``. The tests check, layer by layer:

- the recogniser: which spellings are in the subset, which are left to Python (and why),
  and that spellings of the three built-in scanners select them;
- the sets: the core's tables against an independent ``re`` evaluation over every code
  point, for every kind of atom and flag combination (and the lowercased sets the core
  derives, against ``str.lower``); the model of ``\b`` (a boundary iff exactly one
  neighbour is a word character) against ``re`` over every code point;
- the scanner: the tokens of random documents against ``re.findall`` on scikit-learn's
  preprocessed text, for every pattern shape (atoms x quantifiers x anchors, runs of
  atoms), lowercase and accent stripping, on the fast and the general scanners.
"""

import random
import re
import warnings

import numpy as np
import pytest
from _helpers import FhHashingVectorizer, SkHashingVectorizer

from fasthash._lib import _hashing
from fasthash.feature_extraction import _token_pattern as tp
from fasthash.feature_extraction.text import python_analysis_reason

OUTSIDE = "token_pattern outside the subset the core scans"


def every_code_point():
    return tp._every_code_point()


# --------------------------------------------------------------------------- recogniser


@pytest.mark.parametrize(
    ("pattern", "expected"),
    [
        (r"(?u)\b\w\w+\b", _hashing.TOKEN_WORD2),
        (r"\w\w+", _hashing.TOKEN_WORD2),
        (r"\b\w{2,}", _hashing.TOKEN_WORD2),
        (r"(?x) \b \w \w+ \b  # the default, verbose", _hashing.TOKEN_WORD2),
        (r"(?i)[\w]{2,}\b", _hashing.TOKEN_WORD2),
        (r"(?u)\b\w+\b", _hashing.TOKEN_WORD1),
        (r"\w+", _hashing.TOKEN_WORD1),
        (r"(?ms)\w{1,}", _hashing.TOKEN_WORD1),
        (r"\S+", _hashing.TOKEN_NONSPACE),
        (r"[^\s]+", _hashing.TOKEN_NONSPACE),
        (r"(?s)\S\S*", _hashing.TOKEN_NONSPACE),
    ],
)
def test_builtin_scanners_are_chosen_by_meaning(pattern, expected):
    assert tp.token_scanner(pattern) == expected


@pytest.mark.parametrize(
    "pattern",
    [r"(?u)\b\w\w+\b", r"\w\w+", r"\b\w{2,}", r"(?x) \b \w \w+ \b  # verbose", r"\w+",
     r"(?ms)\w{1,}", r"\b\w+", r"\w{2}", r"\w\w\w+", r"(?i)\w+", r"(?a)\w\w+", r"[\w]+"],
)
def test_unicode_word_runs_told_from_the_parse_as_from_the_bitmaps(pattern):
    # runs of Unicode \w are recognised without running re over every code point (most of
    # a first transform), and exactly where the bitmaps would choose the same scanner
    tp.token_scanner.cache_clear()
    tp._class_bits.cache_clear()
    fast = tp._unicode_word_runs(pattern)
    if fast is not None:
        assert tp.token_scanner(pattern) == fast
        assert tp._class_bits.cache_info().misses == 0  # no bitmap computed
    spec = tp._spec(pattern)
    class_bits, word_bits, lo, hi, bound_start, bound_end = spec
    slow = tp._builtin_scanner(class_bits, word_bits, lo, hi, bound_start or bound_end)
    assert fast is None or fast == slow


def test_default_pattern_is_recognised_without_a_bitmap():
    tp.token_scanner.cache_clear()
    tp._class_bits.cache_clear()
    assert tp.token_scanner(r"(?u)\b\w\w+\b") == _hashing.TOKEN_WORD2
    assert tp._class_bits.cache_info().misses == 0


NATIVE = [
    r"(?u)\b[a-zA-Z]{2,}\b",
    r"[a-zA-Z]{2,}",
    r"\b\w{3,}\b",
    r"[^\W\d_]+",
    r"\d+",
    r"(?i)\b[a-z]{2,}\b",
    r"(?a)\b\w\w+\b",
    r"(?a)\w+",
    r"\w*",
    r"\S?",
    r"\b\w{3,5}\b",
    r"\w{2,3}",
    r"\d{4}",
    r"x{,3}",
    r"\w{,}",
    r"\b\S+\b",
    r".+",
    r"(?s).{1,4}",
    r"[-.\w]+",
    r"[]a]+",
    r"[^]a]+",
    r"[\]\\]+",
    r"\.+",
    r"é+",
    r"\u00e9+",
    r"\x41+",
    r"\U0001F600+",
    r"\N{LATIN SMALL LETTER A}+",
    r"\0+",
    r"\t+",
    r" +",
    r"#+",
    r"(?x)[ ]+",
    r"(?x)\ +",
    r"(?x) \w + # comment",
    r"\w\w\w\w*",
    r"[a-z][a-z]?",
    r"(?u)(?i)\b[a-z]{2,}\b",
    r"(?imsux)\b[^\W\d_]{2,}\b",
]


@pytest.mark.parametrize("pattern", NATIVE)
def test_subset_is_native(pattern):
    assert tp.token_scanner(pattern) is not None
    assert python_analysis_reason(FhHashingVectorizer(token_pattern=pattern)) is None


OUTSIDE_PATTERNS = [
    r"(\w+)",  # a group
    r"(?:\w)+",
    r"\w+|\d",  # alternation
    r"\w+?",  # lazy
    r"\w{2,}?",
    r"\w*+",  # possessive (3.11+)
    r"\B\w+",  # other anchors
    r"^\w+",
    r"\w+$",
    r"\A\w+",
    r"\w+\Z",
    r"\b\b\w+",
    r"\w\b\w+",  # \b inside
    r"\b",
    "",
    r"[a-z][0-9]+",  # two classes
    r"\w\d+",
    r"(\w)\1",  # back reference
    r"\1",
    r"[[a]]",  # a nested set: re warns (FutureWarning)
    r"[a--b]",
    r"[a&&b]",
    r"[[:alpha:]]+",
    r"\w{2, 3}",  # not a repeat: literal braces
    r"\w{}",
    r"{2}",
    r"a{3,2}",  # invalid
    r"[a",
    r"\w+(?i)",  # flags not at the start (an error since 3.11)
    r"(?i:\w)+",  # scoped flags
    r"(?-i)\w+",
    r"(?L)\w+",
    r"(?a)(?u)\w+",  # incompatible flags: re.error
    r"\q+",  # bad escape
    r"\xZZ+",
    r"\N{NO SUCH NAME}+",
    r"+",
    r"]+",
    r"\w++\w",
    r"(?#comment)\w+",
]


@pytest.mark.parametrize("pattern", OUTSIDE_PATTERNS)
def test_outside_the_subset_is_left_to_python(pattern):
    assert tp.token_scanner(pattern) is None
    assert python_analysis_reason(FhHashingVectorizer(token_pattern=pattern)) == OUTSIDE


@pytest.mark.parametrize("pattern", [None, b"\\w+", re.compile(r"\w+"), 12])
def test_non_str_patterns_are_left_to_scikit_learn(pattern):
    assert tp.token_scanner(pattern) is None


def test_recognising_a_pattern_does_not_warn():
    """sklearn's compile warns about nested sets: fasthash must not warn a second time."""
    for pattern in NATIVE + OUTSIDE_PATTERNS:
        with warnings.catch_warnings():
            warnings.simplefilter("error")
            tp.token_scanner.__wrapped__(pattern)


def test_python_analysis_reason_public_api():
    assert python_analysis_reason(FhHashingVectorizer()) is None
    assert python_analysis_reason(SkHashingVectorizer(token_pattern=r"\d+")) is None
    assert python_analysis_reason(FhHashingVectorizer(tokenizer=str.split)) == "custom tokenizer"
    assert python_analysis_reason(FhHashingVectorizer(token_pattern=r"(\w+)")) == OUTSIDE
    # a pattern is only read by the word analyzer
    assert (
        python_analysis_reason(FhHashingVectorizer(analyzer="char", token_pattern=r"(\w+)")) is None
    )
    with pytest.raises(TypeError, match="HashingVectorizer"):
        python_analysis_reason("(?u)\\b\\w\\w+\\b")
    import fasthash

    assert fasthash.python_analysis_reason is python_analysis_reason


# --------------------------------------------------------------------------- sets

ATOMS = [
    r"\w",
    r"\W",
    r"\d",
    r"\D",
    r"\s",
    r"\S",
    ".",
    "[a-z]",
    "[^a-z]",
    "[a-zA-Z]",
    r"[^\W\d_]",
    "k",
    "s",
    "K",
    "ſ",
    "\u212a",
    "[α-ω]",
    "[ǅ]",
    "ß",
    r"[\s\d]",
    "İ",
    "i",
    r"[\x00-\x1f]",
    r"[\ud800-\udfff]",
    "[^a]",
    r"[^\s\S]",
]
FLAG_SETS = ["", "(?i)", "(?a)", "(?ai)", "(?s)", "(?asix)"]


def _members_from_re(atom, flags):
    """An independent evaluation: re.findall of the bare atom over every code point."""
    found = re.compile(atom, flags).findall(every_code_point())
    codes = np.frombuffer("".join(found).encode("utf-32-le", "surrogatepass"), dtype="<u4")
    member = np.zeros(0x110000, dtype=bool)
    member[codes] = True
    return member


@pytest.fixture(scope="module")
def lowercase_of():
    """For every code point: its lowercase when one code point (not Σ), else -1."""
    out = np.full(0x110000, -1, dtype=np.int64)
    for c in range(0x110000):
        low = chr(c).lower()
        if len(low) == 1 and c != 0x3A3:
            out[c] = ord(low)
    return out


@pytest.mark.parametrize("flags", FLAG_SETS)
def test_class_tables_equal_re_on_every_code_point(flags, lowercase_of):
    fl = re.compile(flags + "x").flags
    word = _members_from_re(r"\w", re.ASCII if fl & re.ASCII else re.UNICODE)
    single = lowercase_of >= 0
    for atom in ATOMS:
        member = _members_from_re(atom, fl)
        pattern = _hashing.Pattern(tp._class_bits(atom, fl), tp._word_bits(fl), 1, -1, 0, 0)
        np.testing.assert_array_equal(pattern.members(_hashing.SET_CLASS), member, err_msg=atom)
        np.testing.assert_array_equal(pattern.members(_hashing.SET_WORD), word)
        lowered = np.zeros(0x110000, dtype=bool)
        lowered[single] = member[lowercase_of[single]]
        np.testing.assert_array_equal(pattern.members(_hashing.SET_LOWER_CLASS), lowered)
        lowered_word = np.zeros(0x110000, dtype=bool)
        lowered_word[single] = word[lowercase_of[single]]
        np.testing.assert_array_equal(pattern.members(_hashing.SET_LOWER_WORD), lowered_word)
        np.testing.assert_array_equal(pattern.members(_hashing.SET_LOWER_COMPLEX), ~single)


def test_case_folding_subtleties_are_in_the_tables():
    r"""(?i)[a-z] holds U+212A KELVIN SIGN, U+017F LONG S and the dotted and dotless I
    (U+0130, U+0131) under Unicode, not under ASCII."""
    uni = _hashing.Pattern(
        tp._class_bits("[a-z]", re.I | re.U), tp._word_bits(re.U), 1, -1, 0, 0
    ).members(_hashing.SET_CLASS)
    asc = _hashing.Pattern(
        tp._class_bits("[a-z]", re.I | re.A), tp._word_bits(re.A), 1, -1, 0, 0
    ).members(_hashing.SET_CLASS)
    special = [0x130, 0x131, 0x17F, 0x212A]
    assert uni[special].all() and uni[ord("K")] and int(uni.sum()) == 56
    assert not asc[special].any() and asc[ord("K")] and int(asc.sum()) == 52


@pytest.mark.parametrize("flags", FLAG_SETS + ["(?u)", "(?m)", "(?ui)"])
def test_word_boundary_model(flags):
    r"""re's \b holds at q iff exactly one of text[q - 1], text[q] is \w of the pattern's
    mode (none outside the text), whatever the other flags. Over the string of every code
    point, the boundaries determine that predicate uniquely: they must equal the model's."""
    fl = re.compile(flags + "x").flags
    text = every_code_point()
    word = np.unpackbits(np.frombuffer(tp._word_bits(fl), dtype=np.uint8), bitorder="little")
    padded = np.concatenate([[0], word.astype(np.int8), [0]])
    model = np.flatnonzero(padded[1:] != padded[:-1])
    rx = re.compile(r"\b", fl)
    found = np.array([m.start() for m in rx.finditer(text)])
    np.testing.assert_array_equal(found, model)
    # next to a word and a non-word character, for a sample of code points
    for c in [*range(0x3000), *range(0x1D400, 0x1D420), 0x212A, 0xD800, 0x10FFFF]:
        for left in ("a", " "):
            at_1 = any(m.start() == 1 for m in rx.finditer(left + chr(c)))
            assert at_1 == ((left == "a") != bool(word[c])), (flags, hex(c), left)


# --------------------------------------------------------------------------- scanner

SCAN_ATOMS = [r"\w", "[a-z]", r"\S", r"\W", ".", r"\d", "[^a]", "k", r"\s", "[a-z_]"]
QUANTIFIERS = ["", "+", "*", "?", "{2,}", "{2,3}", "{0,2}", "{3}", "{0}", "{,2}", "{1,1}"]
ANCHORS = [("", ""), (r"\b", ""), ("", r"\b"), (r"\b", r"\b")]
RUNS_OF_ATOMS = [r"\w\w+", r"[a-z]?[a-z]+", r"\d\d?\d?", r"\S\S*\S", r"\b\w\w\w\b", r"..?"]
SCAN_PATTERNS = sorted(
    {f"{a}{atom}{q}{b}" for atom in SCAN_ATOMS for q in QUANTIFIERS for a, b in ANCHORS}
    | set(RUNS_OF_ATOMS)
)
ALPHABET = (
    list("abkszAKSZ019_ -.'")
    + ["\t", "\n", "\x00", "\x1c", "\u00a0", "\u3000", "\u2028"]
    + ["é", "e\u0301", "\u0301", "İ", "Σ", "σ", "ς", "ß", "ẞ", "ǅ", "\u212a", "ſ", "ﬁ"]
    + ["\u0345", "Ω", "ω", "Я", "я", "中", "٣", "²", "\U0001d400", "\U0001f600", "\U00010400"]
)


def _random_docs(seed, n):
    rng = random.Random(seed)
    docs = ["", " ", "a", "aa", "a b", "ab cd", "abcdefg", "K", "İİ", "ΣΑΣ Σ"]
    while len(docs) < n:
        docs.append("".join(rng.choice(ALPHABET) for _ in range(rng.randrange(0, 40))))
    return docs


def _features(text, pattern, lowercase, strip, general):
    opts = _hashing.Options(
        min_n=1,
        max_n=1,
        n_features=2**20,
        lowercase=lowercase,
        alternate_sign=True,
        binary=False,
        norm=_hashing.NORM_NONE,
        out_type=_hashing.OUT_F64,
        strip_accents={None: 0, "unicode": 1, "ascii": 2}[strip],
        paths=_hashing.PATHS_REFERENCE if general else _hashing.PATHS_FASTEST,
        pattern=pattern,
    )
    return _hashing.doc_features(text, opts)


@pytest.mark.parametrize("pattern", SCAN_PATTERNS)
def test_scanner_equals_re_findall(pattern):
    compiled = tp.compile_pattern(pattern)  # the general engine, even for \w+ or \S+
    rx = re.compile(pattern)
    docs = _random_docs(hash(pattern) & 0xFFFF, 60)
    for lowercase in (True, False):
        for strip in (None, "unicode", "ascii"):
            prep = SkHashingVectorizer(lowercase=lowercase, strip_accents=strip)
            preprocess = prep.build_preprocessor()
            for doc in docs:
                want = [t.encode("utf-8") for t in rx.findall(preprocess(doc))]
                for general in (False, True):
                    got = _features(doc, compiled, lowercase, strip, general)
                    assert got == want, (pattern, doc, lowercase, strip, general)


def test_both_scanners_are_used():
    kinds = {tp.compile_pattern(p).scanner for p in SCAN_PATTERNS}
    assert kinds == {_hashing.SCAN_RUNS, _hashing.SCAN_GENERAL}
    assert tp.token_scanner(r"(?u)\b[a-zA-Z]{2,}\b").scanner == _hashing.SCAN_RUNS
    assert tp.token_scanner(r"\b\S+\b").scanner == _hashing.SCAN_GENERAL
    assert tp.token_scanner(r"\w{2,3}").scanner == _hashing.SCAN_GENERAL


RUN_PATTERNS = [
    r"\b\w{3,}\b",  # C inside W, both anchors
    r"\b[a-z_]+",  # C inside W, anchor at the start
    r"\W+\b",  # C outside W, anchor at the end
    r"\b\W+",  # ... at the start: U+0307 of a lowercased U+0130 follows a word character
    r"[^\W\d_]+",
    r"(?i)\b[a-z]{2,}\b",  # K (U+212A) and long s (U+017F) are in C
    r"\d+",
    r"[^a]+",  # lone surrogates are in C: the token cannot be hashed
]


@pytest.mark.parametrize("pattern", RUN_PATTERNS)
def test_run_scanner_kernel_paths(pattern, monkeypatch):
    """The run scanner hashes tokens as they end, in batches of spans (AVX2) or one by one
    (baseline); code points its flat table does not describe (astral ones, lone
    surrogates, U+0130 and the capital sigma when lowercasing) take its general path
    between table runs, anchors judged on the lowered text. Both paths against
    scikit-learn, lowercased or not, on text of every width and on real multilingual text."""
    from _helpers import compare_on_kernel_paths

    from fasthash._corpus import multilingual_documents

    assert tp.token_scanner(pattern).scanner == _hashing.SCAN_RUNS
    docs = _random_docs(len(pattern), 300) + [
        "abİ İab aİb İİ xİ",  # U+0130 inside, before and after a run
        "ΑΣ ΣΑΣ' ΑΣa ΑΣ. x\U0001d400y \U0001d400\U0001d400 ab\U0001f600",
        "long " * 40 + "σ" * 70 + "İ" * 70,  # runs longer than a span
    ]
    docs += multilingual_documents()[:60]
    for lowercase in (True, False):
        compare_on_kernel_paths({"token_pattern": pattern, "lowercase": lowercase}, docs, monkeypatch)
    surrogates = ["ok ab", "x\ud800y z", "\udfff", "İ\udc00"]
    compare_on_kernel_paths({"token_pattern": pattern}, surrogates, monkeypatch)


@pytest.mark.parametrize(
    ("pattern", "doc", "tokens"),
    [
        (r"\b\w{3,5}\b", "abcdefg abc", ["abc"]),  # a 7-letter word matches nothing
        (r"\w{3,5}\b", "abcdefg", ["cdefg"]),  # the end anchor makes re move on
        (r"\w{2,3}", "abcdefg", ["abc", "def"]),
        (r"\w*", "ab  cd", ["ab", "", "", "cd", ""]),  # empty matches are tokens
        (r"\w?", "", [""]),
        (r"\b\w*", "", []),  # no boundary in an empty string
        (r"\b\w*\b", "a b", ["a", "", "b", ""]),
        (r"\b[a-z]+\b", "1abc abc_ abc", ["abc"]),
        (r"\b\S+\b", "(ab.cd)!", ["ab.cd"]),
        (r"(?i)[a-z]+", "K\u212aſ", ["kkſ"]),
        (r"\d+", "٣4²", ["٣4"]),
        (r"(?a)\d+", "٣4²", ["4"]),
        (r"(?a)\b\w+\b", "café x", ["caf", "x"]),
    ],
)
def test_scanner_examples(pattern, doc, tokens):
    assert re.findall(pattern, doc.lower()) == tokens
    for general in (False, True):
        got = _features(doc, tp.compile_pattern(pattern), True, None, general)
        assert got == [t.encode("utf-8") for t in tokens]


def _long_document(seed, n, alphabet):
    """About n code points with long runs of letters and of spaces (thousands to tens of
    thousands: past the core's blocks of 4096 and 65536 code units)."""
    rng = random.Random(seed)
    parts, size = [], 0
    while size < n:
        c = rng.choice(alphabet)
        length = (
            rng.choice([1, 1, 2, 3, 5, 5000, 70000])
            if rng.random() < 0.02
            else (rng.randrange(1, 8))
        )
        parts.append(
            c * length if length > 8 else "".join(rng.choice(alphabet) for _ in range(length))
        )
        size += length
    return "".join(parts)[:n]


@pytest.mark.parametrize(
    "pattern", [r"(?u)\b[a-zA-Z]{2,}\b", r"\b\w{3,5}\b", r"\w*", r"\b\S+\b", r"[^\W\d_]+"]
)
def test_long_documents_equal_re_findall(pattern):
    """Documents far longer than the scanners' blocks, with tokens and runs across block
    ends, in every kind of text, lowercased or not, accents stripped or not."""
    compiled = tp.token_scanner(pattern)
    compiled = compiled if isinstance(compiled, _hashing.Pattern) else tp.compile_pattern(pattern)
    rx = re.compile(pattern)
    alphabets = {
        "ascii": list("abcAZ19_ .-\t"),
        "latin1": list("abcAZ19_ .-\tÉé\xa0"),
        "ucs2": list("abcAZ19_ .-\tÉéİΣσ中\u3000"),
        "ucs4": list("abcAZ19_ .-\tÉé\U0001d400\U0001f600"),
    }
    for k, (name, alphabet) in enumerate(alphabets.items()):
        doc = _long_document(k, 150_000 if name == "ascii" else 40_000, alphabet)
        for lowercase, strip in [(True, None), (False, None), (True, "unicode")]:
            preprocess = SkHashingVectorizer(lowercase=lowercase, strip_accents=strip)
            want = [t.encode("utf-8") for t in rx.findall(preprocess.build_preprocessor()(doc))]
            for general in (False, True):
                got = _features(doc, compiled, lowercase, strip, general)
                assert got == want, (pattern, name, lowercase, strip, general)


@pytest.mark.parametrize("pattern", [r"\b\S{2,}", r"[^a]+", r".*", r"\W", r"(?s).{1,3}", r"\w+"])
def test_lone_surrogates_in_tokens_fail_as_in_scikit_learn(pattern):
    """A token holding a lone surrogate cannot be hashed: scikit-learn raises
    UnicodeEncodeError; fasthash raises the same error (or matches its output when the
    pattern never lets a surrogate into a token)."""
    docs = ["ok fine", "x\ud800y z", "\udfff"]
    params = {"token_pattern": pattern, "ngram_range": (1, 2)}
    try:
        expected = SkHashingVectorizer(**params).transform(docs)
    except UnicodeEncodeError as exc:
        with pytest.raises(UnicodeEncodeError) as info:
            FhHashingVectorizer(**params).transform(docs)
        assert info.value.args == exc.args
    else:
        got = FhHashingVectorizer(**params).transform(docs)
        assert (got != expected).nnz == 0
