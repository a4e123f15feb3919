# Authors: The fasthash developers
# SPDX-License-Identifier: BSD-3-Clause
"""Differential tests of the sorting network's rows against scikit-learn.

With AVX2, a row of at most 64 keys is sorted by a bitonic network over 8, 16, 32 or 64
keys (``fh_sort_keys_net`` in ``csrc/fh_csr.c``), padded with the largest 32-bit key, then
summed; longer rows and the baseline path keep the other sorts and the aggregation table.
The rows here have every size from 0 to 70 keys (``analyzer="char"`` with
``ngram_range=(1, 1)``: one key per character), so they cross every padding size and the
64-key bound; with all-distinct columns, few columns (duplicates, both signs in a column:
explicit zeros), the smallest and largest ``n_features`` (the largest keys, next to the
padding), every output type, norm, ``binary`` and ``alternate_sign``; then word rows of 0 to
70 words. Each is compared with scikit-learn on the AVX2 path and on the baseline one.
"""

import numpy as np
import pytest
from _helpers import compare_on_kernel_paths


def _char_rows():
    """Documents of 0 to 70 characters: all distinct, from 3 letters, from 40 letters."""
    rng = np.random.default_rng(11)
    distinct = [chr(0x4E00 + i) for i in range(80)]
    few = list("abc")
    some = [chr(0x430 + i) for i in range(32)] + list("abcdefgh")
    docs = []
    for k in range(71):
        docs.append("".join(rng.permutation(distinct)[:k]))
        docs.append("".join(rng.choice(few, size=k)))
        docs.append("".join(rng.choice(some, size=k)))
    return docs


def _word_rows():
    """Documents of 0 to 70 words, distinct and repeated."""
    rng = np.random.default_rng(12)
    vocab = [f"w{i}x" for i in range(100)] + ["слово", "λέξη", "单词", "كلمة"]
    docs = []
    for k in range(71):
        docs.append(" ".join(rng.choice(vocab, size=k)))
        docs.append(" ".join(rng.choice(vocab[:4], size=k)))
    return docs


CHAR_ROWS = _char_rows()
WORD_ROWS = _word_rows()


def _compare(params, docs, monkeypatch):
    expected = compare_on_kernel_paths(params, docs, monkeypatch)
    assert expected.ok, expected
    return expected.result


@pytest.mark.parametrize("dtype", [np.float64, np.float32, np.int64])
@pytest.mark.parametrize("norm", [None, "l1", "l2"])
@pytest.mark.parametrize("n_features", [1, 2, 3, 7, 1000, 2**20, 2**31 - 1])
@pytest.mark.parametrize("extra", [{}, {"binary": True}, {"alternate_sign": False}], ids=repr)
def test_char_rows(monkeypatch, dtype, norm, n_features, extra):
    if np.issubdtype(dtype, np.integer) and norm is not None:
        pytest.skip("scikit-learn rejects a norm with an integer dtype")
    params = {"analyzer": "char", "ngram_range": (1, 1), "dtype": dtype, "norm": norm,
              "n_features": n_features, **extra}
    result = _compare(params, CHAR_ROWS, monkeypatch)
    if n_features == 7 and not extra:
        assert (result.data == 0).any(), "the rows should hold explicit zeros"


@pytest.mark.parametrize("params", [{}, {"n_features": 1000, "norm": "l1"},
                                    {"dtype": np.float32}, {"ngram_range": (1, 2)},
                                    {"n_features": 2**31 - 1, "alternate_sign": False}],
                         ids=repr)
def test_word_rows(monkeypatch, params):
    _compare(params, WORD_ROWS, monkeypatch)
