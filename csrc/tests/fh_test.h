/* Authors: The fasthash developers
 * SPDX-License-Identifier: BSD-3-Clause
 *
 * Helpers shared by the C test executables: CHECK, ASCII views, a batch run into fresh
 * CSR arrays. */
#pragma once
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fh_hashing.h"

static int failures = 0;
#define CHECK(cond)                                                                    \
    do {                                                                               \
        if (!(cond)) {                                                                 \
            fprintf(stderr, "%s:%d: CHECK failed: %s\n", __FILE__, __LINE__, #cond);   \
            failures++;                                                                \
        }                                                                              \
    } while (0)

static inline fh_text ascii(const char *s)
{
    fh_text t = {s, (int64_t)strlen(s), FH_KIND_UCS1, 1};
    return t;
}

/* Run a corpus through a batch (with ws or not) into freshly allocated CSR arrays; returns
 * the status and the arrays (to free) in *ip, *ix, *dv; *bad_row (may be NULL) is the
 * failing row. */
static inline fh_status run_batch_bad(const fh_corpus *c, const fh_opts *o, int threads,
                                      fh_workspace *ws, int64_t **ip, int32_t **ix, double **dv,
                                      int64_t *nnz, int64_t *bad_row)
{
    fh_batch *b = NULL;
    int64_t bad = -1;
    fh_status st = fh_batch_run_ws(c, o, threads, ws, NULL, &b, &bad);
    if (bad_row)
        *bad_row = bad;
    *ip = NULL;
    *ix = NULL;
    *dv = NULL;
    if (st != FH_OK)
        return st;
    *nnz = fh_batch_nnz(b);
    *ip = malloc(sizeof(int64_t) * (size_t)(c->n_docs + 1));
    *ix = malloc(sizeof(int32_t) * (size_t)(*nnz + 1));
    *dv = malloc(sizeof(double) * (size_t)(*nnz + 1));
    st = fh_batch_copy(b, threads, NULL, 0, *ip, *ix, *dv);
    fh_batch_free(b);
    return st;
}

static inline fh_status run_batch(const fh_corpus *c, const fh_opts *o, int threads,
                                  fh_workspace *ws, int64_t **ip, int32_t **ix, double **dv,
                                  int64_t *nnz)
{
    return run_batch_bad(c, o, threads, ws, ip, ix, dv, nnz, NULL);
}
