# Authors: The fasthash developers
# SPDX-License-Identifier: BSD-3-Clause
"""fasthash: fast, exact, multi-core drop-ins for scikit-learn's text hashing, and parallel
machine learning on threads around them (averaged linear models, merged forests, model
selection; :mod:`fasthash.dask` for clusters)."""

from fasthash._show_versions import show_versions
from fasthash.ensemble import ParallelForestClassifier, ParallelForestRegressor, merge_forests
from fasthash.exceptions import FasthashError, IncompatibleModelsError
from fasthash.feature_extraction._hash import FeatureHasher
from fasthash.feature_extraction.text import HashingVectorizer
from fasthash.linear_model import AveragedLinearModel, average_models
from fasthash.model_selection import (
    GridSearchCV,
    RandomizedSearchCV,
    cross_val_score,
    cross_validate,
)
from fasthash.utils._murmur import murmurhash3_32

__version__ = "0.1.0"

__all__ = [
    "AveragedLinearModel",
    "FasthashError",
    "FeatureHasher",
    "GridSearchCV",
    "HashingVectorizer",
    "IncompatibleModelsError",
    "ParallelForestClassifier",
    "ParallelForestRegressor",
    "RandomizedSearchCV",
    "average_models",
    "cross_val_score",
    "cross_validate",
    "merge_forests",
    "murmurhash3_32",
    "show_versions",
    "__version__",
]
