"""``rnnkit predict TAGGER --output tagged.xlsx`` wrote CoNLL text into a file a spreadsheet program then refused to
open (classify's predict refused a workbook's name, the tagger's did not): refused before any tagging, as a .csv is,
with what a tagger writes."""

from __future__ import annotations

from pathlib import Path

import pytest

from rnnkit.cli import main

pytestmark = pytest.mark.usefixtures("one_torch_thread")


@pytest.mark.parametrize("name", ["tagged.xlsx", "TAGGED.ODS"])
def test_a_workbooks_name_is_refused_before_tagging(tiny_ner_run: Path, tmp_path: Path, name: str,
                                                   capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / name
    assert main(["predict", str(tiny_ner_run), "John visited Paris", "--output", str(out)]) == 2
    err = capsys.readouterr().err
    assert f"--output {out}: a tagger writes CoNLL" in err and "a workbook" in err, err
    assert not out.exists()
