# Authors: The fasthash developers
# SPDX-License-Identifier: BSD-3-Clause
"""Figures of a benchmark run (matplotlib), for ``bench/report.py`` and the documentation.

Input: the benchmarks of a pytest-benchmark JSON (raw, or the compact summary written by
``report.py --publish``), plus optionally the accuracy results of
``bench/averaging_accuracy.py``. Each ``plot_*`` function returns the figure, or None when
the run has none of the groups it draws (a partial run, ``-k ...``), so that a missing
group never fails a report. :func:`write_figures` saves every figure there is.

Every figure carries a footer with the run's provenance (date, machine, versions, load),
given by :func:`provenance_label`.

Groups understood (see bench/README.md):

- ``transform | <corpus> | <config>`` and ``... (unreplicated) | <config>``, and
  ``FeatureHasher.transform | ...``: throughput (MB/s) and speed-up over ``sklearn``;
- scaling: ``fasthash[all]`` over ``fasthash[1]`` in the same group (and likewise for any
  other ``<name>[1]`` / ``<name>[all]`` pair, e.g. a GIL-free control). A benchmark run
  under load says so with ``extra_info["load"]`` (``"idle"``, ``"1 busy"``, ...) or
  ``extra_info["busy_processes"]`` (an int), or in its group name (``idle``, ``<n> busy``);
  benchmarks without any are taken as idle;
- ``GridSearchCV | <config> | ...``: median time and ``extra_info["peak_rss_growth_mb"]``;
- averaging accuracy: the JSON of ``bench/averaging_accuracy.py``.
"""

import re
import statistics

MB = 1e6

# Colours and order of the implementations (others get the default cycle, in name order).
IMPL_STYLE = {
    "sklearn": ("scikit-learn", "#7f7f7f"),
    "sklearn+loky[2]": ("scikit-learn + joblib, 2 processes", "#bdbdbd"),
    "sklearn+fasthash-hv": ("scikit-learn search, fasthash vectorizer", "#9ecae1"),
    "fasthash[1]": ("fasthash, 1 thread", "#6baed6"),
    "fasthash[all]": ("fasthash, all threads", "#08519c"),
    "fasthash": ("fasthash", "#08519c"),
}
LOAD_COLOURS = ["#08519c", "#fd8d3c", "#d94801", "#7f2704"]
VARIANT_COLOURS = ["#7f7f7f", "#6baed6", "#08519c", "#31a354"]

NO_LOAD = "no load added"
_LOAD_IN_GROUP = re.compile(r"\b(idle|\d+\s+busy|busy|loaded)\b", re.IGNORECASE)
_IMPL_THREADS = re.compile(r"^(?P<base>.+)\[(?P<threads>[^\]]+)\]$")


def _pyplot():
    import matplotlib

    matplotlib.use("Agg", force=False)
    import matplotlib.pyplot as plt

    # svg.hashsalt: the same ids in every rendering, so an unchanged figure stays unchanged.
    plt.rcParams.update(
        {"svg.fonttype": "none", "svg.hashsalt": "fasthash", "font.size": 9, "axes.titlesize": 10}
    )
    return plt


def _median(bench):
    return bench["stats"]["median"]


def _info(bench):
    return bench.get("extra_info") or {}


def load_of(bench):
    """The load a benchmark ran under (``"idle"``, ``"1 busy"``, ...), None if not said."""
    info = _info(bench)
    if isinstance(info.get("load"), str):
        return info["load"]
    busy = info.get("busy_processes", info.get("busy"))
    if isinstance(busy, int) and not isinstance(busy, bool):
        return "idle" if busy == 0 else f"{busy} busy"
    match = _LOAD_IN_GROUP.search(bench.get("group") or "")
    if match:
        text = " ".join(match.group(1).lower().split())
        return "busy" if text == "loaded" else text
    return None


