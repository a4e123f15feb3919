# Authors: The fasthash developers
# SPDX-License-Identifier: BSD-3-Clause
"""``fasthash hash INPUT... -o OUTPUT``: hash the documents of files into a sparse matrix.

The inputs (:mod:`fasthash._hash_inputs`) are read in chunks, hashed by one
:class:`fasthash.HashingVectorizer` built from the options, and written
(:mod:`fasthash._hash_outputs`):

- ``.npz``: the documents of every input, in order, stream through one ``transform`` call
  (which reads them in bounded batches), so the matrix is exactly
  ``HashingVectorizer(...).transform(documents)``, index dtypes included; memory is a
  batch plus the output. Parquet columns stay Arrow (one stream of record batches) when
  every input is Parquet with one column type.
- svmlight: each chunk is hashed and written before the next is read; memory is a chunk.

A progress bar (``tqdm.auto``) shows on stderr when it is a terminal. Problems in an input
exit with status 1 and a message naming the file and line, usage errors with status 2;
nothing partial is left behind.
"""

import argparse
import codecs
import itertools
import os
import sys

from fasthash._hash_inputs import InputError, labels_array, open_source
from fasthash._hash_outputs import (
    AtomicFiles,
    SvmlightWriter,
    labels_path,
    svmlight_label,
    write_npz,
)
from fasthash.cli import _parse_n_jobs, _positive_int
from fasthash.utils._progress import progress_bar

__all__ = ["add_hash_parser", "run_hash"]

_MAX_CHUNK_BYTES = 1 << 25  # input bytes read per chunk, at most (about; 32 MiB)
_OUTPUT_FORMATS = {
    ".npz": "npz",
    ".svm": "svmlight",
    ".svmlight": "svmlight",
    ".libsvm": "svmlight",
}


class _UsageError(Exception):
    """An option value that cannot work (exit status 2)."""


def _encoding(text):
    try:
        return codecs.lookup(text).name
    except LookupError:
        raise argparse.ArgumentTypeError(f"unknown encoding {text!r}") from None


def add_hash_parser(subparsers):
    """Add the ``hash`` subcommand to the ``fasthash`` parser's ``subparsers``."""
    parser = subparsers.add_parser(
        "hash",
        help="hash documents from files into a sparse matrix (.npz or svmlight)",
        description=(
            "Hash the documents of INPUT files with fasthash's HashingVectorizer (its "
            "parameters are the options below, with the same defaults) and write the "
            "sparse matrix to OUTPUT: one row per document, inputs in the order given. "
            "The output equals HashingVectorizer(...).transform(documents) bit for bit."
        ),
        epilog=(
            "Inputs, by suffix: .txt (one document per line, or per file with "
            "--whole-file), .jsonl/.ndjson (one JSON object per line, the document in "
            "--field), .csv (with a header row, the document in --column), .parquet/.pq "
            '(--column; needs pip install "fasthash[arrow]"), a directory (every file '
            "in it is one document, as with input='filename'). Outputs: .npz "
            "(scipy.sparse.load_npz; the labels of X.npz in X.labels.npy, read with "
            "numpy.load) or .svm/.svmlight/.libsvm (sklearn.datasets.load_svmlight_file("
            "OUTPUT, n_features=N, zero_based=True); label 0 when there are none). Exit "
            "status: 0 on success, 1 for a problem in an input (named with its file and "
            "line), 2 for a usage error, 130 when interrupted; a failed run leaves no "
            "output behind. Example: fasthash hash reviews.jsonl --field text "
            "--label-field stars --ngram-range 1 2 -o X.npz"
        ),
    )
    parser.add_argument(
        "inputs",
        nargs="+",
        metavar="INPUT",
        help="files (.txt, .jsonl, .ndjson, .csv, .parquet, .pq) or directories",
    )
    parser.add_argument(
        "-o",
        "--output",
        required=True,
        metavar="OUTPUT",
        help="the file to write: .npz, or .svm/.svmlight/.libsvm",
    )

    source = parser.add_argument_group("reading the inputs")
    source.add_argument(
        "--field", metavar="NAME", help="the JSON field holding the document (.jsonl)"
    )
    source.add_argument(
        "--column", metavar="NAME", help="the column holding the document (.csv, .parquet)"
    )
    source.add_argument(
        "--label-field", metavar="NAME", help="the JSON field holding the label (.jsonl)"
    )
    source.add_argument(
        "--label-column", metavar="NAME", help="the column holding the label (.csv, .parquet)"
    )
    source.add_argument(
        "--whole-file",
        action="store_true",
        help="a .txt file is one document (default: one per line)",
    )
    source.add_argument(
        "--encoding",
        type=_encoding,
        default="utf-8",
        metavar="ENC",
        help="encoding of the input text (default: utf-8)",
    )
    source.add_argument(
        "--decode-error",
        choices=("strict", "ignore", "replace"),
        default="strict",
        help="what to do with bytes that do not decode (default: strict, an error)",
    )

    hashing = parser.add_argument_group("hashing (HashingVectorizer's parameters)")
    hashing.add_argument(
        "--n-features",
        type=_positive_int,
        default=2**20,
        metavar="N",
        help="number of columns (default: 1048576 = 2**20)",
    )
    hashing.add_argument(
        "--analyzer",
        choices=("word", "char", "char_wb"),
        default="word",
        help="features made of words or of character n-grams (default: word)",
    )
    hashing.add_argument(
        "--ngram-range",
        nargs=2,
        type=_positive_int,
        default=(1, 1),
        metavar=("MIN", "MAX"),
        help="lengths of the n-grams, from MIN to MAX (default: 1 1)",
    )
    hashing.add_argument(
        "--no-lowercase",
        dest="lowercase",
        action="store_false",
        help="keep upper case (default: lowercase the text)",
    )
    hashing.add_argument(
        "--strip-accents",
        choices=("ascii", "unicode"),
        default=None,
        help="remove accents (default: keep them)",
    )
    hashing.add_argument(
        "--stop-words",
        choices=("english",),
        default=None,
        help="drop scikit-learn's English stop words (default: keep all words)",
    )
    hashing.add_argument(
        "--token-pattern",
        default=r"(?u)\b\w\w+\b",
        metavar="REGEX",
        help="what a word is, for --analyzer word (default: "
        r"'(?u)\b\w\w+\b', two or more word characters)",
    )
    hashing.add_argument(
        "--norm",
        choices=("l2", "l1", "none"),
        default="l2",
        help="normalise each row (default: l2)",
    )
    hashing.add_argument(
        "--binary", action="store_true", help="1 for a feature present, whatever its count"
    )
    hashing.add_argument(
        "--no-alternate-sign",
        dest="alternate_sign",
        action="store_false",
        help="all values positive (default: the sign comes from the hash)",
    )
    hashing.add_argument(
        "--dtype",
        choices=("float64", "float32"),
        default="float64",
        help="type of the values (default: float64)",
    )
    hashing.add_argument(
        "--n-jobs",
        type=_parse_n_jobs,
        default=None,
        metavar="N",
        help="threads: None/all = every usable CPU (default), k > 0 = k, "
        "-k = all but k-1; the output never depends on it",
    )

    output = parser.add_argument_group("writing")
    output.add_argument(
        "--output-format",
        choices=("npz", "svmlight"),
        default=None,
        help="the output format (default: from OUTPUT's suffix)",
    )
    output.add_argument(
        "--compress",
        action="store_true",
        help=".npz: compress the arrays (smaller, slower to write)",
    )
    output.add_argument(
        "--batch-size",
        type=_positive_int,
        default=10_000,
        metavar="N",
        help="documents read at a time (default: 10000); svmlight output "
        "is written a batch at a time",
    )
    output.add_argument("-q", "--quiet", action="store_true", help="no progress bar and no summary")
    parser.set_defaults(handler=run_hash)
    return parser


