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

void fh_sort_keys(uint32_t *keys, uint32_t *tmp, int64_t n, uint32_t max_key)
{
    if (n <= 48) {
        insertion_sort(keys, n);
        return;
    }
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
    if (src != keys)
        memcpy(keys, src, sizeof(uint32_t) * (size_t)n);
}

int64_t fh_sum_sorted_keys(const uint32_t *keys, int64_t n, int32_t *cols, int64_t *counts)
{
    int64_t m = 0, i = 0;
    while (i < n) {
        uint32_t col = keys[i] >> 1;
        int64_t c = 0;
        while (i < n && (keys[i] >> 1) == col) {
            c += 1 - 2 * (int64_t)(keys[i] & 1u);
            i++;
        }
        cols[m] = (int32_t)col;
        counts[m] = c;
        m++;
    }
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
