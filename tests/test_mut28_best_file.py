"""A file named ``best`` or ``last`` in ``--out`` (mut28): a fresh run's first save swapped it for its checkpoint
folder, the user's file left under a hidden ``.best.tmp-*`` name. It is refused as a best/ of the user's files is."""

from __future__ import annotations

from pathlib import Path

import pytest

from rnnkit.cli import main

CHARLM = ["train", "charlm", "--hidden", "8", "--embed-dim", "4", "--seq-len", "8", "--batch-size", "2",
          "--steps", "1", "--no-progress"]


@pytest.mark.parametrize("name", ["best", "last"])
def test_a_file_where_a_checkpoint_goes_is_refused_and_kept(
        name: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    text, out = tmp_path / "t.txt", tmp_path / "out"
    text.write_text("abcdefgh \n" * 300, encoding="utf-8")
    out.mkdir()
    (out / name).write_text("my notes\n", encoding="utf-8")
    assert main([*CHARLM, "--data", str(text), "--out", str(out)]) == 2
    assert capsys.readouterr().err == (f"rnnkit: error: {out}: holds a {name} that is not a folder (where a run "
                                       f"saves its {name}/ checkpoint), which a run writes over; move it away, give "
                                       "another --out, or start with --overwrite\n")
    assert [p.name for p in out.iterdir()] == [name]
    assert (out / name).read_text(encoding="utf-8") == "my notes\n"
