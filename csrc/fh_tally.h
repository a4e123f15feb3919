/* Authors: The fasthash developers
 * SPDX-License-Identifier: BSD-3-Clause
 *
 * A tally of features by their bytes (private to csrc/): how many times each distinct byte
 * string was added. The recorder (fh_record.c) has the analysis count a document's
 * features into one (fh_analysis_count) instead of listing them, so that a feature costs
 * one probe of this table: no murmur3 hash (it is computed once per distinct feature, when
 * the tally is added to the recorder's map) and no copy of its bytes.
 *
 * A feature of at most FH_TALLY_INLINE bytes is kept in its slot (its bytes, zero-padded,
 * as two 64-bit words) and found by a multiplicative hash of those words; a longer one is
 * kept in an arena and found by its murmur3 hash, kept in the slot. Open addressing,
 * linear probing, at most 3/4 full. */
#pragma once
#include <stdint.h>
#include <string.h>

#include "fh_murmur3.h"
#include "fh_status.h"

#define FH_TALLY_INLINE 16

typedef struct {
    uint64_t w[2];  /* len <= FH_TALLY_INLINE: the bytes, zero-padded; else w[0] is the
                       offset of the bytes in the arena and w[1] their murmur3 hash */
    uint32_t len;
    int64_t count;  /* 0: an empty slot */
} fh_tally_slot;

/* Inline features whose slot is being fetched, added FH_TALLY_AHEAD additions later: a
 * tally larger than the caches then waits for many slots at once instead of one by one. */
#define FH_TALLY_AHEAD 16

typedef struct {
    uint64_t w[2], len;
    int64_t count;
    uint64_t x; /* fh_tally_mix of the key */
} fh_tally_key;

/* Long features whose slot is being fetched (fh_tally_push_long), added
 * FH_TALLY_LONG_AHEAD long additions later or by fh_tally_flush_long: their bytes stay
 * where the caller has them until then. */
#define FH_TALLY_LONG_AHEAD 8

typedef struct {
    const uint8_t *p; /* NULL: a free entry */
    int64_t len, count;
    uint32_t h; /* murmur3 of the bytes */
} fh_tally_long_key;

typedef struct {
    fh_tally_slot *slots;
    int64_t n, n_slots; /* used slots; a power of two, or 0 */
    int shift;          /* 64 - log2(n_slots) */
    uint8_t *arena;
    int64_t alen, acap;
    fh_tally_key ahead[FH_TALLY_AHEAD]; /* a ring: len > FH_TALLY_INLINE marks a free entry */
    int at;
    fh_tally_long_key long_ahead[FH_TALLY_LONG_AHEAD]; /* a ring */
    int long_at;
} fh_tally;

/* An empty tally. */
void fh_tally_init(fh_tally *t);
/* Make room for one more entry (four times the slots: fewer tables zeroed and entries moved
 * on the way to a large tally than by doubling). FH_OK, FH_ERR_NOMEM or
 * FH_ERR_OVERFLOW (beyond 2**40 slots). */
fh_status fh_tally_grow(fh_tally *t);
/* Slots enough for n entries without growing (one allocation instead of the growths on
 * the way). FH_OK, FH_ERR_NOMEM or FH_ERR_OVERFLOW. */
fh_status fh_tally_reserve(fh_tally *t, int64_t n);
/* Add the features still on their way (fh_tally_push): n and the slots are complete
 * only after it. FH_OK, FH_ERR_NOMEM or FH_ERR_OVERFLOW (fh_tally_grow). */
fh_status fh_tally_settle(fh_tally *t);
/* Add count occurrences of the long feature p[0 .. len) (FH_TALLY_INLINE < len < 2**32;
 * FH_ERR_OVERFLOW beyond). */
fh_status fh_tally_add_long(fh_tally *t, const uint8_t *p, int64_t len, int64_t count);
/* fh_tally_add_long of a feature whose murmur3 hash (seed 0) is h. */
fh_status fh_tally_add_long_hashed(fh_tally *t, const uint8_t *p, int64_t len, int64_t count,
                                   uint32_t h);
