/* Authors: The fasthash developers
 * SPDX-License-Identifier: BSD-3-Clause */
#include "fh_unicode_impl.h"

const char *fh_unicode_version(void) { return FH_UNICODE_VERSION; }

int fh_unicode_lookup(uint32_t cp, int *flags, uint32_t lower[3])
{
    if (cp >= 0x110000u)
        return -1;
    const fh_u_record *r = fh_u_rec(cp);
    *flags = r->flags & 0x0F;
    if (r->nlower == 1) {
        lower[0] = (uint32_t)((int32_t)cp + r->lower);
        return 1;
    }
    for (int i = 0; i < r->nlower; i++)
        lower[i] = fh_u_lower_ext[r->lower + i];
    return r->nlower;
}
