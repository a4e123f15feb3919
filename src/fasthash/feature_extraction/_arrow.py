# Authors: The fasthash developers
# SPDX-License-Identifier: BSD-3-Clause
"""Which inputs the hashers read as Arrow columns, and how.

An input takes the Arrow path when its data are Arrow already and it exports the Arrow
PyCapsule interface (``__arrow_c_stream__`` or ``__arrow_c_array__``): pyarrow arrays,
chunked arrays and one-column tables or record batches, polars Series, pandas Series whose
dtype is Arrow-backed (pandas 3's default ``str``, ``string[pyarrow]``, ``ArrowDtype``, a
categorical of such strings), or anything else that speaks the interface. Everything else
-- lists, numpy arrays, pandas ``object`` columns and pandas DataFrames in particular --
keeps the iterable path, with scikit-learn's semantics for what iterating it yields (a
pandas ``object`` Series also exports the interface, by converting its values with type
inference: its documents must reach scikit-learn's checks as they are).

An Arrow column stands for the list of its values as Python objects (``to_pylist()``;
``list(series)`` for pandas): the output equals that list's, bit for bit, and a null is
the value that list holds for it (``None``, or the Series dtype's ``na_value``).
"""

import sys

from fasthash._lib import _arrow

__all__ = ["ArrowColumn", "arrow_column", "add_row_note", "iter_rows", "iter_samples"]

# Rows turned into Python objects per call when an Arrow column is read as Python values.
_ROWS_PER_READ = 4096


class ArrowColumn:
    """An Arrow input: its stream of chunks and the Python value of its nulls.

    Attributes
    ----------
    stream : fasthash._lib._arrow.ArrowStream
        The chunks (read once).
    null_value : object
        What the input's Python values hold for a null (``None``; a pandas dtype's
        ``na_value``).
    """

    __slots__ = ("stream", "null_value")

    def __init__(self, stream, null_value):
        self.stream = stream
        self.null_value = null_value

    @property
    def kind(self):
        return self.stream.kind

    def check_not_table(self, caller):
        """Raise ValueError for a table of several columns."""
        if self.kind == _arrow.TABLE:
            raise ValueError(
                f"{caller} got an Arrow table (or data frame) with several columns: select "
                "the column to hash, e.g. table['text']."
            )


def _pandas_column(X):
    """``(exporter, null_value)`` of a pandas Series whose data are Arrow, else None."""
    pd = sys.modules["pandas"]
    if not isinstance(X, pd.Series):
        return None  # a DataFrame: scikit-learn iterates over its column labels
    dtype = X.dtype
    if isinstance(dtype, pd.CategoricalDtype):
        # a categorical of Arrow strings: a dictionary-encoded column (only the codes
        # are converted); its missing values iterate as the categories' na_value
        dtype = dtype.categories.dtype
    if not _arrow_backed(dtype, pd):
        return None
    return X, dtype.na_value


def _arrow_backed(dtype, pd):
    if isinstance(dtype, pd.StringDtype):
        return dtype.storage in ("pyarrow", "pyarrow_numpy")
    arrow_dtype = getattr(pd, "ArrowDtype", None)
    return arrow_dtype is not None and isinstance(dtype, arrow_dtype)


def _stream(exporter):
    cls = type(exporter)
    if getattr(cls, "__arrow_c_stream__", None) is not None:
        return _arrow.from_stream(exporter.__arrow_c_stream__())
    return _arrow.from_array(*exporter.__arrow_c_array__())


def arrow_column(X):
    """The :class:`ArrowColumn` of ``X`` if its data are Arrow already, else None.

    Exporting may fail for data that cannot be Arrow (a polars Object Series): such an
    input keeps the iterable path.
    """
    if isinstance(X, (str, bytes, type)):
        return None
    cls = type(X)
    if cls.__module__.partition(".")[0] == "pandas":
        found = _pandas_column(X)
        if found is None:
            return None
        exporter, null_value = found
        try:
            stream = exporter.__arrow_c_stream__()
        except (AttributeError, ImportError):  # pandas < 3, or a pyarrow it finds too old
            import pyarrow as pa  # an Arrow-backed dtype means pyarrow is there

            # What pandas 3's Series.__arrow_c_stream__ does: pa.array reads the Series'
            # Arrow data (a dictionary array for a categorical) through __arrow_array__.
            # Not pa.chunked_array(X.array): that iterates the values, one array each.
            data = pa.array(exporter)
            if not isinstance(data, pa.ChunkedArray):
                data = pa.chunked_array([data])
            stream = data.__arrow_c_stream__()
        return ArrowColumn(_arrow.from_stream(stream), null_value)
    if (
        getattr(cls, "__arrow_c_stream__", None) is None
        and getattr(cls, "__arrow_c_array__", None) is None
    ):
        return None
    try:
        stream = _stream(X)
    except Exception:  # noqa: BLE001 - not Arrow data after all: the iterable path
        return None
    return ArrowColumn(stream, None)


def add_row_note(exc, row):
    """Name the input row an exception was raised for (a note: the message is unchanged)."""
    note = f"(raised for document {row} of the Arrow column)"
    if hasattr(exc, "add_note"):
        exc.add_note(note)
    else:  # pragma: no cover - Python 3.10
        exc.__notes__ = [*getattr(exc, "__notes__", []), note]
    return exc


def iter_rows(column):
    """The rows of a text column as Python values (``str``, ``bytes``, nulls), lazily."""
    stream = column.stream
    while True:
        rows = stream.read_rows(_ROWS_PER_READ, column.null_value)
        if not rows:
            return
        yield from rows


def iter_samples(column, mode):
    """The rows of a column of lists as FeatureHasher samples (see ``_arrow.SAMPLE_*``),
    or of a text column as its values, lazily."""
    stream = column.stream
    while True:
        rows = stream.read_samples(_ROWS_PER_READ, mode, column.null_value)
        if not rows:
            return
        yield from rows
