# Authors: The fasthash developers
# SPDX-License-Identifier: BSD-3-Clause
"""``murmurhash3_32``, equal to :func:`sklearn.utils.murmurhash3_32`."""

import numpy as np

from fasthash._lib import _hashing

__all__ = ["murmurhash3_32"]


def murmurhash3_32(key, seed=0, positive=False):
    """Compute the 32-bit MurmurHash3 (x86_32) of ``key`` at ``seed``.

    Equal to :func:`sklearn.utils.murmurhash3_32` for every input, including its errors:
    str keys are hashed as UTF-8, bytes verbatim, ints as one native 32-bit int, and int32
    arrays element-wise (the GIL is released for arrays).

    Parameters
    ----------
    key : int, np.int32, bytes, str or ndarray of dtype int32
        The object to hash.
    seed : int, default=0
        Seed of the hash, an unsigned 32-bit integer.
    positive : bool, default=False
        True: the hash as an unsigned int in ``[0, 2**32)``; False: as a signed int in
        ``[-2**31, 2**31)``.

    Returns
    -------
    int or ndarray
        The hash (an array of the key's shape for an array key).

    Examples
    --------
    >>> from fasthash import murmurhash3_32
    >>> murmurhash3_32(b"Hello World!", seed=42)
    3565178
    >>> murmurhash3_32("aivlts3m")
    -2147483648
    """
    if isinstance(key, bytes):
        if positive:
            return _hashing._murmurhash3_bytes_u32(key, seed)
        return _hashing._murmurhash3_bytes_s32(key, seed)
    elif isinstance(key, str):
        if positive:
            return _hashing._murmurhash3_bytes_u32(key.encode("utf-8"), seed)
        return _hashing._murmurhash3_bytes_s32(key.encode("utf-8"), seed)
    elif isinstance(key, int) or isinstance(key, np.int32):
        if not -0x80000000 <= key <= 0x7FFFFFFF:
            # Not a C int: the OverflowError's text comes from the Cython that compiled
            # the function (on Python 3.13, Cython 3.3 calls PyLong_AsInt: "Python int too
            # large to convert to C int"; the Cython 3.2 of scikit-learn 1.9's wheels says
            # "value too large to convert to int" or "... to C long"), so the installed
            # scikit-learn raises it itself.
            from sklearn.utils import murmurhash3_32 as sk_murmurhash3_32

            return sk_murmurhash3_32(key, seed, positive)
        if positive:
            return _hashing._murmurhash3_int_u32(key, seed)
        return _hashing._murmurhash3_int_s32(key, seed)
    elif isinstance(key, np.ndarray):
        if key.dtype != np.int32:
            raise TypeError("key.dtype should be int32, got %s" % key.dtype)
        flat = np.ascontiguousarray(key.ravel())
        return _hashing._murmurhash3_array(flat, seed, bool(positive)).reshape(key.shape)
    raise TypeError(
        "key %r with type %s is not supported. "
        "Explicit conversion to bytes is required" % (key, type(key))
    )
