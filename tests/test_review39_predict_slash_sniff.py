"""``rnnkit predict --file`` judged a ``word/TAG`` file by another rule than training (walk49: every field of its
first lines ``word/TAG``, where ``train tag`` and ``evaluate`` also take lines with a few malformed tokens, to refuse
them by their line). A file with one token missing its tag among its first lines was then read as plain sentences
and each token tagged whole, gold tag and all (``Anna/B-PER``), the fault walk49 mended; now predict refuses it by
that token's line, as ``evaluate`` does (one rule, ``looks_slash_tagged``)."""

from __future__ import annotations

from pathlib import Path

import pytest

from rnnkit.data.slashtags import read_tagged
from rnnkit.errors import UserError
from rnnkit.tasks._tag_verbs import _file_to_tag

SLASH = "Anna/B-PER left/O Norvik/B-LOC ./O\nHugo/B-PER Vance/I-PER joined/O Obrik/B-ORG\n"
TAGS = ["B-LOC", "B-ORG", "B-PER", "I-PER", "O"]


def test_a_malformed_token_of_a_word_tag_file_is_refused_by_its_line(tmp_path: Path) -> None:
    test = tmp_path / "test.txt"
    test.write_text(SLASH + "Vance/I-PER left Obrik/B-ORG ./O\n" + SLASH, encoding="utf-8")
    refused = f"{test}:3: malformed token 'left'; expected WORD/TAG tokens"
    with pytest.raises(UserError, match=refused):  # evaluate's and train's reading
        read_tagged(test)
    with pytest.raises(UserError, match=refused):  # predict --file's
        _file_to_tag(str(test), TAGS)


def test_a_well_formed_file_is_still_its_words(tmp_path: Path) -> None:
    test = tmp_path / "test.txt"
    test.write_text(SLASH, encoding="utf-8")
    words = [["Anna", "left", "Norvik", "."], ["Hugo", "Vance", "joined", "Obrik"]]
    assert _file_to_tag(str(test), TAGS).tokens == words
