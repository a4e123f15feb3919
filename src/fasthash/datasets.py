# Authors: The fasthash developers
# SPDX-License-Identifier: BSD-3-Clause
"""Real text corpora that need no download, for examples, benchmarks and ``fasthash demo``.

The loaders follow scikit-learn's dataset loaders (:func:`sklearn.datasets.fetch_20newsgroups`
and friends): they return a :class:`~sklearn.utils.Bunch` with ``data``, and for labelled
corpora ``target``, ``target_names`` and ``return_X_y``, plus a ``DESCR`` text. Nothing is
downloaded: the English corpora are the docstrings of the Python standard library of the
running interpreter, read from its sources with :mod:`ast`; the multilingual corpus is the
Unicode CLDR data shipped by ``babel``. Each corpus is built once per process (a second or
two) and is deterministic for a given interpreter (and ``babel`` version).

=====================================  ===========  =========  ====================
loader                                 documents    classes    size (UTF-8)
=====================================  ===========  =========  ====================
:func:`load_english_documents`         ~4000-6500   --         1-2 MB
:func:`load_english_topics`            ~2000-3000   ~11        ~0.5 MB
:func:`load_multilingual_documents`    ~1800        ~330       ~4.5 MB (needs babel)
=====================================  ===========  =========  ====================
"""

import platform

import numpy as np
from sklearn.utils import Bunch

from fasthash import _corpus

__all__ = ["load_english_documents", "load_english_topics", "load_multilingual_documents"]

_ENGLISH_DOCUMENTS_DESCR = """\
English documents: the docstrings of the Python standard library
=================================================================

Real English prose that needs no download: the module, class and function docstrings of
the top-level modules of the Python standard library and of a few of its packages
(collections, concurrent, email, http, importlib, json, logging, tkinter, unittest,
wsgiref, xmlrpc; test suites excluded), extracted with ``ast`` from the ``.py`` sources
of the running interpreter (no module is imported) and cleaned with
``inspect.cleandoc``. Files are read in sorted order and the docstrings of each file in
source order, so the corpus is the same on every run of a given interpreter.

This is the corpus ``fasthash demo`` hashes.

:Python: {python}
:Documents: {n_documents}
:Size: {mb:.2f} MB of UTF-8 (MB = 10**6 bytes)
"""

_ENGLISH_TOPICS_DESCR = """\
English topics: standard-library docstrings labelled by package
================================================================

A real, imbalanced, multi-class text classification task that needs no download. The
documents are the docstrings of ``load_english_documents`` that come from one of the
standard library's packages read there; each is labelled with the name of its package
(``email``, ``logging``, ``tkinter``, ``unittest``, ...). The docstrings of top-level
modules are left out. Some classes are small (a few dozen documents), as in real data.

:Python: {python}
:Documents: {n_documents}
:Classes: {n_classes} ({class_counts})
:Size: {mb:.2f} MB of UTF-8 (MB = 10**6 bytes)
"""

_MULTILINGUAL_DESCR = """\
Multilingual documents: Unicode CLDR text in every language babel ships
========================================================================

Real text in many scripts that needs no download, from the Unicode Common Locale Data
Repository as shipped by the ``babel`` package. For every locale that names a language,
optionally with a script (``el``, ``tr``, ``ru``, ``ar``, ``he``, ``hi``, ``th``,
``zh_Hans``, ``zh_Hant``, ``ja``, ``ko``, ...; regional variants such as ``en_AU`` are
skipped as near-duplicates), a few paragraphs written in that language: the names of
languages, of territories, of scripts and measurement systems, of currencies, and the
calendar (months, days, quarters, eras, day periods). When the interpreter ships them,
the UTF-8 samples of CPython's ``test/cjkencodings`` (Chinese, Japanese, Korean)
follow. Identical documents appear once.

The target is the language of each document (the locale's language code, so ``zh_Hans``
and ``zh_Hant`` are both ``zh``): a language-identification task with a few documents per
language. The text exercises Greek final sigma, Turkish dotted capital I, combining marks
of Indic scripts, right-to-left scripts, CJK ideographs, Hangul and more.

:babel: {babel}
:Python: {python}
:Documents: {n_documents}
:Languages: {n_classes}
:Size: {mb:.2f} MB of UTF-8 (MB = 10**6 bytes)
"""


def _megabytes(documents):
    return sum(len(doc.encode("utf-8")) for doc in documents) / 1e6


def _check_return_X_y(return_X_y):
    if not isinstance(return_X_y, (bool, np.bool_)):
        raise TypeError(
            f"return_X_y must be a bool, got {type(return_X_y).__name__}: {return_X_y!r}"
        )


def _labelled(documents, labels, return_X_y, descr):
    """Build the Bunch (or the pair) of a labelled corpus; classes are sorted by name."""
    target_names, target = np.unique(np.asarray(labels, dtype=object), return_inverse=True)
    target = target.astype(np.int64, copy=False)
    target_names = [str(name) for name in target_names]
    if return_X_y:
        return documents, target
    return Bunch(data=documents, target=target, target_names=target_names, DESCR=descr)