/* fh_tally_add_long, its slot fetched now and the addition made FH_TALLY_LONG_AHEAD
 * fh_tally_push_long calls later, or by fh_tally_flush_long, which the caller must call
 * before p[0 .. len) changes. A tally larger than the caches then waits for several slots
 * at once. */
fh_status fh_tally_push_long(fh_tally *t, const uint8_t *p, int64_t len, int64_t count);
/* Add the long features still on their way (fh_tally_push_long). */
fh_status fh_tally_flush_long(fh_tally *t);
/* Forget every entry, keeping the memory (O(slots) when t holds entries). */
void fh_tally_clear(fh_tally *t);
void fh_tally_free(fh_tally *t);

/* The bytes of a used slot. */
static inline const uint8_t *fh_tally_bytes(const fh_tally *t, const fh_tally_slot *s)
{
    return s->len <= FH_TALLY_INLINE ? (const uint8_t *)s->w : t->arena + s->w[0];
}

/* The murmur3 hash (seed 0) of an inline feature: len (<= FH_TALLY_INLINE) bytes, the
 * words w0, w1 (the bytes in memory order, zero past len). Without branches on len, which
 * varies unpredictably from one feature to the next: each of the four 4-byte blocks is
 * mixed and kept only when whole, and the tail (the word after the whole blocks) is
 * always mixed, a no-op when it is zero. */
static inline uint32_t fh_tally_inline_hash(uint64_t w0, uint64_t w1, uint64_t len)
{
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
    const uint32_t k[5] = {(uint32_t)w0, (uint32_t)(w0 >> 32), (uint32_t)w1,
                           (uint32_t)(w1 >> 32), 0};
    const uint64_t whole = len / 4;
    uint32_t h = 0;
    for (uint64_t b = 0; b < 4; b++) {
        const uint32_t mixed = fh_murmur3_block(h, k[b]);
        h = b < whole ? mixed : h;
    }
    h ^= fh_murmur3_scramble(k[whole]);
    return fh_murmur3_finish(h, (uint32_t)len);
#else
    const uint64_t w[2] = {w0, w1};
    return fh_murmur3_32_inline((const uint8_t *)w, len, 0);
#endif
}

/* The murmur3 hash (seed 0) of a used slot's feature. */
static inline uint32_t fh_tally_hash(const fh_tally *t, const fh_tally_slot *s)
{
    return s->len <= FH_TALLY_INLINE ? fh_tally_inline_hash(s->w[0], s->w[1], s->len)
                                     : (uint32_t)s->w[1];
}

/* The mixed bits of an inline feature (words w0, w1, len bytes) or of a long one (hash):
 * its home slot is their top log2(slots) bits, whatever the table's size. */
static inline uint64_t fh_tally_mix(uint64_t w0, uint64_t w1, uint64_t len)
{
    return (w0 ^ (w1 * 0x9E3779B97F4A7C15ull) ^ len) * 0xD6E8FEB86659FD93ull;
}

/* The mixed bits of a used slot's feature: fh_tally_mix of its words, or of its murmur3
 * hash for a long one. */
static inline uint64_t fh_tally_slot_mix(const fh_tally_slot *s)
{
    return s->len <= FH_TALLY_INLINE ? fh_tally_mix(s->w[0], s->w[1], s->len)
                                     : fh_tally_mix(s->w[1], 0, s->len);
}

/* The home slot of an inline feature (words w0, w1, len bytes) or of a long one (hash). */
static inline int64_t fh_tally_home(const fh_tally *t, uint64_t w0, uint64_t w1, uint64_t len)
{
    return (int64_t)(fh_tally_mix(w0, w1, len) >> t->shift);
}

/* Count count occurrences of an inline feature whose fh_tally_mix is x now. */
static inline fh_status fh_tally_count_mixed(fh_tally *t, uint64_t x, uint64_t w0, uint64_t w1,
                                             uint64_t len, int64_t count)
{
    if ((t->n + 1) * 4 > t->n_slots * 3) {
        fh_status st = fh_tally_grow(t);
        if (st != FH_OK)
            return st;
    }
    const int64_t mask = t->n_slots - 1;
    for (int64_t i = (int64_t)(x >> t->shift);; i = (i + 1) & mask) {
        fh_tally_slot *s = &t->slots[i];
        if (!s->count) {
            s->w[0] = w0;
            s->w[1] = w1;
            s->len = (uint32_t)len;
            s->count = count;
            t->n++;
            return FH_OK;
        }
        if (s->w[0] == w0 && s->w[1] == w1 && s->len == (uint32_t)len) {
            s->count += count;
            return FH_OK;
        }
    }
}

