# Authors: The fasthash developers
# SPDX-License-Identifier: BSD-3-Clause
"""Drop-in replacement for :class:`sklearn.feature_extraction.text.HashingVectorizer`."""

import codecs
import functools
import numbers
import unicodedata

import numpy as np
import scipy.sparse as sp
from sklearn.feature_extraction import text as _sk_text
from sklearn.preprocessing import normalize

from fasthash._lib import _arrow as _arrow_lib
from fasthash._lib import _cancel, _hashing
from fasthash.feature_extraction._arrow import add_row_note, arrow_column, iter_rows
from fasthash.feature_extraction._interruptible import in_main_thread, run_interruptibly
from fasthash.feature_extraction._token_pattern import token_scanner
from fasthash.utils._sklearn_compat import (
    InvalidParameterError,
    NJobs,
    align_api_if_sparse,
    parameter_constraints,
    validate_ngram_range,
)
from fasthash.utils._threads import effective_n_jobs

__all__ = ["HashingVectorizer", "python_analysis_reason"]

_DEFAULT_TOKEN_PATTERN = r"(?u)\b\w\w+\b"

_N_FEATURES_MAX = 2**31 - 1
# Above this many entries (before duplicates are summed) the output gets int64 indices, as
# scikit-learn's (a module constant so tests can lower it).
_INT32_MAX = int(np.iinfo(np.int32).max)
# A batch is bounded in documents and in code units (features count 16 units each): it
# bounds the memory beyond the output and the time between two checks for Ctrl-C. The
# core reuses one batch's buffers for the next, so smaller batches also touch less fresh
# memory (about 8% faster on English text than 4M units), while keeping about 16 chunks
# of work per batch for the threads. The units bind on most text; the document bound is
# for short documents, where a batch is one job for the thread pool: 8192 lines of ~50
# bytes made four chunks of work per batch (1M lines, n_jobs=None: pyarrow array 128 ->
# 103 ms, list 139 -> 123 ms with 65536).
_BATCH_MAX_DOCS = 1 << 16
_BATCH_MAX_UNITS = 1 << 21
# A batch whose estimated work (code units times n-gram lengths, see _Plan.work_per_unit)
# exceeds this runs on fasthash's kernel thread while the main thread waits for it
# interruptibly: Ctrl-C then cancels the kernel within milliseconds, even inside one huge
# document. A smaller batch (tens of milliseconds at most) runs on the calling thread, which
# sees Ctrl-C between two batches, without the hand-off (tens of microseconds).
_INTERRUPTIBLE_WORK = 1 << 22
# n-gram lengths below this are analysed in Python (sklearn would emit ~N - min_n empty
# strings per document: a configuration for tests, not for speed).
_MIN_NATIVE_MIN_N = -(1 << 16)
# n-gram lengths above this are clipped to it: no text is that long, so an n-gram of this
# length or more never fits, exactly as with the requested length (and both ends of the
# range fit the core's int64).
_MAX_NGRAM_N = 1 << 62
_NORMS = {None: _hashing.NORM_NONE, "l1": _hashing.NORM_L1, "l2": _hashing.NORM_L2}
_STRIP = {"unicode": 1, "ascii": 2}  # C's strip_accents modes
_ANALYZERS = {
    "word": _hashing.ANALYZER_WORD,
    "char": _hashing.ANALYZER_CHAR,
    "char_wb": _hashing.ANALYZER_CHAR_WB,
}
_UNICODE_MATCHES = _hashing.unicode_version() == unicodedata.unidata_version
# The core's code paths (_hashing.PATHS_*): the fastest the CPU allows. Tests set the
# baseline-ISA or reference paths here to compare them with scikit-learn too.
_KERNEL_PATHS = _hashing.PATHS_FASTEST


