/* Authors: The fasthash developers
 * SPDX-License-Identifier: BSD-3-Clause */
#define _DEFAULT_SOURCE /* madvise, posix_memalign under -std=c11 */
#include "fh_mem.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#if defined(__linux__)
#include <sys/mman.h>
#include <unistd.h>
#ifndef MADV_POPULATE_WRITE
#define MADV_POPULATE_WRITE 23 /* Linux 5.14 */
#endif
#endif

/* Tables from this size on are faulted in at once (fh_prefault_write) by fh_calloc_table. */
#define FH_PREFAULT_MIN ((size_t)1 << 16)

void fh_prefault_write(void *p, size_t len)
{
#if defined(__linux__)
    long page = sysconf(_SC_PAGESIZE);
    if (len == 0 || page <= 0)
        return;
    uintptr_t a = (uintptr_t)p, start = a - a % (uintptr_t)page;
    (void)madvise((void *)start, len + (a - start), MADV_POPULATE_WRITE);
#else
    (void)p;
    (void)len;
#endif
}

void *fh_calloc_lines(size_t n, size_t size)
{
    if (n == 0)
        n = 1;
    if (size > SIZE_MAX / n)
        return NULL;
#if defined(__unix__) || defined(__APPLE__)
    void *p = NULL;
    if (posix_memalign(&p, FH_LINE_PAIR, n * size))
        return NULL;
    memset(p, 0, n * size);
    return p;
#else
    return calloc(n, size);
#endif
}

/* ---------------------------------------------------------------- freed tables kept
 * Tables from FH_PREFAULT_MIN on that fh_free_table is given are kept, up to
 * FH_TABLE_CACHE_BYTES in all, for the next fh_calloc_table of the same size: a recording
 * after another (a new InverseHasher each time, or the tables of one growing again) then
 * finds its tables' pages mapped, instead of faulting in fresh ones that the allocator
 * gave back to the system at the last free (multilingual words, one thread: 2.2k faults,
 * 4-6 ms of system time in a fit of about 20 ms). The pages kept are marked lazily
 * freeable (MADV_FREE): the system takes them back under memory pressure, and a reuse then
 * faults them in as a fresh table would. The oldest go first when the cache is full. */
#if defined(__linux__) && defined(FH_HAVE_PTHREADS)
#include <pthread.h>
#define FH_TABLE_CACHE 1
#define FH_TABLE_CACHE_BYTES ((size_t)256 << 20)
#define FH_TABLE_CACHE_SLOTS 64
#ifndef MADV_FREE
#define MADV_FREE 8 /* Linux 4.5 */
#endif

typedef struct {
    void *p;
    size_t n; /* bytes */
} kept_table;

static struct {
    pthread_mutex_t lock;
    kept_table kept[FH_TABLE_CACHE_SLOTS]; /* oldest first */
    int count;
    size_t bytes;
} table_cache = {PTHREAD_MUTEX_INITIALIZER, {{NULL, 0}}, 0, 0};

/* Take entry k out of the cache (the lock held), returning its table. */
static void *cache_remove(int k)
{
    void *p = table_cache.kept[k].p;
    table_cache.bytes -= table_cache.kept[k].n;
    table_cache.count--;
    memmove(&table_cache.kept[k], &table_cache.kept[k + 1],
            sizeof table_cache.kept[0] * (size_t)(table_cache.count - k));
    return p;
}

/* fork() while another thread holds the lock: the child's copy is unlocked. */
static void cache_lock_all(void) { pthread_mutex_lock(&table_cache.lock); }
static void cache_unlock_all(void) { pthread_mutex_unlock(&table_cache.lock); }
static void cache_init_once(void)
{
    pthread_atfork(cache_lock_all, cache_unlock_all, cache_unlock_all);
}
static pthread_once_t cache_once = PTHREAD_ONCE_INIT;

static void cache_lock(void)
{
    pthread_once(&cache_once, cache_init_once);
    pthread_mutex_lock(&table_cache.lock);
}

/* The newest kept table of n bytes, taken out of the cache, or NULL. */
static void *cache_take(size_t n)
{
    void *p = NULL;
    cache_lock();
    for (int k = table_cache.count - 1; k >= 0 && !p; k--)
        if (table_cache.kept[k].n == n)
            p = cache_remove(k);
    pthread_mutex_unlock(&table_cache.lock);
    return p;
}

/* Keep the table p of n bytes (<= FH_TABLE_CACHE_BYTES), freeing the oldest kept ones
 * that leave it no room. */
static void cache_keep(void *p, size_t n)
{
    void *evicted[FH_TABLE_CACHE_SLOTS];
    int n_evicted = 0;
    const long page = sysconf(_SC_PAGESIZE);
    if (page > 0) { /* the whole pages of the table */
        const uintptr_t a = (uintptr_t)p, b = a + n, pg = (uintptr_t)page;
        const uintptr_t lo = (a + pg - 1) / pg * pg, hi = b / pg * pg;
        if (hi > lo)
            (void)madvise((void *)lo, hi - lo, MADV_FREE);
    }
    cache_lock();
    while (table_cache.count == FH_TABLE_CACHE_SLOTS ||
           table_cache.bytes + n > FH_TABLE_CACHE_BYTES)
        evicted[n_evicted++] = cache_remove(0);
    table_cache.kept[table_cache.count++] = (kept_table){p, n};
    table_cache.bytes += n;
    pthread_mutex_unlock(&table_cache.lock);
    for (int k = 0; k < n_evicted; k++)
        free(evicted[k]);
}
#else
#define FH_TABLE_CACHE 0
#endif

size_t fh_table_cache_bytes(void)
{
#if FH_TABLE_CACHE
    cache_lock();
    size_t bytes = table_cache.bytes;
    pthread_mutex_unlock(&table_cache.lock);
    return bytes;
#else
    return 0;
#endif
}

void fh_table_cache_release(void)
{
#if FH_TABLE_CACHE
    for (;;) {
        cache_lock();
        void *p = table_cache.count ? cache_remove(table_cache.count - 1) : NULL;
        pthread_mutex_unlock(&table_cache.lock);
        if (!p)
            return;
        free(p);
    }
#endif
}

void fh_free_table(void *p, size_t n)
{
#if FH_TABLE_CACHE
    if (p && n >= FH_PREFAULT_MIN && n <= FH_TABLE_CACHE_BYTES) {
        cache_keep(p, n);
        return;
    }
#endif
    (void)n;
    free(p);
}

void *fh_calloc_table(size_t n)
{
#if FH_TABLE_CACHE
    if (n >= FH_PREFAULT_MIN) {
        void *p = cache_take(n);
        if (p) {
            memset(p, 0, n);
            return p;
        }
    }
#endif
#if defined(__linux__) && defined(MADV_HUGEPAGE)
    const size_t huge = (size_t)1 << 21;
    if (n >= huge) {
        void *p = NULL;
        if (posix_memalign(&p, huge, n))
            return NULL;
        (void)madvise(p, n, MADV_HUGEPAGE); /* before the first touch: huge from the start */
        memset(p, 0, n);
        return p;
    }
#endif
    void *p = calloc(1, n > 0 ? n : 1);
    if (p && n >= FH_PREFAULT_MIN)
        fh_prefault_write(p, n);
    return p;
}
