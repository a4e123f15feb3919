/* Authors: The fasthash developers
 * SPDX-License-Identifier: BSD-3-Clause */
#define _POSIX_C_SOURCE 200809L /* pthread_sigmask, nanosleep under -std=c11 */
#include "fh_pool.h"

#include "fh_threads.h"

#if defined(FH_HAVE_PTHREADS) && defined(__STDC_VERSION__) && __STDC_VERSION__ >= 201112L && \
    !defined(__STDC_NO_ATOMICS__)
#define FH_POOL_THREADS 1
#endif

/* Items of a job run on the calling thread alone, in order. */
static void run_inline(int64_t n_items, fh_pool_fn fn, void *ctx)
{
    for (int64_t i = 0; i < n_items; i++)
        fn(ctx, i, 0);
}

#ifndef FH_POOL_THREADS

#ifdef _OPENMP
#include <omp.h>
#endif

/* No pthreads (MSVC): one OpenMP region per job, items claimed one at a time, where the
 * compiler has OpenMP; else the calling thread alone. */
void fh_pool_run(int n_threads, int64_t n_items, fh_pool_fn fn, void *ctx)
{
    n_threads = fh_team_size(n_threads, n_items);
#ifdef _OPENMP
    if (n_threads > 1) {
        /* (MSVC's OpenMP 2.0: a signed loop index) */
#pragma omp parallel for schedule(dynamic, 1) num_threads(n_threads)
        for (long long i = 0; i < (long long)n_items; i++)
            fn(ctx, (int64_t)i, omp_get_thread_num());
        return;
    }
#endif
    (void)n_threads;
    run_inline(n_items, fn, ctx);
}
int fh_pool_enabled(void) { return 0; }
int fh_pool_workers(void) { return 0; }
void fh_pool_set_test_delay(int64_t usec) { (void)usec; }

#else

#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <time.h>

/* The job counter packs the job's generation (high 32 bits) and the next item to claim
 * (low 32 bits): a worker claims an item with a compare-and-swap that fails once the
 * generation has moved on, so a worker late for one job can never take an item of the
 * next. Jobs of more items than this are run in several parts. */
#define FH_POOL_MAX_ITEMS ((int64_t)0xFFFFFFFF)

static struct {
    pthread_mutex_t mu;
    pthread_cond_t wake; /* workers wait for a job */
    pthread_cond_t done; /* the caller waits for the last claimed item */
    int n_workers;       /* started */
    int busy;            /* a job is running */
    uint32_t gen;        /* generation of the current (or last) job */
    /* the current job, read by workers under mu when they join */
    fh_pool_fn fn;
    void *ctx;
    int64_t n_items;
    int want;   /* threads the job may use, the caller included */
    int joined; /* threads that joined, the caller included */
    _Atomic uint64_t next;       /* gen << 32 | next item to claim */
    _Atomic int64_t remaining;   /* items not yet finished */
    _Atomic int64_t test_delay;  /* microseconds (tests) */
    int solo;    /* jobs still to run on the calling thread alone (see judge_job) */
    int backoff; /* length of the last such run, 0 after a job the workers sped up */
} pool = {.mu = PTHREAD_MUTEX_INITIALIZER, .wake = PTHREAD_COND_INITIALIZER,
            .done = PTHREAD_COND_INITIALIZER};

static pthread_once_t pool_once = PTHREAD_ONCE_INIT;

/* In a fork()ed child only the forking thread exists: start again with no workers. */
static void pool_atfork_child(void)
{
    pthread_mutex_init(&pool.mu, NULL);
    pthread_cond_init(&pool.wake, NULL);
    pthread_cond_init(&pool.done, NULL);
    pool.n_workers = 0;
    pool.busy = 0;
    pool.joined = pool.want = 0;
    pool.solo = pool.backoff = 0;
}

static void pool_init_once(void) { pthread_atfork(NULL, NULL, pool_atfork_child); }