class HashingVectorizer(_sk_text.HashingVectorizer, auto_wrap_output_keys=None):
    r"""Convert text documents to a matrix of hashed token occurrences, on every core.

    A drop-in replacement for :class:`sklearn.feature_extraction.text.HashingVectorizer`:
    same parameters, defaults and methods, and output equal to scikit-learn's in every bit
    (container, shape, dtypes, indices, explicit zeros, values), with the same exceptions.
    The work runs in C with the GIL released, on ``n_jobs`` threads.

    The word analyzer with a ``token_pattern`` of the subset the core scans (one character
    atom repeated greedily, optional ``\b`` at either end, leading inline flags: the
    default, ``\S+``, ``(?u)\b[a-zA-Z]{2,}\b``, ``\b\w{3,}\b``, ``[^\W\d_]+``, ``\d+``,
    ``(?i)\b[a-z]{2,}\b``, ...), the character analyzers ``'char'`` and ``'char_wb'``, and
    ``strip_accents`` ``'unicode'`` and ``'ascii'`` are analysed natively, with any
    ``lowercase``, ``stop_words``, ``ngram_range``, ``binary``, ``norm``,
    ``alternate_sign``, ``n_features``, ``dtype`` and ``input``. Other configurations
    (other token patterns, callables) are analysed by scikit-learn's Python code, lazily
    and in document order, and hashed in C: the output is the same.
    :func:`python_analysis_reason` tells which applies.

    Parameters
    ----------
    input : {'filename', 'file', 'content'}, default='content'
        As in scikit-learn.
    encoding : str, default='utf-8'
        Encoding used to decode bytes documents.
    decode_error : {'strict', 'ignore', 'replace'}, default='strict'
        What to do with bytes that cannot be decoded.
    strip_accents : {'ascii', 'unicode'} or callable, default=None
        Accent removal during preprocessing.
    lowercase : bool, default=True
        Convert characters to lowercase (full Unicode case mapping) before tokenizing.
    preprocessor : callable, default=None
        Overrides the preprocessing (lowercasing, accent stripping) stage.
    tokenizer : callable, default=None
        Overrides the tokenization stage.
    stop_words : {'english'}, list, default=None
        Words removed from the tokens (only with ``analyzer='word'``).
    token_pattern : str or None, default=r"(?u)\\b\\w\\w+\\b"
        Regular expression denoting a token.
    ngram_range : tuple (min_n, max_n), default=(1, 1)
        Range of n-gram lengths.
    analyzer : {'word', 'char', 'char_wb'} or callable, default='word'
        Whether features are word or character n-grams.
    n_features : int, default=2**20
        Number of columns of the output.
    binary : bool, default=False
        If True, every non-zero count (and every explicit zero) is set to 1.
    norm : {'l1', 'l2'}, default='l2'
        Row normalisation; None for none.
    alternate_sign : bool, default=True
        Add an alternating sign to the features (sign of the hash).
    dtype : type, default=np.float64
        Type of the output values.
    n_jobs : int, default=None
        Threads used by ``transform``: None means every CPU this process may use (its
        affinity mask, within ``OMP_NUM_THREADS`` and threadpoolctl limits), ``k > 0``
        ``k`` (never more than the usable CPUs), ``-1`` all CPUs, ``-k`` all but
        ``k - 1``. The output never depends on it.

    See Also
    --------
    sklearn.feature_extraction.text.HashingVectorizer : The reference implementation.
    python_analysis_reason : Whether a configuration's documents are analysed natively.

    Notes
    -----
    Deliberate differences from scikit-learn, each where scikit-learn crashes or raises an
    odd error, are listed on the :doc:`/differences` page of the documentation: ``n_features=0`` raises a
    ``ValueError`` (scikit-learn dies with SIGFPE) and an empty input raises
    ``ValueError("Cannot vectorize empty sequence.")`` (scikit-learn: a bare
    ``StopIteration``).

    Examples
    --------
    >>> from fasthash import HashingVectorizer
    >>> corpus = [
    ...     'This is the first document.',
    ...     'This document is the second document.',
    ...     'And this is the third one.',
    ...     'Is this the first document?',
    ... ]
    >>> vectorizer = HashingVectorizer(n_features=2**4, n_jobs=2)
    >>> X = vectorizer.fit_transform(corpus)
    >>> print(X.shape)
    (4, 16)
    """

    _parameter_constraints: dict = {
        **parameter_constraints(_sk_text.HashingVectorizer),
        "n_jobs": [NJobs(), None],
    }

    def __init__(
        self,
        *,
        input="content",
        encoding="utf-8",
        decode_error="strict",
        strip_accents=None,
        lowercase=True,
        preprocessor=None,
        tokenizer=None,
        stop_words=None,
        token_pattern=r"(?u)\b\w\w+\b",
        ngram_range=(1, 1),
        analyzer="word",
        n_features=(2**20),
        binary=False,
        norm="l2",
        alternate_sign=True,
        dtype=np.float64,
        n_jobs=None,
    ):
        super().__init__(
            input=input,
            encoding=encoding,
            decode_error=decode_error,
            strip_accents=strip_accents,
            lowercase=lowercase,
            preprocessor=preprocessor,
            tokenizer=tokenizer,
            stop_words=stop_words,
            token_pattern=token_pattern,
            ngram_range=ngram_range,
            analyzer=analyzer,
            n_features=n_features,
            binary=binary,
            norm=norm,
            alternate_sign=alternate_sign,
            dtype=dtype,
        )
        self.n_jobs = n_jobs

    def transform(self, X):
        """Transform a sequence of documents to a document-term matrix.

        Parameters
        ----------
        X : iterable over raw text documents, or an Arrow column, length = n_samples
            Samples. Each sample must be a text document (either bytes or unicode
            strings, file name or file object depending on the constructor argument)
            which will be tokenized and hashed. Any iterable works, including a
            generator of any length: it is consumed once, in batches.

            A column whose data are Arrow already -- a pyarrow ``Array``,
            ``ChunkedArray`` or one-column ``Table``/``RecordBatch``/reader, a pandas
            Series of an Arrow-backed dtype (pandas 3's ``str``, ``string[pyarrow]``,
            ``ArrowDtype``, a categorical of those), a polars Series, or anything that
            exports the Arrow PyCapsule interface -- is read in place: its UTF-8 bytes
            (``string``, ``large_string``, ``string_view``, dictionary-encoded) or its
            bytes (``binary`` types, decoded as bytes documents) are analysed with no
            Python object per document and without the GIL. The result is the same as
            for the list of the column's values (``to_pylist()``, ``list(series)``); a
            null raises the error that value raises, with a note naming the row. Other
            objects, pandas ``object`` Series and DataFrames included, are iterated.

        Returns
        -------
        X : sparse matrix of shape (n_samples, n_features)
            Document-term matrix (``csr_matrix``, or ``csr_array`` under scikit-learn's
            ``sparse_interface="sparray"``).

        Examples
        --------
        >>> from fasthash import HashingVectorizer
        >>> HashingVectorizer(n_features=8).transform(["a bb bb", "ccc"]).toarray()
        array([[0., 0., 0., 0., 0., 0., 0., 1.],
               [1., 0., 0., 0., 0., 0., 0., 0.]])

        An Arrow column gives the same rows as the list of its values:

        >>> import pyarrow as pa
        >>> HashingVectorizer(n_features=8).transform(pa.array(["a bb bb", "ccc"])).toarray()
        array([[0., 0., 0., 0., 0., 0., 0., 1.],
               [1., 0., 0., 0., 0., 0., 0., 0.]])
        """
        if isinstance(X, str):
            raise ValueError(
                "Iterable over raw text documents expected, string object received."
            )
        validate_ngram_range(self)
        plan = _Plan(self)
        column = self._arrow_column(X)
        if plan.sklearn_only:
            return self._sklearn_transform(X if column is None else iter_rows(column))
        analyzer = self.build_analyzer()  # scikit-learn's side effects, warnings and errors
        prepare = plan.preparer(self, analyzer)
        if prepare is None:  # pragma: no cover - a future scikit-learn's analyzer
            return self._sklearn_transform(X if column is None else iter_rows(column))
        n_threads = effective_n_jobs(self.n_jobs, type(self).__name__)

        next_batch = plan.batches(self, X, column, prepare)

        builder = _hashing.CSRBuilder(plan.options)
        cancel = _cancel.Cancel()
        interruptible = in_main_thread()
        while True:
            batch = next_batch()
            if batch.n_docs:
                long_batch = batch.units * plan.work_per_unit > _INTERRUPTIBLE_WORK
                run = run_interruptibly if interruptible and long_batch else None
                try:
                    builder.append(batch, plan.options, n_threads, cancel, run)
                except _hashing.SurrogateFeatureError as exc:
                    plan.raise_encode_error(batch.text(exc.row), exc)
                except _hashing.UTF8DecodeError as exc:
                    _raise_decode_error(batch, exc)
            exhausted = batch.exhausted
            error, error_row = batch.error, batch.error_row
            del batch  # release the documents of this batch before the next one is read
            if error is not None:  # an Arrow row, once the rows before it are hashed
                raise add_row_note(error, error_row)
            if exhausted:
                break
        if builder.n_rows == 0:
            raise ValueError("Cannot vectorize empty sequence.")
        n_raw = builder.raw
        return plan.finish(*builder.finish(), n_raw)

    def _arrow_column(self, X):
        """X's Arrow text column (see ``_arrow.arrow_column``), or None: the iterable
        path (any other input, or an Arrow column of another type)."""
        column = arrow_column(X)
        if column is None:
            return None
        column.check_not_table(type(self).__name__)
        if column.kind not in (_arrow_lib.TEXT, _arrow_lib.BYTES):
            return None
        return column

    def _sklearn_transform(self, X):
        """scikit-learn's own transform, for configurations fasthash leaves to it."""
        try:
            return super().transform(X)
        except StopIteration:  # scikit-learn leaks a bare StopIteration on empty input
            raise ValueError("Cannot vectorize empty sequence.") from None


