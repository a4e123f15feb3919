/* Authors: The fasthash developers
 * SPDX-License-Identifier: BSD-3-Clause
 *
 * Large zeroed tables (private to csrc/): the hash tables of the recorder are probed at
 * random, so that with 4 KiB pages nearly every probe of a table of many MiB misses the
 * TLB as well as the caches. */
#pragma once
#include <stddef.h>

/* n zeroed bytes (calloc's contract, released by fh_free_table with the same n); from
 * 2 MiB on, a mapping of its own, aligned to and asking for transparent huge pages
 * (MADV_HUGEPAGE: honoured where the system leaves huge pages to madvise or always uses
 * them, ignored elsewhere), zeroed page by page at first touch. NULL when out of memory. */
void *fh_calloc_table(size_t n);
/* Release p (NULL: nothing) from fh_calloc_table(n). */
void fh_free_table(void *p, size_t n);
