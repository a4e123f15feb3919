/* Authors: The fasthash developers
 * SPDX-License-Identifier: BSD-3-Clause */
#include "fh_arrow.h"

#include "fh_utf8.h"

#include <math.h>
#include <string.h>

/* ---------------------------------------------------------------- formats */

static int is_format(const struct ArrowSchema *s, const char *f)
{
    return s && s->format && strcmp(s->format, f) == 0;
}

/* FH_ARROW_TEXT or FH_ARROW_BYTES for a plain string-like format, else 0. */
static int string_format(const char *f)
{
    if (!strcmp(f, "u") || !strcmp(f, "U") || !strcmp(f, "vu"))
        return FH_ARROW_TEXT;
    if (!strcmp(f, "z") || !strcmp(f, "Z") || !strcmp(f, "vz"))
        return FH_ARROW_BYTES;
    return 0;
}

/* Bytes and signedness of a dictionary index format, 0 if not one. */
static int index_format(const char *f, int *is_signed)
{
    static const char *names = "cCsSiIlL";
    if (!f[0] || f[1])
        return 0;
    const char *at = strchr(names, f[0]);
    if (!at)
        return 0;
    int k = (int)(at - names);
    *is_signed = (k % 2) == 0;
    return 1 << (k / 2);
}

/* FH_ARROW_TEXT/BYTES for a string-like schema, possibly dictionary-encoded, else 0. */
static int text_schema(const struct ArrowSchema *s)
{
    if (!s || !s->format)
        return 0;
    if (s->dictionary) {
        int is_signed;
        if (!index_format(s->format, &is_signed) || s->dictionary->dictionary ||
            !s->dictionary->format)
            return 0;
        return string_format(s->dictionary->format);
    }
    return string_format(s->format);
}

static int number_format(const char *f)
{
    static const char *names = "bcCsSiIlLefg";
    if (!f || !f[0] || f[1])
        return 0;
    const char *at = strchr(names, f[0]);
    return at ? FH_ARROW_BOOL + (int)(at - names) : 0;
}

/* The struct<name, number> of pairs. */
static int pair_schema(const struct ArrowSchema *s)
{
    return is_format(s, "+s") && !s->dictionary && s->n_children == 2 && s->children &&
           text_schema(s->children[0]) && !s->children[1]->dictionary &&
           number_format(s->children[1]->format);
}

static int column_kind(const struct ArrowSchema *s)
{
    int k = text_schema(s);
    if (k)
        return k;
    if (!s || !s->format || s->dictionary)
        return FH_ARROW_UNSUPPORTED;
    if ((is_format(s, "+l") || is_format(s, "+L")) && s->n_children == 1 && s->children) {
        const struct ArrowSchema *c = s->children[0];
        if (text_schema(c))
            return FH_ARROW_NAME_LISTS;
        if (pair_schema(c))
            return FH_ARROW_PAIR_LISTS;
    }
    if (is_format(s, "+m") && s->n_children == 1 && s->children && pair_schema(s->children[0]))
        return FH_ARROW_PAIR_LISTS;
    return FH_ARROW_UNSUPPORTED;
}

int fh_arrow_classify(const struct ArrowSchema *schema)
{
    if (is_format(schema, "+s") && !schema->dictionary) {
        if (schema->n_children != 1 || !schema->children)
            return FH_ARROW_TABLE;
        return column_kind(schema->children[0]);
    }
    return column_kind(schema);
}

/* ---------------------------------------------------------------- arrays */

/* Common checks of an array with n_buffers buffers and n_children children. */
static int array_ok(const struct ArrowArray *a, int64_t n_buffers, int64_t n_children)
{
    if (!a || a->length < 0 || a->offset < 0 || a->n_buffers != n_buffers ||
        a->n_children != n_children)
        return 0;
    if (n_buffers > 0 && !a->buffers)
        return 0;
    if (n_children > 0 && !a->children)
        return 0;
    return 1;
}

/* The validity bitmap of a (NULL when no value is null); *ok = 0 if one is needed but
 * missing. */
