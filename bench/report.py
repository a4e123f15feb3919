# Authors: The fasthash developers
# SPDX-License-Identifier: BSD-3-Clause
"""Run the benchmark suite and print median MB/s and the speed-up over scikit-learn.

Usage (from anywhere; see bench/README.md)::

    python bench/report.py                      # run bench/, write JSON, print the table
    python bench/report.py -- -k english        # extra arguments after -- go to pytest
    python bench/report.py --from-json R.json   # only print the table of an earlier run

The speed-up of an implementation is the median time of ``sklearn`` in the same group of
the same run divided by its own median time.
"""

import argparse
import json
import os
import subprocess
import sys
import time
from pathlib import Path

BENCH_DIR = Path(__file__).resolve().parent
REPO_ROOT = BENCH_DIR.parent
BASELINE = "sklearn"


def run_pytest(json_path, pytest_args):
    """Run ``python -m pytest bench --benchmark-json=json_path``; return its exit status."""
    cmd = [
        sys.executable,
        "-m",
        "pytest",
        str(BENCH_DIR),
        f"--benchmark-json={json_path}",
        "--benchmark-columns=median,iqr,rounds",
        "--benchmark-sort=name",
        "-p",
        "no:cacheprovider",
        *pytest_args,
    ]
    print("$", " ".join(cmd), flush=True)
    return subprocess.call(cmd, cwd=REPO_ROOT)


def _fmt(value, spec):
    return "-" if value is None else format(value, spec)


def format_report(data):
    """Return the table (a str) for pytest-benchmark JSON ``data``."""
    groups = {}
    for bench in data.get("benchmarks", []):
        groups.setdefault(bench.get("group") or "(no group)", []).append(bench)

    lines = []
    machine = data.get("machine_info", {})
    cpu = machine.get("cpu", {})
    lines.append(
        f"{data.get('datetime', '')}  python {machine.get('python_version', '?')}  "
        f"{cpu.get('brand_raw', '')} ({cpu.get('count', '?')} CPUs)"
    )
    for group in sorted(groups):
        benches = groups[group]
        info = {b["name"]: b.get("extra_info", {}) for b in benches}
        medians = {b["name"]: b["stats"]["median"] for b in benches}
        base = next(
            (
                medians[b["name"]]
                for b in benches
                if info[b["name"]].get("implementation") == BASELINE
            ),
            None,
        )
        memory = any("rss_ratio" in info[b["name"]] for b in benches)
        lines.append("")
        lines.append(group)
        header = f"  {'implementation':<18} {'threads':>7} {'MB':>7} {'median s':>9} "
        header += f"{'MB/s':>8} {'vs sklearn':>10}"
        if memory:
            header += f" {'out MB':>7} {'peak RSS/out':>12} {'tracemalloc/out':>15}"
        lines.append(header)
        order = {"sklearn": 0, "sklearn+loky[2]": 1, "fasthash[1]": 2, "fasthash[all]": 3}
        for b in sorted(
            benches, key=lambda b: (order.get(info[b["name"]].get("implementation"), 9), b["name"])
        ):
            x = info[b["name"]]
            median = medians[b["name"]]
            mb = x.get("mb")
            mbps = mb / median if mb is not None and median else None
            speedup = base / median if base is not None and median else None
            row = (
                f"  {x.get('implementation', b['name']):<18} {_fmt(x.get('threads'), '>7')} "
                f"{_fmt(mb, '>7.2f')} {median:>9.4f} {_fmt(mbps, '>8.1f')} "
                f"{_fmt(speedup, '>9.2f')}x"
            )
            if memory:
                row += (
                    f" {_fmt(x.get('output_mb'), '>7.1f')} {_fmt(x.get('rss_ratio'), '>12.2f')}"
                    f" {_fmt(x.get('tracemalloc_ratio'), '>15.2f')}"
                )
            lines.append(row)
    lines.append("")
    lines.append(
        "MB = 10**6 bytes of UTF-8 input; median over rounds; 'vs sklearn' = sklearn's median "
        "/ this median, same run. Memory: peak RSS growth and tracemalloc peak during "
        "transform / bytes of the output CSR."
    )
    return "\n".join(lines)


def main(argv=None):
    """Parse arguments, run the suite unless ``--from-json``, print the report.

    Parameters
    ----------
    argv : list of str or None
        Command-line arguments; arguments after ``--`` are passed to pytest.

    Returns
    -------
    status : int
        pytest's exit status (0 when only printing a report).
    """
    argv = sys.argv[1:] if argv is None else list(argv)
    pytest_args = []
    if "--" in argv:
        cut = argv.index("--")
        argv, pytest_args = argv[:cut], argv[cut + 1 :]
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--json",
        type=Path,
        default=None,
        help="where to write the pytest-benchmark JSON "
        "(default: .benchmarks/report-<timestamp>.json in the repository)",
    )
    parser.add_argument(
        "--from-json", type=Path, default=None, help="print the report of an existing JSON file"
    )
    args = parser.parse_args(argv)

    status = 0
    if args.from_json is not None:
        json_path = args.from_json
    else:
        json_path = args.json or (
            REPO_ROOT / ".benchmarks" / time.strftime("report-%Y%m%d-%H%M%S.json")
        )
        os.makedirs(json_path.parent, exist_ok=True)
        start = time.perf_counter()
        status = run_pytest(json_path, pytest_args)
        print(f"benchmark run took {time.perf_counter() - start:.0f} s; JSON: {json_path}")
        if not json_path.exists():
            return status or 1
    with open(json_path, encoding="utf-8") as f:
        data = json.load(f)
    print()
    print(format_report(data))
    return status


if __name__ == "__main__":
    raise SystemExit(main())
