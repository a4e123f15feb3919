# Authors: The fasthash developers
# SPDX-License-Identifier: BSD-3-Clause
"""Ctrl-C: a real SIGINT stops any transform promptly, and the next call works.

Each case runs in a fresh interpreter (a crash or a hang fails the test instead of the
run; garbage left by other tests cannot swallow the interrupt in one of its finalizers,
which CPython reports as "Exception ignored" and drops). The bound on the time from the
signal to ``KeyboardInterrupt`` is generous (the machine may be loaded); the figures
themselves are measured by ``bench/test_bench_hashing.py`` (group ``interrupt``).
"""

import json
import os
import subprocess
import sys
import textwrap
import threading

import pytest

from fasthash._lib import _cancel
from fasthash.feature_extraction import _interruptible

# Seconds from SIGINT to KeyboardInterrupt the tests accept (tens of milliseconds idle;
# the uninterrupted calls below take several seconds).
BOUND = 2.0

# The process that sends SIGINT: started ahead (an interpreter takes a while to start),
# it waits for "go", sleeps, signals its parent, and prints the time it did.
_KILLER = (
    "import os, signal, sys, time\n"
    "sys.stdin.readline()\n"
    "time.sleep(float(sys.argv[2]))\n"
    "t = time.time()\n"
    "os.kill(int(sys.argv[1]), signal.SIGINT)\n"
    "print(t)\n"
)

_PRELUDE = f"KILLER = {_KILLER!r}\n" + textwrap.dedent(
    """
    import json, os, signal, subprocess, sys, threading, time, traceback
    import numpy as np
    from sklearn.feature_extraction.text import HashingVectorizer as Sk
    from fasthash import FeatureHasher, HashingVectorizer

    # As in a terminal, even when the test run itself was started with SIGINT ignored
    # (a background job of a non-interactive shell): Python then installs no handler.
    signal.signal(signal.SIGINT, signal.default_int_handler)

    def interrupt(call, delay):
        # SIGINT comes from another process, as from a terminal: a thread of this one
        # might never run (a C loop may hold the GIL throughout)
        killer = subprocess.Popen(
            [sys.executable, "-c", KILLER, str(os.getpid()), str(delay)],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True,
        )
        killer.stdin.write("go\\n")
        killer.stdin.flush()
        try:
            call()
        except KeyboardInterrupt:
            end = time.time()
            frames = [f.name for f in traceback.extract_tb(sys.exc_info()[2])]
            fired = float(killer.communicate()[0])
            return {"interrupted": True, "latency": end - fired, "frames": frames}
        killer.kill()
        killer.wait()
        return {"interrupted": False}

    def big_document(mb):
        words = "lorem ipsum dolor sit amet consectetur adipiscing elit sed do eiusmod".split()
        rng = np.random.default_rng(0)
        unit = " ".join(rng.choice(words, 100000)) + " "
        return (unit * (mb * 2**20 // len(unit) + 1))[: mb * 2**20]

    def next_call_works(params):
        docs = ["The quick brown fox", "", "jumps over the lazy dog dog"]
        got = HashingVectorizer(**params).transform(docs)
        want = Sk(**params).transform(docs)
        return bool((got != want).nnz == 0 and got.indices.tolist() == want.indices.tolist())
    """
)


def _assert_stopped_promptly(out, in_kernel=True):
    """The call was interrupted (while the kernel ran on the kernel thread, not after it),
    within BOUND seconds of the signal, and the next call gave the right output."""
    assert out["interrupted"], "the call ran to its end"
    if in_kernel:
        assert "run_interruptibly" in out["frames"], out["frames"]
    assert out["latency"] < BOUND, out
    assert out["next_ok"]


def _run(body, timeout=180):
    """Run ``body`` after the prelude in a fresh interpreter; its last stdout line is JSON."""
    code = _PRELUDE + textwrap.dedent(body)
    res = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=timeout
    )
    assert res.returncode == 0, res.stderr[-3000:]
    assert "Exception ignored" not in res.stderr, res.stderr[-3000:]
    return json.loads(res.stdout.strip().splitlines()[-1])


# (params, MiB of text, characters replaced to make the text wider): each takes several
# seconds uninterrupted, under ~2.5 GB. Custom token patterns run the core's own scanners:
# maximal runs on ASCII, the general scanner (bounded repeats), the streamed runs on
# UCS-2, and text prepared a block at a time (accents stripped).
HUGE_DOCUMENT_CASES = {
    "word": ({}, 300, {}),
    "word_ngrams": ({"ngram_range": (1, 3), "token_pattern": r"\S+"}, 60, {}),
    "char_1_5": ({"analyzer": "char", "ngram_range": (1, 5)}, 50, {}),
    "char_wb_2_4": ({"analyzer": "char_wb", "ngram_range": (2, 4)}, 100, {}),
    "pattern_runs": ({"token_pattern": r"(?u)\b[a-zA-Z]{2,}\b"}, 300, {}),
    "pattern_general": ({"token_pattern": r"\b\w{3,5}\b", "ngram_range": (1, 2)}, 100, {}),
    "pattern_runs_ucs2": ({"token_pattern": r"[^\W\d_]+"}, 150, {"o": "\u0151"}),
    "pattern_prepared": (
        {"token_pattern": r"\b\w{3,}\b", "strip_accents": "unicode"}, 100, {"e": "\xe9"}),
}


