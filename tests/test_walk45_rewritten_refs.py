"""``rnnkit evaluate`` says when it scored references other than as the file has them. Each reference is compared
as the model's target tokens would write it (NFC-normalised; word tokens split at punctuation, ``well-known`` as
``well - known``), so that a model writing a reference word for word scores as exact; but the scores came under
sacreBLEU's signatures with no word of it, and sacrebleu run on the same translations and the file's references
gave another BLEU and chrF (docs/TRANSLATE.md said it, the run did not). A warning now counts the references
rewritten and shows one; the scores are unchanged."""

from __future__ import annotations

import unicodedata
import warnings
from pathlib import Path

import pytest

import rnnkit
from rnnkit.cli import main
from rnnkit.errors import RnnkitWarning
from rnnkit.tasks._translate_trained import Translator

pytestmark = pytest.mark.usefixtures("one_torch_thread")

PAIRS = [("a b", "x y."), ("b a", "y x."), ("a a", "x x"), ("b b", "y y")]


def _train(root: Path, tokenizer: str) -> Translator:
    data = root / "pairs.tsv"
    data.write_text("".join(f"{s}\t{t}\n" for s, t in PAIRS), encoding="utf-8")
    out = root / tokenizer
    assert main(["train", "seq2seq", "--data", str(data), "--out", str(out), "--tokenizer", tokenizer, "--hidden",
                 "4", "--embedding", "4", "--steps", "1", "--val-fraction", "0", "--no-progress", "--threads", "1",
                 "--save-minutes", "0"]) == 0
    return rnnkit.load(out)


def _said(call) -> list[str]:
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        call()
    return [str(w.message) for w in caught if issubclass(w.category, RnnkitWarning) and "references" in str(w.message)]


def test_word_references_split_at_punctuation_are_said(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    tr = _train(tmp_path, "word")
    test = tmp_path / "test.tsv"
    test.write_text("a b\tx y.\nb a\tx-y y\n", encoding="utf-8")
    assert main(["evaluate", str(tmp_path / "word"), "--data", str(test)]) == 0
    err = capsys.readouterr().err
    assert ("rnnkit: warning: 1 of 2 references were scored as the model's word tokens write them (split at "
            "punctuation, e.g. 'x-y y' as 'x - y y'), not as the file has them: sacrebleu on the file's references "
            "can score the same translations otherwise") in err, err
    assert _said(lambda: tr.evaluate([("a b", "x y y"), ("b a", "y x")])) == []  # nothing to rewrite


def test_decomposed_references_are_said(tmp_path: Path) -> None:
    tr = _train(tmp_path, "char")
    nfd = unicodedata.normalize("NFD", "한")
    said = _said(lambda: tr.evaluate([("a b", nfd), ("b a", "y x.")]))
    assert said == ["1 of 2 references were scored as the model's char tokens write them (NFC-normalised: characters "
                    "typed decomposed, as a Mac types Hangul and accents, composed), not as the file has them: "
                    "sacrebleu on the file's references can score the same translations otherwise"]
    assert _said(lambda: tr.evaluate([("a b", "한"), ("b a", "y x.")])) == []
