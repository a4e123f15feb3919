/* Authors: The fasthash developers
 * SPDX-License-Identifier: BSD-3-Clause
 *
 * Arrow columns read in place, through the Arrow C data interface.
 *
 * Producers (pyarrow, pandas, polars, ...) hand over ArrowSchema/ArrowArray structs; this
 * module checks the layout of one array once (its format string, buffers, children and
 * lengths) and describes it as a plain view that the kernels read row by row: a text
 * column (fh_arrow_text: utf8/binary with 32- or 64-bit offsets or 16-byte views, possibly
 * dictionary-encoded) or a column of feature lists (fh_arrow_lists: list<name> or
 * map<name, number> / list<struct<name, number>>). Nothing is copied and nothing here owns
 * Arrow memory: the caller keeps the arrays alive (and releases them) while their views
 * are in use. The views hold only pointers and integers and may be read by any number of
 * threads at once. */
#pragma once
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "fh_hashing.h"
#include "fh_status.h"

/* ---------------------------------------------------------------- the C data interface */

/* The ABI-stable structs of the Arrow C data interface, as the specification defines them
 * (https://arrow.apache.org/docs/format/CDataInterface.html), under its include guards. */
#ifndef ARROW_C_DATA_INTERFACE
#define ARROW_C_DATA_INTERFACE

#define ARROW_FLAG_DICTIONARY_ORDERED 1
#define ARROW_FLAG_NULLABLE 2
#define ARROW_FLAG_MAP_KEYS_SORTED 4

struct ArrowSchema {
    const char *format;
    const char *name;
    const char *metadata;
    int64_t flags;
    int64_t n_children;
    struct ArrowSchema **children;
    struct ArrowSchema *dictionary;
    void (*release)(struct ArrowSchema *);
    void *private_data;
};

struct ArrowArray {
    int64_t length;
    int64_t null_count;
    int64_t offset;
    int64_t n_buffers;
    int64_t n_children;
    const void **buffers;
    struct ArrowArray **children;
    struct ArrowArray *dictionary;
    void (*release)(struct ArrowArray *);
    void *private_data;
};

#endif /* ARROW_C_DATA_INTERFACE */

#ifndef ARROW_C_STREAM_INTERFACE
#define ARROW_C_STREAM_INTERFACE

struct ArrowArrayStream {
    int (*get_schema)(struct ArrowArrayStream *, struct ArrowSchema *out);
    int (*get_next)(struct ArrowArrayStream *, struct ArrowArray *out);
    const char *(*get_last_error)(struct ArrowArrayStream *);
    void (*release)(struct ArrowArrayStream *);
    void *private_data;
};

#endif /* ARROW_C_STREAM_INTERFACE */

/* ---------------------------------------------------------------- classification */

/* What a schema holds, for the readers below (fh_arrow_classify). A one-field struct (a
 * table or record batch of one column) is classified by its field. */
enum {
    FH_ARROW_UNSUPPORTED = 0,
    FH_ARROW_TEXT = 1,        /* utf8, large_utf8, utf8_view, or a dictionary of them */
    FH_ARROW_BYTES = 2,       /* binary, large_binary, binary_view, or a dictionary of them */
    FH_ARROW_NAME_LISTS = 3,  /* list or large_list of TEXT or BYTES values */
    FH_ARROW_PAIR_LISTS = 4,  /* map<TEXT|BYTES, number>, or list or large_list of
                                 struct<TEXT|BYTES, number> (two fields, in that order) */
    FH_ARROW_TABLE = 5        /* a struct of several fields (a table): select a column */
};

/* The kind of data schema describes (FH_ARROW_*); numbers are bool, int8 .. uint64,
 * float16, float32 and float64. Pure; reads the schema only; O(depth). */
int fh_arrow_classify(const struct ArrowSchema *schema);

/* ---------------------------------------------------------------- text columns */

/* How a string-like array stores its values. */
enum { FH_ARROW_OFFSETS32 = 0, FH_ARROW_OFFSETS64 = 1, FH_ARROW_VIEWS = 2 };

/* The values of one string-like array (utf8 or binary). Value j (0 <= j < length) is
 * stored at position offset + j of the buffers. */
typedef struct {
    int32_t layout;              /* FH_ARROW_OFFSETS32, FH_ARROW_OFFSETS64 or FH_ARROW_VIEWS */
    int32_t binary;              /* nonzero: binary values (bytes); 0: utf8 (text) */
    int64_t length;
    int64_t offset;
    const uint8_t *validity;     /* a bit per value, LSB first; NULL: no value is null */
    const void *offsets;         /* OFFSETS32/64: offset + length + 1 int32/int64 */
    const uint8_t *data;         /* OFFSETS32/64: the bytes (may be NULL if all are empty) */
    const uint8_t *views;        /* VIEWS: 16 bytes per value */
    const uint8_t *const *buffers; /* VIEWS: the variadic data buffers */
    const int64_t *buffer_sizes; /* VIEWS: their sizes in bytes */
    int64_t n_buffers;
} fh_arrow_strings;

