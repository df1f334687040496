#!/usr/bin/python3
"""Runs one command and prints how long it took and how much memory it used.

usage: measure.py LOG -- COMMAND [ARG...]

COMMAND runs under GNU time (/usr/bin/time -f '%M %U %S') with stdout and stderr appended to LOG and
stdin from /dev/null. While it runs, /proc is sampled every 50 ms and the resident set sizes
(VmRSS) of every process below the time process are added up. One line goes to stdout:

    wall_s=SECONDS cpu_s=SECONDS max_rss_kb=KB tree_rss_kb=KB rc=EXIT_CODE

- wall_s: monotonic clock from before the fork to after the wait.
- cpu_s: GNU time's %U + %S, user and system CPU time of the command and the descendants it
  waited for (less sensitive than wall_s to other load on the machine).
- max_rss_kb: GNU time's %M, the ru_maxrss of wait4(): the largest peak RSS of ONE process among
  the command and the descendants it (recursively) waited for. Not a sum over processes.
- tree_rss_kb: the largest sum of VmRSS over the command's process tree seen at a sample. Counts
  shared pages once per process, misses peaks shorter than a sample and processes that left the
  tree (a daemonized helper such as podman's pause process); page cache and tmpfs are not RSS.
"""
import os
import subprocess
import sys
import tempfile
import time

INTERVAL = 0.05


def process_table():
    """{pid: (ppid, rss_kb)} for every process readable now."""
    table = {}
    for name in os.listdir("/proc"):
        if not name.isdigit():
            continue
        try:
            with open(f"/proc/{name}/stat", "rb") as f:
                stat = f.read()
            # comm may hold spaces and parentheses: the fields start after the last ')'.
            fields = stat[stat.rindex(b")") + 2:].split()
            ppid = int(fields[1])
            rss_pages = int(fields[21])
        except (OSError, ValueError, IndexError):
            continue
        table[int(name)] = (ppid, rss_pages * PAGE_KB)
    return table


def tree_rss_kb(root):
    """Sum of RSS of every descendant of root (root itself, the time process, excluded)."""
    table = process_table()
    children = {}
    for pid, (ppid, _) in table.items():
        children.setdefault(ppid, []).append(pid)
    total = 0
    todo = list(children.get(root, []))
    while todo:
        pid = todo.pop()
        total += table[pid][1]
        todo.extend(children.get(pid, []))
    return total


PAGE_KB = os.sysconf("SC_PAGE_SIZE") // 1024


def main():
    if len(sys.argv) < 4 or sys.argv[2] != "--":
        print(__doc__.strip().splitlines()[2], file=sys.stderr)
        return 2
    log, command = sys.argv[1], sys.argv[3:]
    with tempfile.NamedTemporaryFile(prefix="measure-", suffix=".time") as timefile, \
            open(log, "ab") as out:
        start = time.monotonic()
        proc = subprocess.Popen(["/usr/bin/time", "-f", "%M %U %S", "-o", timefile.name] + command,
                                stdin=subprocess.DEVNULL, stdout=out, stderr=out)
        peak = 0
        while proc.poll() is None:
            peak = max(peak, tree_rss_kb(proc.pid))
            time.sleep(INTERVAL)
        wall = time.monotonic() - start
        rc = proc.returncode
        max_rss, cpu = 0, 0.0
        # GNU time writes "Command exited with non-zero status N" first when the command fails.
        for line in open(timefile.name, encoding="utf-8", errors="replace"):
            fields = line.split()
            if len(fields) == 3 and fields[0].isdigit():
                max_rss, cpu = int(fields[0]), float(fields[1]) + float(fields[2])
    print(f"wall_s={wall:.3f} cpu_s={cpu:.2f} max_rss_kb={max_rss} tree_rss_kb={peak} rc={rc}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
