"""``return_attention=True`` of a model without attention is refused, as ``--attention-png`` is: ``rnnkit translate
--attention-png`` and ``rnnkit caption --attention-png`` say there is nothing to draw, while ``translate(...,
return_attention=True)`` and ``caption(..., return_attention=True)`` gave ``"attention": []`` without a word, which a
caller's plot then drew as nothing."""

from __future__ import annotations

from pathlib import Path

import pytest

import rnnkit
from rnnkit.cli import main
from rnnkit.errors import SettingError
from tests import test_mut16b_caption_verbs as captions
from tests import test_translate_sampling as sampling

pytestmark = pytest.mark.usefixtures("one_torch_thread")

translator_dir = sampling.translator_dir
plain = captions.plain


@pytest.fixture(scope="module")
def unattended_translator(tmp_path_factory: pytest.TempPathFactory) -> Path:
    tmp = tmp_path_factory.mktemp("unattended")
    data, out = tmp / "pairs.tsv", tmp / "run"
    data.write_text("".join(f"ab{'c' * (i % 3)}\txy{'z' * (i % 4)}\n" for i in range(30)), encoding="utf-8")
    assert main(["train", "seq2seq", "--data", str(data), "--out", str(out), "--hidden", "8", "--embedding", "8",
                 "--batch-size", "8", "--steps", "2", "--eval-sentences", "1", "--no-progress", "--save-minutes", "0",
                 "--attention", "none"]) == 0
    return out


def test_a_translator_without_attention_refuses_to_return_it(unattended_translator: Path) -> None:
    tr = rnnkit.load(unattended_translator)
    with pytest.raises(SettingError, match=r"^return_attention True: .* was trained with attention none; there is no "
                                           r"attention to return$"):
        tr.translate("abc", return_attention=True)
    assert isinstance(tr.translate("abc"), str)


def test_a_captioner_without_attention_refuses_to_return_it(plain: tuple[Path, Path]) -> None:
    model, folder = plain
    cap = rnnkit.load(model)
    image = str(sorted(folder.glob("*.png"))[0])
    with pytest.raises(SettingError, match=r"^return_attention True: .* was trained without attention; there is no "
                                           r"attention to return$"):
        cap.caption(image, return_attention=True)
    assert isinstance(cap.caption(image, beam=2), str)


def test_a_model_with_attention_returns_a_row_a_token(translator_dir: Path,
                                                      unattended_translator: Path) -> None:
    tr = rnnkit.load(translator_dir)
    result = tr.translate("abc", return_attention=True)
    assert len(result["attention"]) == len(result["target_tokens"])
    joined = tr.ensemble(unattended_translator)  # an ensemble attends where one of its models does
    assert joined.translate("abc", return_attention=True)["attention"]


def test_the_captioners_command_line_still_prints_scores(plain: tuple[Path, Path],
                                                         capsys: pytest.CaptureFixture[str]) -> None:
    model, folder = plain
    image = str(sorted(folder.glob("*.png"))[0])
    capsys.readouterr()
    assert main(["caption", str(model), image, "--beam", "2", "--n-best", "2"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert len(lines) == 2 and all(line.startswith(f"{image}\t") for line in lines)
