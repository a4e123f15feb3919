# Authors: The fasthash developers
# SPDX-License-Identifier: BSD-3-Clause
"""Hashed columns explained in tokens: the inverse map of the hashing trick."""

import copy
from collections import namedtuple
from numbers import Integral

import numpy as np
import scipy.sparse as sp
from sklearn.base import BaseEstimator
from sklearn.exceptions import NotFittedError
from sklearn.feature_extraction import FeatureHasher as _SkFeatureHasher
from sklearn.feature_extraction.text import HashingVectorizer as _SkHashingVectorizer
from sklearn.utils.validation import check_is_fitted

from fasthash._lib import _arrow as _arrow_lib
from fasthash._lib import _cancel, _hashing
from fasthash.feature_extraction._arrow import add_row_note, arrow_column, iter_rows, iter_samples
from fasthash.feature_extraction._hash import _SAMPLE_MODES
from fasthash.feature_extraction._interruptible import in_main_thread, run_interruptibly
from fasthash.utils._threads import effective_n_jobs

__all__ = ["InverseHasher", "TokenWeight", "TokenWeights", "top_tokens"]

_INTERRUPTIBLE_WORK = 1 << 22

TokenWeight = namedtuple("TokenWeight", ["token", "weight", "column", "sign", "count"])
TokenWeight.__doc__ = """A token and its weight in a model (see :func:`top_tokens`).

Attributes
----------
token : str
    The token (word, word n-gram, character n-gram or feature name) as the analyzer emits
    it, or the placeholder ``"x<column>"`` for a column that no recorded token reached.
weight : float
    The model's weight of the token: the column's weight times the token's sign (the sign
    the hash gives its occurrences under ``alternate_sign``), so that a positive weight is
    evidence for the class whichever sign the token hashed to. For importances, the
    column's importance.
column : int
    The hashed column.
sign : int
    +1 or -1: the sign of the token's occurrences in that column (always +1 without
    ``alternate_sign``, and for a placeholder).
count : int
    Occurrences of the token in the recorded documents (0 for a placeholder).
"""
TokenWeights = namedtuple("TokenWeights", ["label", "positive", "negative"])
TokenWeights.__doc__ = """The top tokens of one class or target (see :func:`top_tokens`).

Attributes
----------
label : object
    The class (``classes_[k]``; for a binary classifier, the positive class
    ``classes_[1]``), the target index of a multi-output regressor, or None (a single
    regression target, importances).
positive : list of TokenWeight
    Tokens with the largest positive weights, largest first (for importances: the most
    important).
negative : list of TokenWeight
    Tokens with the most negative weights, most negative first (for a binary classifier:
    evidence for ``classes_[0]``; empty for importances).
"""


def _record_batch():
    """The bounds of a recording batch: 32768 documents, 8M code units (4x the units of a
    ``transform`` batch). Each batch ends with its distinct tokens added to the map, so
    fewer, larger batches add a token fewer times (6 MB of multilingual text, ``char_wb``,
    one thread: 243 ms -> 189 ms in one benchmark run); the output is the map, not a
    matrix per batch."""
    return 1 << 15, 1 << 23


def _check_hasher(hasher):
    if not isinstance(hasher, (_SkHashingVectorizer, _SkFeatureHasher)):
        raise TypeError(
            "hasher must be a HashingVectorizer or a FeatureHasher (fasthash's or "
            f"scikit-learn's), got {type(hasher).__name__}"
        )
    n = hasher.n_features
    if not isinstance(n, Integral) or isinstance(n, bool) or not 1 <= n <= 2**31 - 1:
        raise ValueError(f"hasher.n_features must be an int in [1, 2**31 - 1], got {n!r}")


def _feature_hasher_names(hasher, X):
    """scikit-learn's FeatureHasher's feature names of each sample (zero values skipped)."""
    input_type = hasher.input_type
    for x in X:
        if input_type == "string":
            yield [f for f in x]
            continue
        # a dict, or its pairs (an Arrow map row is read as the list of its pairs)
        items = x.items() if input_type == "dict" and hasattr(x, "items") else x
        names = []
        for f, v in items:
            if isinstance(v, str):
                f = f"{f}={v}"
            elif v == 0:
                continue
            names.append(f)
        yield names


