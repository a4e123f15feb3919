# Authors: The fasthash developers
# SPDX-License-Identifier: BSD-3-Clause
"""The ``fasthash`` command line (also ``python -m fasthash``).

Subcommands
-----------
demo
    Hash a corpus of real English text (the docstrings of the Python standard library,
    built locally, no download) with scikit-learn's ``HashingVectorizer`` and with
    fasthash's, check that the outputs are identical and print the throughput of each.
hash
    Hash the documents of files (.txt, .jsonl, .csv, .parquet, directories) into a sparse
    matrix on disk (.npz or svmlight); see :mod:`fasthash._hash_command`.
"""

import argparse
import os
import platform
import statistics
import sys
import time

from fasthash.utils._threads import effective_n_jobs

__all__ = ["main"]

_MB = 1e6  # throughput and sizes are in MB = 10**6 bytes of UTF-8 input
_MIN_SECONDS = 0.5  # timed runs continue past --repeat until this much time is spent ...
_MAX_RUNS = 100  # ... or this many runs were made


def _parse_n_jobs(text):
    """Parse ``--n-jobs``: an int other than 0, or ``None``/``all`` for every usable CPU.

    Parameters
    ----------
    text : str
        The command-line value.

    Returns
    -------
    n_jobs : int or None
        The value for ``HashingVectorizer(n_jobs=...)``.

    Raises
    ------
    argparse.ArgumentTypeError
        If ``text`` is neither an integer nor ``None``/``all``, or is ``0``.
    """
    if text.strip().lower() in ("none", "all"):
        return None
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected an integer or 'None', got {text!r}") from None
    try:
        effective_n_jobs(value)  # the one place n_jobs is validated
    except ValueError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None
    return value


def _int_at_least(low, what):
    """An argparse type: an integer >= ``low``, described as ``what`` in its errors."""

    def parse(text):
        try:
            value = int(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"expected {what}, got {text!r}") from None
        if value < low:
            raise argparse.ArgumentTypeError(f"expected {what}, got {value}")
        return value

    return parse


_positive_int = _int_at_least(1, "a positive integer")
_non_negative_int = _int_at_least(0, "a non-negative integer")


def _positive_float(text):
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a positive number, got {text!r}") from None
    if not value > 0 or value == float("inf"):
        raise argparse.ArgumentTypeError(f"expected a positive finite number, got {text}")
    return value


def _describe_n_jobs(n_jobs, usable):
    if n_jobs is None:
        return f"n_jobs=None ({usable} thread{'s' if usable != 1 else ''})"
    return f"n_jobs={n_jobs}"


def _bits(array):
    """View ``array`` as unsigned integers of the same width (bytes if no such width)."""
    import numpy as np

    array = np.ascontiguousarray(array)
    if array.dtype.itemsize in (1, 2, 4, 8):
        return array.view(f"u{array.dtype.itemsize}")
    return array.view(np.uint8)


def _compare_csr(expected, got):
    """List the differences between two sparse matrices, bit for bit.

    Parameters
    ----------
    expected, got : scipy.sparse CSR matrix or array
        The reference output (scikit-learn's) and the output to check (fasthash's).

    Returns
    -------
    problems : list of str
        Empty when class, shape, dtypes, indptr, indices and the bits of data all match.
    """
    import numpy as np

    problems = []
    if type(expected) is not type(got):
        problems.append(f"class: {type(expected).__name__} != {type(got).__name__}")
    if expected.shape != got.shape:
        problems.append(f"shape: {expected.shape} != {got.shape}")
        return problems
    for name in ("indptr", "indices", "data"):
        a, b = getattr(expected, name), getattr(got, name)
        if a.dtype != b.dtype:
            problems.append(f"{name}.dtype: {a.dtype} != {b.dtype}")
        elif a.shape != b.shape:
            problems.append(f"{name}: length {a.shape[0]} != {b.shape[0]}")
        else:
            diff = np.flatnonzero(_bits(a) != _bits(b))
            if diff.size:
                problems.append(
                    f"{name}: {diff.size} values differ (first at position {diff[0]} of "
                    f"{a.shape[0]})"
                )
    return problems


def _time_transform(vectorizer, docs, repeat, min_seconds=_MIN_SECONDS):
    """Time ``vectorizer.transform(docs)``: one untimed run, then at least ``repeat`` runs.

    Fast implementations are run again (up to ``_MAX_RUNS`` runs) until ``min_seconds``
    of timed runs have accumulated, so that the median is not one noisy sample.

    Returns
    -------
    output : scipy.sparse matrix
        The output of the untimed run.
    times : list of float
        Wall-clock seconds of each timed run.
    """
    output = vectorizer.transform(docs)
    times = []
    while len(times) < repeat or (sum(times) < min_seconds and len(times) < _MAX_RUNS):
        start = time.perf_counter()
        vectorizer.transform(docs)
        times.append(time.perf_counter() - start)
    return output, times


def _load_average():
    try:
        return f"{os.getloadavg()[0]:.2f}"
    except (AttributeError, OSError):  # not on every platform
        return "unknown"


def _measure(rows, docs, n_bytes, repeat, out, err):
    """Time each ``(label, vectorizer)`` of ``rows`` on ``docs``, print their table and
    return whether every output equals the first row's (scikit-learn's), bit for bit."""
    results = []
    reference = None
    identical = True
    for label, vectorizer in rows:
        output, times = _time_transform(vectorizer, docs, repeat)
        if reference is None:
            reference = output
        else:
            problems = _compare_csr(reference, output)
            if problems:
                identical = False
                print(f"MISMATCH {label} vs scikit-learn:", file=err)
                for problem in problems:
                    print(f"  {problem}", file=err)
        results.append((label, statistics.median(times), len(times)))

    width = max(len(label) for label, _, _ in results)
    print(
        f"{'implementation':<{width}}  {'runs':>4}  {'median s':>8}  {'MB/s':>8}  {'speed-up':>8}",
        file=out,
    )
    base = results[0][1]
    for label, median, runs in results:
        mbps = n_bytes / _MB / median if median > 0 else float("inf")
        speedup = base / median if median > 0 else float("inf")
        print(f"{label:<{width}}  {runs:>4}  {median:8.4f}  {mbps:8.1f}  {speedup:7.2f}x", file=out)
    out.flush()
    return identical


