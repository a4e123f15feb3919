# Authors: The fasthash developers
# SPDX-License-Identifier: BSD-3-Clause
r"""Token patterns the C core scans: a regular subset of ``re``, recognised exactly.

The subset is ``\b? C{m,n} \b?`` after leading inline flags (``(?aimsux)``): one
single-character atom ``C`` (a character class ``[...]``, ``\w \d \s`` and their negations,
``.``, or a literal character, plain or escaped), repeated greedily (``+ * ?``, ``{m}``,
``{m,}``, ``{,n}``, ``{m,n}``; a run of atoms with the same members, as in ``\w\w+``, adds
up its counts), with an optional word boundary ``\b`` at either end.

A small parser of our own reads the pattern; anything it does not fully understand
(groups, alternation, other anchors, lazy or possessive repeats, nested sets, ...) is left
to scikit-learn's Python analysis. What the atom and ``\b`` *mean* is never re-implemented:
``re`` itself is run, with the pattern's flags, over a string of every code point
(surrogates included), and the core receives the atom's members as a bitmap, with the
word characters of ``\b`` (``\w`` of the pattern's mode, found the same way). The core
reproduces ``re.findall``'s matching on top of them.
"""

import functools
import re

import numpy as np

from fasthash._lib import _hashing

__all__ = ["compile_pattern", "token_scanner"]

_N_CODE_POINTS = 0x110000
_FLAG_GROUP = re.compile(r"\(\?([aiLmsux]+)\)")
_REPEAT = re.compile(r"\{([0-9]*)(,?)([0-9]*)\}")
_SPECIAL = frozenset(".^$*+?{}[]\\|()")
_VERBOSE_SPACE = frozenset(" \t\n\r\v\f")  # what re's verbose mode skips
_HEX = frozenset("0123456789abcdefABCDEF")
_OCTAL = frozenset("01234567")
_BOUND = object()


def _skip_verbose(pattern, pos):
    """Position after the whitespace and comments verbose mode ignores at ``pos``."""
    n = len(pattern)
    while pos < n:
        c = pattern[pos]
        if c in _VERBOSE_SPACE:
            pos += 1
        elif c == "#":
            end = pattern.find("\n", pos)
            pos = n if end < 0 else end + 1
        else:
            break
    return pos


def _escape_end(pattern, pos):
    """End of the one-character escape at ``pos`` (outside a set), or None."""
    n = len(pattern)
    if pos + 1 >= n:
        return None
    e = pattern[pos + 1]
    if e in "dDsSwWafnrtv\\":
        return pos + 2
    if e in "xuU":
        width = {"x": 2, "u": 4, "U": 8}[e]
        digits = pattern[pos + 2 : pos + 2 + width]
        return pos + 2 + width if len(digits) == width and set(digits) <= _HEX else None
    if e == "N":
        end = pattern.find("}", pos)
        return end + 1 if pattern.startswith("{", pos + 2) and end > 0 else None
    if e == "0":
        end = pos + 2
        while end < min(n, pos + 4) and pattern[end] in _OCTAL:
            end += 1
        return end
    if e.isascii() and e.isalnum():
        return None  # back references, other anchors, unknown escapes (re's errors)
    return pos + 2  # an escaped punctuation or non-ASCII character: itself


def _set_end(pattern, pos):
    """End of the character set ``[...]`` at ``pos``, or None.

    Refused: sets re warns about (FutureWarning: a nested set or POSIX class, doubled
    ``- & ~ |``), so that recognising a pattern never warns where scikit-learn's compile
    did not.
    """
    n = len(pattern)
    i = pos + 1
    if i < n and pattern[i] == "^":
        i += 1
    first = True  # a "]" first in the set is a member
    while i < n:
        c = pattern[i]
        if c == "]" and not first:
            return i + 1
        if c == "[":
            return None
        if c == "\\":
            i += 2
        elif c in "-&~|" and i + 1 < n and pattern[i + 1] == c:
            return None
        else:
            i += 1
        first = False
    return None


