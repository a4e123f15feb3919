/* Authors: The fasthash developers
 * SPDX-License-Identifier: BSD-3-Clause */
#include "fh_tally.h"

#include <stdlib.h>

#include "fh_buf.h"
#include "fh_mem.h"

/* The home slot of a used slot's feature. */
static int64_t slot_home(const fh_tally *t, const fh_tally_slot *s)
{
    return (int64_t)(fh_tally_slot_mix(s) >> t->shift);
}

void fh_tally_init(fh_tally *t)
{
    memset(t, 0, sizeof *t);
    for (int k = 0; k < FH_TALLY_AHEAD; k++)
        t->ahead[k].len = FH_TALLY_INLINE + 1;
}

fh_status fh_tally_settle(fh_tally *t)
{
    fh_status st = fh_tally_flush_long(t);
    for (int k = 0; k < FH_TALLY_AHEAD; k++) {
        fh_tally_key *q = &t->ahead[k];
        if (q->len <= FH_TALLY_INLINE && st == FH_OK)
            st = fh_tally_count(t, q->w[0], q->w[1], q->len, q->count);
        q->len = FH_TALLY_INLINE + 1;
    }
    return st;
}

/* t's entries moved to n_slots slots (a power of two, more than t has). */
static fh_status tally_resize(fh_tally *t, int64_t n_slots)
{
    if (n_slots > ((int64_t)1 << 40))
        return FH_ERR_OVERFLOW;
    fh_tally_slot *slots = fh_calloc_table((size_t)n_slots * sizeof *slots);
    if (!slots)
        return FH_ERR_NOMEM;
    fh_tally old = *t;
    t->slots = slots;
    t->n_slots = n_slots;
    t->shift = 64;
    for (int64_t m = n_slots; m > 1; m >>= 1)
        t->shift--;
    const int64_t mask = n_slots - 1;
    for (int64_t k = 0; k < old.n_slots; k++) {
        const fh_tally_slot *s = &old.slots[k];
        if (!s->count)
            continue;
        int64_t i = slot_home(t, s);
        while (slots[i].count)
            i = (i + 1) & mask;
        slots[i] = *s;
    }
    fh_free_table(old.slots, sizeof *old.slots * (size_t)old.n_slots);
    return FH_OK;
}

fh_status fh_tally_grow(fh_tally *t)
{
    return tally_resize(t, t->n_slots ? 4 * t->n_slots : 1024);
}

fh_status fh_tally_reserve(fh_tally *t, int64_t n)
{
    int64_t n_slots = t->n_slots ? t->n_slots : 1024;
    while (n * 4 > n_slots * 3 && n_slots <= ((int64_t)1 << 40))
        n_slots *= 2;
    return n_slots > t->n_slots ? tally_resize(t, n_slots) : FH_OK;
}

fh_status fh_tally_add_long(fh_tally *t, const uint8_t *p, int64_t len, int64_t count)
{
    return fh_tally_add_long_hashed(t, p, len, count, fh_murmur3_32_inline(p, (size_t)len, 0));
}

fh_status fh_tally_push_long(fh_tally *t, const uint8_t *p, int64_t len, int64_t count)
{
    const uint32_t h = fh_murmur3_32_inline(p, (size_t)len, 0);
#if defined(__GNUC__) || defined(__clang__)
    if (t->n_slots)
        __builtin_prefetch(&t->slots[fh_tally_home(t, h, 0, (uint64_t)len)], 1, 3);
#endif
    fh_tally_long_key *k = &t->long_ahead[t->long_at];
    t->long_at = (t->long_at + 1) & (FH_TALLY_LONG_AHEAD - 1);
    fh_status st = k->p ? fh_tally_add_long_hashed(t, k->p, k->len, k->count, k->h) : FH_OK;
    k->p = p;
    k->len = len;
    k->count = count;
    k->h = h;
    return st;
}

fh_status fh_tally_flush_long(fh_tally *t)
{
    fh_status st = FH_OK;
    for (int k = 0; k < FH_TALLY_LONG_AHEAD; k++) {
        fh_tally_long_key *q = &t->long_ahead[k];
        if (q->p && st == FH_OK)
            st = fh_tally_add_long_hashed(t, q->p, q->len, q->count, q->h);
        q->p = NULL;
    }
    return st;
}

fh_status fh_tally_add_long_hashed(fh_tally *t, const uint8_t *p, int64_t len, int64_t count,
                                   uint32_t hash)
{
    fh_status st;
    if (len > (int64_t)UINT32_MAX)
        return FH_ERR_OVERFLOW;
    if ((t->n + 1) * 4 > t->n_slots * 3 && (st = fh_tally_grow(t)) != FH_OK)
        return st;
    const uint64_t h = hash;
    const int64_t mask = t->n_slots - 1;
    for (int64_t i = fh_tally_home(t, h, 0, (uint64_t)len);; i = (i + 1) & mask) {
        fh_tally_slot *s = &t->slots[i];
        if (!s->count) {
            FH_GROW(t->arena, t->acap, t->alen + len, 4096, return FH_ERR_NOMEM);
            memcpy(t->arena + t->alen, p, (size_t)len);
            s->w[0] = (uint64_t)t->alen;
            s->w[1] = h;
            s->len = (uint32_t)len;
            s->count = count;
            t->alen += len;
            t->n++;
            return FH_OK;
        }
        if (s->w[1] == h && s->len == (uint32_t)len &&
            memcmp(t->arena + s->w[0], p, (size_t)len) == 0) {
            s->count += count;
            return FH_OK;
        }
    }
}

void fh_tally_clear(fh_tally *t)
{
    if (t->n)
        memset(t->slots, 0, sizeof *t->slots * (size_t)t->n_slots);
    t->n = 0;
    t->alen = 0;
    for (int k = 0; k < FH_TALLY_AHEAD; k++)
        t->ahead[k].len = FH_TALLY_INLINE + 1;
    for (int k = 0; k < FH_TALLY_LONG_AHEAD; k++)
        t->long_ahead[k].p = NULL;
}

void fh_tally_free(fh_tally *t)
{
    fh_free_table(t->slots, sizeof *t->slots * (size_t)t->n_slots);
    free(t->arena);
    fh_tally_init(t);
}
