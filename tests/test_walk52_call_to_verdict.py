"""walk52: examples/korean_scam/call_to_verdict.py reads its --calls as rnnkit reads a classifier's data. Given a
user's own transcripts (Excel's BOM, a Korean header 내용,라벨, or CP949), it ended in a KeyError's or a
UnicodeDecodeError's traceback; now it takes --text-column/--label-column and refuses a bad file in one line."""

from __future__ import annotations

import importlib.util
import json
from pathlib import Path
from types import ModuleType

import pytest

SCRIPT = Path(__file__).resolve().parents[1] / "examples" / "korean_scam" / "call_to_verdict.py"
CALLS = "내용,라벨\r\n여보세요 금융감독원입니다,사기\r\n엄마 나 늦어,정상\r\n"


class Spoken(Exception):
    """Raised by the stand-in of espeak-ng: the first call was read and given to be spoken."""


def script(monkeypatch: pytest.MonkeyPatch, said: list[str]) -> ModuleType:
    spec = importlib.util.spec_from_file_location("call_to_verdict", SCRIPT)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)

    def speak(text: str, *args: object, **kwargs: object) -> None:
        said.append(text)
        raise Spoken

    monkeypatch.setattr(module, "speak", speak)
    return module


def run(monkeypatch: pytest.MonkeyPatch, tmp_path: Path, raw: bytes, *flags: str,
        said: list[str] | None = None) -> None:
    (tmp_path / "calls.csv").write_bytes(raw)
    (tmp_path / "corpus.json").write_text(json.dumps({"voices": {"test": ["m1"]}}), encoding="utf-8")
    monkeypatch.setattr("sys.argv", ["call_to_verdict.py", "--asr", "a", "--classifier", "c", "--calls",
                                     str(tmp_path / "calls.csv"), "--corpus", str(tmp_path), "--out",
                                     str(tmp_path / "out"), *flags])
    script(monkeypatch, [] if said is None else said).main()


def test_own_transcripts_with_a_bom_and_a_korean_header_are_read_by_their_columns(
        monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    said: list[str] = []
    with pytest.raises(Spoken):
        run(monkeypatch, tmp_path, ("\ufeff" + CALLS).encode(), "--text-column", "내용", "--label-column", "라벨",
            said=said)
    assert said == ["여보세요 금융감독원입니다"]


@pytest.mark.parametrize(("raw", "expected"), [
    (("\ufeff" + CALLS).encode(), "calls.csv:1: text column 'text' is missing; the file has '내용', '라벨'"),
    (CALLS.encode("cp949"), "calls.csv:1: not UTF-8 (byte 0xb3 at column 1, byte offset 0)")])
def test_a_file_it_cannot_read_is_refused_in_one_line(monkeypatch: pytest.MonkeyPatch, tmp_path: Path,
                                                      capsys: pytest.CaptureFixture[str], raw: bytes,
                                                      expected: str) -> None:
    with pytest.raises(SystemExit) as exc:
        run(monkeypatch, tmp_path, raw)
    assert exc.value.code == 2
    err = capsys.readouterr().err
    assert err.startswith("call_to_verdict.py: error: ") and expected in err and err.count("\n") == 1
