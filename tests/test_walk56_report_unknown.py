"""``rnnkit report RUN --text FILE`` of a char LM on a text it knows none of said 'Mean 0.000 nats (0.000 bits) per
character', a perfect score, and named no unknown character (sample and score name them). The loss paragraph now
says the model knows none of them, and otherwise how many it left unscored beside the mean; the --text's unknown
characters are named in a warning. The judge of the mean and the count is ``CharLM.score`` of the same text."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

import rnnkit
from rnnkit.cli import main

pytestmark = pytest.mark.usefixtures("one_torch_thread")


@pytest.fixture(scope="module")
def run(tmp_path_factory: pytest.TempPathFactory) -> Path:
    tmp = tmp_path_factory.mktemp("lm")
    data = tmp / "c.txt"
    data.write_text("the cat sat on the mat\n" * 20, encoding="utf-8")
    out = tmp / "lm"
    assert main(["train", "charlm", "--data", str(data), "--out", str(out), "--steps", "1", "--hidden", "8",
                 "--embed-dim", "4", "--seq-len", "8", "--batch-size", "2", "--no-progress", "--json"]) == 0
    return out


def _loss_paragraph(run: Path, text: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> tuple[str, str]:
    page = tmp_path / "page.html"
    assert main(["report", str(run), "--text", str(text), "--output", str(page)]) == 0
    html = page.read_text(encoding="utf-8")
    said = re.search(r'<p>([^<]*)</p><div class="text" id="loss-text">', html)
    assert said is not None
    return said.group(1), capsys.readouterr().err


def test_a_text_of_unknown_characters_is_not_a_perfect_score(run: Path, tmp_path: Path, capsys) -> None:
    text = tmp_path / "other.txt"
    text.write_text("xyzzy!", encoding="utf-8")
    said, err = _loss_paragraph(run, text, tmp_path, capsys)
    assert rnnkit.load(run).score("xyzzy!")["chars"] == 0  # the judge: nothing of it is known
    assert "Mean" not in said and said == "The model knows none of the characters of this text, so none is coloured " \
                                          "by its loss."
    assert "unknown to the model" in err and "'x'" in err


def test_the_mean_and_the_unscored_count_are_those_of_score(run: Path, tmp_path: Path, capsys) -> None:
    body = "the bat sat on the kit\n"  # b, k and i unknown
    text = tmp_path / "some.txt"
    text.write_text(body, encoding="utf-8")
    said, err = _loss_paragraph(run, text, tmp_path, capsys)
    want = rnnkit.load(run).score(body)
    mean = float(re.search(r"Mean ([0-9.]+) nats", said).group(1))
    assert abs(mean - want["nats_per_char"]) < 6e-4
    assert len(body) - want["chars"] == 3 and said.endswith(" 3 characters unknown to the model not scored.")
    assert "'b'" in err and "'k'" in err
