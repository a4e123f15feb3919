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

void *fh_calloc_table(size_t n)
{
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