/* Count count occurrences of an inline feature now. */
static inline fh_status fh_tally_count(fh_tally *t, uint64_t w0, uint64_t w1, uint64_t len,
                                       int64_t count)
{
    return fh_tally_count_mixed(t, fh_tally_mix(w0, w1, len), w0, w1, len, count);
}

/* Add count occurrences of the inline feature whose len (<= FH_TALLY_INLINE) bytes are the
 * words w0, w1 (the bytes in memory order, zero past len): its slot is fetched now, and it
 * is counted FH_TALLY_AHEAD additions later (or by fh_tally_settle). */
static inline fh_status fh_tally_push(fh_tally *t, uint64_t w0, uint64_t w1, uint64_t len,
                                      int64_t count)
{
    fh_tally_key *k = &t->ahead[t->at];
    const uint64_t x = fh_tally_mix(w0, w1, len);
    t->at = (t->at + 1) & (FH_TALLY_AHEAD - 1);
    if (t->n_slots) {
#if defined(__GNUC__) || defined(__clang__)
        __builtin_prefetch(&t->slots[x >> t->shift], 1, 3);
#endif
    }
    if (k->len <= FH_TALLY_INLINE) {
        fh_status st = fh_tally_count_mixed(t, k->x, k->w[0], k->w[1], k->len, k->count);
        if (st != FH_OK)
            return st;
    }
    k->w[0] = w0;
    k->w[1] = w1;
    k->len = len;
    k->count = count;
    k->x = x;
    return FH_OK;
}

/* fh_tally_push of one occurrence. */
static inline fh_status fh_tally_add_words(fh_tally *t, uint64_t w0, uint64_t w1, uint64_t len)
{
    return fh_tally_push(t, w0, w1, len, 1);
}

/* The first 8 bytes at p, in memory order, as fh_tally_slot.w[0] holds them (8 bytes
 * readable at p). */
static inline uint64_t fh_tally_load8(const uint8_t *p)
{
    uint64_t v;
    memcpy(&v, p, sizeof v);
    return v;
}

/* The word keeping the first n (0 .. 8) bytes of the word v in memory order. */
static inline uint64_t fh_tally_prefix(uint64_t v, int64_t n)
{
    if (n >= 8)
        return v;
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__
    return n ? v & ~(~0ull >> (8 * n)) : 0;
#else
    return v & ((1ull << (8 * n)) - 1);
#endif
}

/* The inline bytes p[0 .. len) (len <= FH_TALLY_INLINE) as slot words, reading only
 * those bytes. */
static inline void fh_tally_load(const uint8_t *p, int64_t len, uint64_t w[2])
{
    w[0] = w[1] = 0;
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
    /* overlapping loads that stay within the bytes (lengths vary: no copy loop) */
    if (len >= 8) {
        w[0] = fh_tally_load8(p);
        w[1] = len > 8 ? fh_tally_load8(p + len - 8) >> (8 * (16 - len)) : 0;
    } else if (len >= 4) {
        uint32_t a, b;
        memcpy(&a, p, 4);
        memcpy(&b, p + len - 4, 4);
        w[0] = (uint64_t)a | ((uint64_t)b << (8 * (len - 4)));
    } else if (len > 0) {
        w[0] = (uint64_t)p[0] | ((uint64_t)p[len / 2] << (8 * (len / 2))) |
               ((uint64_t)p[len - 1] << (8 * (len - 1)));
    }
#else
    if (len > 0)
        memcpy(w, p, (size_t)len);
#endif
}

/* fh_tally_slot_mix of the feature p[0 .. len) whose murmur3 hash is h (used only when
 * len > FH_TALLY_INLINE), reading only those bytes. */