static const uint8_t *validity_of(const struct ArrowArray *a, int *ok)
{
    if (a->null_count == 0)
        return NULL;
    const uint8_t *v = (const uint8_t *)a->buffers[0];
    if (!v && a->null_count != -1 && a->length > 0)
        *ok = 0; /* nulls announced, no bitmap */
    return v;    /* null_count -1 and no bitmap: none null */
}

static fh_status strings_init(const struct ArrowSchema *s, const struct ArrowArray *a,
                              fh_arrow_strings *out)
{
    const char *f = s->format;
    int ok = 1;
    memset(out, 0, sizeof *out);
    out->binary = string_format(f) == FH_ARROW_BYTES;
    if (f[0] == 'v') {
        if (!a || a->n_buffers < 3 || a->n_children != 0 || a->length < 0 || a->offset < 0 ||
            !a->buffers)
            return FH_ERR_INVALID;
        out->layout = FH_ARROW_VIEWS;
        out->views = (const uint8_t *)a->buffers[1];
        out->n_buffers = a->n_buffers - 3;
        out->buffers = (const uint8_t *const *)(a->buffers + 2);
        out->buffer_sizes = (const int64_t *)a->buffers[a->n_buffers - 1];
        if (out->n_buffers > 0 && !out->buffer_sizes)
            return FH_ERR_INVALID;
        for (int64_t b = 0; b < out->n_buffers; b++)
            if (!out->buffers[b] && out->buffer_sizes[b] > 0)
                return FH_ERR_INVALID;
        if (a->length > 0 && !out->views)
            return FH_ERR_INVALID;
    } else {
        if (!array_ok(a, 3, 0))
            return FH_ERR_INVALID;
        out->layout = (f[0] == 'U' || f[0] == 'Z') ? FH_ARROW_OFFSETS64 : FH_ARROW_OFFSETS32;
        out->offsets = a->buffers[1];
        out->data = (const uint8_t *)a->buffers[2];
        if (a->length > 0 && !out->offsets)
            return FH_ERR_INVALID;
    }
    out->length = a->length;
    out->offset = a->offset;
    out->validity = validity_of(a, &ok);
    return ok ? FH_OK : FH_ERR_INVALID;
}

/* A text column of a string-like schema (not the table wrapper). */
static fh_status text_init(const struct ArrowSchema *s, const struct ArrowArray *a,
                           fh_arrow_text *out)
{
    memset(out, 0, sizeof *out);
    if (!text_schema(s))
        return FH_ERR_BADARG;
    if (!s->dictionary) {
        fh_status st = strings_init(s, a, &out->strings);
        out->length = out->strings.length;
        return st;
    }
    int is_signed, ok = 1;
    out->index_bytes = index_format(s->format, &is_signed);
    out->index_signed = is_signed;
    if (!array_ok(a, 2, 0) || !a->dictionary)
        return FH_ERR_INVALID;
    out->length = a->length;
    out->offset = a->offset;
    out->validity = validity_of(a, &ok);
    out->indices = a->buffers[1];
    if (!ok || (a->length > 0 && !out->indices))
        return FH_ERR_INVALID;
    return strings_init(s->dictionary, a->dictionary, &out->strings);
}

/* Shift a text column by `shift` rows and cut it to `length` rows (a struct's offset and
 * length applied to its field). */
static fh_status text_slice(fh_arrow_text *t, int64_t shift, int64_t length)
{
    if (shift < 0 || length < 0 || shift + length > t->length)
        return FH_ERR_INVALID;
    if (t->index_bytes) {
        t->offset += shift;
    } else {
        t->strings.offset += shift;
        t->strings.length = length;
    }
    t->length = length;
    return FH_OK;
}

/* The field of a one-field struct (a table): its schema and array, with the struct's
 * offset and length in *shift and *length. FH_ERR_BADARG if the struct has null rows. */
