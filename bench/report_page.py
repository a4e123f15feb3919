# Authors: The fasthash developers
# SPDX-License-Identifier: BSD-3-Clause
"""``bench/results/report.md``: the committed run as a Markdown page (the site includes it).

Written by ``python3 bench/report.py --publish``; plain Markdown (tables, images), so it
reads the same on the documentation site and in the repository.
"""

import figures
from report import format_report

THROUGHPUT_IMPLS = ("sklearn", "sklearn+loky[2]", "fasthash[1]", "fasthash[all]")


def _fmt(value, spec):
    return "–" if value is None else format(value, spec)


def _md_text(text):
    """``text`` as literal Markdown: a label such as ``token_pattern=[^\\W\\d_]+`` would
    otherwise read as a footnote reference, ``\\b`` lose its backslash, ``|`` end a cell."""
    return "".join("\\" + ch if ch in "\\`*_[]<>|~!#" else ch for ch in text)


def _run_table(meta):
    versions = meta.get("versions", {})
    machine = meta.get("machine", {})
    commit = f" (commit `{meta['commit']}`)" if meta.get("commit") else ""
    load = meta.get("load_average")
    rows = [
        (
            "date",
            (meta.get("datetime") or meta.get("date", "?"))[:16].replace("T", " ")
            + (" UTC" if meta.get("datetime", "").endswith("+00:00") else ""),
        ),
        (
            "machine",
            f"{machine.get('cpu', '?')}, {machine.get('cpus', '?')} CPUs usable, "
            f"{machine.get('platform', '?')}",
        ),
        (
            "versions",
            f"fasthash {versions.get('fasthash', '?')}{commit}, scikit-learn "
            f"{versions.get('scikit-learn', '?')}, NumPy {versions.get('numpy', '?')}, "
            f"SciPy {versions.get('scipy', '?')}, Python {versions.get('python', '?')}",
        ),
        (
            "load average (1 min)",
            f"{load[0]:.2f} at the start, {load[1]:.2f} at the end" if load else "not recorded",
        ),
        ("command", "`python3 bench/report.py --publish`"),
    ]
    return [f"- **{key}**: {value}" for key, value in rows]


def _throughput_table(benchmarks):
    groups = figures._groups(benchmarks, figures._is_throughput)
    if not groups:
        return []
    lines = [
        "| configuration | MB | scikit-learn | scikit-learn + joblib (2 processes) "
        "| fasthash, 1 thread | fasthash, all threads | speed-up, 1 thread | speed-up, all |",
        "|---|--:|--:|--:|--:|--:|--:|--:|",
    ]
    for group in sorted(groups, key=lambda g: (g.startswith("FeatureHasher"), g)):
        by_impl = {figures._impl(b): b for b in groups[group]}
        mb = next(iter(by_impl.values()))["extra_info"]["mb"]
        speed = {i: mb / b["stats"]["median"] for i, b in by_impl.items()}
        base = speed.get("sklearn")
        cells = [_fmt(speed.get(i), ".1f") for i in THROUGHPUT_IMPLS]
        ups = [
            _fmt(speed[i] / base if base and i in speed else None, ".1f")
            for i in ("fasthash[1]", "fasthash[all]")
        ]
        lines.append(
            f"| {_md_text(figures._config_label(group))} | {mb:.1f} | "
            + " | ".join(cells)
            + " | "
            + " | ".join(f"{u}x" if u != "–" else u for u in ups)
            + " |"
        )
    return lines


def _grid_search_table(benchmarks):
    groups = figures._groups(benchmarks, lambda g, b: g.startswith("GridSearchCV |"))
    if not groups:
        return []
    lines = [
        "| configuration | implementation | median s | vs scikit-learn | peak memory growth MB |",
        "|---|---|--:|--:|--:|",
    ]
    for group in sorted(groups):
        by_impl = {figures._impl(b): b for b in groups[group]}
        base = by_impl.get("sklearn")
        for impl in figures._impl_order(by_impl):
            bench = by_impl[impl]
            median = bench["stats"]["median"]
            ratio = base["stats"]["median"] / median if base else None
            lines.append(
                f"| {group.split('|')[1].strip()} | {impl} | {median:.2f} | "
                f"{_fmt(ratio, '.2f')}x | "
                f"{_fmt(bench['extra_info'].get('peak_rss_growth_mb'), '.0f')} |"
            )
    return lines


