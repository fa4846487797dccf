"""Mutation round 30 of cli._console (flake34): SIGTERM is left ignored at the exit only once the command has had
one; a process that had none keeps SIGTERM's default up to its exit (``kill`` still ends one that hangs there)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap

#: ``python -m rnnkit`` whose command ends with no SIGTERM; one comes as the process shuts down
RUNNER = textwrap.dedent("""
    import atexit, os, runpy, signal
    from rnnkit import cli

    cli._main = lambda argv: 0
    atexit.register(os.kill, os.getpid(), signal.SIGTERM)
    runpy.run_module("rnnkit", run_name="__main__")
""")


def test_a_sigterm_at_the_exit_of_a_command_that_had_none_ends_it_as_the_default_does() -> None:
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(sys.path)}
    done = subprocess.run([sys.executable, "-c", RUNNER], env=env, capture_output=True, text=True, timeout=60)
    assert done.returncode == -signal.SIGTERM, done.stderr  # not ignored: 0 would say the kill went unheard
