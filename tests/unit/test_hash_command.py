# Authors: The fasthash developers
# SPDX-License-Identifier: BSD-3-Clause
"""``fasthash hash``: every input and output format against HashingVectorizer.transform,
labels, errors (messages, exit statuses, nothing left behind), Ctrl-C, progress."""

import csv
import io
import itertools
import json
import os
import signal
import subprocess
import sys
import textwrap
import time

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
import scipy.sparse as sp
from _helpers import TRICKY_DOCUMENTS, assert_csr_identical
from sklearn.datasets import load_svmlight_file

import fasthash
from fasthash import _hash_inputs, cli

# Documents without a line break of their own (a .txt line cannot hold one).
LINE_DOCS = [d for d in TRICKY_DOCUMENTS if "\n" not in d and "\r" not in d] + [
    "form\x0cfeed vertical\x0btab file\x1cseparator next\u0085line para\u2029graph"
]
DOCS = TRICKY_DOCUMENTS + ["multi\nline\r\ndocument", "last"]

OPTION_SETS = [
    ([], {}),
    (
        ["--n-features", "64", "--ngram-range", "1", "2", "--stop-words", "english"],
        {"n_features": 64, "ngram_range": (1, 2), "stop_words": "english"},
    ),
    (
        [
            "--analyzer",
            "char_wb",
            "--ngram-range",
            "2",
            "4",
            "--no-lowercase",
            "--strip-accents",
            "unicode",
            "--dtype",
            "float32",
        ],
        {
            "analyzer": "char_wb",
            "ngram_range": (2, 4),
            "lowercase": False,
            "strip_accents": "unicode",
            "dtype": np.float32,
        },
    ),
    (
        ["--norm", "none", "--no-alternate-sign", "--n-features", "16"],
        {"norm": None, "alternate_sign": False, "n_features": 16},
    ),
    (
        ["--binary", "--norm", "l1", "--token-pattern", r"\S+", "--strip-accents", "ascii"],
        {"binary": True, "norm": "l1", "token_pattern": r"\S+", "strip_accents": "ascii"},
    ),
    (
        ["--analyzer", "char", "--ngram-range", "1", "3", "--n-jobs", "2"],
        {"analyzer": "char", "ngram_range": (1, 3), "n_jobs": 2},
    ),
]


def expected(docs, **params):
    return fasthash.HashingVectorizer(**params).transform(docs)


def run(argv, capsys=None):
    """Run ``fasthash hash ARGV``; return (status, stderr)."""
    status = cli.main(["hash", *argv])
    err = capsys.readouterr().err if capsys is not None else ""
    return status, err


def load_svm(path, n_features=2**20, dtype=np.float64):
    return load_svmlight_file(str(path), n_features=n_features, zero_based=True, dtype=dtype)


def assert_svm_equal(X, Y):
    """The svmlight file holds Y's entries (explicit zeros included), values exact."""
    X = sp.csr_matrix(X)
    assert X.shape == Y.shape
    np.testing.assert_array_equal(X.indptr, Y.indptr)
    np.testing.assert_array_equal(X.indices, Y.indices)
    np.testing.assert_array_equal(X.data.view(np.uint8), Y.data.astype(X.dtype).view(np.uint8))


def write_txt(path, docs, eol="\n", final_eol=True):
    text = eol.join(docs) + (eol if final_eol else "")
    path.write_bytes(text.encode("utf-8"))


def write_jsonl(path, docs, labels=None, field="text"):
    with open(path, "w", encoding="utf-8") as fh:
        for i, doc in enumerate(docs):
            record = {"id": i, field: doc}
            if labels is not None:
                record["label"] = labels[i]
            fh.write(json.dumps(record) + "\n")


