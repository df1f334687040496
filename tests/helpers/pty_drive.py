#!/usr/bin/env python3
"""Drives a command under a real pseudo-terminal for the terminal e2e tests (096-terminal.bats).

pty-drive.py STEPS_JSON CMD [ARG...]
  STEPS_JSON is a list of steps run in order:
    ["expect", TEXT, TIMEOUT]  wait until TEXT appears in the output after the previous expect
    ["send", TEXT]             type TEXT (Python escapes already decoded by json: "\\u0010" is ctrl-p)
    ["resize", ROWS, COLS]     change the window size (the kernel sends SIGWINCH)
    ["sleep", SECONDS]
  The command starts with a 24x80 window, as the session leader with the pty as its controlling
  terminal. Prints everything the command wrote, then a last line
  "exit=N restored=yes|no" (whether the terminal settings after the command equal those before).
  Exits 2 when an expect times out (after printing the output so far).
"""
import fcntl
import json
import os
import select
import struct
import sys
import termios
import time


def set_size(fd, rows, cols):
    fcntl.ioctl(fd, termios.TIOCSWINSZ, struct.pack("HHHH", rows, cols, 0, 0))


def main():
    steps = json.loads(sys.argv[1])
    argv = sys.argv[2:]
    master, slave = os.openpty()
    set_size(master, 24, 80)
    before = termios.tcgetattr(slave)
    pid = os.fork()
    if pid == 0:
        os.close(master)
        os.setsid()
        fcntl.ioctl(slave, termios.TIOCSCTTY, 0)
        for fd in (0, 1, 2):
            os.dup2(slave, fd)
        if slave > 2:
            os.close(slave)
        os.execvp(argv[0], argv)
    output = b""
    seen = 0  # expects search after this offset

    def pump(timeout):
        """Reads what is there within `timeout`: "data", "idle" or "eof"."""
        nonlocal output
        r, _, _ = select.select([master], [], [], timeout)
        if not r:
            return "idle"
        try:
            data = os.read(master, 65536)
        except OSError:
            return "eof"
        if not data:
            return "eof"
        output += data
        return "data"

    def finish(code, status):
        after = termios.tcgetattr(slave)
        sys.stdout.write(output.decode(errors="replace"))
        sys.stdout.write("\nexit=%d restored=%s\n" % (status, "yes" if after == before else "no"))
        sys.exit(code)

    for step in steps:
        kind = step[0]
        if kind == "expect":
            text = step[1].encode()
            deadline = time.time() + (step[2] if len(step) > 2 else 20)
            while text not in output[seen:]:
                if time.time() > deadline or pump(0.1) == "eof":
                    if text in output[seen:]:
                        break
                    sys.stdout.write("pty-drive: timed out waiting for %r\n" % step[1])
                    os.kill(pid, 9)
                    os.waitpid(pid, 0)
                    finish(2, -1)
            seen = output.index(text, seen) + len(text)
        elif kind == "send":
            os.write(master, step[1].encode())
        elif kind == "resize":
            set_size(master, step[1], step[2])
        elif kind == "sleep":
            end = time.time() + step[1]
            while time.time() < end:
                pump(0.05)
    deadline = time.time() + 60
    status = None
    while status is None:
        alive = pump(0.1) != "eof"
        done, raw = os.waitpid(pid, os.WNOHANG)
        if done:
            status = os.waitstatus_to_exitcode(raw)
        elif time.time() > deadline:
            os.kill(pid, 9)
            os.waitpid(pid, 0)
            sys.stdout.write("pty-drive: the command did not exit\n")
            finish(2, -1)
        elif not alive:
            time.sleep(0.05)
    while pump(0.2) == "data":
        pass
    finish(0, status)


main()
