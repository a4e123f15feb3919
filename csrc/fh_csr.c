/* Authors: The fasthash developers
 * SPDX-License-Identifier: BSD-3-Clause */
#include "fh_csr.h"

#include <math.h>
#include <string.h>

#include "fh_bits.h"

static void insertion_sort(uint32_t *a, int64_t n)
{
    for (int64_t i = 1; i < n; i++) {
        uint32_t x = a[i];
        int64_t j = i - 1;
        while (j >= 0 && a[j] > x) {
            a[j + 1] = a[j];
            j--;
        }
        a[j + 1] = x;
    }
}

static int bit_length(uint64_t x)
{
    int b = 0;
    while (x) {
        b++;
        x >>= 1;
    }
    return b;
}

/* Short rows are distributed into 2n to 4n buckets by their high bits, then
 * insertion-sorted: every key moves only within its bucket, so this is ~O(n) for hashed
 * (uniform) keys. With at most one key per two buckets on average, most keys are alone in
 * their bucket and the insertion loop's test is predictably false (about n/2 buckets
 * mispredicted on most keys of English rows). */
#define FH_BUCKET_SORT_MAX 4096

static const uint32_t *bucket_sort(uint32_t *keys, uint32_t *tmp, int64_t n, uint32_t max_key)
{
    uint32_t counts[FH_BUCKET_SORT_MAX / 2];
    int kbits = bit_length(max_key);
    int bbits = bit_length((uint64_t)n) + 1; /* 2n < 2**bbits <= 4n */
    if (bbits > kbits)
        bbits = kbits;
    int shift = kbits - bbits;
    int64_t nb = (int64_t)1 << bbits;
    memset(counts, 0, sizeof(uint32_t) * (size_t)nb);
    for (int64_t i = 0; i < n; i++)
        counts[keys[i] >> shift]++;
    uint32_t sum = 0;
    for (int64_t b = 0; b < nb; b++) {
        uint32_t c = counts[b];
        counts[b] = sum;
        sum += c;
    }
    for (int64_t i = 0; i < n; i++)
        tmp[counts[keys[i] >> shift]++] = keys[i];
    insertion_sort(tmp, n);
    return tmp;
}

/* LSD radix sort in `passes` passes of `bits` bits (passes * bits >= bit length of every
 * key); branch-free, O(passes * (n + 2**bits)). Polls cancel every FH_POLL_ITEMS keys.
 * Returns keys or tmp, or NULL if cancelled. */
static const uint32_t *radix_sort(uint32_t *keys, uint32_t *tmp, int64_t n, int passes, int bits,
                                  fh_cancel *cancel)
{
    enum { MAXB = 1 << 11 };
    int64_t hist[3][MAXB]; /* 64-bit counts: a row may hold 2**32 keys or more */
    const uint32_t nb = 1u << bits, dmask = nb - 1;
    for (int p = 0; p < passes; p++)
        memset(hist[p], 0, sizeof(int64_t) * nb);
    for (int64_t b0 = 0; b0 < n; b0 += FH_POLL_ITEMS) {
        if (b0 > 0 && fh_cancel_poll(cancel))
            return NULL;
        const int64_t b1 = n - b0 < FH_POLL_ITEMS ? n : b0 + FH_POLL_ITEMS;
        for (int64_t i = b0; i < b1; i++) {
            uint32_t k = keys[i];
            for (int p = 0; p < passes; p++)
                hist[p][(k >> (bits * p)) & dmask]++;
        }
    }
    uint32_t *src = keys, *dst = tmp;
    for (int p = 0; p < passes; p++) {
        int64_t *h = hist[p], sum = 0;
        int trivial = 0;
        for (uint32_t b = 0; b < nb; b++) {
            int64_t c = h[b];
            trivial |= c == n;
            h[b] = sum;
            sum += c;
        }
        if (trivial)
            continue; /* every key has the same digit here: the pass is a no-op */
        int shift = bits * p;
        for (int64_t b0 = 0; b0 < n; b0 += FH_POLL_ITEMS) {
            if (fh_cancel_poll(cancel))
                return NULL;
            const int64_t b1 = n - b0 < FH_POLL_ITEMS ? n : b0 + FH_POLL_ITEMS;
            for (int64_t i = b0; i < b1; i++) {
                uint32_t k = src[i];
                dst[h[(k >> shift) & dmask]++] = k;
            }
        }
        uint32_t *t = src;
        src = dst;
        dst = t;
    }
    return src;
}

