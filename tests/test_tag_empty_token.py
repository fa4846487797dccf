"""A tagger's ``predict`` given a list of tokens with an empty one (``[["", "cat"]]``, a tokenizer's slip) tagged it,
unsaid, though no file or split text can hold one; it is refused naming its place, as an empty text is. A token of
spaces is a character tagger's own, and is tagged."""

from __future__ import annotations

import re

import pytest

import rnnkit
from rnnkit.cli import main
from rnnkit.errors import UserError

pytestmark = pytest.mark.usefixtures("one_torch_thread")


@pytest.fixture(scope="module")
def tagger(tmp_path_factory: pytest.TempPathFactory) -> rnnkit.SequenceTagger:
    tmp = tmp_path_factory.mktemp("tagger")
    (tmp / "t.conll").write_text("the\tDET\ndog\tNOUN\n\na\tDET\ncat\tNOUN\n\n" * 6, encoding="utf-8")
    assert main(["train", "tag", "--data", str(tmp / "t.conll"), "--out", str(tmp / "m"), "--hidden", "4",
                 "--embedding", "4", "--steps", "1", "--no-progress"]) == 0
    return rnnkit.load(tmp / "m")


@pytest.mark.parametrize(("texts", "place"), [([["", "cat"]], "texts[0][0]"),
                                            ([["the", "dog"], ["a", "big", ""]], "texts[1][2]")])
def test_an_empty_token_is_refused_by_its_place(tagger: rnnkit.SequenceTagger, texts: list[list[str]],
                                                place: str) -> None:
    with pytest.raises(UserError, match=f"^{re.escape(place)} is an empty token; give each token's text$"):
        tagger.predict(texts)


def test_tokens_with_text_are_tagged(tagger: rnnkit.SequenceTagger) -> None:
    assert [len(tags) for tags in tagger.predict([["the", "cat"], ["a b", " "]])] == [2, 2]  # a space is a token
