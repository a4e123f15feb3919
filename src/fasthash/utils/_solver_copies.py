# Authors: The fasthash developers
# SPDX-License-Identifier: BSD-3-Clause
"""Private copies of scikit-learn's liblinear and libsvm for fasthash's worker threads.

scikit-learn's liblinear and libsvm extension modules each hold one random generator for
the whole process (a global ``std::mt19937 mt_rand``, ``sklearn/svm/src/newrand``), seeded
at the start of every fit and drawn from during it, without the GIL. Two such fits in two
threads interleave their draws: each model then depends on the timing of the threads
(coefficients differ in about the 5th digit from the same fit run alone).

The dynamic loader gives every *distinct file* it loads its own copy of that file's data,
the generator included. So a fasthash worker that fits such a model takes a set of private
copies of the three modules, each loaded from an anonymous in-memory file
(``memfd_create``): scikit-learn's own machine code, byte for byte, with its own
generator. ``sklearn.svm._base`` reaches the modules through three globals (``liblinear``,
``libsvm``, ``libsvm_sparse``); these are replaced by routers that hand each attribute
lookup to the calling thread's copy while it holds one and to scikit-learn's module
otherwise. Outside fasthash's workers nothing changes, and a fit in a copy is the fit
scikit-learn makes, bit for bit, because each fit seeds its generator first.

A copy is checked before it is used: its ``mt_rand`` must be at another address than the
module's, and the process's global symbol scope must not define ``mt_rand`` (that would
bind every copy to one generator). Where copies cannot be made (not Linux, memfd_create
refused, the symbol not exported by some other build), :func:`private_solvers` falls back
to one process-wide lock: such fits then run one at a time, with the same results.
"""

import contextlib
import ctypes
import importlib.machinery
import importlib.util
import os
import threading

__all__ = ["private_solvers", "solver_copies_unavailable"]

# The globals of sklearn.svm._base through which scikit-learn calls its solvers.
_NAMES = ("liblinear", "libsvm", "libsvm_sparse")
_RNG_SYMBOL = "mt_rand"

_local = threading.local()  # .copies: this thread's {name: module copy} while it holds one
_state_lock = threading.Lock()  # guards everything below
_free = []  # copy sets not in use (each {name: module})
_n_sets = 0
_unavailable = None  # why copies cannot be made, once a first attempt failed
# The memfds of loaded copies stay open for the life of the process: "/proc/self/fd/N" is
# the name the loader knows each copy by, and a reused N would make it hand back the copy
# already loaded under that name instead of a new one.
_fds = []
# The fallback: fits drawing from the shared generators run one at a time. Reentrant, so
# a nested fit in the same thread (a one-worker pool runs in its caller) does not deadlock.
_serial_lock = threading.RLock()


class _Router:
    """Stands in for one of ``sklearn.svm._base``'s solver modules (see the module doc)."""

    __slots__ = ("_name", "_module")

    def __init__(self, name, module):
        self._name = name
        self._module = module

    def __getattr__(self, attr):
        copies = getattr(_local, "copies", None)
        return getattr(self._module if copies is None else copies[self._name], attr)

    def __repr__(self):
        return f"<fasthash router to {self._module!r} or a thread's private copy of it>"


def _originals():
    """scikit-learn's three solver modules (the routers' targets once installed)."""
    from sklearn.svm import _base

    found = {}
    for name in _NAMES:
        current = getattr(_base, name)
        found[name] = current._module if isinstance(current, _Router) else current
    return found


def _install_routers(originals):
    from sklearn.svm import _base

    for name, module in originals.items():
        if not isinstance(getattr(_base, name), _Router):
            setattr(_base, name, _Router(name, module))


def _rng_address(path):
    """Address of ``mt_rand`` in the already loaded shared object ``path``."""
    lib = ctypes.CDLL(path, mode=os.RTLD_NOLOAD | os.RTLD_LOCAL)
    return ctypes.addressof(ctypes.c_char.in_dll(lib, _RNG_SYMBOL))


def _load_copy(module, serial):
    """A private copy of the extension module ``module``, with its own ``mt_rand``."""
    with open(module.__file__, "rb") as src:
        image = src.read()
    fd = os.memfd_create(f"fasthash-{serial}-{os.path.basename(module.__file__)}", os.MFD_CLOEXEC)
    _fds.append(fd)
    view = memoryview(image)
    while view:
        view = view[os.write(fd, view) :]
    where = f"/proc/self/fd/{fd}"
    name = f"fasthash._solver_copy_{serial}.{module.__name__.rpartition('.')[2]}"
    loader = importlib.machinery.ExtensionFileLoader(name, where)
    spec = importlib.util.spec_from_file_location(name, where, loader=loader)
    copy = importlib.util.module_from_spec(spec)
    loader.exec_module(copy)
    if hasattr(ctypes.CDLL(None), _RNG_SYMBOL):
        raise RuntimeError(f"{_RNG_SYMBOL} is defined in the global symbol scope")
    if _rng_address(where) == _rng_address(module.__file__):
        raise RuntimeError(f"the copy of {module.__name__} shares its {_RNG_SYMBOL}")
    return copy


def _take():
    """A free copy set, a new one, or None when copies cannot be made."""
    global _n_sets, _unavailable
    with _state_lock:
        if _unavailable is not None:
            return None
        originals = _originals()
        if _free:
            copies = _free.pop()
        else:
            try:
                copies = {name: _load_copy(mod, _n_sets) for name, mod in originals.items()}
            except Exception as exc:  # noqa: BLE001 - any failure: use the lock instead
                _unavailable = f"{type(exc).__name__}: {exc}"
                return None
            _n_sets += 1
        # Every time: cheap, and a reloaded sklearn.svm._base gets its routers back.
        _install_routers(originals)
        return copies


def solver_copies_unavailable():
    """Why private solver copies cannot be made here (a message), or None.

    None also while no copy was ever asked for.

    Examples
    --------
    >>> from fasthash.utils._solver_copies import solver_copies_unavailable
    >>> solver_copies_unavailable() is None or isinstance(solver_copies_unavailable(), str)
    True
    """
    return _unavailable


@contextlib.contextmanager
def private_solvers():
    """Give the calling thread its own liblinear and libsvm for the duration of the block.

    Fits of LinearSVC, LinearSVR, LogisticRegression(solver="liblinear") and libsvm
    estimators with ``probability=True`` made inside the block draw from a random
    generator no other thread uses, so they can run in parallel with the results of a
    sequential run. Where copies cannot be made, the block holds a process-wide lock
    instead (same results, one such block at a time). Nested blocks in one thread reuse
    the outer block's copies.

    Examples
    --------
    >>> from sklearn.svm import LinearSVC
    >>> from fasthash.utils._solver_copies import private_solvers
    >>> X, y = [[0.0, 1.0], [1.0, 0.0], [1.0, 1.0], [0.0, 0.0]], [0, 1, 1, 0]
    >>> with private_solvers():
    ...     inside = LinearSVC(random_state=0).fit(X, y).coef_
    >>> bool((inside == LinearSVC(random_state=0).fit(X, y).coef_).all())
    True
    """
    if getattr(_local, "copies", None) is not None:
        yield
        return
    copies = _take()
    if copies is None:
        with _serial_lock:
            yield
        return
    _local.copies = copies
    try:
        yield
    finally:
        _local.copies = None
        with _state_lock:
            _free.append(copies)
