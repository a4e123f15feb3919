/* Authors: The fasthash developers
 * SPDX-License-Identifier: BSD-3-Clause
 *
 * C-level tests of the thread pool (fh_pool.h): every item runs exactly once whatever the
 * thread count, slots stay within the job's threads, several callers at once, and a late
 * worker (the test delay) changes no batch output, and workers that slow jobs down are left
 * out of the next ones; per-thread memory (fh_calloc_lines) shares no cache line; tables
 * freed by fh_free_table are reused zeroed, within the cache's bounds, from any thread. */
#define _POSIX_C_SOURCE 200809L /* nanosleep under -std=c11 */
#include <limits.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "fh_features.h"
#include "fh_hashing.h"
#include "fh_mem.h"
#include "fh_pool.h"
#include "fh_test.h"
#include "fh_threads.h"

#if defined(__unix__) || defined(__APPLE__)
#include <pthread.h>
#define FH_TEST_PTHREADS 1
#endif

enum { MAX_ITEMS = 5000 };

typedef struct {
    _Atomic int runs[MAX_ITEMS];
    _Atomic int bad_slot;
    int n_threads;
} count_ctx;

static void count_item(void *arg, int64_t item, int slot)
{
    count_ctx *c = arg;
    atomic_fetch_add(&c->runs[item], 1);
    if (slot < 0 || slot >= c->n_threads || slot >= FH_MAX_THREADS)
        atomic_store(&c->bad_slot, 1);
}

/* 1 iff a job of n items on n_threads threads ran each item once, with valid slots. */
static int job_runs_each_once(int n_threads, int64_t n)
{
    static count_ctx c;
    memset(&c, 0, sizeof c);
    c.n_threads = n_threads < 1 ? 1 : n_threads;
    fh_pool_run(n_threads, n, count_item, &c);
    int ok = !atomic_load(&c.bad_slot);
    for (int64_t i = 0; i < n; i++)
        ok &= atomic_load(&c.runs[i]) == 1;
    for (int64_t i = n < 0 ? 0 : n; i < MAX_ITEMS; i++)
        ok &= atomic_load(&c.runs[i]) == 0;
    return ok;
}

static void test_items_once(void)
{
    const int threads[] = {1, 2, 3, 4, 8, 300, INT_MAX, 0, -3, INT_MIN};
    const int64_t items[] = {0, 1, 2, 3, 17, 1000, MAX_ITEMS, -1};
    for (size_t t = 0; t < sizeof threads / sizeof threads[0]; t++)
        for (size_t k = 0; k < sizeof items / sizeof items[0]; k++)
            CHECK(job_runs_each_once(threads[t], items[k]));
    /* never more workers than FH_MAX_THREADS - 1, whatever was asked */
    CHECK(fh_pool_workers() <= FH_MAX_THREADS - 1);
    CHECK(fh_pool_enabled() == 0 || fh_pool_workers() >= 1);
}

/* ---------------------------------------------------------------- concurrent callers */

typedef struct {
    _Atomic int64_t sum;
} sum_ctx;

static void sum_item(void *arg, int64_t item, int slot)
{
    (void)slot;
    atomic_fetch_add(&((sum_ctx *)arg)->sum, item + 1);
}

static void *caller_body(void *arg)
{
    int *ok = arg;
    *ok = 1;
    for (int r = 0; r < 300; r++) {
        sum_ctx s;
        atomic_init(&s.sum, 0);
        int64_t n = 1 + r % 97;
        fh_pool_run(2 + r % 3, n, sum_item, &s);
        *ok &= atomic_load(&s.sum) == n * (n + 1) / 2;
    }
    return NULL;
}

static void test_concurrent_callers(void)
{
#ifdef FH_TEST_PTHREADS
    enum { N = 6 };
    pthread_t th[N];
    int ok[N];
    for (int i = 0; i < N; i++)
        CHECK(pthread_create(&th[i], NULL, caller_body, &ok[i]) == 0);
    for (int i = 0; i < N; i++) {
        CHECK(pthread_join(th[i], NULL) == 0);
        CHECK(ok[i]);
    }
#endif
}

/* ---------------------------------------------------------------- a late worker */

enum { DOCS = 9000 };
static char text[DOCS][48];
static fh_doc docs[DOCS];

static void corpus(fh_corpus *c, fh_opts *o)
{
    for (int i = 0; i < DOCS; i++) {
        snprintf(text[i], sizeof text[i], "w%d x%d yy zz%d", i, i % 7, i % 1000);
        memset(&docs[i], 0, sizeof docs[i]);
        docs[i].mode = FH_DOC_TEXT;
        docs[i].text = ascii(text[i]);
    }
    c->docs = docs;
    c->features = NULL;
    c->n_docs = DOCS;
    memset(o, 0, sizeof *o);
    o->min_n = 1;
    o->max_n = 2;
    o->n_features = 1u << 20;
    o->lowercase = 1;
    o->alternate_sign = 1;
    o->norm = FH_NORM_L2;
    o->out_type = FH_OUT_F64;
}

