# Authors: The fasthash developers
# SPDX-License-Identifier: BSD-3-Clause
"""fasthash: fast, exact, multi-core drop-ins for scikit-learn's text hashing, and parallel
machine learning on threads around them (averaged linear models, merged forests, model
selection; :mod:`fasthash.dask` for clusters)."""

import importlib
from typing import TYPE_CHECKING

from fasthash._config import config_context, get_config, set_config
from fasthash._show_versions import show_versions
from fasthash.exceptions import FasthashError, IncompatibleModelsError
from fasthash.feature_extraction._hash import FeatureHasher
from fasthash.feature_extraction._inverse import InverseHasher, top_tokens
from fasthash.feature_extraction.text import HashingVectorizer, python_analysis_reason
from fasthash.utils._murmur import murmurhash3_32

__version__ = "0.1.0"

# The parallel ML layer is imported on first use (PEP 562), so that `import fasthash` for
# hashing does not pay for scikit-learn's ensemble and model_selection modules.
_LAZY = {
    "AveragedLinearModel": "fasthash.linear_model",
    "average_models": "fasthash.linear_model",
    "ParallelForestClassifier": "fasthash.ensemble",
    "ParallelForestRegressor": "fasthash.ensemble",
    "merge_forests": "fasthash.ensemble",
    "GridSearchCV": "fasthash.model_selection",
    "RandomizedSearchCV": "fasthash.model_selection",
    "cross_val_score": "fasthash.model_selection",
    "cross_validate": "fasthash.model_selection",
}

if TYPE_CHECKING:  # static analysers see ordinary imports
    from fasthash.ensemble import ParallelForestClassifier, ParallelForestRegressor, merge_forests
    from fasthash.linear_model import AveragedLinearModel, average_models
    from fasthash.model_selection import (
        GridSearchCV,
        RandomizedSearchCV,
        cross_val_score,
        cross_validate,
    )


def __getattr__(name):
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module 'fasthash' has no attribute {name!r}")
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value
    return value


def __dir__():
    return sorted(set(globals()) | set(_LAZY))


__all__ = [
    "AveragedLinearModel",
    "FasthashError",
    "FeatureHasher",
    "GridSearchCV",
    "HashingVectorizer",
    "IncompatibleModelsError",
    "InverseHasher",
    "ParallelForestClassifier",
    "ParallelForestRegressor",
    "RandomizedSearchCV",
    "average_models",
    "cross_val_score",
    "config_context",
    "cross_validate",
    "get_config",
    "merge_forests",
    "murmurhash3_32",
    "python_analysis_reason",
    "set_config",
    "show_versions",
    "top_tokens",
    "__version__",
]
