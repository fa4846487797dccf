"""``rnnkit evaluate`` of a translator whose targets are short says why BLEU is 0. Numbers in Korean written
without spaces (``이십삼``) are one sacreBLEU 13a token each, and BLEU multiplies the precisions of 1- to 4-grams,
so a model that wrote all 80 test targets exactly printed ``BLEU 0.00, chrF 100.00, exact match 1.0000`` with no
word of why: it read as a bug in the scoring. The score stays sacreBLEU's (the same number as
``sacrebleu.corpus_bleu``); a warning now says that outputs of fewer than 4 tokens score 0 however right."""

from __future__ import annotations

import warnings
from pathlib import Path

import pytest

import rnnkit
from rnnkit.cli import main
from rnnkit.errors import RnnkitWarning
from rnnkit.tasks._translate_trained import Translator

pytestmark = pytest.mark.usefixtures("one_torch_thread")

SHORT = [("twenty three", "이십삼"), ("one hundred", "백"), ("five", "오"), ("forty two", "사십이")]
LONG = [("a b c d", "w x y z"), ("b c d a", "x y z w"), ("c d a b", "y z w x"), ("d a b c", "z w x y")]


@pytest.fixture(scope="module")
def translator(tmp_path_factory: pytest.TempPathFactory) -> Translator:
    root = tmp_path_factory.mktemp("short_bleu")
    data = root / "pairs.tsv"
    data.write_text("".join(f"{s}\t{t}\n" for s, t in SHORT + LONG), encoding="utf-8")
    assert main(["train", "seq2seq", "--data", str(data), "--out", str(root / "run"), "--hidden", "4",
                 "--embedding", "4", "--steps", "1", "--val-fraction", "0", "--no-progress", "--threads", "1",
                 "--save-minutes", "0"]) == 0
    return rnnkit.load(root / "run")


def _perfect(tr: Translator, pairs: list[tuple[str, str]], monkeypatch: pytest.MonkeyPatch) -> None:
    """Make the model write every reference exactly (what a well-trained model does)."""
    targets = {s: t for s, t in pairs}
    monkeypatch.setattr(type(tr), "_translate", lambda self, texts, d, n: [targets[s] for s in texts])


def test_exact_short_translations_say_why_bleu_is_zero(translator: Translator,
                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    _perfect(translator, SHORT, monkeypatch)
    with pytest.warns(RnnkitWarning, match="BLEU is 0 because no translation is 4 tokens long") as caught:
        result = translator.evaluate(SHORT)
    assert (result["bleu"], result["chrf"], result["exact_match"]) == (0.0, 100.0, 1.0)
    assert "chrF and exact match" in str(caught[0].message)


def test_the_cli_says_it_on_stderr(translator: Translator, monkeypatch: pytest.MonkeyPatch, tmp_path: Path,
                                   capsys: pytest.CaptureFixture[str]) -> None:
    _perfect(translator, SHORT, monkeypatch)
    test = tmp_path / "test.tsv"
    test.write_text("".join(f"{s}\t{t}\n" for s, t in SHORT), encoding="utf-8")
    assert main(["evaluate", str(translator.checkpoint.path.parent), "--data", str(test)]) == 0
    out, err = capsys.readouterr()
    assert "BLEU 0.00, chrF 100.00, exact match 1.0000" in out
    assert "rnnkit: warning: BLEU is 0 because no translation is 4 tokens long" in err


def test_long_enough_outputs_are_not_warned(translator: Translator, monkeypatch: pytest.MonkeyPatch) -> None:
    """Outputs of 4 tokens that score 0 have a BLEU that means something (no 4-gram matched): no warning."""
    _perfect(translator, [(s, "q r s t") for s, _ in LONG], monkeypatch)

    with warnings.catch_warnings():
        warnings.simplefilter("error", RnnkitWarning)
        assert translator.evaluate(LONG)["bleu"] == 0.0
    _perfect(translator, LONG, monkeypatch)
    with warnings.catch_warnings():
        warnings.simplefilter("error", RnnkitWarning)
        assert translator.evaluate(LONG)["bleu"] == pytest.approx(100.0)
