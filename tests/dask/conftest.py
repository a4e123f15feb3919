# Authors: The fasthash developers
# SPDX-License-Identifier: BSD-3-Clause
"""One 2-process ``distributed.LocalCluster`` on loopback, shared by every dask test.

Starting a cluster costs seconds, so it is session-scoped; tests that disturb it (the
worker-killing test) wait for it to be whole again before returning. Under pytest-xdist
every test of this directory runs on one worker (group "dask" in tests/conftest.py), so
a run starts one cluster, not one per worker. Without dask or
distributed the fixtures skip with the install hint (the test modules also skip at import).

Warnings: pytest runs with ``filterwarnings = error``. Only distributed's known, harmless
warnings of cluster start-up and shutdown are silenced, by message, around those calls.
"""

import contextlib
import logging
import warnings

import pytest

SKIP_REASON = 'needs the optional dependencies dask and distributed: pip install "fasthash[dask]"'

# Harmless warnings distributed may emit while a cluster starts or stops (slow shared
# machines, a worker restarted by its nanny). Matched by message, never by category alone.
_KNOWN_WARNINGS = (
    # a slow shared disk while the workers create their scratch directories
    r".*Creating scratch directories is taking a surprisingly long time.*",
)


@contextlib.contextmanager
def known_distributed_warnings():
    """Silence distributed's known start-up/shutdown warnings (by message) in a block."""
    with warnings.catch_warnings():
        for pattern in _KNOWN_WARNINGS:
            warnings.filterwarnings("ignore", message=pattern)
        yield


# Loopback only, and port 0 for every HTTP server (the scheduler starts one even without a
# dashboard, on 8787 unless told otherwise): the tests never depend on a free well-known port.
CLUSTER_KWARGS = dict(
    host="127.0.0.1",
    dashboard_address="127.0.0.1:0",
    worker_dashboard_address="127.0.0.1:0",
    silence_logs=logging.ERROR,
)


@pytest.fixture(scope="session")
def dask_cluster():
    """``LocalCluster``: 2 worker processes (1 thread each) on 127.0.0.1, no dashboard."""
    pytest.importorskip("dask", reason=SKIP_REASON)
    distributed = pytest.importorskip("distributed", reason=SKIP_REASON)
    with known_distributed_warnings():
        cluster = distributed.LocalCluster(
            n_workers=2, threads_per_worker=1, processes=True, **CLUSTER_KWARGS
        )
    try:
        yield cluster
    finally:
        with known_distributed_warnings():
            cluster.close()


@pytest.fixture(scope="session")
def dask_client(dask_cluster):
    """A ``distributed.Client`` of :func:`dask_cluster` (closed at the end)."""
    import distributed

    with known_distributed_warnings():
        client = distributed.Client(dask_cluster, set_as_default=False)
    try:
        yield client
    finally:
        with known_distributed_warnings():
            client.close()


@pytest.fixture
def client(dask_client):
    """The shared client, with both workers up, as the default scheduler of the test."""
    dask_client.wait_for_workers(2, timeout=60)
    with dask_client.as_current():
        yield dask_client
