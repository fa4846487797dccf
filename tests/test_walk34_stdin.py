"""`rnnkit transcribe ... | rnnkit predict DIR --file -`, the chain from a call's recording to a verdict: an empty
line (a recording heard as nothing) and a line of `transcribe --json` are said, not read silently."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import pytest

from rnnkit.cli import main

pytestmark = pytest.mark.usefixtures("one_torch_thread")


@pytest.fixture(scope="module")
def detector(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A tiny scam classifier (a few steps: what it predicts is not the point)."""
    tmp = tmp_path_factory.mktemp("walk34")
    data = tmp / "calls.csv"
    with open(data, "w", encoding="utf-8", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(["text", "label"])
        for i in range(20):
            scam = i % 2 == 1
            w.writerow(["안전계좌로 이체 OTP 번호" if scam else "택배 문 앞에 두었어요", "scam" if scam else "normal"])
    out = tmp / "run"
    assert main(["train", "classify", "--data", str(data), "--out", str(out), "--steps", "2", "--hidden", "8",
                 "--embedding", "8", "--no-progress"]) == 0
    return out


def predict_stdin(detector: Path, text: str, capsys: pytest.CaptureFixture[str],
                  monkeypatch: pytest.MonkeyPatch) -> tuple[list[str], str]:
    capsys.readouterr()
    monkeypatch.setattr("sys.stdin", io.StringIO(text))
    assert main(["predict", str(detector), "--file", "-"]) == 0
    captured = capsys.readouterr()
    return captured.out.splitlines(), captured.err


def test_an_empty_line_among_the_texts_is_named(detector: Path, capsys: pytest.CaptureFixture[str],
                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    lines, err = predict_stdin(detector, "안녕하세요 OTP 불러주세요\n\n택배입니다\n\n", capsys, monkeypatch)
    assert [line.split("\t")[-1] for line in lines] == ["안녕하세요 OTP 불러주세요", "택배입니다"]
    assert "--file -: 1 empty line of standard input left out (line 2)" in err
    assert "a line for each of the 2 texts, not one for each input line" in err


def test_empty_lines_only_at_the_end_are_no_news(detector: Path, capsys: pytest.CaptureFixture[str],
                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    lines, err = predict_stdin(detector, "택배입니다\r\n\r\n\r\n", capsys, monkeypatch)
    assert len(lines) == 1 and "warning" not in err


def test_a_line_of_transcribe_json_is_named(detector: Path, capsys: pytest.CaptureFixture[str],
                                            monkeypatch: pytest.MonkeyPatch) -> None:
    line = json.dumps({"file": "calls/보이스피싱 1.WAV", "text": "안전계좌로 이체"}, ensure_ascii=False)
    lines, err = predict_stdin(detector, line + "\n", capsys, monkeypatch)
    assert len(lines) == 1
    assert 'line 1 is a JSON object with a "text" field' in err and "--file FILE.jsonl" in err
    _, err = predict_stdin(detector, "{not json} 안전계좌로 이체\n", capsys, monkeypatch)
    assert "warning" not in err
