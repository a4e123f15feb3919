# Authors: The fasthash developers
# SPDX-License-Identifier: BSD-3-Clause
"""Thread-parallel cross-validation and parameter search sharing one copy of the data.

Drop-ins for scikit-learn's :func:`~sklearn.model_selection.cross_validate`,
:func:`~sklearn.model_selection.cross_val_score`,
:class:`~sklearn.model_selection.GridSearchCV` and
:class:`~sklearn.model_selection.RandomizedSearchCV`: same signatures and results, with
the work on threads (see :mod:`fasthash.model_selection._threaded`).
"""

from fasthash.model_selection._threaded import (
    GridSearchCV,
    RandomizedSearchCV,
    cross_val_score,
    cross_validate,
)

__all__ = ["GridSearchCV", "RandomizedSearchCV", "cross_val_score", "cross_validate"]
