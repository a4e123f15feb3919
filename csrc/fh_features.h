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

/* scipy's sum_duplicates of FeatureHasher's raw CSR, done per row in parallel wherever its
 * result provably does not depend on the order in which scipy sums duplicates.
 *
 * scipy sorts every row with libstdc++'s unstable std::sort on the column only, then sums
 * each run of equal columns left to right (R14 of the spec). That order matters only when
 * a column has several entries whose sum rounds differently in another order. This kernel
 * sorts each row by (column, input position) and sums each column's entries; it reports
 * `*order_sensitive = 1` (and leaves the outputs unspecified) as soon as some column holds
 * 2 or more entries of which one is not finite (NaN payloads and signs depend on the order),
 * or 3 or more entries that are not all integers whose absolute values sum to less than
 * 2**53 (float64) or 2**24 (float32): only then can the order change a bit, and the caller
 * lets scipy merge the untouched input. Otherwise every partial sum is exact (or, for two
 * entries, a single commutative rounding), so the result equals scipy's bit for bit,
 * explicit zeros (x + -x) included.
 *
 * Row i's entries are indices/values[indptr[i] .. indptr[i + 1]), columns in [0, 2**31).
 * On FH_OK with *order_sensitive == 0: out_indptr (n_rows + 1 entries) is the merged CSR's
 * indptr, and out_indices/out_values (capacity indptr[n_rows]) hold each row's distinct
 * columns ascending with their sums. Buffers are caller-owned; inputs are only read and may
 * not alias outputs. Reentrant; n_threads OpenMP threads (static schedule); the output is
 * identical for any thread count. Allocates n_threads * 2 * (longest row) * 8 bytes of
 * scratch (plus 2 KiB per thread). O(nnz) for hashed columns, O(nnz log(longest row)) at worst.
 * Returns FH_OK, FH_ERR_NOMEM, or FH_ERR_BADARG (NULL buffers, n_rows < 0, decreasing
 * indptr, a column outside [0, 2**31)). */
fh_status fh_merge_rows_f64(const int64_t *indptr, int64_t n_rows, const int32_t *indices,
                            const double *values, int n_threads, int64_t *out_indptr,
                            int32_t *out_indices, double *out_values, int *order_sensitive);
/* The same for float32 values (sums in float32 arithmetic, as scipy's). */
fh_status fh_merge_rows_f32(const int64_t *indptr, int64_t n_rows, const int32_t *indices,
                            const float *values, int n_threads, int64_t *out_indptr,
                            int32_t *out_indices, float *out_values, int *order_sensitive);
