/* Authors: The fasthash developers
 * SPDX-License-Identifier: BSD-3-Clause */
#include "fh_status.h"

const char *fh_status_message(fh_status status)
{
    switch (status) {
    case FH_OK: return "ok";
    case FH_ERR_NOMEM: return "out of memory";
    case FH_ERR_BADARG: return "invalid argument";
    case FH_ERR_OVERFLOW: return "count overflows the index type";
    case FH_ERR_ENCODE: return "lone surrogate in a hashed feature";
    case FH_ERR_CANCELLED: return "cancelled";
    case FH_ERR_DECODE: return "invalid UTF-8 in a UTF-8 text";
    case FH_ERR_INVALID: return "malformed input data";
    }
    return "unknown status";
}
