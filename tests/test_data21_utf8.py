"""A UTF-16 or UTF-32 file without a byte order mark is named as such (its ASCII is valid UTF-8, NULs and all)."""

from __future__ import annotations

from pathlib import Path

import pytest

from rnnkit.data import tabular
from rnnkit.errors import UserError


def refusal(path: Path) -> str:
    with pytest.raises(UserError) as info:
        tabular.read_table(path)
    return str(info.value)


@pytest.mark.parametrize(("codec", "width", "named"), [("utf-16-le", "UTF-16", "utf-16le"),
                                                        ("utf-16-be", "UTF-16", "utf-16be"),
                                                        ("utf-32-le", "UTF-32", "utf-32le")])
def test_a_wide_file_without_a_bom_is_named_with_its_byte_order(tmp_path: Path, codec: str, width: str,
                                                                named: str) -> None:
    """It was read as UTF-8: a header of NUL-strewn names, refused as 'text column 'text' is missing'."""
    path = tmp_path / "data.csv"
    path.write_bytes("text,label\r\ncafé,1\r\n".encode(codec))
    assert refusal(path) == (f"{path}:1: not UTF-8 but {width} (no byte order mark; "
                             f"{'three bytes in four are 0' if width == 'UTF-32' else 'every other byte is 0'}); "
                             f"save the file as UTF-8, e.g. `iconv -f {named} -t utf-8`")


def test_a_lone_nul_is_no_utf16(tmp_path: Path) -> None:
    path = tmp_path / "data.csv"
    path.write_bytes(b"text,label\nab\x00c,1\nd,2\n")
    assert tabular.read_table(path).texts == ["ab\x00c", "d"]