/* Rows of fewer keys than this are bucket-sorted (cheap setup); longer rows, radix-sorted
 * with digits of about log2(n) bits (branch-free: character n-grams repeat so often that
 * the insertion sort's comparisons mispredict). */
#define FH_RADIX_MIN 256

const uint32_t *fh_sort_keys(uint32_t *keys, uint32_t *tmp, int64_t n, uint32_t max_key,
                             fh_cancel *cancel)
{
    if (n <= 12) {
        insertion_sort(keys, n);
        return keys;
    }
    if (n < FH_RADIX_MIN)
        return bucket_sort(keys, tmp, n, max_key);
    int kbits = bit_length(max_key);
    int want = bit_length((uint64_t)n); /* digits of ~log2(n) bits, at most 11 */
    if (want > 11)
        want = 11;
    int passes = (kbits + want - 1) / want;
    if (passes < 1)
        passes = 1;
    if (passes > 3) { /* 32-bit keys need 11-bit digits */
        passes = 3;
    }
    int bits = (kbits + passes - 1) / passes;
    return radix_sort(keys, tmp, n, passes, bits, cancel);
}

/* ------------------------------------------------------- sorting networks (AVX2) */

#if FH_SORT_NET
#include <immintrin.h>

#define FH_NET_INLINE static inline __attribute__((target("avx2"), always_inline))

/* One compare-exchange step inside each register: lane l meets lane l ^ d (PARTNER, a
 * permutation of the lanes), the lanes of MAXLANES (a blend mask) keep the larger key. */
#define FH_NET_CX(V, PARTNER, MAXLANES)                                                    \
    do {                                                                                   \
        __m256i p_ = (PARTNER);                                                            \
        (V) = _mm256_blend_epi32(_mm256_min_epu32((V), p_), _mm256_max_epu32((V), p_),     \
                                 (MAXLANES));                                              \
    } while (0)

FH_NET_INLINE __m256i net_reverse(__m256i v)
{
    return _mm256_permutevar8x32_epi32(v, _mm256_setr_epi32(7, 6, 5, 4, 3, 2, 1, 0));
}

/* The three half-cleaners of a register (distances 4, 2, 1), ascending: a bitonic
 * register comes out sorted. */
FH_NET_INLINE __m256i net_clean8(__m256i v)
{
    FH_NET_CX(v, _mm256_permute2x128_si256(v, v, 0x01), 0xF0);
    FH_NET_CX(v, _mm256_shuffle_epi32(v, 0x4E), 0xCC);
    FH_NET_CX(v, _mm256_shuffle_epi32(v, 0xB1), 0xAA);
    return v;
}

/* Sort the 8 lanes of a register ascending: merges of sorted halves in which the first
 * step compares lane l with its mirror in the pair (so every step is ascending). */
FH_NET_INLINE __m256i net_sort8(__m256i v)
{
    FH_NET_CX(v, _mm256_shuffle_epi32(v, 0xB1), 0xAA); /* pairs */
    FH_NET_CX(v, _mm256_shuffle_epi32(v, 0x1B), 0xCC); /* mirror in 4 */
    FH_NET_CX(v, _mm256_shuffle_epi32(v, 0xB1), 0xAA);
    FH_NET_CX(v, net_reverse(v), 0xF0); /* mirror in 8 */
    FH_NET_CX(v, _mm256_shuffle_epi32(v, 0x4E), 0xCC);
    FH_NET_CX(v, _mm256_shuffle_epi32(v, 0xB1), 0xAA);
    return v;
}

