# Authors: The fasthash developers
# SPDX-License-Identifier: BSD-3-Clause
"""Type stubs of the compiled module ``fasthash._lib._features``."""

from collections.abc import Callable, Iterator
from typing import Any

import numpy as np
import numpy.typing as npt

from fasthash._lib._arrow import ArrowStream
from fasthash._lib._cancel import Cancel

MODE_DICT: int
MODE_PAIR: int
MODE_STRING: int
CHECK_NONE: int
CHECK_RANGE: int
CHECK_FINITE_ABS: int

class FeatureBatch:
    def __init__(
        self,
        n_features: int,
        alternate_sign: bool,
        fix_dtype: np.dtype[Any],
        check: int,
        lo: float,
        hi: float,
    ) -> None: ...
    @property
    def exhausted(self) -> bool: ...
    @property
    def n_entries(self) -> int: ...
    @property
    def n_samples(self) -> int: ...
    def fill(self, iterator: Iterator[Any], mode: int, max_features: int) -> None: ...
    def fill_arrow(
        self,
        stream: ArrowStream,
        mode: int,
        max_features: int,
        unique_keys: bool,
        n_threads: int,
        cancel: Cancel | None = ...,
        run: Callable[[Callable[[], None], Cancel | None], None] | None = ...,
        run_above: int = ...,
        null_value: Any = ...,
    ) -> None: ...
    def indptr_array(self) -> npt.NDArray[np.int64]: ...
    def indices(self) -> npt.NDArray[np.int32]: ...
    def values(self) -> npt.NDArray[np.float64]: ...
    def fixups(self) -> tuple[npt.NDArray[np.intp], npt.NDArray[Any]]: ...

class MergedRows:
    def __init__(self, n_features: int, dtype: np.dtype[Any]) -> None: ...
    @property
    def n_samples(self) -> int: ...
    @property
    def n_raw(self) -> int: ...
    @property
    def all_sorted(self) -> bool: ...
    @property
    def any_raw(self) -> bool: ...
    def append(
        self,
        indptr: npt.NDArray[np.int64],
        indices: npt.NDArray[np.int32],
        values: npt.NDArray[np.floating[Any]],
        n_threads: int,
        cancel: Cancel | None = ...,
        run: Callable[[Callable[[], None], Cancel | None], None] | None = ...,
    ) -> None: ...
    def finish(
        self,
    ) -> tuple[
        npt.NDArray[np.int64], npt.NDArray[np.int32], npt.NDArray[np.floating[Any]], npt.NDArray[np.intp]
    ]: ...
