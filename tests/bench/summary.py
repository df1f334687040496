#!/usr/bin/python3
"""Turns the raw results of tests/bench/run.sh into a table and RESULT lines.

usage: summary.py RESULTS_FILE

Input lines (written by run.sh), fields separated by spaces:
    pull.big TOOL RUN wall_s=S cpu_s=S max_rss_kb=KB tree_rss_kb=KB rc=N [store_kb=KB]
    list.images TOOL ms=MS
    list.inspect TOOL ms=MS
    list.images TOOL rc=1               (a failed list benchmark)
    ctr.run|ctr.ps|ctr.exec TOOL ms=MS  (one timed call; TOOL nook, podman or crun)
    ctr.cycle TOOL ms=MS run_ms=MS rm_ms=MS
    ctr.rss.CMD TOOL RUN wall_s=S cpu_s=S max_rss_kb=KB tree_rss_kb=KB rc=N
    ctr.monitor TOOL private_kb=KB pss_kb=KB anon_kb=KB comm=NAME
    ctr.BENCH TOOL rc=1                 (a failed container benchmark)
    net.bulk[_slirp] TOOL RUN mb_s=MB/S cpu_ms=MS  (one download; the helpers' CPU)
    net.rate[_slirp]_c1|_c8 TOOL RUN rps=R failed=N cpu_us=US  (one ab run; helpers' CPU a request)
    net.start.none|slirp|port TOOL ms=MS  (one timed `run --rm`)
    net.BENCH TOOL [RUN] rc=1           (a failed network benchmark)
    skipped BENCH TOOL REASON...
Output: a table per benchmark, then one `RESULT BENCH.METRIC key=value ...` line per metric.
Ratios are TOOL/nook (above 1: nook is faster or smaller), except for the network throughputs
(MB/s, requests/s), where they are nook/podman (above 1: nook is faster too); NA when a side is
missing.
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
    ctr, net = {}, {}
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
        elif parts[0].startswith("ctr."):
            if kv.get("rc", "0") != "0":
                failed.setdefault((parts[0], parts[1]), 0)
                failed[(parts[0], parts[1])] += 1
                continue
            values = {k: float(v) for k, v in kv.items() if k != "comm"}
            ctr.setdefault(parts[0], {}).setdefault(parts[1], []).append(values)
        elif parts[0].startswith("net."):
            if kv.get("rc", "0") != "0":
                failed.setdefault((parts[0], parts[1]), 0)
                failed[(parts[0], parts[1])] += 1
                continue
            values = {k: float(v) for k, v in kv.items()}
            net.setdefault(parts[0], {}).setdefault(parts[1], []).append(values)
    return pull, lists, skipped, failed, ctr, net


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


CTR_TOOLS = ("nook", "podman", "crun")
CTR_TIMED = [
    ("ctr.run", "run --rm --network none IMG true"),
    ("ctr.cycle", "run -d IMG sleep 1000 + rm -f -t0"),
    ("ctr.exec", "exec CTR true"),
    ("ctr.ps", "ps -a (50 containers)"),
]
CTR_RSS = [
    ("ctr.rss.run", "run --rm IMG true"),
    ("ctr.rss.run_d", "run -d IMG sleep 1000"),
    ("ctr.rss.rm", "rm -f -t0 CTR"),
    ("ctr.rss.ps", "ps -a (50 containers)"),
    ("ctr.rss.exec", "exec CTR true"),
]
CTR_MONITOR = [
    ("private_kb", "private (Private_Clean+Dirty)", "private"),
    ("pss_kb", "Pss", "pss"),
    ("anon_kb", "anonymous", "anon"),
]


def ctr_note(bench, tool, skipped, failed):
    if (bench, tool) in skipped:
        return f"  {tool}: {skipped[(bench, tool)]}"
    if (bench, tool) in failed:
        return f"  {tool}: FAILED (see the logs)"
    return None


def report_containers(ctr, skipped, failed, results):
    benches = set(ctr) | {b for b, _ in skipped if b.startswith("ctr.")} | \
        {b for b, _ in failed if b.startswith("ctr.")}
    if not benches:
        return
    calls = max((len(ctr.get(b, {}).get(t, [])) for b, _ in CTR_TIMED for t in CTR_TOOLS), default=0)
    print(f"\ncontainers: {calls} calls each after one warm-up; ms per call; ratio = tool / nook")
    header = (f"{'':36} {'nook med':>9} {'nook mean':>10} {'podman med':>11} {'podman mean':>12} "
              f"{'podman/nook':>12} {'crun med':>9} {'crun/nook':>10}")
    print(header)
    print("-" * len(header))
    for bench, label in CTR_TIMED:
        by_tool = ctr.get(bench, {})
        stats = {}
        for tool in CTR_TOOLS:
            values = [v["ms"] for v in by_tool.get(tool, [])]
            stats[tool] = (statistics.median(values), statistics.mean(values)) if values else (None, None)
        r_podman = ratio(stats["podman"][0], stats["nook"][0])
        r_crun = ratio(stats["crun"][0], stats["nook"][0])
        crun_cells = (f"{fmt(stats['crun'][0]):>9} {fmt(r_crun):>10}" if bench == "ctr.run" else "")
        print(f"{label:36} {fmt(stats['nook'][0]):>9} {fmt(stats['nook'][1]):>10} "
              f"{fmt(stats['podman'][0]):>11} {fmt(stats['podman'][1]):>12} {fmt(r_podman):>12} {crun_cells}"
              .rstrip())
        extra = ""
        if bench == "ctr.cycle":
            for tool in ("nook", "podman"):
                runs = by_tool.get(tool, [])
                run_ms = statistics.median([v["run_ms"] for v in runs]) if runs else None
                rm_ms = statistics.median([v["rm_ms"] for v in runs]) if runs else None
                print(f"  {tool}: run -d {fmt(run_ms)} ms, rm -f {fmt(rm_ms)} ms (medians)")
                extra += f" {tool}_run_ms={fmt(run_ms)} {tool}_rm_ms={fmt(rm_ms)}"
        for tool in CTR_TOOLS:
            note = ctr_note(bench, tool, skipped, failed)
            if note and (tool != "crun" or bench == "ctr.run"):
                print(note)
        line = (f"RESULT {bench} nook_ms={fmt(stats['nook'][0])} nook_mean_ms={fmt(stats['nook'][1])} "
                f"podman_ms={fmt(stats['podman'][0])} podman_mean_ms={fmt(stats['podman'][1])}")
        if bench == "ctr.run":
            line += f" crun_ms={fmt(stats['crun'][0])} crun_mean_ms={fmt(stats['crun'][1])}"
        line += extra + f" ratio_podman={fmt(r_podman)}"
        if bench == "ctr.run":
            line += f" ratio_crun={fmt(r_crun)}"
        results.append(line)

    runs = max((len(ctr.get(b, {}).get(t, [])) for b, _ in CTR_RSS for t in CTR_TOOLS), default=0)
    monitors = max((len(ctr.get("ctr.monitor", {}).get(t, [])) for t in CTR_TOOLS), default=0)
    print(f"\ncontainer memory: peak RSS of one command (GNU time %M, median of {runs} run(s)); "
          f"private memory of each running monitor (median of {monitors}); ratio = podman / nook")
    header = f"{'':36} {'nook MB':>9} {'podman MB':>10} {'crun MB':>9} {'podman/nook':>12}"
    print(header)
    print("-" * len(header))
    for bench, label in CTR_RSS:
        by_tool = ctr.get(bench, {})
        mb = {t: (statistics.median([v["max_rss_kb"] for v in by_tool[t]]) / 1024 if by_tool.get(t) else None)
              for t in CTR_TOOLS}
        r = ratio(mb["podman"], mb["nook"])
        print(f"{label:36} {fmt(mb['nook'], 1):>9} {fmt(mb['podman'], 1):>10} "
              f"{fmt(mb['crun'], 1) if bench == 'ctr.rss.run' else '':>9} {fmt(r):>12}")
        for tool in ("nook", "podman"):
            note = ctr_note(bench, tool, skipped, failed) or (
                ctr_note(bench.replace("ctr.rss.", "ctr."), tool, skipped, {}) if not by_tool.get(tool) else None)
            if note:
                print(note)
        line = f"RESULT {bench.replace('ctr.rss.', 'ctr.max_rss.')} nook_mb={fmt(mb['nook'], 1)} podman_mb={fmt(mb['podman'], 1)}"
        if bench == "ctr.rss.run":
            line += f" crun_mb={fmt(mb['crun'], 1)}"
        results.append(line + f" ratio_podman={fmt(r)}")
    mons = ctr.get("ctr.monitor", {})
    for key, label, name in CTR_MONITOR:
        mb = {t: (statistics.median([v[key] for v in mons[t]]) / 1024 if mons.get(t) else None)
              for t in ("nook", "podman")}
        r = ratio(mb["podman"], mb["nook"])
        print(f"{'monitor ' + label:36} {fmt(mb['nook'], 2):>9} {fmt(mb['podman'], 2):>10} {'':>9} {fmt(r):>12}")
        results.append(f"RESULT ctr.monitor.{name} nook_mb={fmt(mb['nook'], 2)} "
                       f"podman_mb={fmt(mb['podman'], 2)} ratio_podman={fmt(r)}")
    for tool in ("nook", "podman"):
        note = ctr_note("ctr.monitor", tool, skipped, failed)
        if note:
            print(note)


NET_THROUGHPUT = [
    ("net.bulk", "mb_s", "download 100 MB, MB/s: -p (default)"),
    ("net.bulk_slirp", "mb_s", "download 100 MB, MB/s: slirp4netns"),
    ("net.rate_c1", "rps", "requests/s, 1 at a time: -p (default)"),
    ("net.rate_c8", "rps", "requests/s, 8 at a time: -p (default)"),
    ("net.rate_slirp_c1", "rps", "requests/s, 1 at a time: slirp4netns"),
    ("net.rate_slirp_c8", "rps", "requests/s, 8 at a time: slirp4netns"),
]
NET_START = [
    ("net.start.none", "run --rm --network none IMG true"),
    ("net.start.slirp", "run --rm IMG true (slirp4netns)"),
    ("net.start.port", "run --rm -p PORT:80 IMG true"),
]


def net_note(bench, tool, skipped, failed, by_tool=None):
    if (bench, tool) in skipped:
        return f"  {tool}: {skipped[(bench, tool)]}"
    if (bench, tool) in failed:
        done = len((by_tool or {}).get(tool, []))
        return f"  {tool}: {failed[(bench, tool)]} run(s) FAILED" + (f", {done} done" if done else "") + \
            " (see the logs)"
    return None


def report_network(net, skipped, failed, results):
    benches = set(net) | {b for b, _ in skipped if b.startswith("net.")} | \
        {b for b, _ in failed if b.startswith("net.")}
    if not benches:
        return
    runs = max((len(net.get(b, {}).get(t, [])) for b, _, _ in NET_THROUGHPUT for t in ("nook", "podman")),
               default=0)
    print(f"\nnetwork: busybox httpd in the container, curl and ab on the host through 127.0.0.1:PORT; "
          f"median of {runs} run(s); ratio = nook / podman (above 1: nook is faster)")
    print("  -p (default): nook's own forwarder, podman's rootlessport; "
          "slirp4netns: --network slirp4netns:port_handler=slirp4netns -p")
    header = (f"{'':40} {'nook':>9} {'min-max':>17} {'podman':>9} {'min-max':>17} {'nook/podman':>12}")
    print(header)
    print("-" * len(header))
    for bench, key, label in NET_THROUGHPUT:
        by_tool = net.get(bench, {})
        stats = {}
        for tool in ("nook", "podman"):
            values = [v[key] for v in by_tool.get(tool, [])]
            stats[tool] = (statistics.median(values), min(values), max(values)) if values else (None, None, None)
        r = ratio(stats["nook"][0], stats["podman"][0])

        def spread(tool):
            lo, hi = stats[tool][1], stats[tool][2]
            return "" if lo is None else f"{lo:.0f}-{hi:.0f}"
        print(f"{label:40} {fmt(stats['nook'][0], 0):>9} {spread('nook'):>17} "
              f"{fmt(stats['podman'][0], 0):>9} {spread('podman'):>17} {fmt(r):>12}")
        for tool in ("nook", "podman"):
            lost = sum(v.get("failed", 0) for v in by_tool.get(tool, []))
            if lost:
                print(f"  {tool}: {lost:.0f} request(s) failed (ab's Failed requests + Non-2xx)")
            note = net_note(bench, tool, skipped, failed, by_tool)
            if note:
                print(note)
        unit = "mb_s" if key == "mb_s" else "rps"
        results.append(f"RESULT {bench} nook_{unit}={fmt(stats['nook'][0], 1)} "
                       f"podman_{unit}={fmt(stats['podman'][0], 1)} ratio={fmt(r)}")

    print(f"\nnetwork: CPU time of the tool's helper processes during the same runs (netcpu.py: monitor or "
          f"conmon, forwarder or rootlessport, slirp4netns), median; ratio = podman / nook (above 1: nook uses less)")
    header = f"{'':44} {'nook':>9} {'podman':>9} {'podman/nook':>12}"
    print(header)
    print("-" * len(header))
    for bench, key, label in NET_THROUGHPUT:
        cpu_key, unit = ("cpu_ms", "ms") if key == "mb_s" else ("cpu_us", "us")
        label = (label.replace("download 100 MB, MB/s", "download 100 MB, CPU ms")
                 .replace("requests/s", "CPU us/request"))
        by_tool = net.get(bench, {})
        cpu = {t: median_of(by_tool.get(t, []), cpu_key) for t in ("nook", "podman")}
        r = ratio(cpu["podman"], cpu["nook"])
        print(f"{label:44} {fmt(cpu['nook'], 1):>9} {fmt(cpu['podman'], 1):>9} {fmt(r):>12}")
        results.append(f"RESULT {bench}.cpu nook_{unit}={fmt(cpu['nook'], 1)} "
                       f"podman_{unit}={fmt(cpu['podman'], 1)} ratio_podman={fmt(r)}")

    calls = max((len(net.get(b, {}).get(t, [])) for b, _ in NET_START for t in ("nook", "podman")), default=0)
    if not calls and not any(b.startswith("net.start.") for b in benches):
        return
    print(f"\nnetwork: container start, {calls} calls each after one warm-up; ms per call; "
          f"ratio = podman / nook")
    header = (f"{'':40} {'nook med':>9} {'nook mean':>10} {'podman med':>11} {'podman mean':>12} "
              f"{'podman/nook':>12}")
    print(header)
    print("-" * len(header))
    med = {}
    for bench, label in NET_START:
        by_tool = net.get(bench, {})
        stats = {}
        for tool in ("nook", "podman"):
            values = [v["ms"] for v in by_tool.get(tool, [])]
            stats[tool] = (statistics.median(values), statistics.mean(values)) if values else (None, None)
            med[(bench, tool)] = stats[tool][0]
        r = ratio(stats["podman"][0], stats["nook"][0])
        print(f"{label:40} {fmt(stats['nook'][0]):>9} {fmt(stats['nook'][1]):>10} "
              f"{fmt(stats['podman'][0]):>11} {fmt(stats['podman'][1]):>12} {fmt(r):>12}")
        for tool in ("nook", "podman"):
            note = net_note(bench, tool, skipped, failed)
            if note:
                print(note)
        results.append(f"RESULT {bench} nook_ms={fmt(stats['nook'][0])} nook_mean_ms={fmt(stats['nook'][1])} "
                       f"podman_ms={fmt(stats['podman'][0])} podman_mean_ms={fmt(stats['podman'][1])} "
                       f"ratio_podman={fmt(r)}")

    def added(bench, tool):
        a, b = med.get((bench, tool)), med.get(("net.start.none", tool))
        return None if a is None or b is None else a - b
    for bench, what in (("net.start.slirp", "slirp4netns"), ("net.start.port", "slirp4netns and -p")):
        nook, podman = added(bench, "nook"), added(bench, "podman")
        print(f"  added by {what} (median - median with --network none): nook {fmt(nook)} ms, "
              f"podman {fmt(podman)} ms")
        results.append(f"RESULT {bench}.added nook_ms={fmt(nook)} podman_ms={fmt(podman)}")


def main():
    if len(sys.argv) != 2:
        print("usage: summary.py RESULTS_FILE", file=sys.stderr)
        return 2
    pull, lists, skipped, failed, ctr, net = parse(sys.argv[1])
    results = []
    pull_benches = sorted(set(pull) | {b for b, _ in skipped if b.startswith("pull.")} |
                          {b for b, _ in failed if b.startswith("pull.")})
    for bench in pull_benches:
        report_pull(bench, pull.get(bench, {}), skipped, failed, results)
    report_list(lists, skipped, results)
    report_containers(ctr, skipped, failed, results)
    report_network(net, skipped, failed, results)
    print()
    for line in results:
        print(line)
    return 0


if __name__ == "__main__":
    sys.exit(main())
