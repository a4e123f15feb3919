# Authors: The fasthash developers
# SPDX-License-Identifier: BSD-3-Clause
"""Linear models trained on partitions in parallel threads and averaged.

- :func:`average_models`: average fitted linear models into one scikit-learn estimator.
- :class:`AveragedLinearModel`: partition, fit in parallel, average (with iterative
  parameter mixing and ``partial_fit``).
"""

from fasthash.linear_model._averaging import AveragedLinearModel
from fasthash.linear_model._reduction import average_models

__all__ = ["AveragedLinearModel", "average_models"]