/* A column of text (or bytes): its strings, or indices into a dictionary of strings. Row i
 * (0 <= i < length) is strings value i, or value indices[offset + i] of the dictionary. A
 * row is null if its validity bit is clear, or if it points at a null value. */
typedef struct {
    fh_arrow_strings strings;  /* the values (the dictionary, if index_bytes > 0) */
    int32_t index_bytes;       /* 0: not dictionary-encoded; else 1, 2, 4 or 8 */
    int32_t index_signed;
    int64_t length;            /* rows */
    int64_t offset;            /* dictionary-encoded: position of row 0 in the indices */
    const uint8_t *validity;   /* dictionary-encoded: a bit per index; NULL: none null */
    const void *indices;
} fh_arrow_text;

/* Describe the array of a TEXT or BYTES schema (a one-field struct: its field) in *out.
 * Checks the layout: buffer and child counts, the buffers a non-empty array needs, lengths
 * and offsets of dictionaries and struct fields. Does not read the values (the row readers
 * check offsets, views and indices as they read them). Returns FH_OK, FH_ERR_BADARG
 * (schema of another kind) or FH_ERR_INVALID (the array breaks the format's rules).
 * O(depth). */
fh_status fh_arrow_text_init(const struct ArrowSchema *schema, const struct ArrowArray *array,
                             fh_arrow_text *out);

static inline int fh_arrow_bit(const uint8_t *bits, int64_t i)
{
    return (bits[i >> 3] >> (i & 7)) & 1;
}

/* Value j of s: 1 with its bytes in *p and *len, 0 if null, -1 if the array is malformed
 * there (offsets decreasing or negative, a view outside its buffer). Pure, O(1). */
static inline int fh_arrow_strings_get(const fh_arrow_strings *s, int64_t j, const uint8_t **p,
                                       int64_t *len)
{
    int64_t k = s->offset + j;
    if (s->validity && !fh_arrow_bit(s->validity, k))
        return 0;
    if (s->layout == FH_ARROW_VIEWS) {
        const uint8_t *v = s->views + 16 * k;
        int32_t n, buf, off;
        memcpy(&n, v, 4);
        if (n < 0)
            return -1;
        if (n <= 12) {
            *p = v + 4;
            *len = n;
            return 1;
        }
        memcpy(&buf, v + 8, 4);
        memcpy(&off, v + 12, 4);
        if (buf < 0 || buf >= s->n_buffers || off < 0 || (int64_t)off + n > s->buffer_sizes[buf])
            return -1;
        *p = s->buffers[buf] + off;
        *len = n;
        return 1;
    }
    int64_t a, b;
    if (s->layout == FH_ARROW_OFFSETS32) {
        const int32_t *o = (const int32_t *)s->offsets;
        a = o[k];
        b = o[k + 1];
    } else {
        const int64_t *o = (const int64_t *)s->offsets;
        a = o[k];
        b = o[k + 1];
    }
    if (a < 0 || b < a || (b > a && !s->data))
        return -1;
    *p = s->data ? s->data + a : (const uint8_t *)"";
    *len = b - a;
    return 1;
}

/* Dictionary index of row i of t (index_bytes > 0); -1 for an index that is negative or
 * beyond the dictionary (the array is malformed). Pure, O(1). */
static inline int64_t fh_arrow_index(const fh_arrow_text *t, int64_t i)
{
    int64_t k = t->offset + i, j;
    switch (t->index_bytes) {
    case 1: j = t->index_signed ? ((const int8_t *)t->indices)[k]
                                : ((const uint8_t *)t->indices)[k]; break;
    case 2: j = t->index_signed ? ((const int16_t *)t->indices)[k]
                                : ((const uint16_t *)t->indices)[k]; break;
    case 4: j = t->index_signed ? ((const int32_t *)t->indices)[k]
                                : (int64_t)((const uint32_t *)t->indices)[k]; break;
    default: {
        uint64_t u = ((const uint64_t *)t->indices)[k];
        j = (!t->index_signed && u > (uint64_t)INT64_MAX) ? -1 : (int64_t)u;
    }
    }
    return (j < 0 || j >= t->strings.length) ? -1 : j;
}

/* Row i of t (0 <= i < t->length): 1 with its bytes in *p and *len, 0 if null, -1 if the
 * array is malformed there. Pure, O(1). */
static inline int fh_arrow_text_get(const fh_arrow_text *t, int64_t i, const uint8_t **p,
                                    int64_t *len)
{
    if (t->index_bytes == 0)
        return fh_arrow_strings_get(&t->strings, i, p, len);
    if (t->validity && !fh_arrow_bit(t->validity, t->offset + i))
        return 0;
    int64_t j = fh_arrow_index(t, i);
    if (j < 0)
        return -1;
    return fh_arrow_strings_get(&t->strings, j, p, len);
}