def _parse(pattern):
    """``(flags text, items)`` of a pattern in the subset, else None.

    Items are ``_BOUND`` or ``(atom source, min, max)`` with max None when unbounded.
    """
    pos = 0
    flags = ""
    while (m := _FLAG_GROUP.match(pattern, pos)) is not None:
        flags += m.group(1)
        pos = m.end()
    if "L" in flags:
        return None
    verbose = "x" in flags
    n = len(pattern)
    items = []
    while True:
        if verbose:
            pos = _skip_verbose(pattern, pos)
        if pos >= n:
            break
        c = pattern[pos]
        if c == "\\" and pattern.startswith("\\b", pos):
            items.append(_BOUND)
            pos += 2
            continue
        if c == "\\":
            end = _escape_end(pattern, pos)
        elif c == "[":
            end = _set_end(pattern, pos)
        elif c == "." or c not in _SPECIAL:
            end = pos + 1
        else:
            end = None  # groups, alternation, ^ $, a quantifier with nothing to repeat
        if end is None:
            return None
        atom = pattern[pos:end]
        pos = _skip_verbose(pattern, end) if verbose else end
        lo, hi = 1, 1
        if pos < n and pattern[pos] in "*+?{":
            if pattern[pos] == "{":
                m = _REPEAT.match(pattern, pos)
                if m is None or not (m.group(1) or m.group(2)):
                    return None  # re reads these braces as literal characters
                lo = int(m.group(1) or 0)
                hi = int(m.group(3)) if m.group(3) else (None if m.group(2) else lo)
                pos = m.end()
            else:
                lo, hi = {"*": (0, None), "+": (1, None), "?": (0, 1)}[pattern[pos]]
                pos += 1
            if pos < n and pattern[pos] in "?+":
                return None  # lazy or possessive
        items.append((atom, lo, hi))
    return flags, items


def _every_code_point():
    """A str holding every code point once, in order (lone surrogates included)."""
    codes = np.arange(_N_CODE_POINTS, dtype="<u4").tobytes()
    return codes.decode("utf-32-le", "surrogatepass")


def _bits(member):
    """A bool array over every code point as the core's bitmap (bit c & 7 of byte c >> 3)."""
    return np.packbits(member, bitorder="little").tobytes()


@functools.lru_cache(maxsize=32)
def _class_bits(atom, flags):
    """The members of a one-character atom, from re itself: a bitmap."""
    marks = np.zeros(_N_CODE_POINTS + 1, dtype=np.int8)
    for m in re.compile(f"(?:{atom})+", flags).finditer(_every_code_point()):
        marks[m.start()] += 1
        marks[m.end()] -= 1
    return _bits(np.cumsum(marks[:-1], dtype=np.int8) > 0)


def _word_bits(flags):
    r"""The word characters of ``\b`` under ``flags``: a bitmap.

    re's ``\b`` holds at position q iff exactly one of the characters at q - 1 and q is a
    word character (none outside the string), where a word character is ``\w`` of the
    pattern's mode: ASCII under ``re.ASCII``, else Unicode; ``re.IGNORECASE`` plays no
    part (tests/unit/test_token_patterns.py checks this over every code point and flag).
    """
    return _class_bits(r"\w", re.ASCII if flags & re.ASCII else re.UNICODE)


def _parts(token_pattern):
    """``(flags, atoms, \\b first, \\b last)`` of a pattern of the subset's shape, else
    None; ``atoms`` is a list of ``(atom, min, max or None)``."""
    if not isinstance(token_pattern, str):
        return None
    parsed = _parse(token_pattern)
    if parsed is None:
        return None
    try:
        compiled = re.compile(token_pattern)
    except (re.error, OverflowError, ValueError):
        return None  # scikit-learn raises its error when it compiles the pattern
    _, items = parsed
    bound_start = bool(items) and items[0] is _BOUND
    bound_end = len(items) > 1 and items[-1] is _BOUND
    atoms = items[bound_start : len(items) - bound_end]
    if not atoms or any(item is _BOUND for item in atoms):
        return None
    return compiled.flags, atoms, bound_start, bound_end


