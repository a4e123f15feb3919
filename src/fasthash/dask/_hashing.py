# Authors: The fasthash developers
# SPDX-License-Identifier: BSD-3-Clause
"""Hashing of dask collections: Bags, DataFrame columns / Series and 1-D Arrays of text.

The text never leaves the workers: each partition is hashed where it lives, by the task
that produces it, and the result is a lazy dask Array of ``scipy.sparse.csr_matrix``
blocks, one block per input partition.
"""

import numbers

import numpy as np
import scipy.sparse as sp
from sklearn.base import clone

from fasthash.exceptions import FasthashError
from fasthash.utils._parallel import with_inner_n_jobs

__all__ = ["transform", "PartitionError", "partition_lengths"]


# ---------------------------------------------------------------------------------------
# Errors of one partition
# ---------------------------------------------------------------------------------------


class PartitionError(FasthashError):
    """The work on one partition of a dask collection failed.

    Raised, instead of the original exception, by the dask tasks of
    :func:`fasthash.dask.transform` (and of ``fit_averaged`` / ``fit_forest``). The
    concrete class also derives from the builtin class of the original error
    (``ValueError``, ``TypeError``, ``AttributeError``, ``UnicodeDecodeError``, ...), so
    ``except AttributeError`` still catches a ``None`` document; the original exception is
    ``__cause__``. (An error of another class keeps its own type and gets a note naming
    the partition, on Python >= 3.11.)

    Attributes
    ----------
    partition : int
        Index of the failing partition (0-based, in the collection's order).
    n_partitions : int
        Number of partitions of the collection.
    original_type : str
        Qualified name of the original exception's class.
    """


def _family(base):
    name = f"Partition{base.__name__}"
    cls = type(
        name,
        (PartitionError, base),
        {
            "__module__": __name__,
            "__doc__": f"A :class:`PartitionError` that is also a :class:`{base.__name__}`.",
            "__str__": lambda self: str(self.args[0]) if self.args else "",
        },
    )
    return cls


class PartitionUnicodeDecodeError(PartitionError, UnicodeDecodeError):
    """A :class:`PartitionError` that is also a :class:`UnicodeDecodeError`."""

    def __str__(self):
        return str(self.reason)

    def __reduce__(self):
        # Rebuilt by calling the class (tblib, used by distributed, would otherwise skip
        # UnicodeDecodeError.__init__ and lose ``reason``); the attributes follow.
        return type(self), self.args, self.__dict__


class PartitionUnicodeEncodeError(PartitionError, UnicodeEncodeError):
    """A :class:`PartitionError` that is also a :class:`UnicodeEncodeError`."""

    def __str__(self):
        return str(self.reason)

    def __reduce__(self):
        # Rebuilt by calling the class (tblib, used by distributed, would otherwise skip
        # UnicodeEncodeError.__init__ and lose ``reason``); the attributes follow.
        return type(self), self.args, self.__dict__


# Most specific first: the wrapper is the first family the original error belongs to.
# Exceptions of another family (they are rare here) keep their type and get a note.
PartitionUnicodeError = _family(UnicodeError)
PartitionKeyError = _family(KeyError)
PartitionIndexError = _family(IndexError)
PartitionValueError = _family(ValueError)
PartitionTypeError = _family(TypeError)
PartitionAttributeError = _family(AttributeError)
PartitionOverflowError = _family(OverflowError)
PartitionMemoryError = _family(MemoryError)
PartitionRuntimeError = _family(RuntimeError)
_FAMILIES = (
    (UnicodeDecodeError, PartitionUnicodeDecodeError),
    (UnicodeEncodeError, PartitionUnicodeEncodeError),
    (UnicodeError, PartitionUnicodeError),
    (KeyError, PartitionKeyError),
    (IndexError, PartitionIndexError),
    (ValueError, PartitionValueError),
    (TypeError, PartitionTypeError),
    (AttributeError, PartitionAttributeError),
    (OverflowError, PartitionOverflowError),
    (MemoryError, PartitionMemoryError),
    (RuntimeError, PartitionRuntimeError),
)


