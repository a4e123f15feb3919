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

#if FH_MURMUR3_AVX2
uint8_t fh_utf8_pack[256][16];

__attribute__((constructor)) static void fh_utf8_pack_init(void)
{
    for (int l = 0; l < 256; l++) {
        int at = 0;
        for (int j = 0; j < 4; j++)
            for (int q = 0; q < (l >> (2 * j) & 3); q++)
                fh_utf8_pack[l][at++] = (uint8_t)(4 * j + q);
        for (; at < 16; at++)
            fh_utf8_pack[l][at] = 0x80;
    }
}
#endif