def _run_demo(args, out=None, err=None):
    """Implement ``fasthash demo``; return the exit status."""
    out = sys.stdout if out is None else out  # resolved per call: redirections work
    err = sys.stderr if err is None else err
    import sklearn
    from sklearn.feature_extraction.text import HashingVectorizer as SkHashingVectorizer

    import fasthash
    from fasthash.datasets import load_english_documents
    from fasthash.utils._busy import BusyProcesses

    start = time.perf_counter()
    max_bytes = None if args.max_mb is None else int(args.max_mb * _MB)
    docs = load_english_documents(max_bytes=max_bytes).data
    n_bytes = sum(len(d.encode("utf-8")) for d in docs)
    build_s = time.perf_counter() - start
    if not docs:
        print(f"fasthash demo: --max-mb {args.max_mb} selects no document", file=err)
        return 2
    usable = effective_n_jobs(None)

    print(
        f"fasthash {fasthash.__version__} demo: HashingVectorizer().transform(docs), "
        "default parameters",
        file=out,
    )
    print(
        f"corpus: {len(docs)} documents, {n_bytes / _MB:.2f} MB of UTF-8 (docstrings of the "
        f"Python {platform.python_version()} standard library, built in {build_s:.1f} s)",
        file=out,
    )
    print(
        f"timing: median wall-clock time of at least {args.repeat} run(s) per implementation "
        f"(more, up to {_MAX_RUNS}, until {_MIN_SECONDS:g} s is spent), after one untimed run",
        file=out,
    )

    rows = [
        (f"scikit-learn {sklearn.__version__}", SkHashingVectorizer()),
        ("fasthash n_jobs=1", fasthash.HashingVectorizer(n_jobs=1)),
        (
            f"fasthash {_describe_n_jobs(args.n_jobs, usable)}",
            fasthash.HashingVectorizer(n_jobs=args.n_jobs),
        ),
    ]
    print(f"\nthis machine as it is (load average {_load_average()}):", file=out)
    out.flush()
    identical = _measure(rows, docs, n_bytes, args.repeat, out, err)
    if args.busy:
        processes = "process" if args.busy == 1 else "processes"
        print(
            f"\nloaded: the same beside {args.busy} busy {processes} (a Python loop on one "
            "core each, started by the demo)",
            file=out,
        )
        out.flush()
        with BusyProcesses(args.busy):
            identical &= _measure(rows, docs, n_bytes, args.repeat, out, err)
    print(file=out)
    if identical:
        print(
            "outputs identical to scikit-learn: yes "
            "(class, shape, indptr, indices, data bits, dtypes)",
            file=out,
        )
        return 0
    print("outputs identical to scikit-learn: NO (see above)", file=out)
    return 1


def _build_parser():
    from fasthash import __version__

    parser = argparse.ArgumentParser(
        prog="fasthash",
        description=("fasthash: fast, exact, multi-core drop-ins for scikit-learn's text hashing."),
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    demo = sub.add_parser(
        "demo",
        help="compare fasthash with scikit-learn on real English text",
        description=(
            "Hash the docstrings of the Python standard library (built locally, no download) "
            "with scikit-learn's HashingVectorizer and with fasthash's (default parameters; "
            "n_jobs=1 and n_jobs=N), check the outputs are bit-identical and print MB/s and "
            "speed-ups, on the machine as it is and again beside --busy processes that keep "
            "cores busy. Exits with status 1 if any output differs."
        ),
    )
    demo.add_argument(
        "--n-jobs",
        type=_parse_n_jobs,
        default=None,
        metavar="N",
        help="threads of the multi-threaded run: None/all = every usable CPU (default), "
        "k > 0 = k (at most the usable CPUs), -k = all but k-1",
    )
    demo.add_argument(
        "--repeat",
        type=_positive_int,
        default=3,
        metavar="R",
        help="timed runs per implementation; the median is reported (default: 3)",
    )
    demo.add_argument(
        "--max-mb",
        type=_positive_float,
        default=None,
        metavar="M",
        help="use only the first M MB (10**6 bytes of UTF-8) of the corpus (default: all)",
    )
    demo.add_argument(
        "--busy",
        type=_non_negative_int,
        default=1,
        metavar="K",
        help="measure again beside K processes spinning in Python, one core each, to show "
        "the speed on a loaded machine; 0 skips it (default: 1)",
    )
    demo.set_defaults(handler=_run_demo)

    from fasthash._hash_command import add_hash_parser  # it imports this module

    add_hash_parser(sub)
    return parser


def main(argv=None):
    """Run the ``fasthash`` command line.

    Parameters
    ----------
    argv : list of str or None, default=None
        Arguments without the program name; None reads ``sys.argv[1:]``.

    Returns
    -------
    status : int
        The exit status: 0 on success, 1 if ``demo`` found differing outputs or ``hash``
        a problem in an input, 2 on a usage error, 130 if interrupted.

    Examples
    --------
    >>> from fasthash.cli import main
    >>> main(["--version"])  # doctest: +SKIP
    fasthash 0.1.0
    """
    parser = _build_parser()
    args = parser.parse_args(argv)
    if args.command is None:
        parser.print_help(sys.stderr)
        return 2
    try:
        return args.handler(args)
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130
