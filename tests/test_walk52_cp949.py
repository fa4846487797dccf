"""walk52: a CSV that Korean Windows' Excel saves as plain "CSV" (CP949) is refused naming CP949 and its mend; the
refusal put `iconv -f latin1` first, which makes such a file UTF-8 nonsense that reads without a word."""

from __future__ import annotations

from pathlib import Path

import pytest

from rnnkit.data.tabular import read_table
from rnnkit.errors import UserError

ROWS = "내용,라벨\r\n여보세요 금융감독원입니다 안전계좌로 이체하세요,사기\r\n엄마 나 오늘 늦어,정상\r\n"


def refusal(path: Path, raw: bytes) -> str:
    path.write_bytes(raw)
    with pytest.raises(UserError) as exc:
        read_table(path, "내용", "라벨")
    return str(exc.value)


@pytest.mark.parametrize("codec", ["cp949", "euc-kr"])
def test_an_excel_csv_of_korean_windows_is_named_cp949_with_its_mend(tmp_path: Path, codec: str) -> None:
    said = refusal(tmp_path / "calls.csv", ROWS.encode(codec))
    assert said.startswith(f"{tmp_path / 'calls.csv'}:1: not UTF-8 (byte 0xb3 at column 1, byte offset 0) but Korean "
                           "in CP949 or EUC-KR, it seems; save the file as UTF-8, e.g. `iconv -f cp949 -t utf-8`")
    assert "latin1" not in said


def test_korean_after_an_ascii_header_names_its_line(tmp_path: Path) -> None:
    raw = "text,label\r\n똠방각하 펲시 쀍,정상\r\n".encode("cp949")  # syllables of CP949 only, none of EUC-KR
    said = refusal(tmp_path / "calls.csv", raw)
    assert ":2: not UTF-8" in said and "Korean in CP949" in said and "`iconv -f cp949 -t utf-8`" in said


@pytest.mark.parametrize("text", ["café crème brûlée à la française", "Ärger über Öl, Müller straße",
                                  "ÀÁÂÃ ÄÅÆ naïve"])
def test_latin1_keeps_the_latin1_mend(tmp_path: Path, text: str) -> None:
    said = refusal(tmp_path / "calls.csv", "내용,라벨\n".encode() + f"{text},x\n".encode("latin1"))
    assert "Korean in CP949" not in said and "`iconv -f latin1 -t utf-8` (`-f cp949` for Korean)" in said
