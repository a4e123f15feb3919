/* Authors: The fasthash developers
 * SPDX-License-Identifier: BSD-3-Clause
 *
 * Per-row CSR helpers: hash -> (column, sign) keys, sort, sum duplicates, normalise. */
#pragma once
#include <stdint.h>

#include "fh_cancel.h"

/* Column and sign of a 32-bit murmur hash h read as int32, as scikit-learn computes them:
 * column |h| mod n_features, with h == INT32_MIN mapping to 2**31 mod n_features; negative
 * iff alternate_sign and h < 0. Packed as (column << 1) | negative; requires
 * 1 <= n_features <= 2**31 - 1. pow2_mask is n_features - 1 when n_features is a power of
 * two, else 0. Pure, O(1). */
static inline uint32_t fh_feature_key(uint32_t h, uint32_t n_features, uint32_t pow2_mask,
                                      int alternate_sign)
{
    uint32_t neg = h >> 31;                  /* int32 h < 0 */
    uint32_t mag = (h ^ (0u - neg)) + neg;   /* |h| as uint32: 2**31 for INT32_MIN */
    uint32_t col = pow2_mask ? (mag & pow2_mask) : (mag % n_features);
    return (col << 1) | (neg & (uint32_t)(alternate_sign != 0));
}

/* Sort n keys ascending. tmp is scratch of n entries; max_key bounds every key. Returns the
 * sorted keys: keys or tmp (the other one is clobbered), or NULL if cancel (may be NULL,
 * polled every FH_POLL_ITEMS keys) was requested. Short rows: insertion sort; under 256
 * keys: distribution by high bits + insertion sort; longer: branch-free LSD radix with
 * digits of about log2(n) bits. O(n) for hashed keys. Pure on its arguments. */
const uint32_t *fh_sort_keys(uint32_t *keys, uint32_t *tmp, int64_t n, uint32_t max_key,
                             fh_cancel *cancel);

/* Sorting networks on AVX2 registers for short rows (GCC, Clang on x86; FH_SORT_NET is 0
 * elsewhere). Callers use them only when the CPU has AVX2 (fh_cpu_has_avx2). */
#if (defined(__GNUC__) || defined(__clang__)) && (defined(__x86_64__) || defined(__i386__))
#define FH_SORT_NET 1
#else
#define FH_SORT_NET 0
#endif

/* Rows of at most this many keys may be sorted with fh_sort_keys_net. */
#define FH_NET_MAX_KEYS 64

/* Sort n keys ascending in place (0 <= n <= FH_NET_MAX_KEYS, every key < 0xFFFFFFFF, as
 * fh_feature_key's are): a bitonic network over 8, 16, 32 or 64 keys (padded with
 * 0xFFFFFFFF), branch-free, so its cost does not depend on the keys (the insertion and
 * bucket sorts of fh_sort_keys mispredict on about half the keys of a word row). Requires
 * AVX2; a no-op where FH_SORT_NET is 0. Pure on its arguments. */
void fh_sort_keys_net(uint32_t *keys, int64_t n);

/* Sum duplicates of sorted keys: writes each distinct column once to cols and the sum of
 * its signs (+1 or -1 each) to counts; with occ non-NULL, also its number of entries.
 * Returns the number of distinct columns, or -1 if cancel (may be NULL, polled every
 * FH_POLL_ITEMS keys) was requested. Explicit zeros (a +1 and a -1 in one column) are
 * kept. O(n). */
int64_t fh_sum_sorted_keys(const uint32_t *keys, int64_t n, int32_t *cols, int64_t *counts,
                           int64_t *occ, fh_cancel *cancel);

/* fh_sum_sorted_keys writing each column's sum of signs as a float64 to vals (exact: a row
 * has fewer than 2**53 entries), for float64 output without the intermediate counts.
 * Returns the number of distinct columns (-1 if cancelled, as there). O(n). */
int64_t fh_sum_sorted_keys_f64(const uint32_t *keys, int64_t n, int32_t *cols, double *vals,
                               fh_cancel *cancel);

