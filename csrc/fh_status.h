/* Authors: The fasthash developers
 * SPDX-License-Identifier: BSD-3-Clause
 *
 * Status codes returned by every fallible function of the fasthash C core. */
#pragma once

typedef enum {
    FH_OK = 0,
    FH_ERR_NOMEM = 1,    /* an allocation failed */
    FH_ERR_BADARG = 2,   /* the caller broke a documented precondition (a bug upstream) */
    FH_ERR_OVERFLOW = 3, /* a count exceeds what the index types can hold */
    FH_ERR_ENCODE = 4,   /* a feature to hash holds a lone surrogate (not encodable as UTF-8) */
    FH_ERR_CANCELLED = 5, /* the caller cancelled the call (fh_cancel_request) */
    FH_ERR_DECODE = 6,    /* a UTF-8 text (FH_KIND_UTF8) is not valid UTF-8 */
    FH_ERR_INVALID = 7    /* input data break their format's rules (a malformed Arrow array) */
} fh_status;

/* Static, human-readable description of a status. Never NULL; thread-safe. */
const char *fh_status_message(fh_status status);
