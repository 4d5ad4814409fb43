"""
Runs a command on a pseudo-terminal of its own, as a learner's terminal runs it: what this
program reads on stdin is typed into the terminal, and what the command writes there comes out
on stdout. Exits with the command's exit status. Used by tests/lib/terminal.ts (the exercise's
and the tour's tests) and by 03's test.

Usage: python3 tests/probes/in-terminal.py COMMAND [ARG...] < typed-input
"""
import os
import pty
import sys

pid, terminal = pty.fork()
if pid == 0:
    os.execvp(sys.argv[1], sys.argv[1:])

# Typed ahead: the terminal's line discipline holds the lines until the command reads them.
os.write(terminal, sys.stdin.buffer.read())
while True:
    try:
        output = os.read(terminal, 65536)
    except OSError:  # EIO: the command closed its side of the terminal
        break
    if not output:
        break
    sys.stdout.buffer.write(output)
    sys.stdout.buffer.flush()
_, status = os.waitpid(pid, 0)
sys.exit(os.waitstatus_to_exitcode(status))
