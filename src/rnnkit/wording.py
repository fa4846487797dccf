"""How rnnkit's printed lines say a count: :func:`counted` ("1 step", "2 steps"), one place for the plural."""

from __future__ import annotations

__all__ = ["counted", "listed"]


def counted(n: object, noun: str, spec: str = "") -> str:
    """``n`` formatted by ``spec`` (``format(n, spec)``), then ``noun``, plural (an ``s`` added) unless ``n`` is 1:
    ``counted(1, "step")`` is ``1 step``, ``counted(0, "step")`` ``0 steps``, ``counted(1234, "pair", ",")``
    ``1,234 pairs``."""
    return f"{format(n, spec)} {noun}{'' if n == 1 else 's'}"


def listed(items: list[str]) -> str:
    """``items`` as a line says them: ``a``, ``a and b``, ``a, b and c``."""
    return items[0] if len(items) == 1 else f"{', '.join(items[:-1])} and {items[-1]}"
