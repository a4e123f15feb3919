# Authors: The fasthash developers
# SPDX-License-Identifier: BSD-3-Clause
"""``fasthash hash`` against the same work in Python, file to file.

Groups (about 6 MB of English lines, one document per line):

- ``hash command | txt -> npz``: ``fasthash hash lines.txt -o X.npz`` (``command[all]``,
  run in-process, without the interpreter's start-up) beside reading the lines into a list,
  ``transform`` and ``scipy.sparse.save_npz`` with fasthash (``python[all]``) and with
  scikit-learn (``sklearn``);
- ``hash command | txt -> svmlight``: the same with svmlight output; the Python rows use
  ``sklearn.datasets.dump_svmlight_file``;
- ``hash command | parquet -> npz``: a Parquet file of the same lines (``command[all]``)
  beside ``pyarrow.parquet.read_table``, ``transform`` of the column and ``save_npz``
  (``python[all]``) and scikit-learn on the column's values (``sklearn``).

MB/s are of the UTF-8 text. The command's output is checked against ``transform``'s. The
load average at the start of each benchmark is in ``extra_info["loadavg"]``.
"""

import itertools
import os

import pytest
import scipy.sparse as sp
from sklearn.datasets import dump_svmlight_file
from sklearn.feature_extraction.text import HashingVectorizer as SkHashingVectorizer

import fasthash
from fasthash import cli
from fasthash._corpus import english_documents
from fasthash.cli import _compare_csr
from fasthash.utils._threads import effective_n_jobs

MB = 1e6
TARGET_BYTES = 6_000_000
ROUNDS = 3


@pytest.fixture(scope="module")
def files(tmp_path_factory):
    lines = [ln.strip() for doc in english_documents() for ln in doc.splitlines()]
    lines = [ln for ln in lines if len(ln) >= 20]
    docs, total = [], 0
    for line in itertools.cycle(lines):
        if total >= TARGET_BYTES:
            break
        docs.append(line)
        total += len(line.encode("utf-8")) + 1
    directory = tmp_path_factory.mktemp("hash_command")
    txt = directory / "lines.txt"
    txt.write_text("".join(line + "\n" for line in docs), encoding="utf-8")
    out = {
        "dir": directory,
        "txt": txt,
        "docs": docs,
        "n_bytes": sum(len(d.encode("utf-8")) for d in docs),
    }
    try:
        import pyarrow as pa
        import pyarrow.parquet as pq
    except ImportError:
        out["parquet"] = None
    else:
        out["parquet"] = directory / "lines.parquet"
        pq.write_table(pa.table({"text": pa.array(docs)}), out["parquet"])
    return out


def _record(benchmark, n_bytes, impl, **info):
    benchmark.extra_info.update(
        implementation=impl,
        mb=round(n_bytes / MB, 3),
        threads=1 if impl == "sklearn" else effective_n_jobs(None),
        loadavg=round(os.getloadavg()[0], 2),
        **info,
    )
    stats = getattr(benchmark, "stats", None)
    if stats is not None and stats.stats.median:
        benchmark.extra_info["mb_per_s"] = round(n_bytes / MB / stats.stats.median, 2)


def _read_lines(path):
    with open(path, encoding="utf-8") as fh:
        return [line.rstrip("\n") for line in fh]


def _vectorizer(impl):
    return SkHashingVectorizer() if impl == "sklearn" else fasthash.HashingVectorizer()


@pytest.mark.parametrize("impl", ["sklearn", "python[all]", "command[all]"])
def test_txt_to_npz(benchmark, files, impl):
    benchmark.group = "hash command | txt -> npz"
    out = files["dir"] / f"{impl}.npz"
    if impl == "command[all]":
        args = (["hash", str(files["txt"]), "-o", str(out), "-q"],)
        run = cli.main
    else:

        def run(vectorizer):
            sp.save_npz(out, vectorizer.transform(_read_lines(files["txt"])), compressed=False)

        args = (_vectorizer(impl),)
    benchmark.pedantic(run, args=args, rounds=ROUNDS, warmup_rounds=1)
    if impl == "command[all]":
        expected = fasthash.HashingVectorizer().transform(files["docs"])
        assert _compare_csr(expected, sp.load_npz(out)) == []
    _record(benchmark, files["n_bytes"], impl)


@pytest.mark.parametrize("impl", ["sklearn", "python[all]", "command[all]"])
def test_txt_to_svmlight(benchmark, files, impl):
    benchmark.group = "hash command | txt -> svmlight"
    out = files["dir"] / f"{impl}.svm"
    if impl == "command[all]":
        args = (["hash", str(files["txt"]), "-o", str(out), "-q"],)
        run = cli.main
    else:

        def run(vectorizer):
            X = vectorizer.transform(_read_lines(files["txt"]))
            dump_svmlight_file(X, [0] * X.shape[0], str(out), zero_based=True)

        args = (_vectorizer(impl),)
    benchmark.pedantic(run, args=args, rounds=ROUNDS, warmup_rounds=1)
    _record(benchmark, files["n_bytes"], impl)


@pytest.mark.parametrize("impl", ["sklearn", "python[all]", "command[all]"])
def test_parquet_to_npz(benchmark, files, impl):
    if files["parquet"] is None:
        pytest.skip('needs pyarrow: pip install "fasthash[arrow]"')
    import pyarrow.parquet as pq

    benchmark.group = "hash command | parquet -> npz"
    out = files["dir"] / f"{impl}-parquet.npz"
    if impl == "command[all]":
        args = (["hash", str(files["parquet"]), "--column", "text", "-o", str(out), "-q"],)
        run = cli.main
    else:

        def run(vectorizer):
            column = pq.read_table(files["parquet"], columns=["text"]).column("text")
            docs = column.to_pylist() if impl == "sklearn" else column
            sp.save_npz(out, vectorizer.transform(docs), compressed=False)

        args = (_vectorizer(impl),)
    benchmark.pedantic(run, args=args, rounds=ROUNDS, warmup_rounds=1)
    if impl == "command[all]":
        expected = fasthash.HashingVectorizer().transform(files["docs"])
        assert _compare_csr(expected, sp.load_npz(out)) == []
    _record(benchmark, files["n_bytes"], impl)
