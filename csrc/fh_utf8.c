/* Authors: The fasthash developers
 * SPDX-License-Identifier: BSD-3-Clause */
#include "fh_utf8.h"

#include <stdlib.h>
#include <string.h>

#include "fh_buf.h"

/* Bytes checked or decoded between two polls of the cancellation token. */
#define FH_UTF8_BLOCK FH_POLL_ITEMS

static inline int is_cont(uint8_t c) { return (c & 0xC0) == 0x80; }

/* The length of the valid sequence starting with the non-ASCII byte s[0] (i + len <= n
 * bytes readable from s), or 0 if it is invalid. The second byte's range depends on the
 * lead (Unicode's Table 3-7, which CPython's decoder implements). */
static inline int seq_len(const uint8_t *s, int64_t avail)
{
    const uint8_t c = s[0];
    if (c < 0xC2)
        return 0; /* a continuation byte, or an overlong 2-byte lead */
    if (c < 0xE0)
        return avail >= 2 && is_cont(s[1]) ? 2 : 0;
    if (c < 0xF0) {
        const uint8_t lo = c == 0xE0 ? 0xA0 : 0x80, hi = c == 0xED ? 0x9F : 0xBF;
        return avail >= 3 && s[1] >= lo && s[1] <= hi && is_cont(s[2]) ? 3 : 0;
    }
    if (c < 0xF5) {
        const uint8_t lo = c == 0xF0 ? 0x90 : 0x80, hi = c == 0xF4 ? 0x8F : 0xBF;
        return avail >= 4 && s[1] >= lo && s[1] <= hi && is_cont(s[2]) && is_cont(s[3]) ? 4
                                                                                        : 0;
    }
    return 0;
}

#define FH_HIGH_BITS 0x8080808080808080ull

/* 8 bytes in the host's order: whether any has its high bit set does not depend on it. */
static inline uint64_t load8(const uint8_t *p)
{
    uint64_t v;
    memcpy(&v, p, sizeof v);
    return v;
}

/* The end of the run of ASCII bytes starting at s[i] within s[0..end): the first byte >= 0x80
 * at or after i, or end. 32 bytes a step (four 8-byte words OR-ed: a short dependency chain
 * compilers turn into vector code), then 8; fewer than 8 bytes left are tested at once as
 * the 8-byte word ending at `end` (it reads again bytes before i; if one of those is not
 * ASCII, the byte loop decides). A text of n ASCII bytes costs about n / 8 instructions. */
static inline int64_t ascii_run_end(const uint8_t *s, int64_t i, int64_t end)
{
    while (i + 32 <= end && ((load8(s + i) | load8(s + i + 8) |
                              load8(s + i + 16) | load8(s + i + 24)) &
                             FH_HIGH_BITS) == 0)
        i += 32;
    while (i + 8 <= end && (load8(s + i) & FH_HIGH_BITS) == 0)
        i += 8;
    if (i < end && i + 8 > end && end >= 8 && (load8(s + end - 8) & FH_HIGH_BITS) == 0)
        return end;
    while (i < end && s[i] < 0x80)
        i++;
    return i;
}

int fh_is_ascii(const uint8_t *s, int64_t n) { return ascii_run_end(s, 0, n) == n; }

fh_status fh_utf8_check(const uint8_t *s, int64_t n, fh_cancel *cancel, fh_utf8_info *info)
{
    int64_t i = 0, cont = 0;
    uint8_t max_lead = 0;
    info->n_cp = 0;
    info->error_at = -1;
    info->kind = FH_KIND_UCS1;
    info->ascii = 1;
    while (i < n) {
        if (i > 0 && fh_cancel_poll(cancel))
            return FH_ERR_CANCELLED;
        const int64_t end = n - i < FH_UTF8_BLOCK ? n : i + FH_UTF8_BLOCK;
        while (i < end) {
            if (s[i] < 0x80) {
                i = ascii_run_end(s, i, end);
                continue;
            }
            int len = seq_len(s + i, n - i);
            if (len == 0) {
                info->error_at = i;
                return FH_ERR_DECODE;
            }
            max_lead = s[i] > max_lead ? s[i] : max_lead;
            cont += len - 1;
            i += len; /* may pass end by up to 3 bytes: the next block starts there */
        }
    }
    info->n_cp = n - cont;
    info->ascii = max_lead == 0;
    info->kind = max_lead >= 0xF0 ? FH_KIND_UCS4 : max_lead >= 0xC4 ? FH_KIND_UCS2 : FH_KIND_UCS1;
    return FH_OK;
}

