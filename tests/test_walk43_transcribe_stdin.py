"""``rnnkit transcribe DIR -``, as ``predict --file -`` reads standard input, said ``-: no such file``, as though a
recording were missing; it now says that recordings are read by name and how to give a list of names (xargs). A file
really named ``-`` is still read as one."""

from __future__ import annotations

from pathlib import Path

import pytest

from rnnkit.errors import UserError
from rnnkit.tasks import _speech_verbs as verbs
from tests.test_mut15a_speech_verbs import Recogniser, _args


def test_a_dash_is_refused_with_the_way_to_give_a_list(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.chdir(tmp_path)
    rec = Recogniser()
    with pytest.raises(UserError) as err:
        verbs._transcribe_command(rec, _args(verbs._transcribe_arguments, ["a.wav", "-"]))
    assert str(err.value) == ("AUDIO '-': recordings are read by their names, not from standard input; give the "
                              "names, or a list of them one a line with xargs: xargs -d '\\n' rnnkit transcribe m0 "
                              "< LIST")
    assert rec.asked == []


def test_a_file_named_dash_is_transcribed(monkeypatch: pytest.MonkeyPatch, tmp_path: Path,
                                          capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "-").write_bytes(b"")
    assert verbs._transcribe_command(Recogniser(), _args(verbs._transcribe_arguments, ["-"])) == 0
    assert capsys.readouterr().out == "ʃ iː\n"