/* v[0..r) holds sorted runs of `run` registers (r a multiple of 2 * run): merge each two
 * neighbouring runs into one sorted run. The first step compares key i of the pair with
 * key 2L - 1 - i (L keys per run); then half-cleaners across registers, then within. */
FH_NET_INLINE void net_merge(__m256i *v, int r, int run)
{
    for (int b = 0; b < r; b += 2 * run) {
        for (int i = 0; i < run; i++) {
            __m256i lo = v[b + i], hi = net_reverse(v[b + 2 * run - 1 - i]);
            v[b + i] = _mm256_min_epu32(lo, hi);
            v[b + 2 * run - 1 - i] = net_reverse(_mm256_max_epu32(lo, hi));
        }
        for (int d = run / 2; d >= 1; d /= 2)
            for (int i = b; i < b + 2 * run; i++)
                if (((i - b) & d) == 0) {
                    __m256i x = v[i], y = v[i + d];
                    v[i] = _mm256_min_epu32(x, y);
                    v[i + d] = _mm256_max_epu32(x, y);
                }
    }
    for (int i = 0; i < r; i++)
        v[i] = net_clean8(v[i]);
}

/* Sort the 8 * r keys of buf (r = 1, 2, 4 or 8, a constant where this is inlined). */
FH_NET_INLINE void net_sort(uint32_t *buf, int r)
{
    __m256i v[FH_NET_MAX_KEYS / 8];
    for (int i = 0; i < r; i++)
        v[i] = net_sort8(_mm256_loadu_si256((const __m256i *)(const void *)(buf + 8 * i)));
    for (int run = 1; run < r; run *= 2)
        net_merge(v, r, run);
    for (int i = 0; i < r; i++)
        _mm256_storeu_si256((__m256i *)(void *)(buf + 8 * i), v[i]);
}

__attribute__((target("avx2"))) void fh_sort_keys_net(uint32_t *keys, int64_t n)
{
    uint32_t buf[FH_NET_MAX_KEYS];
    if (n <= 1)
        return;
    memcpy(buf, keys, sizeof(uint32_t) * (size_t)n);
    int64_t padded = n <= 8 ? 8 : n <= 16 ? 16 : n <= 32 ? 32 : 64;
    memset(buf + n, 0xFF, sizeof(uint32_t) * (size_t)(padded - n)); /* sort last */
    switch (padded) {
    case 8: net_sort(buf, 1); break;
    case 16: net_sort(buf, 2); break;
    case 32: net_sort(buf, 4); break;
    default: net_sort(buf, 8); break;
    }
    memcpy(keys, buf, sizeof(uint32_t) * (size_t)n);
}
#else
void fh_sort_keys_net(uint32_t *keys, int64_t n)
{
    (void)keys;
    (void)n;
}
#endif

/* Running state of fh_sum_sorted_keys over consecutive blocks of keys. */
typedef struct {
    int64_t m, acc, nocc;
    uint32_t prev;
} sum_state;

/* Keys [b0, b1) into the running sums. Branch-free: the column changes at unpredictable
 * places (about every other key for character n-grams), so every key rewrites the current
 * entry and the index m moves on by the comparison's result. Columns are < 2**31: prev
 * starts out of range. */
static inline void sum_block(const uint32_t *keys, int64_t b0, int64_t b1, int32_t *cols,
                             int64_t *counts, int64_t *occ, sum_state *state)
{
    int64_t m = state->m, acc = state->acc, nocc = state->nocc;
    uint32_t prev = state->prev;
    for (int64_t i = b0; i < b1; i++) {
        uint32_t k = keys[i], col = k >> 1;
        int64_t same = -(int64_t)(col == prev); /* all ones when col continues the entry */
        m += 1 + same;
        prev = col;
        acc = (acc & same) + 1 - 2 * (int64_t)(k & 1u);
        nocc = (nocc & same) + 1;
        cols[m] = (int32_t)col;
        counts[m] = acc;
        if (occ)
            occ[m] = nocc;
    }
    state->m = m, state->acc = acc, state->nocc = nocc, state->prev = prev;
}