def _repeats(atoms):
    """The fewest and most (None: no limit) characters a run of ``atoms`` matches."""
    lo = sum(item[1] for item in atoms)
    hi = None if any(item[2] is None for item in atoms) else sum(item[2] for item in atoms)
    return lo, hi


def _spec(token_pattern):
    """``(class bits, word bits, min, max or None, \\b first, \\b last)`` of a pattern
    in the subset, else None."""
    parts = _parts(token_pattern)
    if parts is None:
        return None
    flags, atoms, bound_start, bound_end = parts
    bits = {_class_bits(atom, flags) for atom, _, _ in atoms}
    if len(bits) != 1:
        return None  # different classes one after the other
    lo, hi = _repeats(atoms)
    return bits.pop(), _word_bits(flags), lo, hi, bound_start, bound_end


def _unicode_word_runs(token_pattern):
    r"""The built-in scanner of runs of ``\w`` in Unicode mode (scikit-learn's default
    pattern and its spellings), told from the pattern's parse alone, else None.

    Its atoms and its ``\b`` are then all Unicode ``\w``, so the bitmaps that
    ``_builtin_scanner`` compares are the same without being computed: running ``re``
    over every code point takes about 30 ms, once per process, which was most of a first
    transform of a few MB. Under ``re.IGNORECASE`` or ``re.ASCII`` the bitmaps decide.
    """
    parts = _parts(token_pattern)
    if parts is None:
        return None
    flags, atoms, _, _ = parts
    if flags & (re.ASCII | re.IGNORECASE) or any(atom != r"\w" for atom, _, _ in atoms):
        return None
    lo, hi = _repeats(atoms)
    if hi is not None or lo not in (1, 2):
        return None
    return _hashing.TOKEN_WORD1 if lo == 1 else _hashing.TOKEN_WORD2


def compile_pattern(token_pattern):
    """The core's ``Pattern`` for ``token_pattern`` (in the subset), else None."""
    spec = _spec(token_pattern)
    if spec is None:
        return None
    class_bits, word_bits, lo, hi, bound_start, bound_end = spec
    return _hashing.Pattern(
        class_bits, word_bits, lo, -1 if hi is None else hi, bound_start, bound_end
    )


@functools.lru_cache(maxsize=16)  # a Pattern holds 100-700 kB of tables
def token_scanner(token_pattern):
    """How the core scans ``token_pattern``: a ``TOKEN_*`` scanner, a ``Pattern``, or None.

    None: outside the subset (or not a valid ``str`` pattern); scikit-learn's Python
    analysis applies. The built-in scanners (runs of Unicode word characters, of >= 1 or
    >= 2 of them; runs of non-whitespace) are chosen for every spelling with their exact
    meaning (compared as sets of code points).
    """
    builtin = _unicode_word_runs(token_pattern)
    if builtin is not None:
        return builtin
    spec = _spec(token_pattern)
    if spec is None:
        return None
    class_bits, word_bits, lo, hi, bound_start, bound_end = spec
    builtin = _builtin_scanner(class_bits, word_bits, lo, hi, bound_start or bound_end)
    if builtin is not None:
        return builtin
    return compile_pattern(token_pattern)


def _builtin_scanner(class_bits, word_bits, lo, hi, anchored):
    if hi is not None:
        return None
    unicode_word = _class_bits(r"\w", re.UNICODE)
    if class_bits == unicode_word == word_bits and lo in (1, 2):
        # runs of \w begin and end at word boundaries: anchors change nothing
        return _hashing.TOKEN_WORD1 if lo == 1 else _hashing.TOKEN_WORD2
    if class_bits == _class_bits(r"\S", re.UNICODE) and lo == 1 and not anchored:
        return _hashing.TOKEN_NONSPACE
    return None
