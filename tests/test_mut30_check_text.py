"""Mutation round 30 of errors.check_text (fixi): a str subclass comes back as its characters in a plain str, also
one whose ``str()`` says something else (a ``(str, Enum)`` member's is ``'Kind.CALL'``), not what ``str()`` says."""

from __future__ import annotations

from enum import Enum

from rnnkit.errors import check_text


class Kind(str, Enum):  # noqa: UP042  # the mixed-in form, whose str() is its name, is the point
    CALL = "안전계좌로 이체"


def test_a_str_subclass_is_its_characters_as_a_plain_str() -> None:
    text = check_text("score", Kind.CALL)
    assert type(text) is str and text == "안전계좌로 이체"