class InverseHasher(BaseEstimator):
    """Record which tokens reach which hashed columns, to explain hashed features.

    The hashing trick forgets the tokens: a column of a ``HashingVectorizer`` or
    ``FeatureHasher`` output is only a number. ``InverseHasher`` records, on a sample of
    documents, every token the hasher's analyzer emits (words, word n-grams, character
    n-grams, feature names), the column it hashes to, its sign under ``alternate_sign``,
    and how often it occurs. Columns can then be named in the style of
    ``get_feature_names_out`` (``"fox | -dog"``: two tokens share the column, ``dog`` with
    a negative sign), and models trained on the hashed features explained in tokens
    (:func:`top_tokens`).

    The documents are analysed in C exactly as the hasher's ``transform`` analyses them,
    on ``n_jobs`` threads, in batches: memory is bounded by a batch plus the map, and the
    map by ``max_tokens_per_column`` tokens per column. The map does not depend on
    ``n_jobs``.

    Parameters
    ----------
    hasher : HashingVectorizer or FeatureHasher
        The hasher whose columns to explain (fasthash's or scikit-learn's). Only its
        analysis parameters and ``n_features``/``alternate_sign`` matter.
    max_tokens_per_column : int or None, default=10
        The most frequent tokens kept per column. A column that more distinct tokens
        reach keeps its most frequent ones (ties: shorter, then smaller token first) and
        is listed in ``capped_columns_``; counts stay exact while no column is capped.
        Once capping begins (memory is trimmed when the map has doubled since the last
        trim), a token dropped and seen again counts from its new occurrences, so the
        kept tokens are the most frequent ones only approximately. None keeps every
        token.
    n_jobs : int or None, default=None
        Threads that analyse documents: None for every CPU this process may use, -1 for
        all, ``-k`` for all but ``k - 1``.

    Attributes
    ----------
    n_features_out_ : int
        The hasher's ``n_features``: columns of the map.
    n_documents_ : int
        Documents recorded.
    n_tokens_ : int
        Distinct tokens kept.
    capped_columns_ : ndarray of int32
        Columns that lost tokens to ``max_tokens_per_column``, ascending.

    See Also
    --------
    top_tokens : Explain a linear model or a forest fitted on the hashed features.
    HashingVectorizer : The vectorizer whose columns are explained.

    Examples
    --------
    >>> from fasthash import HashingVectorizer, InverseHasher
    >>> vec = HashingVectorizer(n_features=8)
    >>> inv = InverseHasher(vec).fit(["the quick brown fox", "the lazy dog", "the end"])
    >>> inv.get_feature_names_out()
    array(['brown', 'x1', 'x2', 'x3', 'x4', '-dog | end | quick', '-the',
           '-fox | -lazy'], dtype=object)
    >>> inv.column_tokens(5)
    [('dog', -1, 1), ('end', 1, 1), ('quick', 1, 1)]
    """

    def __init__(self, hasher, *, max_tokens_per_column=10, n_jobs=None):
        self.hasher = hasher
        self.max_tokens_per_column = max_tokens_per_column
        self.n_jobs = n_jobs

    # ------------------------------------------------------------------ recording

    def fit(self, X, y=None):
        """Record the tokens of documents ``X`` (forgetting any recorded before).

        Parameters
        ----------
        X : iterable or Arrow column
            Documents as the hasher's ``transform`` takes them (texts, or for a
            ``FeatureHasher`` samples of its ``input_type``); any iterable, including a
            generator, is read once, in batches. An Arrow text column is read in place.
        y : None
            Ignored.

        Returns
        -------
        self : InverseHasher
            The fitted map.

        Examples
        --------
        >>> from fasthash import HashingVectorizer, InverseHasher
        >>> InverseHasher(HashingVectorizer(n_features=4)).fit(["a bb bb"]).n_tokens_
        1
        """
        for attr in ("_recorder", "n_documents_"):
            if hasattr(self, attr):
                delattr(self, attr)
        return self.partial_fit(X, y)

    def partial_fit(self, X, y=None):
        """Record the tokens of more documents ``X``.

        Parameters
        ----------
        X : iterable or Arrow column
            Documents, as for :meth:`fit`.
        y : None
            Ignored.

        Returns
        -------
        self : InverseHasher
            The updated map.

        Raises
        ------
        ValueError, UnicodeError, TypeError
            scikit-learn's errors for a bad document (``transform`` raises the same). The
            map may then hold tokens of some documents before it: call :meth:`fit` to
            start over.

        Examples
        --------
        >>> from fasthash import HashingVectorizer, InverseHasher
        >>> inv = InverseHasher(HashingVectorizer(n_features=4))
        >>> inv.partial_fit(["a bb bb"]).partial_fit(["bb cc"]).column_tokens(3)
        [('bb', 1, 3)]
        """
        if isinstance(X, str):
            raise ValueError("Iterable over raw text documents expected, string object received.")
        self._ensure_recorder()
        n_threads = effective_n_jobs(self.n_jobs, type(self).__name__)
        if isinstance(self.hasher, _SkFeatureHasher):
            n = self._record_features(X, n_threads)
        else:
            n = self._record_texts(X, n_threads)
        self.n_documents_ += n
        self._changed()
        return self

    def _check_params(self):
        _check_hasher(self.hasher)
        cap = self.max_tokens_per_column
        if cap is not None and (not isinstance(cap, Integral) or isinstance(cap, bool) or cap < 1):
            raise ValueError(f"max_tokens_per_column must be a positive int or None, got {cap!r}")
        return 0 if cap is None else int(cap)

    def _ensure_recorder(self):
        cap = self._check_params()
        n_features = int(self.hasher.n_features)
        if hasattr(self, "_recorder"):
            if self._recorder.n_features != n_features or self._recorder.max_tokens != cap:
                raise ValueError(
                    "the hasher's n_features or max_tokens_per_column changed since fit; "
                    "call fit to start a new map"
                )
            return
        self._recorder = _hashing.Recorder(n_features, cap)
        self.n_documents_ = 0
        self._changed()

    def _plan(self):
        """The kernel options of the hasher's analysis (a float64 transform of it)."""
        from fasthash.feature_extraction.text import _Plan

        # a shallow copy, not clone: clone's signature inspection took 0.4 ms of a 19 ms
        # fit (multilingual words); the analysis parameters are only read
        vec = copy.copy(self.hasher)
        vec.dtype, vec.norm, vec.binary = np.float64, None, False
        plan = _Plan(vec)
        analyzer = vec.build_analyzer()
        prepare = plan.preparer(vec, analyzer)
        if plan.sklearn_only or prepare is None:  # pragma: no cover - checked above
            raise ValueError(f"cannot record this hasher's tokens ({plan.reason})")
        return vec, plan, prepare

    def _record_texts(self, X, n_threads):
        vec, plan, prepare = self._plan()
        column = arrow_column(X)
        if column is not None:
            column.check_not_table(type(self).__name__)
            if column.kind not in (_arrow_lib.TEXT, _arrow_lib.BYTES):
                X, column = iter_rows(column), None
        next_batch = plan.batches(vec, X, column, prepare, *_record_batch())
        return self._run(next_batch, plan, n_threads)

    def _record_features(self, X, n_threads):
        from fasthash.feature_extraction.text import _Plan

        column = arrow_column(X)
        if column is not None:  # read as the Python samples the column stands for
            column.check_not_table(type(self).__name__)
            X = iter_samples(column, _SAMPLE_MODES.get(column.kind, _arrow_lib.SAMPLE_PAIR))
        vec = _SkHashingVectorizer(
            n_features=int(self.hasher.n_features),
            alternate_sign=bool(self.hasher.alternate_sign),
            norm=None,
        )
        plan = _Plan(vec)
        iterator = iter(_feature_hasher_names(self.hasher, X))

        def prepare(names):
            return False, names

        def next_batch():
            return _hashing.collect(iterator, *_record_batch(), prepare, False)

        return self._run(next_batch, plan, n_threads)

    def _run(self, next_batch, plan, n_threads):
        """The batch loop of ``HashingVectorizer.transform``, recording instead of hashing
        into a matrix."""
        cancel = _cancel.Cancel()
        interruptible = in_main_thread()
        n_docs = 0
        while True:
            batch = next_batch()
            if batch.n_docs:
                long_batch = batch.units * plan.work_per_unit > _INTERRUPTIBLE_WORK
                run = run_interruptibly if interruptible and long_batch else None
                try:
                    self._recorder.append(batch, plan.options, n_threads, cancel, run)
                except _hashing.SurrogateFeatureError as exc:
                    plan.raise_encode_error(batch.text(exc.row), exc)
                except _hashing.UTF8DecodeError as exc:
                    from fasthash.feature_extraction.text import _raise_decode_error

                    _raise_decode_error(batch, exc)
                n_docs += batch.n_docs
            exhausted = batch.exhausted
            error, error_row = batch.error, batch.error_row
            del batch
            if error is not None:
                raise add_row_note(error, error_row)
            if exhausted:
                return n_docs

    def merge(self, other):
        """Add the tokens another map recorded (another partition, a Dask worker).

        Parameters
        ----------
        other : InverseHasher
            A fitted map of a hasher with the same ``n_features`` and the same
            ``max_tokens_per_column``.

        Returns
        -------
        self : InverseHasher
            This map, holding both maps' tokens and counts (capped again).

        Examples
        --------
        >>> from fasthash import HashingVectorizer, InverseHasher
        >>> vec = HashingVectorizer(n_features=4)
        >>> a = InverseHasher(vec).fit(["bb cc"])
        >>> b = InverseHasher(vec).fit(["bb dd"])
        >>> a.merge(b).column_tokens(3), a.n_documents_
        ([('bb', 1, 2)], 2)
        """
        if not isinstance(other, InverseHasher):
            raise TypeError(f"other must be an InverseHasher, got {type(other).__name__}")
        check_is_fitted(other, "n_documents_")
        if not hasattr(self, "_recorder"):
            self._ensure_recorder()
        r = other._recorder
        if r.n_features != self._recorder.n_features or r.max_tokens != self._recorder.max_tokens:
            raise ValueError(
                "cannot merge maps of different n_features or max_tokens_per_column: "
                f"({self._recorder.n_features}, {self._recorder.max_tokens}) and "
                f"({r.n_features}, {r.max_tokens})"
            )
        cols, hashes, counts, offsets, data, ccols, ctok, ccnt = other._dump()
        self._recorder.add(np.frombuffer(data, dtype=np.uint8), offsets, counts)
        self._recorder.add_dropped(ccols, ctok, ccnt)
        self._recorder.trim()
        self.n_documents_ += other.n_documents_
        self._changed()
        return self

    # ------------------------------------------------------------------ state

    def _changed(self):
        self._cache = None

    def _dump(self):
        """The state (capped), cached until the next change."""
        if self._cache is None:
            self._recorder.trim()
            self._cache = self._recorder.dump()
        return self._cache

    def __getstate__(self):
        state = self.__dict__.copy()
        state.pop("_cache", None)
        if "_recorder" in state:
            rec = state.pop("_recorder")
            cols, hashes, counts, offsets, data, ccols, ctok, ccnt = self._dump()
            state["_recorder_state"] = (
                rec.n_features,
                rec.max_tokens,
                data,
                offsets,
                counts,
                ccols,
                ctok,
                ccnt,
            )
        return state

    def __setstate__(self, state):
        saved = state.pop("_recorder_state", None)
        self.__dict__.update(state)
        self._cache = None
        if saved is not None:
            n_features, max_tokens, data, offsets, counts, ccols, ctok, ccnt = saved
            self._recorder = _hashing.Recorder(n_features, max_tokens)
            self._recorder.add(np.frombuffer(data, dtype=np.uint8), offsets, counts)
            self._recorder.add_dropped(ccols, ctok, ccnt)

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.string = True  # documents, as the hasher's
        tags.input_tags.two_d_array = False
        return tags

    def __sklearn_is_fitted__(self):
        return hasattr(self, "_recorder")

    def _table(self):
        """Per column, the slice of the sorted tokens: ``(cols, signs, counts, tokens,
        starts)`` with ``tokens[starts[c]:starts[c + 1]]`` the tokens of column c."""
        check_is_fitted(self)
        cols, hashes, counts, offsets, data, ccols, _, _ = self._dump()
        cache = self.__dict__.get("_table_cache")
        if cache is not None and cache[0] is self._cache:
            return cache[1]
        tokens = [
            data[offsets[i] : offsets[i + 1]].decode("utf-8", "backslashreplace")
            for i in range(cols.shape[0])
        ]
        if self.hasher.alternate_sign:
            signs = np.where(hashes.view(np.int32) < 0, -1, 1).astype(np.int8)
        else:
            signs = np.ones(cols.shape[0], dtype=np.int8)
        starts = np.searchsorted(cols, np.arange(self._recorder.n_features + 1))
        table = (cols, signs, counts, tokens, starts)
        self._table_cache = (self._cache, table)
        return table

    @property
    def n_features_out_(self):
        check_is_fitted(self)
        return int(self._recorder.n_features)

    @property
    def n_tokens_(self):
        check_is_fitted(self)
        return int(self._dump()[0].shape[0])

    @property
    def capped_columns_(self):
        check_is_fitted(self)
        return self._dump()[5].copy()

    # ------------------------------------------------------------------ names

    def column_tokens(self, column):
        """The recorded tokens of one column, most frequent first.

        Parameters
        ----------
        column : int
            A column of the hasher's output.

        Returns
        -------
        tokens : list of (str, int, int)
            ``(token, sign, count)``: the token, the sign of its occurrences (+1 or -1;
            always +1 without ``alternate_sign``) and its count in the recorded
            documents. Empty for a column no recorded token reached.

        Examples
        --------
        >>> from fasthash import HashingVectorizer, InverseHasher
        >>> inv = InverseHasher(HashingVectorizer(n_features=4)).fit(["a bb cc bb dd ee"])
        >>> inv.column_tokens(0)
        [('dd', -1, 1), ('ee', -1, 1)]
        >>> inv.column_tokens(3)
        [('bb', 1, 2)]
        """
        cols, signs, counts, tokens, starts = self._table()
        column = self._check_column(column)
        a, b = starts[column], starts[column + 1]
        return [(tokens[i], int(signs[i]), int(counts[i])) for i in range(a, b)]

    def _check_column(self, column):
        n = self._recorder.n_features
        if not isinstance(column, Integral) or not 0 <= column < n:
            raise IndexError(f"column must be an int in [0, {n}), got {column!r}")
        return int(column)

    def _name(self, column, table):
        cols, signs, counts, tokens, starts = table
        a, b = starts[column], starts[column + 1]
        if a == b:
            return f"x{column}"
        names = [tokens[i] if signs[i] > 0 else "-" + tokens[i] for i in range(a, b)]
        if self._is_capped(column):
            names.append("...")
        return " | ".join(names)

    def _is_capped(self, column):
        capped = self._dump()[5]
        k = np.searchsorted(capped, column)
        return k < capped.shape[0] and capped[k] == column

    def column_names(self, columns):
        """Names of some columns, in the style of ``get_feature_names_out``.

        Parameters
        ----------
        columns : array-like of int
            Columns of the hasher's output.

        Returns
        -------
        names : ndarray of str objects
            Per column, its tokens joined by ``" | "``, most frequent first, a negative
            sign written ``-token``, and ``" | ..."`` at the end if the column was capped;
            ``"x<column>"`` for a column no recorded token reached.

        Examples
        --------
        >>> from fasthash import HashingVectorizer, InverseHasher
        >>> inv = InverseHasher(HashingVectorizer(n_features=4)).fit(["a bb cc bb dd ee"])
        >>> inv.column_names([3, 0, 1])
        array(['bb', '-dd | -ee', 'x1'], dtype=object)
        """
        table = self._table()
        cols = [self._check_column(c) for c in np.asarray(columns).ravel().tolist()]
        return np.asarray([self._name(c, table) for c in cols], dtype=object)

    def get_feature_names_out(self, input_features=None):
        """Names of every column of the hasher's output (see :meth:`column_names`).

        Parameters
        ----------
        input_features : None
            Ignored (the input is documents).

        Returns
        -------
        feature_names_out : ndarray of str objects
            ``n_features`` names.

        Examples
        --------
        >>> from fasthash import HashingVectorizer, InverseHasher
        >>> inv = InverseHasher(HashingVectorizer(n_features=4)).fit(["a bb cc bb dd ee"])
        >>> inv.get_feature_names_out()
        array(['-dd | -ee', 'x1', '-cc', 'bb'], dtype=object)
        """
        return self.column_names(np.arange(self.n_features_out_))


