/* Authors: The fasthash developers
 * SPDX-License-Identifier: BSD-3-Clause */
#include "fh_chars.h"

#include <stdlib.h>
#include <string.h>

#include "fh_buf.h"
#include "fh_unicode_impl.h"

void fh_charbuf_init(fh_charbuf *cb) { memset(cb, 0, sizeof *cb); }

void fh_charbuf_free(fh_charbuf *cb)
{
    free(cb->u8);
    free(cb->off);
    free(cb->sur);
    free(cb->cp);
    free(cb->cp2);
    free(cb->pad);
    free(cb->poff);
    free(cb->woff);
    free(cb->wsp);
    fh_charbuf_init(cb);
}

static inline int is_space(uint32_t c) { return (fh_u_flags(c) & FH_U_SPACE) != 0; }

/* Lowercase (or copy) code points into out; returns their number, or -1 if cancelled. */
#define DEFINE_LOWER(NAME, T)                                                             \
    static int64_t NAME(const T *s, int64_t n, int lowercase, uint32_t *out,             \
                        fh_cancel *cancel)                                                \
    {                                                                                     \
        int64_t k = 0;                                                                    \
        for (int64_t i = 0; i < n; i++) {                                                 \
            if ((i & (FH_POLL_ITEMS - 1)) == 0 && i > 0 && fh_cancel_poll(cancel))        \
                return -1;                                                                \
            uint32_t cp = s[i];                                                           \
            if (!lowercase) {                                                             \
                out[k++] = cp;                                                            \
                continue;                                                                 \
            }                                                                             \
            if (cp == 0x3A3) {                                                            \
                out[k++] = fh_final_sigma_##T(s, n, i) ? 0x3C2u : 0x3C3u;                 \
                continue;                                                                 \
            }                                                                             \
            const fh_u_record *r = fh_u_rec(cp);                                          \
            if (r->nlower == 1) {                                                         \
                out[k++] = (uint32_t)((int32_t)cp + r->lower);                            \
            } else {                                                                      \
                for (int j = 0; j < r->nlower; j++)                                       \
                    out[k++] = fh_u_lower_ext[r->lower + j];                              \
            }                                                                             \
        }                                                                                 \
        return k;                                                                         \
    }

FH_DEFINE_FINAL_SIGMA(fh_final_sigma_uint8_t, uint8_t)
FH_DEFINE_FINAL_SIGMA(fh_final_sigma_uint16_t, uint16_t)
FH_DEFINE_FINAL_SIGMA(fh_final_sigma_uint32_t, uint32_t)
DEFINE_LOWER(lower_1, uint8_t)
DEFINE_LOWER(lower_2, uint16_t)
DEFINE_LOWER(lower_4, uint32_t)

fh_status fh_char_text(const fh_text *doc, int lowercase, int strip, fh_charbuf *cb)
{
    int64_t n = doc->len;
    cb->n = 0;
    cb->has_sur = 0;
    cb->ascii = doc->kind == FH_KIND_UCS1 && doc->ascii;
    if (cb->ascii) {
        FH_GROW(cb->u8, cb->cap_u8, n + 8, 256, return FH_ERR_NOMEM); /* + 8: short loads */
        const uint8_t *s = doc->data;
        int64_t k = 0;
        for (int64_t i = 0; i < n;) { /* blocks of about FH_POLL_ITEMS between polls */
            if (i > 0 && fh_cancel_poll(cb->cancel))
                return FH_ERR_CANCELLED;
            const int64_t b1 = n - i < FH_POLL_ITEMS ? n : i + FH_POLL_ITEMS;
            for (; i < b1; i++) {
                uint8_t c = s[i];
                if (lowercase && (uint8_t)(c - 'A') < 26)
                    c = (uint8_t)(c + 32);
                if (is_space(c) && i + 1 < n && is_space(s[i + 1])) {
                    /* a run of two or more: one ASCII space */
                    while (i + 1 < n && is_space(s[i + 1]))
                        i++;
                    c = ' ';
                }
                cb->u8[k++] = c;
            }
        }
        cb->n = k;
        return FH_OK;
    }
    /* general case: code points (at most 3 per input one after lowercasing) */
    FH_GROW(cb->cp, cb->cap_cp, 3 * n + 1, 256, return FH_ERR_NOMEM);
    int64_t m;
    switch (doc->kind) {
    case FH_KIND_UCS1: m = lower_1(doc->data, n, lowercase, cb->cp, cb->cancel); break;
    case FH_KIND_UCS2: m = lower_2(doc->data, n, lowercase, cb->cp, cb->cancel); break;
    case FH_KIND_UCS4: m = lower_4(doc->data, n, lowercase, cb->cp, cb->cancel); break;
    default: return FH_ERR_BADARG;
    }
    if (m < 0)
        return FH_ERR_CANCELLED;
    if (strip) {
        /* strip accents from each lowered code point (into cp2, then swap) */
        int64_t k2 = 0;
        for (int64_t i = 0; i < m; i++) {
            if ((i & (FH_POLL_ITEMS - 1)) == 0 && i > 0 && fh_cancel_poll(cb->cancel))
                return FH_ERR_CANCELLED;
            FH_GROW(cb->cp2, cb->cap_cp2, k2 + FH_STRIP_MAX + m - i, 256, return FH_ERR_NOMEM);
            k2 += fh_u_strip(cb->cp[i], strip, cb->cp2 + k2);
        }
        uint32_t *t = cb->cp;
        int64_t tc = cb->cap_cp;
        cb->cp = cb->cp2;
        cb->cap_cp = cb->cap_cp2;
        cb->cp2 = t;
        cb->cap_cp2 = tc;
        m = k2;
    }
    /* collapse whitespace runs in place */
    int64_t k = 0, next_poll = FH_POLL_ITEMS;
    for (int64_t i = 0; i < m; i++) {
        if (i >= next_poll) {
            next_poll = i + FH_POLL_ITEMS;
            if (fh_cancel_poll(cb->cancel))
                return FH_ERR_CANCELLED;
        }
        uint32_t c = cb->cp[i];
        if (is_space(c) && i + 1 < m && is_space(cb->cp[i + 1])) {
            while (i + 1 < m && is_space(cb->cp[i + 1]))
                i++;
            c = ' ';
        }
        cb->cp[k++] = c;
    }
    m = k;
    FH_GROW(cb->u8, cb->cap_u8, 4 * m + 1, 256, return FH_ERR_NOMEM);
    FH_GROW(cb->off, cb->cap_off, m + 1, 256, return FH_ERR_NOMEM);
    FH_GROW(cb->sur, cb->cap_sur, m + 1, 256, return FH_ERR_NOMEM);
    int64_t at = 0, ns = 0;
    for (int64_t i = 0; i < m; i++) {
        if ((i & (FH_POLL_ITEMS - 1)) == 0 && i > 0 && fh_cancel_poll(cb->cancel))
            return FH_ERR_CANCELLED;
        uint32_t c = cb->cp[i];
        cb->off[i] = at;
        cb->sur[i] = ns;
        ns += (c >= 0xD800 && c <= 0xDFFF);
        at += fh_put_utf8(cb->u8 + at, c);
    }
    cb->off[m] = at;
    cb->sur[m] = ns;
    cb->has_sur = ns > 0;
    cb->n = m;
    return FH_OK;
}

int fh_char_is_space(const fh_charbuf *cb, int64_t i)
{
    if (cb->ascii)
        return is_space(cb->u8[i]);
    return is_space(cb->cp[i]);
}
