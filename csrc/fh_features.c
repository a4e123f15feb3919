/* Authors: The fasthash developers
 * SPDX-License-Identifier: BSD-3-Clause */
#include "fh_features.h"

#include <math.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#ifdef _OPENMP
#include <omp.h>
#endif

#include "fh_csr.h"
#include "fh_murmur3.h"

fh_status fh_hash_named_values(const uint8_t *names, const int64_t *offsets,
                               const double *values, int64_t n, int64_t n_features,
                               int alternate_sign, int n_threads, int32_t *out_indices,
                               double *out_values)
{
    if (n < 0 || n_features < 1 || n_features > INT32_MAX) return FH_ERR_BADARG;
    if (n == 0) return FH_OK;
    if (names == NULL || offsets == NULL || values == NULL || out_indices == NULL ||
        out_values == NULL)
        return FH_ERR_BADARG;
    /* Validate the layout serially first: no early exit is needed in the parallel loop. */
    for (int64_t i = 0; i < n; i++) {
        int64_t len = offsets[i + 1] - offsets[i];
        if (offsets[i] < 0 || len < 0 || len > INT32_MAX) return FH_ERR_BADARG;
    }
    if (n_threads < 1) n_threads = 1;
    const uint32_t nf = (uint32_t)n_features;
    const uint32_t mask = (nf & (nf - 1)) == 0 && nf > 1 ? nf - 1 : 0;
    const int sign = alternate_sign != 0;
#ifdef _OPENMP
#pragma omp parallel for schedule(static) num_threads(n_threads) if (n > 4096)
#endif
    for (int64_t i = 0; i < n; i++) {
        const uint8_t *p = names + offsets[i];
        size_t len = (size_t)(offsets[i + 1] - offsets[i]);
        uint32_t key = fh_feature_key(fh_murmur3_32_inline(p, len, 0u), nf, mask, sign);
        out_indices[i] = (int32_t)(key >> 1);
        /* A negation, not a multiplication by -1.0: it flips the sign bit of a NaN too,
         * as scikit-learn's GCC-built wheels do (GCC compiles its `value *= (h >= 0) * 2 -
         * 1` to a sign flip). */
        out_values[i] = (key & 1u) ? -values[i] : values[i];
    }
    return FH_OK;
}

static void insertion_sort_u64(uint64_t *a, int64_t n)
{
    for (int64_t i = 1; i < n; i++) {
        uint64_t x = a[i];
        int64_t j = i - 1;
        while (j >= 0 && a[j] > x) {
            a[j + 1] = a[j];
            j--;
        }
        a[j + 1] = x;
    }
}

static int bit_length_u64(uint64_t x)
{
    int b = 0;
    while (x) {
        b++;
        x >>= 1;
    }
    return b;
}

/* Rows up to this length are distributed into about n/2 buckets by the high bits of their
 * column, then insertion-sorted (~O(n) for hashed columns; bounded when they are not);
 * longer rows use a merge sort, O(n log n) whatever the columns. */
#define FH_MERGE_BUCKET_MAX 4096

/* Sort n distinct keys (column << 32 | position, columns below 2**kbits) ascending.
 * tmp has n entries and counts FH_MERGE_BUCKET_MAX / 2 entries of scratch. Returns the
 * buffer holding the result (a or tmp). */
