"""Mutation round 40: examples/korean_scam/call_to_verdict.py speaks only the first --n calls of --calls (walk52's
reading of --calls kept the cut)."""

from __future__ import annotations

import importlib.util
import json
from pathlib import Path

import pytest

SCRIPT = Path(__file__).resolve().parents[1] / "examples" / "korean_scam" / "call_to_verdict.py"


class Loaded(Exception):
    """Raised by the stand-in of rnnkit.load: the calls were spoken and the models are next."""


def test_only_the_first_n_calls_are_spoken(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    (tmp_path / "calls.csv").write_text("text,label\n하나,사기\n둘,정상\n셋,사기\n", encoding="utf-8")
    (tmp_path / "corpus.json").write_text(json.dumps({"voices": {"test": ["m1"]}}), encoding="utf-8")
    spec = importlib.util.spec_from_file_location("call_to_verdict_n", SCRIPT)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    said: list[str] = []
    monkeypatch.setattr(module, "speak", lambda text, *args, **kwargs: said.append(text))

    def load(path: str) -> None:
        raise Loaded

    monkeypatch.setattr(module.rnnkit, "load", load)
    monkeypatch.setattr("sys.argv", ["call_to_verdict.py", "--asr", "a", "--classifier", "c", "--calls",
                                     str(tmp_path / "calls.csv"), "--corpus", str(tmp_path), "--out",
                                     str(tmp_path / "out"), "--n", "2"])
    with pytest.raises(Loaded):
        module.main()
    assert said == ["하나", "둘"]
    assert (tmp_path / "out" / "manifest.tsv").read_text(encoding="utf-8").count("\n") == 3