static void sleep_us(int64_t usec)
{
    struct timespec ts = {(time_t)(usec / 1000000), (long)(usec % 1000000) * 1000};
    while (nanosleep(&ts, &ts) != 0) {
    }
}

/* Claim and run items of job `gen` (of n_items items) until none is left; return how many
 * this thread ran. `delay`: the test delay before each item (0 for every thread but one). */
static int64_t work(uint32_t gen, int64_t n_items, fh_pool_fn fn, void *ctx, int slot,
                    int64_t delay)
{
    int64_t ran = 0;
    uint64_t v = atomic_load(&pool.next);
    for (;;) {
        if ((uint32_t)(v >> 32) != gen || (int64_t)(v & 0xFFFFFFFFu) >= n_items)
            return ran;
        if (!atomic_compare_exchange_weak(&pool.next, &v, v + 1))
            continue; /* v reloaded */
        if (delay > 0)
            sleep_us(delay);
        fn(ctx, (int64_t)(v & 0xFFFFFFFFu), slot);
        ran++;
        if (atomic_fetch_sub(&pool.remaining, 1) == 1) { /* the job's last item */
            pthread_mutex_lock(&pool.mu);
            pthread_cond_signal(&pool.done);
            pthread_mutex_unlock(&pool.mu);
            return ran;
        }
        v = atomic_load(&pool.next);
    }
}

static void *worker_main(void *arg)
{
    (void)arg;
    uint32_t seen = 0; /* the last generation this worker looked at */
    int seen_any = 0;
    pthread_mutex_lock(&pool.mu);
    for (;;) {
        while (!pool.busy || (seen_any && pool.gen == seen))
            pthread_cond_wait(&pool.wake, &pool.mu);
        seen = pool.gen;
        seen_any = 1;
        if (pool.joined >= pool.want)
            continue; /* the job has its threads: wait for the next one */
        int slot = pool.joined++;
        fh_pool_fn fn = pool.fn;
        void *ctx = pool.ctx;
        int64_t n_items = pool.n_items;
        int64_t delay = slot == 1 ? atomic_load(&pool.test_delay) : 0;
        pthread_mutex_unlock(&pool.mu);
        work(seen, n_items, fn, ctx, slot, delay);
        pthread_mutex_lock(&pool.mu);
    }
    return NULL;
}

/* Start workers until there are `n` (under pool.mu); fewer if the OS refuses. Workers
 * block every signal and are detached (they live as long as the process). */
static void start_workers(int n)
{
    if (pool.n_workers >= n)
        return;
    sigset_t all, old;
    sigfillset(&all);
    pthread_sigmask(SIG_SETMASK, &all, &old);
    pthread_attr_t attr;
    if (pthread_attr_init(&attr) == 0) {
        pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
        while (pool.n_workers < n) {
            pthread_t th;
            if (pthread_create(&th, &attr, worker_main, NULL) != 0)
                break;
            pool.n_workers++;
        }
        pthread_attr_destroy(&attr);
    }
    pthread_sigmask(SIG_SETMASK, &old, NULL);
}

static double seconds_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

/* After a job with workers (under pool.mu): the caller ran `mine` of its n_items items in
 * mine_s seconds, the whole job took job_s. Had the caller run every item alone, the job
 * would have taken about mine_s / mine * n_items. If it took longer than that (by the
 * margin below, for items of unequal cost), the workers cost more than they gave: a
 * worker sharing its core with another program was descheduled while it held an item, and
 * the caller waited for the OS to run it again. The next jobs then run on the caller
 * alone: FH_POOL_FIRST_SOLO of them, twice as many each time workers hurt again in a row
 * (at most FH_POOL_MAX_SOLO), none once a job with workers was faster than the caller
 * alone. Jobs of few items are not judged (too coarse to estimate). Only the thread count
 * changes; the output never depends on it. */