static void test_late_worker(void)
{
    fh_corpus c;
    fh_opts o;
    corpus(&c, &o);
    int64_t *ip1, *ip2, n1 = 0, n2 = 0;
    int32_t *ix1, *ix2;
    double *dv1, *dv2;
    CHECK(run_batch(&c, &o, 1, NULL, &ip1, &ix1, &dv1, &n1) == FH_OK);
    /* the worker sleeps 20 ms before each chunk it claims: the caller runs every other
     * chunk meanwhile, then waits for the worker's */
    fh_pool_set_test_delay(20000);
    fh_workspace *ws = NULL;
    CHECK(fh_workspace_new(&ws) == FH_OK);
    for (int round = 0; round < 2; round++) {
        CHECK(run_batch(&c, &o, 2, ws, &ip2, &ix2, &dv2, &n2) == FH_OK);
        CHECK(n1 == n2);
        CHECK(memcmp(ip1, ip2, sizeof(int64_t) * (DOCS + 1)) == 0);
        CHECK(memcmp(ix1, ix2, sizeof(int32_t) * (size_t)n1) == 0);
        CHECK(memcmp(dv1, dv2, sizeof(double) * (size_t)n1) == 0);
        free(ip2), free(ix2), free(dv2);
    }
    fh_pool_set_test_delay(0);
    fh_workspace_free(ws);
    free(ip1), free(ix1), free(dv1);
}

/* FeatureHasher's row merge, large enough for several threads and parts, with and without
 * a late worker: the same bytes as on one thread. */
static void test_merge_late_worker(void)
{
    enum { R = 100000, PER = 5 };
    static int64_t ip[R + 1], op1[R + 1], op[R + 1];
    static int32_t ix[R * PER], ox1[R * PER], ox[R * PER];
    static double v[R * PER], ov1[R * PER], ov[R * PER];
    static uint8_t fl1[R], fl[R];
    int s1, s;
    for (int r = 0; r <= R; r++)
        ip[r] = (int64_t)r * PER;
    for (int k = 0; k < R * PER; k++) {
        ix[k] = (int32_t)((k * 40503u) % 1021u);
        v[k] = (k % 7) - 3.0;
    }
    CHECK(fh_merge_feature_rows_f64(ip, R, ix, v, 1024, 1, NULL, op1, ox1, ov1, fl1, &s1) ==
          FH_OK);
    for (int delay = 0; delay <= 1; delay++) {
        fh_pool_set_test_delay(delay ? 5000 : 0);
        for (int t = 2; t <= 7; t += 5) {
            CHECK(fh_merge_feature_rows_f64(ip, R, ix, v, 1024, t, NULL, op, ox, ov, fl, &s) ==
                  FH_OK);
            CHECK(s == s1 && memcmp(op, op1, sizeof op) == 0 && memcmp(fl, fl1, sizeof fl) == 0);
            CHECK(memcmp(ox, ox1, sizeof(int32_t) * (size_t)op1[R]) == 0);
            CHECK(memcmp(ov, ov1, sizeof(double) * (size_t)op1[R]) == 0);
        }
    }
    fh_pool_set_test_delay(0);
}

typedef struct {
    _Atomic int worker_items; /* items run by a worker (slot > 0) in the current job */
    int worker_ms;            /* how long a worker's item takes (the caller's: 1 ms) */
} slow_ctx;

static void sleep_ms(int ms)
{
    struct timespec ts = {ms / 1000, (long)(ms % 1000) * 1000000L};
    while (nanosleep(&ts, &ts) != 0) {
    }
}

static void slow_item(void *arg, int64_t item, int slot)
{
    slow_ctx *c = arg;
    (void)item;
    if (slot > 0)
        atomic_fetch_add(&c->worker_items, 1);
    sleep_ms(slot > 0 ? c->worker_ms : 1);
}

/* Runs a job of 8 items on 2 threads; returns how many items a worker ran. */
static int slow_job(slow_ctx *c)
{
    atomic_store(&c->worker_items, 0);
    fh_pool_run(2, 8, slow_item, c);
    return atomic_load(&c->worker_items);
}

static void test_slow_workers_are_left_out(void)
{
    /* A worker whose item takes 100 ms (as one descheduled by the OS) makes its job take
     * 100 ms where the caller alone needed ~8: the next 2 jobs run on the caller alone.
     * Once a worker's items are as fast as the caller's, workers are used again. */
    if (!fh_pool_enabled())
        return;
    slow_ctx c = {.worker_ms = 100};
    fh_pool_set_test_delay(0); /* forget earlier jobs */
    int joined = 0;
    for (int t = 0; t < 50 && !joined; t++) /* (a worker may wake after the last claim) */
        joined = slow_job(&c) > 0;
    CHECK(joined);
    CHECK(slow_job(&c) == 0);
    CHECK(slow_job(&c) == 0);
    c.worker_ms = 1;
    int back = 0;
    for (int t = 0; t < 200 && !back; t++)
        back = slow_job(&c) > 0;
    CHECK(back);
    fh_pool_set_test_delay(0);
}