# ---------------------------------------------------------------------- explaining


def _final_estimator(estimator):
    from sklearn.pipeline import Pipeline  # (not imported by `import fasthash`)

    while isinstance(estimator, Pipeline):
        estimator = estimator.steps[-1][1]
    return estimator


def _rows_of(model):
    """``(labels, weights, signed)``: one weight vector per class or target."""
    if hasattr(model, "coef_"):
        coef = model.coef_
        coef = coef.toarray() if sp.issparse(coef) else np.asarray(coef, dtype=np.float64)
        classes = getattr(model, "classes_", None)
        if coef.ndim == 1:
            return [None], coef[np.newaxis, :], True
        if classes is not None and coef.shape[0] == 1 and len(classes) == 2:
            return [np.asarray(classes).tolist()[1]], coef, True
        if classes is not None and coef.shape[0] == len(classes):
            return np.asarray(classes).tolist(), coef, True
        return list(range(coef.shape[0])), coef, True
    if hasattr(model, "feature_importances_"):
        imp = np.asarray(model.feature_importances_, dtype=np.float64)
        return [None], imp[np.newaxis, :], False
    raise TypeError(
        f"{type(model).__name__} has neither coef_ nor feature_importances_: fit a linear "
        "model or a forest (or a Pipeline ending in one) on the hashed features"
    )


