# Authors: The fasthash developers
# SPDX-License-Identifier: BSD-3-Clause
"""fasthash's global configuration, after scikit-learn's ``set_config`` / ``config_context``.

The configuration is per thread (a thread starts from the global one); fasthash's worker
threads run with the configuration of the thread that started them, as scikit-learn's
configuration reaches joblib's workers.
"""

import threading
from contextlib import contextmanager

__all__ = ["config_context", "get_config", "set_config"]

_global_config = {"private_solver_copies": False}
_local = threading.local()


def _thread_config():
    if not hasattr(_local, "config"):
        _local.config = dict(_global_config)
    return _local.config


def get_config():
    """The current values of fasthash's configuration (see :func:`set_config`).

    Returns
    -------
    dict
        Keys are the parameters of :func:`set_config`.

    See Also
    --------
    config_context : Set the configuration for the duration of a block.
    set_config : Set the configuration.

    Examples
    --------
    >>> import fasthash
    >>> fasthash.get_config()
    {'private_solver_copies': False}
    """
    return dict(_thread_config())


def set_config(private_solver_copies=None):
    """Set fasthash's configuration (for this thread and the threads it starts).

    Parameters
    ----------
    private_solver_copies : bool, default=None
        When True, liblinear and libsvm fits that fasthash runs in its worker threads
        (LinearSVC, LinearSVR, ``LogisticRegression(solver="liblinear")``, libsvm
        estimators with ``probability=True``) run *in parallel*, each on a private copy of
        scikit-learn's compiled solver module with a random generator of its own. The
        copies are loaded from anonymous in-memory files (``memfd_create``; Linux only),
        at most one set per usable CPU, kept for the life of the process; while a fit uses
        them, ``sklearn.svm._base``'s references to its solver modules are replaced by
        forwarding objects (put back when the last such fit ends).

        When False (the default), fasthash changes nothing in scikit-learn: these fits
        draw from a random generator that scikit-learn shares process-wide, so fasthash
        runs them one at a time (every other fit stays parallel). Both settings give the
        same models, bit for bit. Security tools may flag code executed from memory
        files, and kernels with ``vm.memfd_noexec`` refuse it; fasthash then falls back
        to one fit at a time, with a warning. ``None`` leaves the setting unchanged.

    See Also
    --------
    config_context : Set the configuration for the duration of a block.
    get_config : The current configuration.

    Examples
    --------
    >>> import fasthash
    >>> fasthash.set_config(private_solver_copies=True)
    >>> fasthash.get_config()["private_solver_copies"]
    True
    >>> fasthash.set_config(private_solver_copies=False)
    """
    config = _thread_config()
    if private_solver_copies is not None:
        if not isinstance(private_solver_copies, bool):
            raise TypeError(
                "private_solver_copies must be a bool or None, got "
                f"{private_solver_copies!r} of type {type(private_solver_copies).__name__}."
            )
        config["private_solver_copies"] = private_solver_copies


@contextmanager
def config_context(*, private_solver_copies=None):
    """Set fasthash's configuration for the duration of a ``with`` block.

    Parameters
    ----------
    private_solver_copies : bool, default=None
        See :func:`set_config`. ``None`` keeps the current value.

    Yields
    ------
    None

    See Also
    --------
    set_config : Set the configuration.
    get_config : The current configuration.

    Examples
    --------
    >>> import fasthash
    >>> from sklearn.svm import LinearSVC
    >>> from sklearn.datasets import make_classification
    >>> X, y = make_classification(n_samples=200, random_state=0)
    >>> with fasthash.config_context(private_solver_copies=True):
    ...     model = fasthash.AveragedLinearModel(LinearSVC(), n_partitions=2).fit(X, y)
    >>> fasthash.get_config()["private_solver_copies"]
    False
    """
    old = get_config()
    set_config(private_solver_copies=private_solver_copies)
    try:
        yield
    finally:
        _thread_config().clear()
        _thread_config().update(old)