def _accuracy_table(accuracy):
    lines = []
    for name, result in accuracy["estimators"].items():
        parts = result["partitions"]
        lines += [f"**{name}**: one model on all the training rows {result['baseline']:.4f}", ""]
        lines += [
            "| variant | " + " | ".join(f"{k} partitions" for k in parts) + " |",
            "|---|" + "--:|" * len(parts),
        ]
        for variant, values in result["variants"].items():
            lines.append(
                f"| {variant} | "
                + " | ".join(f"{v['mean']:.4f} ± {v['std']:.4f}" for v in values)
                + " |"
            )
        lines.append("")
    return lines


def render(summary, accuracy, written):
    """Return the Markdown of the page; ``written`` maps figure names to their files."""
    meta = summary["meta"]
    benchmarks = summary["benchmarks"]
    has_load = any(figures.load_of(b) not in (None, "idle") for b in benchmarks)
    out = [
        "<!-- Generated by `python3 bench/report.py --publish`; do not edit by hand. -->",
        "",
        "## The run shown here",
        "",
        *_run_table(meta),
        "",
        "Times are medians over rounds; a speed-up is a ratio of medians measured in the "
        "same run. MB = 10**6 bytes of UTF-8 input. The machine may have been shared: the "
        "load average says how busy it was.",
        "",
    ]

    def figure(name, alt):
        if name in written:
            out.extend([f"![{alt}]({written[name].name})", ""])

    if "throughput" in written:
        out += [
            "## Throughput",
            "",
            "Median MB/s of `HashingVectorizer.transform` (and `FeatureHasher.transform`) "
            "per corpus and configuration: scikit-learn, scikit-learn split over 2 "
            "processes with joblib, and fasthash on one thread and on every usable CPU "
            "(`n_jobs=None`). Every fasthash output is checked bit for bit against "
            "scikit-learn's in the run.",
            "",
        ]
        figure("throughput", "Throughput in MB/s per configuration and implementation")
        out += _throughput_table(benchmarks) + [""]
    if "speedup" in written:
        out += ["## Speed-up over scikit-learn", ""]
        figure("speedup", "Speed-up of fasthash over scikit-learn per configuration")
    if "scaling" in written:
        out += [
            "## Scaling with threads, idle and loaded",
            "",
            "The speed on every usable CPU divided by the speed on one thread, in the "
            "same group of the same run: 1.0 means threads brought nothing, below 1.0 "
            "they made it slower, the dashed line is perfect scaling.",
        ]
        if has_load:
            out += [
                " Loaded bars ran with other processes keeping the cores busy; a "
                "GIL-free control, where present, shows what the machine can give."
            ]
        else:
            out += [
                " This run has no benchmark group under load (busy processes beside "
                "it): only the idle machine is shown."
            ]
        out += [""]
        figure("scaling", "Speed on all threads over speed on one thread")
    if "grid_search" in written:
        out += [
            "## Grid search: time and memory",
            "",
            "A grid search of `HashingVectorizer -> linear model` (12 candidates x 5 "
            "folds): scikit-learn's `GridSearchCV(n_jobs=2)` (worker processes) on its "
            "own pipeline and on the pipeline with fasthash's vectorizer, and "
            "`fasthash.model_selection.GridSearchCV(n_jobs=2)` (threads, hashing once). "
            "Memory is the peak growth of the summed RSS of the process and its "
            "workers. The scores of every candidate are checked identical.",
            "",
        ]
        figure("grid_search", "Grid-search time and peak memory")
        out += _grid_search_table(benchmarks) + [""]
    if accuracy is not None and "averaging_accuracy" in written:
        out += [
            "## Averaging: accuracy against the number of partitions",
            "",
            f"`AveragedLinearModel` on {accuracy['data']}: one round of averaging, "
            "with per-feature weighting, with 5 rounds of iterative parameter mixing, "
            "and both; the mean ± standard deviation over the seeds "
            "(`python3 bench/averaging_accuracy.py`). Accuracy does not depend on the "
            "machine or its load.",
            "",
        ]
        figure("averaging_accuracy", "Accuracy of averaged models against partitions")
        out += _accuracy_table(accuracy)
    out += [
        "## Every group of the run",
        "",
        "As printed by `python3 bench/report.py` (forests, Dask, averaging speed and "
        "memory groups included).",
        "",
        "```text",
        format_report(
            {
                "benchmarks": benchmarks,
                "datetime": summary.get("datetime", ""),
                "machine_info": summary.get("machine_info", {}),
            }
        ),
        "```",
        "",
    ]
    return "\n".join(out)
