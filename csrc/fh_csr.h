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

/* The per-row aggregation table of fh_agg_keys. A slot is one word: the key + 2 in the high
 * half (0: empty) and the key's count in the low half, so that counting a key in its slot
 * is one OR (the key, a no-op when it is already there) and one add, whether the slot was
 * empty or not. used has a bit for each slot used by the current row, so that the used
 * slots are found 64 at a time without reading the table. Between rows every slot and
 * every bit is 0. */
typedef struct {
    uint64_t *slots;
    uint64_t *used; /* cap / 64 words */
    int64_t cap;    /* a multiple of 64 */
} fh_agg_table;

/* Make t hold at least n_slots slots (fresh slots empty). Returns 0, or -1 if out of
 * memory (t is then unchanged). Not thread-safe on one t. */
int fh_agg_reserve(fh_agg_table *t, int64_t n_slots);
void fh_agg_table_free(fh_agg_table *t);

/* Rows of at most this many keys may be aggregated with fh_agg_keys (beyond, the table
 * outgrows the caches and sorting is faster). Every column's sum then fits an int32 and
 * converts to float32 exactly. */
#define FH_AGG_MAX_KEYS ((int64_t)1 << 16)

/* log2 of the table size fh_agg_keys uses for n keys whose columns are < 2**col_bits: the
 * table then holds 2n to 4n slots (it is at most half full), or one per column. Pure. */
int fh_agg_bits(int64_t n, int col_bits);

/* Number of slots fh_agg_keys uses with bits = fh_agg_bits(n, col_bits). */
static inline int64_t fh_agg_slots(int64_t n, int bits) { return ((int64_t)1 << bits) + n; }

/* Sum duplicates of n unsorted keys (1 <= n <= FH_AGG_MAX_KEYS, columns < 2**col_bits and
 * < 2**31 - 1, as n_features <= 2**31 - 1 makes them)
 * through an open-addressing table whose home slots are in column order, so that reading
 * its occupied slots in order almost sorts the distinct columns: cheaper than sorting
 * every key and summing them (character n-gram rows, whose columns repeat, and word rows
 * of tens to hundreds of keys). bits = fh_agg_bits(n, col_bits); t holds at least
 * fh_agg_slots(n, bits) slots, empty on entry and again on return; pk holds n entries.
 * Writes the distinct columns in ascending order to pk (read them with fh_agg_col and
 * fh_agg_sum), returns pk and their number in *m. Explicit zeros (cancelling signs) are
 * kept: the result equals fh_sort_keys + fh_sum_sorted_keys on the same keys. Pure on its
 * arguments; O(n) expected for hashed columns. */
const uint64_t *fh_agg_keys(const uint32_t *keys, int64_t n, fh_agg_table *t, int bits,
                            int col_bits, uint64_t *pk, int64_t *m);

/* Column and sum of a packed entry of fh_agg_keys: (key + 2) << 32 | count, the key's
 * parity its sign, or (for a column with keys of both signs) its + key and the sum. */
static inline int32_t fh_agg_col(uint64_t p) { return (int32_t)((p >> 33) - 1u); }
static inline int32_t fh_agg_sum(uint64_t p)
{
    uint32_t neg = 0u - (uint32_t)((p >> 32) & 1u);
    return (int32_t)(((uint32_t)p ^ neg) - neg);
}

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

/* A row from the m packed entries pk of fh_agg_keys (ascending columns, 1 <= m <= 2**16,
 * sums of magnitude <= 2**16): the columns to cols, the values (the sums, or 1 if binary)
 * to vals, normalised (norm FH_NORM_*) with the bits fh_normalize_f64 / fh_normalize_f32
 * give: every term of the norm (the squares rounded to float32 for float32 values, as
 * there) is an integer and the total < 2**53, so sklearn's sequential float64 sum is exact,
 * and equal to a sum in any order (four independent parts here). Columns and values are
 * written by separate loops, which compilers vectorise. O(m). */
void fh_agg_row_f64(const uint64_t *pk, int64_t m, int binary, int norm, int32_t *cols,
                    double *vals);
void fh_agg_row_f32(const uint64_t *pk, int64_t m, int binary, int norm, int32_t *cols,
                    float *vals);
void fh_agg_row_i64(const uint64_t *pk, int64_t m, int binary, int32_t *cols, int64_t *vals);
