# Authors: The fasthash developers
# SPDX-License-Identifier: BSD-3-Clause
"""The documents of ``fasthash hash``: input files read in bounded chunks.

Each input is a :class:`Source` that yields :class:`Chunk` objects (a list of ``str``
documents or an Arrow array, their labels, and the input bytes they cover), never holding
more than a chunk of a file in memory:

- ``.txt``: one document per line (a line ends with ``\\n`` or ``\\r\\n``, which are not part
  of the document); with ``whole_file``, the file is one document;
- ``.jsonl`` (or ``.ndjson``): one JSON object per line, the document in a field (blank
  lines are skipped);
- ``.csv``: a header row naming the columns, the document in a column (blank rows are
  skipped);
- ``.parquet``: the document column read as Arrow record batches (pyarrow, the ``arrow``
  extra);
- a directory: every regular file directly in it, in name order, is one document, read and
  decoded as ``HashingVectorizer(input='filename')`` does.

Text is decoded with ``encoding`` and ``decode_error`` exactly as scikit-learn decodes a
bytes document; a problem in an input raises :class:`InputError` naming the file and the
line.
"""

import codecs
import contextlib
import csv
import io
import json
import os
import sys
from dataclasses import dataclass

__all__ = [
    "Chunk",
    "InputError",
    "Source",
    "check_line_encoding",
    "import_pyarrow_parquet",
    "labels_array",
    "open_source",
]

_TEXT_SUFFIXES = (".txt",)
_JSONL_SUFFIXES = (".jsonl", ".ndjson")
_CSV_SUFFIXES = (".csv",)
_PARQUET_SUFFIXES = (".parquet", ".pq")
FORMATS = {
    **dict.fromkeys(_TEXT_SUFFIXES, "txt"),
    **dict.fromkeys(_JSONL_SUFFIXES, "jsonl"),
    **dict.fromkeys(_CSV_SUFFIXES, "csv"),
    **dict.fromkeys(_PARQUET_SUFFIXES, "parquet"),
}

_BLOCK_BYTES = 1 << 20  # bytes of a line-based input decoded at a time (plus a line)
_ARROW_HINT = 'reading Parquet needs pyarrow: pip install "fasthash[arrow]"'


class InputError(ValueError):
    """A problem in an input file (missing, malformed, lacking a field or column)."""


@dataclass
class Chunk:
    """Consecutive documents of one input.

    Attributes
    ----------
    docs : list of str or pyarrow.Array
        The documents.
    labels : list or None
        One label per document, or None when no labels are read.
    n_bytes : int
        The bytes of the input file these documents cover (for the progress bar).
    """

    docs: object
    labels: object
    n_bytes: int

    def __len__(self):
        return len(self.docs)


def import_pyarrow_parquet():
    """``pyarrow.parquet``, or InputError naming the extra that installs it."""
    try:
        import pyarrow.parquet as pq
    except ImportError as exc:
        raise InputError(_ARROW_HINT) from exc
    return pq


def check_line_encoding(encoding):
    """Raise InputError if ``encoding`` does not write ``\\n`` as the byte ``\\n``."""
    try:
        ok = codecs.encode("\n,\r", encoding) == b"\n,\r"
    except (UnicodeError, LookupError):
        ok = False
    if not ok:
        raise InputError(
            f"--encoding {encoding} cannot be read line by line (.txt, .jsonl and .csv "
            "inputs need an encoding that writes '\\n' as one byte, such as utf-8 or "
            "latin-1); use a directory or --whole-file for one document per file"
        )


def _decode_error(where, encoding, exc, offset=0):
    return InputError(
        f"{where}: cannot decode as {encoding}: {exc.reason} at byte {exc.start - offset} "
        "(see --encoding and --decode-error)"
    )


def _type_name(value):
    return "null" if value is None else type(value).__name__


