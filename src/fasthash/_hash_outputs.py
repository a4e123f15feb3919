# Authors: The fasthash developers
# SPDX-License-Identifier: BSD-3-Clause
"""The outputs of ``fasthash hash``: files that appear whole or not at all.

- ``.npz``: the matrix as ``scipy.sparse.save_npz`` writes it (``load_npz`` reads it), its
  labels in a sidecar ``.npy`` (:func:`labels_path`);
- svmlight: one line per document, ``label index:value ...``, zero-based column indices,
  every value written so that it reads back bit for bit (``repr`` of the float64 value),
  streamed chunk by chunk.

Each file is written to a temporary file next to its target and moved over it with
``os.replace`` once complete (:class:`AtomicFiles`): an error or Ctrl-C leaves nothing
behind.
"""

import math
import os
import secrets

from fasthash._hash_inputs import InputError

__all__ = ["AtomicFiles", "SvmlightWriter", "labels_path", "svmlight_label", "write_npz"]

_O_BINARY = getattr(os, "O_BINARY", 0)  # Windows: no newline translation


def labels_path(output):
    """The labels' sidecar of an ``.npz`` output: ``X.npz`` -> ``X.labels.npy``."""
    root, ext = os.path.splitext(output)
    return (root if ext.lower() == ".npz" else output) + ".labels.npy"


class AtomicFiles:
    """Temporary files in their targets' directories, renamed over the targets together.

    Use as a context manager: :meth:`open` gives a binary file to write; leaving the block
    normally replaces each target with its file, leaving it by an exception (including
    ``KeyboardInterrupt``) deletes them.
    """

    def __init__(self):
        self._files = []  # (file object, temporary path, target)

    def open(self, target):
        directory, name = os.path.split(os.path.abspath(target))
        while True:
            tmp = os.path.join(directory, f".{name}.{secrets.token_hex(4)}.part")
            try:  # mode 0o666 less the umask, as the target would get from open()
                fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | _O_BINARY, 0o666)
                break
            except FileExistsError:
                continue
        fh = os.fdopen(fd, "wb")
        self._files.append((fh, tmp, target))
        return fh

    def __enter__(self):
        return self

    def __exit__(self, exc_type, exc, tb):
        if exc_type is None:
            try:
                for fh, _, _ in self._files:
                    fh.close()
                for _, tmp, target in self._files:
                    os.replace(tmp, target)
                self._files = []
                return False
            except BaseException:
                self._discard()
                raise
        self._discard()
        return False

    def _discard(self):
        for fh, tmp, _ in self._files:
            try:
                fh.close()
            except OSError:
                pass
            try:
                os.unlink(tmp)
            except FileNotFoundError:
                pass
        self._files = []


def write_npz(fh, X, compressed):
    """Write ``X`` to the binary file ``fh`` as ``scipy.sparse.save_npz`` does."""
    import scipy.sparse as sp

    sp.save_npz(fh, X, compressed=compressed)


def svmlight_label(value, where):
    """The svmlight text of one label: a number (bools are 0 and 1; a string must parse
    as a number).

    Raises
    ------
    InputError
        If the label is not a number.
    """
    if isinstance(value, bool):
        return str(int(value))
    if isinstance(value, int):
        return str(value)
    if isinstance(value, str):
        try:
            number = float(value)
        except ValueError:
            raise InputError(
                f"{where}: label {value!r} is not a number, and svmlight labels are "
                "numbers (write .npz to keep string labels)"
            ) from None
        if number.is_integer() and math.isfinite(number) and abs(number) < 2**53:
            return str(int(number))
        return repr(number)
    return repr(float(value))


class SvmlightWriter:
    """Append rows to an svmlight file.

    Parameters
    ----------
    fh : binary file
        Where to write.
    n_features : int
        Written in the comment line that starts the file.
    header : str
        The rest of that comment line.
    """

    def __init__(self, fh, n_features, header):
        self._fh = fh
        fh.write(f"# {header}; n_features={n_features}, zero-based column indices\n".encode())

    def write(self, X, labels):
        """Write the rows of the CSR matrix ``X``, each after its label text.

        Parameters
        ----------
        X : scipy.sparse CSR matrix or array
            The rows, with sorted indices.
        labels : list of str
            One label text per row (see :func:`svmlight_label`).
        """
        import numpy as np

        # Each distinct value (by its bits) is formatted once: repr() of the float64
        # value (exact for float32 too), the shortest text that reads back to it.
        data = np.asarray(X.data, dtype=np.float64)
        bits, which = np.unique(data.view(np.uint64), return_inverse=True)
        texts = [f":{v!r}" for v in bits.view(np.float64).tolist()]
        pairs = [
            f" {i}{texts[k]}"
            for i, k in zip(X.indices.tolist(), which.ravel().tolist(), strict=True)
        ]
        indptr = X.indptr.tolist()
        lines = [
            label + "".join(pairs[indptr[row] : indptr[row + 1]])
            for row, label in enumerate(labels)
        ]
        lines.append("")
        self._fh.write("\n".join(lines).encode("ascii"))
