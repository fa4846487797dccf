"""Mutation audit round 23 of errors.check_text's callers: a prime that is no text but falsy (0, b"", []) is refused
as a truthy one is, not taken for no prime."""

from __future__ import annotations

import pytest

from rnnkit.tasks._charlm_trained import _prime_text


@pytest.mark.parametrize("prime", [0, b"", [], 0.0, False])
def test_a_falsy_prime_that_is_no_text_is_a_type_error(prime: object) -> None:
    with pytest.raises(TypeError, match=rf"^prime takes a text \(str\) or None, not {type(prime).__name__}$"):
        _prime_text(prime)
    assert _prime_text(None) == _prime_text("") == ""
