# Authors: The fasthash developers
# SPDX-License-Identifier: BSD-3-Clause
"""Generate the C Unicode tables of fasthash from the *running* interpreter.

Run by the build (meson) with the interpreter the extension is built for, so the tables
equal that interpreter's ``str.lower``, ``str.isalnum`` and ``str.isspace`` exactly.
``tests/unit/test_unicode_tables.py`` re-checks every code point against the interpreter
that runs the tests.

Per code point the table holds:

* ``FH_U_WORD``   -- ``c.isalnum() or c == "_"`` (what ``re``'s ``\\w`` matches);
* ``FH_U_SPACE``  -- ``c.isspace()`` (what ``re``'s ``\\s`` matches);
* ``FH_U_CASED`` / ``FH_U_CASE_IGNORABLE`` -- the two properties CPython's ``str.lower``
  consults for the final-sigma rule, recovered by probing ``str.lower`` itself;
* the full lowercase mapping of ``c`` (one to three code points), and, when it is one
  code point, that code point's flags (bits 4-7 of ``flags``).

For the word tokenizer's hot loop it also emits two flat tables over the Basic Multilingual
Plane, ``fh_u_flat_lower`` and ``fh_u_flat_keep`` (see ``flat_entry``): one load per code
point gives the UTF-8 bytes of the character (lowercased, or kept) and their token classes.

Usage: ``python gen_unicode_tables.py OUTPUT.h``
"""

import sys
import unicodedata

N_CODEPOINTS = 0x110000
BLOCK = 256

FH_U_WORD = 1
FH_U_SPACE = 2
FH_U_CASED = 4
FH_U_CASE_IGNORABLE = 8

# Flat BMP entries (uint32): bits 0-23 the UTF-8 bytes of one code point, first byte lowest
# (a little-endian store writes them in order); bits 30-31 their number (1 to 3, a shift
# away); between them the classes of that code point. A character the entry cannot
# describe is FH_UF_SPECIAL alone: no class bit, so the class test sends it elsewhere.
FH_UF_LEN_SHIFT = 30
FH_UF_WORD = 1 << 24  # \w
FH_UF_NONSPACE = 1 << 25  # \S
FH_UF_SPECIAL = 1 << 26  # not one plain code point: take the general path


def properties(cp):
    """Return ``(flags, lower)`` for one code point, from the running interpreter."""
    c = chr(cp)
    flags = 0
    if c.isalnum() or c == "_":
        flags |= FH_U_WORD
    if c.isspace():
        flags |= FH_U_SPACE
    # CPython lowers U+03A3 to final sigma iff the nearest preceding character that is not
    # case-ignorable is cased (and no cased character follows past case-ignorable ones).
    # "c" + SIGMA is final iff c is cased and not case-ignorable; "A" + c + SIGMA is final
    # iff c is case-ignorable or cased.  Cased-ness of a case-ignorable char never matters.
    if (c + "\u03a3").lower()[-1] == "\u03c2":
        flags |= FH_U_CASED
    elif ("A" + c + "\u03a3").lower()[-1] == "\u03c2":
        flags |= FH_U_CASE_IGNORABLE
    lower = tuple(ord(x) for x in c.lower())
    return flags, lower


def two_stage(values):
    """Compress one value per code point into (stage1, stage2): stage1[cp >> 8] is a block
    number, stage2[block * 256 + (cp & 255)] the value; identical blocks are stored once."""
    stage1, stage2, blocks = [], [], {}
    for block_start in range(0, N_CODEPOINTS, BLOCK):
        block = tuple(values[block_start : block_start + BLOCK])
        if block not in blocks:
            blocks[block] = len(stage2) // BLOCK
            stage2.extend(block)
        stage1.append(blocks[block])
    assert len(stage2) // BLOCK < 65536
    return stage1, stage2


def build():
    records = {}
    record_list = []
    lower_ext = []
    ext_index = {}
    values = []
    for cp in range(N_CODEPOINTS):
        flags, lower = properties(cp)
        if len(lower) == 1:
            # flags of the lowercased character too: one lookup per code point in the
            # lowercasing tokenizer
            lflags = properties(lower[0])[0] if lower[0] != cp else flags
            key = (flags | (lflags << 4), 1, lower[0] - cp)
        else:
            # the word tokenizer's astral path assumes one code point
            assert cp < 0x10000, hex(cp)
            if lower not in ext_index:
                ext_index[lower] = len(lower_ext)
                lower_ext.extend(lower)
            key = (flags, len(lower), ext_index[lower])  # lowered flags: per output
        if key not in records:
            records[key] = len(record_list)
            record_list.append(key)
        values.append(records[key])
    assert len(record_list) < 65536
    stage1, stage2 = two_stage(values)
    return stage1, stage2, record_list, lower_ext


def flat_entry(cp, lowercase):
    """The flat-table entry of BMP code point ``cp``: the UTF-8 bytes and classes of
    ``chr(cp).lower()`` (lowercase) or of ``chr(cp)``. Special (general path): a lowercase
    mapping longer than one code point (U+0130), the capital sigma (final or not by
    context) and the surrogates (a token holding one must fail when hashed)."""
    c = chr(cp)
    out = c.lower() if lowercase else c
    if len(out) != 1 or (lowercase and cp == 0x3A3) or 0xD800 <= cp <= 0xDFFF:
        return FH_UF_SPECIAL
    b = out.encode("utf-8")
    assert len(b) <= 3
    entry = int.from_bytes(b, "little") | (len(b) << FH_UF_LEN_SHIFT)
    if out.isalnum() or out == "_":
        entry |= FH_UF_WORD
    if not out.isspace():
        entry |= FH_UF_NONSPACE
    return entry