/* sum_block writing each running sum as a float64. */
static inline void sum_block_f64(const uint32_t *keys, int64_t b0, int64_t b1, int32_t *cols,
                                 double *vals, sum_state *state)
{
    int64_t m = state->m, acc = state->acc;
    uint32_t prev = state->prev;
    for (int64_t i = b0; i < b1; i++) {
        uint32_t k = keys[i], col = k >> 1;
        int64_t same = -(int64_t)(col == prev);
        m += 1 + same;
        prev = col;
        acc = (acc & same) + 1 - 2 * (int64_t)(k & 1u);
        cols[m] = (int32_t)col;
        vals[m] = (double)acc;
    }
    state->m = m, state->acc = acc, state->prev = prev;
}

int64_t fh_sum_sorted_keys(const uint32_t *keys, int64_t n, int32_t *cols, int64_t *counts,
                           int64_t *occ, fh_cancel *cancel)
{
    sum_state state = {-1, 0, 0, 0xFFFFFFFFu};
    if (n <= FH_POLL_ITEMS) { /* the common case: one block, nothing to poll */
        sum_block(keys, 0, n, cols, counts, occ, &state);
        return state.m + 1;
    }
    for (int64_t b0 = 0; b0 < n; b0 += FH_POLL_ITEMS) {
        if (b0 > 0 && fh_cancel_poll(cancel))
            return -1;
        sum_block(keys, b0, n - b0 < FH_POLL_ITEMS ? n : b0 + FH_POLL_ITEMS, cols, counts, occ,
                  &state);
    }
    return state.m + 1;
}

int64_t fh_sum_sorted_keys_f64(const uint32_t *keys, int64_t n, int32_t *cols, double *vals,
                               fh_cancel *cancel)
{
    sum_state state = {-1, 0, 0, 0xFFFFFFFFu};
    if (n <= FH_POLL_ITEMS) {
        sum_block_f64(keys, 0, n, cols, vals, &state);
        return state.m + 1;
    }
    for (int64_t b0 = 0; b0 < n; b0 += FH_POLL_ITEMS) {
        if (b0 > 0 && fh_cancel_poll(cancel))
            return -1;
        sum_block_f64(keys, b0, n - b0 < FH_POLL_ITEMS ? n : b0 + FH_POLL_ITEMS, cols, vals,
                      &state);
    }
    return state.m + 1;
}

void fh_normalize_f64(double *v, int64_t n, int norm)
{
    if (norm == FH_NORM_NONE)
        return;
    double s = 0.0;
    if (norm == FH_NORM_L2) {
        for (int64_t i = 0; i < n; i++)
            s += v[i] * v[i];
        if (s == 0.0)
            return;
        s = sqrt(s);
    } else {
        for (int64_t i = 0; i < n; i++)
            s += fabs(v[i]);
        if (s == 0.0)
            return;
    }
    for (int64_t i = 0; i < n; i++)
        v[i] = v[i] / s;
}

void fh_normalize_f32(float *v, int64_t n, int norm)
{
    if (norm == FH_NORM_NONE)
        return;
    double s = 0.0;
    if (norm == FH_NORM_L2) {
        for (int64_t i = 0; i < n; i++) {
            float sq = v[i] * v[i]; /* rounded to float32, as sklearn's fused-type loop does */
            s += (double)sq;
        }
        if (s == 0.0)
            return;
        s = sqrt(s);
    } else {
        for (int64_t i = 0; i < n; i++)
            s += fabs((double)v[i]);
        if (s == 0.0)
            return;
    }
    for (int64_t i = 0; i < n; i++)
        v[i] = (float)((double)v[i] / s);
}

