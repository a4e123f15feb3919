# Authors: The fasthash developers
# SPDX-License-Identifier: BSD-3-Clause
"""InverseHasher maps fitted on Dask workers, pickled back and merged equal one fit."""

import pytest

REASON = 'needs the optional dependencies dask and distributed: pip install "fasthash[dask]"'
pytest.importorskip("dask", reason=REASON)
pytest.importorskip("distributed", reason=REASON)

import numpy as np  # noqa: E402

import fasthash  # noqa: E402
from fasthash._corpus import english_topics  # noqa: E402


def test_maps_fitted_on_workers_merge_to_one_fit(client):
    docs = english_topics()[0][:400]
    vec = fasthash.HashingVectorizer(n_features=2**12, ngram_range=(1, 2))
    parts = [docs[i : i + 100] for i in range(0, len(docs), 100)]
    futures = [
        client.submit(fasthash.InverseHasher(vec, max_tokens_per_column=None, n_jobs=1).fit, p)
        for p in parts
    ]
    maps = client.gather(futures)
    merged = maps[0]
    for other in maps[1:]:
        merged.merge(other)
    whole = fasthash.InverseHasher(vec, max_tokens_per_column=None).fit(docs)
    assert merged.n_documents_ == len(docs)
    np.testing.assert_array_equal(merged.get_feature_names_out(), whole.get_feature_names_out())
    for c in range(0, 2**12, 97):
        assert merged.column_tokens(c) == whole.column_tokens(c)
