"""What the command line sets before torch starts (imported by ``rnnkit/__init__.py`` before torch).

``OMP_WAIT_POLICY=PASSIVE``: torch's idle OpenMP threads sleep at once instead of spinning for a
while. Spinning helps a little on an idle machine and hurts a lot beside a busy process, where the
spinning threads take the core the others wait for. OpenMP reads the variable when torch loads, so it is
set here, only for ``rnnkit`` run as a command (the ``rnnkit`` script, ``python -m rnnkit``,
``torchrun -m rnnkit``), never when a program of yours imports rnnkit, and never over a policy you set
yourself (``OMP_WAIT_POLICY=ACTIVE rnnkit train ...`` keeps yours).
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

__all__ = ["command_line", "set_wait_policy"]


def command_line() -> bool:
    """True when this process is ``rnnkit`` run as a command."""
    if Path(sys.argv[0]).name == "rnnkit":
        return True
    argv = list(getattr(sys, "orig_argv", []))
    return any(a == "-m" and b == "rnnkit" for a, b in zip(argv, argv[1:], strict=False))


def set_wait_policy() -> None:
    """Set ``OMP_WAIT_POLICY=PASSIVE`` for the command line, before torch loads (see the module docstring)."""
    if "torch" not in sys.modules and "OMP_WAIT_POLICY" not in os.environ and command_line():
        os.environ["OMP_WAIT_POLICY"] = "PASSIVE"