def _strip_load(group):
    """The group name without its load part: the configuration it measures."""
    parts = [p.strip() for p in group.split("|")]
    kept = [p for p in parts if not _LOAD_IN_GROUP.fullmatch(p.strip())]
    text = " | ".join(kept) if kept else group
    return _LOAD_IN_GROUP.sub("", text).replace("  ", " ").strip(" |")


def _groups(benchmarks, predicate):
    groups = {}
    for bench in benchmarks:
        group = bench.get("group") or ""
        if predicate(group, bench):
            groups.setdefault(group, []).append(bench)
    return groups


def _is_throughput(group, bench):
    is_transform = group.startswith("transform |") or group.startswith("FeatureHasher.transform")
    return is_transform and load_of(bench) in (None, "idle") and "mb" in _info(bench)


def _config_label(group):
    label = group.replace("FeatureHasher.transform | ", "FeatureHasher | ")
    label = label.replace("transform | ", "")
    # ", " rather than " | ": the label goes into Markdown tables too.
    return ", ".join(part.strip() for part in _strip_load(label).split("|"))


def _impl(bench):
    return _info(bench).get("implementation", bench.get("name", "?"))


def _impl_order(names):
    known = [name for name in IMPL_STYLE if name in names]
    return known + sorted(set(names) - set(known))


def provenance_label(meta):
    """One line: date, machine, versions and load of the run (``meta`` of the summary)."""
    versions = meta.get("versions", {})
    parts = [meta.get("date", "")]
    machine = meta.get("machine", {})
    if machine:
        parts.append(f"{machine.get('cpu', '?')}, {machine.get('cpus', '?')} CPUs")
    for name in ("fasthash", "scikit-learn", "python"):
        if name in versions:
            parts.append(f"{name} {versions[name]}")
    if meta.get("commit"):
        parts.append(f"commit {meta['commit']}")
    load = meta.get("load_average")
    if load:
        parts.append(f"load avg {load[0]:.1f} -> {load[1]:.1f}")
    return " · ".join(p for p in parts if p)


def _footer(fig, meta):
    if meta:
        fig.text(
            0.005,
            0.005,
            provenance_label(meta),
            fontsize=6.5,
            color="#555555",
            ha="left",
            va="bottom",
        )


def _finish(fig, meta):
    fig.tight_layout(rect=(0, 0.035, 1, 1))
    _footer(fig, meta)
    return fig


def plot_throughput(benchmarks, meta=None):
    """Horizontal bars: MB/s of every implementation, per configuration (log scale)."""
    groups = _groups(benchmarks, _is_throughput)
    if not groups:
        return None
    plt = _pyplot()
    impls = _impl_order({_impl(b) for benches in groups.values() for b in benches})
    names = sorted(groups, key=lambda g: (g.startswith("FeatureHasher"), g))
    height = 0.8 / len(impls)
    fig, ax = plt.subplots(figsize=(8, 0.5 + 0.38 * len(names) * max(2, len(impls)) / 2))
    for i, impl in enumerate(impls):
        ys, xs = [], []
        for row, group in enumerate(names):
            for bench in groups[group]:
                if _impl(bench) == impl:
                    ys.append(row - 0.4 + height * (i + 0.5))
                    xs.append(_info(bench)["mb"] / _median(bench))
        label, colour = IMPL_STYLE.get(impl, (impl, None))
        bars = ax.barh(ys, xs, height=height * 0.92, label=label, color=colour)
        ax.bar_label(
            bars,
            labels=[f"{x:.0f}" if x >= 10 else f"{x:.1f}" for x in xs],
            padding=2,
            fontsize=6.5,
        )
    ax.set_yticks(range(len(names)), [_config_label(g) for g in names])
    ax.invert_yaxis()
    ax.set_xscale("log")
    ax.set_xlabel("MB of UTF-8 text per second (log scale, higher is better)")
    ax.set_xlim(right=ax.get_xlim()[1] * 1.6)  # room for the labels of the longest bars
    fig.suptitle("HashingVectorizer.transform: throughput per configuration")
    ax.legend(loc="lower center", bbox_to_anchor=(0.5, 1.0), ncols=2, fontsize=7, frameon=False)
    ax.grid(axis="x", which="both", alpha=0.25)
    return _finish(fig, meta)


