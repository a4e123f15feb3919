/* Authors: The fasthash developers
 * SPDX-License-Identifier: BSD-3-Clause */
/* The FeatureHasher's reader of Python dicts: the only C code of fasthash that touches CPython
 * objects directly (the core in csrc/ knows no Python).
 *
 * Contract:
 * - called by _features.pyx only, with the GIL held, on an exact dict (PyDict_CheckExact);
 * - runs no Python code (no __hash__, __eq__, __float__ or __del__ can run), so the dict cannot
 *   change while it is read, and every object it hands back is borrowed from the dict;
 * - it takes only what needs no conversion: an exact str key in compact ASCII (its bytes are
 *   its UTF-8) with an exact float value or an exact int that fits a C long; every other item
 *   is handed back to the Cython caller, which reads it as scikit-learn does;
 * - besides CPython's C API it relies on one layout fact: the characters of a compact ASCII str
 *   follow its PyASCIIObject header (what CPython's own PyUnicode_DATA does; not in the
 *   limited API, so fasthash is not built for the stable ABI).
 */
#ifndef FH_PYDICT_H
#define FH_PYDICT_H

#include <Python.h>
#include <math.h>

#include "fh_features.h"

/* Append the entry of a feature (its key from fh_feature_entry); cap checked by caller. */
static inline void fh_sink_put(fh_sink *s, uint32_t key, double v)
{
    s->cols[s->n] = (int32_t)(key >> 1);
    s->vals[s->n] = fh_flip_sign(v, key);
    s->n++;
}

static inline uint32_t fh_sink_key(const fh_sink *s, const uint8_t *p, Py_ssize_t len)
{
    return fh_feature_entry(p, (size_t)len, s->n_features, s->pow2_mask, s->alternate_sign);
}

/* Read the items of the exact dict d from *ppos on, as long as they need no Python code
 * and no conversion: an exact str key in compact ASCII (its bytes are its UTF-8) and an
 * exact float value, or an exact int that fits a C long (converted as int.__float__
 * does: correctly rounded), whose value needs no fix-up. Zeros are skipped, the others
 * appended. *remaining counts down the items dict.items() may still yield. Returns 0 at
 * the end of the dict; 1 at any other item, whose borrowed key and value are stored in
 * *pk, *pv (*ppos is past it); 2 when the sink is full (*ppos at the next item); 3 at an
 * item found when *remaining is 0 (dict.items() would raise "keys changed"). Also
 * returns 2 after `budget` items (so that the caller can check for signals). Runs no
 * Python code, so the dict cannot change meanwhile. */
static int fh_read_dict(PyObject *d, Py_ssize_t *ppos, Py_ssize_t *remaining, fh_sink *s,
                        PyObject **pk, PyObject **pv, int64_t budget)
{
    PyObject *k, *v;
    Py_ssize_t pos = *ppos, left = *remaining;
    int32_t *const cols = s->cols;
    double *const vals = s->vals;
    int64_t n = s->n;
    const int64_t cap = s->cap - n > budget ? n + budget : s->cap;
    const uint32_t nf = s->n_features, mask = s->pow2_mask;
    const uint64_t sign = s->alternate_sign ? 1u : 0u;
    const int check = s->check;
    int ret = 0;
    while (1) {
        if (n >= cap) {
            ret = 2;
            break;
        }
        if (!PyDict_Next(d, &pos, &k, &v))
            break;
        if (left == 0) {
            ret = 3;
            break;
        }
        left--;
        double x;
        if (PyFloat_CheckExact(v)) {
            x = PyFloat_AS_DOUBLE(v);
        } else if (PyLong_CheckExact(v)) {
            int overflow;
            long l = PyLong_AsLongAndOverflow(v, &overflow);
            if (overflow) goto slow;
            x = (double)l;
        } else {
            goto slow;
        }
        if (x == 0) continue;  /* dropped before the name is looked at, as scikit-learn */
        if (!PyUnicode_CheckExact(k) || !PyUnicode_IS_COMPACT_ASCII(k))
            goto slow;
        Py_ssize_t len = ((PyASCIIObject *)k)->length;
        if (len > INT32_MAX || (check && fh_sink_needs_fix(s, x)))
            goto slow;
        /* the bytes of a compact ASCII str follow its header */
        uint32_t key = fh_feature_entry((const uint8_t *)((PyASCIIObject *)k + 1), (size_t)len, nf, mask, (int)sign);
        cols[n] = (int32_t)(key >> 1);
        vals[n] = fh_flip_sign(x, key);
        n++;
        continue;
    slow:
        *pk = k;
        *pv = v;
        ret = 1;
        break;
    }
    s->n = n;
    *ppos = pos;
    *remaining = left;
    return ret;
}

#endif /* FH_PYDICT_H */