# one at a time on one pytest-xdist worker (group "huge_documents" in tests/conftest.py)
@pytest.mark.slow
@pytest.mark.parametrize("case", sorted(HUGE_DOCUMENT_CASES))
def test_ctrl_c_inside_one_huge_document(case):
    params, mb, wider = HUGE_DOCUMENT_CASES[case]
    out = _run(
        f"""
        params = {params!r}
        doc = big_document({mb}).translate(str.maketrans({wider!r}))
        vec = HashingVectorizer(n_jobs=2, **params)
        result = interrupt(lambda: vec.transform([doc]), 0.5)
        result["next_ok"] = next_call_works(params)
        print(json.dumps(result))
        """
    )
    _assert_stopped_promptly(out)


def test_ctrl_c_interrupts_an_endless_stream():
    """KeyboardInterrupt reaches the caller while documents are consumed and hashed (each
    kernel call is bounded by a batch), instead of the call running on forever."""
    out = _run(
        """
        def endless():
            i = 0
            while True:
                i += 1
                yield "lorem ipsum dolor sit amet %d " % i * 20
        results = []
        for delay in (0.3, 0.05, 0.6):
            results.append(interrupt(lambda: HashingVectorizer(n_jobs=2).transform(endless()),
                                     delay))
        print(json.dumps({"results": results, "next_ok": next_call_works({})}))
        """
    )
    for result in out["results"]:
        assert result["interrupted"] and result["latency"] < BOUND, result
    assert out["next_ok"]


@pytest.mark.slow
def test_ctrl_c_inside_one_huge_feature_hasher_sample():
    """Reading a sample of any length checks for signals (here an endless one, read by a
    C loop holding the GIL)."""
    out = _run(
        """
        import itertools
        from sklearn.feature_extraction import FeatureHasher as SkFeatureHasher
        hasher = FeatureHasher(input_type="string", n_jobs=1)
        result = interrupt(lambda: hasher.transform([itertools.repeat("a", 10**10)]), 0.5)
        X = [["a", "b", "a", "ccc"], []]
        got = FeatureHasher(input_type="string", n_features=8).transform(X).toarray()
        want = SkFeatureHasher(input_type="string", n_features=8).transform(X).toarray()
        result["next_ok"] = got.tolist() == want.tolist()
        print(json.dumps(result))
        """
    )
    _assert_stopped_promptly(out, in_kernel=False)


# one at a time on one pytest-xdist worker (group "huge_documents" in tests/conftest.py)
@pytest.mark.slow
def test_ctrl_c_inside_the_merge_of_one_huge_row():
    """The merge of a huge row (what FeatureHasher runs on its kernel thread for a huge
    sample) is cancelled at once, and the merger stays usable."""
    out = _run(
        """
        from fasthash._lib import _cancel, _features
        from fasthash.feature_extraction._interruptible import run_interruptibly
        n = 30 * 2**20
        indptr = np.array([0, n], dtype=np.int64)
        indices = np.random.default_rng(0).integers(0, 2**20, n).astype(np.int32)
        values = np.ones(n)
        merged = _features.MergedRows(2**20, np.dtype(np.float64))
        cancel = _cancel.Cancel()
        result = interrupt(
            lambda: merged.append(indptr, indices, values, 1, cancel, run_interruptibly), 0.5
        )
        merged.append(np.array([0, 3]), np.array([5, 1, 5], dtype=np.int32),
                      np.array([1.0, 2.0, 3.0]), 1)
        ip, ix, v, raw = merged.finish()
        result["next_ok"] = ip.tolist() == [0, 2] and ix.tolist() == [1, 5] and v.tolist() == [
            2.0, 4.0]
        print(json.dumps(result))
        """
    )
    _assert_stopped_promptly(out)


def test_run_interruptibly_hands_back_results_and_errors():
    seen = []
    _interruptible.run_interruptibly(lambda: seen.append(threading.current_thread().name),
                                     _cancel.Cancel())
    assert seen == ["fasthash-kernel"]

    def fail():
        raise ZeroDivisionError("in the kernel thread")

    with pytest.raises(ZeroDivisionError, match="in the kernel thread"):
        _interruptible.run_interruptibly(fail, _cancel.Cancel())
    _interruptible.run_interruptibly(lambda: seen.append(1), _cancel.Cancel())  # still alive
    assert seen[-1] == 1


