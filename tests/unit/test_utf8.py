# Authors: The fasthash developers
# SPDX-License-Identifier: BSD-3-Clause
"""The core's UTF-8 check equals Python's strict "utf-8" decoder.

A UTF-8 document (``FH_KIND_UTF8``: a bytes document, an Arrow string) is analysed natively
only if Python would decode it: the core must accept exactly what ``bytes.decode("utf-8")``
accepts, report the same first error position (``UnicodeDecodeError.start``), and decode to
the same code points (checked through the narrowest PEP 393 kind and the code point count).
Every sequence of up to 2 bytes, every 3-byte sequence with a multi-byte lead, every
4-byte lead with every second byte, and random mutations of valid text are compared.
"""

import itertools

import numpy as np
import pytest

from fasthash._lib import _hashing


def _python(data):
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        return exc.start, None
    kind = 1 if max(map(ord, text), default=0) < 0x100 else (
        2 if max(map(ord, text)) < 0x10000 else 4)
    return -1, (kind, text.isascii(), len(text))


def _core(data):
    error_at, kind, ascii_, n_cp = _hashing.utf8_check(data)
    if error_at >= 0:
        return error_at, None
    return -1, (kind, ascii_, n_cp)


def _assert_same(data):
    assert _core(data) == _python(data), data


def test_every_short_sequence():
    for n in (0, 1, 2):
        for seq in itertools.product(range(256), repeat=n):
            _assert_same(bytes(seq))


@pytest.mark.parametrize("lead", range(0xC0, 0x100))
def test_every_three_byte_sequence(lead):
    # a lead byte followed by every pair: truncations, continuation ranges, surrogates
    tails = [bytes((b, c)) for b in range(256) for c in (0x00, 0x41, 0x7F, 0x80, 0x9F, 0xA0,
                                                            0xBF, 0xC0, 0xE0, 0xFF)]
    tails += [bytes((b, c)) for b in (0x80, 0x8F, 0x90, 0x9F, 0xA0, 0xBF) for c in range(256)]
    for tail in tails:
        _assert_same(bytes((lead,)) + tail)
        _assert_same(b"ab" + bytes((lead,)) + tail + b"\x80")


@pytest.mark.parametrize("lead", range(0xF0, 0x100))
def test_four_byte_sequences(lead):
    for second in range(256):
        for rest in (b"\x80\x80", b"\xbf\xbf", b"\x80", b"\x80A", b"", b"\xc0\x80"):
            _assert_same(bytes((lead, second)) + rest)


def test_random_mutations(global_random_seed):
    rng = np.random.default_rng(global_random_seed)
    alphabet = "aé€😀Σ\x00 \ufeff\U0010ffff\u07ff\u0800\uffff\U00010000ß"
    for _ in range(3000):
        text = "".join(rng.choice(list(alphabet), size=int(rng.integers(0, 40))))
        data = bytearray(text.encode("utf-8"))
        for _ in range(int(rng.integers(0, 3))):
            if data:
                data[int(rng.integers(len(data)))] = int(rng.integers(256))
        if rng.integers(4) == 0 and data:
            del data[int(rng.integers(len(data))):]
        # long ASCII runs before and after: the 8-byte ASCII skips and their alignment
        pad = int(rng.integers(0, 20))
        _assert_same(b"x" * pad + bytes(data) + b"y" * int(rng.integers(0, 20)))


def test_long_text_crossing_poll_blocks():
    base = ("é" * 30000 + "a" * 50000 + "😀" * 10000).encode("utf-8")
    _assert_same(base)
    for at in (65535, 65536, 65537, 131071, len(base) - 1):
        _assert_same(base[:at] + b"\xff" + base[at:])
        _assert_same(base[:at])  # may cut a sequence short


def test_one_byte_at_every_position_of_ascii_runs():
    # the ASCII skip reads 32, then 8 bytes a step, then the 8-byte word ending the text:
    # a non-ASCII byte (stray, valid lead, invalid) or a valid sequence at every position
    # of ASCII texts around those sizes
    for n in range(0, 72):
        _assert_same(b"a" * n)
        for at in range(n):
            for insert in (b"\x80", b"\xc3", b"\xff", b"\xc3\xa9", b"\xe2\x82\xac"):
                _assert_same(b"a" * at + insert + b"b" * (n - at))
