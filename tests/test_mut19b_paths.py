"""rnnkit.errors.check_read_path's callers and warn_file_names: a multi-label classifier's scored('') is refused
naming ``data``, and a TEXT argument that names a file with a space in its name is told as a ``--file`` the shell
reads back (mutation audit round 19b)."""

from __future__ import annotations

import warnings
from pathlib import Path

import pytest

from rnnkit.errors import RnnkitWarning, UserError, warn_file_names
from tests import test_mut9_classify_trained as stubs


def test_scored_refuses_an_empty_name_naming_data() -> None:
    model = stubs.stub(multi_label=True)
    with pytest.raises(UserError, match=r"^data '': an empty name; expected a labelled file$"):
        model.scored("")


def test_the_file_flag_said_is_quoted_for_the_shell(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "my notes.txt").write_text("a text\n", encoding="utf-8")
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        warn_file_names(["a text", "my notes.txt"])
    said = [str(w.message) for w in caught if issubclass(w.category, RnnkitWarning)]
    assert said == ["TEXT argument 2 of 2 (my notes.txt) names a file; it is read as the text itself "
                    "(give --file 'my notes.txt' to read the file)"]