def python_analysis_reason(vectorizer):
    r"""Why a vectorizer's documents would be analysed in Python, or None if in C.

    fasthash analyses the documents (preprocessing, tokenizing, n-grams) of most
    configurations natively, in C, on ``n_jobs`` threads. The others are analysed by
    scikit-learn's own Python code, one document at a time, and their features hashed in
    C: the output is the same bits either way, only the speed differs (about scikit-learn's
    speed for the analysis). This function tells which applies, from the parameters alone.

    Natively analysed: ``analyzer='char'`` and ``'char_wb'``, and ``analyzer='word'`` when
    ``token_pattern`` is in the subset the core scans -- after leading inline flags
    (``(?a)``, ``(?i)``, ``(?m)``, ``(?s)``, ``(?u)``, ``(?x)``), one character atom
    (a class ``[...]``, ``\w \d \s \W \D \S``, ``.`` or a literal character) repeated
    greedily (``+``, ``*``, ``?``, ``{m}``, ``{m,}``, ``{,n}``, ``{m,n}``; ``\w\w+``
    counts as ``\w{2,}``), with an optional ``\b`` at either end: for example
    ``(?u)\b\w\w+\b`` (the default), ``\S+``, ``[a-zA-Z]{2,}``, ``\b\w{3,}\b``,
    ``[^\W\d_]+``, ``\d+``, ``(?i)\b[a-z]{2,}\b`` -- with any ``lowercase``,
    ``strip_accents`` (``'ascii'``, ``'unicode'``), ``stop_words`` and ``ngram_range``.
    Analysed in Python: callables (``analyzer``, ``tokenizer``, ``preprocessor``,
    ``strip_accents``) and other token patterns (groups, alternatives, lazy repeats,
    several classes in a row, other anchors, ...).

    Parameters
    ----------
    vectorizer : HashingVectorizer
        A fasthash or scikit-learn ``HashingVectorizer`` (its parameters are read as
        fasthash's ``transform`` would read them).

    Returns
    -------
    reason : str or None
        None when fasthash analyses the documents natively, else a short explanation.

    Raises
    ------
    TypeError
        If ``vectorizer`` is not a ``HashingVectorizer``.
    InvalidParameterError
        If ``n_features`` is 0, which ``transform`` rejects too. Other invalid parameters
        raise their errors when documents are transformed, as in scikit-learn.

    See Also
    --------
    HashingVectorizer : The vectorizer whose configuration is examined.

    Examples
    --------
    >>> from fasthash import HashingVectorizer
    >>> from fasthash.feature_extraction.text import python_analysis_reason
    >>> print(python_analysis_reason(HashingVectorizer(token_pattern=r"(?u)\b[a-zA-Z]{2,}\b")))
    None
    >>> python_analysis_reason(HashingVectorizer(token_pattern=r"(\w+)-(\w+)"))
    'token_pattern outside the subset the core scans'
    >>> python_analysis_reason(HashingVectorizer(tokenizer=str.split))
    'custom tokenizer'
    """
    if not isinstance(vectorizer, _sk_text.HashingVectorizer):
        raise TypeError(
            f"vectorizer must be a HashingVectorizer, got {type(vectorizer).__name__}"
        )
    return _Plan(vectorizer).reason


