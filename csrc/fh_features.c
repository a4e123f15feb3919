/* Authors: The fasthash developers
 * SPDX-License-Identifier: BSD-3-Clause */
#include "fh_features.h"

#include <stddef.h>

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