/* fh_calloc_lines: zeroed elements starting on FH_LINE_PAIR boundaries; NULL when the
 * size overflows. */
static void test_per_thread_memory(void)
{
    typedef struct {
        _Alignas(FH_LINE_PAIR) int64_t hot;
        char rest[200];
    } per_thread;
    CHECK(sizeof(per_thread) % FH_LINE_PAIR == 0);
    for (size_t n = 0; n < 5; n++) {
        per_thread *p = fh_calloc_lines(n, sizeof *p);
        CHECK(p != NULL);
        if (!p)
            continue;
        for (size_t k = 0; k < (n ? n : 1); k++) {
            CHECK((uintptr_t)&p[k] % FH_LINE_PAIR == 0);
            CHECK(p[k].hot == 0 && p[k].rest[0] == 0 && p[k].rest[199] == 0);
        }
        free(p);
    }
    CHECK(fh_calloc_lines(SIZE_MAX / 64, 128) == NULL);
}

/* 1 iff the n bytes at p are all zero. */
static int all_zero(const unsigned char *p, size_t n)
{
    for (size_t k = 0; k < n; k++)
        if (p[k])
            return 0;
    return 1;
}

/* fh_free_table keeps a table of 64 KiB or more for the next fh_calloc_table of its size,
 * which gets it back zeroed; smaller tables and other sizes are not served from it, and
 * the oldest kept go first beyond 256 MiB. */
static void test_table_cache(void)
{
    const size_t n = (size_t)1 << 16, mib = (size_t)1 << 20;
    fh_table_cache_release();
    CHECK(fh_table_cache_bytes() == 0);
    unsigned char *p = fh_calloc_table(n);
    CHECK(p && all_zero(p, n));
    if (!p)
        return;
    memset(p, 0xAB, n);
    fh_free_table(p, n);
#if defined(__linux__) && FH_TEST_PTHREADS
    CHECK(fh_table_cache_bytes() == n);
    unsigned char *other = fh_calloc_table(2 * n); /* another size: a new table */
    CHECK(other && other != p && all_zero(other, 2 * n) && fh_table_cache_bytes() == n);
    unsigned char *q = fh_calloc_table(n);
    CHECK(q == p && all_zero(q, n) && fh_table_cache_bytes() == 0);
    fh_free_table(other, 2 * n);
    fh_free_table(q, n);
    CHECK(fh_table_cache_bytes() == 3 * n);
    unsigned char *small = fh_calloc_table(4096);
    fh_free_table(small, 4096); /* not kept */
    CHECK(fh_table_cache_bytes() == 3 * n);
    /* five tables of 64 MiB: the first two (and the small ones) make room for the last */
    unsigned char *big[5];
    for (int k = 0; k < 5; k++) {
        big[k] = fh_calloc_table(64 * mib);
        CHECK(big[k] && big[k][0] == 0 && big[k][64 * mib - 1] == 0);
    }
    for (int k = 0; k < 5; k++)
        fh_free_table(big[k], 64 * mib);
    CHECK(fh_table_cache_bytes() == 4 * 64 * mib);
    unsigned char *again = fh_calloc_table(64 * mib);
    CHECK(again == big[4] && all_zero(again, 64 * mib)); /* the newest of its size */
    fh_free_table(again, 64 * mib);
    fh_free_table(fh_calloc_table(257 * mib), 257 * mib); /* larger than the cache: freed */
    CHECK(fh_table_cache_bytes() == 4 * 64 * mib);
#else
    CHECK(fh_table_cache_bytes() == 0);
#endif
    fh_table_cache_release();
    CHECK(fh_table_cache_bytes() == 0);
}

/* Threads taking and giving back tables of a few sizes at once each get a zeroed table of
 * their own. */
static void table_item(void *arg, int64_t item, int slot)
{
    _Atomic int *bad = arg;
    (void)slot;
    const size_t n = ((size_t)1 << 16) << (item % 3);
    for (int rep = 0; rep < 20; rep++) {
        unsigned char *p = fh_calloc_table(n);
        if (!p || !all_zero(p, n)) {
            atomic_store(bad, 1);
            free(p);
            return;
        }
        memset(p, (int)(item & 0x7F) + 1, n);
        for (volatile int spin = 0; spin < 1000; spin++) {
        }
        if (p[0] != (unsigned char)((item & 0x7F) + 1) || p[n - 1] != p[0])
            atomic_store(bad, 1); /* another thread wrote it */
        fh_free_table(p, n);
    }
}

static void test_table_cache_threads(void)
{
    _Atomic int bad = 0;
    fh_pool_run(0, 64, table_item, (void *)&bad);
    CHECK(!atomic_load(&bad));
    fh_table_cache_release();
}

int main(void)
{
    test_per_thread_memory();
    test_table_cache();
    test_table_cache_threads();
    test_items_once();
    test_concurrent_callers();
    test_late_worker();
    test_merge_late_worker();
    test_slow_workers_are_left_out();
    printf("pool enabled %d, workers %d: %s\n", fh_pool_enabled(), fh_pool_workers(),
           failures ? "FAILED" : "ok");
    return failures ? 1 : 0;
}
