# Authors: The fasthash developers
# SPDX-License-Identifier: BSD-3-Clause
"""Feature extraction drop-ins (mirrors :mod:`sklearn.feature_extraction`)."""

from fasthash.feature_extraction._hash import FeatureHasher
from fasthash.feature_extraction._inverse import (
    InverseHasher,
    TokenWeight,
    TokenWeights,
    top_tokens,
)
from fasthash.feature_extraction.text import HashingVectorizer, python_analysis_reason

__all__ = [
    "FeatureHasher",
    "HashingVectorizer",
    "InverseHasher",
    "TokenWeight",
    "TokenWeights",
    "python_analysis_reason",
    "top_tokens",
]