/* ---------------------------------------------------------------- table aggregation */

int fh_agg_bits(int64_t n, int col_bits)
{
    int b = bit_length((uint64_t)n) + 2; /* 4n < 2**b <= 8n */
    return b < col_bits ? b : col_bits;
}

/* 1 << b for b < 64: a load rather than a shift by a variable count (which x86 without
 * BMI2 takes from one register, already holding the home slot shift in agg_insert). */
static const uint64_t fh_bit64[64] = {
#define FH_B4(b) (uint64_t)1 << (b), (uint64_t)1 << ((b) + 1), (uint64_t)1 << ((b) + 2), \
                 (uint64_t)1 << ((b) + 3)
    FH_B4(0),  FH_B4(4),  FH_B4(8),  FH_B4(12), FH_B4(16), FH_B4(20), FH_B4(24), FH_B4(28),
    FH_B4(32), FH_B4(36), FH_B4(40), FH_B4(44), FH_B4(48), FH_B4(52), FH_B4(56), FH_B4(60),
#undef FH_B4
};

/* A key's term of its column's sum, by its low bit (fh_feature_key's sign): a load rather
 * than the arithmetic (one instruction instead of three). */
static const int32_t fh_sign_term[2] = {1, -1};

/* The keys added to the table and marked in the bitmap (see fh_agg_keys). A slot's tag is
 * its key with the low bit set, 2 * column + 1: odd, so that one product tests both ways a
 * probe ends, at an empty slot (tag 0) or at the key's own (tag ^ t == 0): tag * (tag ^ t)
 * is 0 exactly then, as for an odd tag, tag ^ t is even and below 2**32, and its product
 * with an odd number is 0 modulo 2**32 only if it is 0 (a hit and an empty slot, about
 * equally frequent: one test, rarely failed, for both). shift: set a bitmap bit by a shift
 * (x86 with BMI2: one instruction, from any register), else by a load from fh_bit64.
 * Always inlined, so that a constant shift selects one. */
#if defined(__GNUC__) || defined(__clang__)
__attribute__((always_inline))
#endif
static inline void agg_insert_impl(const uint32_t *keys, int64_t n, fh_agg_slot *table,
                                   uint64_t *bitmap, int hshift, int shift)
{
    for (int64_t j = 0; j < n; j++) {
        const uint32_t k = keys[j], t = k | 1u;
        uint32_t i = k >> hshift;
        uint32_t tag = table[i].tag;
        while (tag * (tag ^ t) != 0) /* linear probing, forwards */
            tag = table[++i].tag;
        /* a new column and a repeated one take the same stores (an empty slot sums 0) */
        table[i].tag = t;
        table[i].sum += fh_sign_term[k & 1u];
        bitmap[i >> 6] |= shift ? (uint64_t)1 << (i & 63u) : fh_bit64[i & 63u];
    }
}

/* The positions of the set bits of bitmap[0 .. words), in order, to out (clearing the
 * words); returns their number. Each word's positions are written four at a time with no
 * test between them (up to 3 entries past the last are written). */