static inline uint64_t fh_tally_bytes_mix(const uint8_t *p, int64_t len, uint32_t h)
{
    if (len > FH_TALLY_INLINE)
        return fh_tally_mix(h, 0, (uint64_t)len);
    uint64_t w[2];
    fh_tally_load(p, len, w);
    return fh_tally_mix(w[0], w[1], (uint64_t)len);
}

/* Add count (>= 1) occurrences of the feature p[0 .. len), reading only those bytes. */
static inline fh_status fh_tally_add_n(fh_tally *t, const uint8_t *p, int64_t len,
                                       int64_t count)
{
    if (len > FH_TALLY_INLINE)
        return fh_tally_add_long(t, p, len, count);
    uint64_t w[2];
    fh_tally_load(p, len, w);
    return fh_tally_push(t, w[0], w[1], (uint64_t)len, count);
}

/* Add one occurrence of the feature p[0 .. len), reading only those bytes. */
static inline fh_status fh_tally_add(fh_tally *t, const uint8_t *p, int64_t len)
{
    return fh_tally_add_n(t, p, len, 1);
}

#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
#define FH_TALLY_PADDED 1
/* fh_tally_keep[n]: the masks keeping the first n (<= FH_TALLY_INLINE) bytes of two words
 * loaded from memory (the bytes kept of a word holding bytes 8 * W .. 8 * W + 8). */
#define FH_TALLY_KEEP(N, W)                                                               \
    ((N) >= 8 * (W) + 8 ? ~0ull : (N) <= 8 * (W) ? 0ull : (1ull << (8 * ((N) - 8 * (W)))) - 1)
#define FH_TALLY_KEEP2(N) {FH_TALLY_KEEP(N, 0), FH_TALLY_KEEP(N, 1)}
static const uint64_t fh_tally_keep[FH_TALLY_INLINE + 1][2] = {
    FH_TALLY_KEEP2(0),  FH_TALLY_KEEP2(1),  FH_TALLY_KEEP2(2),  FH_TALLY_KEEP2(3),
    FH_TALLY_KEEP2(4),  FH_TALLY_KEEP2(5),  FH_TALLY_KEEP2(6),  FH_TALLY_KEEP2(7),
    FH_TALLY_KEEP2(8),  FH_TALLY_KEEP2(9),  FH_TALLY_KEEP2(10), FH_TALLY_KEEP2(11),
    FH_TALLY_KEEP2(12), FH_TALLY_KEEP2(13), FH_TALLY_KEEP2(14), FH_TALLY_KEEP2(15),
    FH_TALLY_KEEP2(16)};
#undef FH_TALLY_KEEP2
#undef FH_TALLY_KEEP
#else
#define FH_TALLY_PADDED 0
#endif

/* Add count (>= 1) occurrences of the feature p[0 .. len), FH_TALLY_INLINE bytes readable
 * at p: branch-free for the inline lengths, which vary unpredictably from one n-gram to
 * the next. */
static inline fh_status fh_tally_add_padded_n(fh_tally *t, const uint8_t *p, int64_t len,
                                              int64_t count)
{
    if (len > FH_TALLY_INLINE)
        return fh_tally_add_long(t, p, len, count);
#if FH_TALLY_PADDED
    return fh_tally_push(t, fh_tally_load8(p) & fh_tally_keep[len][0],
                         fh_tally_load8(p + 8) & fh_tally_keep[len][1], (uint64_t)len, count);
#else
    return fh_tally_add_n(t, p, len, count);
#endif
}

/* Add one occurrence of the feature p[0 .. len), FH_TALLY_INLINE bytes readable at p. */
static inline fh_status fh_tally_add_padded(fh_tally *t, const uint8_t *p, int64_t len)
{
    return fh_tally_add_padded_n(t, p, len, 1);
}

/* fh_tally_add_padded, a long feature through fh_tally_push_long: p[0 .. len) must stay
 * until fh_tally_flush_long. */
static inline fh_status fh_tally_push_padded(fh_tally *t, const uint8_t *p, int64_t len)
{
    return len > FH_TALLY_INLINE ? fh_tally_push_long(t, p, len, 1)
                                 : fh_tally_add_padded_n(t, p, len, 1);
}
