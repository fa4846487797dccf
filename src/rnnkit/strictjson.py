"""JSON that every reader accepts: NaN and infinities written as null.

Python's ``json`` writes ``NaN`` and ``Infinity``, which are not JSON: jq, JavaScript's ``JSON.parse`` and
most other languages refuse the whole file. A diverged loss or a ratio over a zero norm is a normal
value in rnnkit's records, so everything rnnkit writes for other programs to read (``metrics.jsonl``,
``diagnose.json``, the ``--json`` lines) goes through :func:`dumps`.
"""

from __future__ import annotations

import json
import math
from typing import Any

__all__ = ["dumps", "strict_json"]


def strict_json(value: Any) -> Any:
    """``value`` with every float that is NaN or infinite, at any depth of dicts, lists and tuples, as None."""
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if isinstance(value, dict):
        return {k: strict_json(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [strict_json(v) for v in value]
    return value


def dumps(value: Any, **kwargs: Any) -> str:
    """``json.dumps`` of :func:`strict_json` of ``value`` (the same keyword arguments)."""
    return json.dumps(strict_json(value), allow_nan=False, **kwargs)