def plot_speedup(benchmarks, meta=None):
    """Bars: speed-up over scikit-learn (same group, same run) of fasthash[1] and [all]."""
    groups = _groups(benchmarks, _is_throughput)
    rows = []
    for group in sorted(groups, key=lambda g: (g.startswith("FeatureHasher"), g)):
        medians = {_impl(b): _median(b) for b in groups[group]}
        if "sklearn" not in medians:
            continue
        ratios = {
            impl: medians["sklearn"] / medians[impl]
            for impl in ("fasthash[1]", "fasthash[all]")
            if impl in medians
        }
        if ratios:
            rows.append((_config_label(group), ratios))
    if not rows:
        return None
    plt = _pyplot()
    impls = [impl for impl in ("fasthash[1]", "fasthash[all]") if any(impl in r for _, r in rows)]
    height = 0.8 / len(impls)
    fig, ax = plt.subplots(figsize=(8, 0.8 + 0.42 * len(rows)))
    for i, impl in enumerate(impls):
        ys = [row - 0.4 + height * (i + 0.5) for row, (_, r) in enumerate(rows) if impl in r]
        xs = [r[impl] for _, r in rows if impl in r]
        label, colour = IMPL_STYLE[impl]
        bars = ax.barh(ys, xs, height=height * 0.92, label=label, color=colour)
        ax.bar_label(bars, labels=[f"{x:.1f}x" for x in xs], padding=2, fontsize=7)
    ax.axvline(1, color="black", linewidth=0.8)
    ax.set_yticks(range(len(rows)), [label for label, _ in rows])
    ax.invert_yaxis()
    ax.set_xlim(0, max(max(r.values()) for _, r in rows) * 1.15)
    ax.set_xlabel("speed-up over scikit-learn's HashingVectorizer (median time ratio, same run)")
    fig.suptitle("fasthash vs scikit-learn: identical output, this much faster")
    ax.legend(loc="lower center", bbox_to_anchor=(0.5, 1.0), ncols=2, fontsize=7, frameon=False)
    ax.grid(axis="x", alpha=0.25)
    return _finish(fig, meta)


def threads_ratio(benches):
    """n_jobs=None's speed over n_jobs=1's in one ``threads | ...`` group (None without both):
    the geometric mean of the benchmarks' ``interleaved_ratio`` (each measured both settings
    in alternate calls), else the ratio of the two benchmarks' medians (earlier runs)."""
    interleaved = [b["extra_info"]["interleaved_ratio"] for b in benches
                   if b.get("extra_info", {}).get("interleaved_ratio")]
    if interleaved:
        return statistics.geometric_mean(interleaved)
    m = {b.get("extra_info", {}).get("implementation"): b["stats"]["median"] for b in benches}
    if m.get("fasthash[1]") and m.get("fasthash[all]"):
        return m["fasthash[1]"] / m["fasthash[all]"]
    return None


def scaling_ratios(benchmarks):
    """``{configuration: {(base, load): ratio}}``: median[1 thread] / median[all threads].

    For every implementation ``<base>[1]`` that has a ``<base>[all]`` (or ``<base>[k]``,
    k > 1) in the same group, the ratio of their median times: 2.0 means twice as fast on
    all threads. Benchmarks that do not say under which load they ran are labelled
    ``"no load added"``: the machine as it was (its load average is in the footer).
    """
    out = {}
    by_group = _groups(benchmarks, lambda group, bench: True)
    for group, benches in by_group.items():
        if group.startswith(("GridSearchCV", "averaging", "dask", "forest", "memory")):
            continue
        cells = {}
        for bench in benches:
            match = _IMPL_THREADS.match(_impl(bench))
            if not match:
                continue
            load = load_of(bench) or NO_LOAD
            cells.setdefault((match["base"], load), {})[match["threads"]] = _median(bench)
        ratio = threads_ratio(benches) if group.startswith("threads | ") else None
        if ratio is not None and len(cells) == 1:  # n_jobs=1 and None in alternate calls
            out.setdefault(_config_label(group), {})[next(iter(cells))] = ratio
            continue
        for key, medians in cells.items():
            many = medians.get("all") or next(
                (m for t, m in medians.items() if t.isdigit() and int(t) > 1), None
            )
            if "1" in medians and many:
                out.setdefault(_config_label(group), {})[key] = medians["1"] / many
    return out


