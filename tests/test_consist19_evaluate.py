"""What `rnnkit evaluate DIR --json` names alike for every task: how many items were scored, as `count`
(cross-task consistency, round 19)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from rnnkit.cli import main
from tests import test_faults as faults

pytestmark = pytest.mark.usefixtures("one_torch_thread")
tiny_speech_corpus = faults._tiny_speech_corpus


@pytest.fixture(scope="module")
def runs(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """A tiny model of each task that writes sequences, and data it is evaluated on."""
    root = tmp_path_factory.mktemp("runs")
    small = ["--steps", "1", "--no-progress", "--hidden", "4", "--embedding", "4", "--batch-size", "4"]
    assert main(["data", "dates", "--out", str(root / "pairs.tsv"), "--pairs", "12"]) == 0
    assert main(["train", "seq2seq", "--data", str(root / "pairs.tsv"), "--out", str(root / "seq2seq"), *small,
                 "--eval-sentences", "1"]) == 0
    corpus = tiny_speech_corpus(root / "speech-data")
    assert main(["train", "speech", "--data", str(corpus), "--out", str(root / "speech"), "--steps", "1",
                 "--no-progress", "--hidden", "4", "--layers", "1", "--n-mels", "8", "--val-fraction", "0.25"]) == 0
    assert main(["data", "shapes", "--out", str(root / "shapes"), "--images", "12"]) == 0
    assert main(["train", "caption", "--data", str(root / "shapes"), "--out", str(root / "caption"), *small,
                 "--channels", "4", "--image-size", "16", "--eval-images", "1"]) == 0
    return {"seq2seq": root / "seq2seq", "speech": root / "speech", "caption": root / "caption",
            "seq2seq data": root / "pairs.tsv", "speech data": corpus, "caption data": root / "shapes" / "test"}


@pytest.mark.parametrize(("task", "noun", "items"), [("seq2seq", "pairs", 12), ("speech", "utterances", 4),
                                                     ("caption", "images", 1)])
def test_evaluate_json_counts_the_items_as_count(runs: dict[str, Path], capsys, task: str, noun: str,
                                                  items: int) -> None:
    """classify's and tag's `evaluate --json` say how many items were scored as `count`; seq2seq's said it only
    as `pairs`, speech's as `utterances` and caption's as `images`, so a script reading the count of any
    evaluation had to know each task's noun."""
    capsys.readouterr()
    assert main(["evaluate", str(runs[task]), "--data", str(runs[f"{task} data"]), "--json"]) == 0
    got = json.loads(capsys.readouterr().out.splitlines()[-1])
    assert got["count"] == got[noun] == items


def one_utterance(corpus: Path, folder: Path) -> Path:
    folder.mkdir()
    (folder / "0.wav").write_bytes((corpus / "wav" / "0.wav").read_bytes())
    (folder / "manifest.tsv").write_text("audio\ttext\tphonemes\n0.wav\tw0\ta b0\n", encoding="utf-8")
    return folder


def test_evaluate_of_one_item_says_it_in_the_singular(runs: dict[str, Path], tmp_path: Path, capsys) -> None:
    """`rnnkit evaluate` of one item said '1 pairs', '1 utterances', '1 images', '(1 texts)' and '(1 tokens)',
    where `rnnkit score` of one pair says '1 pair' and every other count rnnkit prints is singular for one."""
    (tmp_path / "one.tsv").write_text("3 March 1999\t1999-03-03\n", encoding="utf-8")
    speech = one_utterance(runs["speech data"], tmp_path / "speech")
    for task, data, start in [("seq2seq", tmp_path / "one.tsv", "1 pair, beam 1: "),
                              ("speech", speech, "1 utterance, beam 1: "),
                              ("caption", runs["caption data"], "1 image, beam 1: ")]:
        capsys.readouterr()
        assert main(["evaluate", str(runs[task]), "--data", str(data)]) == 0
        assert capsys.readouterr().out.startswith(start), task


def test_a_classification_report_of_one_item_says_it_in_the_singular() -> None:
    import torch

    from rnnkit.metrics import classification_report, format_report
    from rnnkit.multilabel import format_multilabel_report, multilabel_report

    assert format_report(classification_report([0], [0], ["a"]), "tokens").splitlines()[0] == (
        "accuracy 1.0000  macro-F1 1.0000  (1 token)")
    assert format_report(classification_report([0, 0], [0, 0], ["a"]), "texts").splitlines()[0].endswith("(2 texts)")
    line = format_multilabel_report(multilabel_report([[1]], torch.tensor([[0.9]]), ["a"]), "texts").splitlines()[0]
    assert line.endswith("(threshold 0.5; 1 text, 1 label, 1 predicted)")
