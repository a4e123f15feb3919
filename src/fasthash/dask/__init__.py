# Authors: The fasthash developers
# SPDX-License-Identifier: BSD-3-Clause
"""fasthash on a Dask cluster (optional extra ``fasthash[dask]``).

- :func:`transform`: hash a dask Bag, DataFrame column / Series or 1-D Array of documents
  into a dask Array of ``scipy.sparse.csr_matrix`` blocks, on the workers.
- :func:`fit_averaged`: train a linear model per partition on the workers and average the
  models with a tree reduction (iterative parameter mixing over several rounds).
- :func:`fit_forest`: train sub-forests on the workers and merge them into one forest.
- :func:`search`: grid search of a hashing pipeline whose hashing step is computed once,
  partition by partition on the workers; the other fits run on the cluster.
- any scikit-learn search or cross-validation runs on the cluster through joblib's dask
  backend (``with joblib.parallel_backend("dask")``), see the :doc:`/dask` page of the documentation.

``import fasthash`` never imports dask: only ``import fasthash.dask`` does.
"""

try:
    import dask  # noqa: F401
    import distributed  # noqa: F401
except ImportError as exc:  # pragma: no cover - exercised in a subprocess by the tests
    raise ImportError(
        "fasthash.dask needs the optional dependencies dask and distributed: "
        'pip install "fasthash[dask]"'
    ) from exc

from fasthash.dask._forest import fit_forest
from fasthash.dask._hashing import PartitionError, partition_lengths, transform
from fasthash.dask._linear import fit_averaged
from fasthash.dask._search import search

__all__ = [
    "PartitionError",
    "fit_averaged",
    "fit_forest",
    "partition_lengths",
    "search",
    "transform",
]
