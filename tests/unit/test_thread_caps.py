# Authors: The fasthash developers
# SPDX-License-Identifier: BSD-3-Clause
"""No value of n_jobs crashes the interpreter; every thread count gives the same bits.

``n_jobs`` is capped at the usable CPUs by the Python layer, and every job of the core's
thread pool caps its threads at its work and at 256 whatever it is asked (the pool never
keeps more than 255 workers): each case runs in a fresh interpreter (a crash fails the test
instead of killing the run), on the main thread and on a thread with a 1 MiB stack (a
Python thread may have a small one).
"""

import json
import subprocess
import sys
import textwrap

import numpy as np
import pytest
from sklearn.utils._param_validation import InvalidParameterError

from fasthash import FeatureHasher, HashingVectorizer

EXTREME_N_JOBS = [
    "2", "4096", "60000", "80000", "2**31 - 1", "2**31", "2**63", "2**64 + 1", "10**30",
    "-1", "-2", "-4096", "-2**31", "-2**63", "-10**30", "np.int64(2**63 - 1)",
    "np.int64(-2**63)", "np.int32(60000)", "np.uint64(2**64 - 1)", "np.int8(-128)", "None",
]


def _run(code, timeout=300):
    res = subprocess.run(
        [sys.executable, "-c", textwrap.dedent(code)], capture_output=True, text=True,
        timeout=timeout,
    )
    assert res.returncode == 0, (res.returncode, res.stderr[-3000:])
    return json.loads(res.stdout.strip().splitlines()[-1])


_BODY = """
    import json, threading
    import numpy as np
    from fasthash import FeatureHasher, HashingVectorizer

    docs = ["w%d x%d yy zz%d" % (i, i % 7, i % 1000) for i in range(20000)]
    samples = [{"f%d" % (i % 97): 1.5, "g%d" % i: -2} for i in range(20000)]

    def outputs(n_jobs):
        hv = HashingVectorizer(n_jobs=n_jobs, ngram_range=(1, 2))
        fh = FeatureHasher(n_jobs=n_jobs)
        out = [hv.transform(docs), hv.fit_transform(docs), fh.transform(samples),
               fh.fit_transform(samples)]
        return [(X.indptr.tobytes(), X.indices.tobytes(), X.data.tobytes()) for X in out]

    want = outputs(1)
    results = {}
    def check_all(where):
        for text in CASES:
            results[where + " " + text] = outputs(eval(text)) == want

    check_all("main")
    threading.stack_size(1 << 20)
    t = threading.Thread(target=check_all, args=("1 MiB thread",))
    t.start()
    t.join()
    print(json.dumps(results))
"""


@pytest.mark.slow
def test_extreme_n_jobs_work_and_give_the_same_output():
    results = _run(f"CASES = {EXTREME_N_JOBS!r}\n" + textwrap.dedent(_BODY))
    assert len(results) == 2 * len(EXTREME_N_JOBS)
    assert all(results.values()), [k for k, ok in results.items() if not ok]


@pytest.mark.parametrize("bad", [0, 1.5, True, "2", np.float64(2.0)])
@pytest.mark.parametrize("method", ["transform", "fit_transform", "fit"])
def test_invalid_n_jobs_is_the_same_error_everywhere(bad, method):
    for est, X in ((HashingVectorizer(n_jobs=bad), ["a b"]),
                   (FeatureHasher(n_jobs=bad), [{"a": 1}])):
        with pytest.raises(InvalidParameterError, match="'n_jobs' parameter of"):
            getattr(est, method)(X)


@pytest.mark.slow
def test_kernels_given_more_threads_than_anything():
    """The kernel-level calls, which take any thread count (the C tests check INT_MAX),
    from a thread with a 1 MiB stack: the rows of one thread."""
    out = _run(
        """
        import json, threading
        import numpy as np
        import fasthash.feature_extraction.text as t
        from fasthash import HashingVectorizer
        from fasthash._lib import _features, _hashing

        docs = ["w%d x%d yy zz%d" % (i, i % 7, i % 1000) for i in range(20000)]
        plan = t._Plan(HashingVectorizer())

        def hashed(n):
            b = _hashing.CSRBuilder(plan.options)
            batch = _hashing.collect(iter(docs), 1 << 15, 1 << 22, None, True)
            b.append(batch, plan.options, n)
            return [a.tobytes() for a in b.finish()]

        rng = np.random.default_rng(0)
        indptr = np.arange(0, 40001, 4, dtype=np.int64)
        indices = rng.integers(0, 50, 40000).astype(np.int32)
        values = rng.integers(-3, 4, 40000).astype(np.float64)

        def merged(n):
            m = _features.MergedRows(64, np.dtype(np.float64))
            m.append(indptr, indices, values, n)
            return [a.tobytes() for a in m.finish()]

        res = {}
        def run():
            for n in (1, 3, 300, 60000, 80000, 2**31 - 1):
                res[str(n)] = [hashed(n) == hashed(1), merged(n) == merged(1)]
        threading.stack_size(1 << 20)
        th = threading.Thread(target=run)
        th.start()
        th.join()
        print(json.dumps(res))
        """
    )
    assert out and all(all(v) for v in out.values()), out