def partition_error(exc, index, n_partitions, action="hashing"):
    """Return the exception to raise for ``exc`` raised while working on partition ``index``.

    ``action`` says what failed ("hashing", "fitting on", ...).
    """
    if isinstance(exc, PartitionError):
        return exc
    original = f"{type(exc).__module__}.{type(exc).__qualname__}".removeprefix("builtins.")
    where = f"partition {index} (of {n_partitions})"
    message = f"{action} {where} failed: {original}: {exc}"
    notes = getattr(exc, "__notes__", None)  # e.g. the row of an Arrow column
    if notes:
        message += " " + " ".join(str(note) for note in notes)
    for base, wrapper in _FAMILIES:
        if isinstance(exc, base):
            if wrapper in (PartitionUnicodeDecodeError, PartitionUnicodeEncodeError):
                # Same encoding/object/start/end as the original; the reason is the message.
                err = wrapper(exc.encoding, exc.object, exc.start, exc.end, message)
            else:
                err = wrapper(message)
            err.partition = index
            err.n_partitions = n_partitions
            err.original_type = original
            return err
    if hasattr(exc, "add_note"):  # Python >= 3.11
        exc.add_note(f"(raised while {action} {where})")
    return exc


# ---------------------------------------------------------------------------------------
# Tasks run on the workers
# ---------------------------------------------------------------------------------------


def _empty_block(n_features, dtype):
    return sp.csr_matrix((0, n_features), dtype=dtype)


def _documents(partition):
    # Bag partitions may be lazy iterators; pandas Series and numpy arrays are kept as they
    # are, so a block equals ``vectorizer.transform(partition)`` on the same object.
    if hasattr(partition, "__len__"):
        return partition
    return list(partition)


def _hash_partition(vectorizer, partition, index, n_partitions, n_features, dtype, expected):
    """Dask task: hash one partition into a CSR block; errors name the partition."""
    try:
        docs = _documents(partition)
        if len(docs) != expected:
            raise ValueError(
                f"it holds {len(docs)} documents but its length was given as {expected} "
                "(lengths= does not match the collection)"
            )
        if len(docs) == 0:  # vectorizers refuse an empty sequence; an empty block is exact
            return _empty_block(n_features, dtype)
        return vectorizer.transform(docs)
    except Exception as exc:
        raise partition_error(exc, index, n_partitions) from exc


def _hash_block(block, vectorizer, n_partitions, n_features, dtype, lengths, block_id=None):
    """``map_blocks`` task for a 1-D array of documents."""
    index = 0 if block_id is None else block_id[0]
    return _hash_partition(
        vectorizer, block, index, n_partitions, n_features, dtype, lengths[index]
    )


def _length(partition):
    try:
        return len(partition)
    except TypeError:
        return sum(1 for _ in partition)


# ---------------------------------------------------------------------------------------
# Public API
# ---------------------------------------------------------------------------------------


def _kind(collection):
    """Return ``"array"``, ``"bag"`` or ``"dataframe"``, or raise TypeError."""
    import dask.array as da
    import dask.bag as db

    if isinstance(collection, da.Array):
        if collection.ndim != 1:
            raise ValueError(
                "fasthash.dask.transform expects a 1-D dask Array of documents, got an array "
                f"of shape {collection.shape}."
            )
        return "array"
    if isinstance(collection, db.Bag):
        return "bag"
    try:
        import dask.dataframe as dd
    except ImportError:  # pragma: no cover - dask installed without its dataframe extra
        dd = None
    if dd is not None and isinstance(collection, dd.DataFrame):
        if len(collection.columns) != 1:
            raise ValueError(
                "fasthash.dask.transform got a dask DataFrame with "
                f"{len(collection.columns)} columns {list(collection.columns)!r}: select the "
                "text column, e.g. df['text']."
            )
        return "dataframe"
    if dd is not None and isinstance(collection, dd.Series):
        return "dataframe"
    raise TypeError(
        "fasthash.dask.transform expects a dask Bag, a dask DataFrame column (Series) or a "
        f"1-D dask Array of documents, got {type(collection).__module__}."
        f"{type(collection).__qualname__}."
    )


