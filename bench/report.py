# Authors: The fasthash developers
# SPDX-License-Identifier: BSD-3-Clause
"""Run the benchmark suite, print median MB/s and the speed-up over scikit-learn, draw figures.

Usage (from anywhere; see bench/README.md)::

    python bench/report.py                      # run bench/, write JSON, table and figures
    python bench/report.py -- -k english        # extra arguments after -- go to pytest
    python bench/report.py --from-json R.json   # table and figures of an earlier run
    python bench/report.py --publish            # the run the documentation shows (below)

The speed-up of an implementation is the median time of ``sklearn`` in the same group of
the same run divided by its own median time. Figures (SVG, matplotlib) go next to the
JSON, in a directory named after it (``report-<timestamp>-figures/``).

``--publish`` runs everything the documentation shows: the whole suite including the
grid-search groups (``FASTHASH_BENCH_SEARCH=1``) and ``bench/averaging_accuracy.py``, and
writes into ``bench/results/``: ``benchmarks.json`` (a compact summary: medians, extra
info, date, machine, versions and load of the run), ``averaging_accuracy.json``, the
figures and ``report.md`` (the page the site includes). Commit that directory.
"""

import argparse
import json
import os
import platform
import subprocess
import sys
import time
from pathlib import Path

BENCH_DIR = Path(__file__).resolve().parent
REPO_ROOT = BENCH_DIR.parent
RESULTS_DIR = BENCH_DIR / "results"
BASELINE = "sklearn"


def run_pytest(json_path, pytest_args, env=None):
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
    return subprocess.call(cmd, cwd=REPO_ROOT, env=env)


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
    lines.extend(format_threads(groups))
    lines.append("")
    lines.append(
        "MB = 10**6 bytes of UTF-8 input; median over rounds; 'vs sklearn' = sklearn's median "
        "/ this median, same run. Memory: peak RSS growth and tracemalloc peak during "
        "transform / bytes of the output CSR."
    )
    return "\n".join(lines)


def format_threads(groups):
    """Lines summing up the ``threads | ...`` groups: n_jobs=None's speed over n_jobs=1's
    (the same run, medians of interleaved calls) per configuration and load, and idle, as a
    fraction of the GIL-free control's; and the ``limit | ...`` groups as shares of the
    transform's time."""
    from figures import threads_ratio

    def medians(benches):
        return {b.get("extra_info", {}).get("implementation"): b["stats"]["median"]
                for b in benches}

    lines = []
    control = None
    for group, benches in groups.items():
        if group.startswith("threads | control"):
            m = medians(benches)
            if m.get("control[1]") and m.get("control[all]"):
                control = m["control[1]"] / m["control[all]"]
    rows = []
    for group in sorted(groups):
        if not group.startswith("threads | ") or group.startswith("threads | control"):
            continue
        ratio = threads_ratio(groups[group])
        if ratio is not None:
            row = f"  {group[len('threads | '):]:<52} {ratio:>6.2f}x"
            if group.endswith("| idle") and control:
                row += f"  {ratio / control:>5.2f} of the control"
            rows.append(row)
    if rows:
        lines += ["", "n_jobs=None speed / n_jobs=1 speed (>= 1: threads never hurt)"]
        if control:
            lines.append(f"  {'control: 2 x numpy.sort on 2 threads, idle':<52} {control:>6.2f}x")
        lines += rows
    limit = []
    for group in sorted(groups):
        if not group.startswith("limit | "):
            continue
        m = medians(groups[group])
        for n in ("1", "all"):
            t = m.get(f"transform[{n}]")
            if not t:
                continue
            shares = ", ".join(f"{stage} {m[f'{stage}[{n}]'] / t:.0%}"
                               for stage in ("hash-only", "kernel") if m.get(f"{stage}[{n}]"))
            limit.append(f"  {group[len('limit | '):]:<30} [{n:>3}] {shares} of the transform")
    if limit:
        lines += ["", "time of tokenizing and hashing alone, and of the kernel, / transform"]
        lines += limit
    explain = []
    for group in sorted(groups):
        for b in sorted(groups[group], key=lambda b: b["name"]):
            ratio = b.get("extra_info", {}).get("record_over_transform")
            if ratio is not None:
                explain.append(f"  {group[len('explain | '):]:<36} {b['name']:<12} {ratio:>5.2f}x")
    if explain:
        lines += ["", "recording / transform, medians of alternated rounds (target <= 2x)"]
        lines += explain
    return lines


def _git_commit():
    try:
        out = subprocess.run(
            ["git", "-C", str(REPO_ROOT), "rev-parse", "--short", "HEAD"],
            capture_output=True,
            text=True,
            check=True,
        )
    except (OSError, subprocess.CalledProcessError):
        return None
    dirty = subprocess.run(
        ["git", "-C", str(REPO_ROOT), "status", "--porcelain", "--untracked-files=no"],
        capture_output=True,
        text=True,
    ).stdout.strip()
    return out.stdout.strip() + ("+changes" if dirty else "")


