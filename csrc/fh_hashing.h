/* Authors: The fasthash developers
 * SPDX-License-Identifier: BSD-3-Clause
 *
 * The batch kernel: documents -> canonical CSR rows, in parallel over documents.
 *
 * Usage: fh_batch_run() analyses and hashes every document of a corpus into per-chunk
 * buffers (one job of the thread pool, fh_pool.h, whose items are chunks of documents;
 * chunk boundaries depend on the documents only, never on the thread count); the caller
 * allocates output arrays of fh_batch_nnz() entries and fh_batch_copy() places the rows (a
 * serial prefix sum, then one pool job copying the chunks to disjoint slices). The output
 * is bitwise identical for every thread count and schedule. */
#pragma once
#include <stdint.h>

#include "fh_cancel.h"
#include "fh_chars.h"
#include "fh_csr.h"
#include "fh_pattern.h"
#include "fh_status.h"
#include "fh_tally.h"
#include "fh_tokenize.h"

/* How a document is turned into features. */
enum {
    FH_DOC_TEXT = 0,     /* analyse text natively with opts->analyzer */
    FH_DOC_FEATURES = 1  /* already analysed (in Python): a list of features to hash */
};

/* Native analyzers (scikit-learn's; for words, the token patterns FH_TOKEN_*). */
enum { FH_ANALYZER_WORD = 0, FH_ANALYZER_CHAR = 1, FH_ANALYZER_CHAR_WB = 2 };

/* One document: either a text to analyse, or a slice of the corpus' feature list. */
typedef struct {
    fh_text text;        /* FH_DOC_TEXT */
    int64_t feat_start;  /* FH_DOC_FEATURES: features[feat_start .. feat_start + n_feat) */
    int64_t n_feat;
    int32_t mode;        /* FH_DOC_* */
    int32_t _pad;
} fh_doc;

typedef struct {
    const fh_doc *docs;       /* n_docs entries */
    const fh_text *features;  /* pre-analysed features (str views or bytes) */
    int64_t n_docs;
} fh_corpus;

/* Type of the values the kernel stores. */
enum {
    FH_OUT_F64 = 0, /* float64, normalised in C */
    FH_OUT_F32 = 1, /* float32, normalised in C */
    FH_OUT_I64 = 2  /* int64 sums of signs (binary: 1); the caller casts and normalises */
};

typedef struct {
    int64_t min_n, max_n;    /* n-gram range, scikit-learn's semantics incl. min_n <= 0 */
    int32_t analyzer;        /* FH_ANALYZER_* */
    int32_t strip_accents;   /* 0 none, 1 'unicode', 2 'ascii' */
    uint32_t n_features;     /* 1 .. 2**31 - 1 */
    int32_t lowercase;
    int32_t alternate_sign;
    int32_t binary;
    int32_t norm;            /* FH_NORM_*; must be NONE for FH_OUT_I64 */
    int32_t out_type;        /* FH_OUT_* */
    int32_t token;           /* FH_ANALYZER_WORD: the token pattern, FH_TOKEN_*, unless
                                pattern is set */
    const fh_stopset *stop;  /* may be NULL */
    int32_t paths;           /* tests only, 0 otherwise: FH_PATHS_* (same output in all) */
    const fh_pattern *pattern; /* FH_ANALYZER_WORD: a token pattern (fh_pattern.h) scanned
                                  instead of token; may be NULL */
} fh_opts;

/* Which code paths fh_batch_run may take (fh_opts.paths), to test them against each other:
 * every mode gives the same output. */
enum {
    FH_PATHS_FASTEST = 0,  /* the fastest the CPU allows */
    FH_PATHS_BASELINE = 1, /* no instruction set beyond the compiler's baseline (no AVX2) */
    FH_PATHS_REFERENCE = 2 /* the plain paths: per-word char_wb, per-length char n-grams,
                              every row sorted (no aggregation table) */
};

/* Validate options. Returns FH_OK or FH_ERR_BADARG. Pure. */
fh_status fh_opts_check(const fh_opts *opts);

typedef struct fh_batch fh_batch;