def load_english_documents(*, max_bytes=None):
    """Load English documents: the docstrings of the Python standard library.

    The docstrings of the top-level modules of the standard library and of a few of its
    packages (``email``, ``logging``, ``tkinter``, ...; test suites excluded), read with
    :mod:`ast` from the sources of the running interpreter; no module is imported and
    nothing is downloaded. About 4000-6500 documents, 1-2 MB of UTF-8, in a fixed order:
    the result is the same on every run of a given interpreter. This is the corpus that
    ``fasthash demo`` hashes.

    The corpus is built once per process (a second or two) and cached; every call returns
    a new list.

    Parameters
    ----------
    max_bytes : int or None, default=None
        If given, keep the longest prefix of the documents whose total UTF-8 size is at
        most ``max_bytes`` (whole documents only; ``0`` gives no document).

    Returns
    -------
    data : :class:`~sklearn.utils.Bunch`
        Dictionary-like object, with the following attributes.

        data : list of str
            The documents.
        DESCR : str
            The description of the corpus, with its size on this interpreter.

    Raises
    ------
    TypeError
        If ``max_bytes`` is not an integer or None.
    ValueError
        If ``max_bytes`` is negative.

    See Also
    --------
    load_english_topics : The same kind of text, labelled by standard-library package.

    Examples
    --------
    >>> from fasthash import HashingVectorizer
    >>> from fasthash.datasets import load_english_documents
    >>> docs = load_english_documents(max_bytes=100_000).data
    >>> sum(len(doc.encode("utf-8")) for doc in docs) <= 100_000
    True
    >>> X = HashingVectorizer(n_features=2**18).transform(docs)
    >>> X.shape == (len(docs), 2**18)
    True
    """
    documents = _corpus.english_documents(max_bytes=max_bytes)
    descr = _ENGLISH_DOCUMENTS_DESCR.format(
        python=platform.python_version(),
        n_documents=len(documents),
        mb=_megabytes(documents),
    )
    return Bunch(data=documents, DESCR=descr)


def load_english_topics(*, return_X_y=False):
    """Load a labelled English text-classification task: docstrings by package.

    The documents of :func:`load_english_documents` that come from one of the standard
    library's packages read there, each labelled with the name of its package
    (``collections``, ``email``, ``logging``, ``tkinter``, ``unittest``, ...). Real,
    imbalanced, multi-class English text that needs no download: about 2000-3000
    documents in about eleven classes, some of them small. Deterministic for a given
    interpreter; built once per process and cached.

    Parameters
    ----------
    return_X_y : bool, default=False
        If True, return ``(data, target)`` instead of a Bunch.

    Returns
    -------
    data : :class:`~sklearn.utils.Bunch`
        Dictionary-like object, with the following attributes.

        data : list of str
            The documents.
        target : ndarray of shape (n_documents,), dtype=int64
            The index of each document's class in ``target_names``.
        target_names : list of str
            The package names, sorted.
        DESCR : str
            The description of the corpus, with its size on this interpreter.

    (data, target) : tuple if ``return_X_y`` is True
        The list of documents and the ndarray of class indices.

    Raises
    ------
    TypeError
        If ``return_X_y`` is not a bool.

    See Also
    --------
    load_english_documents : All the docstrings, unlabelled.

    Examples
    --------
    >>> from fasthash.datasets import load_english_topics
    >>> topics = load_english_topics()
    >>> len(topics.data) == len(topics.target)
    True
    >>> "logging" in topics.target_names
    True
    >>> docs, y = load_english_topics(return_X_y=True)
    >>> y.dtype
    dtype('int64')
    """
    _check_return_X_y(return_X_y)
    documents, labels = _corpus.english_topics()
    names, counts = np.unique(labels, return_counts=True)
    descr = _ENGLISH_TOPICS_DESCR.format(
        python=platform.python_version(),
        n_documents=len(documents),
        n_classes=len(names),
        class_counts=", ".join(f"{n}: {c}" for n, c in zip(names, counts, strict=True)),
        mb=_megabytes(documents),
    )
    return _labelled(documents, labels, return_X_y, descr)


def load_multilingual_documents(*, return_X_y=False):
    """Load real text in many scripts, labelled by language (Unicode CLDR, via babel).

    For every locale of ``babel`` that names a language, optionally with a script
    (regional variants such as ``en_AU`` are skipped as near-duplicates), a few
    paragraphs written in that language: the names of languages, territories, scripts,
    currencies, months and days. When the interpreter ships them, the UTF-8 samples of
    CPython's ``test/cjkencodings`` follow. About 1800 documents in about 330 languages,
    4-5 MB of UTF-8 that exercise Greek final sigma, Turkish dotted capital I, Indic
    combining marks, right-to-left scripts, CJK ideographs and Hangul. Deterministic for a
    given ``babel`` version; built once per process and cached.

    Parameters
    ----------
    return_X_y : bool, default=False
        If True, return ``(data, target)`` instead of a Bunch.

    Returns
    -------
    data : :class:`~sklearn.utils.Bunch`
        Dictionary-like object, with the following attributes.

        data : list of str
            The documents.
        target : ndarray of shape (n_documents,), dtype=int64
            The index of each document's language in ``target_names``.
        target_names : list of str
            The language codes (``"ar"``, ``"el"``, ``"zh"``, ...), sorted.
        DESCR : str
            The description of the corpus, with its size.

    (data, target) : tuple if ``return_X_y`` is True
        The list of documents and the ndarray of language indices.

    Raises
    ------
    ImportError
        If ``babel`` is not installed (``pip install babel``).
    TypeError
        If ``return_X_y`` is not a bool.

    Examples
    --------
    >>> from fasthash.datasets import load_multilingual_documents
    >>> corpus = load_multilingual_documents()
    >>> greek = corpus.target_names.index("el")
    >>> any("Ελληνικά" in doc for doc, y in zip(corpus.data, corpus.target) if y == greek)
    True
    """
    _check_return_X_y(return_X_y)
    documents, languages = _corpus.multilingual_languages()
    import babel  # importable: multilingual_languages() raised the install hint otherwise

    descr = _MULTILINGUAL_DESCR.format(
        babel=babel.__version__,
        python=platform.python_version(),
        n_documents=len(documents),
        n_classes=len(set(languages)),
        mb=_megabytes(documents),
    )
    return _labelled(documents, languages, return_X_y, descr)
