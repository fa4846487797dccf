"""Mutation audit round 15: ``rnnkit train tag`` (``rnnkit.tasks.tag``) on files of a few sentences, one step."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from rnnkit.cli import main

pytestmark = pytest.mark.usefixtures("one_torch_thread")

TINY = ["--steps", "1", "--hidden", "4", "--embedding", "4", "--char-dim", "0", "--no-progress", "--json"]


def test_a_file_of_one_tag_is_refused(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    data = tmp_path / "one.txt"
    data.write_text("the/O cat/O\na/O dog/O\n", encoding="utf-8")
    val = tmp_path / "val.txt"  # not the training file, which is warned of
    val.write_text("a/O cat/O\n", encoding="utf-8")
    assert main(["train", "tag", "--data", str(data), "--val-data", str(val), "--out", str(tmp_path / "r"),
                 *TINY]) == 2
    assert capsys.readouterr().err == (f"rnnkit: error: {data}: only one tag ('O') in the training sentences; a "
                                       "tagger needs at least two\n")
    assert not (tmp_path / "r").exists()


def test_sentences_longer_than_max_len_train_on_their_first_tokens(tmp_path: Path,
                                                                   capsys: pytest.CaptureFixture[str]) -> None:
    data = tmp_path / "long.txt"
    data.write_text("the/D cat/N sat/V down/R\na/D dog/N ran/V off/R\n", encoding="utf-8")
    out = tmp_path / "r"
    assert main(["train", "tag", "--data", str(data), "--val-data", str(data), "--out", str(out), "--max-len", "2",
                 *TINY[:-1]]) == 0
    assert "tag: 2 training sentences (4 tokens), 2 validation" in capsys.readouterr().err
    assert json.loads((out / "best" / "config.json").read_text(encoding="utf-8"))["max_len"] == 2


def test_the_saved_characters_are_those_of_the_training_words(tmp_path: Path) -> None:
    data = tmp_path / "w.txt"
    data.write_text("the/D cat/N\na/D dog/N\n", encoding="utf-8")
    out = tmp_path / "r"
    assert main(["train", "tag", "--data", str(data), "--val-data", str(data), "--out", str(out),
                 "--steps", "1", "--hidden", "4", "--embedding", "4", "--char-dim", "2", "--char-hidden", "2",
                 "--no-progress", "--json"]) == 0
    chars = json.loads((out / "best" / "vocab.json").read_text(encoding="utf-8"))["chars"]
    assert sorted(chars) == sorted(set("thecatadog"))


def _metrics(out: Path) -> dict:
    return json.loads((out / "metrics.jsonl").read_text(encoding="utf-8").splitlines()[0])


def test_the_training_loss_is_the_mean_over_the_tokens(tmp_path: Path) -> None:
    """A step that barely moves the weights: its training loss on the sentences is their validation loss."""
    data = tmp_path / "w.txt"
    data.write_text("the/D cat/N sat/V\na/D dog/N\n", encoding="utf-8")
    out = tmp_path / "r"
    assert main(["train", "tag", "--data", str(data), "--val-data", str(data), "--out", str(out), "--lr", "1e-9",
                 "--dropout", "0", "--word-dropout", "0", *TINY]) == 0
    step = _metrics(out)
    assert step["train_loss"] == pytest.approx(step["val_loss"], rel=1e-4)


def test_word_dropout_changes_what_a_step_learns(tmp_path: Path) -> None:
    data = tmp_path / "w.txt"
    data.write_text("the/D cat/N sat/V\na/D dog/N\nthe/D dog/N sat/V\n", encoding="utf-8")
    losses = []
    for alpha in ("0", "50"):
        out = tmp_path / alpha
        assert main(["train", "tag", "--data", str(data), "--val-data", str(data), "--out", str(out),
                     "--dropout", "0", "--word-dropout", alpha, *TINY]) == 0
        losses.append(_metrics(out)["train_loss"])
    assert losses[0] != losses[1]


@pytest.mark.parametrize("tags", [("B-X", "O"), ("D", "N")])
def test_the_validation_scores_are_those_of_the_kept_model(tags: tuple[str, str], tmp_path: Path) -> None:
    """The step's validation accuracy and sentence accuracy are the tagger's own on the sentences; span F1 only
    for a tag set of spans."""
    import rnnkit

    sentences = [["the", "cat", "sat"], ["a", "dog"], ["one"]]
    gold = [[tags[0], tags[0], tags[1]], [tags[1], tags[1]], [tags[1]]]
    data = tmp_path / "w.txt"
    data.write_text("".join(" ".join(f"{w}/{t}" for w, t in zip(s, g, strict=True)) + "\n"
                            for s, g in zip(sentences, gold, strict=True)), encoding="utf-8")
    out = tmp_path / "r"
    assert main(["train", "tag", "--data", str(data), "--val-data", str(data), "--out", str(out), *TINY]) == 0
    predicted = rnnkit.load(out).predict(sentences)
    pairs = [(p, g) for ps, gs in zip(predicted, gold, strict=True) for p, g in zip(ps, gs, strict=True)]
    step = _metrics(out)
    assert step["val_accuracy"] == pytest.approx(sum(p == g for p, g in pairs) / len(pairs))
    assert step["val_accuracy"] != step["val_macro_f1"]  # the two scores apart, as these sentences have them
    assert step["val_sentence_accuracy"] == pytest.approx(sum(p == g for p, g in zip(predicted, gold, strict=True)) / 3)
    assert ("val_span_f1" in step) == (tags[0] == "B-X")


def test_keep_by_takes_the_sentence_accuracy(tmp_path: Path) -> None:
    data = tmp_path / "w.txt"
    data.write_text("the/D cat/N\na/D dog/N\n", encoding="utf-8")
    assert main(["train", "tag", "--data", str(data), "--val-data", str(data), "--out", str(tmp_path / "r"),
                 "--keep-by", "sentence_accuracy", *TINY]) == 0
