/* Authors: The fasthash developers
 * SPDX-License-Identifier: BSD-3-Clause
 *
 * Thread counts of the pool's jobs (private to csrc/, fh_pool.h). */
#pragma once
#include <stdint.h>

/* No job runs on more threads than this, whatever the caller asks: every thread costs a
 * stack (the pool keeps at most FH_MAX_THREADS - 1 workers). */
#define FH_MAX_THREADS 256

/* The threads of a job with `work` independent units of work (chunks, rows): at most
 * n_threads, at most work, at most FH_MAX_THREADS, at least 1. Pure. */
static inline int fh_team_size(int n_threads, int64_t work)
{
    int64_t n = n_threads;
    if (n > work)
        n = work;
    if (n > FH_MAX_THREADS)
        n = FH_MAX_THREADS;
    return n < 1 ? 1 : (int)n;
}
