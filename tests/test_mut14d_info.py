"""``rnnkit info DIR``: the vocabulary sizes it reads and the rows it writes (mutation audit round 14)."""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

import pytest

import rnnkit
from rnnkit.data.tokenize import build_tokenizer
from rnnkit.tasks import info

pytestmark = pytest.mark.usefixtures("one_torch_thread")


@pytest.fixture(scope="module")
def trained(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A tiny character model of 2 steps (its best/ and its last/)."""
    tmp = tmp_path_factory.mktemp("info")
    (tmp / "t.txt").write_text("the cat sat on the mat\n" * 40, encoding="utf-8")
    rnnkit.fit("charlm", data=str(tmp / "t.txt"), out=tmp / "run", hidden=4, seq_len=8, batch_size=4, steps=2,
               eval_every=2, verbose=False, progress=False)
    return tmp / "run"


@pytest.fixture
def run(trained: Path, tmp_path: Path) -> Path:
    """A copy of the run that a test may damage."""
    return Path(shutil.copytree(trained, tmp_path / "run"))


def test_resumable_is_the_step_of_the_runs_last_folder(run: Path) -> None:
    state = json.loads((run / "last" / "trainer_state.json").read_text(encoding="utf-8"))
    state["step"] = 7
    (run / "last" / "trainer_state.json").write_text(json.dumps(state), encoding="utf-8")
    for path in (run, run / "best"):
        found = info.model_info(path)
        assert found["resumable_step"] == 7 and found["steps"] == 2 and found["vocab_size"] > 2


@pytest.mark.parametrize("state", [b'{"step": "7"}', b'{"step": 7.0}', b"[7]", b'{"step": "\xff"}', b"\xff\xfe",
                                   b"{"])
def test_a_damaged_last_state_offers_no_resume_and_is_no_error(run: Path, state: bytes) -> None:
    (run / "last" / "trainer_state.json").write_bytes(state)
    assert "resumable_step" not in info.model_info(run / "best")


def test_a_vocabulary_of_no_known_kind_has_no_size(run: Path) -> None:
    for folder in ("best", "last"):
        (run / folder / "vocab.json").write_text('{"type": "nonsense"}', encoding="utf-8")
    assert "vocab_size" not in info.model_info(run / "best")  # and so no row of None


def test_the_vocabulary_size_of_each_kind_of_vocab_json() -> None:
    chars = build_tokenizer("char", ["abc", "abd"]).to_json()  # 4 symbols and 2 specials
    assert info.vocabulary_size(chars) == 6
    words = build_tokenizer("word", ["x y", "x z"]).to_json()
    n_words = info.vocabulary_size(words)
    assert isinstance(n_words, int)
    assert info.vocabulary_size({"source": chars, "target": words}) == {"source": 6, "target": n_words}
    assert info.vocabulary_size({"source": chars, "target": {"type": "nonsense"}}) is None
    assert info.vocabulary_size({"symbols": ["a", "b"], "jamo": False}) == 3  # a recogniser's: and the CTC blank
    assert info.vocabulary_size({"type": "nonsense"}) is None
    for damaged in ([chars], "char", 3, None):
        assert info.vocabulary_size(damaged) is None


def _rows(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], **found: Any) -> list[str]:
    base: dict[str, Any] = {"path": "runs/x/best", "task": "classify", "parameters": 1234567,
                            "config": {"task": "classify"}, "steps": 3, "seconds": 2.0, "tokens": None,
                            "metric": "accuracy", "best_metric": None, "best_step": None}
    base.update(found)
    monkeypatch.setattr(info, "model_info", lambda path: base)
    capsys.readouterr()
    assert info._info_command(type("Args", (), {"dir": "x", "json": False})()) == 0
    return capsys.readouterr().out.splitlines()


def _run(tmp_path: Path) -> Path:
    """A run's folder (its log is there) and the path of its best/."""
    (tmp_path / "run" / "best").mkdir(parents=True)
    (tmp_path / "run" / "metrics.jsonl").write_text("")
    return tmp_path / "run" / "best"


def test_the_rows_of_a_model(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str],
                             tmp_path: Path) -> None:
    best = _run(tmp_path)
    rows = _rows(monkeypatch, capsys, path=str(best), vocab_size=12345, tokens=98765, counted="texts",
                 best_metric=0.5, best_step=2, resumable_step=3,
                 config={"task": "classify", "model": {"hidden": 4}, "settings": {"longer_key": 1}})
    assert rows == [
        f"model directory  {best}",
        "task             classify",
        "parameters       1,234,567",
        "vocabulary       12,345",
        "  model.hidden        4",
        "  settings.longer_key 1",
        "trained          3 steps in 2 s, 98,765 texts",
        "best accuracy    0.5000 at step 2",
        f"resumable        last/ at step 3 (rnnkit train classify --resume {best.parent})",
    ]


def test_a_translators_two_vocabularies_and_a_multi_label_classifier(monkeypatch: pytest.MonkeyPatch,
                                                                     capsys: pytest.CaptureFixture[str]) -> None:
    rows = _rows(monkeypatch, capsys, task="seq2seq", vocab_size={"source": 1234, "target": 5678})
    assert "vocabulary       source 1,234, target 5,678" in rows and rows[1] == "task             seq2seq"
    rows = _rows(monkeypatch, capsys, config={"task": "classify", "multi_label": True})
    assert rows[1] == "task             classify (multi-label: one sigmoid a label)"
    assert "  multi_label True" in rows


def test_a_run_of_no_steps_yet_and_a_resume_at_step_0_are_shown(monkeypatch: pytest.MonkeyPatch,
                                                                capsys: pytest.CaptureFixture[str],
                                                                tmp_path: Path) -> None:
    best = _run(tmp_path)
    rows = _rows(monkeypatch, capsys, path=str(best), steps=0, seconds=None, metric=None, best_metric=0.25, best_step=0,
                 resumable_step=0)
    assert "trained          0 steps in 0 s" in rows
    assert "best metric      0.2500 at step 0" in rows
    assert f"resumable        last/ at step 0 (rnnkit train classify --resume {best.parent})" in rows


def test_a_damaged_state_of_true_for_a_number_is_shown_as_it_is(monkeypatch: pytest.MonkeyPatch,
                                                                capsys: pytest.CaptureFixture[str]) -> None:
    rows = _rows(monkeypatch, capsys, seconds=True, best_metric=False, best_step=1)
    assert "trained          3 steps in True s" in rows
    assert "best accuracy    False at step 1" in rows


def test_a_long_score_name_widens_the_label_column(monkeypatch: pytest.MonkeyPatch,
                                                   capsys: pytest.CaptureFixture[str]) -> None:
    rows = _rows(monkeypatch, capsys, metric="a_very_long_score_name", best_metric=1.0, best_step=3)
    width = len("best a_very_long_score_name")
    assert rows[0] == "model directory".ljust(width) + "  runs/x/best"
    assert rows[-1] == "best a_very_long_score_name  1.0000 at step 3"