def write_csv(path, docs, labels=None):
    with open(path, "w", encoding="utf-8", newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow(["id", "text"] + (["label"] if labels is not None else []))
        for i, doc in enumerate(docs):
            writer.writerow([i, doc] + ([labels[i]] if labels is not None else []))


def listing(directory):
    return sorted(os.listdir(directory))


# -- every input format, both outputs, against transform ------------------------------


@pytest.mark.parametrize("argv, params", OPTION_SETS)
def test_txt_lines_npz_and_svmlight_equal_transform(tmp_path, argv, params):
    path = tmp_path / "docs.txt"
    write_txt(path, LINE_DOCS, eol="\r\n", final_eol=False)
    want = expected(LINE_DOCS, **params)
    assert run([str(path), "-o", str(tmp_path / "X.npz"), "-q", *argv]) == (0, "")
    assert_csr_identical(sp.load_npz(tmp_path / "X.npz"), want)
    assert run([str(path), "-o", str(tmp_path / "X.svm"), "-q", *argv])[0] == 0
    X, y = load_svm(tmp_path / "X.svm", params.get("n_features", 2**20))
    assert_svm_equal(X, want)
    assert (y == 0).all() and y.shape == (len(LINE_DOCS),)


def test_txt_small_batches_and_several_inputs_keep_order(tmp_path):
    write_txt(tmp_path / "a.txt", LINE_DOCS[:5])
    write_txt(tmp_path / "b.txt", LINE_DOCS[5:], final_eol=False)
    inputs = [str(tmp_path / "a.txt"), str(tmp_path / "b.txt")]
    for out in ("X.npz", "X.svm"):
        assert run([*inputs, "-o", str(tmp_path / out), "-q", "--batch-size", "2"])[0] == 0
    want = expected(LINE_DOCS)
    assert_csr_identical(sp.load_npz(tmp_path / "X.npz"), want)
    assert_svm_equal(load_svm(tmp_path / "X.svm")[0], want)


def test_txt_line_endings_and_empty_lines(tmp_path):
    path = tmp_path / "docs.txt"
    path.write_bytes(b"one two\r\n\nthree four\rfive six\n\n")
    assert run([str(path), "-o", str(tmp_path / "X.npz"), "-q"])[0] == 0
    # lines end at \n (a \r before it goes too); a lone \r is text; empty lines are rows
    docs = ["one two", "", "three four\rfive six", ""]
    assert_csr_identical(sp.load_npz(tmp_path / "X.npz"), expected(docs))


@pytest.mark.parametrize(
    "encoding, decode_error", [("latin-1", "strict"), ("utf-8", "replace"), ("ascii", "ignore")]
)
def test_encoding_and_decode_error_as_bytes_documents(tmp_path, encoding, decode_error):
    raw = ["café naïve Straße".encode("latin-1"), b"plain ascii words", b"\xff\xfe odd bytes"]
    (tmp_path / "docs.txt").write_bytes(b"\n".join(raw))
    argv = ["--encoding", encoding, "--decode-error", decode_error, "-q"]
    assert run([str(tmp_path / "docs.txt"), "-o", str(tmp_path / "X.npz"), *argv])[0] == 0
    want = expected(raw, encoding=encoding, decode_error=decode_error)
    assert_csr_identical(sp.load_npz(tmp_path / "X.npz"), want)


@pytest.mark.parametrize("argv, params", OPTION_SETS[:3])
def test_jsonl_with_labels(tmp_path, argv, params):
    labels = [i % 3 for i in range(len(DOCS))]
    path = tmp_path / "docs.jsonl"
    write_jsonl(path, DOCS, labels)
    with open(path, "a") as fh:
        fh.write("\n   \n")  # blank lines are skipped
    want = expected(DOCS, **params)
    common = [str(path), "--field", "text", "--label-field", "label", "-q", *argv]
    assert run([*common, "-o", str(tmp_path / "X.npz")])[0] == 0
    assert_csr_identical(sp.load_npz(tmp_path / "X.npz"), want)
    y = np.load(tmp_path / "X.labels.npy", allow_pickle=False)
    assert y.dtype == np.int64 and y.tolist() == labels
    assert run([*common, "-o", str(tmp_path / "X.svmlight")])[0] == 0
    X, y = load_svm(tmp_path / "X.svmlight", params.get("n_features", 2**20))
    assert_svm_equal(X, want)
    assert y.tolist() == labels


def test_jsonl_string_and_float_labels(tmp_path):
    docs = ["spam spam eggs", "ham and eggs", "more spam"]
    write_jsonl(tmp_path / "s.jsonl", docs, ["spam", "ham", "spam"])
    write_jsonl(tmp_path / "f.jsonl", docs, [0.5, 1, True])
    base = ["--field", "text", "--label-field", "label", "-q"]
    assert run([str(tmp_path / "s.jsonl"), "-o", str(tmp_path / "s.npz"), *base])[0] == 0
    assert np.load(tmp_path / "s.labels.npy").tolist() == ["spam", "ham", "spam"]
    assert run([str(tmp_path / "f.jsonl"), "-o", str(tmp_path / "f.svm"), *base])[0] == 0
    assert load_svm(tmp_path / "f.svm")[1].tolist() == [0.5, 1.0, 1.0]


def test_csv_quoted_multiline_fields_and_labels(tmp_path):
    labels = [str(i % 2) for i in range(len(DOCS))]
    write_csv(tmp_path / "docs.csv", DOCS, labels)
    common = [str(tmp_path / "docs.csv"), "--column", "text", "--label-column", "label"]
    for out in ("X.npz", "X.libsvm"):
        assert run([*common, "-q", "--batch-size", "3", "-o", str(tmp_path / out)])[0] == 0
    want = expected(DOCS)
    assert_csr_identical(sp.load_npz(tmp_path / "X.npz"), want)
    y = np.load(tmp_path / "X.labels.npy")  # CSV values that are all integers: int64
    assert y.dtype == np.int64 and y.tolist() == [int(v) for v in labels]
    X, y = load_svm(tmp_path / "X.libsvm")
    assert_svm_equal(X, want)
    assert y.tolist() == [float(v) for v in labels]


def test_csv_string_labels_stay_strings_and_are_refused_by_svmlight(tmp_path, capsys):
    write_csv(tmp_path / "docs.csv", ["aa bb", "cc dd"], ["spam", "ham"])
    common = [str(tmp_path / "docs.csv"), "--column", "text", "--label-column", "label"]
    assert run([*common, "-q", "-o", str(tmp_path / "X.npz")])[0] == 0
    assert np.load(tmp_path / "X.labels.npy").tolist() == ["spam", "ham"]
    status, err = run([*common, "-o", str(tmp_path / "X.svm")], capsys)
    assert status == 1
    assert "label 'spam' is not a number" in err and "docs.csv, document 0" in err
    assert not (tmp_path / "X.svm").exists()


ARROW_TYPES = [
    pa.string(),
    pa.large_string(),
    pa.binary(),
    pa.large_binary(),
    pa.dictionary(pa.int32(), pa.string()),
]
if hasattr(pa, "string_view"):
    ARROW_TYPES.append(pa.string_view())


@pytest.mark.parametrize("arrow_type", ARROW_TYPES, ids=str)
def test_parquet_column_types_and_labels(tmp_path, arrow_type):
    values = (
        [d.encode() for d in DOCS]
        if pa.types.is_binary(arrow_type) or pa.types.is_large_binary(arrow_type)
        else DOCS
    )
    text = (
        pa.array(values).cast(arrow_type)
        if not pa.types.is_dictionary(arrow_type)
        else pa.array(DOCS).dictionary_encode()
    )
    labels = list(range(len(DOCS)))
    table = pa.table({"text": text, "label": labels, "other": labels})
    pq.write_table(table, tmp_path / "docs.parquet", row_group_size=4)
    common = [
        str(tmp_path / "docs.parquet"),
        "--column",
        "text",
        "--label-column",
        "label",
        "-q",
        "--batch-size",
        "3",
    ]
    want = expected(DOCS)
    assert run([*common, "-o", str(tmp_path / "X.npz")])[0] == 0
    assert_csr_identical(sp.load_npz(tmp_path / "X.npz"), want)
    assert np.load(tmp_path / "X.labels.npy").tolist() == labels
    assert run([*common, "-o", str(tmp_path / "X.svm")])[0] == 0
    X, y = load_svm(tmp_path / "X.svm")
    assert_svm_equal(X, want)
    assert y.tolist() == labels


def test_parquet_is_hashed_through_the_arrow_path(tmp_path, monkeypatch):
    pq.write_table(pa.table({"text": DOCS}), tmp_path / "a.parquet")
    pq.write_table(pa.table({"text": DOCS[::-1]}), tmp_path / "b.parquet")
    seen = []
    transform = fasthash.HashingVectorizer.transform

    def recording(self, X):
        seen.append(type(X))
        return transform(self, X)

    monkeypatch.setattr(fasthash.HashingVectorizer, "transform", recording)
    inputs = [str(tmp_path / "a.parquet"), str(tmp_path / "b.parquet")]
    assert run([*inputs, "--column", "text", "-q", "-o", str(tmp_path / "X.npz")])[0] == 0
    assert seen == [pa.RecordBatchReader]
    assert run([*inputs, "--column", "text", "-q", "-o", str(tmp_path / "X.svm")])[0] == 0
    assert all(issubclass(t, pa.Array) for t in seen[1:]) and len(seen) == 3
    monkeypatch.undo()
    assert_csr_identical(sp.load_npz(tmp_path / "X.npz"), expected(DOCS + DOCS[::-1]))


def test_inputs_are_read_in_batches(tmp_path, monkeypatch):
    write_txt(tmp_path / "a.txt", LINE_DOCS)
    write_csv(tmp_path / "b.csv", DOCS)
    inputs = [str(tmp_path / "a.txt"), str(tmp_path / "b.csv"), "--column", "text"]
    calls = []
    transform = fasthash.HashingVectorizer.transform

    def recording(self, X):
        calls.append(X if isinstance(X, list) else type(X))
        return transform(self, X)

    monkeypatch.setattr(fasthash.HashingVectorizer, "transform", recording)
    assert run([*inputs, "--batch-size", "3", "-q", "-o", str(tmp_path / "X.svm")])[0] == 0
    # svmlight: one transform per batch of at most 3 documents, never a whole file
    assert [len(c) for c in calls] == [3] * (len(LINE_DOCS) // 3) + [len(LINE_DOCS) % 3] * (
        len(LINE_DOCS) % 3 > 0
    ) + [3] * (len(DOCS) // 3) + [len(DOCS) % 3] * (len(DOCS) % 3 > 0)
    calls.clear()
    # npz: one transform over a stream of the documents (read lazily, batch by batch)
    assert run([*inputs, "--batch-size", "3", "-q", "-o", str(tmp_path / "X.npz")])[0] == 0
    assert len(calls) == 1 and calls[0] is itertools.chain
    monkeypatch.undo()
    want = expected(LINE_DOCS + DOCS)
    assert_csr_identical(sp.load_npz(tmp_path / "X.npz"), want)
    assert_svm_equal(load_svm(tmp_path / "X.svm")[0], want)


def test_mixed_inputs_in_order(tmp_path):
    write_txt(tmp_path / "a.txt", LINE_DOCS[:4])
    write_jsonl(tmp_path / "b.jsonl", DOCS[:3])
    write_csv(tmp_path / "c.csv", DOCS[3:6])
    pq.write_table(pa.table({"text": DOCS[6:9]}), tmp_path / "d.parquet")
    (tmp_path / "dir").mkdir()
    for i, doc in enumerate(DOCS[9:12]):
        (tmp_path / "dir" / f"{i}.md").write_text(doc, encoding="utf-8")
    names = ["a.txt", "b.jsonl", "c.csv", "d.parquet", "dir"]
    argv = [str(tmp_path / n) for n in names] + ["--field", "text", "--column", "text", "-q"]
    want = expected(LINE_DOCS[:4] + DOCS[:12])
    for out in ("X.npz", "X.svm"):
        assert run([*argv, "-o", str(tmp_path / out)])[0] == 0
    assert_csr_identical(sp.load_npz(tmp_path / "X.npz"), want)
    assert_svm_equal(load_svm(tmp_path / "X.svm")[0], want)


def test_directory_is_input_filename(tmp_path):
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    (corpus / "sub").mkdir()  # not read: only the files directly in it
    (corpus / "sub" / "skipped.txt").write_text("never read")
    for i, doc in enumerate(DOCS):
        (corpus / f"doc{i:02d}.txt").write_bytes(doc.encode("utf-8"))
    (corpus / "z.bin").write_bytes("caf\xe9 latin".encode("latin-1"))
    files = sorted(str(p) for p in corpus.iterdir() if p.is_file())
    argv = [str(corpus), "--decode-error", "replace", "-q", "--batch-size", "4"]
    assert run([*argv, "-o", str(tmp_path / "X.npz")])[0] == 0
    want = expected(files, input="filename", decode_error="replace")
    assert_csr_identical(sp.load_npz(tmp_path / "X.npz"), want)
    assert run([*argv, "-o", str(tmp_path / "X.svm")])[0] == 0
    assert_svm_equal(load_svm(tmp_path / "X.svm")[0], want)


def test_whole_file_txt(tmp_path):
    paths = []
    for i, doc in enumerate(DOCS[:4]):
        paths.append(str(tmp_path / f"{i}.txt"))
        (tmp_path / f"{i}.txt").write_text(doc + "\nsecond line\n", encoding="utf-8")
    assert run([*paths, "--whole-file", "-q", "-o", str(tmp_path / "X.npz")])[0] == 0
    assert_csr_identical(sp.load_npz(tmp_path / "X.npz"), expected(paths, input="filename"))


def test_compressed_npz_and_output_format_option(tmp_path):
    write_txt(tmp_path / "a.txt", LINE_DOCS)
    out = tmp_path / "X.data"
    argv = [str(tmp_path / "a.txt"), "-q", "-o", str(out)]
    assert run([*argv, "--output-format", "npz", "--compress"])[0] == 0
    assert_csr_identical(sp.load_npz(out), expected(LINE_DOCS))
    assert run([*argv, "--output-format", "svmlight"])[0] == 0
    assert_svm_equal(load_svm(out)[0], expected(LINE_DOCS))


def test_existing_output_is_replaced_with_the_usual_permissions(tmp_path):
    write_txt(tmp_path / "a.txt", LINE_DOCS)
    out = tmp_path / "X.npz"
    out.write_bytes(b"old")
    assert run([str(tmp_path / "a.txt"), "-q", "-o", str(out)])[0] == 0
    assert_csr_identical(sp.load_npz(out), expected(LINE_DOCS))
    umask = os.umask(0)
    os.umask(umask)
    probe = tmp_path / "probe"
    probe.write_bytes(b"")
    assert os.stat(out).st_mode & 0o777 == os.stat(probe).st_mode & 0o777 == 0o666 & ~umask
    assert listing(tmp_path) == ["X.npz", "a.txt", "probe"]


# -- errors: message, status, nothing left behind --------------------------------------


def _jsonl_lines(tmp_path, lines):
    path = tmp_path / "bad.jsonl"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return str(path)


@pytest.mark.parametrize(
    "case, message",
    [
        ("missing", "missing.txt: no such file or directory"),
        ("suffix", "unknown input format '.doc'"),
        ("no-field", "a .jsonl input needs --field NAME"),
        ("no-column", "a .csv input needs --column NAME"),
        ("field", "bad.jsonl:2: no field 'text' (--field)"),
        ("json", "bad.jsonl:3: malformed JSON"),
        ("object", "bad.jsonl:2: expected a JSON object, got an array"),
        ("type", "bad.jsonl:2: field 'text' is a number, expected a string"),
        ("label", "bad.jsonl:2: no label field 'label'"),
        ("label-type", "bad.jsonl:1: the label 'label' is null"),
        ("csv-column", "no column 'body' (--column); the header has 'id', 'text'"),
        ("csv-short", "short.csv:3: 1 field(s), expected at least 2"),
        ("parquet-column", "no column 'body' (--column); the columns are 'text'"),
        ("parquet-type", "column 'n' has type int64; documents need a string or binary column"),
        ("decode", "bad.txt:2: cannot decode as utf-8: invalid start byte at byte 4"),
        ("decode-dir", "cannot decode as utf-8"),
        ("txt-labels", "a .txt input has no labels"),
        ("empty", "no documents in"),
        ("null", "null.parquet, row 1: null in column 'text', expected a document"),
        ("line-encoding", "--encoding utf-16 cannot be read line by line"),
        ("not-parquet", "x.parquet: cannot read as Parquet"),
    ],
)
def test_input_errors_exit_1_with_a_clear_message(tmp_path, capsys, case, message):
    (tmp_path / "ok.txt").write_text("fine words\n")
    argv = {
        "missing": lambda: [str(tmp_path / "missing.txt")],
        "suffix": lambda: [str(tmp_path / "x.doc")],
        "no-field": lambda: [_jsonl_lines(tmp_path, ['{"text": "a"}'])],
        "no-column": lambda: [str(tmp_path / "c.csv")],
        "field": lambda: [
            _jsonl_lines(tmp_path, ['{"text": "a"}', '{"body": "b"}']),
            "--field",
            "text",
        ],
        "json": lambda: [
            _jsonl_lines(tmp_path, ['{"text": "a"}', "", '{"text": "b"']),
            "--field",
            "text",
        ],
        "object": lambda: [_jsonl_lines(tmp_path, ['{"text": "a"}', '["b"]']), "--field", "text"],
        "type": lambda: [
            _jsonl_lines(tmp_path, ['{"text": "a"}', '{"text": 3}']),
            "--field",
            "text",
        ],
        "label": lambda: [
            _jsonl_lines(tmp_path, ['{"text": "a", "label": 1}', '{"text": "b"}']),
            "--field",
            "text",
            "--label-field",
            "label",
        ],
        "label-type": lambda: [
            _jsonl_lines(tmp_path, ['{"text": "a", "label": null}']),
            "--field",
            "text",
            "--label-field",
            "label",
        ],
        "csv-column": lambda: [str(tmp_path / "c.csv"), "--column", "body"],
        "csv-short": lambda: [str(tmp_path / "short.csv"), "--column", "text"],
        "parquet-column": lambda: [str(tmp_path / "p.parquet"), "--column", "body"],
        "parquet-type": lambda: [str(tmp_path / "p.parquet"), "--column", "n"],
        "decode": lambda: [str(tmp_path / "bad.txt")],
        "decode-dir": lambda: [str(tmp_path / "dir")],
        "txt-labels": lambda: [str(tmp_path / "ok.txt"), "--label-column", "y"],
        "empty": lambda: [str(tmp_path / "empty.txt")],
        "null": lambda: [str(tmp_path / "null.parquet"), "--column", "text"],
        "line-encoding": lambda: [str(tmp_path / "ok.txt"), "--encoding", "utf-16"],
        "not-parquet": lambda: [str(tmp_path / "x.parquet"), "--column", "text"],
    }[case]()
    (tmp_path / "x.doc").write_text("x")
    (tmp_path / "x.parquet").write_text("not a parquet file")
    (tmp_path / "empty.txt").write_bytes(b"")
    write_csv(tmp_path / "c.csv", ["aa bb", "cc"])
    (tmp_path / "short.csv").write_text("id,text\n1,aa bb\n2\n")
    pq.write_table(pa.table({"text": ["aa", "bb"], "n": [1, 2]}), tmp_path / "p.parquet")
    pq.write_table(pa.table({"text": ["aa", None, "cc"]}), tmp_path / "null.parquet")
    (tmp_path / "bad.txt").write_bytes(b"good line\nbad \xff line\n")
    (tmp_path / "dir").mkdir()
    (tmp_path / "dir" / "a").write_bytes(b"ok")
    (tmp_path / "dir" / "b").write_bytes(b"\xe9t\xe9")
    before = listing(tmp_path)
    for out in ("X.npz", "X.svm"):
        status, err = run([*argv, "-o", str(tmp_path / out)], capsys)
        assert status == 1, err
        assert err.startswith("fasthash hash: error: ") and message in err, err
        assert listing(tmp_path) == before


@pytest.mark.parametrize(
    "argv, message",
    [
        (["--analyzer", "words"], "invalid choice: 'words'"),
        (["--norm", "l3"], "invalid choice: 'l3'"),
        (["--n-features", "0"], "expected a positive integer"),
        (["--n-jobs", "0"], "--n-jobs"),
        (["--dtype", "int8"], "invalid choice"),
        (["--encoding", "no-such-codec"], "unknown encoding 'no-such-codec'"),
        (["--ngram-range", "3", "1"], "ngram_range"),
        (["--n-features", str(2**31)], "n_features"),
    ],
)
def test_bad_option_values_exit_2(tmp_path, capsys, argv, message):
    write_txt(tmp_path / "a.txt", ["aa bb"])
    try:
        status = cli.main(["hash", str(tmp_path / "a.txt"), "-o", str(tmp_path / "X.npz"), *argv])
    except SystemExit as exc:  # argparse's own checks
        status = exc.code
    assert status == 2
    assert message in capsys.readouterr().err
    assert listing(tmp_path) == ["a.txt"]


def test_bad_output_names_exit_2_or_1(tmp_path, capsys):
    write_txt(tmp_path / "a.txt", ["aa bb"])
    status, err = run([str(tmp_path / "a.txt"), "-o", str(tmp_path / "X.mat")], capsys)
    assert status == 2 and "cannot tell the output format" in err
    status, err = run(
        [str(tmp_path / "a.txt"), "-o", str(tmp_path / "X.svm"), "--compress"], capsys
    )
    assert status == 2 and "--compress applies to .npz output only" in err
    status, err = run([str(tmp_path / "a.txt"), "-o", str(tmp_path / "no" / "X.npz")], capsys)
    assert status == 1 and "No such file or directory" in err
    assert listing(tmp_path) == ["a.txt"]


def test_failure_keeps_an_existing_output(tmp_path, capsys):
    (tmp_path / "X.npz").write_bytes(b"previous result")
    (tmp_path / "bad.txt").write_bytes(b"aa\n\xff\n")
    assert run([str(tmp_path / "bad.txt"), "-o", str(tmp_path / "X.npz")], capsys)[0] == 1
    assert (tmp_path / "X.npz").read_bytes() == b"previous result"
    assert listing(tmp_path) == ["X.npz", "bad.txt"]


@pytest.mark.parametrize("out", ["X.npz", "X.svm"])
def test_ctrl_c_exits_130_and_leaves_nothing(tmp_path, capsys, monkeypatch, out):
    write_txt(tmp_path / "a.txt", LINE_DOCS * 10)
    write_jsonl(tmp_path / "b.jsonl", DOCS, list(range(len(DOCS))))
    calls = []
    chunks = _hash_inputs.Source._jsonl_chunks

    def interrupted(self, *args):
        calls.append(self.path)
        yield from chunks(self, *args)
        raise KeyboardInterrupt

    monkeypatch.setattr(_hash_inputs.Source, "_jsonl_chunks", interrupted)
    argv = [
        str(tmp_path / "a.txt"),
        str(tmp_path / "b.jsonl"),
        "--field",
        "text",
        "--batch-size",
        "5",
        "-o",
        str(tmp_path / out),
    ]
    assert cli.main(["hash", *argv]) == 130
    assert calls and "interrupted" in capsys.readouterr().err
    assert listing(tmp_path) == ["a.txt", "b.jsonl"]


def test_ctrl_c_while_streaming_arrow_batches(tmp_path, capsys, monkeypatch):
    pq.write_table(pa.table({"text": DOCS}), tmp_path / "a.parquet", row_group_size=3)
    chunks = _hash_inputs.Source._parquet_chunks

    def interrupted(self, *args):
        for i, chunk in enumerate(chunks(self, *args)):
            if i == 2:
                raise KeyboardInterrupt
            yield chunk

    monkeypatch.setattr(_hash_inputs.Source, "_parquet_chunks", interrupted)
    argv = ["--column", "text", "--batch-size", "3", "-o", str(tmp_path / "X.npz")]
    assert cli.main(["hash", str(tmp_path / "a.parquet"), *argv]) == 130
    assert "interrupted" in capsys.readouterr().err
    assert listing(tmp_path) == ["a.parquet"]


def test_sigint_in_a_real_process(tmp_path):
    # one long document per line: the svmlight output is written batch by batch
    line = " ".join(f"w{i}" for i in range(2000))
    with open(tmp_path / "big.txt", "w") as fh:
        for _ in range(3000):
            fh.write(line + "\n")
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "fasthash",
            "hash",
            str(tmp_path / "big.txt"),
            "-o",
            str(tmp_path / "X.svm"),
            "--batch-size",
            "10",
            "--n-jobs",
            "1",
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    deadline = time.monotonic() + 60
    while not any(n.endswith(".part") for n in os.listdir(tmp_path)):
        assert proc.poll() is None and time.monotonic() < deadline
        time.sleep(0.02)
    proc.send_signal(signal.SIGINT)
    out, err = proc.communicate(timeout=30)
    assert proc.returncode == 130, err
    assert "interrupted" in err and "Traceback" not in err
    assert listing(tmp_path) == ["big.txt"]


def test_parquet_without_pyarrow_names_the_extra(tmp_path):
    pq.write_table(pa.table({"text": ["aa bb"]}), tmp_path / "p.parquet")
    write_txt(tmp_path / "a.txt", ["aa bb"])
    # a fresh interpreter in which ``import pyarrow`` fails (None in sys.modules)
    code = textwrap.dedent(f"""
        import sys
        sys.modules["pyarrow"] = None
        from fasthash.cli import main
        sys.exit(main(["hash", {str(tmp_path / "p.parquet")!r}, "--column", "text",
                       "-o", {str(tmp_path / "X.npz")!r}]))
    """)
    res = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert res.returncode == 1, res.stderr
    assert 'pip install "fasthash[arrow]"' in res.stderr and "Traceback" not in res.stderr
    assert listing(tmp_path) == ["a.txt", "p.parquet"]
    # other inputs need no pyarrow
    code = code.replace("p.parquet", "a.txt")
    res = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert res.returncode == 0, res.stderr
    assert_csr_identical(sp.load_npz(tmp_path / "X.npz"), expected(["aa bb"]))


# -- progress, summary, help -----------------------------------------------------------


class _Terminal(io.StringIO):
    def isatty(self):
        return True


def test_progress_bar_on_a_terminal_only(tmp_path, monkeypatch, capsys):
    write_txt(tmp_path / "a.txt", LINE_DOCS * 3)
    argv = ["hash", str(tmp_path / "a.txt"), "-o", str(tmp_path / "X.npz"), "--batch-size", "7"]
    terminal = _Terminal()
    monkeypatch.setattr(sys, "stderr", terminal)
    assert cli.main(argv) == 0
    shown = terminal.getvalue()
    assert "fasthash hash: 100%" in shown and "B/s" in shown
    assert f"{3 * len(LINE_DOCS)} docs" in shown
    assert f"wrote {tmp_path / 'X.npz'}: {3 * len(LINE_DOCS)} documents" in shown
    terminal = _Terminal()
    monkeypatch.setattr(sys, "stderr", terminal)
    assert cli.main([*argv, "--quiet"]) == 0
    assert terminal.getvalue() == ""
    monkeypatch.undo()
    assert cli.main(argv) == 0  # not a terminal: the summary only
    err = capsys.readouterr().err
    assert err.startswith("fasthash hash: wrote") and err.count("\n") == 1


def test_help_describes_inputs_outputs_and_options(capsys):
    with pytest.raises(SystemExit) as exc:
        cli.main(["hash", "--help"])
    assert exc.value.code == 0
    text = " ".join(capsys.readouterr().out.split())
    for needle in [
        "INPUT [INPUT ...]",
        "-o OUTPUT",
        ".jsonl",
        "--field",
        "--column",
        "--label-field",
        "--label-column",
        "--whole-file",
        "--ngram-range MIN MAX",
        "--no-lowercase",
        "--stop-words {english}",
        "--norm {l2,l1,none}",
        "--no-alternate-sign",
        "--dtype {float64,float32}",
        "--n-jobs N",
        'pip install "fasthash[arrow]"',
        "load_svmlight_file",
        "zero_based=True",
        "the labels of X.npz in X.labels.npy",
        "130",
    ]:
        assert needle in text, needle


# -- the pieces: blocks of lines, svmlight values, labels ------------------------------


def test_line_numbers_across_blocks(tmp_path, monkeypatch, capsys):
    monkeypatch.setattr(_hash_inputs, "_BLOCK_BYTES", 16)  # a few lines per block
    lines = [json.dumps({"text": f"document number {i}"}) for i in range(40)]
    lines[33] = '{"text": 1}'
    (tmp_path / "a.jsonl").write_text("\n".join(lines) + "\n")
    status, err = run([str(tmp_path / "a.jsonl"), "--field", "text", "-o", "X.npz"], capsys)
    assert status == 1 and "a.jsonl:34: field 'text' is a number" in err
    raw = b"".join(f"line {i} ok\r\n".encode() for i in range(30)) + b"caf\xe9\r\nend"
    (tmp_path / "b.txt").write_bytes(raw)
    status, err = run([str(tmp_path / "b.txt"), "-o", str(tmp_path / "X.npz")], capsys)
    assert status == 1 and "b.txt:31: cannot decode as utf-8" in err and "at byte 3" in err
    argv = [str(tmp_path / "b.txt"), "--encoding", "latin-1", "-q", "--batch-size", "4"]
    assert run([*argv, "-o", str(tmp_path / "X.npz")])[0] == 0
    docs = raw.decode("latin-1").split("\r\n")
    assert_csr_identical(sp.load_npz(tmp_path / "X.npz"), expected(docs))


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_svmlight_values_read_back_bit_for_bit(tmp_path, dtype):
    from fasthash._hash_outputs import SvmlightWriter

    info = np.finfo(dtype)
    values = [0.0, -0.0, info.tiny, info.smallest_subnormal, 1 / 3, -2 / 3, info.max, 0.1]
    values += [123456789.0, -1.0]
    X = sp.csr_matrix(
        (np.array(values, dtype=dtype), np.arange(10), np.array([0, 4, 4, 10])),
        shape=(3, 12),
    )
    with open(tmp_path / "X.svm", "wb") as fh:
        SvmlightWriter(fh, 12, "test").write(X, ["1", "0", "-2.5"])
    Y, y = load_svm(tmp_path / "X.svm", 12, dtype)
    assert y.tolist() == [1.0, 0.0, -2.5]
    assert_svm_equal(Y, X)  # explicit zeros and -0.0 kept, every bit equal


def test_labels_arrays():
    labels_array = _hash_inputs.labels_array
    assert labels_array(["1", "2"], infer_numbers=True).dtype == np.int64
    assert labels_array(["1", "2.5"], infer_numbers=True).tolist() == [1.0, 2.5]
    assert labels_array(["1", "x"], infer_numbers=True).tolist() == ["1", "x"]
    assert labels_array(["1", "2"], infer_numbers=False).tolist() == ["1", "2"]
    assert labels_array([True, False], infer_numbers=False).dtype == np.bool_
    with pytest.raises(_hash_inputs.InputError, match="labels mix strings and numbers"):
        labels_array([1, "a"], infer_numbers=False)
