# Authors: The fasthash developers
# SPDX-License-Identifier: BSD-3-Clause
"""Type stubs of the compiled module ``fasthash._lib._hashing``."""

from collections.abc import Callable, Iterator
from typing import Any

import numpy as np
import numpy.typing as npt

from fasthash._lib._arrow import ArrowStream
from fasthash._lib._cancel import Cancel

OUT_F64: int
OUT_F32: int
OUT_I64: int
ANALYZER_WORD: int
ANALYZER_CHAR: int
ANALYZER_CHAR_WB: int
TOKEN_WORD2: int
TOKEN_WORD1: int
TOKEN_NONSPACE: int
NORM_NONE: int
NORM_L1: int
NORM_L2: int
PATHS_FASTEST: int
PATHS_BASELINE: int
PATHS_REFERENCE: int

SCAN_RUNS: int
SCAN_GENERAL: int
SET_CLASS: int
SET_WORD: int
SET_LOWER_CLASS: int
SET_LOWER_WORD: int
SET_LOWER_COMPLEX: int
CHARSET_BYTES: int

def check_status(status: int, row: int = ...) -> None: ...

class Pattern:
    def __init__(
        self,
        class_bits: bytes | npt.NDArray[np.uint8],
        word_bits: bytes | npt.NDArray[np.uint8],
        min_count: int,
        max_count: int,
        bound_start: bool,
        bound_end: bool,
    ) -> None: ...
    @property
    def scanner(self) -> int: ...
    def members(self, which: int) -> npt.NDArray[np.bool_]: ...

class Options:
    def __init__(
        self,
        *,
        min_n: int,
        max_n: int,
        n_features: int,
        lowercase: bool,
        alternate_sign: bool,
        binary: bool,
        norm: int,
        out_type: int,
        stop_words: list[bytes] | None = ...,
        analyzer: int = ...,
        strip_accents: int = ...,
        token: int = ...,
        paths: int = ...,
        pattern: Pattern | None = ...,
    ) -> None: ...
    @property
    def pattern(self) -> Pattern | None: ...

class SurrogateFeatureError(UnicodeEncodeError):
    row: int
    def __init__(self, row: int) -> None: ...

class UTF8DecodeError(UnicodeDecodeError):
    row: int
    def __init__(self, row: int) -> None: ...

def utf8_check(data: bytes) -> tuple[int, int, bool, int]: ...

class Batch:
    def text(self, i: int) -> str: ...
    @property
    def n_docs(self) -> int: ...
    @property
    def units(self) -> int: ...
    @property
    def exhausted(self) -> bool: ...
    @property
    def error(self) -> BaseException | None: ...
    @property
    def error_row(self) -> int: ...
    @property
    def first_row(self) -> int: ...

ARROW_VIEWS_NONE: int
ARROW_VIEWS_UTF8: int
ARROW_VIEWS_CHECKED: int

def collect_arrow(
    stream: ArrowStream,
    max_docs: int,
    max_units: int,
    prepare: Callable[[Any], tuple[bool, Any]] | None,
    views: int,
    fast_str: bool,
    null_value: Any,
) -> Batch: ...
def collect(
    iterator: Iterator[Any],
    max_docs: int,
    max_units: int,
    prepare: Callable[[Any], tuple[bool, Any]],
    fast_str: bool,
) -> Batch: ...
class CSRBuilder:
    n_rows: int
    nnz: int
    raw: int
    def __init__(self, opts: Options) -> None: ...
    def append(
        self,
        batch: Batch,
        opts: Options,
        n_threads: int,
        cancel: Cancel | None = ...,
        run: Callable[[Callable[[], None], Cancel | None], None] | None = ...,
    ) -> None: ...
    def finish(
        self,
    ) -> tuple[npt.NDArray[np.int64], npt.NDArray[np.int32], npt.NDArray[Any]]: ...

def hash_only(batch: Batch, opts: Options, n_threads: int) -> int: ...

class Recorder:
    n_features: int
    max_tokens: int
    n_tokens: int
    def __init__(self, n_features: int, max_tokens: int) -> None: ...
    def append(
        self,
        batch: Batch,
        opts: Options,
        n_threads: int,
        cancel: Cancel | None = ...,
        run: Callable[[Callable[[], None], Cancel | None], None] | None = ...,
    ) -> None: ...
    def add(
        self,
        data: npt.NDArray[np.uint8],
        offsets: npt.NDArray[np.int64],
        counts: npt.NDArray[np.int64],
    ) -> None: ...
    def add_dropped(
        self,
        columns: npt.NDArray[np.int32],
        tokens: npt.NDArray[np.int64],
        counts: npt.NDArray[np.int64],
    ) -> None: ...
    def trim(self) -> None: ...
    def dump(
        self,
    ) -> tuple[
        npt.NDArray[np.int32],
        npt.NDArray[np.uint32],
        npt.NDArray[np.int64],
        npt.NDArray[np.int64],
        bytes,
        npt.NDArray[np.int32],
        npt.NDArray[np.int64],
        npt.NDArray[np.int64],
    ]: ...

def doc_features(text: str, opts: Options) -> list[bytes]: ...
def _spare_workspace_bytes() -> int: ...
def _spare_maps_bytes() -> int: ...
def _drop_spare_maps() -> None: ...
def _table_cache_bytes() -> int: ...
def unicode_version() -> str: ...
def unicode_lookup(cp: int) -> tuple[int, str]: ...
def openmp_enabled() -> bool: ...
def openmp_max_threads() -> int: ...
def pool_enabled() -> bool: ...
def pool_workers() -> int: ...
def _pool_set_test_delay(usec: int) -> None: ...
def _murmurhash3_int_u32(key: int, seed: int) -> int: ...
def _murmurhash3_int_s32(key: int, seed: int) -> int: ...
def _murmurhash3_bytes_u32(key: bytes, seed: int) -> int: ...
def _murmurhash3_bytes_s32(key: bytes, seed: int) -> int: ...
def _murmurhash3_array(
    key: npt.NDArray[np.int32], seed: int, positive: bool
) -> npt.NDArray[Any]: ...