static uint64_t *sort_u64(uint64_t *a, uint64_t *tmp, uint32_t *counts, int64_t n, int kbits)
{
    if (n <= 16) {
        insertion_sort_u64(a, n);
        return a;
    }
    if (n <= FH_MERGE_BUCKET_MAX) {
        int bbits = bit_length_u64((uint64_t)n) - 2; /* n / 4 < 2**bbits <= n / 2 */
        if (bbits > kbits)
            bbits = kbits;
        const int shift = 32 + kbits - bbits;
        const int64_t nb = (int64_t)1 << bbits;
        memset(counts, 0, sizeof(uint32_t) * (size_t)nb);
        for (int64_t i = 0; i < n; i++)
            counts[a[i] >> shift]++;
        uint32_t sum = 0;
        for (int64_t k = 0; k < nb; k++) {
            uint32_t c = counts[k];
            counts[k] = sum;
            sum += c;
        }
        for (int64_t i = 0; i < n; i++)
            tmp[counts[a[i] >> shift]++] = a[i];
        insertion_sort_u64(tmp, n);
        return tmp;
    }
    /* Runs of 16 by insertion sort, then bottom-up merge passes between a and tmp. */
    const int64_t run = 16;
    for (int64_t s = 0; s < n; s += run)
        insertion_sort_u64(a + s, s + run < n ? run : n - s);
    uint64_t *src = a, *dst = tmp;
    for (int64_t w = run; w < n; w *= 2) {
        for (int64_t lo = 0; lo < n; lo += 2 * w) {
            int64_t mid = lo + w < n ? lo + w : n;
            int64_t hi = lo + 2 * w < n ? lo + 2 * w : n;
            int64_t i = lo, j = mid, k = lo;
            while (i < mid && j < hi)
                dst[k++] = src[i] <= src[j] ? src[i++] : src[j++];
            while (i < mid)
                dst[k++] = src[i++];
            while (j < hi)
                dst[k++] = src[j++];
        }
        uint64_t *t = src;
        src = dst;
        dst = t;
    }
    return src;
}

/* One row: returns its number of distinct columns, or -1 if order-sensitive. */
#define FH_MERGE_ROW(T, LIMIT)                                                            \
    static int64_t merge_row_##T(const int32_t *idx, const T *val, int64_t n,             \
                                 uint64_t *keys, uint64_t *tmp, uint32_t *counts,         \
                                 int kbits, int32_t *oi, T *ov)                           \
    {                                                                                     \
        for (int64_t k = 0; k < n; k++)                                                   \
            keys[k] = ((uint64_t)(uint32_t)idx[k] << 32) | (uint64_t)k;                   \
        const uint64_t *s = sort_u64(keys, tmp, counts, n, kbits);                         \
        int64_t m = 0;                                                                    \
        for (int64_t a = 0; a < n;) {                                                     \
            uint32_t col = (uint32_t)(s[a] >> 32);                                        \
            int64_t b = a + 1;                                                            \
            while (b < n && (uint32_t)(s[b] >> 32) == col)                                \
                b++;                                                                      \
            T sum = val[(uint32_t)s[a]];                                                  \
            if (b - a > 1) {                                                              \
                double mag = 0.0;                                                         \
                int integral = 1;                                                         \
                for (int64_t c = a; c < b; c++) {                                         \
                    double v = (double)val[(uint32_t)s[c]];                               \
                    if (!isfinite(v))                                                     \
                        return -1;                                                        \
                    integral &= v == trunc(v);                                            \
                    mag += fabs(v);                                                       \
                }                                                                         \
                if (b - a > 2 && !(integral && mag < (LIMIT)))                            \
                    return -1;                                                            \
                for (int64_t c = a + 1; c < b; c++)                                       \
                    sum += val[(uint32_t)s[c]];                                           \
            }                                                                             \
            oi[m] = (int32_t)col;                                                         \
            ov[m] = sum;                                                                  \
            m++;                                                                          \
            a = b;                                                                        \
        }                                                                                 \
        return m;                                                                         \
    }

FH_MERGE_ROW(double, 9007199254740992.0)
FH_MERGE_ROW(float, 16777216.0)

typedef int64_t (*merge_row_fn)(const int32_t *idx, const void *val, int64_t n,
                                uint64_t *keys, uint64_t *tmp, uint32_t *counts, int kbits,
                                int32_t *oi, void *ov);

static int64_t merge_row_f64(const int32_t *idx, const void *val, int64_t n, uint64_t *keys,
                             uint64_t *tmp, uint32_t *counts, int kbits, int32_t *oi, void *ov)
{
    return merge_row_double(idx, (const double *)val, n, keys, tmp, counts, kbits, oi,
                            (double *)ov);
}

static int64_t merge_row_f32(const int32_t *idx, const void *val, int64_t n, uint64_t *keys,
                             uint64_t *tmp, uint32_t *counts, int kbits, int32_t *oi, void *ov)
{
    return merge_row_float(idx, (const float *)val, n, keys, tmp, counts, kbits, oi,
                           (float *)ov);
}

