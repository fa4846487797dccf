"""Spreadsheets as Excel users have them: a workbook (.xlsx, .xls) or a gzip'd export given as data was "not
UTF-8 (byte 0xec at column 11 ...); iconv -f latin1", advice that mends no workbook; ``predict --output
scored.xlsx`` wrote CSV into a file Excel then refused to open. Both are now refused in one line saying what to do."""

from __future__ import annotations

import gzip
import io
import zipfile
from pathlib import Path

import pytest

from rnnkit.cli import main
from rnnkit.data.tabular import read_table
from rnnkit.errors import UserError
from tests.test_classify_cli import make_csv

pytestmark = pytest.mark.usefixtures("one_torch_thread")

CSV = "text,label\n안전계좌로 이체하세요,scam\n엄마 저녁 먹고 갈게,normal\n"


def workbook() -> bytes:
    """A ZIP archive laid out as an .xlsx is (the sheet's cells in XML, Korean and all)."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("[Content_Types].xml", "<Types/>")
        cells = "<c><v>안전계좌로 이체하세요</v></c>" * 20
        z.writestr("xl/worksheets/sheet1.xml", f"<sheetData>{cells}</sheetData>")
    return buffer.getvalue()


@pytest.mark.parametrize(("name", "raw", "said"), [
    ("calls.xlsx", workbook(), "a ZIP archive (as an Excel workbook, .xlsx, is), not text; save the sheet as text: "
                               "in Excel File > Save As > 'CSV UTF-8 (Comma delimited)'"),
    ("calls.xls", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(504), "an Excel 97-2003 workbook (.xls) or another "
                                                                    "Office file, not text; save the sheet as text"),
    ("calls.csv.gz", gzip.compress(CSV.encode()), "gzip-compressed, not text; uncompress it first"),
])
def test_a_file_that_is_no_text_is_named_for_what_it_is(tmp_path: Path, name: str, raw: bytes, said: str) -> None:
    path = tmp_path / name
    path.write_bytes(raw)
    with pytest.raises(UserError) as caught:
        read_table(path, "text", "label")
    assert str(caught.value).startswith(f"{path}: {said}")


def test_text_that_begins_like_no_signature_still_reads(tmp_path: Path) -> None:
    path = tmp_path / "calls.csv"
    path.write_text("PK,label\n엄마 저녁 먹고 갈게,normal\n", encoding="utf-8")  # a column named PK
    assert read_table(path, "PK", "label").texts == ["엄마 저녁 먹고 갈게"]


@pytest.mark.parametrize("name", ["scored.xlsx", "scored.XLS", "scored.ods"])
def test_predict_refuses_to_write_a_workbook(tmp_path: Path, name: str, capsys: pytest.CaptureFixture[str]) -> None:
    data = make_csv(tmp_path / "d.csv", 24, 0)
    assert main(["train", "classify", "--data", str(data), "--out", str(tmp_path / "run"), "--steps", "1",
                 "--hidden", "4", "--embedding", "4", "--no-progress", "--save-minutes", "0", "--threads", "1"]) == 0
    capsys.readouterr()
    out = tmp_path / name
    assert main(["predict", str(tmp_path / "run"), "--file", str(data), "--output", str(out)]) == 2
    assert capsys.readouterr().err == (f"rnnkit: error: --output {out}: predictions are written as CSV (name it .csv: "
                                       "Excel opens it), TSV (.tsv) or JSON Lines (.jsonl), not as a workbook\n")
    assert not out.exists()
