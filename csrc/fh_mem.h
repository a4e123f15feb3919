/* Authors: The fasthash developers
 * SPDX-License-Identifier: BSD-3-Clause
 *
 * Large zeroed tables (private to csrc/): the hash tables of the recorder are probed at
 * random, so that with 4 KiB pages nearly every probe of a table of many MiB misses the
 * TLB as well as the caches. */
#pragma once
#include <stddef.h>

/* n zeroed bytes (calloc's contract; free them with fh_free_table); from 2 MiB on, aligned to and asking
 * for transparent huge pages (MADV_HUGEPAGE: honoured where the system leaves huge pages
 * to madvise or always uses them, ignored elsewhere), and written through; from 64 KiB on,
 * faulted in for writing at once (fh_prefault_write). calloc's fresh pages are otherwise
 * mapped to the shared zero page by a table's first probe (a read) and faulted again by
 * its first write: two faults per page, in the middle of the probes (recording
 * multilingual words: 0.91 of the time without them). NULL when out of memory. */
void *fh_calloc_table(size_t n);

/* Free a table p of n bytes from fh_calloc_table (p may be NULL). From 64 KiB on it is
 * kept, up to 256 MiB of tables in all and lazily freeable (MADV_FREE), for the next
 * fh_calloc_table of n bytes, which then finds its pages mapped: no page faults, no
 * zeroing by the system before the zeroing it needs. Thread-safe. */
void fh_free_table(void *p, size_t n);

/* Bytes of the tables kept for reuse (fh_free_table). */
size_t fh_table_cache_bytes(void);

/* Free the tables kept for reuse. */
void fh_table_cache_release(void);

/* Fault in the pages of [p, p + len) for writing in one call (MADV_POPULATE_WRITE) instead
 * of a fault per page when they are first touched. Only a hint: a no-op where the kernel
 * lacks MADV_POPULATE_WRITE, or if it fails (the pages are then faulted in as usual). The
 * bytes are unchanged. */
void fh_prefault_write(void *p, size_t len);

/* Two cache lines: what one thread's data are aligned to and padded to when threads write
 * their own elements of one array, so that no two elements share a line (nor a pair of
 * lines, which some cores fetch together). */
#define FH_LINE_PAIR 128

/* n zeroed elements of size bytes, the first aligned to FH_LINE_PAIR (free() them); when
 * size is a multiple of FH_LINE_PAIR (a type aligned with _Alignas(FH_LINE_PAIR)), every
 * element is, one per thread. NULL when out of memory or n * size overflows. */
void *fh_calloc_lines(size_t n, size_t size);