def top_tokens(estimator, inverse_hasher, *, n_top=10):
    """The tokens with the largest weights in a model fitted on hashed features.

    For a linear model (``coef_``: classifiers, binary or multiclass, and regressors) each
    recorded token gets its column's weight times its sign (under ``alternate_sign`` a
    token whose hash is negative adds -1 to its column: its weight is the opposite of the
    column's); a column no recorded token reached appears as ``"x<column>"`` with the
    column's weight. For a forest or any model with ``feature_importances_`` each token
    gets its column's importance.

    Parameters
    ----------
    estimator : estimator or Pipeline
        A fitted model with ``coef_`` or ``feature_importances_`` over the hasher's
        columns, or a Pipeline ending in one (the steps before it, such as a
        ``TfidfTransformer``, must keep the columns).
    inverse_hasher : InverseHasher
        The map fitted on documents hashed by the same hasher.
    n_top : int, default=10
        Tokens per list.

    Returns
    -------
    explanation : list of TokenWeights
        One entry per class (one for a binary classifier, labelled with the positive
        class ``classes_[1]``), per target, or one for importances; each holds the
        ``positive`` and ``negative`` lists of :class:`TokenWeight`. Ties are broken by
        count (most frequent first), then column and token.

    Examples
    --------
    >>> from sklearn.linear_model import LogisticRegression
    >>> from fasthash import HashingVectorizer, InverseHasher, top_tokens
    >>> docs = ["good fine good", "bad awful", "fine good", "awful bad bad"]
    >>> vec = HashingVectorizer(n_features=2**10)
    >>> clf = LogisticRegression().fit(vec.transform(docs), ["pos", "neg", "pos", "neg"])
    >>> inv = InverseHasher(vec).fit(docs)
    >>> [(label, [t.token for t in pos], [t.token for t in neg])
    ...  for label, pos, neg in top_tokens(clf, inv, n_top=2)]
    [('pos', ['good', 'fine'], ['bad', 'awful'])]
    """
    if not isinstance(inverse_hasher, InverseHasher):
        raise TypeError(
            f"inverse_hasher must be an InverseHasher, got {type(inverse_hasher).__name__}"
        )
    if not isinstance(n_top, Integral) or n_top < 0:
        raise ValueError(f"n_top must be a non-negative int, got {n_top!r}")
    model = _final_estimator(estimator)
    check_is_fitted(inverse_hasher)
    try:
        check_is_fitted(model)
    except TypeError:
        pass
    except NotFittedError:
        raise
    labels, weights, signed = _rows_of(model)
    n_features = inverse_hasher.n_features_out_
    if weights.shape[1] != n_features:
        raise ValueError(
            f"the model has {weights.shape[1]} features, the map {n_features} columns: "
            "fit both on the same hasher's output"
        )
    cols, signs, counts, tokens, starts = inverse_hasher._table()
    reached = np.zeros(n_features, dtype=bool)
    reached[cols] = True
    empty = np.flatnonzero(~reached)
    tok_sign = signs.astype(np.float64) if signed else np.ones(cols.shape[0])
    # every (column, token) pair, then the unreached columns as placeholders
    all_cols = np.concatenate([cols, empty]).astype(np.int64)
    all_sign = np.concatenate([tok_sign, np.ones(empty.shape[0])])
    all_count = np.concatenate([counts, np.zeros(empty.shape[0], dtype=np.int64)])
    n_tok = cols.shape[0]

    def item(k, w):
        if k < n_tok:
            return TokenWeight(tokens[k], float(w), int(cols[k]), int(signs[k]), int(counts[k]))
        c = int(all_cols[k])
        return TokenWeight(f"x{c}", float(w), c, 1, 0)

    out = []
    for label, w in zip(labels, weights, strict=True):
        eff = all_sign * w[all_cols]
        # order: weight, then count descending, then position (column, then token order)
        pos_idx = np.flatnonzero(eff > 0)
        pos_idx = pos_idx[np.lexsort((pos_idx, -all_count[pos_idx], -eff[pos_idx]))][:n_top]
        neg_idx = np.flatnonzero(eff < 0) if signed else np.empty(0, dtype=np.intp)
        neg_idx = neg_idx[np.lexsort((neg_idx, -all_count[neg_idx], eff[neg_idx]))][:n_top]
        out.append(
            TokenWeights(
                label,
                [item(k, eff[k]) for k in pos_idx],
                [item(k, eff[k]) for k in neg_idx],
            )
        )
    return out