class Source:
    """One input: what it is, its size, and its documents in chunks.

    Parameters
    ----------
    path : str
        The file or directory.
    kind : {'txt', 'jsonl', 'csv', 'parquet', 'dir'}
        How to read it (``'txt'`` with ``whole_file`` is one document per file).
    field : str or None
        The document's field (jsonl) or column (csv, parquet).
    label : str or None
        The label's field or column; None for no labels.
    encoding, decode_error : str
        How bytes are decoded (``bytes.decode(encoding, decode_error)``).
    whole_file : bool
        For ``.txt``: the file is one document.
    """

    def __init__(self, path, kind, *, field, label, encoding, decode_error, whole_file):
        self.path = path
        self.kind = kind
        self.field = field
        self.label = label
        self.encoding = encoding
        self.decode_error = decode_error
        self.whole_file = whole_file
        self.arrow_type = None  # the type of a Parquet document column
        self._files = None

    # -- checks made before anything is written -----------------------------------

    def check(self):
        """Check that the input can be read (exists, has the field or column asked)."""
        path = self.path
        if self.kind == "dir":
            self._files = sorted(
                entry.path
                for entry in os.scandir(path)
                if entry.is_file()  # follows symbolic links, as open() does
            )
            return
        if not os.path.isfile(path):
            raise InputError(f"{path}: not a file")
        if self.kind in ("jsonl", "csv") or (self.kind == "txt" and not self.whole_file):
            check_line_encoding(self.encoding)
        if self.kind == "csv":
            with self._csv_rows() as (rows, _):
                self._csv_columns(rows)
        elif self.kind == "parquet":
            pq = import_pyarrow_parquet()
            with _reading(path):
                try:
                    schema = pq.read_schema(path)
                except ValueError as exc:  # pyarrow's ArrowInvalid: not Parquet
                    raise InputError(f"{path}: cannot read as Parquet: {exc}") from None
            for role, name in (("--column", self.field), ("--label-column", self.label)):
                if name is not None and name not in schema.names:
                    raise InputError(
                        f"{path}: no column {name!r} ({role}); the columns are "
                        f"{', '.join(map(repr, schema.names))}"
                    )
            self.arrow_type = schema.field(self.field).type
            if not _is_text_type(self.arrow_type):
                raise InputError(
                    f"{path}: column {self.field!r} has type {self.arrow_type}; documents "
                    "need a string or binary column"
                )

    def size(self):
        """The bytes to read (the sum of the files' sizes for a directory)."""
        if self.kind == "dir":
            return sum(os.path.getsize(f) for f in self._files)
        return os.path.getsize(self.path)

    # -- reading --------------------------------------------------------------------

    def chunks(self, max_docs, max_bytes):
        """Yield the documents in chunks of at most ``max_docs`` documents and about
        ``max_bytes`` bytes of input (a longer document is a chunk of its own)."""
        if self.kind == "dir":
            return self._file_chunks(self._files, max_docs, max_bytes)
        if self.kind == "txt" and self.whole_file:
            return self._file_chunks([self.path], max_docs, max_bytes)
        read = {
            "txt": self._text_chunks,
            "jsonl": self._jsonl_chunks,
            "csv": self._csv_chunks,
            "parquet": self._parquet_chunks,
        }[self.kind]
        return read(max_docs, max_bytes)

    def _decode(self, raw, where):
        try:
            return raw.decode(self.encoding, self.decode_error)
        except UnicodeDecodeError as exc:
            raise _decode_error(where, self.encoding, exc) from None

    def _file_chunks(self, files, max_docs, max_bytes):
        docs, n_bytes = [], 0
        for name in files:
            with _reading(name), open(name, "rb") as fh:
                raw = fh.read()
            docs.append(self._decode(raw, name))
            n_bytes += len(raw)
            del raw
            if len(docs) >= max_docs or n_bytes >= max_bytes:
                yield Chunk(docs, None, n_bytes)
                docs, n_bytes = [], 0
        if docs:
            yield Chunk(docs, None, n_bytes)

    def _line_blocks(self, max_docs, max_bytes):
        """``(number of the first line, lines, bytes read)`` of a line-based input, in
        blocks of at most ``max_docs`` lines; a line ends with ``\n`` or ``\r\n``.

        The file is read and decoded a block of whole lines at a time (as decoding each
        line: ``\n`` is one byte in the encodings accepted, see check_line_encoding).
        """
        size = min(max_bytes, _BLOCK_BYTES)
        number = 1
        with _reading(self.path), open(self.path, "rb") as fh:
            while True:
                block = fh.read(size)
                if not block:
                    return
                if not block.endswith(b"\n"):
                    block += fh.readline()  # complete the last line
                try:
                    text = block.decode(self.encoding, self.decode_error)
                except UnicodeDecodeError as exc:
                    line = number + block.count(b"\n", 0, exc.start)
                    line_start = block.rfind(b"\n", 0, exc.start) + 1
                    where = f"{self.path}:{line}"
                    raise _decode_error(where, self.encoding, exc, line_start) from None
                if "\r" in text:
                    text = text.replace("\r\n", "\n")
                lines = text.split("\n")
                if text.endswith("\n"):
                    lines.pop()
                n_bytes = len(block)
                for at in range(0, len(lines), max_docs):
                    part = lines[at : at + max_docs]
                    yield number + at, part, n_bytes
                    n_bytes = 0
                number += len(lines)

    def _text_chunks(self, max_docs, max_bytes):
        for _, lines, n_bytes in self._line_blocks(max_docs, max_bytes):
            yield Chunk(lines, None, n_bytes)

    def _jsonl_chunks(self, max_docs, max_bytes):
        for first, lines, n_bytes in self._line_blocks(max_docs, max_bytes):
            docs = []
            labels = None if self.label is None else []
            for number, line in enumerate(lines, first):
                if not line or line.isspace():
                    continue
                where = f"{self.path}:{number}"
                try:
                    record = json.loads(line)
                except json.JSONDecodeError as exc:
                    raise InputError(f"{where}: malformed JSON: {exc}") from None
                if not isinstance(record, dict):
                    raise InputError(f"{where}: expected a JSON object, got {_json_kind(record)}")
                docs.append(self._field(record, self.field, "--field", where))
                if labels is not None:
                    labels.append(_label(record.get(self.label, _MISSING), self.label, where))
            yield Chunk(docs, labels, n_bytes)

    def _field(self, record, name, option, where):
        try:
            value = record[name]
        except KeyError:
            raise InputError(f"{where}: no field {name!r} ({option})") from None
        if not isinstance(value, str):
            raise InputError(f"{where}: field {name!r} is {_json_kind(value)}, expected a string")
        return value

    @contextlib.contextmanager
    def _csv_rows(self):
        """A csv reader over the decoded file, and the binary file under it."""
        with _reading(self.path):
            raw = open(self.path, "rb")  # noqa: SIM115 - closed by the text wrapper
        text = io.TextIOWrapper(raw, self.encoding, self.decode_error, newline="")
        with text, _csv_field_limit():
            yield csv.reader(text), raw

    def _csv_columns(self, rows):
        """Read the header: the indices of the document and label columns."""
        try:
            header = next(rows)
        except StopIteration:
            raise InputError(f"{self.path}: empty CSV file, expected a header row") from None
        indices = []
        for role, name in (("--column", self.field), ("--label-column", self.label)):
            if name is None:
                indices.append(None)
            elif name not in header:
                raise InputError(
                    f"{self.path}: no column {name!r} ({role}); the header has "
                    f"{', '.join(map(repr, header))}"
                )
            else:
                indices.append(header.index(name))
        return indices

    def _csv_chunks(self, max_docs, max_bytes):
        docs, labels = [], ([] if self.label is not None else None)
        with self._csv_rows() as (rows, raw):
            try:
                column, label = self._csv_columns(rows)
                need = max(i for i in (column, label) if i is not None)
                position = raw.tell()
                for row in rows:
                    if not row:
                        continue  # a blank line
                    if len(row) <= need:
                        raise InputError(
                            f"{self.path}:{rows.line_num}: {len(row)} field(s), expected "
                            f"at least {need + 1}"
                        )
                    docs.append(row[column])
                    if labels is not None:
                        labels.append(row[label])
                    if len(docs) >= max_docs or raw.tell() - position >= max_bytes:
                        yield Chunk(docs, labels, raw.tell() - position)
                        position = raw.tell()
                        docs = []
                        labels = [] if labels is not None else None
                if docs:
                    yield Chunk(docs, labels, raw.tell() - position)
            except csv.Error as exc:
                raise InputError(f"{self.path}:{rows.line_num}: malformed CSV: {exc}") from None
            except UnicodeDecodeError as exc:
                raise _decode_error(
                    f"{self.path}, after line {rows.line_num}", self.encoding, exc
                ) from None

    def _parquet_chunks(self, max_docs, max_bytes):
        pq = import_pyarrow_parquet()
        with _reading(self.path):
            parquet = pq.ParquetFile(self.path)
        with contextlib.closing(parquet):
            total_rows = max(parquet.metadata.num_rows, 1)
            size, done, first_row = os.path.getsize(self.path), 0, 0
            columns = [self.field] if self.label is None else [self.field, self.label]
            for batch in parquet.iter_batches(batch_size=max_docs, columns=columns):
                labels = None
                if self.label is not None:
                    values = batch.column(self.label).to_pylist()
                    labels = [
                        _label(v, self.label, f"{self.path}, row {first_row + i}")
                        for i, v in enumerate(values)
                    ]
                docs = batch.column(self.field)
                if docs.null_count:
                    row = first_row + docs.is_null().to_pylist().index(True)
                    raise InputError(
                        f"{self.path}, row {row}: null in column {self.field!r}, expected "
                        "a document"
                    )
                first_row += batch.num_rows
                n_bytes = size * first_row // total_rows - done
                done += n_bytes
                yield Chunk(docs, labels, n_bytes)


