"""A ``best/`` in ``--out`` that cannot be listed (another user's, mode 000) is refused in one line by
``rnnkit.fit`` as by ``rnnkit train``, naming it; ``rnnkit.fit`` raised ``iterdir``'s PermissionError."""

from __future__ import annotations

from pathlib import Path

import pytest

import rnnkit
from rnnkit.errors import UserError


def test_a_best_folder_that_cannot_be_listed_is_refused_in_one_line(tmp_path: Path,
                                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    text = tmp_path / "t.txt"
    text.write_text("abcd efgh\n" * 200, encoding="utf-8")
    out = tmp_path / "run"
    (out / "best").mkdir(parents=True)
    listed = Path.iterdir

    def iterdir(self: Path):  # as a folder of mode 000 answers, also when the tests run as root
        if self.name == "best":
            raise PermissionError(13, "Permission denied", str(self))
        return listed(self)

    monkeypatch.setattr(Path, "iterdir", iterdir)
    with pytest.raises(UserError) as info:
        rnnkit.fit("charlm", str(text), out, steps=2, hidden=8, embed_dim=4, seq_len=8, batch_size=2)
    assert str(info.value) == f"{out / 'best'}: cannot read (Permission denied)"
    assert sorted(p.name for p in out.iterdir()) == ["best"]
