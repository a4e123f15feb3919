# Authors: The fasthash developers
# SPDX-License-Identifier: BSD-3-Clause
"""Thread-parallel cross-validation and parameter search sharing one copy of the data.

scikit-learn's :func:`~sklearn.model_selection.cross_validate`,
:func:`~sklearn.model_selection.cross_val_score`,
:class:`~sklearn.model_selection.GridSearchCV` and
:class:`~sklearn.model_selection.RandomizedSearchCV` -- the same signatures (plus
``progress``) and the same results -- run on threads over one shared copy of the data,
with a pipeline's stateless prefix (HashingVectorizer, FeatureHasher, ...) applied once.
"""

from fasthash.model_selection._search import GridSearchCV, RandomizedSearchCV
from fasthash.model_selection._validation import cross_val_score, cross_validate

__all__ = ["GridSearchCV", "RandomizedSearchCV", "cross_val_score", "cross_validate"]
