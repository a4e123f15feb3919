# Authors: The fasthash developers
# SPDX-License-Identifier: BSD-3-Clause
"""Deterministic, download-free text corpora for tests, benchmarks and ``fasthash demo``.

Two sources of real text that need no network access:

- :func:`english_documents`: English prose from the docstrings of the Python standard
  library, read from its ``.py`` sources with :mod:`ast` (no module is imported).
- :func:`multilingual_documents`: names of languages, territories, scripts, currencies,
  months, days, ... in every language of the Unicode CLDR, as shipped by ``babel``, plus
  CPython's ``test/cjkencodings/*-utf8.txt`` samples when the interpreter ships them.

Both are deterministic for a given interpreter (and ``babel`` version), built once per
process and returned as a fresh list on every call, so callers may mutate the result.
Users reach them through the public loaders of :mod:`fasthash.datasets`.
"""

import ast
import functools
import gc
import os
import sysconfig
import threading
import warnings
from collections.abc import Iterator, Mapping
from pathlib import Path

__all__ = [
    "english_documents",
    "english_topics",
    "multilingual_documents",
    "multilingual_languages",
]

# Packages of the standard library walked after its top-level modules: chosen for a high
# share of prose docstrings, so the corpus reaches ~1-2 MB while parsing stays well under 2 s.
# Packages absent from the running interpreter are skipped.
_STDLIB_PACKAGES = (
    "collections",
    "concurrent",
    "email",
    "http",
    "importlib",
    "json",
    "logging",
    "tkinter",
    "unittest",
    "wsgiref",
    "xmlrpc",
)
# Sub-directories never walked: test suites and their data are code, not prose.
_SKIPPED_DIRS = frozenset({"test", "tests", "idle_test", "__pycache__"})

_DEFINITIONS = (ast.Module, ast.ClassDef, ast.FunctionDef, ast.AsyncFunctionDef)
# Statement fields holding nested statements, in source order (ast.Try: body, handlers,
# orelse, finalbody; ast.Match: cases).
_BLOCK_FIELDS = ("body", "handlers", "orelse", "finalbody", "cases")
_BLOCKS = (ast.stmt, ast.excepthandler, ast.match_case)

_BABEL_HINT = (
    "multilingual_documents() needs the optional dependency 'babel': "
    'pip install babel  (or pip install "fasthash[test]")'
)

_build_lock = threading.Lock()


def _stdlib_dir():
    return Path(sysconfig.get_paths()["stdlib"])


def _stdlib_sources(root):
    """Yield the ``.py`` files walked by :func:`english_documents`, in a fixed order."""
    yield from sorted(p for p in root.glob("*.py") if p.is_file())
    for package in _STDLIB_PACKAGES:
        pkg_dir = root / package
        if not pkg_dir.is_dir():
            continue
        files = []
        for dirpath, dirnames, filenames in os.walk(pkg_dir):
            dirnames[:] = [d for d in dirnames if d not in _SKIPPED_DIRS]
            files.extend(Path(dirpath, f) for f in filenames if f.endswith(".py"))
        # Sort by path parts, not by str: "a/b.py" vs "a_b.py" must not depend on "/" vs "_".
        yield from sorted(files, key=lambda p: p.relative_to(root).parts)


def _docstrings(node, out):
    """Append the docstrings of ``node`` and of every definition nested in it, pre-order."""
    if isinstance(node, _DEFINITIONS):
        doc = ast.get_docstring(node, clean=True)
        if doc and not doc.isspace():
            out.append(doc)
    for field in _BLOCK_FIELDS:
        for child in getattr(node, field, None) or ():
            # Definitions can only appear as statements (lambdas have no docstring), so
            # expressions are never visited: several times faster than ast.walk.
            if isinstance(child, _BLOCKS):
                _docstrings(child, out)


def _topic(root, path):
    """The standard-library package of ``path`` ("" for a top-level module)."""
    parts = path.relative_to(root).parts
    return parts[0] if len(parts) > 1 else ""


@functools.lru_cache(maxsize=1)
def _english_corpus():
    return tuple(doc for doc, _topic_name in _english_corpus_labeled())


@functools.lru_cache(maxsize=1)
def _english_corpus_labeled():
    root = _stdlib_dir()
    docs = []
    # Some stdlib sources trigger SyntaxWarning/DeprecationWarning when parsed by a newer
    # interpreter (invalid escapes in non-raw strings, ...). They are irrelevant here and
    # must not become errors under ``-W error``.
    # ast.parse allocates millions of short-lived, acyclic nodes: the cyclic collector
    # would rescan every live object many times over (2-3x the parse time in a process
    # that has imported scipy/sklearn), while reference counting frees each tree.
    gc_was_enabled = gc.isenabled()
    gc.disable()
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            for path in _stdlib_sources(root):
                try:
                    tree = ast.parse(path.read_bytes(), filename=str(path))
                except (OSError, SyntaxError, ValueError, RecursionError, MemoryError):
                    continue  # unreadable or not parseable by this interpreter: skip it
                file_docs = []
                _docstrings(tree, file_docs)
                del tree
                topic = _topic(root, path)
                docs.extend((doc, topic) for doc in file_docs)
    finally:
        if gc_was_enabled:
            gc.enable()
    return tuple(docs)


