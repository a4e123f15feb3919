/* Authors: The fasthash developers
 * SPDX-License-Identifier: BSD-3-Clause
 *
 * UTF-8 text (FH_KIND_UTF8 views): validated exactly as Python's strict "utf-8" codec
 * decodes (bytes.decode("utf-8")), and decoded into the narrowest PEP 393 kind, so that
 * every analyzer reads a UTF-8 document as it reads the str Python would have decoded. */
#pragma once
#include <stdint.h>

#include "fh_cancel.h"
#include "fh_status.h"
#include "fh_tokenize.h"

/* What fh_utf8_check learned about a UTF-8 text. */
typedef struct {
    int64_t n_cp;     /* code points (valid text) */
    int64_t error_at; /* the first invalid sequence's first byte (Python's
                         UnicodeDecodeError.start), or -1 when the text is valid */
    int32_t kind;     /* valid text: the narrowest kind holding every code point,
                         FH_KIND_UCS1, FH_KIND_UCS2 or FH_KIND_UCS4 (as PEP 393) */
    int32_t ascii;    /* valid text: every byte < 0x80 */
} fh_utf8_info;

/* Check the n bytes at s (may be NULL when n == 0) as Python's strict "utf-8" codec does:
 * shortest forms only (no C0, C1, E0 80..9F, F0 80..8F leads), no surrogates (ED A0..BF),
 * nothing above U+10FFFF (F4 90.., F5..FF), no stray continuation byte, no sequence cut
 * short. A byte order mark is a character (U+FEFF), as for that codec. Fills *info.
 * Returns FH_OK (valid), FH_ERR_DECODE (info->error_at set) or FH_ERR_CANCELLED (cancel,
 * may be NULL, polled every FH_POLL_ITEMS bytes). Pure, thread-safe. O(n). */
fh_status fh_utf8_check(const uint8_t *s, int64_t n, fh_cancel *cancel, fh_utf8_info *info);

/* Scratch of fh_text_decode: the decoded code units (grown with realloc). */
typedef struct {
    void *data;
    int64_t cap; /* bytes */
} fh_decodebuf;

void fh_decodebuf_init(fh_decodebuf *db);
void fh_decodebuf_free(fh_decodebuf *db);

/* A view *out of text t that every analyzer reads (kind FH_KIND_UCS1, UCS2 or UCS4, or t's
 * own FH_KIND_BYTES): t itself unless t->kind is FH_KIND_UTF8; a UTF-8 text is validated
 * (fh_utf8_check: the text Python would decode), then viewed in place as FH_KIND_UCS1 when
 * it is all ASCII (t->ascii set, or checked), or decoded into db as the narrowest kind
 * (out points into db until its next use). *error_at is the first invalid byte on
 * FH_ERR_DECODE, else -1. Returns FH_OK, FH_ERR_DECODE, FH_ERR_NOMEM or FH_ERR_CANCELLED
 * (cancel, may be NULL, polled every FH_POLL_ITEMS bytes). Reentrant with per-thread db.
 * O(t->len). */
fh_status fh_text_decode(const fh_text *t, fh_decodebuf *db, fh_cancel *cancel, fh_text *out,
                         int64_t *error_at);

/* Nonzero iff every byte of s[0 .. n) is < 0x80. Pure, O(n). */
int fh_is_ascii(const uint8_t *s, int64_t n);
