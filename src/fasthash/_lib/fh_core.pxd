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
        FH_ERR_INVALID
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


cdef extern from "fh_pattern.h" nogil:
    enum:
        FH_CHARSET_BYTES
        FH_SCAN_RUNS
        FH_SCAN_GENERAL
    enum:
        FH_SET_CLASS
        FH_SET_WORD
        FH_SET_LOWER_CLASS
        FH_SET_LOWER_WORD
        FH_SET_LOWER_COMPLEX
    ctypedef struct fh_pattern_spec:
        const uint8_t *class_bits
        const uint8_t *word_bits
        int64_t min_count
        int64_t max_count
        int32_t bound_start
        int32_t bound_end
    ctypedef struct fh_pattern:
        pass
    fh_status fh_pattern_new(const fh_pattern_spec *spec, fh_pattern **out)
    void fh_pattern_free(fh_pattern *pattern)
    int fh_pattern_scanner(const fh_pattern *pattern)
    int fh_pattern_has(const fh_pattern *pattern, int which, uint32_t cp)


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
        const fh_pattern *pattern
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
    fh_status fh_batch_hash_only(const fh_corpus *corpus, const fh_opts *opts, int n_threads,
                                 fh_cancel *cancel, int64_t *n_keys)
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


cdef extern from "fh_pool.h" nogil:
    int fh_pool_enabled()
    int fh_pool_workers()
    void fh_pool_set_test_delay(int64_t usec)


cdef extern from "fh_arrow.h" nogil:
    struct ArrowSchema:
        const char *format
        const char *name
        const char *metadata
        int64_t flags
        int64_t n_children
        ArrowSchema **children
        ArrowSchema *dictionary
        void (*release)(ArrowSchema *)
        void *private_data
    struct ArrowArray:
        int64_t length
        int64_t null_count
        int64_t offset
        int64_t n_buffers
        int64_t n_children
        const void **buffers
        ArrowArray **children
        ArrowArray *dictionary
        void (*release)(ArrowArray *)
        void *private_data
    struct ArrowArrayStream:
        int (*get_schema)(ArrowArrayStream *, ArrowSchema *out)
        int (*get_next)(ArrowArrayStream *, ArrowArray *out)
        const char *(*get_last_error)(ArrowArrayStream *)
        void (*release)(ArrowArrayStream *)
        void *private_data
    enum:
        FH_ARROW_UNSUPPORTED
        FH_ARROW_TEXT
        FH_ARROW_BYTES
        FH_ARROW_NAME_LISTS
        FH_ARROW_PAIR_LISTS
        FH_ARROW_TABLE
    int fh_arrow_classify(const ArrowSchema *schema)
    ctypedef struct fh_arrow_strings:
        int32_t layout
        int32_t binary
        int64_t length
        int64_t offset
    ctypedef struct fh_arrow_text:
        fh_arrow_strings strings
        int32_t index_bytes
        int64_t length
    fh_status fh_arrow_text_init(const ArrowSchema *schema, const ArrowArray *array,
                                 fh_arrow_text *out)
    int fh_arrow_text_get(const fh_arrow_text *t, int64_t i, const uint8_t **p, int64_t *len)
    enum:
        FH_ARROW_DOCS_UTF8
        FH_ARROW_DOCS_CHECKED
    fh_status fh_arrow_docs(const fh_arrow_text *t, int64_t row0, int64_t max_docs,
                            int64_t max_units, int mode, fh_doc *docs, uint8_t *flags,
                            int64_t *n_docs, int64_t *units, int64_t *null_row,
                            int64_t *bad_row)
    enum:
        FH_ARROW_BOOL
        FH_ARROW_I8
        FH_ARROW_U8
        FH_ARROW_I16
        FH_ARROW_U16
        FH_ARROW_I32
        FH_ARROW_U32
        FH_ARROW_I64
        FH_ARROW_U64
        FH_ARROW_F16
        FH_ARROW_F32
        FH_ARROW_F64
    ctypedef struct fh_arrow_numbers:
        int32_t type
        int64_t length
        int64_t offset
        const uint8_t *validity
        const void *values
    ctypedef struct fh_arrow_lists:
        int32_t pairs
        int64_t length
        int64_t item_offset
        const uint8_t *item_validity
        fh_arrow_text names
        fh_arrow_numbers values
    fh_status fh_arrow_lists_init(const ArrowSchema *schema, const ArrowArray *array,
                                  fh_arrow_lists *out)
    int fh_arrow_list_items(const fh_arrow_lists *l, int64_t i, int64_t *a, int64_t *b)
    int fh_arrow_number(const fh_arrow_numbers *v, int64_t j, double *out)
    bint fh_arrow_bit(const uint8_t *bits, int64_t i)


cdef extern from "fh_features.h" nogil:
    ctypedef struct fh_sink:
        int32_t *cols
        double *vals
        int64_t n, cap
        uint32_t n_features, pow2_mask
        int alternate_sign
        int check
        double lo, hi
    enum:
        FH_CHECK_NONE
        FH_CHECK_RANGE
        FH_CHECK_FINITE_ABS
    bint fh_sink_needs_fix(const fh_sink *s, double v)
    enum:
        FH_ROW_PYTHON
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
    fh_status fh_arrow_feature_rows(const fh_arrow_lists *l, int64_t row0, int64_t n_rows,
                                    int unique_keys, int n_threads, fh_cancel *cancel,
                                    fh_sink *sink, int64_t *row_nnz, uint8_t *flags)
    int64_t fh_arrow_list_item_count(const fh_arrow_lists *l, int64_t row0, int64_t n)


cdef extern from "fh_mem.h" nogil:
    size_t fh_table_cache_bytes()


cdef extern from "fh_record.h" nogil:
    ctypedef struct fh_recorder:
        pass
    fh_status fh_recorder_new(uint32_t n_features, int64_t max_tokens, fh_recorder **out)
    void fh_recorder_free(fh_recorder *r)
    fh_status fh_recorder_run(fh_recorder *r, const fh_corpus *corpus, const fh_opts *opts,
                              int n_threads, fh_cancel *cancel, int64_t *bad_row)
    fh_status fh_recorder_add(fh_recorder *r, const uint8_t *bytes, int64_t len, int64_t count)
    fh_status fh_recorder_add_dropped(fh_recorder *r, uint32_t col, int64_t tokens,
                                      int64_t count)
    fh_status fh_recorder_trim(fh_recorder *r)
    int64_t fh_recorder_n_tokens(const fh_recorder *r)
    int64_t fh_recorder_n_bytes(const fh_recorder *r)
    int64_t fh_recorder_n_capped(const fh_recorder *r)
    fh_status fh_recorder_dump(const fh_recorder *r, int32_t *columns, uint32_t *hashes,
                               int64_t *counts, int64_t *offsets, uint8_t *bytes,
                               int32_t *capped_columns, int64_t *capped_tokens,
                               int64_t *capped_counts)
