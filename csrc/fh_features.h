/* Authors: The fasthash developers
 * SPDX-License-Identifier: BSD-3-Clause
 *
 * The FeatureHasher kernel: feature names -> raw CSR entries -> merged rows.
 *
 * scikit-learn's FeatureHasher emits one raw entry (column, signed value) per nonzero
 * feature, in input order, and lets scipy merge duplicates afterwards. The Python layer
 * reads the Python objects (GIL held) and turns each feature into its raw entry on the spot
 * with fh_feature_entry (the name is hashed in place: no copy); the merge below then runs
 * with the GIL released, batch by batch. */
#pragma once
#include <math.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "fh_arrow.h"
#include "fh_cancel.h"
#include "fh_csr.h"
#include "fh_murmur3.h"
#include "fh_status.h"

/* Unaligned little-endian loads of 4 and 8 bytes (one instruction where the compiler can). */
static inline uint32_t fh_load_le32u(const uint8_t *p)
{
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
    uint32_t v;
    memcpy(&v, p, sizeof v);
    return v;
#else
    return fh_load_le32(p);
#endif
}
static inline uint64_t fh_load_le64u(const uint8_t *p)
{
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
    uint64_t v;
    memcpy(&v, p, sizeof v);
    return v;
#else
    return fh_load_le64(p);
#endif
}

/* Per name length n = 0 .. 11, for fh_feature_hash: the right shift that aligns the 8 bytes
 * ending at the name's end on its start (n < 8), whether any byte is kept, the right shift
 * and mask of the 4 bytes ending there for the third block (n >= 9), and the masks "block 0
 * is whole" (n >= 4) and "block 1 is whole" (n >= 8). */
static const uint8_t fh_name_shift_lo[12] = {0, 56, 48, 40, 32, 24, 16, 8, 0, 0, 0, 0};
static const uint8_t fh_name_shift_hi[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 24, 16, 8};
static const uint64_t fh_name_keep_lo[12] = {0, ~0ull, ~0ull, ~0ull, ~0ull, ~0ull,
                                              ~0ull, ~0ull, ~0ull, ~0ull, ~0ull, ~0ull};
static const uint32_t fh_name_keep_hi[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, ~0u, ~0u, ~0u};
static const uint32_t fh_name_ge4[12] = {0, 0, 0, 0, ~0u, ~0u, ~0u, ~0u, ~0u, ~0u, ~0u, ~0u};
static const uint32_t fh_name_ge8[12] = {0, 0, 0, 0, 0, 0, 0, 0, ~0u, ~0u, ~0u, ~0u};

/* fh_murmur3_32_inline(p, n, 0) for a name whose 8 bytes before p are readable too (the
 * header of the Python str or bytes object holding it). Branch-free for n <= 11 (lengths
 * of names vary unpredictably: the loop and tail switch of the generic version
 * mispredict), with loads anchored at the end of the name, never past it; the loop above. */
static inline uint32_t fh_feature_hash(const uint8_t *p, size_t n)
{
    if (n > 11)
        return fh_murmur3_32_inline(p, n, 0u);
    const uint8_t *e = p + n;
    /* bytes 0 .. min(n, 8) in the low bytes of x, the rest zero */
    uint64_t x = (fh_load_le64u(n >= 8 ? p : e - 8) >> fh_name_shift_lo[n]) & fh_name_keep_lo[n];
    /* bytes 8 .. n (n >= 9), else 0 */
    uint32_t w2 = (fh_load_le32u(e - 4) >> fh_name_shift_hi[n]) & fh_name_keep_hi[n];
    const uint32_t ge4 = fh_name_ge4[n], ge8 = fh_name_ge8[n];
    uint32_t w0 = (uint32_t)x, w1 = (uint32_t)(x >> 32);
    uint32_t ha = fh_murmur3_block(0, w0);
    uint32_t hb = fh_murmur3_block(ha, w1);
    uint32_t h1 = (ha & ge4) ^ ((ha ^ hb) & ge8);
    uint32_t tail = w0 ^ ((w0 ^ w1) & ge4); /* w0 (n < 4) or w1 (4 <= n < 8) */
    tail ^= (tail ^ w2) & ge8;              /* w2 (n >= 8) */
    h1 ^= fh_murmur3_scramble(tail);
    return fh_murmur3_finish(h1, (uint32_t)n);
}

