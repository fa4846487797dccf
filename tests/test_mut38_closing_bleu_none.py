"""Mutation round 38 on fixo's closing-line BLEU warning: a run without a BLEU (sacrebleu not installed: the score
is None) beside exact matches says nothing of a BLEU of 0."""

from __future__ import annotations

from pathlib import Path

import pytest

from rnnkit.errors import command_line
from rnnkit.tasks import translate
from tests.test_fixo_closing_short_bleu import _result


def test_no_bleu_beside_exact_matches_says_nothing(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    with command_line():
        translate.report(_result(tmp_path, 1.0, None), False)  # type: ignore[arg-type]
    assert "BLEU is 0" not in capsys.readouterr().err
