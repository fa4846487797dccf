"""``rnnkit translate``, ``evaluate`` and ``data dates`` from the command line: what each refuses and what each
line says (mutation audit round 14)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from rnnkit.cli import main

pytestmark = pytest.mark.usefixtures("one_torch_thread")


@pytest.fixture(scope="module")
def run(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """A tiny word-level translator with attention (its pairs file, its run)."""
    tmp = tmp_path_factory.mktemp("verbs")
    data = tmp / "pairs.tsv"
    data.write_text("".join(f"a b{' c' * (i % 3)}\tx y{' z' * (i % 2)}\n" for i in range(16)), encoding="utf-8")
    out = tmp / "run"
    assert main(["train", "seq2seq", "--data", str(data), "--out", str(out), "--tokenizer", "word", "--hidden", "8",
                 "--embedding", "8", "--batch-size", "8", "--steps", "2", "--eval-every", "2", "--eval-sentences", "1",
                 "--no-progress", "--save-minutes", "0", "--val-fraction", "0.25"]) == 0
    return data, out


def test_texts_and_a_file_together_are_refused(run: tuple[Path, Path], tmp_path: Path,
                                               capsys: pytest.CaptureFixture[str]) -> None:
    _, out = run
    sources = tmp_path / "src.txt"
    sources.write_text("a b\n", encoding="utf-8")
    capsys.readouterr()
    assert main(["translate", str(out), "a b", "--file", str(sources)]) == 2
    assert "give either TEXT arguments or --file FILE (not both, not neither)" in capsys.readouterr().err


@pytest.mark.parametrize("flag", ["--output", "--attention-png"])
def test_an_output_inside_the_run_is_refused_before_translating(run: tuple[Path, Path], flag: str,
                                                                capsys: pytest.CaptureFixture[str]) -> None:
    """A new file in OUT/last/ would be thrown away by the next save of a resumed run: refused naming the flag."""
    _, out = run
    given = out / "last" / "new.png"
    capsys.readouterr()
    assert main(["translate", str(out), "a b", flag, str(given)]) == 2
    assert capsys.readouterr().err.startswith(f"rnnkit: error: {flag} {given}: is inside the run's resume checkpoint")
    assert not given.exists()


def test_the_picture_is_the_first_translations_and_names_the_attention(run: tuple[Path, Path], tmp_path: Path,
                                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    _, out = run
    drawn: list[tuple[list[str], str]] = []
    monkeypatch.setattr("rnnkit.plots.attention_png",
                        lambda weights, source, target, path, *, title: drawn.append((list(source), title)))
    assert main(["translate", str(out), "a b c", "b", "--attention-png", str(tmp_path / "a.png")]) == 0
    assert len(drawn) == 1
    source, title = drawn[0]
    assert [t for t in source if t in ("a", "b", "c")] == ["a", "b", "c"]
    assert title == "attention (bahdanau)"


def test_the_evaluate_line_names_each_setting_changed_once(run: tuple[Path, Path],
                                                           capsys: pytest.CaptureFixture[str]) -> None:
    """The beam is said once (it leads the line), a switch turned on is 'on', each score is a number, and sacreBLEU's
    signatures follow."""
    data, out = run
    capsys.readouterr()
    assert main(["evaluate", str(out), "--data", str(data), "--beam", "2", "--replace-unk", "--min-len", "1"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[0].startswith("16 pairs, beam 2, replace unk on, min len 1: BLEU "), lines
    assert lines[0].count("beam") == 1
    assert re.search(r": BLEU \d+\.\d\d, chrF \d+\.\d\d, exact match \d\.\d{4}$", lines[0]), lines
    assert lines[1].startswith("sacreBLEU signatures: BLEU "), lines


@pytest.mark.parametrize("pairs", ["0", "-3"])
def test_data_dates_refuses_no_pairs_and_writes_nothing(pairs: str, tmp_path: Path,
                                                        capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "dates.tsv"
    assert main(["data", "dates", "--out", str(out), "--pairs", pairs]) == 2
    assert f"--pairs {pairs}: expected a positive integer" in capsys.readouterr().err
    assert not out.exists()
