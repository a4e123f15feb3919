/* Authors: The fasthash developers
 * SPDX-License-Identifier: BSD-3-Clause
 *
 * Text prepared for scikit-learn's character analyzers ('char', 'char_wb'): lowercased
 * (full case mapping incl. final sigma) when asked, whitespace runs of two or more
 * characters collapsed to one ASCII space (re.sub(r"\s\s+", " ", text)), then UTF-8 encoded
 * with the byte offset of every code point, so that every character n-gram is a contiguous
 * byte slice. */
#pragma once
#include <stdint.h>

#include "fh_status.h"
#include "fh_tokenize.h"

typedef struct {
    int64_t n;       /* code points of the prepared text */
    int ascii;       /* every code point < 0x80: offsets are the identity (off unused) */
    uint8_t *u8;     /* UTF-8 (a lone surrogate is written as 3 bytes; see sur); when
                        ascii, 8 readable bytes follow the text (fh_murmur3_32_short) */
    int64_t cap_u8;
    int64_t *off;    /* n + 1 byte offsets (unless ascii) */
    int64_t cap_off;
    int64_t *sur;    /* n + 1 prefix counts of lone surrogates; NULL-free only if has_sur */
    int64_t cap_sur;
    int has_sur;     /* the text holds a lone surrogate */
    uint32_t *cp;    /* scratch: code points */
    int64_t cap_cp;
    uint32_t *cp2;   /* scratch: code points after accent stripping */
    int64_t cap_cp2;
    uint8_t *pad;    /* scratch: a padded char_wb word */
    int64_t cap_pad;
    int64_t *poff;   /* scratch: its offsets */
    int64_t cap_poff;
    uint32_t *woff;  /* scratch: code-point byte offsets of a joined wide text (char_wb) */
    int64_t cap_woff;
    uint8_t *wsp;    /* scratch: 1 where its code point is a space */
    int64_t cap_wsp;
    fh_cancel *cancel; /* set by the caller (may be NULL): polled in long documents */
} fh_charbuf;

void fh_charbuf_init(fh_charbuf *cb);
void fh_charbuf_free(fh_charbuf *cb);

/* Prepare doc (kind 1, 2 or 4) into cb: lowercase (if asked), strip accents (strip: 0
 * none, 1 'unicode', 2 'ascii'), collapse whitespace. Reentrant with per-thread cb.
 * Returns FH_OK, FH_ERR_NOMEM or FH_ERR_CANCELLED (cb->cancel, polled every FH_POLL_ITEMS
 * code points). O(doc length). */
fh_status fh_char_text(const fh_text *doc, int lowercase, int strip, fh_charbuf *cb);

/* Byte offset of code point i (0 <= i <= cb->n). */
static inline int64_t fh_char_off(const fh_charbuf *cb, int64_t i)
{
    return cb->ascii ? i : cb->off[i];
}

/* Number of lone surrogates among code points [a, b) (0 <= a <= b <= cb->n). */
static inline int64_t fh_char_surrogates(const fh_charbuf *cb, int64_t a, int64_t b)
{
    return cb->has_sur ? cb->sur[b] - cb->sur[a] : 0;
}

/* Nonzero iff code point i of the prepared text is whitespace (str.isspace). */
int fh_char_is_space(const fh_charbuf *cb, int64_t i);
