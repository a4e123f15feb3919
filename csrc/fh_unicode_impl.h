/* Authors: The fasthash developers
 * SPDX-License-Identifier: BSD-3-Clause
 *
 * Inline table lookups for the hot loops (private to csrc/). */
#pragma once
#include <stdint.h>

#include "fh_unicode.h"
#include "fh_unicode_tables.h"

#if FH_U_WORD != FH_UNI_WORD || FH_U_SPACE != FH_UNI_SPACE || FH_U_CASED != FH_UNI_CASED || \
    FH_U_CASE_IGNORABLE != FH_UNI_CASE_IGNORABLE
#error "generated Unicode flags disagree with fh_unicode.h"
#endif

static inline const fh_u_record *fh_u_rec(uint32_t cp)
{
    uint32_t block = fh_u_stage1[cp >> FH_U_BLOCK_SHIFT];
    return &fh_u_records[fh_u_stage2[(block << FH_U_BLOCK_SHIFT) | (cp & ((1u << FH_U_BLOCK_SHIFT) - 1))]];
}

static inline int fh_u_flags(uint32_t cp) { return fh_u_rec(cp)->flags & 0x0F; }

/* For a record whose lowercase mapping is one code point: the flags of that code point. */
static inline int fh_u_lower_flags(const fh_u_record *r) { return r->flags >> 4; }