def test_interrupted_wait_cancels_and_waits_for_the_kernel():
    """An exception raised in the wait (as a SIGINT handler raises KeyboardInterrupt)
    requests the token and returns only after the work has ended."""
    code = textwrap.dedent(
        """
        import json, os, signal, threading, time
        from fasthash._lib import _cancel
        from fasthash.feature_extraction._interruptible import run_interruptibly
        cancel = _cancel.Cancel()
        state = {}
        def work():
            t0 = time.perf_counter()
            while not cancel.requested:
                time.sleep(0.001)
            state["stopped_after"] = time.perf_counter() - t0
        threading.Timer(0.2, lambda: os.kill(os.getpid(), signal.SIGINT)).start()
        try:
            run_interruptibly(work, cancel)
        except KeyboardInterrupt:
            state["raised"] = True
        state["work_ended_first"] = "stopped_after" in state
        state["requested"] = cancel.requested
        print(json.dumps(state))
        """
    )
    res = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         timeout=60)
    assert res.returncode == 0, res.stderr
    state = json.loads(res.stdout)
    assert state["raised"] and state["requested"] and state["work_ended_first"]


def test_fork_child_gets_its_own_kernel_thread():
    if not hasattr(os, "fork"):
        pytest.skip("no fork")
    _interruptible.run_interruptibly(lambda: None, _cancel.Cancel())  # the parent's thread
    code = textwrap.dedent(
        """
        import os, sys
        from fasthash._lib import _cancel
        from fasthash.feature_extraction._interruptible import run_interruptibly
        run_interruptibly(lambda: None, _cancel.Cancel())
        pid = os.fork()
        if pid == 0:
            out = []
            run_interruptibly(lambda: out.append(1), _cancel.Cancel())  # would hang
            os._exit(0 if out == [1] else 1)
        _, status = os.waitpid(pid, 0)
        sys.exit(os.waitstatus_to_exitcode(status))
        """
    )
    res = subprocess.run([sys.executable, "-W", "ignore", "-c", code], capture_output=True,
                         text=True, timeout=60)
    assert res.returncode == 0, res.stderr


# one at a time on one pytest-xdist worker (group "huge_documents" in tests/conftest.py)
@pytest.mark.slow
def test_ctrl_c_inside_a_huge_arrow_document():
    """An Arrow row is hashed on the kernel thread like a str: Ctrl-C cancels it at once."""
    pytest.importorskip("pyarrow")
    out = _run(
        """
        import pyarrow as pa
        column = pa.array([big_document(300)], type=pa.large_string())
        vec = HashingVectorizer(n_jobs=2)
        result = interrupt(lambda: vec.transform(column), 0.5)
        result["next_ok"] = next_call_works({})
        print(json.dumps(result))
        """
    )
    _assert_stopped_promptly(out)


def test_ctrl_c_interrupts_an_endless_arrow_stream():
    """An Arrow stream with no end (a record batch reader over a generator) stops on
    Ctrl-C like an endless iterable of str."""
    pytest.importorskip("pyarrow")
    out = _run(
        """
        import pyarrow as pa
        def batches():
            i = 0
            while True:
                i += 1
                yield pa.record_batch({"t": ["lorem ipsum dolor sit amet %d " % i * 20] * 64})
        results = []
        for delay in (0.3, 0.05):
            reader = pa.RecordBatchReader.from_batches(pa.schema({"t": pa.string()}), batches())
            results.append(interrupt(lambda: HashingVectorizer(n_jobs=2).transform(reader),
                                     delay))
        print(json.dumps({"results": results, "next_ok": next_call_works({})}))
        """
    )
    for result in out["results"]:
        assert result["interrupted"] and result["latency"] < BOUND, result
    assert out["next_ok"]


def test_interrupt_just_after_the_wait_returned_does_not_hang():
    """Ctrl-C handled just after the wait for the kernel call returned (still inside its
    ``try``): the call is cancelled, which must return at once, not wait for it again."""
    call = _interruptible.start_call(lambda: None, _cancel.Cancel())
    done = call._done
    real_wait = done.wait

    def wait_then_interrupted(*args):
        real_wait(*args)
        done.wait = real_wait  # one interrupt
        raise KeyboardInterrupt

    done.wait = wait_then_interrupted
    outcome = []

    def waiter():
        try:
            call.wait()
        except KeyboardInterrupt:
            outcome.append("interrupted")

    t = threading.Thread(target=waiter, daemon=True)
    t.start()
    t.join(10)
    assert outcome == ["interrupted"]
