# Authors: The fasthash developers
# SPDX-License-Identifier: BSD-3-Clause
"""Exceptions raised by fasthash.

Every fasthash-specific error derives from :class:`FasthashError` and from the builtin
exception it refines, so ``except ValueError`` keeps working.
"""

__all__ = ["FasthashError", "IncompatibleModelsError"]


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
