# Authors: The fasthash developers
# SPDX-License-Identifier: BSD-3-Clause
"""Shared assertions and runners of the fasthash test suite.

Importable from every test module as ``import _helpers`` (``tests/conftest.py`` puts this
directory on ``sys.path``; the suite runs with ``--import-mode=importlib``).
"""

import re
import warnings

import numpy as np
from sklearn.feature_extraction.text import HashingVectorizer as SkHashingVectorizer

import fasthash

FhHashingVectorizer = fasthash.HashingVectorizer

__all__ = [
    "FhHashingVectorizer",
    "SkHashingVectorizer",
    "TRICKY_DOCUMENTS",
    "Outcome",
    "assert_csr_identical",
    "assert_same_exception",
    "assert_same_outcome",
    "compare_on_kernel_paths",
    "compare_with_sklearn",
    "needs_sparse_interface",
    "normalize_message",
    "parametrize_with_checks",
    "run",
    "stable_repr",
]

# Bytes of an element that carry its value. x87 extended precision (80 bits) is stored in
# 12 or 16 bytes whose padding is not guaranteed to be initialised.
_LONGDOUBLE_SIGNIFICANT_BYTES = (
    10 if np.finfo(np.longdouble).nmant == 63 else np.dtype(np.longdouble).itemsize
)


# Documents that exercise the edge cases of scikit-learn's hashing (Unicode case mapping,
# word characters, whitespace, crafted hash keys, collisions). Valid str, no lone surrogates.
TRICKY_DOCUMENTS = [
    "The quick brown fox jumps over the lazy dog",
    "",
    "fox fox FOX Fox",
    "t0 t14",
    "t0 t14 tt",
    "aivlts3m akqlrggi alcv86qg acdia99h acqerwwr abxnxwpw aaum2erp",
    "a bb cc dd a_b __ 1.5 3.14 don't e-mail x",
    "the quick and the brown fox",
    "İstanbul ΟΔΟΣ ΣΑΣ Σ ΑΣa ΑΣ. ΑΣ' ΑΣ\u0345 STRASSE Straße ẞ K ǅemal ﬁnance",
    "naïve cafe\u0301 Łódź ø đ œ ﬁ ² ½ Ⅻ ① Ｈｅｌｌｏ ｶ",
    "हिन्दी भाषा বাংলা ভাষা தமிழ்",
    "中文分词 日本語 한국어 emoji😀emoji 👍🏽👍🏽 family👨\u200d👩\u200d👧",
    "x²+y² ½½ ABC123 ０１２ ٣٤ Ⅻ ⅻ",
    "a\u200bb zero\u200bwidth \ufeffbom\ufeff nb\u00a0sp x\u3000y\x1cz\u0085w",
    "tab\tand\t\tdouble  space\n\nnewline\r\nend  ",
    "  leading and trailing  ",
    "a\u1680b\u2000c\u2001d\u200ae\u2028f\u2029g\u202fh\u205fi",
    "ǈ ǋ ǲ ᾈ ᾙ ﬀ ﬃ Ǳ ǳ",
    "ΑΣ\u0300 Σ\u0301a σς ΣΑΣ' Σ'",
    "mixed CASE Words With UPPER and lower Ωμέγα ΑΛΦΑ",
    "repeat " * 40,
]


def _value_bytes(data):
    """The bytes that define the values of ``data`` (1-D), as a 2-D uint8 array."""
    data = np.ascontiguousarray(data)
    raw = data.view(np.uint8).reshape(data.shape[0], data.dtype.itemsize)
    if data.dtype == np.longdouble:
        raw = raw[:, :_LONGDOUBLE_SIGNIFICANT_BYTES]
    elif data.dtype == np.clongdouble:
        half = data.dtype.itemsize // 2
        sig = _LONGDOUBLE_SIGNIFICANT_BYTES
        raw = np.concatenate([raw[:, :sig], raw[:, half : half + sig]], axis=1)
    return raw