/* Hash one feature name and apply scikit-learn's column and sign rules: with
 * h = (int32) MurmurHash3_x86_32(name[0 .. len), seed 0), the column is |h| mod n_features
 * (h == -2**31 gives 2**31 mod n_features) and the value is negated iff alternate_sign and
 * h < 0. Returns (column << 1) | negate. The 8 bytes before name must be readable (see
 * fh_feature_hash); pow2_mask is n_features - 1 when n_features is a power of two, else 0;
 * requires 1 <= n_features <= 2**31 - 1 and len <= INT32_MAX (the caller checks:
 * scikit-learn passes the length as a C int). Pure, inline, O(len). */
static inline uint32_t fh_feature_entry(const uint8_t *name, size_t len, uint32_t n_features,
                                        uint32_t pow2_mask, int alternate_sign)
{
    return fh_feature_key(fh_feature_hash(name, len), n_features, pow2_mask, alternate_sign);
}

/* x with its sign bit flipped iff negate (0 or 1): scikit-learn's sign rule, branch-free
 * (signs of hashed names are random: a branch would mispredict half the time). A flip, not
 * a multiplication by -1.0: it flips the sign of a NaN too, as scikit-learn's GCC-built
 * wheels do (GCC compiles its `value *= (h >= 0) * 2 - 1` to a sign flip). */
static inline double fh_flip_sign(double x, uint32_t negate)
{
    uint64_t bits;
    memcpy(&bits, &x, sizeof bits);
    bits ^= (uint64_t)(negate & 1u) << 63;
    memcpy(&x, &bits, sizeof bits);
    return x;
}

/* row_flags bit of a row left unmerged by fh_merge_feature_rows_f64/_f32. */
enum { FH_MERGE_RAW = 1 };

/* scipy's sum_duplicates of FeatureHasher's raw CSR rows, per row in parallel, wherever
 * its result provably does not depend on the order in which scipy sums duplicates.
 *
 * scipy sorts every row with libstdc++'s unstable std::sort on the column only (unless every
 * row of the whole matrix is already sorted), then sums each run of equal columns left to
 * right (R14 of the spec). That order matters only when a column has several entries whose
 * sum rounds differently in another order. This kernel sorts each row by (column, input
 * position) and sums each column's entries, except in a row where some column holds 2 or
 * more entries of which one is not finite (NaN payloads and signs depend on the order), or
 * 3 or more entries that are not all integers whose absolute values sum to less than 2**53
 * (float64) or 2**24 (float32): such a row is copied unchanged, in input order, and flagged
 * (row_flags[i] = FH_MERGE_RAW) for the caller to merge as scipy does. In every merged row
 * each partial sum is exact (or, for two entries, a single commutative rounding), so the
 * result equals scipy's bit for bit, explicit zeros (x + -x) included.
 *
 * Row i's entries are indices/values[indptr[i] .. indptr[i + 1]), indptr[0] == 0, columns
 * in [0, n_cols), n_cols <= 2**31. On FH_OK: out_indptr (n_rows + 1 entries, from 0) is the
 * output's indptr; out_indices/out_values (capacity indptr[n_rows]) hold each row's distinct
 * columns ascending with their sums, or its raw entries if flagged; row_flags (n_rows) is
 * set; *all_sorted is 1 iff the raw columns of every row are non-decreasing (scipy would not
 * sort: the caller needs it for the flagged rows of the whole matrix). Buffers are
 * caller-owned; inputs are only read and may not alias outputs. Reentrant; up to n_threads
 * threads of the pool (fh_pool.h: parts of rows claimed one at a time), never more than
 * one per row, per 65536 raw entries or FH_MAX_THREADS; the output is identical for any
 * thread count. Allocates
 * threads * (2 * longest row + 4096) * 8 bytes of scratch. O(nnz) for hashed columns,
 * O(nnz log(longest row)) at worst.
 * Returns FH_OK, FH_ERR_NOMEM, FH_ERR_BADARG (NULL buffers, n_rows < 0, decreasing
 * indptr, n_cols outside [1, 2**31], a column outside [0, n_cols)), or FH_ERR_CANCELLED
 * (outputs partly written) when cancel (may be NULL; polled every FH_POLL_ITEMS entries,
 * inside long rows too) is requested. */