class _Plan:
    """How one ``transform`` call runs: native or Python analysis, kernel options, dtypes.

    Decided from the parameters only (never from the documents).
    """

    def __init__(self, vec):
        self.sklearn_only = False
        self.reason = None
        n_features = vec.n_features
        if isinstance(n_features, numbers.Integral) and int(n_features) == 0:
            raise InvalidParameterError(
                "The 'n_features' parameter of HashingVectorizer must be an int in the range "
                "[1, 2147483647). Got 0 instead. (scikit-learn would crash the interpreter "
                "with a division by zero here.)"
            )
        try:
            dtype = np.dtype(vec.dtype)
        except TypeError:
            dtype = None
        # Configurations left to scikit-learn entirely (they fail there, or are exotic).
        if not (isinstance(n_features, numbers.Integral) and 1 <= n_features <= _N_FEATURES_MAX):
            self._sklearn_only("n_features outside [1, 2**31 - 1]")
            return
        if dtype is None or not _supported_dtype(dtype, vec.alternate_sign):
            self._sklearn_only(f"dtype {vec.dtype!r}")
            return
        self.n_features = int(n_features)
        self.dtype = dtype
        self.alternate_sign = bool(vec.alternate_sign)
        self.binary = bool(vec.binary)
        self.norm = vec.norm
        if dtype == np.float64:
            out_type = _hashing.OUT_F64
        elif dtype == np.float32:
            out_type = _hashing.OUT_F32
        else:
            out_type = _hashing.OUT_I64
        # Norms the kernel applies itself (bit-identical to sklearn's normalize); anything
        # else is left to sklearn.preprocessing.normalize afterwards.
        self.c_norm = out_type != _hashing.OUT_I64 and self.norm in ("l1", "l2")
        self.out_type = out_type
        self.reason = _python_analysis_reason(vec)
        self.native = self.reason is None
        self.work_per_unit = 1
        self.fast_str = self.native and vec.input == "content"
        min_n, max_n = (1, 1)
        stop = None
        analyzer = _hashing.ANALYZER_WORD
        token = _hashing.TOKEN_WORD2
        pattern = None
        if self.native:
            analyzer = _ANALYZERS[vec.analyzer]
            min_n, max_n = vec.ngram_range
            if analyzer == _hashing.ANALYZER_WORD:
                if max_n == 1:
                    min_n = max_n = 1  # scikit-learn returns the tokens, whatever min_n
                scanner = token_scanner(vec.token_pattern)
                if isinstance(scanner, _hashing.Pattern):
                    pattern = scanner
                else:
                    token = scanner
                stop = vec.get_stop_words()
                if stop is not None:
                    stop = _stop_word_bytes(stop)
            min_n = min(int(min_n), _MAX_NGRAM_N)
            max_n = min(int(max_n), _MAX_NGRAM_N)
            if analyzer != _hashing.ANALYZER_WORD or max_n != 1:
                # n-grams per code unit, about: one per length, each hashed in full
                lengths = min(max_n, 64) - max(min_n, -64) + 1
                self.work_per_unit = max(1, lengths) * max(1, min(max_n, 64) // 4)
        self.options = _hashing.Options(
            min_n=int(min_n),
            max_n=int(max_n),
            n_features=self.n_features,
            lowercase=bool(vec.lowercase),
            alternate_sign=self.alternate_sign,
            binary=self.binary,
            norm=_NORMS[self.norm] if self.c_norm else _hashing.NORM_NONE,
            out_type=out_type,
            stop_words=stop,
            analyzer=analyzer,
            strip_accents=_STRIP[vec.strip_accents] if self.native and vec.strip_accents else 0,
            token=token,
            paths=_KERNEL_PATHS,
            pattern=pattern,
        )

    def arrow_views(self, vec, kind):
        """How the rows of an Arrow column of ``kind`` (``_arrow.TEXT``/``BYTES``) reach
        the core (``_hashing.ARROW_VIEWS_*``): analysed natively from their UTF-8 bytes in
        place, or each as its Python value through :meth:`preparer`'s callback.

        Text rows are the ``str`` they decode to (the core validates them as Python's
        strict decoder). Binary rows are ``bytes`` documents, decoded as scikit-learn
        decodes them (``encoding``, ``decode_error``): with the UTF-8 codec, valid rows
        are their own text whatever the error handler, so the core reads them in place
        (with ``decode_error='strict'`` it reports an invalid row, which Python then
        decodes to raise its error; otherwise invalid rows are decoded by Python, one by
        one); any other codec decodes every row in Python.
        """
        if not self.fast_str:  # Python analysis, or documents naming files
            return _hashing.ARROW_VIEWS_NONE
        if kind == _arrow_lib.TEXT:
            return _hashing.ARROW_VIEWS_UTF8
        if kind == _arrow_lib.BYTES and _codec_name(vec.encoding) == "utf-8":
            if vec.decode_error == "strict":
                return _hashing.ARROW_VIEWS_UTF8
            return _hashing.ARROW_VIEWS_CHECKED
        return _hashing.ARROW_VIEWS_NONE

    def batches(self, vec, X, column, prepare, max_docs=None, max_units=None):
        """A function returning the next batch (``_hashing.collect``, at most ``max_docs``
        documents and ``max_units`` code units, by default ``_BATCH_MAX_DOCS`` and
        ``_BATCH_MAX_UNITS``) of the documents of the iterable ``X``, or of the Arrow
        ``column`` (from ``arrow_column``) if not None, each prepared by ``prepare`` (from
        :meth:`preparer`)."""
        max_docs = _BATCH_MAX_DOCS if max_docs is None else max_docs
        max_units = _BATCH_MAX_UNITS if max_units is None else max_units
        if column is None:
            iterator = iter(X)
            return lambda: _hashing.collect(iterator, max_docs, max_units, prepare, self.fast_str)
        views = self.arrow_views(vec, column.kind)
        return lambda: _hashing.collect_arrow(
            column.stream, max_docs, max_units, prepare, views, self.fast_str,
            column.null_value,
        )

    def _sklearn_only(self, why):
        self.sklearn_only = True
        self.reason = f"scikit-learn's own transform ({why})"

    def preparer(self, vec, analyzer):
        """The per-document callback of ``_hashing.collect`` (None: use sklearn's transform).

        It decodes exactly as scikit-learn does (files, bytes, the np.nan check); then a
        ``str`` goes to the native analyser, anything else to scikit-learn's analysis.
        """
        if not (
            isinstance(analyzer, functools.partial) and "decoder" in analyzer.keywords
        ):  # pragma: no cover - a future scikit-learn building analyzers differently
            return None
        keywords = {k: v for k, v in analyzer.keywords.items() if k != "decoder"}
        analyze = self.analyze = functools.partial(analyzer.func, *analyzer.args, **keywords)
        decode = vec.decode
        native = self.native
        lowercase = bool(vec.lowercase)
        first = [True]

        def prepare(doc):
            try:
                doc = decode(doc)
                if native and isinstance(doc, str) and (
                    not lowercase or type(doc).lower is str.lower
                ):
                    first[0] = False
                    return True, doc
                features = analyze(doc)
            except StopIteration as exc:
                # scikit-learn runs these inside a generator expression (PEP 479)
                raise RuntimeError("generator raised StopIteration") from exc
            if first[0]:
                first[0] = False
                if isinstance(features, str):
                    raise ValueError(
                        "Samples can not be a single string. The input must be an iterable"
                        " over iterables of strings."
                    )
            return False, features

        return prepare

    def raise_encode_error(self, text, exc):
        """Raise the UnicodeEncodeError scikit-learn raises hashing ``text``'s features."""
        for feature in self.analyze(text):
            if isinstance(feature, str):
                try:
                    feature.encode("utf-8")
                except UnicodeEncodeError as err:
                    raise err from None  # scikit-learn's error, without the core's context
        raise RuntimeError(  # pragma: no cover - the core and scikit-learn disagree
            "fasthash internal error (the core found a lone surrogate scikit-learn does not "
            "hash); please report"
        ) from exc

    def finish(self, indptr, indices, data, n_raw):
        """Wrap the rows in scikit-learn's exact container, dtypes and values."""
        # scikit-learn chooses int64 indices when the entries *before* summing duplicates
        # exceed the int32 range (R3a).
        index_dtype = np.int64 if n_raw > _INT32_MAX else np.int32
        indptr = indptr.astype(index_dtype)
        indices = indices.astype(index_dtype, copy=False)
        if self.out_type == _hashing.OUT_I64:
            if self.dtype == np.bool_:
                data = np.ones(data.shape[0], dtype=np.bool_)  # summing booleans is OR
            else:
                data = data.astype(self.dtype)  # integer types wrap as sklearn's sums do
        n_rows = indptr.shape[0] - 1
        # As scikit-learn: a csr_array (which keeps int64 indices), converted to the
        # configured container at the end (the conversion shares the arrays).
        X = sp.csr_array((data, indices, indptr), shape=(n_rows, self.n_features), copy=False)
        X.has_sorted_indices = True
        X.has_canonical_format = True
        X = align_api_if_sparse(X)
        if self.norm is not None and not self.c_norm:
            X = align_api_if_sparse(normalize(X, norm=self.norm, copy=False))
        return X


def _raise_decode_error(batch, exc):
    """Raise Python's UnicodeDecodeError for the row of an Arrow batch the core found not
    to be UTF-8 (decoding its bytes as scikit-learn decodes a bytes document, or as a
    string column's value is decoded: both are the strict UTF-8 codec's), naming the row."""
    try:
        batch.text(exc.row)
    except UnicodeDecodeError as err:
        raise add_row_note(err, batch.first_row + exc.row) from None
    raise RuntimeError(  # pragma: no cover - the core and Python's codec disagree
        "fasthash internal error (the core found invalid UTF-8 that Python decodes); please "
        "report"
    ) from exc


def _codec_name(encoding):
    """The canonical name of a codec (None if unknown: decoding raises its error)."""
    try:
        return codecs.lookup(encoding).name
    except (LookupError, TypeError):
        return None


def _supported_dtype(dtype, alternate_sign):
    if not dtype.isnative:
        return False  # scipy.sparse refuses it: scikit-learn's path raises its error
    if dtype in (np.float64, np.float32, np.bool_):
        return True
    if dtype.kind == "i":
        return True
    if dtype.kind == "u":
        return not alternate_sign  # sklearn raises OverflowError on the first -1: its path
    if (dtype.kind == "c" and dtype.itemsize > 8) or (dtype.kind == "f" and dtype.itemsize > 8):
        return True  # complex128+, longdouble: exact from integer counts
    # complex64 sums float32 components with saturation at 2**24: scikit-learn's path
    return False
    return False


def _stop_word_bytes(stop_words):
    """The stop words as the core compares them with tokens: UTF-8 bytes.

    A non-str never equals a (str) token. The core writes the lone surrogates of a token
    (where its pattern lets one in) in their 3-byte form, which is what the
    "surrogatepass" error handler gives a stop word.
    """
    return [
        word.encode("utf-8", "surrogatepass") for word in stop_words if isinstance(word, str)
    ]


def _python_analysis_reason(vec):
    """None when the C core analyses this configuration itself, else why it does not."""
    if not _UNICODE_MATCHES:
        return (
            f"the core's Unicode tables ({_hashing.unicode_version()}) differ from this "
            f"interpreter's ({unicodedata.unidata_version})"
        )
    if callable(vec.analyzer):
        return "callable analyzer"
    if not isinstance(vec.analyzer, str) or vec.analyzer not in _ANALYZERS:
        return f"analyzer={vec.analyzer!r}"
    if vec.preprocessor is not None:
        return "custom preprocessor"
    if vec.strip_accents and not (
        isinstance(vec.strip_accents, str) and vec.strip_accents in _STRIP
    ):
        return f"strip_accents={vec.strip_accents!r}"
    word = vec.analyzer == "word"
    if word and vec.tokenizer is not None:
        return "custom tokenizer"
    if word and token_scanner(vec.token_pattern) is None:
        return "token_pattern outside the subset the core scans"
    min_n, max_n = vec.ngram_range
    if max_n != 1 or not word:
        if not all(isinstance(v, numbers.Integral) for v in (min_n, max_n)):
            return "non-integer ngram_range"
        if min_n < _MIN_NATIVE_MIN_N:
            return "ngram_range with a very negative min_n"
        if _overflows_plus_one(max_n):
            # scikit-learn's analyzers compute max_n + 1 in max_n's own type: a numpy
            # integer at its maximum wraps around (with a RuntimeWarning per document)
            return "ngram_range: max_n + 1 overflows its numpy integer type"
    return None


def _overflows_plus_one(value):
    """Whether ``value + 1`` wraps around (a fixed-width numpy integer at its maximum)."""
    if isinstance(value, np.integer):
        return int(value) == int(np.iinfo(type(value)).max)
    return False