/* Memory kept from one batch to the next: the per-chunk output buffers of a batch are
 * handed back to the workspace when the batch is freed and reused by the next batch run
 * with it, so consecutive batches write to memory already mapped instead of faulting in
 * fresh pages (about a tenth of the kernel's time on English text). Holds at most the
 * buffers of the largest batch run with it. A workspace serves one batch at a time
 * (fh_batch_run returns FH_ERR_BADARG while another batch holds it) and must outlive the
 * batches run with it; it is not thread-safe (one per caller). */
typedef struct fh_workspace fh_workspace;

/* A new, empty workspace in *out (fh_workspace_free). Returns FH_OK or FH_ERR_NOMEM. */
fh_status fh_workspace_new(fh_workspace **out);
/* Release a workspace and its buffers (NULL is a no-op). No batch may still hold it. */
void fh_workspace_free(fh_workspace *ws);
/* Bytes of chunk buffers the workspace holds for the next batch (0 for NULL). */
int64_t fh_workspace_bytes(const fh_workspace *ws);

/* Analyse and hash every document of corpus. On FH_OK, *out owns the rows (fh_batch_free).
 * On failure *out is NULL and *bad_row is the lowest failing document (FH_ERR_NOMEM,
 * FH_ERR_ENCODE for a lone surrogate in a feature to hash -- scikit-learn raises
 * UnicodeEncodeError there --, FH_ERR_DECODE for a UTF-8 text or feature (FH_KIND_UTF8)
 * that is not valid UTF-8 -- where Python's decoder raises UnicodeDecodeError --,
 * FH_ERR_BADARG).
 * Uses up to n_threads threads of the pool (fh_pool.h; one without threads), never more
 * than the batch has chunks nor FH_MAX_THREADS (fh_threads.h), whatever n_threads is. Reentrant; reads
 * corpus and opts only. O(total text + features * log). */
fh_status fh_batch_run(const fh_corpus *corpus, const fh_opts *opts, int n_threads,
                       fh_batch **out, int64_t *bad_row);
/* fh_batch_run with the chunk buffers taken from ws (may be NULL: fh_batch_run) and given
 * back to it by fh_batch_free; fh_batch_copy then leaves them allocated. Also returns
 * FH_ERR_BADARG when ws is held by another batch, and FH_ERR_CANCELLED (the workspace
 * given back, nothing else held) soon after fh_cancel_request(cancel): cancel (may be
 * NULL) is polled between documents and inside long ones, every FH_POLL_ITEMS units of
 * work at most, by every thread. */
fh_status fh_batch_run_ws(const fh_corpus *corpus, const fh_opts *opts, int n_threads,
                          fh_workspace *ws, fh_cancel *cancel, fh_batch **out,
                          int64_t *bad_row);

/* For benchmarks: analyse and hash every document of corpus as fh_batch_run_ws does (the
 * same chunks, on up to n_threads threads of the pool) but build no rows: no sorting,
 * summing, normalising nor copying. *n_keys gets the hashed features. The ceiling of the
 * per-feature work. Returns FH_OK or fh_batch_run_ws's errors. */
fh_status fh_batch_hash_only(const fh_corpus *corpus, const fh_opts *opts, int n_threads,
                             fh_cancel *cancel, int64_t *n_keys);

/* Stored entries (after summing duplicates) and raw entries (before) of a batch. */
int64_t fh_batch_nnz(const fh_batch *b);
int64_t fh_batch_raw(const fh_batch *b);
int64_t fh_batch_n_docs(const fh_batch *b);

/* Move the batch out as CSR rows appended to caller-owned arrays: indptr receives
 * n_docs + 1 entries starting with nnz_base (so that consecutive batches can be written
 * into one array, each starting where the previous ended), indices and data nnz entries
 * (data: 8 bytes per value for F64/I64, 4 for F32). Each chunk's memory is released as
 * soon as it is copied, so a batch is never held twice; a second call returns
 * FH_ERR_BADARG (the batch must still be freed with fh_batch_free). Uses up to n_threads
 * threads (at most one per chunk, at most FH_MAX_THREADS). Returns FH_ERR_CANCELLED (the
 * output partly written) if cancel (may be NULL) is requested, polled every few MiB. A
 * batch run with a workspace keeps its buffers until fh_batch_free. */
