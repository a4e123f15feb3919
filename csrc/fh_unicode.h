/* Authors: The fasthash developers
 * SPDX-License-Identifier: BSD-3-Clause
 *
 * Unicode character data of the interpreter the core was built for (generated tables).
 * Public API: a lookup used by the tests that compare the tables with the running
 * interpreter over every code point. The hot paths use the inline functions of
 * fh_unicode_impl.h (private to csrc/). */
#pragma once
#include <stdint.h>

#define FH_UNI_WORD 1            /* c.isalnum() or c == '_' */
#define FH_UNI_SPACE 2           /* c.isspace() */
#define FH_UNI_CASED 4           /* Unicode Cased (for the final-sigma rule) */
#define FH_UNI_CASE_IGNORABLE 8  /* Unicode Case_Ignorable (for the final-sigma rule) */

/* Unicode version of the tables ("14.0.0"); static string, thread-safe. */
const char *fh_unicode_version(void);

/* Properties of code point cp (0 <= cp < 0x110000, else returns -1): the FH_UNI_* flags,
 * and its full lowercase mapping written to lower[0..2]; returns the mapping's length
 * (1..3). Thread-safe, O(1). */
int fh_unicode_lookup(uint32_t cp, int *flags, uint32_t lower[3]);
