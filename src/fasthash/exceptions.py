# Authors: The fasthash developers
# SPDX-License-Identifier: BSD-3-Clause
"""Exceptions raised by fasthash.

Every fasthash-specific error derives from :class:`FasthashError` and from the builtin
exception it refines, so ``except ValueError`` keeps working.
"""

__all__ = ["FasthashError"]


class FasthashError(Exception):
    """Base class of every fasthash-specific exception."""
