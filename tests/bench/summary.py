#!/usr/bin/python3
"""Turns the raw results of tests/bench/run.sh into a table and RESULT lines.

usage: summary.py RESULTS_FILE

Input lines (written by run.sh), fields separated by spaces:
    pull.big TOOL RUN wall_s=S cpu_s=S max_rss_kb=KB tree_rss_kb=KB rc=N [store_kb=KB]
    list.images TOOL ms=MS
    list.inspect TOOL ms=MS
    list.images TOOL rc=1               (a failed list benchmark)
    skipped BENCH TOOL REASON...
Output: a table per benchmark, then one `RESULT BENCH.METRIC key=value ...` line per metric.
Ratios are TOOL/nook (above 1: nook is faster or smaller); NA when a side is missing.
"""
import statistics
import sys

PULL_TOOLS = [
    ("nook", "nook pull"),
    ("podman", "podman pull"),
    ("skopeo", "skopeo copy (download only)"),
    ("tar", "tar -xzf (4 blobs, sequential)"),
]
LIST_TOOLS = [("nook", "nook"), ("podman", "podman")]


def fmt(value, digits=2):
    return "NA" if value is None else f"{value:.{digits}f}"


def ratio(a, b):
    return None if a is None or b is None or b == 0 else a / b


def parse(path):
    pull, lists, skipped, failed = {}, {}, {}, {}
    for line in open(path, encoding="utf-8"):
        parts = line.split()
        if not parts:
            continue
        if parts[0] == "skipped":
            skipped[(parts[1], parts[2])] = " ".join(parts[3:])
            continue
        kv = dict(p.split("=", 1) for p in parts[2:] if "=" in p)
        if parts[0].startswith("pull."):
            run = {k: float(v) for k, v in kv.items()}
            if run.get("rc", 0) != 0:
                failed.setdefault((parts[0], parts[1]), 0)
                failed[(parts[0], parts[1])] += 1
                continue
            pull.setdefault(parts[0], {}).setdefault(parts[1], []).append(run)
        elif parts[0].startswith("list.") and kv.get("rc", "0") != "0":
            skipped[(parts[0], parts[1])] = "FAILED (see the logs)"
        elif parts[0].startswith("list."):
            lists.setdefault(parts[0], {}).setdefault(parts[1], []).append(float(kv["ms"]))
    return pull, lists, skipped, failed


def median_of(runs, key):
    values = [r[key] for r in runs if key in r]
    return statistics.median(values) if values else None


