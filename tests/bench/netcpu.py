#!/usr/bin/python3
"""Prints the CPU time used so far by the processes of one tool's home.

usage: netcpu.py RUNTIME_DIR [--list]

A process belongs to the home when its environment (/proc/PID/environ, readable by root) holds
XDG_RUNTIME_DIR=RUNTIME_DIR: everything a tool started there and that kept its environment (nook's
monitor and forwarder, podman's conmon, rootlessport and pause process, slirp4netns), but not the
containers' own processes, which get the image's environment. Its CPU time is the sum over its
threads of /proc/PID/task/TID/schedstat's first field (nanoseconds on a CPU), exact, unlike the
10 ms ticks of /proc/PID/stat; a process or thread that has exited is no longer counted, so
take the difference of two calls around a measurement in which the helpers stay up.

Prints "cpu_ms=MS ticks_ms=MS procs=N", ticks_ms being the sum of /proc/PID/stat's utime, stime,
cutime and cstime (10 ms ticks, but counting exited threads and reaped children: a check on
cpu_ms); with --list, then one "PID COMM CPU_MS" line per process.
"""
import os
import sys


def main():
    if len(sys.argv) not in (2, 3) or (len(sys.argv) == 3 and sys.argv[2] != "--list"):
        print(__doc__.strip().splitlines()[2], file=sys.stderr)
        return 2
    want = b"XDG_RUNTIME_DIR=" + os.fsencode(sys.argv[1])
    total, ticks, procs = 0, 0, []
    hz = os.sysconf("SC_CLK_TCK")
    for name in os.listdir("/proc"):
        if not name.isdigit():
            continue
        try:
            with open(f"/proc/{name}/environ", "rb") as f:
                if want not in f.read().split(b"\0"):
                    continue
            with open(f"/proc/{name}/comm", encoding="utf-8", errors="replace") as f:
                comm = f.read().strip()
            with open(f"/proc/{name}/stat", "rb") as f:
                stat = f.read()
            # comm may hold spaces and parentheses: the fields start after the last ')'.
            fields = stat[stat.rindex(b")") + 2:].split()
            proc_ticks = sum(int(x) for x in fields[11:15])  # utime stime cutime cstime
            ns = 0
            for tid in os.listdir(f"/proc/{name}/task"):
                with open(f"/proc/{name}/task/{tid}/schedstat", encoding="ascii") as f:
                    ns += int(f.read().split()[0])
        except (OSError, ValueError, IndexError):
            continue  # gone, or not ours to read
        total += ns
        ticks += proc_ticks
        procs.append((int(name), comm, ns))
    print(f"cpu_ms={total / 1e6:.3f} ticks_ms={ticks * 1000 / hz:.0f} procs={len(procs)}")
    if len(sys.argv) == 3:
        for pid, comm, ns in sorted(procs):
            print(f"{pid} {comm} {ns / 1e6:.3f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
