"""The files of a model directory (``config.json``, ``vocab.json``, ``trainer_state.json``, ``model.safetensors``)
fed damaged bytes (hypothesis, the mutations of test_fuzz_readers.py): ``rnnkit.load`` returns the model or raises
a UserError whose one-line message names the directory; ``rnnkit info`` and ``rnnkit predict`` exit 0 or 2, never
with a traceback. test_hostile_models.py has the hand-made edits; these are damaged bytes."""

from __future__ import annotations

import json
import shutil
import tempfile
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings

import rnnkit
from rnnkit.cli import main
from rnnkit.errors import UserError
from tests import test_fuzz_readers as fuzz
from tests import test_hostile_models as hostile

pytestmark = pytest.mark.usefixtures("one_torch_thread")
trained = hostile.trained
EXAMPLES = fuzz.EXAMPLES
FILES = ["config.json", "vocab.json", "trainer_state.json", "model.safetensors"]


def damaged(trained: Path, tmp: str, name: str, damage) -> Path:
    run = Path(tmp) / "run"
    shutil.copytree(trained, run)
    path = run / "best" / name
    path.write_bytes(damage(path.read_bytes()))
    return run


@pytest.mark.parametrize("name", FILES)
@settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(damage=fuzz.mutations())
def test_a_damaged_model_file_loads_or_is_refused_by_name(trained: Path, name: str, damage) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        run = damaged(trained, tmp, name, damage)
        try:
            rnnkit.load(run)
        except UserError as exc:
            assert str(run) in str(exc) and "\n" not in str(exc), str(exc)


@pytest.mark.parametrize("name", FILES)
@settings(max_examples=max(EXAMPLES // 4, 5), deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(damage=fuzz.mutations())
def test_info_and_predict_on_a_damaged_model_exit_0_or_2(trained: Path, name: str, damage, capsys) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        run = damaged(trained, tmp, name, damage)
        for argv in (["info", str(run)], ["predict", str(run), "good film"]):
            assert main(argv) in (0, 2)
            err = capsys.readouterr().err
            assert "Traceback" not in err, err


@pytest.mark.parametrize("name", ["config.json", "vocab.json", "trainer_state.json"])
def test_a_json_file_holding_an_integer_past_pythons_digit_limit_is_refused_by_name(trained: Path, tmp_path: Path,
                                                                                    name: str, capsys) -> None:
    """json's int() of 5,000 digits is a plain ValueError ('Exceeds the limit (4300 digits) for integer string
    conversion'), not the JSONDecodeError the reader caught: `rnnkit predict` and `rnnkit info` ended in a
    traceback."""
    run = damaged(trained, str(tmp_path), name, lambda b: b)
    path = run / "best" / name
    path.write_text(json.dumps({**json.loads(path.read_text()), "zz": 1}).replace('"zz": 1', '"zz": ' + "9" * 5000))
    for argv in (["info", str(run)], ["predict", str(run), "good film"]):
        assert main(argv) == 2
        err = capsys.readouterr().err
        assert f"{path}:1: not valid JSON (a number of more than 4,300 digits)" in err, err


def test_info_shows_a_run_whose_last_trainer_state_holds_a_long_integer(trained: Path, tmp_path: Path,
                                                                        capsys) -> None:
    """`rnnkit info` reads last/trainer_state.json for the step a resume would start from; a file it cannot read
    leaves that line out, as a damaged one did, instead of a ValueError traceback."""
    run = damaged(trained, str(tmp_path), "config.json", lambda b: b)
    path = run / "last" / "trainer_state.json"
    path.write_text('{"step": ' + "9" * 5000 + "}")
    assert main(["info", str(run)]) == 0
    assert "resumable" not in capsys.readouterr().out


def test_a_json_file_that_cannot_be_opened_is_refused_by_name(trained: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A config.json the user may not read (a model directory copied from another user; root, as here, cannot be
    made to meet it: open is patched) was a PermissionError from rnnkit.load; the command line's catch-all of
    OSError said 'PATH: Permission denied'."""
    config = trained / "best" / "config.json"
    real_open = open

    def denied(file, *args, **kwargs):  # type: ignore[no-untyped-def]
        if Path(file) == config:
            raise PermissionError(13, "Permission denied", str(file))
        return real_open(file, *args, **kwargs)

    monkeypatch.setattr("builtins.open", denied)
    with pytest.raises(UserError, match="config.json: cannot read \\(Permission denied\\)") as info:
        rnnkit.load(trained)
    assert str(config) in str(info.value)
