# Authors: The fasthash developers
# SPDX-License-Identifier: BSD-3-Clause
"""fasthash: fast, exact, multi-core drop-ins for scikit-learn's text hashing."""

from fasthash._show_versions import show_versions
from fasthash.exceptions import FasthashError
from fasthash.feature_extraction._hash import FeatureHasher
from fasthash.feature_extraction.text import HashingVectorizer
from fasthash.utils._murmur import murmurhash3_32

__version__ = "0.1.0"

__all__ = [
    "FasthashError",
    "FeatureHasher",
    "HashingVectorizer",
    "murmurhash3_32",
    "show_versions",
    "__version__",
]
