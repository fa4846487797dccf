"""A recogniser's error rate read at one precision: ``rnnkit train speech``'s closing line said ``CER 0.124`` and
``rnnkit evaluate`` of the same model on the same utterances ``CER 0.1236``, so the two lines of one figure seemed to
disagree. Both now say four decimals, as the losses beside them do."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest

from rnnkit.tasks import _speech_verbs as verbs
from rnnkit.tasks import speech
from tests.test_mut15a_speech import _result
from tests.test_mut15a_speech_verbs import Recogniser, _args

RATES = {"cer": 0.1236, "wer": 0.51234}


class _Scored(Recogniser):
    def evaluate(self, data: str, **kw: Any) -> dict[str, Any]:
        return {**super().evaluate(data, **kw), **RATES}


def test_train_and_evaluate_say_a_rate_alike(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    speech.report(_result(tmp_path, {"loss": 1.5, **RATES}), False)
    closing = capsys.readouterr().out
    assert verbs._evaluate_command(_Scored(), _args(verbs._evaluate_arguments, ["--data", "d"])) == 0
    evaluated = capsys.readouterr().out
    assert re.findall(r"CER \S+?(?=[,\s])", closing) == re.findall(r"CER \S+?(?=[,\s])", evaluated) == ["CER 0.1236"]
    assert "WER 0.5123" in evaluated
