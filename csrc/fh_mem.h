/* Authors: The fasthash developers
 * SPDX-License-Identifier: BSD-3-Clause
 *
 * Large zeroed tables (private to csrc/): the hash tables of the recorder are probed at
 * random, so that with 4 KiB pages nearly every probe of a table of many MiB misses the
 * TLB as well as the caches. */
#pragma once
#include <stddef.h>

/* n zeroed bytes (calloc's contract, free() them); from 2 MiB on, aligned to and asking
 * for transparent huge pages (MADV_HUGEPAGE: honoured where the system leaves huge pages
 * to madvise or always uses them, ignored elsewhere). NULL when out of memory. */
void *fh_calloc_table(size_t n);
