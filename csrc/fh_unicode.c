/* Authors: The fasthash developers
 * SPDX-License-Identifier: BSD-3-Clause */
#include "fh_unicode_impl.h"

const char *fh_unicode_version(void) { return FH_UNICODE_VERSION; }

int fh_unicode_lookup(uint32_t cp, int *flags, uint32_t lower[3])
{
    if (cp >= 0x110000u)
        return -1;
    *flags = fh_u_flags(cp);
    return fh_u_lower_full(cp, 0, lower); /* the capital sigma alone: not final */
}