def english_documents(max_bytes=None):
    """Return English documents: the docstrings of the Python standard library.

    The docstrings of the top-level modules of the standard library and of a few of
    its packages (``email``, ``logging``, ``tkinter``, ...; test suites excluded) are
    extracted with :mod:`ast` from the ``.py`` sources under
    ``sysconfig.get_paths()["stdlib"]``; no module is imported. Files are read in sorted
    order and the module, class and function docstrings of each file in source order,
    cleaned with :func:`inspect.cleandoc`; empty docstrings are skipped. The result is
    deterministic for a given interpreter: about 4000-6000 documents, 1-2 MB of UTF-8.

    The corpus is built once per process (under a second or two) and cached.

    Parameters
    ----------
    max_bytes : int or None, default=None
        If given, return the longest prefix of the documents whose total UTF-8 size is at
        most ``max_bytes`` (whole documents only; ``0`` gives an empty list).

    Returns
    -------
    documents : list of str
        A new list on every call.

    Raises
    ------
    ValueError
        If ``max_bytes`` is negative.
    TypeError
        If ``max_bytes`` is not an integer or None.

    Examples
    --------
    >>> from fasthash._corpus import english_documents
    >>> docs = english_documents(max_bytes=100_000)
    >>> sum(len(d.encode("utf-8")) for d in docs) <= 100_000
    True
    """
    if max_bytes is not None:
        if isinstance(max_bytes, bool) or not isinstance(max_bytes, int):
            raise TypeError(
                f"max_bytes must be an int or None, got {type(max_bytes).__name__}: {max_bytes!r}"
            )
        if max_bytes < 0:
            raise ValueError(f"max_bytes must be >= 0, got {max_bytes}")
    with _build_lock:
        docs = _english_corpus()
    if max_bytes is None:
        return list(docs)
    out = []
    total = 0
    for doc in docs:
        total += len(doc.encode("utf-8"))
        if total > max_bytes:
            break
        out.append(doc)
    return out


def english_topics():
    """Return a labelled text-classification task: docstrings and their stdlib package.

    The documents of :func:`english_documents` that come from one of the standard
    library's packages walked there (``email``, ``logging``, ``tkinter``, ``unittest``,
    ...), each labelled with the name of its package; the docstrings of top-level modules
    are left out. Real, imbalanced, multi-class English text that needs no download: about
    2000-3000 documents in about ten classes, some of them small. Deterministic for a
    given interpreter and cached like :func:`english_documents`.

    Returns
    -------
    documents : list of str
        A new list on every call.
    labels : list of str
        The package of each document, as long as ``documents``.

    Examples
    --------
    >>> from fasthash._corpus import english_topics
    >>> docs, labels = english_topics()
    >>> len(docs) == len(labels) and "logging" in labels
    True
    """
    with _build_lock:
        pairs = _english_corpus_labeled()
    pairs = [(doc, topic) for doc, topic in pairs if topic]
    return [doc for doc, _ in pairs], [topic for _, topic in pairs]


# ---------------------------------------------------------------------------------------
# Multilingual corpus
# ---------------------------------------------------------------------------------------


def _sort_key(key):
    # Month/day keys are ints, most others str: order ints numerically, then strings.
    return (not isinstance(key, int), key if isinstance(key, int) else str(key))


def _strings(value):
    """Yield the non-empty string leaves of nested babel data, in a fixed order."""
    if isinstance(value, str):
        if value and not value.isspace():
            yield value
    elif isinstance(value, Mapping):
        for key in sorted(value.keys(), key=_sort_key):
            yield from _strings(value[key])
    elif isinstance(value, (list, tuple)):
        for item in value:
            yield from _strings(item)


def _unique(strings):
    seen = set()
    for s in strings:
        if s not in seen:
            seen.add(s)
            yield s


def _paragraph(title, values):
    names = list(_unique(values))
    if not names:
        return None
    return f"{title}: " + ", ".join(names) + "."


def _locale_documents(locale) -> Iterator[str]:
    """Yield a few paragraphs of real text for one babel ``Locale``."""
    title = locale.display_name or str(locale)
    sections = (
        ("languages", lambda: _strings(locale.languages)),
        ("territories", lambda: _strings(locale.territories)),
        (
            "scripts",
            lambda: (*_strings(locale.scripts), *_strings(locale.measurement_systems)),
        ),
        ("currencies", lambda: _strings(locale.currencies)),
        (
            "calendar",
            lambda: (
                *_strings(locale.months),
                *_strings(locale.days),
                *_strings(locale.quarters),
                *_strings(locale.eras),
                *_strings(locale.day_periods),
            ),
        ),
    )
    for _name, get in sections:
        try:
            values = get()
        except (KeyError, AttributeError, LookupError):  # incomplete locale data
            continue
        para = _paragraph(title, values)
        if para is not None:
            yield para