#if defined(__GNUC__) || defined(__clang__)
__attribute__((always_inline))
#endif
static inline int64_t agg_slots_impl(uint64_t *bitmap, int64_t words, uint64_t *out)
{
    uint64_t *p = out;
    for (int64_t w = 0; w < words; w++) {
        uint64_t x = bitmap[w];
        if (!x)
            continue;
        bitmap[w] = 0;
        /* (int64_t and uint64_t may alias: the positions are below 2**63) */
        p = (uint64_t *)fh_bit_positions4(x, popcount64(x), w * 64, (int64_t *)p);
    }
    return p - out;
}
#if defined(__GNUC__) && (defined(__x86_64__) || defined(__i386__))
/* with POPCNT and BMI1 (tzcnt, blsr): one instruction each */
__attribute__((target("popcnt,bmi"))) static int64_t agg_slots_bmi(uint64_t *bitmap,
                                                                    int64_t words, uint64_t *out)
{
    return agg_slots_impl(bitmap, words, out);
}
static int64_t agg_slots(uint64_t *bitmap, int64_t words, uint64_t *out)
{
    if (__builtin_cpu_supports("popcnt") && __builtin_cpu_supports("bmi"))
        return agg_slots_bmi(bitmap, words, out);
    return agg_slots_impl(bitmap, words, out);
}
/* with BMI2 (shlx: a shift by any register's count) */
__attribute__((target("bmi2"))) static void agg_insert_bmi2(const uint32_t *keys, int64_t n,
                                                            fh_agg_slot *table,
                                                            uint64_t *bitmap, int hshift)
{
    agg_insert_impl(keys, n, table, bitmap, hshift, 1);
}
static void agg_insert(const uint32_t *keys, int64_t n, fh_agg_slot *table, uint64_t *bitmap,
                       int hshift)
{
    if (__builtin_cpu_supports("bmi2"))
        agg_insert_bmi2(keys, n, table, bitmap, hshift);
    else
        agg_insert_impl(keys, n, table, bitmap, hshift, 0);
}
#else
static int64_t agg_slots(uint64_t *bitmap, int64_t words, uint64_t *out)
{
    return agg_slots_impl(bitmap, words, out);
}
static void agg_insert(const uint32_t *keys, int64_t n, fh_agg_slot *table, uint64_t *bitmap,
                       int hshift)
{
    agg_insert_impl(keys, n, table, bitmap, hshift, 0);
}
#endif

const uint64_t *fh_agg_keys(const uint32_t *keys, int64_t n, fh_agg_slot *table,
                            uint64_t *bitmap, int bits, int col_bits, uint64_t *pk, int64_t *m)
{
    /* The home slot of a column is its top bits: the table in slot order is the columns
     * in ascending order, but for keys displaced (by linear probing, always forwards) past
     * a larger column of their cluster. Probing never wraps: a cluster may run into the n
     * slots past the first 2**bits. */
    agg_insert(keys, n, table, bitmap, col_bits - bits + 1);
    /* The occupied slots in order: first their indices (agg_slots: four per step, so that
     * the number of slots in a bitmap word, unpredictable, ends few loops), then their
     * entries in their place (clearing the slots); a displaced key that comes after a
     * larger column is moved back at once (insertion sort, with little to do). */
    const int64_t words = (((int64_t)1 << bits) + n + 63) / 64;
    const int64_t d = agg_slots(bitmap, words, pk);
    uint64_t prev = 0; /* the largest entry so far (<= any first entry) */
    for (int64_t j = 0; j < d; j++) {
        fh_agg_slot *s = &table[pk[j]];
        uint64_t e = ((uint64_t)(s->tag >> 1) << 32) | (uint32_t)s->sum;
        s->tag = 0;
        s->sum = 0;
        if (e >= prev) {
            pk[j] = e;
            prev = e;
        } else {
            int64_t b = j - 1;
            while (b >= 0 && pk[b] > e) {
                pk[b + 1] = pk[b];
                b--;
            }
            pk[b + 1] = e;
        }
    }
    *m = d;
    return pk;
}

/* The norm's sum for fh_normalize_ints_*: exact in any order, as every term is an integer
 * and the total < 2**53 (the callers' rows have <= 2**16 values of magnitude <= 2**16), so
 * four independent sums (no wait on one long chain of additions) give the bits of
 * fh_normalize_*'s sequential sum. F32: squares rounded to float32 first, as there. */