def _vectorizer(args):
    """The HashingVectorizer of the options, its parameters checked."""
    import numpy as np

    from fasthash import HashingVectorizer

    vectorizer = HashingVectorizer(
        encoding=args.encoding,
        decode_error=args.decode_error,
        strip_accents=args.strip_accents,
        lowercase=args.lowercase,
        stop_words=args.stop_words,
        token_pattern=args.token_pattern,
        ngram_range=tuple(args.ngram_range),
        analyzer=args.analyzer,
        n_features=args.n_features,
        binary=args.binary,
        norm=None if args.norm == "none" else args.norm,
        alternate_sign=args.alternate_sign,
        dtype=np.dtype(args.dtype).type,
        n_jobs=args.n_jobs,
    )
    try:
        vectorizer.fit([])  # scikit-learn's parameter checks and messages
    except (ValueError, TypeError) as exc:
        raise _UsageError(str(exc)) from None
    return vectorizer


def _output_format(args):
    if args.output_format is not None:
        return args.output_format
    suffix = os.path.splitext(args.output)[1].lower()
    try:
        return _OUTPUT_FORMATS[suffix]
    except KeyError:
        raise _UsageError(
            f"cannot tell the output format from {args.output!r}: name it .npz, .svm, "
            ".svmlight or .libsvm, or pass --output-format"
        ) from None


