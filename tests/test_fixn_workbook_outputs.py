"""``rnnkit translate --output out.xlsx`` and ``rnnkit report RUN --output page.xlsx`` wrote text (translations, an
HTML page) into a file a spreadsheet program then refused to open, without a word, where classify's and the
tagger's ``predict`` refused a workbook's name. Every ``--output`` now refuses one through the same check
(:func:`rnnkit.data.tabular.refuse_workbook`), before any work, saying what the file would hold."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from rnnkit.cli import main
from rnnkit.data.tabular import WORKBOOKS, refuse_workbook
from rnnkit.errors import UserError
from rnnkit.tasks._translate_trained import Translator

pytestmark = pytest.mark.usefixtures("one_torch_thread")


@pytest.fixture(scope="module")
def translator(tmp_path_factory: pytest.TempPathFactory, tiny_translator: Callable[..., Path]) -> Path:
    return tiny_translator(tmp_path_factory.mktemp("tr"), "--save-minutes", "0")


@pytest.mark.parametrize("name", ["out.xlsx", "OUT.ODS"])
def test_translate_refuses_a_workbooks_name_before_translating(translator: Path, tmp_path: Path, name: str,
                                                              monkeypatch: pytest.MonkeyPatch,
                                                              capsys: pytest.CaptureFixture[str]) -> None:
    def no_work(*args: object, **kwargs: object) -> None:
        raise AssertionError("translated before --output was checked")

    monkeypatch.setattr(Translator, "_translate", no_work)
    out = tmp_path / name
    capsys.readouterr()
    assert main(["translate", str(translator), "ab", "--output", str(out)]) == 2
    assert capsys.readouterr().err == (f"rnnkit: error: --output {out}: translations are written as text, a line each "
                                       "(name it .txt; with --json, JSON Lines: .jsonl), not as a workbook\n")
    assert not out.exists()


def test_translate_still_writes_a_text_file(translator: Path, tmp_path: Path) -> None:
    out = tmp_path / "out.txt"
    assert main(["translate", str(translator), "ab", "--output", str(out)]) == 0
    assert len(out.read_text(encoding="utf-8").splitlines()) == 1


def test_report_refuses_a_workbooks_name(translator: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "page.xls"
    capsys.readouterr()
    assert main(["report", str(translator), "--output", str(out)]) == 2
    assert capsys.readouterr().err == (f"rnnkit: error: --output {out}: the report is written as an HTML page "
                                       "(name it .html), not as a workbook\n")
    assert not out.exists()


@pytest.mark.parametrize("name", [f"a{end}" for end in WORKBOOKS] + ["A.XLSX", Path("b.Numbers")])
def test_the_check_refuses_every_workbook_end(name: str | Path) -> None:
    with pytest.raises(UserError, match=r"^--x a\.|^--x b\.|^--x A\."):
        refuse_workbook(name, "--x", "text")


@pytest.mark.parametrize("name", ["a.csv", "a.txt", "a.xlsx.txt", "xlsx", "a.html"])
def test_the_check_lets_text_names_through(name: str) -> None:
    refuse_workbook(name, "--x", "text")