fh_status fh_batch_copy(fh_batch *b, int n_threads, fh_cancel *cancel, int64_t nnz_base,
                        int64_t *indptr, int32_t *indices, void *data);

void fh_batch_free(fh_batch *b);

/* Features of one document as scikit-learn's analyzer would list them (for tests and
 * debugging): their UTF-8 bytes concatenated in *buf and their bounds in *offsets
 * (*n_features + 1 entries). Both are malloc'ed and owned by the caller (fh_free).
 * Returns FH_OK, FH_ERR_NOMEM, FH_ERR_ENCODE, FH_ERR_DECODE or FH_ERR_BADARG. */
fh_status fh_doc_features(const fh_doc *doc, const fh_text *features, const fh_opts *opts,
                          uint8_t **buf, int64_t **offsets, int64_t *n_features);

void fh_free(void *p);

/* Nonzero iff the core was compiled with OpenMP (which no kernel runs on: the OpenMP
 * runtime is linked only for its thread limit below). */
int fh_openmp_enabled(void);
/* omp_get_max_threads() (1 without OpenMP): reflects OMP_NUM_THREADS and runtime limits
 * such as threadpoolctl's, which n_jobs=None stays within. */
int fh_openmp_max_threads(void);

/* ---------------------------------------------------------------- analysis hook
 * The features of documents one after another, as fh_doc_features lists them, counted by
 * their bytes, in scratch reused from one document to the next (for fh_record.c). */
typedef struct fh_analysis fh_analysis;

/* A new analysis scratch (fh_analysis_free). Returns FH_OK or FH_ERR_NOMEM. */
fh_status fh_analysis_new(fh_analysis **out);
void fh_analysis_free(fh_analysis *a);
/* Add one occurrence of each feature of doc (each time fh_doc_features lists it) to tally,
 * or keep it pending in a (char_wb: the padded words the n-grams come from) until
 * fh_analysis_settle. opts must have passed fh_opts_check and be the same from one call to
 * the next settle. Not thread-safe (one fh_analysis and one tally per thread); reads doc,
 * features and opts only. Returns the statuses of fh_doc_features, and FH_ERR_CANCELLED
 * when cancel (may be NULL) is requested; on failure tally and a may hold some of the
 * document's features. */
fh_status fh_analysis_count(fh_analysis *a, const fh_doc *doc, const fh_text *features,
                            const fh_opts *opts, fh_cancel *cancel, fh_tally *tally);
/* Distinct items pending in a. */
int64_t fh_analysis_pending(const fh_analysis *a);
/* The tally the analysis counts opts's features into first: a's own (char_wb's padded
 * words, pending) or the caller's tally. */
fh_tally *fh_analysis_first_tally(fh_analysis *a, const fh_opts *opts, fh_tally *tally);
/* Add the features pending in a to tally (when add is nonzero; else drop them), leaving a
 * with none. Returns FH_OK, FH_ERR_NOMEM, FH_ERR_OVERFLOW or FH_ERR_CANCELLED. */
fh_status fh_analysis_settle(fh_analysis *a, const fh_opts *opts, fh_cancel *cancel,
                             fh_tally *tally, int add);
/* Move the features pending in src (NULL: none) to dst (both counted with the same opts),
 * settled: dst then holds them all (ready for fh_analysis_expand), src none. Returns FH_OK,
 * FH_ERR_NOMEM or FH_ERR_OVERFLOW (src is emptied whatever the status). */
fh_status fh_analysis_absorb(fh_analysis *dst, fh_analysis *src);
/* Add part `part` (0 <= part < n_parts) of the features pending in a, which fh_analysis_absorb
 * settled, to tally, leaving them pending (fh_analysis_settle without add drops them). It
 * only reads a: threads may expand the parts of one a at once, each into its own tally.
 * Every part once gives the additions of fh_analysis_settle. Returns FH_OK, FH_ERR_NOMEM,
 * FH_ERR_OVERFLOW or FH_ERR_CANCELLED. */
fh_status fh_analysis_expand(const fh_analysis *a, int64_t part, int64_t n_parts,
                             const fh_opts *opts, fh_cancel *cancel, fh_tally *tally);