def assert_csr_identical(got, expected):
    """Assert that two CSR results are identical in every observable bit.

    Checks the container class (``csr_matrix`` vs ``csr_array``), shape, value dtype,
    index dtypes, ``indptr``, ``indices``, the *bits* of ``data`` (so NaN, -0.0 and
    explicit zeros count), ``nnz`` and the canonical-format flags.
    """
    assert type(got) is type(expected), f"container {type(got)} != {type(expected)}"
    assert got.format == expected.format == "csr"
    assert got.shape == expected.shape, f"shape {got.shape} != {expected.shape}"
    assert got.dtype == expected.dtype, f"dtype {got.dtype} != {expected.dtype}"
    assert got.indices.dtype == expected.indices.dtype, (
        f"indices dtype {got.indices.dtype} != {expected.indices.dtype}"
    )
    assert got.indptr.dtype == expected.indptr.dtype, (
        f"indptr dtype {got.indptr.dtype} != {expected.indptr.dtype}"
    )
    assert got.nnz == expected.nnz, f"nnz {got.nnz} != {expected.nnz}"
    np.testing.assert_array_equal(got.indptr, expected.indptr, err_msg="indptr differs")
    np.testing.assert_array_equal(got.indices, expected.indices, err_msg="indices differs")
    assert got.data.shape == expected.data.shape
    g, e = _value_bytes(got.data), _value_bytes(expected.data)
    if not np.array_equal(g, e):
        bad = np.flatnonzero((g != e).any(axis=1))
        i = int(bad[0])
        raise AssertionError(
            f"data bits differ at {bad.size} of {g.shape[0]} entries; first at entry {i}: "
            f"got {got.data[i]!r}, expected {expected.data[i]!r}"
        )
    assert bool(got.has_sorted_indices) == bool(expected.has_sorted_indices)
    assert bool(got.has_canonical_format) == bool(expected.has_canonical_format)


_SET_RE = re.compile(r"\{([^{}]*)\}")


def normalize_message(message):
    """Sort the items of every ``{...}`` set in an error message.

    scikit-learn's InvalidParameterError messages list option sets in an order that
    depends on PYTHONHASHSEED.
    """

    def _sort(match):
        items = [item.strip() for item in match.group(1).split(",")]
        return "{" + ", ".join(sorted(items)) + "}"

    return _SET_RE.sub(_sort, str(message))


class Outcome:
    """What a call did: its result or its exception, and the warnings it emitted."""

    def __init__(self, result=None, exc=None, warns=()):
        self.result = result
        self.exc = exc
        self.warnings = list(warns)

    @property
    def ok(self):
        return self.exc is None

    def __repr__(self):
        if self.ok:
            return f"Outcome(result={type(self.result).__name__}, warnings={self.warnings})"
        return f"Outcome(exc={type(self.exc).__name__}: {self.exc}, warnings={self.warnings})"


