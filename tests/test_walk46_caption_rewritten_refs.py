"""``rnnkit evaluate`` of a captioner scores each reference caption as the captioner writes words (lower-cased,
punctuation split off), so sacrebleu run on the same captions and the file's own references ('A red circle on
blue.') gave another BLEU, with no word of why. It now warns, as the translator's evaluation does, counting the
references rewritten and showing one; the scores are unchanged."""

from __future__ import annotations

from pathlib import Path
from types import SimpleNamespace

import pytest
from PIL import Image

from rnnkit.tasks._caption_trained import ImageCaptioner


def _captioner(captions: list[str]) -> ImageCaptioner:
    cap = ImageCaptioner.__new__(ImageCaptioner)  # the model's captions given: what evaluate makes of them
    cap.checkpoints = [SimpleNamespace(path=Path("m"))]
    cap.caption = lambda images, beam=1: captions[:len(images)]  # type: ignore[method-assign]
    return cap


def _folder(tmp_path: Path, lines: str) -> Path:
    for name in ("a.png", "b.png"):
        Image.new("RGB", (4, 4), "red").save(tmp_path / name)
    (tmp_path / "captions.tsv").write_text(lines, encoding="utf-8")
    return tmp_path


def test_references_scored_otherwise_than_written_are_warned_of(tmp_path: Path) -> None:
    data = _folder(tmp_path, "a.png\tA red circle on blue.\na.png\ta red circle\nb.png\t빨간 원 위에 파란 네모\n")
    with pytest.warns(UserWarning) as caught:
        result = _captioner(["a red circle on blue .", "빨간 원 위에 파란 네모"]).evaluate(data)
    assert result["exact_match"] == 1.0
    said = [str(w.message) for w in caught]
    assert said == ["1 of 3 references were scored as the model's word tokens write them (lower-cased and split at "
                    "punctuation, e.g. 'A red circle on blue.' as 'a red circle on blue .'), not as the file has them: "
                    "sacrebleu on the file's references can score the same captions otherwise"]


def test_references_as_written_are_not(tmp_path: Path, recwarn: pytest.WarningsRecorder) -> None:
    data = _folder(tmp_path, "a.png\ta red circle on blue\nb.png\ta blue square on red\n")
    assert _captioner(["a red circle on blue", "a blue square"]).evaluate(data)["exact_match"] == 0.5
    assert [str(w.message) for w in recwarn] == []
