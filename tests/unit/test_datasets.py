# Authors: The fasthash developers
# SPDX-License-Identifier: BSD-3-Clause
"""fasthash.datasets: the public loaders of the embedded corpora."""

import doctest

import numpy as np
import pytest
from sklearn.utils import Bunch

import fasthash.datasets
from fasthash import _corpus
from fasthash.datasets import (
    load_english_documents,
    load_english_topics,
    load_multilingual_documents,
)


def test_english_documents_bunch():
    bunch = load_english_documents()
    assert isinstance(bunch, Bunch)
    assert set(bunch) == {"data", "DESCR"}
    assert bunch.data == _corpus.english_documents()
    assert len(bunch.data) > 1000 and all(isinstance(d, str) and d for d in bunch.data)
    assert f"Documents: {len(bunch.data)}" in bunch.DESCR
    # A new list on every call: mutating one result does not change the next.
    bunch.data.clear()
    assert load_english_documents().data


def test_english_documents_max_bytes():
    full = load_english_documents().data
    part = load_english_documents(max_bytes=50_000).data
    assert part == full[: len(part)]
    assert sum(len(d.encode("utf-8")) for d in part) <= 50_000
    assert sum(len(d.encode("utf-8")) for d in full[: len(part) + 1]) > 50_000
    assert load_english_documents(max_bytes=0).data == []
    with pytest.raises(ValueError, match="max_bytes must be >= 0"):
        load_english_documents(max_bytes=-1)
    with pytest.raises(TypeError, match="max_bytes must be an int or None"):
        load_english_documents(max_bytes=1.5)
    with pytest.raises(TypeError):
        load_english_documents(50_000)  # keyword-only, as scikit-learn's loaders


def test_english_topics_bunch():
    bunch = load_english_topics()
    assert set(bunch) == {"data", "target", "target_names", "DESCR"}
    docs, labels = _corpus.english_topics()
    assert bunch.data == docs
    assert bunch.target.dtype == np.int64 and bunch.target.shape == (len(docs),)
    assert bunch.target_names == sorted(set(labels))
    assert [bunch.target_names[i] for i in bunch.target] == labels
    assert {"logging", "email", "tkinter"} <= set(bunch.target_names)
    assert f"Classes: {len(bunch.target_names)}" in bunch.DESCR


def test_english_topics_return_X_y():
    X, y = load_english_topics(return_X_y=True)
    bunch = load_english_topics()
    assert X == bunch.data
    np.testing.assert_array_equal(y, bunch.target)
    with pytest.raises(TypeError, match="return_X_y must be a bool"):
        load_english_topics(return_X_y="yes")


def test_english_topics_is_a_classification_task():
    # The loader is meant for examples: a hashed linear model must learn it.
    from sklearn.linear_model import SGDClassifier
    from sklearn.model_selection import train_test_split

    from fasthash import HashingVectorizer

    X, y = load_english_topics(return_X_y=True)
    X_train, X_test, y_train, y_test = train_test_split(
        X, y, test_size=0.3, random_state=0, stratify=y
    )
    vectorizer = HashingVectorizer(n_features=2**18)
    model = SGDClassifier(random_state=0).fit(vectorizer.transform(X_train), y_train)
    accuracy = model.score(vectorizer.transform(X_test), y_test)
    majority = np.bincount(y_test).max() / len(y_test)
    assert accuracy > majority + 0.2


def test_multilingual_documents():
    pytest.importorskip("babel")
    bunch = load_multilingual_documents()
    assert set(bunch) == {"data", "target", "target_names", "DESCR"}
    assert bunch.data == _corpus.multilingual_documents()
    assert len(set(bunch.data)) == len(bunch.data)
    assert bunch.target.shape == (len(bunch.data),)
    names = bunch.target_names
    assert names == sorted(names) and len(names) > 100
    label = dict(zip(bunch.data, (names[i] for i in bunch.target), strict=True))
    greek = next(d for d in bunch.data if d.startswith("Ελληνικά:"))
    assert label[greek] == "el"
    assert label[next(d for d in bunch.data if d.startswith("Türkçe:"))] == "tr"
    X, y = load_multilingual_documents(return_X_y=True)
    assert X == bunch.data
    np.testing.assert_array_equal(y, bunch.target)


def test_multilingual_cjk_samples_labelled_by_language(tmp_path, monkeypatch):
    directory = tmp_path / "test" / "cjkencodings"
    directory.mkdir(parents=True)
    (directory / "big5-utf8.txt").write_text("中文", encoding="utf-8")
    (directory / "shift_jis-utf8.txt").write_text("日本語", encoding="utf-8")
    (directory / "johab-utf8.txt").write_text("한국어", encoding="utf-8")
    (directory / "unknown-utf8.txt").write_text("???", encoding="utf-8")
    (directory / "big5.txt").write_bytes(b"\xa4\xa4")  # not a UTF-8 sample: ignored
    monkeypatch.setattr(_corpus, "_stdlib_dir", lambda: tmp_path)
    assert list(_corpus._cjk_documents()) == [("中文", "zh"), ("한국어", "ko"), ("日本語", "ja")]


def test_babel_missing_gives_an_install_hint(monkeypatch):
    import builtins

    real_import = builtins.__import__

    def no_babel(name, *args, **kwargs):
        if name == "babel" or name.startswith("babel."):
            raise ImportError("No module named 'babel'")
        return real_import(name, *args, **kwargs)

    monkeypatch.setattr(builtins, "__import__", no_babel)
    _corpus._multilingual_corpus_labeled.cache_clear()
    _corpus._multilingual_corpus.cache_clear()
    try:
        with pytest.raises(ImportError, match="pip install babel"):
            load_multilingual_documents()
    finally:
        monkeypatch.undo()
        _corpus._multilingual_corpus_labeled.cache_clear()
        _corpus._multilingual_corpus.cache_clear()


def test_docstring_examples():
    pytest.importorskip("babel")
    result = doctest.testmod(fasthash.datasets, optionflags=doctest.ELLIPSIS)
    assert result.attempted >= 8
    assert result.failed == 0
