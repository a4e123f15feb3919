# Authors: The fasthash developers
# SPDX-License-Identifier: BSD-3-Clause
"""liblinear and libsvm fits in fasthash's worker threads: one at a time, or on copies.

scikit-learn's liblinear and libsvm extension modules each hold one random generator for
the whole process (a global ``std::mt19937 mt_rand``, ``sklearn/svm/src/newrand``), seeded
at the start of every fit and drawn from during it, without the GIL. Two such fits in two
threads interleave their draws: each model then depends on the timing of the threads
(coefficients differ in about the 5th digit from the same fit run alone).

**Default: one at a time.** :func:`isolated_solvers` holds one process-wide lock while
such a fit runs in a fasthash worker thread; every other fit stays parallel. Nothing in
scikit-learn is touched.

**Opt-in: private copies** (``fasthash.config_context(private_solver_copies=True)``).
The dynamic loader gives every *distinct file* it loads its own copy of that file's data,
the generator included. A worker that fits such a model takes a set of private copies of
the three modules, each loaded from an anonymous in-memory file (``memfd_create``):
scikit-learn's own machine code, byte for byte, with its own generator; each fit seeds
its generator first, so a fit in a copy is the fit scikit-learn makes, bit for bit.
``sklearn.svm._base`` reaches the modules through three globals (``liblinear``, ``libsvm``,
``libsvm_sparse``); while at least one fit runs on copies, these are replaced by
forwarding objects that hand each attribute lookup to the calling thread's copy (to
scikit-learn's module in any other thread), and they are put back when the last such fit
ends. The forwarding objects pass ``setattr``/``delattr`` to scikit-learn's module, and an
attribute of that module replaced by someone else (``unittest.mock.patch``) is used as it
is, in every thread. At most one copy set per usable CPU is ever made; a set is reused by
the next fit that needs one (the in-memory files stay open for the life of the process:
``/proc/self/fd/N`` is the name the loader knows each copy by).

A copy is checked before it is used: its ``mt_rand`` must be at another address than the
module's, and the process's global symbol scope must not define ``mt_rand`` (that would
bind every copy to one generator). Where copies cannot be made (not Linux, memfd_create
refused, the symbol not exported by another build), the lock is used, with one warning.
"""

import contextlib
import ctypes
import importlib.machinery
import importlib.util
import os
import threading
import types
import warnings

from fasthash._config import get_config
from fasthash.exceptions import FasthashWarning
from fasthash.utils._sklearn_compat import SVM_SOLVER_GLOBALS, svm_base_module
from fasthash.utils._threads import cpu_count

__all__ = ["isolated_solvers", "solver_copies_unavailable"]

_RNG_SYMBOL = "mt_rand"

_serial_lock = threading.Lock()  # the default: such fits run one at a time

# .depth: 1 inside a block (nested blocks do nothing more); .copies: this thread's
# {name: module copy} while it holds a copy set.
_local = threading.local()
_state = threading.Condition()  # guards everything below; notified when a set is freed
_free = []  # copy sets not in use (each {name: module})
_n_sets = 0
_unavailable = None  # why copies cannot be made, once a first attempt failed
_fds = []  # the memfds of loaded copies (see the module docstring)
_pristine = {}  # {name: {attr: value}} of scikit-learn's modules when first copied
_installed = {}  # {name: scikit-learn's module} while the forwarding objects are in place
_n_active = 0  # fits running on copies


def max_copy_sets():
    """The most copy sets ever made: one per CPU this process may use."""
    return cpu_count()


class _Router:
    """Stands in for one of ``sklearn.svm._base``'s solver modules (module docstring)."""

    __slots__ = ("fasthash_name", "fasthash_target")

    def __init__(self, name, module):
        object.__setattr__(self, "fasthash_name", name)
        object.__setattr__(self, "fasthash_target", module)

    def __getattr__(self, attr):
        module = self.fasthash_target
        value = getattr(module, attr)
        copies = getattr(_local, "copies", None)
        if copies is None:
            return value
        pristine = _pristine[self.fasthash_name].get(attr, _MISSING)
        if value is not pristine:  # replaced by someone (a mock): theirs, everywhere
            return value
        return getattr(copies[self.fasthash_name], attr)

    def __setattr__(self, attr, value):
        setattr(self.fasthash_target, attr, value)

    def __delattr__(self, attr):
        delattr(self.fasthash_target, attr)

    def __dir__(self):
        return dir(self.fasthash_target)

    def __repr__(self):
        return (
            f"<fasthash router to {self.fasthash_target!r} or a thread's private copy of it>"
        )


