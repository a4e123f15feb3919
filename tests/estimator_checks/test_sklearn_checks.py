# Authors: The fasthash developers
# SPDX-License-Identifier: BSD-3-Clause
"""scikit-learn's estimator checks on fasthash.HashingVectorizer.

``parametrize_with_checks`` only yields ``check_estimator_cloneable`` for a text
vectorizer: its tags say it takes no 2-D array, so scikit-learn skips every data check
(with a ``SkipTestWarning``) for its own HashingVectorizer too. To get more out of the
checks, the second half of this file runs the full list (API, legacy and transformer
checks) on both classes anyway, and requires fasthash to pass exactly the checks that
scikit-learn's own HashingVectorizer passes, and to fail the others with the same
exception. ``EXPECTED_FAILED_CHECKS`` gives the reason for each failure.
"""

import warnings

import pytest
from _helpers import FhHashingVectorizer, SkHashingVectorizer, assert_same_exception, parametrize_with_checks
from sklearn.exceptions import SkipTestWarning
from sklearn.utils import estimator_checks

_NOT_TEXT = (
    "the check feeds a numeric 2-D array; HashingVectorizer takes an iterable of text "
    "documents (scikit-learn's own HashingVectorizer fails it the same way)"
)
_FIT_IGNORES_X = (
    "HashingVectorizer is stateless: fit validates the parameters and never looks at X "
    "(same in scikit-learn)"
)

# Checks that scikit-learn's own HashingVectorizer fails when they are forced to run.
EXPECTED_FAILED_CHECKS = {
    "check_fit_score_takes_y": _NOT_TEXT,
    "check_estimators_dtypes": _NOT_TEXT,
    "check_complex_data": _FIT_IGNORES_X + ", so complex X is not rejected by fit",
    "check_dtype_object": _NOT_TEXT,
    "check_estimators_empty_data_messages": _FIT_IGNORES_X + ", so empty X is not rejected",
    "check_pipeline_consistency": _NOT_TEXT,
    "check_estimators_nan_inf": _FIT_IGNORES_X + ", so NaN/inf are not rejected by fit",
    "check_estimator_sparse_tag": _FIT_IGNORES_X
    + ", so sparse X does not fail fit although the sparse tag is False",
    "check_estimators_pickle": _NOT_TEXT,
    "check_f_contiguous_array_estimator": _NOT_TEXT,
    "check_transformer_data_not_an_array": _NOT_TEXT,
    "check_transformer_general": _NOT_TEXT,
    "check_transformer_preserve_dtypes": _NOT_TEXT,
    "check_transformers_unfitted_stateless": _NOT_TEXT,
}


def _expected_failed_checks(estimator):
    return EXPECTED_FAILED_CHECKS


def _checks_of(estimator):
    with warnings.catch_warnings():
        # scikit-learn warns that it cannot test an estimator without 2-D input.
        warnings.simplefilter("ignore", SkipTestWarning)
        return list(estimator_checks.estimator_checks_generator(estimator, legacy=True))


with warnings.catch_warnings():
    warnings.simplefilter("ignore", SkipTestWarning)
    _parametrize = parametrize_with_checks(
        [FhHashingVectorizer(), FhHashingVectorizer(n_jobs=2, ngram_range=(1, 2))],
        expected_failed_checks=_expected_failed_checks,
        xfail_strict=True,
    )


@_parametrize
def test_sklearn_compatible_estimator(estimator, check):
    check(estimator)


def _name(check):
    return estimator_checks._check_name(check)


def test_same_checks_as_sklearns_own_class():
    fh = [_name(check) for _, check in _checks_of(FhHashingVectorizer())]
    sk = [_name(check) for _, check in _checks_of(SkHashingVectorizer())]
    assert fh == sk
    assert "check_estimator_cloneable" in fh


# --- the full list of checks, forced ---------------------------------------------------------


def _forced_checks():
    """(id, check) for every API, legacy and transformer check, without the 2-D-input skip."""
    est = SkHashingVectorizer()
    checks = []
    for generator in ("_yield_api_checks", "_yield_checks", "_yield_transformer_checks"):
        gen = getattr(estimator_checks, generator, None)
        if gen is None:  # pragma: no cover - a scikit-learn without this private helper
            continue
        for check in gen(est):
            for _ in estimator_checks._yield_instances_for_check(check, est):
                checks.append(check)
    counts = {}
    out = []
    for check in checks:
        name = _name(check)
        counts[name] = counts.get(name, 0) + 1
        out.append(pytest.param(check, id=f"{name}-{counts[name]}"))
    return out


def _run_check(check, estimator):
    name = type(estimator).__name__
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            check(name, estimator)
        except estimator_checks.SkipTest as exc:
            return ("skip", exc)
        except Exception as exc:  # noqa: BLE001 - recorded and compared
            return ("fail", exc)
    return ("pass", None)


FORCED = _forced_checks()


@pytest.mark.parametrize("check", FORCED)
@pytest.mark.parametrize("params", [{}, {"n_jobs": 2}], ids=["default", "n_jobs=2"])
def test_forced_check_same_result_as_sklearn(check, params):
    name = _name(check)
    sk_status, sk_exc = _run_check(check, SkHashingVectorizer())
    fh_status, fh_exc = _run_check(check, FhHashingVectorizer(**params))
    if name in EXPECTED_FAILED_CHECKS:
        assert sk_status == "fail", f"{name} now passes for scikit-learn: update the list"
        assert fh_status == "fail", f"{name} unexpectedly passes for fasthash"
        assert_same_exception(fh_exc, sk_exc)
    else:
        assert sk_status in ("pass", "skip"), f"{name}: scikit-learn {sk_status}: {sk_exc!r}"
        assert fh_status == sk_status, f"{name}: fasthash {fh_status}: {fh_exc!r}"


# Expected failures of checks that older scikit-learn versions do not have.
_ADDED_LATER = {"check_transformers_unfitted_stateless"}  # scikit-learn 1.7


def test_expected_failures_all_exist():
    names = {_name(p.values[0]) for p in FORCED}
    assert set(EXPECTED_FAILED_CHECKS) - _ADDED_LATER <= names