_MISSING = object()


def _label(value, name, where):
    """Check a label value read from JSON or Arrow: a string, number or bool."""
    if value is _MISSING:
        raise InputError(f"{where}: no label field {name!r} (--label-field)")
    if not isinstance(value, (str, int, float)):
        raise InputError(
            f"{where}: the label {name!r} is {_json_kind(value)}, expected a string, "
            "a number or a bool"
        )
    return value


def _json_kind(value):
    kinds = {
        dict: "an object",
        list: "an array",
        str: "a string",
        bool: "a bool",
        int: "a number",
        float: "a number",
    }
    return "null" if value is None else kinds.get(type(value), _type_name(value))


def labels_array(labels, infer_numbers):
    """The labels as a numpy array that ``np.load`` reads without pickle.

    Parameters
    ----------
    labels : list of str, int, float or bool
        One per document.
    infer_numbers : bool
        Read strings (CSV values) as integers, or else as floats, when they all are.

    Returns
    -------
    y : ndarray of shape (n_documents,)
        int64, float64 or bool for numbers; a unicode string array for strings.
    """
    import numpy as np

    strings = [isinstance(v, str) for v in labels]
    if all(strings):
        if infer_numbers and labels:
            for parse in (int, float):
                try:
                    return np.asarray([parse(v) for v in labels])
                except ValueError:
                    pass
        return np.asarray(labels, dtype=str) if labels else np.asarray([], dtype=str)
    if any(strings):
        i = strings.index(False) if strings[0] else strings.index(True)
        raise InputError(
            f"labels mix strings and numbers (label 0 is {labels[0]!r}, label {i} is {labels[i]!r})"
        )
    return np.asarray(labels)