void fh_decodebuf_init(fh_decodebuf *db) { memset(db, 0, sizeof *db); }

void fh_decodebuf_free(fh_decodebuf *db)
{
    free(db->data);
    fh_decodebuf_init(db);
}

/* Decode valid UTF-8 into code units of type T (wide enough for every code point of the
 * text); returns the number written, or -1 if cancelled. */
#define DEFINE_DECODE(NAME, T)                                                            \
    static int64_t NAME(const uint8_t *s, int64_t n, T *out, fh_cancel *cancel)          \
    {                                                                                     \
        int64_t i = 0, k = 0;                                                             \
        while (i < n) {                                                                   \
            if (i > 0 && fh_cancel_poll(cancel))                                          \
                return -1;                                                                \
            const int64_t end = n - i < FH_UTF8_BLOCK ? n : i + FH_UTF8_BLOCK;            \
            while (i < end) {                                                             \
                const uint32_t c = s[i];                                                  \
                if (c < 0x80) {                                                           \
                    out[k++] = (T)c;                                                      \
                    i++;                                                                  \
                } else if (c < 0xE0) {                                                    \
                    out[k++] = (T)(((c & 0x1F) << 6) | (s[i + 1] & 0x3Fu));               \
                    i += 2;                                                               \
                } else if (c < 0xF0) {                                                    \
                    out[k++] = (T)(((c & 0x0F) << 12) | ((s[i + 1] & 0x3Fu) << 6) |       \
                                   (s[i + 2] & 0x3Fu));                                   \
                    i += 3;                                                               \
                } else {                                                                  \
                    out[k++] = (T)(((c & 0x07) << 18) | ((s[i + 1] & 0x3Fu) << 12) |      \
                                   ((s[i + 2] & 0x3Fu) << 6) | (s[i + 3] & 0x3Fu));       \
                    i += 4;                                                               \
                }                                                                         \
            }                                                                             \
        }                                                                                 \
        return k;                                                                         \
    }

DEFINE_DECODE(decode_1, uint8_t)
DEFINE_DECODE(decode_2, uint16_t)
DEFINE_DECODE(decode_4, uint32_t)

fh_status fh_text_decode(const fh_text *t, fh_decodebuf *db, fh_cancel *cancel, fh_text *out,
                         int64_t *error_at)
{
    fh_status st;
    fh_utf8_info info;
    *error_at = -1;
    *out = *t;
    if (t->kind != FH_KIND_UTF8)
        return FH_OK;
    out->kind = FH_KIND_UCS1;
    if (t->ascii || (t->len <= FH_UTF8_BLOCK && ascii_run_end(t->data, 0, t->len) == t->len)) {
        out->ascii = 1; /* (a short ASCII text is read once, without the full check) */
        return FH_OK;
    }
    if ((st = fh_utf8_check(t->data, t->len, cancel, &info)) != FH_OK) {
        *error_at = info.error_at;
        return st;
    }
    out->ascii = info.ascii;
    if (info.ascii)
        return FH_OK;
    /* the decoded text (+ 1 unit, so that an empty allocation is never asked for) */
    int64_t bytes = (info.n_cp + 1) * info.kind;
    if (bytes > db->cap) {
        int64_t ncap = fh_next_cap(db->cap, bytes, 1024);
        void *p = realloc(db->data, (size_t)ncap);
        if (!p)
            return FH_ERR_NOMEM;
        db->data = p;
        db->cap = ncap;
    }
    int64_t k;
    switch (info.kind) {
    case FH_KIND_UCS1: k = decode_1(t->data, t->len, db->data, cancel); break;
    case FH_KIND_UCS2: k = decode_2(t->data, t->len, db->data, cancel); break;
    default: k = decode_4(t->data, t->len, db->data, cancel); break;
    }
    if (k < 0)
        return FH_ERR_CANCELLED;
    out->data = db->data;
    out->len = k;
    out->kind = info.kind;
    out->ascii = 0;
    return FH_OK;
}