def plot_scaling(benchmarks, meta=None):
    """Bars: all-thread speed over 1-thread speed per configuration, idle and under load."""
    ratios = scaling_ratios(benchmarks)
    if not ratios:
        return None
    plt = _pyplot()
    keys = sorted(
        {key for r in ratios.values() for key in r},
        key=lambda k: (k[0] != "fasthash", k[1] not in ("idle", NO_LOAD), k),
    )
    names = sorted(ratios)
    height = 0.8 / len(keys)
    fig, ax = plt.subplots(figsize=(8, 0.9 + 0.18 * len(names) * max(2, len(keys))))
    for i, key in enumerate(keys):
        base, load = key
        ys = [row - 0.4 + height * (i + 0.5) for row, n in enumerate(names) if key in ratios[n]]
        xs = [ratios[n][key] for n in names if key in ratios[n]]
        colour = LOAD_COLOURS[i % len(LOAD_COLOURS)] if base == "fasthash" else "#bdbdbd"
        label = f"{base}, {load}"
        bars = ax.barh(
            ys,
            xs,
            height=height * 0.92,
            label=label,
            color=colour,
            hatch=None if base == "fasthash" else "//",
        )
        ax.bar_label(bars, labels=[f"{x:.2f}x" for x in xs], padding=2, fontsize=6.5)
    cpus = (meta or {}).get("machine", {}).get("cpus")
    ax.axvline(1, color="black", linewidth=0.8)
    if isinstance(cpus, int) and cpus > 1:
        ax.axvline(
            cpus,
            color="#31a354",
            linewidth=0.8,
            linestyle="--",
            label=f"perfect scaling ({cpus} CPUs)",
        )
    ax.set_yticks(range(len(names)), names)
    ax.invert_yaxis()
    ax.set_xlim(0, max([max(r.values()) for r in ratios.values()] + [cpus or 1]) * 1.18)
    ax.set_xlabel("speed with n_jobs=None / speed with n_jobs=1 (below 1: slower)")
    fig.suptitle("Scaling with threads: all usable CPUs against one")
    ax.legend(loc="lower center", bbox_to_anchor=(0.5, 1.0), ncols=3, fontsize=7, frameon=False)
    ax.grid(axis="x", alpha=0.25)
    return _finish(fig, meta)


