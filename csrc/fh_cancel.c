/* Authors: The fasthash developers
 * SPDX-License-Identifier: BSD-3-Clause */
#include "fh_cancel.h"

#include <stdlib.h>

#if defined(__STDC_VERSION__) && __STDC_VERSION__ >= 201112L && !defined(__STDC_NO_ATOMICS__)
#include <stdatomic.h>
#define FH_ATOMIC(T) _Atomic T
#define FH_LOAD(p) atomic_load_explicit((p), memory_order_relaxed)
#define FH_STORE(p, v) atomic_store_explicit((p), (v), memory_order_relaxed)
#define FH_ADD(p, v) atomic_fetch_add_explicit((p), (v), memory_order_relaxed)
#else /* no C11 atomics: a volatile int is enough for the flag; the counters are for tests */
#define FH_ATOMIC(T) volatile T
#define FH_LOAD(p) (*(p))
#define FH_STORE(p, v) (*(p) = (v))
#define FH_ADD(p, v) ((*(p) += (v)) - (v))
#endif

struct fh_cancel {
    FH_ATOMIC(int) requested;
    FH_ATOMIC(int64_t) polls;
    FH_ATOMIC(int64_t) after; /* request at this poll count (0: never) */
};

fh_status fh_cancel_new(fh_cancel **out)
{
    *out = calloc(1, sizeof **out);
    if (!*out)
        return FH_ERR_NOMEM;
    fh_cancel_reset(*out);
    return FH_OK;
}

void fh_cancel_free(fh_cancel *c) { free(c); }

void fh_cancel_request(fh_cancel *c)
{
    if (c)
        FH_STORE(&c->requested, 1);
}

void fh_cancel_reset(fh_cancel *c)
{
    if (!c)
        return;
    FH_STORE(&c->requested, 0);
    FH_STORE(&c->polls, 0);
    FH_STORE(&c->after, 0);
}

int fh_cancel_requested(const fh_cancel *c) { return c && FH_LOAD(&c->requested); }

int fh_cancel_poll(fh_cancel *c)
{
    if (!c)
        return 0;
    int64_t k = FH_ADD(&c->polls, 1) + 1;
    int64_t after = FH_LOAD(&c->after);
    if (after > 0 && k >= after)
        FH_STORE(&c->requested, 1);
    return FH_LOAD(&c->requested);
}

void fh_cancel_after_polls(fh_cancel *c, int64_t polls)
{
    if (!c)
        return;
    FH_STORE(&c->after, polls > 0 ? FH_LOAD(&c->polls) + polls : 0);
}

int64_t fh_cancel_polls(const fh_cancel *c) { return c ? FH_LOAD(&c->polls) : 0; }