def _is_text_type(arrow_type):
    import pyarrow as pa

    if pa.types.is_dictionary(arrow_type):
        arrow_type = arrow_type.value_type
    checks = ("is_string", "is_large_string", "is_string_view", "is_binary", "is_large_binary")
    return any(getattr(pa.types, name, lambda t: False)(arrow_type) for name in checks)


@contextlib.contextmanager
def _reading(path):
    """Turn an OSError while opening or reading ``path`` into InputError."""
    try:
        yield
    except FileNotFoundError:
        raise InputError(f"{path}: no such file") from None
    except OSError as exc:
        raise InputError(f"{path}: {exc.strerror or exc}") from None


@contextlib.contextmanager
def _csv_field_limit():
    """Let a CSV field hold a document of any length while reading."""
    previous = csv.field_size_limit(sys.maxsize if sys.maxsize < 2**63 else 2**63 - 1)
    try:
        yield
    finally:
        csv.field_size_limit(previous)


def open_source(
    path, *, field, label_field, column, label_column, encoding, decode_error, whole_file
):
    """The :class:`Source` reading ``path``, chosen by its suffix (or a directory).

    Raises
    ------
    InputError
        If the path does not exist, its kind is unknown, or an option it needs is missing.
    """
    if os.path.isdir(path):
        kind = "dir"
    elif not os.path.exists(path):
        raise InputError(f"{path}: no such file or directory")
    else:
        suffix = os.path.splitext(path)[1].lower()
        kind = FORMATS.get(suffix)
        if kind is None:
            raise InputError(
                f"{path}: unknown input format {suffix or '(no suffix)'!r}; expected "
                f"{', '.join(sorted(FORMATS))} or a directory"
            )
    if kind == "jsonl":
        if field is None:
            raise InputError(f"{path}: a .jsonl input needs --field NAME")
        field_name, label = field, label_field
    elif kind in ("csv", "parquet"):
        if column is None:
            raise InputError(f"{path}: a .{kind} input needs --column NAME")
        field_name, label = column, label_column
    else:
        field_name, label = None, None
    if (label_field is not None or label_column is not None) and label is None:
        if kind == "jsonl":
            raise InputError(f"{path}: labels of a .jsonl input need --label-field NAME")
        if kind in ("csv", "parquet"):
            raise InputError(f"{path}: labels of a .{kind} input need --label-column NAME")
        what = "a directory" if kind == "dir" else "a .txt input"
        raise InputError(f"{path}: {what} has no labels (--label-field, --label-column)")
    return Source(
        path,
        kind,
        field=field_name,
        label=label,
        encoding=encoding,
        decode_error=decode_error,
        whole_file=whole_file,
    )