# The language of each UTF-8 sample of CPython's ``test/cjkencodings``, by the prefix of its
# file name (the encoding it was written for). A sample whose prefix is not listed is skipped.
_CJK_LANGUAGES = (
    ("big5", "zh"),
    ("gb", "zh"),
    ("hz", "zh"),
    ("euc_jp", "ja"),
    ("euc_jis", "ja"),
    ("shift_jis", "ja"),
    ("iso2022_jp", "ja"),
    ("cp949", "ko"),
    ("euc_kr", "ko"),
    ("johab", "ko"),
    ("iso2022_kr", "ko"),
)


def _cjk_language(path):
    for prefix, language in _CJK_LANGUAGES:
        if path.name.startswith(prefix):
            return language
    return None


def _cjk_documents():
    """Yield ``(text, language)`` for the UTF-8 samples of CPython's ``test/cjkencodings``."""
    directory = _stdlib_dir() / "test" / "cjkencodings"
    if not directory.is_dir():
        return
    for path in sorted(directory.glob("*-utf8.txt")):
        language = _cjk_language(path)
        if language is None:
            continue
        try:
            text = path.read_bytes().decode("utf-8")
        except (OSError, UnicodeDecodeError):
            continue
        if text and not text.isspace():
            yield text, language


@functools.lru_cache(maxsize=1)
def _multilingual_corpus():
    return tuple(doc for doc, _language in _multilingual_corpus_labeled())


@functools.lru_cache(maxsize=1)
def _multilingual_corpus_labeled():
    try:
        from babel import Locale, localedata
    except ImportError as exc:  # pragma: no cover - exercised without babel installed
        raise ImportError(_BABEL_HINT) from exc

    pairs = []
    for identifier in sorted(localedata.locale_identifiers()):
        try:
            locale = Locale.parse(identifier)
        except (ValueError, LookupError):
            continue
        # Regional variants (en_AU, ar_EG, ...) mostly repeat their parent: keep one
        # locale per language and script (el, tr, zh_Hans, zh_Hant, sr_Latn, ...).
        if locale.territory is not None or locale.variant is not None:
            continue
        pairs.extend((doc, locale.language) for doc in _locale_documents(locale))
    pairs.extend(_cjk_documents())
    # Identical documents appear once, labelled by their first occurrence.
    seen = set()
    unique = []
    for doc, language in pairs:
        if doc not in seen:
            seen.add(doc)
            unique.append((doc, language))
    return tuple(unique)


def multilingual_documents():
    """Return real text in many scripts, from the Unicode CLDR data shipped by ``babel``.

    For every locale of ``babel.localedata.locale_identifiers()`` (sorted) that names a
    language, optionally with a script (``el``, ``tr``, ``ru``, ``ar``, ``he``, ``hi``,
    ``th``, ``zh_Hans``, ``zh_Hant``, ``ja``, ``ko``, ``ka``, ``hy``, ``am``, ...; regional
    variants such as ``en_AU`` are skipped as near-duplicates), a few paragraphs in that
    language: the names of languages, of territories, of scripts and measurement systems,
    of currencies, and the calendar (months, days, quarters, eras, day periods). This
    exercises Greek final sigma, Turkish dotted capital I, combining marks of Indic
    scripts, right-to-left scripts, CJK ideographs, Hangul and more. When the interpreter
    ships them, the UTF-8 samples of CPython's ``test/cjkencodings`` follow.

    Deterministic for a given ``babel`` version (and interpreter); identical documents
    appear once. Built once per process and cached.

    Returns
    -------
    documents : list of str
        A new list on every call.

    Raises
    ------
    ImportError
        If ``babel`` is not installed (``pip install babel`` or
        ``pip install "fasthash[test]"``).

    Examples
    --------
    >>> from fasthash._corpus import multilingual_documents
    >>> docs = multilingual_documents()  # doctest: +SKIP
    >>> any("Ελληνικά" in d for d in docs)  # doctest: +SKIP
    True
    """
    with _build_lock:
        docs = _multilingual_corpus()
    return list(docs)


def multilingual_languages():
    """Return the documents of :func:`multilingual_documents` and the language of each.

    The language of a CLDR paragraph is that of its locale (``babel.Locale.language``:
    ``"el"``, ``"zh"`` for both ``zh_Hans`` and ``zh_Hant``, ...); that of a
    ``test/cjkencodings`` sample is the language its encoding was made for (``"zh"``,
    ``"ja"`` or ``"ko"``).

    Returns
    -------
    documents : list of str
        Equal to :func:`multilingual_documents`; a new list on every call.
    languages : list of str
        The language code of each document, as long as ``documents``.

    Raises
    ------
    ImportError
        If ``babel`` is not installed.

    Examples
    --------
    >>> from fasthash._corpus import multilingual_languages
    >>> docs, languages = multilingual_languages()  # doctest: +SKIP
    >>> languages[docs.index(next(d for d in docs if "Ελληνικά" in d))]  # doctest: +SKIP
    'el'
    """
    with _build_lock:
        pairs = _multilingual_corpus_labeled()
    return [doc for doc, _ in pairs], [language for _, language in pairs]
