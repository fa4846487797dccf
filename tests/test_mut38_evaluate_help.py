"""Mutation round 38 on walk46's chrF: ``rnnkit evaluate -h`` says a captioner's evaluation gives chrF too, as its
line now does."""

from __future__ import annotations

import pytest

from rnnkit.cli import main


def test_evaluate_help_names_chrf_for_captioners(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["evaluate", "-h"]) == 0
    assert "caption models: exact match, BLEU and chrF of a captioner on a captioned-image folder" in \
        capsys.readouterr().out