#define FH_POOL_JUDGED_ITEMS 4
#define FH_POOL_FIRST_SOLO 2
#define FH_POOL_MAX_SOLO 32
#define FH_POOL_MARGIN 1.2
static void judge_job(int64_t n_items, int64_t mine, double mine_s, double job_s)
{
    if (n_items < FH_POOL_JUDGED_ITEMS || mine <= 0 || mine >= n_items)
        return; /* no estimate, or the workers ran nothing (and delayed nothing) */
    double alone_s = mine_s / (double)mine * (double)n_items;
    if (job_s > FH_POOL_MARGIN * alone_s) {
        int next = pool.backoff ? 2 * pool.backoff : FH_POOL_FIRST_SOLO;
        pool.backoff = next < FH_POOL_MAX_SOLO ? next : FH_POOL_MAX_SOLO;
        pool.solo = pool.backoff;
    } else {
        pool.backoff = 0;
    }
}

static void run_part(int n_threads, int64_t n_items, fh_pool_fn fn, void *ctx)
{
    pthread_mutex_lock(&pool.mu);
    if (pool.busy) { /* another thread's job: run this one here */
        pthread_mutex_unlock(&pool.mu);
        run_inline(n_items, fn, ctx);
        return;
    }
    int64_t delay = atomic_load(&pool.test_delay);
    if (pool.solo > 0 && delay == 0) { /* workers made recent jobs slower */
        pool.solo--;
        pthread_mutex_unlock(&pool.mu);
        run_inline(n_items, fn, ctx);
        return;
    }
    start_workers(n_threads - 1);
    int helpers = pool.n_workers < n_threads - 1 ? pool.n_workers : n_threads - 1;
    if (helpers < 1) {
        pthread_mutex_unlock(&pool.mu);
        run_inline(n_items, fn, ctx);
        return;
    }
    uint32_t gen = ++pool.gen;
    pool.busy = 1;
    pool.fn = fn;
    pool.ctx = ctx;
    pool.n_items = n_items;
    pool.want = helpers + 1;
    pool.joined = 1;
    atomic_store(&pool.remaining, n_items);
    atomic_store(&pool.next, (uint64_t)gen << 32);
    for (int k = 0; k < helpers; k++)
        pthread_cond_signal(&pool.wake); /* more may wake: they find the job full */
    pthread_mutex_unlock(&pool.mu);

    double t0 = seconds_now();
    int64_t mine = work(gen, n_items, fn, ctx, 0, 0);
    double t1 = seconds_now();

    /* Wait (passively) for the items the workers still hold; never for a worker that has
     * not claimed one. */
    pthread_mutex_lock(&pool.mu);
    while (atomic_load(&pool.remaining) != 0)
        pthread_cond_wait(&pool.done, &pool.mu);
    if (delay == 0) /* (a test's late worker is late on purpose: keep it in every job) */
        judge_job(n_items, mine, t1 - t0, seconds_now() - t0);
    pool.busy = 0;
    pool.fn = NULL;
    pool.ctx = NULL;
    pthread_mutex_unlock(&pool.mu);
}

void fh_pool_run(int n_threads, int64_t n_items, fh_pool_fn fn, void *ctx)
{
    if (n_items <= 0)
        return;
    n_threads = fh_team_size(n_threads, n_items);
    if (n_threads <= 1) {
        run_inline(n_items, fn, ctx);
        return;
    }
    pthread_once(&pool_once, pool_init_once);
    /* (a job of more than 2**32 - 1 items never occurs: callers' items are chunks) */
    if (n_items > FH_POOL_MAX_ITEMS) {
        run_inline(n_items, fn, ctx);
        return;
    }
    run_part(n_threads, n_items, fn, ctx);
}

int fh_pool_enabled(void) { return 1; }

int fh_pool_workers(void)
{
    pthread_mutex_lock(&pool.mu);
    int n = pool.n_workers;
    pthread_mutex_unlock(&pool.mu);
    return n;
}

void fh_pool_set_test_delay(int64_t usec)
{
    pthread_mutex_lock(&pool.mu);
    atomic_store(&pool.test_delay, usec > 0 ? usec : 0);
    pool.solo = pool.backoff = 0;
    pthread_mutex_unlock(&pool.mu);
}

#endif
