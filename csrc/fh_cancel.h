/* Authors: The fasthash developers
 * SPDX-License-Identifier: BSD-3-Clause
 *
 * Cancellation tokens: how a caller stops a long kernel call from another thread.
 *
 * The kernels that take a token poll it at least every FH_POLL_ITEMS units of work (code
 * units, keys, entries), inside long documents and rows as well as between them, and
 * return FH_ERR_CANCELLED soon after fh_cancel_request, having released what they
 * allocated. A NULL token is never cancelled. */
#pragma once
#include <stdint.h>

#include "fh_status.h"

/* Work between two polls of a token (a few hundred microseconds at most). */
#define FH_POLL_ITEMS ((int64_t)1 << 16)

typedef struct fh_cancel fh_cancel;

/* A new token, not cancelled, in *out (fh_cancel_free). Returns FH_OK or FH_ERR_NOMEM. */
fh_status fh_cancel_new(fh_cancel **out);
void fh_cancel_free(fh_cancel *c);
/* Ask every call polling c to stop. Thread-safe and async-signal-safe. */
void fh_cancel_request(fh_cancel *c);
/* Withdraw a request and the countdown, zero the poll count (before reusing c; no call may
 * be polling c). These functions take NULL as a token never cancelled. */
void fh_cancel_reset(fh_cancel *c);
/* Nonzero iff cancellation was requested. Thread-safe. */
int fh_cancel_requested(const fh_cancel *c);
/* Nonzero iff the caller must stop: c is not NULL and cancellation was requested. Counts
 * the poll. Thread-safe; O(1). */
int fh_cancel_poll(fh_cancel *c);

/* For tests: request cancellation at the polls-th poll from now on (0: never), so that a
 * test can stop a kernel at each of its polling points in turn, without timing. */
void fh_cancel_after_polls(fh_cancel *c, int64_t polls);
/* For tests: polls counted since fh_cancel_new or fh_cancel_reset. */
int64_t fh_cancel_polls(const fh_cancel *c);
