# Authors: The fasthash developers
# SPDX-License-Identifier: BSD-3-Clause
"""Other processes keeping cores busy, to measure what a loaded machine gives."""

import subprocess
import sys
import time

_READY = "sys.stdout.write('up\\n'); sys.stdout.flush()\n"
# What each process runs: a pure-Python loop (one core), or matrix products through numpy's
# BLAS with its default threads (every core, and OpenBLAS's threads spin between calls).
_WORK = {
    "python": "import sys\n" + _READY + "while True: pass",
    "blas": (
        "import sys\nimport numpy as np\na = np.random.default_rng(0).random((512, 512))\n"
        "a @ a\n" + _READY + "while True: a @ a"
    ),
}


class BusyProcesses:
    """``n`` processes keeping cores busy while the ``with`` block runs.

    ``work="python"``: each spins in a pure-Python loop (one core each). ``work="blas"``:
    each multiplies 512 x 512 matrices with numpy, whose BLAS runs on every core by default
    (a BLAS-threaded job beside the call). Each process is at work when ``__enter__``
    returns; ``__exit__`` kills and reaps them all, also when the block raises
    (KeyboardInterrupt included).
    """

    def __init__(self, n, work="python"):
        if work not in _WORK:
            raise ValueError(f"work must be one of {sorted(_WORK)}, got {work!r}")
        self.n = n
        self.work = work
        self.procs = []

    def __enter__(self):
        try:
            for _ in range(self.n):
                self.procs.append(
                    subprocess.Popen(
                        [sys.executable, "-c", _WORK[self.work]], stdout=subprocess.PIPE
                    )
                )
            for p in self.procs:  # each is at work once it has written its line
                p.stdout.readline()
        except BaseException:
            self.__exit__()
            raise
        time.sleep(0.05)
        return self

    def __exit__(self, *exc):
        for p in self.procs:
            p.kill()
        for p in self.procs:
            p.wait()
            p.stdout.close()
        self.procs = []
