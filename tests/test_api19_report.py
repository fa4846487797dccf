"""``rnnkit.report.write_report`` speaks a Python caller's words: ``write_report(run, text="t.txt")`` of a
classifier's run was refused with "--text: ... --text applies only to a run of charlm", and ``output`` beside the
data read "--output FILE: is the --data being read", flags of ``rnnkit report`` that the call has no way to give;
``text=""`` (an unset variable) was read as the working directory and refused as "is the --text being read"."""

from __future__ import annotations

from pathlib import Path

import pytest

from rnnkit.cli import main
from rnnkit.errors import UserError
from rnnkit.report import write_report
from tests import test_api_words as words

pytestmark = pytest.mark.usefixtures("one_torch_thread")

data = words.data
trained = words.trained


def test_an_option_the_page_does_not_read_is_named_as_a_keyword(trained: Path, data: Path, tmp_path: Path) -> None:
    page = tmp_path / "r.html"
    with pytest.raises(UserError, match=rf"^text: {trained} is a 'classify' run; text applies only to a run of "
                                        r"charlm$"):
        write_report(trained, output=page, text=str(data))
    with pytest.raises(UserError, match=r"^output .*t\.csv: is the data being read; write to another file$"):
        write_report(trained, output=data, data=str(data))
    assert not page.exists()


@pytest.mark.parametrize("option", ["text", "data"])
def test_an_empty_name_is_refused_as_one(trained: Path, tmp_path: Path, option: str) -> None:
    with pytest.raises(UserError, match=rf"^{option} '': an empty name; expected the file to read$"):
        write_report(trained, output=tmp_path / "r.html", **{option: ""})


def test_the_command_line_keeps_its_flags(trained: Path, data: Path, tmp_path: Path,
                                         capsys: pytest.CaptureFixture[str]) -> None:
    capsys.readouterr()
    assert main(["report", str(trained), "--text", str(data), "--output", str(tmp_path / "r.html")]) == 2
    assert capsys.readouterr().err.startswith(f"rnnkit: error: --text: {trained} is a 'classify' run; --text applies")
    assert main(["report", str(trained), "--data", "", "--output", str(tmp_path / "r.html")]) == 2
    assert capsys.readouterr().err == "rnnkit: error: --data '': an empty name; expected the file to read\n"
