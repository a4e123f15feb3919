/* Authors: The fasthash developers
 * SPDX-License-Identifier: BSD-3-Clause
 *
 * Sizes of OpenMP teams (private to csrc/). */
#pragma once
#include <stdint.h>

/* No parallel region runs more threads than this, whatever the caller asks: every thread
 * costs a stack, and GNU OpenMP places ~130 bytes per thread on the *caller's* stack when
 * it starts a team (a Python thread may have a 1 MiB stack, or less). */
#define FH_MAX_THREADS 256

/* The threads of a region with `work` independent units of work (chunks, rows): at most
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