def _checked_vectorizer(vectorizer):
    if not hasattr(vectorizer, "transform") or not hasattr(vectorizer, "n_features"):
        raise TypeError(
            "fasthash.dask.transform needs a stateless hasher with `transform` and "
            "`n_features` (fasthash.HashingVectorizer, fasthash.FeatureHasher or their "
            f"scikit-learn counterparts), got {vectorizer!r}."
        )
    vec = with_inner_n_jobs(clone(vectorizer), 1)
    vec.fit([])  # validates the parameters here, on the client, not in every task
    return vec


def partition_lengths(collection):
    """Number of documents in each partition of a dask collection (computed if unknown).

    Parameters
    ----------
    collection : dask Bag, dask Series or single-column DataFrame, or 1-D dask Array
        The documents.

    Returns
    -------
    tuple of int
        One length per partition. Known chunk sizes of an Array are returned at once;
        otherwise one small task per partition counts its documents on the workers (only
        the counts travel to the client) -- which computes the collection's graph once:
        persist the collection first if it is expensive to produce.

    Examples
    --------
    >>> import dask.bag as db
    >>> from fasthash.dask import partition_lengths
    >>> partition_lengths(db.from_sequence(["a", "b", "c"], npartitions=2))
    (2, 1)
    """
    import dask

    kind = _kind(collection)
    if kind == "array":
        chunks = collection.chunks[0]
        if all(not np.isnan(c) for c in chunks):
            return tuple(int(c) for c in chunks)
    parts = collection.to_delayed()
    if kind == "array":
        parts = list(parts.ravel())
    counts = dask.compute(*[dask.delayed(_length, pure=True)(p) for p in parts])
    return tuple(int(c) for c in counts)


