/* Authors: The fasthash developers
 * SPDX-License-Identifier: BSD-3-Clause */
#define _DEFAULT_SOURCE /* madvise, mmap's MAP_ANONYMOUS under -std=c11 */
#include "fh_mem.h"

#include <stdint.h>
#include <stdlib.h>
#if defined(__linux__)
#include <sys/mman.h>
#endif

#if defined(__linux__) && defined(MADV_HUGEPAGE)
#define FH_HUGE ((size_t)1 << 21)
/* The mapping of a table of n >= FH_HUGE bytes: whole huge pages. */
static size_t huge_span(size_t n) { return (n + FH_HUGE - 1) & ~(FH_HUGE - 1); }
#endif

void *fh_calloc_table(size_t n)
{
#if defined(__linux__) && defined(MADV_HUGEPAGE)
    if (n >= FH_HUGE) {
        /* Fresh anonymous pages are zero: the kernel clears each page at its first touch,
         * and nothing else needs to (a memset would touch every page up front, then clear
         * it a second time). Mapped one huge page too long, the ends trimmed to align. */
        const size_t span = huge_span(n);
        if (span > SIZE_MAX - FH_HUGE)
            return NULL;
        uint8_t *raw = mmap(NULL, span + FH_HUGE, PROT_READ | PROT_WRITE,
                            MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
        if (raw == MAP_FAILED)
            return NULL;
        uint8_t *p = (uint8_t *)(((uintptr_t)raw + FH_HUGE - 1) & ~(uintptr_t)(FH_HUGE - 1));
        if (p > raw)
            (void)munmap(raw, (size_t)(p - raw));
        if (raw + span + FH_HUGE > p + span)
            (void)munmap(p + span, (size_t)(raw + span + FH_HUGE - (p + span)));
        (void)madvise(p, span, MADV_HUGEPAGE); /* before the first touch: huge from the start */
        return p;
    }
#endif
    return calloc(1, n > 0 ? n : 1);
}

void fh_free_table(void *p, size_t n)
{
    if (!p)
        return;
#if defined(__linux__) && defined(MADV_HUGEPAGE)
    if (n >= FH_HUGE) {
        (void)munmap(p, huge_span(n));
        return;
    }
#endif
    free(p);
}
