"""``rnnkit evaluate`` of a captioner gave exact match and BLEU only, and its warning of a BLEU of 0 for short
captions said 'chrF and exact match score them' of a chrF it did not report; captions in a language written in few
words (Korean) are what chrF, on characters, scores and BLEU, on 4-grams of words, does not. It now gives sacrebleu's
multi-reference corpus chrF beside BLEU, the same figure as sacrebleu's on the same strings."""

from __future__ import annotations

import argparse
from pathlib import Path
from types import SimpleNamespace

import pytest
import sacrebleu
from PIL import Image

from rnnkit.tasks import _caption_verbs as verbs
from rnnkit.tasks._caption_trained import ImageCaptioner

HYPS = ["빨간 원 위에 파란 네모", "a red circle on blue", "a green square"]
REFS = [["빨간 원 위에 파란 네모", "빨간 원"], ["a red circle on green"], ["a green square on red", "green square"]]


def _evaluated(tmp_path: Path) -> dict[str, object]:
    lines = []
    for i, refs in enumerate(REFS):
        Image.new("RGB", (4, 4), (i * 60, 0, 0)).save(tmp_path / f"{i}.png")
        lines += [f"{i}.png\t{r}\n" for r in refs]
    (tmp_path / "captions.tsv").write_text("".join(lines), encoding="utf-8")
    cap = ImageCaptioner.__new__(ImageCaptioner)  # the model's captions given: what evaluate makes of them
    cap.checkpoints = [SimpleNamespace(path=Path("m"))]
    cap.caption = lambda images, beam=1: HYPS  # type: ignore[method-assign]
    return cap.evaluate(tmp_path)


def test_evaluate_gives_sacrebleus_multi_reference_chrf(tmp_path: Path) -> None:
    result = _evaluated(tmp_path)
    streams = [[refs[k] if k < len(refs) else None for refs in REFS] for k in range(2)]
    assert result["chrf"] == pytest.approx(sacrebleu.corpus_chrf(HYPS, streams).score)
    assert result["bleu"] == pytest.approx(sacrebleu.corpus_bleu(HYPS, streams).score)
    assert result["exact_match"] == pytest.approx(1 / 3)


def test_the_command_says_it(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    result = _evaluated(tmp_path)
    cap = SimpleNamespace(evaluate=lambda folder, beam: {**result, "beam": beam})
    args = argparse.Namespace(data=str(tmp_path), beam=1, json=False, ensemble=None)
    assert verbs._evaluate_command(cap, args) == 0  # type: ignore[arg-type]
    assert capsys.readouterr().out == (f"3 images, beam 1: exact match 0.3333, BLEU {result['bleu']:.2f}, "
                                       f"chrF {result['chrf']:.2f}\n")
