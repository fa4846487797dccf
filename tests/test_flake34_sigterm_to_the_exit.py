"""A second SIGTERM after the first is let pass up to the process's exit (docs/RELIABILITY.md).

``tests/test_faults.py::test_sigterm_stops_a_run_as_ctrl_c_does_and_it_resumes[2]`` once saw status -15 for 130
in a loaded run: the run had saved and said its closing line, then ``main()`` put SIGTERM back at its default and
the second SIGTERM, which the parent's 2 ms sleep had sent late, met that default while Python shut down. These
tests send the second one at that moment on purpose (from an ``atexit`` hook), with no torch loaded.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap

from rnnkit import cli

#: ``python -m rnnkit`` whose command gets a SIGTERM and, as the process shuts down, a second one
RUNNER = textwrap.dedent("""
    import atexit, os, runpy, signal, sys, time
    from rnnkit import cli

    def interrupted(argv):
        try:
            os.kill(os.getpid(), signal.SIGTERM)  # the first: Ctrl-C's KeyboardInterrupt
            time.sleep(10)
        except KeyboardInterrupt:
            print("rnnkit: interrupted", file=sys.stderr, flush=True)
            return 130
        return 0

    cli._main = interrupted
    atexit.register(os.kill, os.getpid(), signal.SIGTERM)  # the second: after main() returned
    runpy.run_module("rnnkit", run_name="__main__")
""")


def test_a_second_sigterm_as_the_process_exits_leaves_its_status_130() -> None:
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(sys.path)}
    done = subprocess.run([sys.executable, "-c", RUNNER], env=env, capture_output=True, text=True, timeout=60)
    assert done.returncode == 130, done.stderr  # was -15: killed by SIGTERM's default after its closing line
    assert done.stderr == "rnnkit: interrupted\n"


def test_main_in_python_gives_the_callers_sigterm_back_after_one(monkeypatch) -> None:
    """Only the console script, whose process ends next, leaves SIGTERM ignored: a program that calls ``main()``
    gets its own handling back (here the default), also after a SIGTERM that main turned into 130."""

    def interrupted(argv: object) -> int:
        try:
            signal.raise_signal(signal.SIGTERM)
        except KeyboardInterrupt:
            return 130
        return 0

    monkeypatch.setattr(cli, "_main", interrupted)
    previous = signal.signal(signal.SIGTERM, signal.SIG_DFL)
    try:
        assert cli.main([]) == 130
        assert signal.getsignal(signal.SIGTERM) is signal.SIG_DFL
    finally:
        signal.signal(signal.SIGTERM, previous)
