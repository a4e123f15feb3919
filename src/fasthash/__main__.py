# Authors: The fasthash developers
# SPDX-License-Identifier: BSD-3-Clause
"""``python -m fasthash``: the same as the ``fasthash`` command."""

from fasthash.cli import main

if __name__ == "__main__":
    raise SystemExit(main())
