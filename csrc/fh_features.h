/* Authors: The fasthash developers
 * SPDX-License-Identifier: BSD-3-Clause
 *
 * The FeatureHasher kernel: pre-marshalled (name bytes, value) pairs -> raw CSR entries.
 *
 * scikit-learn's FeatureHasher emits one raw entry (column, signed value) per nonzero
 * feature, in input order, and lets scipy merge duplicates afterwards. The Python layer
 * reads the Python objects (GIL held), copies the UTF-8 (or bytes) name of every feature
 * into one arena and its value, as a double, into an array; this kernel then hashes every
 * name with the GIL released. */
#pragma once
#include <stdint.h>

#include "fh_status.h"

/* Hash n feature names and apply scikit-learn's column and sign rules.
 *
 * Feature i is the byte string names[offsets[i] .. offsets[i + 1]) (any bytes, NULs
 * included) with the value values[i]. With h = (int32) MurmurHash3_x86_32(name, seed 0):
 *   out_indices[i] = |h| mod n_features, where h == -2**31 gives 2**31 mod n_features;
 *   out_values[i]  = -values[i] if alternate_sign and h < 0, else values[i] (a sign flip,
 *                    NaN included, as in scikit-learn's GCC-built wheels).
 * Ownership: every buffer is caller-owned; names/offsets/values are only read; offsets has
 * n + 1 entries; out_indices and out_values have n entries and are fully written on FH_OK.
 * Thread safety: reentrant, no global state; runs n_threads OpenMP threads (static
 * schedule, ignored without OpenMP). Each entry depends on its own input only, so the
 * output is identical for every thread count. Complexity: O(n + total name bytes).
 * Returns FH_OK; FH_ERR_BADARG (nothing or part written) if n < 0, n_features is not in
 * [1, 2**31 - 1], a buffer is NULL while n > 0, offsets decrease, or a name is longer
 * than INT32_MAX bytes (scikit-learn passes the length as a C int). */
fh_status fh_hash_named_values(const uint8_t *names, const int64_t *offsets,
                               const double *values, int64_t n, int64_t n_features,
                               int alternate_sign, int n_threads, int32_t *out_indices,
                               double *out_values);