def transform(vectorizer, collection, *, lengths=None):
    """Hash a dask collection of documents into a dask Array of CSR blocks.

    Each partition is hashed on the worker that holds it, by
    ``vectorizer.transform(partition)``: block ``i`` of the result is bit for bit what that
    call gives locally (same ``indptr``, ``indices``, ``data`` and dtypes). Nothing is
    gathered to the client unless the result is computed; the text stays on the workers.

    Parameters
    ----------
    vectorizer : HashingVectorizer or FeatureHasher
        A stateless hasher (fasthash's or scikit-learn's). It is cloned and its ``n_jobs``
        set to 1: dask runs one task per worker thread, so the parallelism comes from the
        workers' threads, never from nested OpenMP pools (the output does not depend on
        ``n_jobs`` anyway). Its parameters are validated here, on the client.
    collection : dask Bag, dask Series, single-column dask DataFrame or 1-D dask Array
        The documents (``str``, or what ``vectorizer`` accepts: dicts or lists of pairs
        for a FeatureHasher). A Bag partition that is a lazy iterator is materialised as a
        list first; a pandas Series or numpy array partition is passed as it is. A Series
        of Arrow-backed strings (dask's default for text columns, pandas 3's ``str``) or
        of Arrow lists is read by the worker in place, as an Arrow column: no Python
        object per document.
    lengths : sequence of int, optional
        Number of documents in each partition, when known. Otherwise the chunk sizes of an
        Array with known chunks are used, and the lengths of a Bag, a DataFrame column or
        an Array with unknown chunks are COMPUTED first with
        :func:`partition_lengths` (one counting task per partition on the workers, only
        integers travel back; the input graph runs once more, so persist an expensive
        collection first).

    Returns
    -------
    dask.array.Array
        Shape ``(n_documents, n_features)``, one block per partition with chunks
        ``(lengths, (n_features,))`` (known sizes), ``dtype=vectorizer.dtype`` and
        ``meta`` an empty ``scipy.sparse.csr_matrix`` of width ``n_features``. An empty
        partition gives an empty ``(0, n_features)`` block.

    Raises
    ------
    TypeError
        If ``collection`` is not a supported dask collection or ``vectorizer`` is not a
        hasher.
    ValueError
        If a DataFrame has several columns, an Array is not 1-D or ``lengths`` does not
        match the partitions.
    PartitionError
        When the result is computed and a partition holds bad input (a ``None`` document,
        a number, an undecodable byte string, ...): the message names the partition and
        the original error; the exception also derives from the original's builtin family
        (``except AttributeError`` / ``except ValueError`` still work) and chains it.

    Examples
    --------
    >>> import dask.bag as db
    >>> from fasthash import HashingVectorizer
    >>> from fasthash.dask import transform
    >>> docs = db.from_sequence(["the cat sat", "on the mat", "a dog"], npartitions=2)
    >>> X = transform(HashingVectorizer(n_features=2**10), docs)
    >>> X.chunks
    ((2, 1), (1024,))
    >>> X.blocks[0].compute().nnz
    6
    """
    import dask
    import dask.array as da
    from dask.highlevelgraph import HighLevelGraph

    kind = _kind(collection)
    vec = _checked_vectorizer(vectorizer)
    n_features = int(vec.n_features)
    dtype = np.dtype(vec.dtype)
    meta = _empty_block(n_features, dtype)
    n_partitions = int(collection.numblocks[0] if kind == "array" else collection.npartitions)

    if lengths is None:
        lengths = partition_lengths(collection)
    else:
        lengths = tuple(lengths)
        if len(lengths) != n_partitions or not all(
            isinstance(n, numbers.Integral) and not isinstance(n, bool) and n >= 0
            for n in lengths
        ):
            raise ValueError(
                f"lengths must be {n_partitions} non-negative ints (one per partition), got "
                f"{lengths!r}."
            )
        lengths = tuple(int(n) for n in lengths)

    token = dask.base.tokenize(collection, _vectorizer_token(vec), lengths)
    name = f"fasthash-transform-{token}"
    if kind == "array":
        array = collection
        if any(np.isnan(c) for c in array.chunks[0]):
            array = _with_chunks(array, lengths)
        elif array.chunks[0] != lengths:
            raise ValueError(
                f"lengths {lengths!r} do not match the chunks {array.chunks[0]!r} of the array."
            )
        return array.map_blocks(
            _hash_block,
            vec,
            n_partitions,
            n_features,
            dtype,
            lengths,
            new_axis=1,
            chunks=(lengths, (n_features,)),
            dtype=dtype,
            meta=meta,
            name=name,
        )

    if n_partitions == 0:
        return da.from_array(meta, chunks=((0,), (n_features,)), meta=meta)
    hash_task = dask.delayed(_hash_partition, pure=True)
    tasks = [
        hash_task(
            vec, part, i, n_partitions, n_features, dtype, n, dask_key_name=f"{name}-{i}"
        )
        for i, (part, n) in enumerate(zip(collection.to_delayed(), lengths, strict=True))
    ]
    # One block per partition, empty ones included (da.concatenate would drop them and
    # break the alignment of block i with partition i): block (name, i, 0) is an alias of
    # the task hashing partition i.
    layer = {(name, i, 0): task.key for i, task in enumerate(tasks)}
    graph = HighLevelGraph.from_collections(name, layer, dependencies=tasks)
    return da.Array(graph, name, chunks=(lengths, (n_features,)), dtype=dtype, meta=meta)


def _vectorizer_token(vec):
    # The class and parameters identify a stateless hasher; repr keeps the token stable.
    import dask

    params = sorted((k, repr(v)) for k, v in vec.get_params().items())
    return dask.base.tokenize(type(vec).__module__, type(vec).__qualname__, params)


def _with_chunks(array, lengths):
    """Attach known chunk sizes (from :func:`partition_lengths`) to an array whose are nan."""
    import dask.array as da

    return da.Array(array.dask, array.name, (lengths,), dtype=array.dtype)
