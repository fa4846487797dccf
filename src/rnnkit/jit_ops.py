"""rnnkit's own sequence functions as operators of torch's dispatcher (``torch.ops.rnnkit.*``), for ``torch.jit.trace``.

The hand-written BPTT of :mod:`rnnkit.bptt`, the Clockwork RNN's and the scans of :mod:`rnnkit.scan` are
autograd Functions. ``torch.jit.trace`` records such a Function as a call into Python: the graph runs it
(at any length) in the process that traced it, but ``torch.jit.save`` refuses it ("Could not export Python
function call '_GRUBPTT'"). Under a trace the layers call the operator registered here for each instead: the
graph records one ``rnnkit::NAME`` node, which saves, and which a process that has imported rnnkit's layers
(``import rnnkit.recurrent``) loads and runs as the same Function, its backward included (the operator is
``CompositeImplicitAutograd``: autograd sees the Function inside it). Outside a trace the Functions are
called directly, as before.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import torch

__all__ = ["register"]

_LIBRARY = torch.library.Library("rnnkit", "FRAGMENT")


def register(name: str, schema: str, impl: Callable[..., Any]) -> Callable[..., Any]:
    """Define ``torch.ops.rnnkit.<name>`` with ``schema`` (its arguments and results, in TorchScript's
    notation) run by ``impl``, and return it."""
    _LIBRARY.define(name + schema)
    _LIBRARY.impl(name, impl, "CompositeImplicitAutograd")
    return getattr(torch.ops.rnnkit, name)
