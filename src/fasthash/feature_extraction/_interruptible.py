# Authors: The fasthash developers
# SPDX-License-Identifier: BSD-3-Clause
"""Kernel calls that Ctrl-C stops within milliseconds, whatever their size.

Python runs signal handlers in the main thread only, between bytecodes: while the main
thread is inside a long C call, Ctrl-C waits for the call to end. :func:`run_interruptibly`
moves such a call to fasthash's kernel thread and lets the main thread wait for it in an
interruptible wait instead. If that wait raises (``KeyboardInterrupt`` from Ctrl-C, or
whatever the user's SIGINT handler raises), the kernel's cancellation token is requested,
the kernel stops at its next poll (the C core polls at least every 65536 units of work),
and the exception is re-raised once the kernel has let go of every buffer. No signal
handler is replaced and no global state is changed.

The hand-off costs a few tens of microseconds per call: the callers use it only for calls
long enough to matter (see ``_INTERRUPTIBLE_WORK`` in the callers), and only in the main
thread (another thread never receives ``KeyboardInterrupt``).
"""

import os
import queue
import threading

__all__ = ["KernelCall", "in_main_thread", "run_interruptibly", "start_call"]


def in_main_thread():
    """Whether the calling thread is the one that runs Python's signal handlers."""
    return threading.current_thread() is threading.main_thread()


class _KernelThread:
    """A daemon thread calling the jobs handed to it, one at a time, in order."""

    def __init__(self):
        self._jobs = queue.SimpleQueue()
        self._thread = threading.Thread(target=self._loop, name="fasthash-kernel", daemon=True)
        self._thread.start()

    def _loop(self):
        while True:
            self._jobs.get()()

    def submit(self, job):
        self._jobs.put(job)


_kernel_thread = None


def _forget_kernel_thread():
    global _kernel_thread
    _kernel_thread = None  # a forked child has no such thread: it starts its own


if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_forget_kernel_thread)


class KernelCall:
    """A call of ``work()`` running on fasthash's kernel thread (see :func:`start_call`)."""

    def __init__(self, work, cancel):
        self._cancel = cancel
        # an Event, not a Lock: waiting again for a call already waited for returns at once
        # (Ctrl-C may be raised just after a successful wait, inside its ``try``)
        self._done = threading.Event()
        self._failed = []

        def job():
            try:
                work()
            except BaseException as exc:  # noqa: BLE001 - handed to the caller
                self._failed.append(exc)
            finally:
                self._done.set()

        global _kernel_thread
        if _kernel_thread is None:
            _kernel_thread = _KernelThread()
        _kernel_thread.submit(job)

    def wait(self):
        """Return once ``work()`` has returned; re-raise what it raised.

        The wait is interruptible: what interrupts it (``KeyboardInterrupt`` from Ctrl-C)
        requests ``cancel`` and is re-raised once ``work()`` has returned.
        """
        try:
            self._done.wait()  # interruptible: Ctrl-C raises here
        except BaseException:
            self.cancel()
            raise
        if self._failed:
            raise self._failed[0]

    def cancel(self):
        """Request ``cancel`` and return once ``work()`` has returned (uninterruptibly: the
        kernel must let go of the buffers first); what it raised is dropped."""
        if not self._done.is_set():
            self._cancel.request()
            _wait_uninterrupted(self._done)


def start_call(work, cancel):
    """Start ``work()`` on fasthash's kernel thread and return its :class:`KernelCall`.

    The caller may go on meanwhile, and must end the call with :meth:`KernelCall.wait`
    or :meth:`KernelCall.cancel` before it lets go of what ``work`` reads. Only the main
    thread uses the kernel thread (one call at a time).
    """
    return KernelCall(work, cancel)


def run_interruptibly(work, cancel):
    """Call ``work()`` on fasthash's kernel thread; return once it has returned.

    Parameters
    ----------
    work : callable
        A kernel call that releases the GIL and polls ``cancel`` (its outcome is left
        where the caller reads it; an exception it raises is re-raised here).
    cancel : fasthash._lib._cancel.Cancel
        The token ``work`` polls.

    Raises
    ------
    BaseException
        Whatever interrupted the wait (``KeyboardInterrupt`` from Ctrl-C), after
        ``cancel`` was requested and ``work()`` has returned.
    """
    start_call(work, cancel).wait()


def _wait_uninterrupted(event):
    """Wait for ``event`` even if signal handlers raise meanwhile (a second Ctrl-C while a
    cancelled kernel winds down, within milliseconds): the first exception is the one the
    caller re-raises."""
    while True:
        try:
            event.wait()
            return
        except BaseException:  # noqa: BLE001, S112 - the interrupt being handled already
            continue
