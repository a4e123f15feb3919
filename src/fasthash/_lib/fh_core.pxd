# Authors: The fasthash developers
# SPDX-License-Identifier: BSD-3-Clause
# Declarations of the C core (csrc/). Externs are nogil and noexcept.
from libc.stdint cimport int32_t, int64_t, uint8_t, uint32_t


cdef extern from "fh_status.h" nogil:
    ctypedef enum fh_status:
        FH_OK
        FH_ERR_NOMEM
        FH_ERR_BADARG
        FH_ERR_OVERFLOW
        FH_ERR_ENCODE
        FH_ERR_CANCELLED
        FH_ERR_DECODE
    const char *fh_status_message(fh_status status)


cdef extern from "fh_cancel.h" nogil:
    ctypedef struct fh_cancel:
        pass
    fh_status fh_cancel_new(fh_cancel **out)
    void fh_cancel_free(fh_cancel *c)
    void fh_cancel_request(fh_cancel *c)
    void fh_cancel_reset(fh_cancel *c)
    int fh_cancel_requested(const fh_cancel *c)
    void fh_cancel_after_polls(fh_cancel *c, int64_t polls)
    int64_t fh_cancel_polls(const fh_cancel *c)


cdef extern from "fh_murmur3.h" nogil:
    uint32_t fh_murmur3_32(const void *key, size_t len, uint32_t seed)


cdef extern from "fh_unicode.h" nogil:
    const char *fh_unicode_version()
    int fh_unicode_lookup(uint32_t cp, int *flags, uint32_t *lower)


cdef extern from "fh_tokenize.h" nogil:
    enum:
        FH_KIND_BYTES
        FH_KIND_UCS1
        FH_KIND_UCS2
        FH_KIND_UCS4
        FH_KIND_UTF8
    ctypedef struct fh_text:
        const void *data
        int64_t len
        int32_t kind
        int32_t ascii
    ctypedef struct fh_stopset:
        pass
    fh_status fh_stopset_new(const uint8_t *bytes, const int64_t *offsets, int64_t n,
                             fh_stopset **out)
    void fh_stopset_free(fh_stopset *set)


cdef extern from "fh_utf8.h" nogil:
    ctypedef struct fh_utf8_info:
        int64_t n_cp
        int64_t error_at
        int32_t kind
        int32_t ascii
    fh_status fh_utf8_check(const uint8_t *s, int64_t n, fh_cancel *cancel, fh_utf8_info *info)


cdef extern from "fh_tokenize.h" nogil:
    enum:
        FH_TOKEN_WORD2
        FH_TOKEN_WORD1
        FH_TOKEN_NONSPACE


cdef extern from "fh_csr.h" nogil:
    enum:
        FH_NORM_NONE
        FH_NORM_L1
        FH_NORM_L2


cdef extern from "fh_hashing.h" nogil:
    enum:
        FH_DOC_TEXT
        FH_DOC_FEATURES
    enum:
        FH_ANALYZER_WORD
        FH_ANALYZER_CHAR
        FH_ANALYZER_CHAR_WB
    enum:
        FH_OUT_F64
        FH_OUT_F32
        FH_OUT_I64
    enum:
        FH_PATHS_FASTEST
        FH_PATHS_BASELINE
        FH_PATHS_REFERENCE
    ctypedef struct fh_doc:
        fh_text text
        int64_t feat_start
        int64_t n_feat
        int32_t mode
    ctypedef struct fh_corpus:
        const fh_doc *docs
        const fh_text *features
        int64_t n_docs
    ctypedef struct fh_opts:
        int64_t min_n
        int64_t max_n
        int32_t analyzer
        int32_t strip_accents
        uint32_t n_features
        int32_t lowercase
        int32_t alternate_sign
        int32_t binary
        int32_t norm
        int32_t out_type
        int32_t token
        const fh_stopset *stop
        int32_t paths
    ctypedef struct fh_batch:
        pass
    ctypedef struct fh_workspace:
        pass
    fh_status fh_workspace_new(fh_workspace **out)
    void fh_workspace_free(fh_workspace *ws)
    int64_t fh_workspace_bytes(const fh_workspace *ws)
    fh_status fh_batch_run_ws(const fh_corpus *corpus, const fh_opts *opts, int n_threads,
                              fh_workspace *ws, fh_cancel *cancel, fh_batch **out,
                              int64_t *bad_row)
    fh_status fh_opts_check(const fh_opts *opts)
    fh_status fh_batch_run(const fh_corpus *corpus, const fh_opts *opts, int n_threads,
                           fh_batch **out, int64_t *bad_row)
    int64_t fh_batch_nnz(const fh_batch *b)
    int64_t fh_batch_raw(const fh_batch *b)
    int64_t fh_batch_n_docs(const fh_batch *b)
    fh_status fh_batch_copy(fh_batch *b, int n_threads, fh_cancel *cancel, int64_t nnz_base,
                            int64_t *indptr, int32_t *indices, void *data)
    void fh_batch_free(fh_batch *b)
    fh_status fh_doc_features(const fh_doc *doc, const fh_text *features, const fh_opts *opts,
                              uint8_t **buf, int64_t **offsets, int64_t *n_features)
    void fh_free(void *p)
    int fh_openmp_enabled()
    int fh_openmp_max_threads()


cdef extern from "fh_features.h" nogil:
    uint32_t fh_feature_entry(const uint8_t *name, size_t len, uint32_t n_features,
                              uint32_t pow2_mask, int alternate_sign)
    enum:
        FH_MERGE_RAW
    fh_status fh_merge_feature_rows_f64(const int64_t *indptr, int64_t n_rows,
                                        const int32_t *indices, const double *values,
                                        int64_t n_cols, int n_threads, fh_cancel *cancel,
                                        int64_t *out_indptr,
                                        int32_t *out_indices, double *out_values,
                                        uint8_t *row_flags, int *all_sorted)
    fh_status fh_merge_feature_rows_f32(const int64_t *indptr, int64_t n_rows,
                                        const int32_t *indices, const float *values,
                                        int64_t n_cols, int n_threads, fh_cancel *cancel,
                                        int64_t *out_indptr,
                                        int32_t *out_indices, float *out_values,
                                        uint8_t *row_flags, int *all_sorted)
