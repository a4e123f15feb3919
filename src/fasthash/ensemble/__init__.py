# Authors: The fasthash developers
# SPDX-License-Identifier: BSD-3-Clause
"""Forests trained on parallel threads and merged.

- :func:`merge_forests`: merge fitted RandomForest / ExtraTrees models into one
  scikit-learn forest, with classes aligned across them.
- :class:`ParallelForestClassifier`, :class:`ParallelForestRegressor`: fit sub-forests on
  a thread pool (on replicas or partitions of the data) and merge them.
"""

from fasthash.ensemble._forest import ParallelForestClassifier, ParallelForestRegressor
from fasthash.ensemble._merge import merge_forests

__all__ = ["ParallelForestClassifier", "ParallelForestRegressor", "merge_forests"]
