"""rnnkit.strictjson: what reaches the encoder without passing strict_json (a ``default=`` hook's value) is still
never written as NaN or Infinity (mutation audit round 17)."""

from __future__ import annotations

import json

import pytest

from rnnkit import strictjson


class _Loss:
    """A value json cannot write, which a ``default=`` hook turns into a float."""


def test_a_non_finite_float_from_a_default_hook_is_refused_not_written() -> None:
    assert json.loads(strictjson.dumps({"a": _Loss()}, default=lambda o: 1.5)) == {"a": 1.5}
    with pytest.raises(ValueError, match="Out of range float values are not JSON compliant"):
        strictjson.dumps({"a": _Loss()}, default=lambda o: float("nan"))
