/* Authors: The fasthash developers
 * SPDX-License-Identifier: BSD-3-Clause
 *
 * The inverse map of the hashing trick: which features (tokens, n-grams, names) reached
 * which column, with which sign, how often.
 *
 * A recorder counts the distinct features of the documents it is run on (each document
 * analysed exactly as the batch kernel analyses it, fh_analysis_count), on n_threads
 * threads of fh_pool. Each thread counts the features by their bytes into a tally
 * (fh_tally.h: no hash per occurrence); a tally that grows large is hashed and added to the
 * thread's own table once per distinct feature. After the run the tallies are hashed and,
 * with the threads' tables, added to the recorder's on the pool: all are split into parts
 * by the top bits of the hash, and one pool item adds part q of every thread's table and
 * tally (in thread order) to part q of the recorder's, so the merge shrinks with threads
 * as the counting does (a run on one thread adds its tally straight to the recorder's).
 * The column and sign of a feature follow from its murmur3 hash
 * h (fh_feature_key): column |h| mod n_features, negative iff h < 0 as int32.
 *
 * Memory is bounded: with max_tokens > 0, once the recorder holds more than twice the
 * features it kept at its last trim (and at least FH_RECORD_MIN_TRIM), every column is
 * trimmed to its max_tokens most frequent features (ties: shorter bytes, then smaller bytes
 * first); the features dropped from a column are tallied per column ("capped"). While no
 * column was capped the counts are exact; a feature dropped and seen again restarts from its
 * new occurrences. Whatever the thread count, the state after a run is the same. */
#pragma once
#include <stdint.h>

#include "fh_cancel.h"
#include "fh_hashing.h"
#include "fh_status.h"

#define FH_RECORD_MIN_TRIM ((int64_t)1 << 16)

/* A thread counts its documents' features by their bytes (fh_analysis_count), and adds
 * them to its map after the run, or sooner once it holds (1 << 20) / threads distinct
 * features, at least FH_RECORD_TALLY_MIN and at most FH_RECORD_TALLY_MAX (32 MiB of
 * slots): a large tally is added to the map less often, more tallies share the memory. */
#define FH_RECORD_TALLY_MIN ((int64_t)1 << 15)
#define FH_RECORD_TALLY_MAX ((int64_t)1 << 19)

typedef struct fh_recorder fh_recorder;

/* A new, empty recorder for n_features columns (1 .. 2**31 - 1) keeping at most max_tokens
 * features per column (0: no cap) in *out (fh_recorder_free). Returns FH_OK, FH_ERR_NOMEM or
 * FH_ERR_BADARG. */
fh_status fh_recorder_new(uint32_t n_features, int64_t max_tokens, fh_recorder **out);
void fh_recorder_free(fh_recorder *r);

/* r made what fh_recorder_new(n_features, max_tokens) makes, but for its threads' tables,
 * kept (emptied at its next run): a recorder used again for new maps does not fault fresh
 * memory in for them. FH_OK or FH_ERR_BADARG (r unchanged). */
fh_status fh_recorder_reset(fh_recorder *r, uint32_t n_features, int64_t max_tokens);
/* The bytes of the threads' tables r keeps (their tallies and maps). */
int64_t fh_recorder_scratch_bytes(const fh_recorder *r);

/* Count the features of every document of corpus, analysed with opts (whose n_features must
 * be the recorder's; alternate_sign is not used: the recorder keeps every hash). Up to
 * n_threads threads of fh_pool: several threads count into tables of their
 * own, added to the recorder's after the run (on as many threads, part by part, when they
 * hold a few thousand features or more); one thread counts straight into it. On
 * failure *bad_row is the lowest failing document (the statuses of fh_batch_run_ws,
 * FH_ERR_CANCELLED soon after fh_cancel_request(cancel); cancel may be NULL) and the
 * recorder may hold the features of some documents of the run (with several threads:
 * none, unless FH_ERR_NOMEM). Not thread-safe on one recorder.
 * O(features of the corpus + distinct features). */
fh_status fh_recorder_run(fh_recorder *r, const fh_corpus *corpus, const fh_opts *opts,
                          int n_threads, fh_cancel *cancel, int64_t *bad_row);

/* Add count (>= 1) occurrences of the feature bytes[0 .. len) (serial: merging two
 * recorders, unpickling), and tally tokens/count dropped from column col (< n_features).
 * Neither trims. Return FH_OK, FH_ERR_NOMEM, FH_ERR_BADARG or FH_ERR_OVERFLOW (a feature
 * longer than 2**32 - 1 bytes, more than 2**39 distinct features). */
fh_status fh_recorder_add(fh_recorder *r, const uint8_t *bytes, int64_t len, int64_t count);
fh_status fh_recorder_add_dropped(fh_recorder *r, uint32_t col, int64_t tokens, int64_t count);

/* Apply the cap to every column now (a no-op without cap). FH_OK or FH_ERR_NOMEM. */
fh_status fh_recorder_trim(fh_recorder *r);

/* Distinct features held, their total bytes, and the columns with a dropped tally. */
int64_t fh_recorder_n_tokens(const fh_recorder *r);
int64_t fh_recorder_n_bytes(const fh_recorder *r);
int64_t fh_recorder_n_capped(const fh_recorder *r);

/* The features held, sorted by column, then count descending, then length and bytes
 * ascending, into caller arrays of fh_recorder_n_tokens() entries: columns, hashes (the
 * murmur3 hash: its sign is the feature's sign), counts, offsets (n + 1 entries, feature i
 * is bytes[offsets[i] .. offsets[i + 1])) and bytes (fh_recorder_n_bytes()); and the
 * dropped tallies, by column ascending, into arrays of fh_recorder_n_capped() entries.
 * Does not trim. Returns FH_OK or FH_ERR_NOMEM. O(n log n). */
fh_status fh_recorder_dump(const fh_recorder *r, int32_t *columns, uint32_t *hashes,
                           int64_t *counts, int64_t *offsets, uint8_t *bytes,
                           int32_t *capped_columns, int64_t *capped_tokens,
                           int64_t *capped_counts);
