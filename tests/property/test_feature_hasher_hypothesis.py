# Authors: The fasthash developers
# SPDX-License-Identifier: BSD-3-Clause
"""Property tests: fasthash.FeatureHasher equals scikit-learn's bit for bit.

Samples mix str (lone surrogates included) and bytes names, few enough that they collide,
with values chosen to make float sums order-dependent (R14), to hit every cast rule of
R13 (NaN, inf, huge, fractional, negative) and the zero test of R11; str values exercise
the ``"%s=%s"`` rule. The thread count never changes the output.
"""

from unittest import mock

import numpy as np
from _helpers import assert_same_outcome, run
from hypothesis import given, note
from hypothesis import strategies as st
from sklearn.feature_extraction import FeatureHasher as SkFeatureHasher

import fasthash.feature_extraction._hash as fh_hash
from fasthash import FeatureHasher

NAMES = st.one_of(
    st.sampled_from(["a", "b", "c", "é", "日", "aivlts3m", "acdia99h", "abxnxwpw", ""]),
    st.text(st.characters(exclude_categories=()), max_size=4),
    st.binary(max_size=4),
)
VALUES = st.one_of(
    st.sampled_from([1e16, -1e16, 1.0, 3.0, 0.5, -0.0, 0, True, False, 2.7, -2.7, 255, 256]),
    st.floats(allow_nan=True, allow_infinity=True),
    st.integers(-(2**70), 2**70),
    st.text(max_size=2),
)
SAMPLES = st.lists(st.lists(st.tuples(NAMES, VALUES), max_size=25), max_size=12)
DTYPES = [np.float64, np.float32, np.int64, np.int32, np.int8, np.uint8, bool, np.complex128]


@given(
    samples=SAMPLES,
    input_type=st.sampled_from(["dict", "pair", "string"]),
    n_features=st.sampled_from([1, 2, 16, 1000, 2**20, 2**31 - 1]),
    dtype=st.sampled_from(DTYPES),
    alternate_sign=st.booleans(),
    n_jobs=st.integers(1, 9),
)
def test_matches_sklearn(samples, input_type, n_features, dtype, alternate_sign, n_jobs):
    if input_type == "dict":
        data = [dict(s) for s in samples]
    elif input_type == "string":
        data = [[f for f, _ in s] for s in samples]
    else:
        data = samples
    note(f"data={data!r}")
    params = dict(
        n_features=n_features, input_type=input_type, dtype=dtype, alternate_sign=alternate_sign
    )
    expected = run(lambda: SkFeatureHasher(**params).transform(iter(data)))
    # n_jobs is capped at the usable CPUs: hand the kernel the count itself
    with mock.patch.object(fh_hash, "effective_n_jobs", lambda n_jobs, caller: n_jobs):
        got = run(lambda: FeatureHasher(**params, n_jobs=n_jobs).transform(iter(data)))
    if input_type == "string" and not data:
        # scikit-learn leaks a bare StopIteration (R16); fasthash raises its dict/pair error.
        assert type(expected.exc) is StopIteration and type(got.exc) is ValueError
        return
    assert_same_outcome(got, expected)