def plot_grid_search(benchmarks, meta=None):
    """Two panels: median wall time and peak memory growth of each grid search."""
    groups = _groups(benchmarks, lambda group, bench: group.startswith("GridSearchCV |"))
    if not groups:
        return None
    plt = _pyplot()
    names = sorted(groups)
    impls = _impl_order({_impl(b) for benches in groups.values() for b in benches})
    width = 0.8 / len(impls)
    fig, (ax_t, ax_m) = plt.subplots(1, 2, figsize=(10, max(3.2, 1.6 + 1.1 * len(names))))
    for i, impl in enumerate(impls):
        label, colour = IMPL_STYLE.get(impl, (impl, None))
        for ax, value, fmt in (
            (ax_t, _median, "{:.1f} s"),
            (ax_m, lambda b: _info(b).get("peak_rss_growth_mb"), "{:.0f} MB"),
        ):
            ys, xs = [], []
            for row, group in enumerate(names):
                for bench in groups[group]:
                    if _impl(bench) == impl and value(bench) is not None:
                        ys.append(row - 0.4 + width * (i + 0.5))
                        xs.append(value(bench))
            bars = ax.barh(
                ys, xs, height=width * 0.92, color=colour, label=label if ax is ax_t else None
            )
            ax.bar_label(bars, labels=[fmt.format(x) for x in xs], padding=2, fontsize=6.5)
    labels = [g.split("|")[1].strip() for g in names]
    for ax in (ax_t, ax_m):
        ax.set_yticks(range(len(names)), labels)
        ax.invert_yaxis()
        ax.grid(axis="x", alpha=0.25)
        ax.set_xlim(0, ax.get_xlim()[1] * 1.15)
    ax_m.set_yticklabels([])
    shape = names[0].split("|")[2:]
    ax_t.set_title("wall-clock time (median, lower is better)")
    ax_m.set_title("peak memory growth of the process tree (lower is better)")
    ax_t.set_xlabel("seconds")
    ax_m.set_xlabel("MB")
    fig.suptitle(
        "Grid search of HashingVectorizer -> linear model: "
        + " | ".join(s.strip() for s in shape)
        + " (candidates x folds | documents)"
    )
    fig.legend(loc="lower center", ncols=len(impls), fontsize=7, bbox_to_anchor=(0.5, 0.03))
    fig.tight_layout(rect=(0, 0.09, 1, 1))
    _footer(fig, meta)
    return fig


def plot_averaging_accuracy(accuracy, meta=None):
    """Accuracy against the number of partitions, one panel per estimator."""
    if not accuracy or not accuracy.get("estimators"):
        return None
    plt = _pyplot()
    estimators = accuracy["estimators"]
    fig, axes = plt.subplots(
        1, len(estimators), figsize=(4.6 * len(estimators), 3.8), squeeze=False
    )
    for ax, (name, result) in zip(axes[0], estimators.items(), strict=True):
        partitions = result["partitions"]
        ax.axhline(
            result["baseline"],
            color="black",
            linestyle="--",
            linewidth=1,
            label="one model on all rows",
        )
        for i, (variant, values) in enumerate(result["variants"].items()):
            mean = [v["mean"] for v in values]
            std = [v["std"] for v in values]
            ax.errorbar(
                partitions,
                mean,
                yerr=std,
                marker="o",
                capsize=3,
                label=variant,
                color=VARIANT_COLOURS[i % len(VARIANT_COLOURS)],
            )
        ax.set_xscale("log", base=2)
        ax.set_xticks(partitions, [str(k) for k in partitions])
        ax.set_xlabel("number of partitions")
        ax.set_ylabel("test accuracy")
        ax.set_title(name)
        ax.grid(alpha=0.25)
    axes[0][0].legend(fontsize=7, loc="lower left")
    fig.suptitle(
        "AveragedLinearModel: test accuracy against the number of partitions\n"
        + accuracy.get("data", ""),
        fontsize=9,
    )
    return _finish(fig, meta)


FIGURES = {
    "throughput": plot_throughput,
    "speedup": plot_speedup,
    "scaling": plot_scaling,
    "grid_search": plot_grid_search,
}


def write_figures(benchmarks, out_dir, meta=None, accuracy=None, fmt="svg"):
    """Write every figure the data allows into ``out_dir``; return ``{name: path}``."""
    from pathlib import Path

    plt = _pyplot()
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    written = {}
    makers = dict(FIGURES)
    makers["averaging_accuracy"] = lambda _b, m: plot_averaging_accuracy(accuracy, m)
    for name, make in makers.items():
        fig = make(benchmarks, meta)
        if fig is None:
            continue
        path = out_dir / f"{name}.{fmt}"
        # No embedded date: re-rendering the same run gives the same file.
        metadata = {"Date": None} if fmt == "svg" else {}
        fig.savefig(path, format=fmt, metadata=metadata, dpi=110)
        plt.close(fig)
        written[name] = path
    return written