#define FH_INT_NORM_SUM(SQ)                                                               \
    do {                                                                                  \
        double s0 = 0.0, s1 = 0.0, s2 = 0.0, s3 = 0.0;                                    \
        int64_t i = 0;                                                                    \
        if (norm == FH_NORM_L2) {                                                         \
            for (; i + 4 <= n; i += 4) {                                                  \
                s0 += SQ(v[i]);                                                           \
                s1 += SQ(v[i + 1]);                                                       \
                s2 += SQ(v[i + 2]);                                                       \
                s3 += SQ(v[i + 3]);                                                       \
            }                                                                             \
            for (; i < n; i++)                                                            \
                s0 += SQ(v[i]);                                                           \
        } else {                                                                          \
            for (; i + 4 <= n; i += 4) {                                                  \
                s0 += fabs((double)v[i]);                                                 \
                s1 += fabs((double)v[i + 1]);                                             \
                s2 += fabs((double)v[i + 2]);                                             \
                s3 += fabs((double)v[i + 3]);                                             \
            }                                                                             \
            for (; i < n; i++)                                                            \
                s0 += fabs((double)v[i]);                                                 \
        }                                                                                 \
        s = (s0 + s1) + (s2 + s3);                                                        \
    } while (0)

static inline double sq_f64(double x) { return x * x; }
static inline double sq_f32(float x)
{
    float q = x * x;
    return (double)q;
}

/* v[i] / s for every i (float32: through double, as fh_normalize_f32): divisions, each
 * rounded alone, so the same bits at any vector width. With AVX2, four per instruction
 * instead of SSE2's two: the divisions are most of a row's normalisation (multilingual
 * char_wb(2,4), one thread: 4% of the transform's time). */
#if defined(__GNUC__) || defined(__clang__)
__attribute__((always_inline))
#endif
static inline void divide_f64_impl(double *v, int64_t n, double s)
{
    for (int64_t i = 0; i < n; i++)
        v[i] = v[i] / s;
}
#if defined(__GNUC__) || defined(__clang__)
__attribute__((always_inline))
#endif
static inline void divide_f32_impl(float *v, int64_t n, double s)
{
    for (int64_t i = 0; i < n; i++)
        v[i] = (float)((double)v[i] / s);
}
#if defined(__GNUC__) && (defined(__x86_64__) || defined(__i386__))
__attribute__((target("avx2"))) static void divide_f64_avx2(double *v, int64_t n, double s)
{
    divide_f64_impl(v, n, s);
}
__attribute__((target("avx2"))) static void divide_f32_avx2(float *v, int64_t n, double s)
{
    divide_f32_impl(v, n, s);
}
static void divide_f64(double *v, int64_t n, double s)
{
    if (n >= 8 && __builtin_cpu_supports("avx2"))
        divide_f64_avx2(v, n, s);
    else
        divide_f64_impl(v, n, s);
}
static void divide_f32(float *v, int64_t n, double s)
{
    if (n >= 8 && __builtin_cpu_supports("avx2"))
        divide_f32_avx2(v, n, s);
    else
        divide_f32_impl(v, n, s);
}
#else
static void divide_f64(double *v, int64_t n, double s) { divide_f64_impl(v, n, s); }
static void divide_f32(float *v, int64_t n, double s) { divide_f32_impl(v, n, s); }
#endif

void fh_normalize_ints_f64(double *v, int64_t n, int norm)
{
    if (norm == FH_NORM_NONE)
        return;
    double s;
    FH_INT_NORM_SUM(sq_f64);
    if (s == 0.0)
        return;
    if (norm == FH_NORM_L2)
        s = sqrt(s);
    divide_f64(v, n, s);
}

void fh_normalize_ints_f32(float *v, int64_t n, int norm)
{
    if (norm == FH_NORM_NONE)
        return;
    double s;
    FH_INT_NORM_SUM(sq_f32);
    if (s == 0.0)
        return;
    if (norm == FH_NORM_L2)
        s = sqrt(s);
    divide_f32(v, n, s);
}
