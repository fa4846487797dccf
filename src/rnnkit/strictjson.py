"""JSON that every reader accepts: NaN and infinities written as null.

Python's ``json`` writes ``NaN`` and ``Infinity``, which are not JSON: jq, JavaScript's ``JSON.parse`` and
most other languages refuse the whole file. A diverged loss or a ratio over a zero norm is a normal
value in rnnkit's records, so everything rnnkit writes for other programs to read (``metrics.jsonl``,
``diagnose.json``, the ``--json`` lines) goes through :func:`dumps`. What rnnkit reads back from a file a
stranger may have edited goes through :func:`loads`.
"""

from __future__ import annotations

import json
import math
import re
import sys
from typing import Any

__all__ = ["dumps", "loads", "strict_json"]


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


def loads(text: str | bytes) -> Any:
    """``json.loads(text)``, with an integer past Python's digit limit (``sys.get_int_max_str_digits()``, 4,300)
    a :class:`json.JSONDecodeError` at the first run of that many digits, as any other bad JSON: json raises a
    plain ValueError there, which readers that catch JSONDecodeError let through as a traceback. So is JSON nested
    past Python's recursion limit (``[[[...`` a line of a JSONL data file), where json raises RecursionError."""
    try:
        return json.loads(text)
    except (json.JSONDecodeError, UnicodeDecodeError):
        raise
    except RecursionError:
        doc = text.decode("utf-8", "replace") if isinstance(text, bytes) else text
        raise json.JSONDecodeError("nested too deeply (more levels of [ and { than json reads)", doc, 0) from None
    except ValueError:
        doc = text.decode("utf-8", "replace") if isinstance(text, bytes) else text
        limit = sys.get_int_max_str_digits()
        found = re.search(f"[0-9]{{{limit + 1},}}", doc)
        raise json.JSONDecodeError(f"a number of more than {limit:,} digits", doc,
                                   found.start() if found else 0) from None
