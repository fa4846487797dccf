"""``rnnkit train tag``'s warning of a lone span type that looks like a typo of another (walk49) named real types of
real tag sets: OntoNotes' ``PERCENT`` seen once beside ``PERSON``, ``CARDINAL`` beside ``ORDINAL``, GermEval's
``PERpart`` beside ``PER``, WNUT's ``corporation`` beside ``location`` were each 'a typo?' (difflib's likeness of
spelling, 0.6, holds for them). A typo is one slip of typing: a letter wrong, missing or extra, or two swapped."""

from __future__ import annotations

import warnings
from pathlib import Path

import pytest

from rnnkit.data.slashtags import read_tagged
from rnnkit.tasks._tag_data import warn_lone_types


def _typo_warnings(tmp_path: Path, common: list[str], once: str) -> list[str]:
    """The 'a typo?' warnings of a file where each type of ``common`` spans two tokens three times, ``once`` one."""
    lines = [f"Anna\tB-{kind}\nVance\tI-{kind}\nleft\tO\n" for kind in common for _ in range(3)]
    data = tmp_path / "ner.conll"
    data.write_text("\n".join([*lines, f"Hugo\tB-{once}\nleft\tO\n"]) + "\n", encoding="utf-8")
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        warn_lone_types(read_tagged(data))
    return [str(w.message) for w in caught if "a typo?" in str(w.message)]


@pytest.mark.parametrize(("common", "once"), [
    (["PERSON", "ORG", "GPE"], "PERCENT"),     # OntoNotes
    (["ORDINAL", "DATE"], "CARDINAL"),          # OntoNotes
    (["PER", "LOC", "ORG", "OTH"], "PERpart"),  # GermEval 2014
    (["person", "location", "group"], "corporation"),  # WNUT-17
])
def test_a_rare_type_of_a_real_tag_set_is_no_typo(common: list[str], once: str, tmp_path: Path) -> None:
    assert _typo_warnings(tmp_path, common, once) == []


@pytest.mark.parametrize(("once", "near"), [("PRE", "PER"),     # two letters swapped
                                            ("PEP", "PER"),     # one wrong
                                            ("PR", "PER"),      # one missing
                                            ("PERR", "PER"),    # one extra
                                            ("LOCATON", "LOCATION")])
def test_one_slip_of_typing_is_named(once: str, near: str, tmp_path: Path) -> None:
    (line,) = _typo_warnings(tmp_path, [near, "ORG"], once)
    assert f"type {once} in the file, beside type {near} (6 tokens)" in line