/* One slot of the per-row aggregation table: tag is 2 * column + 1 (0: empty), sum the
 * sum of its signs so far. */
typedef struct {
    uint32_t tag;
    int32_t sum;
} fh_agg_slot;

/* Rows of at most this many keys may be aggregated with fh_agg_keys (beyond, the table
 * outgrows the caches and sorting is faster). Every column's sum then fits an int32 and
 * converts to float32 exactly. */
#define FH_AGG_MAX_KEYS ((int64_t)1 << 16)

/* log2 of the table size fh_agg_keys uses for n keys whose columns are < 2**col_bits: the
 * table then holds 4n to 8n slots (it is at most a quarter full), or one per column. At
 * most half full (2n to 4n slots), character n-gram rows (a third of their keys distinct)
 * took 13% longer in all (multilingual char_wb(2,4): 85 -> 74 ms): probes past the home
 * slot, and entries displaced past a larger column, each a mispredicted branch, cost more
 * than the larger table; 8n to 16n slots were slower again. Pure. */
int fh_agg_bits(int64_t n, int col_bits);

/* Sum duplicates of n unsorted keys (1 <= n <= FH_AGG_MAX_KEYS, columns < 2**col_bits)
 * through an open-addressing table whose home slots are in column order, so that reading
 * its occupied slots in order almost sorts the distinct columns: cheaper than sorting
 * every key and summing them (character n-gram rows, whose columns repeat, and word rows
 * of tens to hundreds of keys). bits = fh_agg_bits(n,
 * col_bits); table has 2**bits + n slots and bitmap (2**bits + n + 63) / 64 words, all zero
 * on entry and again on return; pk holds n + 3 entries. Writes the distinct columns in
 * ascending order to pk, packed as (column << 32) | (uint32_t)sum, returns pk and their
 * number in *m. Explicit zeros (cancelling signs) are kept: the result equals fh_sort_keys
 * + fh_sum_sorted_keys on the same keys. Pure on its arguments; O(n) expected for hashed
 * columns. */
const uint64_t *fh_agg_keys(const uint32_t *keys, int64_t n, fh_agg_slot *table,
                            uint64_t *bitmap, int bits, int col_bits, uint64_t *pk, int64_t *m);

/* Column and sum of a packed entry of fh_agg_keys. */
static inline int32_t fh_agg_col(uint64_t p) { return (int32_t)(p >> 32); }
static inline int32_t fh_agg_sum(uint64_t p) { return (int32_t)(uint32_t)p; }

/* The float32 value scipy's sequential float32 summation of a column's +-1 entries gives:
 * exact up to 2**24 in magnitude; a column of one sign saturates at 2**24 (2**24 + 1 rounds
 * to even). A mixed-sign column with more than 2**24 entries depends on scipy's (unstable)
 * sort order and is only approximated by the rounded exact sum. */
static inline float fh_count_to_f32(int64_t count, int64_t occ)
{
    const int64_t lim = (int64_t)1 << 24;
    if (occ > lim && (count == occ || count == -occ))
        return count > 0 ? (float)lim : -(float)lim;
    return (float)count;
}

enum { FH_NORM_NONE = 0, FH_NORM_L1 = 1, FH_NORM_L2 = 2 };

/* Normalise one row in place exactly as sklearn.preprocessing.normalize does for CSR data:
 * accumulate in double in stored order (squares of float32 values rounded to float32 first),
 * leave the row untouched if the sum is 0, else divide each value in double and round to
 * the storage type. */
void fh_normalize_f64(double *v, int64_t n, int norm);
void fh_normalize_f32(float *v, int64_t n, int norm);

/* fh_normalize_f64 / fh_normalize_f32 (the same results, bit for bit) for a row of at
 * most 2**16 integer values of magnitude <= 2**16, such as a row's sums of signs: the norm
 * is summed in four independent parts (exact, hence equal, in any order). */
void fh_normalize_ints_f64(double *v, int64_t n, int norm);
void fh_normalize_ints_f32(float *v, int64_t n, int norm);