static fh_status unwrap_table(const struct ArrowSchema **s, const struct ArrowArray **a,
                              int64_t *shift, int64_t *length)
{
    const struct ArrowArray *p = *a;
    *shift = 0;
    *length = -1;
    if (!is_format(*s, "+s") || (*s)->dictionary)
        return FH_OK;
    if (!array_ok(p, 1, 1))
        return FH_ERR_INVALID;
    if (p->null_count != 0 && p->buffers[0] != NULL)
        return FH_ERR_BADARG; /* null rows of the table itself: not a plain column */
    *shift = p->offset;
    *length = p->length;
    *s = (*s)->children[0];
    *a = p->children[0];
    return FH_OK;
}

fh_status fh_arrow_text_init(const struct ArrowSchema *schema, const struct ArrowArray *array,
                             fh_arrow_text *out)
{
    int64_t shift, length;
    memset(out, 0, sizeof *out);
    if (!schema || !array)
        return FH_ERR_BADARG;
    int kind = fh_arrow_classify(schema);
    if (kind != FH_ARROW_TEXT && kind != FH_ARROW_BYTES)
        return FH_ERR_BADARG;
    fh_status st = unwrap_table(&schema, &array, &shift, &length);
    if (st == FH_OK)
        st = text_init(schema, array, out);
    if (st == FH_OK && length >= 0)
        st = text_slice(out, shift, length);
    return st;
}

static fh_status numbers_init(const struct ArrowSchema *s, const struct ArrowArray *a,
                              fh_arrow_numbers *out)
{
    int ok = 1;
    memset(out, 0, sizeof *out);
    out->type = number_format(s->format);
    if (!out->type || s->dictionary)
        return FH_ERR_BADARG;
    if (!array_ok(a, 2, 0))
        return FH_ERR_INVALID;
    out->length = a->length;
    out->offset = a->offset;
    out->validity = validity_of(a, &ok);
    out->values = a->buffers[1];
    if (!ok || (a->length > 0 && !out->values))
        return FH_ERR_INVALID;
    return FH_OK;
}

fh_status fh_arrow_lists_init(const struct ArrowSchema *schema, const struct ArrowArray *array,
                              fh_arrow_lists *out)
{
    int64_t shift, length;
    int ok = 1;
    memset(out, 0, sizeof *out);
    if (!schema || !array)
        return FH_ERR_BADARG;
    int kind = fh_arrow_classify(schema);
    if (kind != FH_ARROW_NAME_LISTS && kind != FH_ARROW_PAIR_LISTS)
        return FH_ERR_BADARG;
    fh_status st = unwrap_table(&schema, &array, &shift, &length);
    if (st != FH_OK)
        return st;
    const struct ArrowArray *a = array;
    if (!array_ok(a, 2, 1))
        return FH_ERR_INVALID;
    out->offset_bytes = is_format(schema, "+L") ? 8 : 4;
    out->length = a->length;
    out->offset = a->offset;
    out->validity = validity_of(a, &ok);
    out->offsets = a->buffers[1];
    if (!ok || (a->length > 0 && !out->offsets))
        return FH_ERR_INVALID;
    const struct ArrowSchema *cs = schema->children[0];
    const struct ArrowArray *ca = a->children[0];
    if (!ca)
        return FH_ERR_INVALID;
    if (kind == FH_ARROW_NAME_LISTS) {
        if ((st = text_init(cs, ca, &out->names)) != FH_OK)
            return st;
        out->n_items = out->names.length;
    } else {
        out->pairs = 1;
        if (!array_ok(ca, 1, 2) || !ca->children[0] || !ca->children[1])
            return FH_ERR_INVALID;
        out->n_items = ca->length;
        out->item_offset = ca->offset;
        out->item_validity = validity_of(ca, &ok);
        if (!ok)
            return FH_ERR_INVALID;
        if ((st = text_init(cs->children[0], ca->children[0], &out->names)) != FH_OK)
            return st;
        if ((st = numbers_init(cs->children[1], ca->children[1], &out->values)) != FH_OK)
            return st;
        if (out->names.length < ca->offset + ca->length ||
            out->values.length < ca->offset + ca->length)
            return FH_ERR_INVALID;
    }
    if (length >= 0) { /* a table's field */
        if (shift + length > out->length)
            return FH_ERR_INVALID;
        out->offset += shift;
        out->length = length;
    }
    return FH_OK;
}

