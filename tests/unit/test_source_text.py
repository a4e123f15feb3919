# Authors: The fasthash developers
# SPDX-License-Identifier: BSD-3-Clause
"""The repository's text files hold no ASCII control characters but tab and line ends (a
``"\\b"`` written through an unescaped string lands in a docstring as a backspace)."""

import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
SUFFIXES = {".py", ".pyx", ".pxd", ".pyi", ".c", ".h", ".md", ".build", ".toml", ".txt"}
CONTROL = re.compile(rb"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def _text_files():
    for top in ("src", "csrc", "tests", "bench", "docs", "tools"):
        for path in sorted((ROOT / top).rglob("*")):
            if path.suffix in SUFFIXES and path.is_file() and "results" not in path.parts:
                yield path
    yield from sorted(p for p in ROOT.glob("*.md") if p.is_file())


def test_no_control_characters_in_text_files():
    if not (ROOT / "csrc").is_dir():
        pytest.skip("needs the source tree")
    found = []
    for path in _text_files():
        for number, line in enumerate(path.read_bytes().splitlines(), 1):
            match = CONTROL.search(line)
            if match:
                found.append(f"{path.relative_to(ROOT)}:{number}: byte {match.group()!r}")
    assert found == []
