/* Authors: The fasthash developers
 * SPDX-License-Identifier: BSD-3-Clause
 *
 * scikit-learn's character analyzers, 'char' and 'char_wb', for the batch kernel (private
 * to csrc/): the n-grams of one document hashed into keys (or collected as bytes in debug
 * mode), through fused, windowed loops where the text and the options allow. */
#pragma once
#include <stdint.h>

#include "fh_hashing.h"
#include "fh_scratch.h"

/* The character n-grams of doc (FH_ANALYZER_CHAR or FH_ANALYZER_CHAR_WB, o->analyzer),
 * appended to sc's keys (or to its debug bytes). Returns FH_OK, FH_ERR_NOMEM,
 * FH_ERR_ENCODE (an n-gram holds a lone surrogate), FH_ERR_BADARG or FH_ERR_CANCELLED
 * (sc->cancel, polled every FH_POLL_ITEMS units of work at most). Reentrant with
 * per-thread sc. O(document length * n-gram lengths). */
fh_status fh_char_features(scratch *sc, const fh_text *doc, const fh_opts *o,
                           const hash_params *hp);

/* Counting mode (sc->tally, fh_analysis_count): char_wb n-grams of the fast paths are
 * counted as the padded words " w " they come from, into sc->wtally; fh_wb_expand adds the
 * n-grams (lo <= n <= hi) of the padded words in slots [k0, k1) of words (settled:
 * fh_tally_settle) to tally, each as many times as its word was counted. It only reads
 * words: threads may expand parts of one words tally at once, each into its own tally.
 * Returns FH_OK, FH_ERR_NOMEM, FH_ERR_OVERFLOW or FH_ERR_CANCELLED. */
fh_status fh_wb_expand(const fh_tally *words, int64_t k0, int64_t k1, int64_t lo, int64_t hi,
                       fh_tally *tally, fh_cancel *cancel);

/* Nonzero iff the AVX2 variants may run on this CPU. Pure (reads CPUID). */
int fh_cpu_has_avx2(void);
