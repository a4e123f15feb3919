# Authors: The fasthash developers
# SPDX-License-Identifier: BSD-3-Clause
"""The test cluster never needs a free well-known port (another program may hold 8787)."""

import contextlib
import socket
import warnings

import pytest

from .conftest import CLUSTER_KWARGS, SKIP_REASON

distributed = pytest.importorskip("distributed", reason=SKIP_REASON)


@contextlib.contextmanager
def hold_port(port):
    """Listen on 127.0.0.1:port for the block (if another program holds it already, the
    situation is the same)."""
    sock = socket.socket()
    try:
        with contextlib.suppress(OSError):
            sock.bind(("127.0.0.1", port))
            sock.listen()
        yield
    finally:
        sock.close()


def test_cluster_starts_cleanly_while_8787_is_taken():
    with hold_port(8787), warnings.catch_warnings():
        warnings.simplefilter("error")
        with distributed.LocalCluster(
            n_workers=1, threads_per_worker=1, processes=True, **CLUSTER_KWARGS
        ) as cluster:
            port = cluster.scheduler.http_server.port
            assert port not in (0, 8787)