static fh_status merge_rows(const int64_t *indptr, int64_t n_rows, const int32_t *indices,
                            const char *values, size_t vsize, merge_row_fn merge_row,
                            int n_threads, int64_t *out_indptr, int32_t *out_indices,
                            char *out_values, int *order_sensitive)
{
    if (indptr == NULL || indices == NULL || values == NULL || out_indptr == NULL ||
        out_indices == NULL || out_values == NULL || order_sensitive == NULL || n_rows < 0 ||
        indptr[0] != 0)
        return FH_ERR_BADARG;
    *order_sensitive = 0;
    int64_t longest = 0;
    for (int64_t i = 0; i < n_rows; i++) {
        int64_t len = indptr[i + 1] - indptr[i];
        if (len < 0)
            return FH_ERR_BADARG;
        if (len > longest)
            longest = len;
    }
    const int64_t nnz = indptr[n_rows];
    uint32_t max_col = 0;
    for (int64_t k = 0; k < nnz; k++) {
        if (indices[k] < 0)
            return FH_ERR_BADARG;
        if ((uint32_t)indices[k] > max_col)
            max_col = (uint32_t)indices[k];
    }
    const int kbits = bit_length_u64(max_col);
    out_indptr[0] = 0;
    if (longest == 0) {
        for (int64_t i = 0; i < n_rows; i++)
            out_indptr[i + 1] = 0;
        return FH_OK;
    }
    if (n_threads < 1)
        n_threads = 1;
    /* Per-thread sort scratch, allocated once: keys, a second buffer of keys, and bucket
     * counts (FH_MERGE_BUCKET_MAX / 2 uint32, i.e. FH_MERGE_BUCKET_MAX / 4 uint64). */
    const size_t per_thread = 2 * (size_t)longest + FH_MERGE_BUCKET_MAX / 4;
    uint64_t *scratch = malloc(sizeof(uint64_t) * per_thread * (size_t)n_threads);
    if (scratch == NULL)
        return FH_ERR_NOMEM;
    /* Row i is merged at its input offset; its distinct count (or -1) goes to
     * out_indptr[i + 1] until the serial compaction below. */
#ifdef _OPENMP
#pragma omp parallel num_threads(n_threads)
#endif
    {
#ifdef _OPENMP
        uint64_t *keys = scratch + (size_t)omp_get_thread_num() * per_thread;
#pragma omp for schedule(static)
#else
        uint64_t *keys = scratch;
#endif
        for (int64_t i = 0; i < n_rows; i++)
            out_indptr[i + 1] =
                merge_row(indices + indptr[i], values + (size_t)indptr[i] * vsize,
                          indptr[i + 1] - indptr[i], keys, keys + longest,
                          (uint32_t *)(keys + 2 * longest), kbits, out_indices + indptr[i], out_values + (size_t)indptr[i] * vsize);
    }
    free(scratch);
    for (int64_t i = 0; i < n_rows; i++) {
        if (out_indptr[i + 1] < 0) {
            *order_sensitive = 1;
            return FH_OK;
        }
    }
    /* Serial compaction: rows move down to their final offsets, in order. */
    int64_t pos = 0;
    for (int64_t i = 0; i < n_rows; i++) {
        int64_t m = out_indptr[i + 1];
        if (pos != indptr[i] && m > 0) {
            memmove(out_indices + pos, out_indices + indptr[i], sizeof(int32_t) * (size_t)m);
            memmove(out_values + (size_t)pos * vsize, out_values + (size_t)indptr[i] * vsize,
                    vsize * (size_t)m);
        }
        pos += m;
        out_indptr[i + 1] = pos;
    }
    return FH_OK;
}

fh_status fh_merge_rows_f64(const int64_t *indptr, int64_t n_rows, const int32_t *indices,
                            const double *values, int n_threads, int64_t *out_indptr,
                            int32_t *out_indices, double *out_values, int *order_sensitive)
{
    return merge_rows(indptr, n_rows, indices, (const char *)values, sizeof(double),
                      merge_row_f64, n_threads, out_indptr, out_indices, (char *)out_values,
                      order_sensitive);
}

fh_status fh_merge_rows_f32(const int64_t *indptr, int64_t n_rows, const int32_t *indices,
                            const float *values, int n_threads, int64_t *out_indptr,
                            int32_t *out_indices, float *out_values, int *order_sensitive)
{
    return merge_rows(indptr, n_rows, indices, (const char *)values, sizeof(float),
                      merge_row_f32, n_threads, out_indptr, out_indices, (char *)out_values,
                      order_sensitive);
}
