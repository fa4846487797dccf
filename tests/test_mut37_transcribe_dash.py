"""Mutation round 37: ``rnnkit transcribe DIR -``'s refusal gives an xargs command that runs as typed: a model
folder whose name holds a space is quoted for the shell."""

from __future__ import annotations

from pathlib import Path
from types import SimpleNamespace

import pytest

from rnnkit.errors import UserError
from rnnkit.tasks import _speech_verbs as verbs
from tests.test_mut15a_speech_verbs import Recogniser, _args


def test_the_suggested_command_quotes_a_model_folder_with_a_space(monkeypatch: pytest.MonkeyPatch,
                                                                   tmp_path: Path) -> None:
    monkeypatch.chdir(tmp_path)
    rec = Recogniser()
    rec.checkpoints = [SimpleNamespace(path="my runs/asr")]
    with pytest.raises(UserError) as err:
        verbs._transcribe_command(rec, _args(verbs._transcribe_arguments, ["-"]))
    assert str(err.value).endswith("xargs -d '\\n' rnnkit transcribe 'my runs/asr' < LIST")
