"""``rnnkit demo --minutes -1`` (0, nan, inf, abc) and ``--out FILE`` are refused before the demo says anything: its
banner ('a character language model learns Shakespeare for -1 minutes') was printed first, then the refusal."""
from __future__ import annotations

from pathlib import Path

import pytest

from rnnkit.cli import main
from rnnkit.errors import SettingError
from rnnkit.tasks.demo import run_charlm_demo
from tests.test_fixc_demo_budget import _configs


@pytest.mark.parametrize("minutes", ["-1", "0", "nan", "inf", "abc"])
def test_a_bad_budget_is_refused_before_the_banner(minutes: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                   capsys: pytest.CaptureFixture[str]) -> None:
    seen = _configs(monkeypatch)
    with pytest.raises(SystemExit) as exited:
        main(["demo", "--minutes", minutes, "--out", str(tmp_path / "d")])
    said = capsys.readouterr()
    assert exited.value.code == 2 and not seen and said.out == ""
    assert said.err == (f"rnnkit demo: error: argument --minutes: expected a finite number > 0, got {minutes}; "
                        "`rnnkit demo -h` for help\n")
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize("minutes", [-1.0, 0.0, float("nan")])
def test_the_function_refuses_a_bad_budget_before_the_banner(minutes: float, tmp_path: Path,
                                                             monkeypatch: pytest.MonkeyPatch,
                                                             capsys: pytest.CaptureFixture[str]) -> None:
    seen = _configs(monkeypatch)
    with pytest.raises(SettingError, match="^minutes "):  # the config's own check
        run_charlm_demo(minutes=minutes, out=str(tmp_path / "d"))
    assert capsys.readouterr().out == "" and not seen


def test_an_out_that_is_a_file_is_refused_before_the_banner(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                            capsys: pytest.CaptureFixture[str]) -> None:
    seen = _configs(monkeypatch)
    (tmp_path / "f").write_text("mine\n", encoding="utf-8")
    assert main(["demo", "--minutes", "1", "--out", str(tmp_path / "f")]) == 2
    said = capsys.readouterr()
    assert said.out == "" and not seen
    assert said.err == f"rnnkit: error: {tmp_path / 'f'}: is a file, where a folder is needed\n"
    assert (tmp_path / "f").read_text(encoding="utf-8") == "mine\n"
