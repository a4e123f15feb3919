/* Authors: The fasthash developers
 * SPDX-License-Identifier: BSD-3-Clause
 *
 * fasthash's own thread pool (private to csrc/): how every kernel runs on several threads.
 *
 * Why not OpenMP: on a machine whose cores are shared with other programs, a team of GNU
 * OpenMP threads spins (busy-waits) at the barrier that ends every parallel region and
 * between regions, and a static split waits for a thread the OS has descheduled: measured
 * on 2 cores with one other busy process, n_threads=2 took 3x as long as n_threads=1.
 *
 * The design:
 * - persistent workers (started on first use, at most FH_MAX_THREADS - 1) that sleep on a
 *   condition variable between jobs: no spinning anywhere, an idle pool costs nothing;
 * - a job is `n_items` independent items claimed one at a time with an atomic counter by
 *   the calling thread and whichever workers join: the caller never waits for a worker to
 *   start, only for the items already claimed to finish, so a descheduled worker delays
 *   at most the one item it holds, and a worker that wakes after the last item was claimed
 *   does nothing;
 * - a job that workers made slower than the caller alone would have been (measured: a
 *   worker descheduled while holding an item, because other programs share the cores) is
 *   followed by a few jobs on the caller alone, twice as many each time it happens again
 *   (2 to 32 jobs), none once a job with workers was faster: on a machine whose every core
 *   is busy, n_threads > 1 then costs a few probe jobs instead of a stall in every job;
 * - one job at a time: a call made while another thread's job runs runs its items on the
 *   calling thread alone (concurrent callers are already parallel with each other);
 * - the results must not depend on which thread ran which item (the callers write each
 *   item's output to its own place): so any thread count, schedule or delay gives the same
 *   bytes;
 * - without pthreads or C11 atomics at build time (MSVC), a job is one OpenMP region whose
 *   items are claimed one at a time (schedule(dynamic, 1)) if the compiler has OpenMP,
 *   else it runs on the calling thread, in item order.
 *
 * Workers block every signal (Python's handlers run on the main thread, as without the
 * pool); a fork()ed child starts with an empty pool. */
#pragma once
#include <stdint.h>

/* One item of a job. `slot` (0 <= slot < the job's thread count) is the same for every
 * item a thread runs within one job and distinct between the threads of a job (0 is the
 * caller): an index into per-thread scratch. */
typedef void (*fh_pool_fn)(void *ctx, int64_t item, int slot);

/* Run fn(ctx, i, slot) once for every i in [0, n_items), on the calling thread and on up to
 * n_threads - 1 pool workers (fewer when n_items is smaller, when threads cannot be
 * started, when another job is running, or when workers made recent jobs slower; never
 * more than FH_MAX_THREADS in all), and
 * return once every call has returned. Items are claimed in increasing order. Thread-safe
 * and reentrant with respect to other callers; fn must not call fh_pool_run. */
void fh_pool_run(int n_threads, int64_t n_items, fh_pool_fn fn, void *ctx);

/* Nonzero iff the pool itself runs threads (built with pthreads and C11 atomics; 0 when
 * jobs run as OpenMP regions or on the calling thread). */
int fh_pool_enabled(void);

/* Workers started so far (for tests and diagnostics). */
int fh_pool_workers(void);

/* For tests only: the first worker to join each job sleeps `usec` microseconds after
 * claiming each of its items, before running it (0: never), so that tests can show that a
 * late worker changes no output. While it is set, every job keeps its workers (no job runs
 * on the caller alone for having been slow). Either call forgets which recent jobs were
 * slow. */
void fh_pool_set_test_delay(int64_t usec);
