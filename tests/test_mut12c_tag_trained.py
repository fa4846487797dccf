"""Mutation gaps of rnnkit.tasks._tag_trained on a character tagger trained two steps: the probabilities of a
sentence read in pieces and of an empty one, the accuracy on unseen words where every word was seen, and a word
tagger whose vocab.json lost its spelling encoder's characters."""

from __future__ import annotations

import json
import random
from pathlib import Path

import pytest

import rnnkit
from rnnkit.cli import main
from rnnkit.errors import UserError
from rnnkit.tasks._tag_trained import _token_lists
from tests.test_tag import make_conll
from tests.test_tag_words import stems, write_slash

pytestmark = pytest.mark.usefixtures("one_torch_thread")


@pytest.fixture(scope="module")
def run(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    tmp = tmp_path_factory.mktemp("mut12c_tag")
    data = make_conll(tmp / "train.conll", 20, 0)
    assert main(["train", "tag", "--data", str(data), "--out", str(tmp / "run"), "--steps", "2", "--hidden", "4",
                 "--embedding", "4", "--no-progress", "--json"]) == 0
    return tmp / "run", data


def test_probabilities_of_a_long_sentence_cover_every_piece_and_an_empty_one_has_none(run: tuple[Path, Path]) -> None:
    m = rnnkit.load(run[0])
    whole = m.token_probabilities([list("ab 12!x")])[0]
    m.max_len = 3
    long, empty = m.token_probabilities([list("ab 12!x"), []])
    assert long.shape == whole.shape == (7, len(m.tags)) and empty.shape == (0, len(m.tags))


def test_no_unseen_words_is_no_accuracy_on_them(run: tuple[Path, Path]) -> None:
    report = rnnkit.load(run[0]).evaluate(str(run[1]))
    assert report["oov_count"] == 0 and report["oov_accuracy"] is None


def test_evaluate_a_side_of_the_split_scores_only_that_side(run: tuple[Path, Path]) -> None:
    m = rnnkit.load(run[0])
    whole, val, train = (m.evaluate(str(run[1]), split=s)["count"] for s in ("all", "val", "train"))
    assert 0 < val < whole and val + train == whole


def test_a_spelling_encoders_missing_or_fewer_characters_are_named(tmp_path: Path) -> None:
    data = write_slash(tmp_path / "train.txt", stems(random.Random(0), 6), 8, 0)
    out = tmp_path / "words"
    assert main(["train", "tag", "--data", str(data), "--out", str(out), "--steps", "1", "--hidden", "4",
                 "--embedding", "4", "--char-dim", "4", "--char-hidden", "4", "--no-progress", "--json"]) == 0
    vocab = out / "best" / "vocab.json"
    saved = json.loads(vocab.read_text(encoding="utf-8"))
    chars = saved["chars"]
    saved["chars"] = chars[:-1]
    vocab.write_text(json.dumps(saved), encoding="utf-8")
    with pytest.raises(UserError, match=rf"^{out / 'best'}: the spelling encoder's characters has \d+ entries, but "):
        rnnkit.load(out)
    del saved["chars"]
    vocab.write_text(json.dumps(saved), encoding="utf-8")
    with pytest.raises(UserError, match=rf"^{vocab}: missing field 'chars' \(the spelling encoder's characters\)$"):
        rnnkit.load(out)


def test_a_text_where_sentences_go_is_refused_by_its_type_though_empty() -> None:
    for text in ("", "john went"):
        with pytest.raises(TypeError, match=r"^tag takes a list of sentences, each a list of tokens .*, not str$"):
            _token_lists(text)
