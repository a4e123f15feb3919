# Authors: The fasthash developers
# SPDX-License-Identifier: BSD-3-Clause
"""Type stubs of the compiled module ``fasthash._lib._features``."""

from collections.abc import Iterator
from typing import Any

import numpy as np
import numpy.typing as npt

MODE_DICT: int
MODE_PAIR: int
MODE_STRING: int
CHECK_NONE: int
CHECK_RANGE: int
CHECK_FINITE_ABS: int

class FeatureBatch:
    def __init__(
        self, fix_dtype: np.dtype[Any], check: int, lo: float, hi: float, alternate_sign: bool
    ) -> None: ...
    @property
    def exhausted(self) -> bool: ...
    @property
    def n_features(self) -> int: ...
    @property
    def n_samples(self) -> int: ...
    def fill(self, iterator: Iterator[Any], mode: int, max_features: int) -> None: ...
    def row_lengths(self) -> npt.NDArray[np.int64]: ...
    def fixups(self) -> tuple[npt.NDArray[np.intp], npt.NDArray[Any]]: ...
    def hash_into(
        self,
        indices: npt.NDArray[np.int32],
        istart: int,
        values: npt.NDArray[np.float64],
        vstart: int,
        n_features: int,
        alternate_sign: bool,
        n_threads: int,
    ) -> None: ...

def merge_rows(
    indptr: npt.NDArray[np.int64],
    indices: npt.NDArray[np.int32],
    values: npt.NDArray[np.floating[Any]],
    n_threads: int,
) -> tuple[npt.NDArray[np.int64], npt.NDArray[np.int32], npt.NDArray[np.floating[Any]]] | None: ...