/* How fh_arrow_docs presents rows to the batch kernel. */
enum {
    FH_ARROW_DOCS_UTF8 = 0,   /* every row as FH_KIND_UTF8 text (the kernel validates it and
                                 reports the first invalid row as FH_ERR_DECODE) */
    FH_ARROW_DOCS_CHECKED = 1 /* the same, but rows that are not valid UTF-8 are left to the
                                 caller (flags) */
};

/* Documents for the batch kernel from rows [row0, row0 + max_docs) of t (row0 + max_docs
 * <= t->length): docs[k] is an FH_DOC_TEXT view of row row0 + k, of kind FH_KIND_UTF8 (the
 * bytes are the column's: no copy; the ascii hint is left 0 for the kernel to find out,
 * in parallel). Stops before a null row, and once the rows taken hold max_units units (a
 * row of b bytes counts b + 1) or max_docs rows. *n_docs receives the number of rows
 * taken, *units their units, *null_row the row (absolute) of the null that stopped it, or
 * -1. flags[k] is set to 1 for a row the caller must present itself (mode
 * FH_ARROW_DOCS_CHECKED: a row that is not valid UTF-8, see fh_utf8_check), else 0; such
 * a row's docs[k] is zeroed. Returns FH_OK, FH_ERR_BADARG (bad arguments) or
 * FH_ERR_INVALID (*bad_row: a malformed row; the rows before it are taken). Reentrant;
 * O(rows), plus O(bytes) in mode FH_ARROW_DOCS_CHECKED. */
fh_status fh_arrow_docs(const fh_arrow_text *t, int64_t row0, int64_t max_docs,
                        int64_t max_units, int mode, fh_doc *docs, uint8_t *flags,
                        int64_t *n_docs, int64_t *units, int64_t *null_row,
                        int64_t *bad_row);

/* ---------------------------------------------------------------- lists of features */

/* Numeric value types (fh_arrow_numbers.type). */
enum {
    FH_ARROW_BOOL = 1,
    FH_ARROW_I8, FH_ARROW_U8, FH_ARROW_I16, FH_ARROW_U16,
    FH_ARROW_I32, FH_ARROW_U32, FH_ARROW_I64, FH_ARROW_U64,
    FH_ARROW_F16, FH_ARROW_F32, FH_ARROW_F64
};

/* A numeric array: value j is at position offset + j. */
typedef struct {
    int32_t type;              /* FH_ARROW_BOOL .. FH_ARROW_F64 */
    int64_t length;
    int64_t offset;
    const uint8_t *validity;   /* NULL: no value is null */
    const void *values;
} fh_arrow_numbers;

/* A column of feature lists: row i holds the items [offsets[offset + i],
 * offsets[offset + i + 1]) of the item arrays. An item is a name (names) or, with pairs,
 * a (name, value) struct: item k's name is names row item_offset + k and its value values
 * row item_offset + k. */
typedef struct {
    int32_t offset_bytes;      /* 4 or 8 */
    int32_t pairs;             /* 0: items are names; 1: (name, value) structs */
    int64_t length;
    int64_t offset;
    const uint8_t *validity;   /* of the lists; NULL: none null */
    const void *offsets;
    int64_t n_items;           /* items in the item arrays (bounds the offsets) */
    int64_t item_offset;       /* pairs: the struct's offset */
    const uint8_t *item_validity; /* pairs: the struct's validity (NULL: none null) */
    fh_arrow_text names;
    fh_arrow_numbers values;   /* pairs only */
} fh_arrow_lists;

/* Describe the array of a NAME_LISTS or PAIR_LISTS schema (a one-field struct: its field)
 * in *out. Returns FH_OK, FH_ERR_BADARG (schema of another kind) or FH_ERR_INVALID (the
 * array breaks the format's rules). O(depth). */
fh_status fh_arrow_lists_init(const struct ArrowSchema *schema, const struct ArrowArray *array,
                              fh_arrow_lists *out);

/* Item range [*a, *b) of row i: 1, 0 if the row is null, -1 if its offsets are malformed
 * (negative, decreasing or beyond the items). Pure, O(1). */
static inline int fh_arrow_list_items(const fh_arrow_lists *l, int64_t i, int64_t *a,
                                      int64_t *b)
{
    int64_t k = l->offset + i;
    if (l->validity && !fh_arrow_bit(l->validity, k))
        return 0;
    if (l->offset_bytes == 4) {
        *a = ((const int32_t *)l->offsets)[k];
        *b = ((const int32_t *)l->offsets)[k + 1];
    } else {
        *a = ((const int64_t *)l->offsets)[k];
        *b = ((const int64_t *)l->offsets)[k + 1];
    }
    return (*a < 0 || *b < *a || *b > l->n_items) ? -1 : 1;
}

/* Value j of v as a double, as Python's float() of the value to_pylist() gives (integers
 * correctly rounded; bool 0/1; float16 and float32 exactly): 1, or 0 if null. Pure. */
int fh_arrow_number(const fh_arrow_numbers *v, int64_t j, double *out);