def _cpu_model():
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as f:
            for line in f:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def run_metadata(data, load_average=None):
    """The provenance of a run: date, machine, versions, commit, load average."""
    import numpy
    import scipy
    import sklearn

    import fasthash
    from fasthash.utils._threads import cpu_count

    machine = data.get("machine_info", {})
    cpu = machine.get("cpu", {})
    when = data.get("datetime", "")
    return {
        "date": when[:10] if when else time.strftime("%Y-%m-%d"),
        "datetime": when,
        "machine": {
            "cpu": cpu.get("brand_raw") or _cpu_model(),
            "cpus": cpu_count(),
            "platform": f"{platform.system()} {platform.release()} {platform.machine()}",
        },
        "versions": {
            "fasthash": fasthash.__version__,
            "scikit-learn": sklearn.__version__,
            "numpy": numpy.__version__,
            "scipy": scipy.__version__,
            "python": machine.get("python_version") or platform.python_version(),
        },
        "commit": _git_commit(),
        "load_average": list(load_average) if load_average else None,
    }


def summarize(data, meta):
    """A compact copy of pytest-benchmark JSON ``data``: what the report and figures use."""
    benchmarks = []
    for bench in data.get("benchmarks", []):
        stats = bench["stats"]
        benchmarks.append(
            {
                "group": bench.get("group"),
                "name": bench["name"],
                "stats": {
                    k: stats[k] for k in ("median", "iqr", "min", "max", "rounds") if k in stats
                },
                "extra_info": bench.get("extra_info", {}),
            }
        )
    return {
        "meta": meta,
        "datetime": data.get("datetime", ""),
        "machine_info": data.get("machine_info", {}),
        "benchmarks": benchmarks,
    }


def main(argv=None):
    """Parse arguments, run the suite unless ``--from-json``, print the report, draw figures.

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
        "--from-json",
        type=Path,
        default=None,
        help="report on an existing JSON file (raw pytest-benchmark or a summary)",
    )
    parser.add_argument(
        "--publish",
        action="store_true",
        help="run the whole suite, the grid search and the averaging accuracy, and write "
        "the summary, figures and report.md into bench/results/ for the documentation",
    )
    parser.add_argument("--no-figures", action="store_true", help="do not draw figures")
    args = parser.parse_args(argv)

    status = 0
    load_average = None
    accuracy = None
    if args.from_json is not None:
        json_path = args.from_json
    else:
        json_path = args.json or (
            REPO_ROOT / ".benchmarks" / time.strftime("report-%Y%m%d-%H%M%S.json")
        )
        os.makedirs(json_path.parent, exist_ok=True)
        env = None
        if args.publish:
            env = dict(os.environ, FASTHASH_BENCH_SEARCH="1")
        load_start = os.getloadavg()[0]
        start = time.perf_counter()
        status = run_pytest(json_path, pytest_args, env=env)
        print(f"benchmark run took {time.perf_counter() - start:.0f} s; JSON: {json_path}")
        if args.publish:
            import averaging_accuracy

            print("$ python bench/averaging_accuracy.py", flush=True)
            accuracy = averaging_accuracy.measure()
            RESULTS_DIR.mkdir(exist_ok=True)
            _write_json(RESULTS_DIR / "averaging_accuracy.json", accuracy)
        load_average = (load_start, os.getloadavg()[0])
        if not json_path.exists():
            return status or 1
    with open(json_path, encoding="utf-8") as f:
        data = json.load(f)
    print()
    print(format_report(data))

    meta = data.get("meta") or run_metadata(data, load_average)
    if args.from_json is not None:
        sibling = json_path.parent / "averaging_accuracy.json"
        if sibling.exists():
            with open(sibling, encoding="utf-8") as f:
                accuracy = json.load(f)
    if args.publish:
        import report_page

        RESULTS_DIR.mkdir(exist_ok=True)
        summary = summarize(data, meta)
        _write_json(RESULTS_DIR / "benchmarks.json", summary)
        out_dir = RESULTS_DIR
    else:
        out_dir = json_path.parent / f"{json_path.stem}-figures"
    if not args.no_figures:
        import figures

        written = figures.write_figures(data["benchmarks"], out_dir, meta, accuracy)
        print(f"\nfigures: {', '.join(str(p) for p in written.values()) or 'none'}")
        if args.publish:
            page = report_page.render(summary, accuracy, written)
            (RESULTS_DIR / "report.md").write_text(page, encoding="utf-8")
            print(f"page: {RESULTS_DIR / 'report.md'}")
    return status


def _write_json(path, obj):
    with open(path, "w", encoding="utf-8") as f:
        json.dump(obj, f, indent=1, sort_keys=False)
        f.write("\n")


if __name__ == "__main__":
    raise SystemExit(main())