class _Run:
    """The state of one run: sources, progress, labels, counts."""

    def __init__(self, args, sources, bar, collect_labels):
        self.args = args
        self.sources = sources
        self.bar = bar
        self.n_docs = 0
        # all of the labels, for the .npz sidecar (svmlight writes them chunk by chunk)
        self.labels = [] if collect_labels and sources[0].label is not None else None
        self.error = None  # an input's error met while Arrow batches were streamed

    def chunks(self):
        """Every input's chunks, in order, counted and shown on the bar."""
        for source in self.sources:
            for chunk in source.chunks(self.args.batch_size, _MAX_CHUNK_BYTES):
                if self.bar is not None:
                    self.bar.update(chunk.n_bytes)
                if not len(chunk):
                    continue  # only blank lines
                self.n_docs += len(chunk)
                if self.labels is not None:
                    self.labels.extend(chunk.labels)
                if self.bar is not None:
                    self.bar.set_postfix_str(f"{self.n_docs:,} docs")
                yield source, chunk

    def documents(self):
        """All documents for one ``transform``: an Arrow stream when every input is
        Parquet with one column type, else Python strings."""
        types = {source.arrow_type for source in self.sources}
        if None not in types and len(types) == 1:
            import pyarrow as pa

            schema = pa.schema([("document", types.pop())])
            return pa.RecordBatchReader.from_batches(schema, self._record_batches(schema))
        return self._strings()

    def _record_batches(self, schema):
        import pyarrow as pa

        try:
            for _, chunk in self.chunks():
                yield pa.record_batch([chunk.docs], schema=schema)
        except (InputError, OSError) as exc:  # raised after transform: pyarrow wraps it
            self.error = exc

    def _strings(self):
        lists = (
            chunk.docs if isinstance(chunk.docs, list) else chunk.docs.to_pylist()
            for _, chunk in self.chunks()
        )
        return itertools.chain.from_iterable(lists)


def run_hash(args, err=None):
    """Implement ``fasthash hash``; return the exit status."""
    err = sys.stderr if err is None else err
    try:
        vectorizer = _vectorizer(args)
        out_format = _output_format(args)
        if args.compress and out_format != "npz":
            raise _UsageError("--compress applies to .npz output only")
    except _UsageError as exc:
        print(f"fasthash hash: error: {exc}", file=err)
        return 2
    bar = None
    try:
        sources = [
            open_source(
                path,
                field=args.field,
                label_field=args.label_field,
                column=args.column,
                label_column=args.label_column,
                encoding=args.encoding,
                decode_error=args.decode_error,
                whole_file=args.whole_file,
            )
            for path in args.inputs
        ]
        for source in sources:
            source.check()
        total = sum(source.size() for source in sources)
        enabled = not args.quiet and err.isatty()
        bar = progress_bar(
            total, enabled, "fasthash hash", unit="B", unit_scale=True, unit_divisor=1000
        )
        run = _Run(args, sources, bar, collect_labels=out_format == "npz")
        with AtomicFiles() as files:
            if out_format == "npz":
                summary = _write_npz(run, vectorizer, files)
            else:
                summary = _write_svmlight(run, vectorizer, files)
    except (InputError, OSError) as exc:
        _close(bar)
        print(f"fasthash hash: error: {exc}", file=err)
        return 1
    except (ValueError, TypeError) as exc:  # raised by transform for a document
        _close(bar)
        notes = "".join(f"\n  {note}" for note in getattr(exc, "__notes__", ()))
        print(f"fasthash hash: error: {type(exc).__name__}: {exc}{notes}", file=err)
        return 1
    except BaseException:
        _close(bar)
        raise
    _close(bar)
    if not args.quiet:
        print(f"fasthash hash: {summary}", file=err)
    return 0


def _close(bar):
    if bar is not None:
        bar.close()


def _no_documents(args):
    return InputError(f"no documents in {', '.join(args.inputs)}")


def _write_npz(run, vectorizer, files):
    import numpy as np

    fh = files.open(run.args.output)
    try:
        X = vectorizer.transform(run.documents())
    except InputError:
        raise
    except ValueError:
        if run.error is not None:
            raise run.error from None
        if run.n_docs == 0:  # scikit-learn's "Cannot vectorize empty sequence."
            raise _no_documents(run.args) from None
        raise
    if run.error is not None:
        raise run.error
    write_npz(fh, X, run.args.compress)
    summary = (
        f"wrote {run.args.output}: {X.shape[0]} documents x {X.shape[1]} features, "
        f"{X.nnz} non-zeros"
    )
    if run.labels is not None:
        infer = any(source.kind == "csv" for source in run.sources)
        y = labels_array(run.labels, infer_numbers=infer)
        path = labels_path(run.args.output)
        np.save(files.open(path), y, allow_pickle=False)
        summary += f"; labels ({y.dtype}) in {path}"
    return summary


def _write_svmlight(run, vectorizer, files):
    from fasthash import __version__

    writer = SvmlightWriter(
        files.open(run.args.output), vectorizer.n_features, f"fasthash {__version__} hash"
    )
    nnz = 0
    done = {}  # documents written per input
    for source, chunk in run.chunks():
        X = vectorizer.transform(chunk.docs)
        first = done.get(source.path, 0)
        if chunk.labels is None:
            labels = ["0"] * X.shape[0]
        else:
            labels = [
                svmlight_label(value, f"{source.path}, document {first + i}")
                for i, value in enumerate(chunk.labels)
            ]
        writer.write(X, labels)
        nnz += X.nnz
        done[source.path] = first + X.shape[0]
    if run.n_docs == 0:
        raise _no_documents(run.args)
    return (
        f"wrote {run.args.output}: {run.n_docs} documents x {vectorizer.n_features} "
        f"features, {nnz} non-zeros"
    )