def report_pull(bench, by_tool, skipped, failed, results):
    runs = max((len(v) for v in by_tool.values()), default=0)
    print(f"\n{bench}: pull from scratch, median of {runs} run(s); ratio = tool / nook")
    header = (f"{'':34} {'wall s':>8} {'min-max s':>13} {'vs nook':>8} {'cpu s':>7} {'vs nook':>8} "
              f"{'%M MB':>7} {'tree MB':>8} {'store MB':>9}")
    print(header)
    print("-" * len(header))
    nook_wall = median_of(by_tool.get("nook", []), "wall_s")
    nook_cpu = median_of(by_tool.get("nook", []), "cpu_s")
    row = {}
    for tool, label in PULL_TOOLS:
        tool_runs = by_tool.get(tool)
        if not tool_runs:
            why = skipped.get((bench, tool)) or (f"{failed[(bench, tool)]} run(s) failed"
                                                 if (bench, tool) in failed else "not run")
            print(f"{label:34} {why}")
            row[tool] = None
            continue
        walls = [r["wall_s"] for r in tool_runs]
        wall = statistics.median(walls)
        max_rss = median_of(tool_runs, "max_rss_kb")
        tree_rss = median_of(tool_runs, "tree_rss_kb")
        store = median_of(tool_runs, "store_kb")
        cpu = median_of(tool_runs, "cpu_s")
        row[tool] = (wall, max_rss, tree_rss, store, cpu)
        note = f" ({failed[(bench, tool)]} failed)" if (bench, tool) in failed else ""
        print(f"{label:34} {wall:8.2f} {min(walls):6.2f}-{max(walls):<6.2f} "
              f"{fmt(ratio(wall, nook_wall)):>8} {fmt(cpu):>7} {fmt(ratio(cpu, nook_cpu)):>8} {fmt(max_rss and max_rss / 1024, 0):>7} "
              f"{fmt(tree_rss and tree_rss / 1024, 0):>8} {fmt(store and store / 1024, 0):>9}{note}")

    def pick(tool, i, scale=1.0):
        return None if row.get(tool) is None or row[tool][i] is None else row[tool][i] / scale

    names = [t for t, _ in PULL_TOOLS]
    results.append(f"RESULT {bench}.wall " + " ".join(
        [f"{t}_s={fmt(pick(t, 0), 3)}" for t in names] +
        [f"ratio_{t}={fmt(ratio(pick(t, 0), pick('nook', 0)))}" for t in names[1:]]))
    results.append(f"RESULT {bench}.cpu " + " ".join(
        [f"{t}_s={fmt(pick(t, 4), 2)}" for t in names] +
        [f"ratio_{t}={fmt(ratio(pick(t, 4), pick('nook', 4)))}" for t in names[1:]]))
    for metric, i in (("max_rss", 1), ("tree_rss", 2)):
        results.append(f"RESULT {bench}.{metric} " + " ".join(
            [f"{t}_mb={fmt(pick(t, i, 1024), 1)}" for t in names] +
            [f"ratio_podman={fmt(ratio(pick('podman', i), pick('nook', i)))}"]))
    results.append(f"RESULT {bench}.store " + " ".join(
        f"{t}_mb={fmt(pick(t, 3, 1024), 1)}" for t in ("nook", "podman")))


def report_list(lists, skipped, results):
    if not lists and not any(b.startswith("list.") for b, _ in skipped):
        return
    calls = max((len(v) for b in lists.values() for v in b.values()), default=0)
    print(f"\nlist: {calls} calls each after one warm-up; ms per call; ratio = podman / nook")
    header = f"{'':28} {'nook med':>9} {'nook mean':>10} {'podman med':>11} {'podman mean':>12} {'ratio':>6}"
    print(header)
    print("-" * len(header))
    for bench, label in (("list.images", "images"), ("list.inspect", "image inspect busybox")):
        by_tool = lists.get(bench, {})
        stats = {}
        for tool, _ in LIST_TOOLS:
            values = by_tool.get(tool)
            stats[tool] = (statistics.median(values), statistics.mean(values)) if values else (None, None)
        r = ratio(stats["podman"][0], stats["nook"][0])
        print(f"{label:28} {fmt(stats['nook'][0]):>9} {fmt(stats['nook'][1]):>10} "
              f"{fmt(stats['podman'][0]):>11} {fmt(stats['podman'][1]):>12} {fmt(r):>6}")
        for tool, _ in LIST_TOOLS:
            if (bench, tool) in skipped:
                print(f"  {tool}: {skipped[(bench, tool)]}")
        results.append(f"RESULT {bench} nook_ms={fmt(stats['nook'][0])} nook_mean_ms={fmt(stats['nook'][1])} "
                       f"podman_ms={fmt(stats['podman'][0])} podman_mean_ms={fmt(stats['podman'][1])} "
                       f"ratio={fmt(r)}")


def main():
    if len(sys.argv) != 2:
        print("usage: summary.py RESULTS_FILE", file=sys.stderr)
        return 2
    pull, lists, skipped, failed = parse(sys.argv[1])
    results = []
    pull_benches = sorted(set(pull) | {b for b, _ in skipped if b.startswith("pull.")} |
                          {b for b, _ in failed})
    for bench in pull_benches:
        report_pull(bench, pull.get(bench, {}), skipped, failed, results)
    report_list(lists, skipped, results)
    print()
    for line in results:
        print(line)
    return 0


if __name__ == "__main__":
    sys.exit(main())
