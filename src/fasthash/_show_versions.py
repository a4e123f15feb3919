# Authors: The fasthash developers
# SPDX-License-Identifier: BSD-3-Clause
"""``fasthash.show_versions()``: what a bug report needs."""

import platform
import sys
import unicodedata

__all__ = ["show_versions"]


def _info():
    import numpy
    import scipy
    import sklearn

    import fasthash
    from fasthash._lib import _hashing
    from fasthash.utils._threads import cpu_count, effective_n_jobs

    return {
        "fasthash": fasthash.__version__,
        "python": sys.version.split()[0],
        "platform": platform.platform(),
        "numpy": numpy.__version__,
        "scipy": scipy.__version__,
        "scikit-learn": sklearn.__version__,
        "thread pool": "pthreads" if _hashing.pool_enabled() else (
            "openmp" if _hashing.openmp_enabled() else "none (one thread)"),
        "openmp (thread limit)": "enabled" if _hashing.openmp_enabled() else "disabled",
        "unicode (core tables)": _hashing.unicode_version(),
        "unicode (interpreter)": unicodedata.unidata_version,
        "cpus usable": str(cpu_count()),
        "n_jobs=None threads": str(effective_n_jobs(None)),
    }


def show_versions():
    """Print fasthash's build and runtime facts (versions, OpenMP, Unicode, threads).

    Examples
    --------
    >>> import fasthash
    >>> fasthash.show_versions()  # doctest: +ELLIPSIS
    fasthash: ...
    """
    for key, value in _info().items():
        print(f"{key}: {value}")
