# Authors: The fasthash developers
# SPDX-License-Identifier: BSD-3-Clause
"""Run fasthash's test suite against every scikit-learn version pyproject.toml declares.

fasthash declares a range of scikit-learn versions (``scikit-learn>=1.6,<1.10``); a user
may have any of them. This script builds fasthash's wheel once, then, for each version,
creates a virtualenv of its own, installs the wheel with its ``test`` extra and that
scikit-learn, runs pytest from the repository (the tests import the *installed* package)
and prints one table::

    scikit-learn  passed  failed  errors  skipped  time
    1.6.1           3398       0       0       30  231 s
    ...

By default the versions are the newest patch release of every minor version the range
allows (``scikit-learn==1.6.*``, ... : pip picks the newest patch); ``--versions`` gives
exact ones instead (``--versions 1.9.0 1.9.1``). Arguments after ``--`` go to pytest
(default: the whole suite, as ``python -m pytest`` runs it).

Usage::

    python tools/test_sklearn_versions.py                      # every declared minor
    python tools/test_sklearn_versions.py --versions 1.6.1 -- tests/compat -x
    python tools/test_sklearn_versions.py --workdir /tmp/fh-matrix --reuse   # keep venvs
    python tools/test_sklearn_versions.py --oldest --with "pandas<3" -- tests/compat  # CI

Exit status: 0 when every run passed, 1 otherwise. Logs and JUnit reports are kept in the
work directory (``--workdir``, default a new temporary directory, removed unless
``--keep``).
"""

import argparse
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
import xml.etree.ElementTree as ET
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent


def declared_minors(pyproject=REPO / "pyproject.toml"):
    """The ``(major, minor)`` pairs allowed by the scikit-learn requirement of pyproject.

    Reads a requirement of the form ``scikit-learn>=A.B,<C.D`` (the form fasthash uses).
    """
    text = pyproject.read_text(encoding="utf-8")
    match = re.search(r'"scikit-learn\s*>=\s*(\d+)\.(\d+)[^",]*,\s*<\s*(\d+)\.(\d+)"', text)
    if match is None:
        raise SystemExit("pyproject.toml: no requirement of the form scikit-learn>=A.B,<C.D")
    low = (int(match[1]), int(match[2]))
    high = (int(match[3]), int(match[4]))
    if low[0] != high[0]:
        raise SystemExit(f"scikit-learn range {low}..{high} crosses a major version")
    return [(low[0], minor) for minor in range(low[1], high[1])]


def run(cmd, log, **kwargs):
    """Run ``cmd``, appending its output to ``log``; raise on failure."""
    with open(log, "a", encoding="utf-8") as out:
        out.write(f"$ {' '.join(map(str, cmd))}\n")
        out.flush()
        subprocess.run(cmd, stdout=out, stderr=subprocess.STDOUT, check=True, **kwargs)


def build_wheel(workdir, log):
    """Build fasthash's wheel once (isolated build, requirements from the index)."""
    dist = workdir / "wheel"
    dist.mkdir(parents=True, exist_ok=True)
    for old in dist.glob("fasthash-*.whl"):
        old.unlink()
    run([sys.executable, "-m", "pip", "wheel", "--no-deps", "-w", str(dist), str(REPO)], log)
    (wheel,) = dist.glob("fasthash-*.whl")
    return wheel


