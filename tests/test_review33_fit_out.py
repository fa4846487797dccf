"""review33: rnnkit.fit refuses a blank ``out`` as ``rnnkit train --out " "`` is refused."""

from __future__ import annotations

from pathlib import Path

import pytest

import rnnkit
from rnnkit.errors import UserError


@pytest.mark.parametrize("out", [" ", "\t", Path(" ")])
def test_fit_refuses_a_blank_out_and_writes_nothing(out: str | Path, tmp_path: Path,
                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    """fixg refused ``--out " "`` on the command line (it trained into a folder named " "), but in cli.run_out:
    ``rnnkit.fit(..., out=" ")`` still trained into a folder " " of the working directory. ``_check_fit_arguments``
    refused only '' ; a blank name is refused with it now, before any work."""
    text = tmp_path / "abc.txt"
    text.write_text("abcdefghij" * 40)
    monkeypatch.chdir(tmp_path)
    with pytest.raises(UserError, match=r"^fit: out is an empty name; give the folder to write the model to "):
        rnnkit.fit("charlm", data=text, out=out, hidden=8, embed_dim=4, seq_len=8, batch_size=2, steps=1,
                   verbose=False, progress=False)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["abc.txt"]
