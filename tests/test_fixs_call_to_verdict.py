"""fixs: examples/korean_scam/call_to_verdict.py given a --corpus without its corpus.json (a typo, the folder of
another corpus), or one that names no test voices, ended in a FileNotFoundError's or a KeyError's traceback; it is
one line naming what is missing, exit status 2, before any call is spoken. A missing model folder was and is one
line (rnnkit.load's)."""

from __future__ import annotations

import importlib.util
import json
from pathlib import Path

import pytest

SCRIPT = Path(__file__).resolve().parents[1] / "examples" / "korean_scam" / "call_to_verdict.py"
WANTED = "expected the --corpus folder of `rnnkit data speech`, whose corpus.json names the test voices"


def _run(monkeypatch: pytest.MonkeyPatch, tmp_path: Path, corpus: Path, said: list[str], asr: str = "a") -> int:
    (tmp_path / "calls.csv").write_text("text,label\n여보세요,사기\n", encoding="utf-8")
    spec = importlib.util.spec_from_file_location("call_to_verdict_fixs", SCRIPT)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    monkeypatch.setattr(module, "speak", lambda text, *args, **kwargs: said.append(text))  # espeak-ng's stand-in
    monkeypatch.setattr("sys.argv", ["call_to_verdict.py", "--asr", asr, "--classifier", str(tmp_path / "c"),
                                     "--calls", str(tmp_path / "calls.csv"), "--corpus", str(corpus), "--out",
                                     str(tmp_path / "out")])
    with pytest.raises(SystemExit) as exc:
        module.main()
    return exc.value.code


@pytest.mark.parametrize(("make", "expected"), [
    (None, "{corpus}: no such folder; " + WANTED),
    ({}, "{corpus}/corpus.json: no such file; " + WANTED),
    ({"language": "ko"}, "{corpus}/corpus.json: no list of test voices in it (KeyError: 'voices'); " + WANTED),
    ({"voices": {"test": []}}, "{corpus}/corpus.json: voices.test is []; " + WANTED)])
def test_a_corpus_without_test_voices_is_one_line(monkeypatch: pytest.MonkeyPatch, tmp_path: Path,
                                                   capsys: pytest.CaptureFixture[str], make: dict | None,
                                                   expected: str) -> None:
    corpus = tmp_path / "corpus"
    if make is not None:
        corpus.mkdir()
        if make:
            (corpus / "corpus.json").write_text(json.dumps(make), encoding="utf-8")
    said: list[str] = []
    assert _run(monkeypatch, tmp_path, corpus, said) == 2
    assert capsys.readouterr().err == f"call_to_verdict.py: error: {expected.format(corpus=corpus)}\n"
    assert said == []


def test_a_missing_model_folder_is_one_line(monkeypatch: pytest.MonkeyPatch, tmp_path: Path,
                                             capsys: pytest.CaptureFixture[str]) -> None:
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    (corpus / "corpus.json").write_text(json.dumps({"voices": {"test": ["m1"]}}), encoding="utf-8")
    said: list[str] = []
    asr = str(tmp_path / "no-asr")
    assert _run(monkeypatch, tmp_path, corpus, said, asr) == 2
    assert capsys.readouterr().err == (f"call_to_verdict.py: error: {asr}: no such directory; expected a model "
                                       "directory written by rnnkit.fit\n")
    assert said == ["여보세요"]