def run(fn, *args, **kwargs):
    """Call ``fn``, recording its result or exception and every warning it emits."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            result = fn(*args, **kwargs)
        except Exception as exc:  # noqa: BLE001 - the point is to record it
            return Outcome(exc=exc, warns=[(w.category, str(w.message)) for w in caught])
    return Outcome(result=result, warns=[(w.category, str(w.message)) for w in caught])


def assert_same_exception(got, expected):
    """Same exception type (exactly) and the same message (option sets normalised)."""
    assert type(got) is type(expected), (
        f"exception type {type(got).__name__}({got}) != {type(expected).__name__}({expected})"
    )
    assert normalize_message(got) == normalize_message(expected), (
        f"message {str(got)!r} != {str(expected)!r}"
    )
    if isinstance(expected, UnicodeError):
        assert got.args == expected.args, f"args {got.args!r} != {expected.args!r}"


def assert_same_outcome(got, expected, *, compare_warnings=True):
    """Two :class:`Outcome` objects agree: same CSR bits, or the same exception."""
    if expected.ok and not got.ok:
        raise AssertionError(
            f"scikit-learn succeeded but fasthash raised {type(got.exc).__name__}: {got.exc}"
        ) from got.exc
    if got.ok and not expected.ok:
        raise AssertionError(
            f"scikit-learn raised {type(expected.exc).__name__}: {expected.exc}, "
            "but fasthash succeeded"
        )
    if expected.ok:
        assert_csr_identical(got.result, expected.result)
    else:
        assert_same_exception(got.exc, expected.exc)
    if compare_warnings:
        assert [(c, normalize_message(m)) for c, m in got.warnings] == [
            (c, normalize_message(m)) for c, m in expected.warnings
        ], f"warnings {got.warnings} != {expected.warnings}"


def compare_with_sklearn(params, make_docs, *, n_jobs=(1, 2), method="transform"):
    """Run scikit-learn and fasthash (for each ``n_jobs``) on fresh inputs and compare.

    ``make_docs`` is called once per run and must return a fresh input (a generator or
    file objects are consumed). Returns scikit-learn's :class:`Outcome`.
    """
    expected = run(lambda: getattr(SkHashingVectorizer(**params), method)(make_docs()))
    for jobs in n_jobs:
        got = run(
            lambda jobs=jobs: getattr(FhHashingVectorizer(**params, n_jobs=jobs), method)(
                make_docs()
            )
        )
        try:
            assert_same_outcome(got, expected)
        except AssertionError as err:
            raise AssertionError(f"n_jobs={jobs}, params={params!r}: {err}") from err
    return expected


def compare_on_kernel_paths(params, docs, monkeypatch, paths=("fastest", "baseline")):
    """Compare fasthash (``n_jobs=1``) with scikit-learn on ``docs`` on each kernel path.

    ``paths`` names the core's sets of fast paths (``_hashing.PATHS_FASTEST``, ...), set in
    turn through ``monkeypatch``. Returns scikit-learn's :class:`Outcome`.
    """
    import fasthash.feature_extraction.text as fh_text
    from fasthash._lib import _hashing

    expected = run(lambda: SkHashingVectorizer(**params).transform(docs))
    for name in paths:
        monkeypatch.setattr(fh_text, "_KERNEL_PATHS", getattr(_hashing, f"PATHS_{name.upper()}"))
        got = run(lambda: FhHashingVectorizer(**params, n_jobs=1).transform(docs))
        try:
            assert_same_outcome(got, expected)
        except AssertionError as err:
            raise AssertionError(f"{name} path, params={params!r}: {err}") from err
    return expected


_ADDRESS = re.compile(r" at 0x[0-9a-fA-F]+")


def stable_repr(value):
    """``repr(value)`` without memory addresses (``<function f at 0x7f...>`` becomes
    ``<function f>``): a test id that is the same in every process, as pytest-xdist needs
    (each worker collects the suite itself and must find the same ids)."""
    return _ADDRESS.sub("", repr(value))


def needs_sparse_interface(test):
    """Skip ``test`` where scikit-learn has no ``sparse_interface`` setting (before 1.9)."""
    import pytest
    import sklearn

    return pytest.mark.skipif(
        "sparse_interface" not in sklearn.get_config(),
        reason="this scikit-learn has no sparse_interface setting (added in 1.9)",
    )(test)


def parametrize_with_checks(estimators, *, expected_failed_checks=None, xfail_strict=None):
    """scikit-learn's ``parametrize_with_checks``, the same on every supported version.

    scikit-learn 1.6 and 1.8 have no ``xfail_strict``, and before 1.9 they hand pytest a
    generator (which pytest deprecates, an error under ``filterwarnings = error``). This
    builds the same parameters from the public ``estimator_checks_generator`` (1.6+), as a
    list: every check of each estimator, those named by ``expected_failed_checks(est)``
    (a dict check name -> reason) marked ``xfail`` (strict when ``xfail_strict``).
    """
    import functools

    import pytest
    from sklearn.utils.estimator_checks import estimator_checks_generator

    def check_name(check):
        inner = check.func if isinstance(check, functools.partial) else check
        while isinstance(inner, functools.partial):
            inner = inner.func
        return getattr(inner, "__name__", repr(inner))

    def check_id(check):
        name = check_name(check)
        if isinstance(check, functools.partial) and check.keywords:
            kwargs = ",".join(f"{k}={v}" for k, v in check.keywords.items())
            return f"{name}({kwargs})"
        return name

    params = []
    for estimator in estimators:
        expected = expected_failed_checks(estimator) if expected_failed_checks else {}
        expected = expected or {}
        for est, check in estimator_checks_generator(estimator, legacy=True):
            name = check_name(check)
            marks = []
            if name in expected:
                marks.append(
                    pytest.mark.xfail(reason=expected[name], strict=bool(xfail_strict))
                )
            est_id = re.sub(r"\s", "", str(est))
            params.append(pytest.param(est, check, marks=marks, id=f"{est_id}-{check_id(check)}"))
    return pytest.mark.parametrize("estimator, check", params)
