/* Authors: The fasthash developers
 * SPDX-License-Identifier: BSD-3-Clause */
#include "fh_csr.h"

#include <math.h>
#include <string.h>

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

/* Rows of up to this many keys are distributed into about n/2 buckets by their high bits,
 * then insertion-sorted: every key moves only within its bucket, so this is ~O(n) for
 * hashed (uniform) keys, and bounded by n * bucket width otherwise. Longer rows use an
 * LSD radix sort, O(n) whatever the keys. */
#define FH_BUCKET_SORT_MAX 4096

static const uint32_t *bucket_sort(uint32_t *keys, uint32_t *tmp, int64_t n, uint32_t max_key)
{
    uint32_t counts[FH_BUCKET_SORT_MAX / 2];
    int kbits = bit_length(max_key);
    int bbits = bit_length((uint64_t)n) - 2; /* n / 4 < 2**bbits <= n / 2 */
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

const uint32_t *fh_sort_keys(uint32_t *keys, uint32_t *tmp, int64_t n, uint32_t max_key)
{
    if (n <= 12) {
        insertion_sort(keys, n);
        return keys;
    }
    if (n <= FH_BUCKET_SORT_MAX)
        return bucket_sort(keys, tmp, n, max_key);
    int passes = 1;
    while (passes < 4 && (max_key >> (8 * passes)) != 0)
        passes++;
    int64_t hist[4][256];
    memset(hist, 0, sizeof(int64_t) * 256 * (size_t)passes);
    for (int64_t i = 0; i < n; i++) {
        uint32_t k = keys[i];
        for (int p = 0; p < passes; p++)
            hist[p][(k >> (8 * p)) & 0xFF]++;
    }
    uint32_t *src = keys, *dst = tmp;
    for (int p = 0; p < passes; p++) {
        int64_t *h = hist[p];
        int64_t sum = 0;
        int trivial = 0;
        for (int b = 0; b < 256; b++) {
            if (h[b] == n)
                trivial = 1;
            int64_t c = h[b];
            h[b] = sum;
            sum += c;
        }
        if (trivial)
            continue; /* every key has the same byte here: the pass is a no-op */
        int shift = 8 * p;
        for (int64_t i = 0; i < n; i++) {
            uint32_t k = src[i];
            dst[h[(k >> shift) & 0xFF]++] = k;
        }
        uint32_t *t = src;
        src = dst;
        dst = t;
    }
    return src;
}

int64_t fh_sum_sorted_keys(const uint32_t *keys, int64_t n, int32_t *cols, int64_t *counts,
                           int64_t *occ)
{
    if (n == 0)
        return 0;
    int64_t m = 0, first = 0;
    uint32_t col = keys[0] >> 1;
    int64_t c = 0;
    for (int64_t i = 0; i < n; i++) {
        uint32_t k = keys[i];
        if ((k >> 1) != col) {
            cols[m] = (int32_t)col;
            if (occ)
                occ[m] = i - first;
            counts[m++] = c;
            col = k >> 1;
            c = 0;
            first = i;
        }
        c += 1 - 2 * (int64_t)(k & 1u);
    }
    cols[m] = (int32_t)col;
    if (occ)
        occ[m] = n - first;
    counts[m++] = c;
    return m;
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