def make_env(workdir, spec, wheel, reuse, log, extra=()):
    """A virtualenv with ``wheel[test]``, scikit-learn ``spec`` and the requirements
    ``extra``; its python and scikit-learn version."""
    env = workdir / ("venv-" + re.sub(r"[^0-9A-Za-z.]+", "_", spec))
    python = env / "bin" / "python"
    if not (reuse and python.exists()):
        if env.exists():
            shutil.rmtree(env)
        run([sys.executable, "-m", "venv", str(env)], log)
        pip = [str(python), "-m", "pip", "install", "-q", "--disable-pip-version-check"]
        run([*pip, f"{wheel}[test]", f"scikit-learn{spec}", *extra], log)
    else:  # the wheel may be newer than the one installed
        pip = [str(python), "-m", "pip", "install", "-q", "--disable-pip-version-check"]
        run([*pip, "--force-reinstall", "--no-deps", str(wheel)], log)
    version = subprocess.run(
        [str(python), "-c", "import sklearn; print(sklearn.__version__)"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()
    return python, version


def counts(junit):
    """(passed, failed, errors, skipped, failing test ids) from a JUnit XML report."""
    root = ET.parse(junit).getroot()
    suites = [root] if root.tag == "testsuite" else list(root.iter("testsuite"))
    total = failed = errors = skipped = 0
    failing = []
    for suite in suites:
        total += int(suite.get("tests", 0))
        failed += int(suite.get("failures", 0))
        errors += int(suite.get("errors", 0))
        skipped += int(suite.get("skipped", 0))
        for case in suite.iter("testcase"):
            if case.find("failure") is not None or case.find("error") is not None:
                failing.append(f"{case.get('classname')}::{case.get('name')}")
    return total - failed - errors - skipped, failed, errors, skipped, failing


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--versions",
        nargs="+",
        help="exact scikit-learn versions (default: the newest patch of each declared minor)",
    )
    parser.add_argument(
        "--oldest", action="store_true", help="only the oldest declared minor (newest patch)"
    )
    parser.add_argument("--workdir", type=Path, help="where venvs, logs and reports go")
    parser.add_argument("--reuse", action="store_true", help="reuse venvs left in --workdir")
    parser.add_argument("--keep", action="store_true", help="keep a temporary --workdir")
    parser.add_argument("--wheel", type=Path, help="install this wheel instead of building one")
    parser.add_argument(
        "--with",
        dest="extra",
        nargs="+",
        default=[],
        metavar="REQUIREMENT",
        help='more requirements for every venv (for example "pandas<3")',
    )
    parser.add_argument("pytest_args", nargs="*", help="arguments for pytest (after --)")
    args = parser.parse_args(argv)

    if args.versions:
        specs = [f"=={v}" for v in args.versions]
    else:
        specs = [f"=={major}.{minor}.*" for major, minor in declared_minors()]
        if args.oldest:
            specs = specs[:1]
    temporary = args.workdir is None
    workdir = Path(tempfile.mkdtemp(prefix="fasthash-versions-")) if temporary else args.workdir
    workdir.mkdir(parents=True, exist_ok=True)
    build_log = workdir / "build.log"
    print(f"work directory: {workdir}", flush=True)

    rows = []
    try:
        wheel = args.wheel or build_wheel(workdir, build_log)
        print(f"wheel: {wheel}", flush=True)
        for spec in specs:
            log = workdir / f"sklearn{spec.replace('*', 'x').replace('=', '')}.log"
            log.unlink(missing_ok=True)
            start = time.monotonic()
            try:
                python, version = make_env(workdir, spec, wheel, args.reuse, log, args.extra)
            except subprocess.CalledProcessError:
                rows.append((spec, "install failed", None, time.monotonic() - start, log))
                print(f"scikit-learn{spec}: install failed (see {log})", flush=True)
                continue
            junit = workdir / f"junit-{version}.xml"
            cmd = [
                str(python), "-m", "pytest", "-q", "-p", "no:cacheprovider",
                f"--junitxml={junit}", *args.pytest_args,
            ]
            print(f"scikit-learn {version}: {' '.join(cmd[1:])}", flush=True)
            start = time.monotonic()
            env = dict(os.environ, PYTHONDONTWRITEBYTECODE="1")
            env.pop("PYTHONPATH", None)
            with open(log, "a", encoding="utf-8") as out:
                status = subprocess.run(cmd, cwd=REPO, stdout=out, stderr=subprocess.STDOUT,
                                        env=env).returncode
            elapsed = time.monotonic() - start
            if junit.exists():
                rows.append((version, status, counts(junit), elapsed, log))
            else:
                rows.append((version, f"pytest exit {status}", None, elapsed, log))
    finally:
        print()
        print(f"{'scikit-learn':<14}{'passed':>8}{'failed':>8}{'errors':>8}{'skipped':>9}"
              f"{'time':>8}")
        ok = bool(rows) and len(rows) == len(specs)
        for version, status, found, elapsed, _log in rows:
            if found is None:
                print(f"{version:<14}{status:>33}{elapsed:>7.0f}s")
                ok = False
                continue
            passed, failed, errors, skipped, _ = found
            print(f"{version:<14}{passed:>8}{failed:>8}{errors:>8}{skipped:>9}{elapsed:>7.0f}s")
            ok = ok and status == 0
        for version, status, found, _elapsed, log in rows:
            if found is not None and found[4]:
                print(f"\nscikit-learn {version}: {len(found[4])} failing (log: {log})")
                for test_id in found[4][:40]:
                    print(f"  {test_id}")
                if len(found[4]) > 40:
                    print(f"  ... and {len(found[4]) - 40} more")
            if status != 0 and log.exists():
                tail = log.read_text(encoding="utf-8", errors="replace").splitlines()[-15:]
                print(f"\nscikit-learn {version}: end of {log.name}:")
                print("\n".join(f"  {line}" for line in tail))
        if temporary and not args.keep:
            shutil.rmtree(workdir, ignore_errors=True)
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
