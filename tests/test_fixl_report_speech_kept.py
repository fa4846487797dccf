"""`rnnkit report` of a speech run showed the first validation utterances of its corpus, also a recording longer
than the run's --max-seconds, which training left out of its validation: the page showed a transcript of a
recording the run never validated on. It now shows the first of those the run kept, and says how many it passed
over; a corpus given with --data is the user's own, shown whatever its recordings' lengths."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

import rnnkit
from rnnkit.cli import main
from rnnkit.errors import UserError
from tests.test_audio35_long_recordings import TINY, _corpus

pytest.importorskip("plotly")

from rnnkit.report import speech as rsp  # noqa: E402

pytestmark = pytest.mark.usefixtures("one_torch_thread")


@pytest.fixture(scope="module")
def run(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    tmp = tmp_path_factory.mktemp("fixl")
    data = _corpus(tmp / "calls", [0.4] * 4)
    val = _corpus(tmp / "val", [2.0, 0.4, 0.4])
    out = tmp / "asr"
    assert main(["train", "speech", "--data", str(data), "--val-data", str(val), "--out", str(out), *TINY,
                 "--max-seconds", "1.5"]) == 0
    return out, val


def test_the_report_shows_the_validation_recordings_the_run_kept(run: tuple[Path, Path]) -> None:
    out, val = run
    utts, source = rsp._utterances(rnnkit.load(out), None)
    assert [Path(u.audio).name for u in utts] == ["u1.wav", "u2.wav"]
    assert source.endswith(", less 1 recording longer than the run's --max-seconds 1.5, which it left out of its "
                           "validation")


def test_a_given_corpus_is_shown_whole(run: tuple[Path, Path]) -> None:
    out, val = run
    utts, source = rsp._utterances(rnnkit.load(out), str(val))
    assert [Path(u.audio).name for u in utts] == ["u0.wav", "u1.wav", "u2.wav"] and source == str(val)


def test_a_damaged_limit_is_refused_naming_the_field(run: tuple[Path, Path], tmp_path: Path) -> None:
    out, _ = run
    rec = rnnkit.load(out)
    rec.checkpoint.config["settings"]["max_seconds"] = "long"
    with pytest.raises(UserError, match=r"config.json: settings.max_seconds 'long': expected a number of seconds"):
        rsp._utterances(rec, None)
    saved = json.loads((out / "best" / "config.json").read_text(encoding="utf-8"))
    assert saved["settings"]["max_seconds"] == 1.5
