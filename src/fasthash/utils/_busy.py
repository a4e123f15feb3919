# Authors: The fasthash developers
# SPDX-License-Identifier: BSD-3-Clause
"""Other processes keeping cores busy, to measure what a loaded machine gives."""

import subprocess
import sys
import time

_SPIN = "import sys; sys.stdout.write('up\\n'); sys.stdout.flush()\nwhile True: pass"


class BusyProcesses:
    """``n`` Python processes spinning (one core each) while the ``with`` block runs.

    Each process has started spinning when ``__enter__`` returns; ``__exit__`` kills and
    reaps them all, also when the block raises (KeyboardInterrupt included).
    """

    def __init__(self, n):
        self.n = n
        self.procs = []

    def __enter__(self):
        try:
            for _ in range(self.n):
                self.procs.append(
                    subprocess.Popen([sys.executable, "-c", _SPIN], stdout=subprocess.PIPE)
                )
            for p in self.procs:  # each is spinning once it has written its line
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
