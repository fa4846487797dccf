"""rnnkit's own sequence functions as operators of torch's dispatcher (``torch.ops.rnnkit.*``), for ``torch.jit.trace``.

The hand-written BPTT of :mod:`rnnkit.bptt`, the Clockwork RNN's and the scans of :mod:`rnnkit.scan` are
autograd Functions. ``torch.jit.trace`` records such a Function as a call into Python: the graph runs it
(at any length) in the process that traced it, but ``torch.jit.save`` refuses it ("Could not export Python
function call '_GRUBPTT'"). Under a trace the layers call the operator registered here for each instead: the
graph records one ``rnnkit::NAME`` node, which saves, and which a process that has imported rnnkit's layers
(``import rnnkit.recurrent``) loads and runs as the same Function, its backward included (the operator is
``CompositeImplicitAutograd``: autograd sees the Function inside it). Outside a trace the Functions are
called directly, as before.

An operator is defined once per process: ``importlib.reload`` of this module or of one that registers (IPython's
``%autoreload``) keeps the library and points the operator at the reloaded Function. (torch refuses a second
definition, and a library object that is dropped takes its operators with it: a trace then crashed Python.)
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import torch

__all__ = ["register"]

# kept across importlib.reload (the module's namespace is reused): the operators live as long as the library
_LIBRARY: torch.library.Library = globals().get("_LIBRARY") or torch.library.Library("rnnkit", "FRAGMENT")
_IMPLS: dict[str, tuple[str, Callable[..., Any]]] = globals().get("_IMPLS", {})  # name -> (schema, impl)


def register(name: str, schema: str, impl: Callable[..., Any]) -> Callable[..., Any]:
    """Define ``torch.ops.rnnkit.<name>`` with ``schema`` (its arguments and results, in TorchScript's
    notation) run by ``impl``, and return it; registered again (a reloaded module), it runs the new ``impl``."""
    if name not in _IMPLS:
        _LIBRARY.define(name + schema)
        _LIBRARY.impl(name, lambda *args: _IMPLS[name][1](*args), "CompositeImplicitAutograd")
    elif _IMPLS[name][0] != schema:
        raise RuntimeError(f"torch.ops.rnnkit.{name} is defined with {_IMPLS[name][0]} in this process; its new "
                           f"schema {schema} takes a fresh Python process")
    _IMPLS[name] = (schema, impl)
    return getattr(torch.ops.rnnkit, name)
