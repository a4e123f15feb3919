# Authors: The fasthash developers
# SPDX-License-Identifier: BSD-3-Clause
"""The ``fasthash`` command: demo, version, argument errors, exit codes."""

import subprocess
import sys

import numpy as np
import pytest

import fasthash
from fasthash import cli


def test_demo_checks_identity_and_prints_throughput(capsys):
    assert cli.main(["demo", "--max-mb", "0.05", "--repeat", "1", "--n-jobs", "2"]) == 0
    out = capsys.readouterr().out
    assert "outputs identical to scikit-learn: yes" in out
    assert "MB/s" in out and "fasthash n_jobs=2" in out
    # one table on the machine as it is, one beside a busy process
    assert "this machine as it is (load average" in out
    assert "loaded: the same beside 1 busy process" in out
    assert out.count("fasthash n_jobs=2") == 2 and out.count("speed-up") == 2


def test_demo_busy_zero_measures_once(capsys):
    assert cli.main(["demo", "--max-mb", "0.05", "--repeat", "1", "--busy", "0"]) == 0
    out = capsys.readouterr().out
    assert "loaded" not in out and out.count("speed-up") == 1


def test_demo_loaded_table_runs_beside_busy_processes(monkeypatch, capsys):
    from fasthash.utils import _busy

    seen = []

    class Spy(_busy.BusyProcesses):
        def __enter__(self):
            super().__enter__()
            seen.append([p.poll() is None for p in self.procs])  # all alive inside
            return self

    monkeypatch.setattr(_busy, "BusyProcesses", Spy)
    assert cli.main(["demo", "--max-mb", "0.05", "--repeat", "1", "--busy", "2"]) == 0
    assert seen == [[True, True]]
    assert "beside 2 busy processes" in capsys.readouterr().out


def test_busy_processes_are_reaped_even_when_the_block_raises():
    from fasthash.utils._busy import BusyProcesses

    busy = BusyProcesses(2)
    with pytest.raises(KeyboardInterrupt):
        with busy:
            procs = list(busy.procs)
            assert len(procs) == 2 and all(p.poll() is None for p in procs)
            raise KeyboardInterrupt
    assert all(p.returncode is not None for p in procs) and busy.procs == []


def test_busy_blas_process_runs_numpy_until_the_block_ends():
    from fasthash.utils._busy import BusyProcesses

    with BusyProcesses(1, work="blas") as busy:
        (proc,) = busy.procs
        assert proc.poll() is None  # started, imported numpy, multiplied once, still at work
        assert "a @ a" in proc.args[-1]
    assert proc.returncode is not None and busy.procs == []
    with pytest.raises(ValueError, match="work must be one of"):
        BusyProcesses(1, work="gpu")


def test_demo_exits_1_when_outputs_differ(monkeypatch, capsys):
    class Wrong(fasthash.HashingVectorizer):
        def transform(self, X):
            Y = super().transform(X)
            Y.data = -Y.data  # one wrong sign bit per value
            return Y

    monkeypatch.setattr(fasthash, "HashingVectorizer", Wrong)
    assert cli.main(["demo", "--max-mb", "0.05", "--repeat", "1"]) == 1
    assert "MISMATCH" in capsys.readouterr().err


@pytest.mark.parametrize("value", ["0", "two", "1.5"])
def test_bad_n_jobs_is_a_usage_error(value, capsys):
    with pytest.raises(SystemExit) as exc:
        cli.main(["demo", "--n-jobs", value])
    assert exc.value.code == 2
    assert "--n-jobs" in capsys.readouterr().err


@pytest.mark.parametrize("value", ["-1", "one"])
def test_bad_busy_is_a_usage_error(value, capsys):
    with pytest.raises(SystemExit) as exc:
        cli.main(["demo", "--busy", value])
    assert exc.value.code == 2
    assert "--busy: expected a non-negative integer" in capsys.readouterr().err


def test_parse_n_jobs_follows_the_project_meaning():
    assert cli._parse_n_jobs("all") is None and cli._parse_n_jobs("None") is None
    assert cli._parse_n_jobs("-1") == -1 and cli._parse_n_jobs("3") == 3


def test_version_and_module_entry_point():
    res = subprocess.run(
        [sys.executable, "-m", "fasthash", "--version"], capture_output=True, text=True
    )
    assert res.returncode == 0 and fasthash.__version__ in res.stdout


def test_compare_csr_reports_differences():
    X = fasthash.HashingVectorizer(n_features=16).transform(["aa bb", "cc"])
    assert cli._compare_csr(X, X.copy()) == []
    Y = X.copy()
    Y.data = Y.data.astype(np.float32)
    assert cli._compare_csr(X, Y) != []
