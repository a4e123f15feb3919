# Authors: The fasthash developers
# SPDX-License-Identifier: BSD-3-Clause
"""Parity with scikit-learn on real text: every CLDR language (babel) and English prose.

The corpora come from :mod:`fasthash._corpus` (deterministic, no download). The word
analyzer runs on the whole corpora (~3 MB and ~1.3 MB); the character analyzers, which
scikit-learn runs ~10x slower, and the configurations analysed in Python (accent
stripping, a callable analyzer) on every 10th document.
"""

import io

import numpy as np
import pytest
from _helpers import (
    FhHashingVectorizer,
    SkHashingVectorizer,
    assert_csr_identical,
    compare_with_sklearn,
)

from fasthash import python_analysis_reason

_corpus = pytest.importorskip("fasthash._corpus")


def _load(name):
    fn = getattr(_corpus, name, None)
    if fn is None:
        pytest.skip(f"fasthash._corpus.{name} does not exist yet")
    try:
        docs = fn()
    except ImportError as exc:  # babel missing
        pytest.skip(str(exc))
    assert isinstance(docs, list) and docs and all(isinstance(d, str) for d in docs)
    return docs


@pytest.fixture(scope="module")
def corpora():
    return {"multilingual": _load("multilingual_documents"), "english": _load("english_documents")}


def _split(doc):
    return doc.split()


CONFIGS = [
    # (id, params, char subset?)
    ("word-default", {}, False),
    ("word-lowercase-False", {"lowercase": False}, False),
    (
        "word-stop-ngram12-float32",
        {"stop_words": "english", "ngram_range": (1, 2), "dtype": np.float32},
        False,
    ),
    (
        "word-ngram12-lowercase-False-l1",
        {"ngram_range": (1, 2), "lowercase": False, "norm": "l1"},
        False,
    ),
    (
        "word-ngram23-binary-nosign",
        {"ngram_range": (2, 3), "binary": True, "alternate_sign": False},
        False,
    ),
    (
        "word-small-n_features-int32",
        {"n_features": 1000003, "dtype": np.int32, "norm": None},
        False,
    ),
    ("word-strip-unicode", {"strip_accents": "unicode"}, True),
    ("word-strip-ascii-float32", {"strip_accents": "ascii", "dtype": np.float32}, True),
    ("char-12", {"analyzer": "char", "ngram_range": (1, 2)}, True),
    (
        "char-12-lowercase-False-float32",
        {"analyzer": "char", "ngram_range": (1, 2), "lowercase": False, "dtype": np.float32},
        True,
    ),
    ("char_wb-24", {"analyzer": "char_wb", "ngram_range": (2, 4)}, True),
    (
        "char_wb-12-float32-lowercase-False",
        {"analyzer": "char_wb", "ngram_range": (1, 2), "dtype": np.float32, "lowercase": False},
        True,
    ),
    ("callable", {"analyzer": _split}, True),
]


def _docs(corpora, name, subset):
    docs = corpora[name]
    return docs[::10] if subset else docs


@pytest.mark.parametrize("corpus", ["multilingual", "english"])
@pytest.mark.parametrize("config_id, params, subset", CONFIGS, ids=[c[0] for c in CONFIGS])
def test_corpus_matches_sklearn(corpora, corpus, config_id, params, subset):
    docs = _docs(corpora, corpus, subset)
    expected = compare_with_sklearn(params, lambda: docs, n_jobs=(1, 2))
    assert expected.ok
    X = expected.result
    if params.get("strip_accents") != "ascii":  # 'ascii' drops every non-Latin script
        # the corpus is real text: most rows have features
        assert np.count_nonzero(np.diff(X.indptr)) > 0.9 * X.shape[0]


@pytest.mark.parametrize("corpus", ["multilingual", "english"])
@pytest.mark.parametrize(
    "params",
    [
        {},
        {"stop_words": "english", "ngram_range": (1, 2), "dtype": np.float32},
        {"analyzer": "char_wb", "ngram_range": (1, 3), "lowercase": False},
    ],
    ids=["word", "word-stop-ngram", "char_wb"],
)
@pytest.mark.parametrize("form", ["utf8-bytes", "generator", "bytes-generator"])
def test_corpus_input_forms(corpora, corpus, params, form):
    docs = _docs(corpora, corpus, subset=params.get("analyzer", "word") != "word")
    encoded = [d.encode("utf-8") for d in docs]
    expected = SkHashingVectorizer(**params).transform(docs)
    if form == "utf8-bytes":
        make = lambda: encoded  # noqa: E731
    elif form == "generator":
        make = lambda: (d for d in docs)  # noqa: E731
    else:
        make = lambda: (d for d in encoded)  # noqa: E731
    for n_jobs in (1, 2):
        got = FhHashingVectorizer(**params, n_jobs=n_jobs).transform(make())
        assert_csr_identical(got, expected)


@pytest.mark.parametrize("encoding", ["utf-16", "utf-8-sig", "gb18030"])
def test_corpus_other_encodings(corpora, encoding):
    docs = corpora["multilingual"][::3]
    encoded = [d.encode(encoding) for d in docs]
    params = {"encoding": encoding, "ngram_range": (1, 2)}
    expected = SkHashingVectorizer(**params).transform(encoded)
    assert_csr_identical(expected, SkHashingVectorizer(ngram_range=(1, 2)).transform(docs))
    for n_jobs in (1, 2):
        assert_csr_identical(
            FhHashingVectorizer(**params, n_jobs=n_jobs).transform(encoded), expected
        )


def test_corpus_latin1_with_replace(corpora):
    """Latin-1 bytes decoded as UTF-8 with errors='replace' / 'ignore'."""
    docs = [d for d in corpora["multilingual"] if all(ord(c) < 256 for c in d)][:300]
    assert docs
    encoded = [d.encode("latin-1") for d in docs]
    for decode_error in ("replace", "ignore"):
        compare_with_sklearn({"decode_error": decode_error}, lambda: encoded, n_jobs=(1, 2))
    assert not compare_with_sklearn({}, lambda: encoded, n_jobs=(2,)).ok


@pytest.mark.parametrize("input_kind", ["filename", "file"])
def test_corpus_files(corpora, tmp_path, input_kind):
    docs = corpora["multilingual"][::8] + corpora["english"][::40]
    paths = []
    for i, doc in enumerate(docs):
        path = tmp_path / f"{i:05d}.txt"
        path.write_bytes(doc.encode("utf-8"))
        paths.append(path)
    expected = SkHashingVectorizer(ngram_range=(1, 2)).transform(docs)

    def make():
        if input_kind == "filename":
            return [str(p) for p in paths]
        return (io.BytesIO(p.read_bytes()) for p in paths)

    for n_jobs in (1, 2):
        vec = FhHashingVectorizer(input=input_kind, ngram_range=(1, 2), n_jobs=n_jobs)
        assert python_analysis_reason(vec) is None
        assert_csr_identical(vec.transform(make()), expected)


def test_corpus_native_path_used():
    for params in (
        {},
        {"lowercase": False},
        {"stop_words": "english", "ngram_range": (1, 2), "dtype": np.float32},
    ):
        assert python_analysis_reason(FhHashingVectorizer(**params)) is None


def test_corpus_is_deterministic(corpora):
    assert _corpus.multilingual_documents() == corpora["multilingual"]
    assert _corpus.english_documents() == corpora["english"]
    assert len(corpora["multilingual"]) > 500
    # several scripts are present
    text = "".join(corpora["multilingual"])
    for sample in ("中", "ا", "α", "д", "अ", "ა"):
        assert sample in text