def max_lower_utf8(limit):
    """Most UTF-8 bytes ``chr(cp).lower()`` takes for any cp < limit (buffer bounds)."""
    return max(len(chr(cp).lower().encode("utf-8", "surrogatepass")) for cp in range(limit))


def strip_unicode(c):
    """scikit-learn's strip_accents_unicode on one character (NFKD, minus combining marks).

    Dropping every combining mark makes NFKD's canonical reordering irrelevant, so this
    per-character mapping, applied to each character of a string, equals the function on
    the string (tests/unit/test_unicode_tables.py checks it)."""
    return "".join(x for x in unicodedata.normalize("NFKD", c) if not unicodedata.combining(x))


def strip_ascii(c):
    """scikit-learn's strip_accents_ascii on one character (NFKD, ASCII only)."""
    return unicodedata.normalize("NFKD", c).encode("ASCII", "ignore").decode("ASCII")


def build_strip(func, default):
    """Two-stage table: code point -> index into (offsets, pool) of its mapping; 0 means
    the default (``default(cp)``)."""
    pool, offsets = [], [0, 0]  # entry 0: the default mapping
    index = {}
    values = []
    for cp in range(N_CODEPOINTS):
        mapped = func(chr(cp))
        if mapped == default(cp):
            values.append(0)
            continue
        if mapped not in index:
            index[mapped] = len(offsets) - 1
            pool.extend(ord(x) for x in mapped)
            offsets.append(len(pool))
        values.append(index[mapped])
    assert len(offsets) < 65536
    stage1, stage2 = two_stage(values)
    return stage1, stage2, offsets, pool or [0]


def emit_array(out, ctype, name, values, per_line=16):
    out.append(f"static const {ctype} {name}[{len(values)}] = {{")
    for i in range(0, len(values), per_line):
        out.append("    " + ", ".join(str(v) for v in values[i : i + per_line]) + ",")
    out.append("};")


def main(path):
    stage1, stage2, records, lower_ext = build()
    out = [
        "/* Generated by tools/gen_unicode_tables.py -- do not edit.",
        f" * Python {sys.version.split()[0]}, Unicode {unicodedata.unidata_version}. */",
        "#pragma once",
        "#include <stdint.h>",
        f'#define FH_UNICODE_VERSION "{unicodedata.unidata_version}"',
        f"#define FH_U_WORD {FH_U_WORD}",
        f"#define FH_U_SPACE {FH_U_SPACE}",
        f"#define FH_U_CASED {FH_U_CASED}",
        f"#define FH_U_CASE_IGNORABLE {FH_U_CASE_IGNORABLE}",
        f"#define FH_U_BLOCK_SHIFT {BLOCK.bit_length() - 1}",
        f"#define FH_U_MAX_LOWER_UTF8_1 {max_lower_utf8(0x100)}",
        f"#define FH_U_MAX_LOWER_UTF8_2 {max_lower_utf8(0x10000)}",
        f"#define FH_U_MAX_LOWER_UTF8_4 {max_lower_utf8(N_CODEPOINTS)}",
        "typedef struct { int32_t lower; uint8_t flags; uint8_t nlower; } fh_u_record;",
    ]
    emit_array(out, "uint16_t", "fh_u_stage1", stage1)
    # The record index fits a byte on every Unicode version so far; widen only if needed.
    emit_array(out, "uint8_t" if len(records) < 256 else "uint16_t", "fh_u_stage2", stage2)
    out.append(f"static const fh_u_record fh_u_records[{len(records)}] = {{")
    for flags, nlower, value in records:
        out.append(f"    {{{value}, {flags}, {nlower}}},")
    out.append("};")
    emit_array(out, "uint32_t", "fh_u_lower_ext", lower_ext or [0])
    out += [
        f"#define FH_UF_LEN_SHIFT {FH_UF_LEN_SHIFT}",
        f"#define FH_UF_WORD {FH_UF_WORD}u",
        f"#define FH_UF_NONSPACE {FH_UF_NONSPACE}u",
        f"#define FH_UF_SPECIAL {FH_UF_SPECIAL}u",
    ]
    for name, lowercase in (("lower", True), ("keep", False)):
        flat = [flat_entry(cp, lowercase) for cp in range(0x10000)]
        emit_array(out, "uint32_t", f"fh_u_flat_{name}", flat, per_line=8)
    # ASCII fast path: the byte itself (or its lowercase) if it is a word character, else 0.
    word = [cp if chr(cp).isalnum() or cp == 0x5F else 0 for cp in range(128)] + [0] * 128
    word_lower = [ord(chr(c).lower()) if c else 0 for c in word]
    emit_array(out, "uint8_t", "fh_ascii_word", word)
    emit_array(out, "uint8_t", "fh_ascii_word_lower", word_lower)
    # accent stripping (strip_accents='unicode' / 'ascii'), applied after lowercasing
    for name, func, default in (
        ("unicode", strip_unicode, chr),
        ("ascii", strip_ascii, lambda cp: chr(cp) if cp < 128 else ""),
    ):
        s1, s2, offs, pool = build_strip(func, lambda cp, d=default: d(cp))
        longest = max(offs[i + 1] - offs[i] for i in range(len(offs) - 1))
        out.append(f"#define FH_STRIP_{name.upper()}_MAX {max(longest, 1)}")
        emit_array(out, "uint16_t", f"fh_strip_{name}_stage1", s1)
        emit_array(out, "uint16_t", f"fh_strip_{name}_stage2", s2)
        emit_array(out, "uint32_t", f"fh_strip_{name}_off", offs)
        emit_array(out, "uint32_t", f"fh_strip_{name}_pool", pool)
    with open(path, "w", encoding="ascii") as fh:
        fh.write("\n".join(out) + "\n")


if __name__ == "__main__":
    main(sys.argv[1])
