/* Authors: The fasthash developers
 * SPDX-License-Identifier: BSD-3-Clause
 *
 * Token patterns of a regular subset, scanned as re.findall scans them.
 *
 * A pattern is  \b? C{m,n} \b?  : one character class C (any set of code points, given as
 * a bitmap), a greedy quantifier (0 <= m <= n, n possibly unbounded), and optional word
 * boundaries at either end, where "word character" is a second set W (the \w of the
 * pattern's mode, as re's \b sees it). The caller computes both sets (the Python layer
 * runs re itself over every code point), so class membership is exact by construction;
 * this module reproduces re.findall's matching on top of them: greedy backtracking of the
 * quantifier against the end anchor, the left-to-right search, and the empty matches of
 * m == 0 (an empty match may follow a non-empty one at the same position, never another
 * empty one). */
#pragma once
#include <stdint.h>

#include "fh_status.h"
#include "fh_tokenize.h"

#define FH_CHARSET_BYTES (0x110000 / 8) /* a bitmap over every code point */

/* What fh_pattern_new needs. The bitmaps hold FH_CHARSET_BYTES bytes each, code point c
 * at bit (c & 7) of byte c >> 3; they are copied. */
typedef struct {
    const uint8_t *class_bits; /* C */
    const uint8_t *word_bits;  /* W: \b holds at q iff W(text[q - 1]) != W(text[q]),
                                  with no word character outside the text */
    int64_t min_count;         /* m >= 0 */
    int64_t max_count;         /* n >= m, or -1 for unbounded */
    int32_t bound_start;       /* \b before C{m,n} */
    int32_t bound_end;         /* \b after it */
} fh_pattern_spec;

typedef struct fh_pattern fh_pattern;

/* The scanners a pattern may use (fh_pattern_scanner). */
enum {
    FH_SCAN_RUNS = 0,   /* maximal runs of C of >= m characters, each kept or not by the
                           anchors at its two ends (m >= 1, n unbounded, and C inside W or
                           outside it, so that no \b falls inside a run) */
    FH_SCAN_GENERAL = 1 /* position by position, as re's search does (any pattern) */
};

/* Build a pattern from spec into *out (owned by the caller: fh_pattern_free). Returns
 * FH_OK, FH_ERR_NOMEM, or FH_ERR_BADARG (NULL bitmaps, m < 0, n < m and not -1).
 * O(0x110000 / 64), plus two flat tables of the BMP (512 KiB) for FH_SCAN_RUNS. The result is immutable and may be shared by threads. */
fh_status fh_pattern_new(const fh_pattern_spec *spec, fh_pattern **out);
void fh_pattern_free(fh_pattern *pattern);

/* FH_SCAN_* of the scanner fh_pattern_tokens uses (unless told to use the general one). */
int fh_pattern_scanner(const fh_pattern *pattern);

/* The sets a pattern holds, for fh_pattern_has. */
enum {
    FH_SET_CLASS = 0,         /* C */
    FH_SET_WORD = 1,          /* W */
    FH_SET_LOWER_CLASS = 2,   /* code points lowercasing to one code point, in C */
    FH_SET_LOWER_WORD = 3,    /* code points lowercasing to one code point, in W */
    FH_SET_LOWER_COMPLEX = 4  /* code points lowercasing to several, or by context (sigma) */
};

/* Nonzero iff cp is in the pattern's set `which` (FH_SET_*); 0 for cp >= 0x110000. */
int fh_pattern_has(const fh_pattern *pattern, int which, uint32_t cp);

/* scikit-learn's word tokens for a token pattern: re.findall(pattern, doc) after
 * str.lower() (full case mapping incl. final sigma) when lowercase is nonzero and accent
 * stripping (strip: 0 none, 1 'unicode', 2 'ascii'), minus the words in stop (may be
 * NULL), as fh_word_tokens gives them (tb's tokens, FH_SP_* bits; a token holding a lone
 * surrogate is written in its 3-byte form and flagged). Empty matches are empty tokens.
 * general: use the general scanner whatever the pattern (tests compare the two).
 * doc->kind must be 1, 2 or 4. Reentrant (tb is per-thread scratch). Returns FH_OK,
 * FH_ERR_NOMEM, FH_ERR_BADARG (bad kind), FH_ERR_ENCODE (tb->hash_only and a kept token
 * holds a lone surrogate) or FH_ERR_CANCELLED (tb->cancel, polled at least every
 * FH_POLL_ITEMS code units). O(doc length). Beyond the tokens themselves (their UTF-8 in
 * tb->buf, or a lowercased copy of ASCII text) the scratch is bounded: the text is read in
 * blocks, and text that must be prepared first (accents stripped, or for the general
 * scanner a code point lowercasing to several) is prepared a block at a time. */
fh_status fh_pattern_tokens(const fh_text *doc, int lowercase, int strip,
                            const fh_pattern *pattern, const fh_stopset *stop, int general,
                            fh_tokbuf *tb);
