# Authors: The fasthash developers
# SPDX-License-Identifier: BSD-3-Clause
"""Differential tests of the aggregation table's rows against scikit-learn.

Rows of 16 to 2**16 keys are summed through the aggregation table (``fh_agg_keys`` in
``csrc/fh_csr.c``) instead of sorting; the rows here reach its edges: few columns
(``n_features`` 1, 2, 3, 7: every column has both signs, long probe runs), the largest
``n_features``, rows at the table's bounds (15/16/17 and 2**16/2**16 + 1 keys with
``analyzer="char"``, one key per character), duplicate-heavy and all-distinct rows, every
output type, norm, ``binary`` and ``alternate_sign``.
"""

import numpy as np
import pytest
from _helpers import compare_with_sklearn


def _docs():
    rng = np.random.default_rng(5)
    small = list("abcdefgh ijklmn")
    docs = ["".join(rng.choice(small, size=k)) for k in (15, 16, 17, 40, 300)]
    docs.append("ab" * 3000)  # two columns, large sums
    docs.append("".join(chr(0x4E00 + i) for i in range(3000)))  # all distinct
    docs.append("".join(rng.choice([chr(0x400 + i) for i in range(200)], size=5000)))
    return docs


def _long_docs():
    rng = np.random.default_rng(6)
    alphabet = [chr(0x100 + i) for i in range(3000)]
    return ["".join(rng.choice(alphabet, size=k)) for k in (2**16, 2**16 + 1)]


DOCS = _docs()
LONG_DOCS = _long_docs()
N_FEATURES = [1, 2, 3, 7, 64, 1000, 2**20, 2**31 - 1]


@pytest.mark.parametrize("dtype", [np.float64, np.float32, np.int64, np.int32])
@pytest.mark.parametrize("norm", [None, "l1", "l2"])
@pytest.mark.parametrize("n_features", N_FEATURES)
@pytest.mark.parametrize(
    "extra",
    [{"analyzer": "char", "ngram_range": (1, 1)},
     {"analyzer": "char_wb", "ngram_range": (2, 4)},
     {"analyzer": "char", "ngram_range": (1, 3), "binary": True},
     {"analyzer": "char", "ngram_range": (1, 2), "alternate_sign": False}],
    ids=repr,
)
def test_table_rows(dtype, norm, n_features, extra):
    if np.issubdtype(dtype, np.integer) and norm is not None:
        pytest.skip("scikit-learn rejects a norm with an integer dtype")
    params = {"dtype": dtype, "norm": norm, "n_features": n_features, **extra}
    expected = compare_with_sklearn(params, lambda: list(DOCS))
    if n_features in (64, 1000) and extra.get("alternate_sign", True) and not extra.get("binary"):
        assert (expected.result.data == 0).any(), "the rows should hold explicit zeros"


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("norm", [None, "l2"])
@pytest.mark.parametrize("n_features", [7, 2**20])
def test_table_upper_bound(dtype, norm, n_features):
    params = {"dtype": dtype, "norm": norm, "n_features": n_features,
              "analyzer": "char", "ngram_range": (1, 1)}
    compare_with_sklearn(params, lambda: list(LONG_DOCS), n_jobs=(1,))
