/* Authors: The fasthash developers
 * SPDX-License-Identifier: BSD-3-Clause
 *
 * Growable arrays (private to csrc/): the one place capacities are computed and realloc'ed. */
#pragma once
#include <stdint.h>
#include <stdlib.h>

/* Smallest capacity >= need reached by doubling cap (or first, when cap is 0). Pure. */
static inline int64_t fh_next_cap(int64_t cap, int64_t need, int64_t first)
{
    int64_t n = cap > 0 ? cap : first;
    while (n < need)
        n *= 2;
    return n;
}

/* Reallocate the array P (a typed pointer lvalue) to N elements; on failure P is kept and
 * ON_FAIL runs (e.g. `return FH_ERR_NOMEM`). */
#define FH_RESIZE(P, N, ON_FAIL)                                                          \
    do {                                                                                  \
        void *fh_q_ = realloc((P), sizeof *(P) * (size_t)(N));                            \
        if (!fh_q_)                                                                       \
            ON_FAIL;                                                                      \
        (P) = fh_q_;                                                                      \
    } while (0)

/* Make the array P with capacity CAP (an int64_t lvalue) hold at least NEED elements,
 * doubling from FIRST; on failure P and CAP are kept and ON_FAIL runs. */
#define FH_GROW(P, CAP, NEED, FIRST, ON_FAIL)                                             \
    do {                                                                                  \
        if ((NEED) > (CAP)) {                                                             \
            int64_t fh_n_ = fh_next_cap((CAP), (NEED), (FIRST));                          \
            FH_RESIZE(P, fh_n_, ON_FAIL);                                                 \
            (CAP) = fh_n_;                                                                \
        }                                                                                 \
    } while (0)