/* ---------------------------------------------------------------- values */

/* IEEE half precision to double (exact). */
static double half_to_double(uint16_t h)
{
    int sign = h >> 15, exp = (h >> 10) & 0x1F, mant = h & 0x3FF;
    double v;
    if (exp == 0)
        v = ldexp((double)mant, -24);
    else if (exp == 31)
        v = mant ? NAN : INFINITY;
    else
        v = ldexp((double)(mant | 0x400), exp - 25);
    return sign ? -v : v;
}

int fh_arrow_number(const fh_arrow_numbers *v, int64_t j, double *out)
{
    int64_t k = v->offset + j;
    if (v->validity && !fh_arrow_bit(v->validity, k))
        return 0;
    const void *p = v->values;
    switch (v->type) {
    case FH_ARROW_BOOL: *out = fh_arrow_bit((const uint8_t *)p, k); break;
    case FH_ARROW_I8: *out = ((const int8_t *)p)[k]; break;
    case FH_ARROW_U8: *out = ((const uint8_t *)p)[k]; break;
    case FH_ARROW_I16: *out = ((const int16_t *)p)[k]; break;
    case FH_ARROW_U16: *out = ((const uint16_t *)p)[k]; break;
    case FH_ARROW_I32: *out = ((const int32_t *)p)[k]; break;
    case FH_ARROW_U32: *out = ((const uint32_t *)p)[k]; break;
    /* correctly rounded, as Python's int.__float__ */
    case FH_ARROW_I64: *out = (double)((const int64_t *)p)[k]; break;
    case FH_ARROW_U64: *out = (double)((const uint64_t *)p)[k]; break;
    case FH_ARROW_F16: *out = half_to_double(((const uint16_t *)p)[k]); break;
    case FH_ARROW_F32: *out = ((const float *)p)[k]; break;
    default: *out = ((const double *)p)[k]; break;
    }
    return 1;
}

/* ---------------------------------------------------------------- documents */

fh_status fh_arrow_docs(const fh_arrow_text *t, int64_t row0, int64_t max_docs,
                        int64_t max_units, int mode, fh_doc *docs, uint8_t *flags,
                        int64_t *n_docs, int64_t *units, int64_t *null_row, int64_t *bad_row)
{
    *n_docs = 0;
    *units = 0;
    *null_row = -1;
    *bad_row = -1;
    if (!t || row0 < 0 || max_docs < 0 || row0 + max_docs > t->length ||
        (mode != FH_ARROW_DOCS_UTF8 && mode != FH_ARROW_DOCS_CHECKED) ||
        (max_docs > 0 && (!docs || !flags)))
        return FH_ERR_BADARG;
    int64_t k = 0, u = 0;
    fh_status st = FH_OK;
    while (k < max_docs && u < max_units) {
        const uint8_t *p;
        int64_t len;
        int r = fh_arrow_text_get(t, row0 + k, &p, &len);
        if (r == 0) {
            *null_row = row0 + k;
            break;
        }
        if (r < 0) {
            *bad_row = row0 + k;
            st = FH_ERR_INVALID;
            break;
        }
        fh_doc *d = &docs[k];
        memset(d, 0, sizeof *d);
        d->mode = FH_DOC_TEXT;
        flags[k] = 0;
        if (mode == FH_ARROW_DOCS_CHECKED) {
            fh_utf8_info info;
            if (fh_utf8_check(p, len, NULL, &info) != FH_OK)
                flags[k] = 1;
        }
        if (!flags[k]) {
            d->text.data = p;
            d->text.len = len;
            d->text.kind = FH_KIND_UTF8;
            d->text.ascii = 0; /* the kernel checks (in parallel) */
        }
        u += len + 1;
        k++;
    }
    *n_docs = k;
    *units = u;
    return st;
}
