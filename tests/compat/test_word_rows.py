# Authors: The fasthash developers
# SPDX-License-Identifier: BSD-3-Clause
"""Differential tests of the word analyzer's row building against scikit-learn.

Word rows of 16 to 2**16 keys are summed through the aggregation table (``fh_agg_keys``),
shorter and longer rows are sorted (``csrc/fh_hashing.c``, ``process_doc``). Each row
length here sits on one side of those bounds, with repeated words (sums above 1), few
columns (collisions, and +1s and -1s cancelling into explicit zeros, which scikit-learn
keeps), every output type, norm, ``binary`` and ``alternate_sign``; each is checked
against scikit-learn and against the reference kernel path (which always sorts).
"""

import numpy as np
import pytest
from _helpers import assert_same_outcome, compare_with_sklearn, run

import fasthash.feature_extraction.text as fh_text
from fasthash import HashingVectorizer as FhHashingVectorizer
from fasthash._lib import _hashing


def _rows():
    """Documents of 1, 12..17, 40, 300 word tokens; and of 2**16 and 2**16 + 1."""
    rng = np.random.default_rng(11)
    vocab = ["".join(rng.choice(list("abcdefghijklmnopqrstuvwxyz"), size=rng.integers(2, 14)))
             for _ in range(400)]
    docs = [" ".join(rng.choice(vocab, size=k)) for k in (1, 12, 13, 15, 16, 17, 40, 300)]
    docs.append(" ".join(rng.choice(vocab[:20], size=64)))  # few distinct words, repeated
    long_docs = [" ".join(rng.choice(vocab, size=k)) for k in (2**16, 2**16 + 1)]
    return docs, long_docs  # long: the table's upper bound, then sorted again


DOCS, LONG_DOCS = _rows()


@pytest.mark.parametrize("dtype", [np.float64, np.float32, np.int64])
@pytest.mark.parametrize("norm", [None, "l1", "l2"])
@pytest.mark.parametrize("n_features", [2**20, 64, 1000])
@pytest.mark.parametrize("extra", [{}, {"binary": True}, {"alternate_sign": False},
                                   {"ngram_range": (1, 2)}, {"lowercase": False}],
                         ids=repr)
def test_rows_around_the_table_limits(monkeypatch, dtype, norm, n_features, extra):
    if dtype is np.int64 and norm is not None:
        pytest.skip("scikit-learn rejects a norm with an integer dtype")
    params = {"dtype": dtype, "norm": norm, "n_features": n_features, **extra}
    expected = compare_with_sklearn(params, lambda: list(DOCS))
    if n_features == 64 and extra == {} and dtype is not np.int64:
        assert (expected.result.data == 0).any(), "the rows should hold explicit zeros"
    monkeypatch.setattr(fh_text, "_KERNEL_PATHS", _hashing.PATHS_REFERENCE)
    got = run(lambda: FhHashingVectorizer(**params, n_jobs=1).transform(list(DOCS)))
    assert_same_outcome(got, expected)


@pytest.mark.parametrize("dtype", [np.float64, np.float32, np.int64])
@pytest.mark.parametrize("norm", [None, "l2"])
def test_rows_at_the_table_upper_bound(monkeypatch, dtype, norm):
    if dtype is np.int64 and norm is not None:
        pytest.skip("scikit-learn rejects a norm with an integer dtype")
    params = {"dtype": dtype, "norm": norm, "n_features": 4096}
    expected = compare_with_sklearn(params, lambda: list(LONG_DOCS), n_jobs=(1,))
    monkeypatch.setattr(fh_text, "_KERNEL_PATHS", _hashing.PATHS_REFERENCE)
    got = run(lambda: FhHashingVectorizer(**params, n_jobs=1).transform(list(LONG_DOCS)))
    assert_same_outcome(got, expected)