_MISSING = object()


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


def _modules(base):
    """scikit-learn's solver modules, as ``sklearn.svm._base`` holds them (or a router)."""
    found = {}
    for name in SVM_SOLVER_GLOBALS:
        current = getattr(base, name)
        found[name] = current.fasthash_target if isinstance(current, _Router) else current
    return found


def _take(modules):
    """A copy set for the calling thread (waits while every allowed set is in use), or
    None when copies cannot be made. Call with ``_state`` held."""
    global _n_sets, _unavailable
    while True:
        if _unavailable is not None:
            return None
        if _free:
            return _free.pop()
        if _n_sets < max_copy_sets():
            break
        _state.wait()
    try:
        copies = {name: _load_copy(module, _n_sets) for name, module in modules.items()}
    except Exception as exc:  # noqa: BLE001 - any failure: use the lock instead
        _unavailable = f"{type(exc).__name__}: {exc}"
        warnings.warn(
            f"fasthash cannot make private copies of scikit-learn's solvers ({_unavailable}); "
            "liblinear and libsvm fits run one at a time instead (the same models).",
            FasthashWarning,
            stacklevel=5,
        )
        return None
    for name, module in modules.items():
        _pristine.setdefault(name, dict(vars(module)))
    _n_sets += 1
    return copies


def _install(base, modules):
    """Put the forwarding objects in place (first active fit). Call with ``_state`` held."""
    for name, module in modules.items():
        if getattr(base, name) is module:
            setattr(base, name, _Router(name, module))
            _installed[name] = module


def _uninstall(base):
    """Put scikit-learn's modules back (last active fit). Call with ``_state`` held."""
    for name, module in _installed.items():
        current = getattr(base, name, None)
        if isinstance(current, _Router) and current.fasthash_target is module:
            setattr(base, name, module)
    _installed.clear()


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
def _on_copies(base, modules):
    """Run the block on a copy set, or yield False without one."""
    global _n_active
    with _state:
        copies = _take(modules)
        if copies is None:
            held = False
        else:
            held = True
            if _n_active == 0:
                _install(base, modules)
            _n_active += 1
    if not held:
        yield False
        return
    _local.copies = copies
    try:
        yield True
    finally:
        _local.copies = None
        with _state:
            _free.append(copies)
            _n_active -= 1
            if _n_active == 0:
                _uninstall(base)
            _state.notify()


def _scikit_learns(modules):
    """Whether ``modules`` are scikit-learn's own extension modules (not replaced)."""
    return all(
        isinstance(m, types.ModuleType) and getattr(m, "__file__", None) for m in modules.values()
    )


@contextlib.contextmanager
def isolated_solvers():
    """The context of one liblinear or libsvm fit in a fasthash worker thread.

    By default the block holds a process-wide lock (such fits run one at a time: they
    draw from one generator that scikit-learn shares process-wide). Under
    ``fasthash.config_context(private_solver_copies=True)`` the block runs on a private
    copy set of scikit-learn's solver modules, in parallel with other such blocks (see
    the module docstring). Either way the fit gives the model of a sequential run. Nested
    blocks in one thread reuse the outer block's lock or copies.

    Examples
    --------
    >>> from sklearn.svm import LinearSVC
    >>> from fasthash.utils._solver_copies import isolated_solvers
    >>> X, y = [[0.0, 1.0], [1.0, 0.0], [1.0, 1.0], [0.0, 0.0]], [0, 1, 1, 0]
    >>> with isolated_solvers():
    ...     inside = LinearSVC(random_state=0).fit(X, y).coef_
    >>> bool((inside == LinearSVC(random_state=0).fit(X, y).coef_).all())
    True
    """
    if getattr(_local, "depth", 0):  # nested: the outer block isolates this thread
        yield
        return
    _local.depth = 1
    try:
        if get_config()["private_solver_copies"]:
            base = svm_base_module()
            modules = None if base is None else _modules(base)
            if modules is not None and _scikit_learns(modules):
                with _on_copies(base, modules) as held:
                    if held:
                        yield
                        return
        with _serial_lock:
            yield
    finally:
        _local.depth = 0