fh_status fh_merge_feature_rows_f64(const int64_t *indptr, int64_t n_rows,
                                    const int32_t *indices, const double *values,
                                    int64_t n_cols, int n_threads, fh_cancel *cancel,
                                    int64_t *out_indptr, int32_t *out_indices,
                                    double *out_values, uint8_t *row_flags, int *all_sorted);
/* The same for float32 values (sums in float32 arithmetic, as scipy's). */
fh_status fh_merge_feature_rows_f32(const int64_t *indptr, int64_t n_rows,
                                    const int32_t *indices, const float *values,
                                    int64_t n_cols, int n_threads, fh_cancel *cancel,
                                    int64_t *out_indptr, int32_t *out_indices,
                                    float *out_values, uint8_t *row_flags, int *all_sorted);

/* ---------------------------------------------------------------- raw entries */

/* Where raw entries are appended (the Python layer's batches, fh_arrow_feature_rows):
 * entry k is column cols[k] and value vals[k], the feature's value signed as scikit-learn
 * signs it. */
typedef struct {
    int32_t *cols;
    double *vals;
    int64_t n, cap;
    uint32_t n_features, pow2_mask;
    int alternate_sign;
    int check;      /* FH_CHECK_*: which values the caller assigns one by one */
    double lo, hi;  /* the bounds of check */
} fh_sink;

/* Values that scikit-learn's assignment to the output dtype treats apart (fh_sink.check):
 * none; those outside (lo, hi) (integer dtypes); finite ones with |v| >= hi (float32,
 * complex64: overflow). */
enum { FH_CHECK_NONE = 0, FH_CHECK_RANGE = 1, FH_CHECK_FINITE_ABS = 2 };

/* Whether the value v must be assigned by the caller (see fh_sink.check). Pure. */
static inline int fh_sink_needs_fix(const fh_sink *s, double v)
{
    if (s->check == FH_CHECK_RANGE)
        return !(s->lo < v && v < s->hi);
    if (s->check == FH_CHECK_FINITE_ABS)
        return isfinite(v) && !(fabs(v) < s->hi);
    return 0;
}

/* Flags of the rows of fh_arrow_feature_rows. */
enum { FH_ROW_PYTHON = 1 /* left to the caller: Python's exact semantics are needed */ };

/* Raw entries of rows [row0, row0 + n_rows) of the Arrow feature lists l (0 <= row0,
 * row0 + n_rows <= l->length), appended to sink from sink->n, whose capacity must hold
 * the items of those rows beyond sink->n (fh_arrow_list_item_count). scikit-learn's loop
 * per item: a zero value is skipped (its name is not read), a name is hashed as its bytes
 * (the UTF-8 of a str, a bytes name as it is) and the entry is (column, value signed by
 * the hash); names of a list hold the value 1. Row row0 + k gets row_nnz[k] entries; the
 * entries are contiguous, in row order, and sink->n is advanced past them.
 * A row is left to the caller -- flags[k] = FH_ROW_PYTHON, row_nnz[k] = 0, no entry --
 * where scikit-learn's Python semantics are needed: the row is null or malformed; an item,
 * a kept name or a value is null; a utf8 name is not valid UTF-8 (Python cannot decode
 * it); a kept name is longer than INT32_MAX bytes; a value needs the caller's assignment
 * (fh_sink_needs_fix); or, with unique_keys, two items of the row have equal names (a
 * Python dict built from the row keeps one). Other rows get flags[k] = 0.
 * Reentrant on distinct sinks; uses up to n_threads threads of the pool (fh_pool.h; the
 * output does not depend on it). Returns FH_OK, FH_ERR_NOMEM, FH_ERR_BADARG (bad arguments, too small a
 * sink), or FH_ERR_CANCELLED (cancel polled every FH_POLL_ITEMS items; sink->n is then
 * unchanged). O(items + name bytes), O(items log items) per row with unique_keys. */
fh_status fh_arrow_feature_rows(const fh_arrow_lists *l, int64_t row0, int64_t n_rows,
                                int unique_keys, int n_threads, fh_cancel *cancel,
                                fh_sink *sink, int64_t *row_nnz, uint8_t *flags);

/* The number of items of rows [row0, row0 + n) of l (a null or malformed row counts 0):
 * the capacity fh_arrow_feature_rows needs. Pure, O(n). */
int64_t fh_arrow_list_item_count(const fh_arrow_lists *l, int64_t row0, int64_t n);
