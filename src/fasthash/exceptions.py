# Authors: The fasthash developers
# SPDX-License-Identifier: BSD-3-Clause
"""Exceptions raised by fasthash.

Every fasthash-specific error derives from :class:`FasthashError` and from the builtin
exception it refines, so ``except ValueError`` keeps working; every fasthash warning
derives from :class:`FasthashWarning`.
"""

__all__ = [
    "FasthashError",
    "FasthashWarning",
    "IncompatibleModelsError",
    "SklearnCompatibilityWarning",
]


class FasthashError(Exception):
    """Base class of every fasthash-specific exception."""


class IncompatibleModelsError(FasthashError, ValueError):
    """Fitted models that cannot be combined (averaged, merged) into one.

    Raised by the model-combining utilities (:func:`fasthash.average_models`,
    :func:`fasthash.merge_forests` and the estimators built on them).

    Raised when models differ in estimator class, ``classes_``, ``n_features_in_``,
    ``feature_names_in_``, output shape or a hyper-parameter that changes what the fitted
    attributes mean. The message names the first difference found and the models involved.
    """


class FasthashWarning(UserWarning):
    """Base class of every fasthash-specific warning."""


class SklearnCompatibilityWarning(FasthashWarning):
    """The installed scikit-learn lacks an internal detail a fasthash fast path uses.

    fasthash then takes scikit-learn's public path instead, with the same results (the
    message names what is missing and what fasthash does instead). Emitted once per
    process and missing detail. Seeing it means fasthash has not yet been checked against
    this scikit-learn version; please report it.
    """
