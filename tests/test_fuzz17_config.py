"""The TOML files of ``--config`` (``rnnkit train NAME --config FILE``, ``rnnkit experiment FILE``), fed damaged
bytes (hypothesis, the mutations of test_fuzz_readers.py) and hand-made hostile files: read as settings or refused
by a UserError whose one-line message names the file; never another exception."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings

from rnnkit.cli import main
from rnnkit.errors import UserError
from rnnkit.train.options import load_config_file, read_toml
from tests import test_fuzz_readers as fuzz

EXAMPLES = fuzz.EXAMPLES
KNOWN = {"steps", "lr", "hidden", "cell", "data", "out", "class_weights"}
GOOD = b'# a run\nsteps = 5\nlr = 0.002\n\n[model]\nhidden = 16\ncell = "lstm"\n\n[class_weights]\nspam = 5\n'


def refused(path: Path) -> str:
    with pytest.raises(UserError) as info:
        load_config_file(path, KNOWN)
    message = str(info.value)
    assert str(path) in message and "\n" not in message, message
    return message


@settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(damage=fuzz.mutations())
def test_a_damaged_config_is_read_or_refused_by_name(damage) -> None:
    fuzz.read_or_refused_by_name("run.toml", damage(GOOD), lambda path: load_config_file(path, KNOWN))


def test_the_good_config_reads(tmp_path: Path) -> None:
    path = tmp_path / "run.toml"
    path.write_bytes(GOOD)
    assert load_config_file(path, KNOWN) == {"steps": 5, "lr": 0.002, "hidden": 16, "cell": "lstm",
                                             "class_weights": {"spam": 5}}


@pytest.mark.parametrize(("text", "message"), [
    ("steps = " + "[" * 50_000 + "]" * 50_000, "nested too deeply"),
    ("steps = " + "{a = " * 3000 + "1" + "}" * 3000, "nested too deeply"),
    ("steps = " + "9" * 5000, "a number of more than 4300 digits"),
    ("steps = -" + "1" * 4400, "a number of more than 4300 digits"),
])
def test_hostile_toml_is_refused_by_name(tmp_path: Path, text: str, message: str) -> None:
    """Deep nesting was a RecursionError traceback, an integer of more than 4,300 digits a ValueError
    ('Exceeds the limit (4300 digits) for integer string conversion')."""
    path = tmp_path / "run.toml"
    path.write_text(text)
    assert message in refused(path)


def test_a_config_that_cannot_be_opened_is_refused_by_name(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A file the user may not read (PermissionError, which root cannot be made to meet here) was a traceback of
    the Python API (the command line's catch-all said 'PATH: Permission denied')."""
    path = tmp_path / "run.toml"
    path.write_bytes(GOOD)

    def denied(*args: object, **kwargs: object) -> None:
        raise PermissionError(13, "Permission denied", str(path))

    monkeypatch.setattr("builtins.open", denied)
    with pytest.raises(UserError, match="cannot read \\(Permission denied\\)") as info:
        read_toml(path)
    assert str(path) in str(info.value)


def test_train_with_a_hostile_config_exits_2_and_writes_nothing(tmp_path: Path, capsys) -> None:
    path = tmp_path / "run.toml"
    path.write_text("steps = " + "[" * 50_000 + "]" * 50_000)
    out = tmp_path / "out"
    assert main(["train", "charlm", "--config", str(path), "--out", str(out), "--steps", "2"]) == 2
    err = capsys.readouterr().err
    assert str(path) in err and "Traceback" not in err, err
    assert not out.exists()


def test_a_config_saved_with_a_byte_order_mark_reads(tmp_path: Path) -> None:
    """Windows Notepad's UTF-8 begins with a byte order mark, which tomllib took for a statement: 'not valid TOML
    (Invalid statement (at line 1, column 1))', of a line that looks right."""
    path = tmp_path / "run.toml"
    path.write_bytes(b"\xef\xbb\xbf" + GOOD)
    assert load_config_file(path, KNOWN)["steps"] == 5


def test_a_config_not_in_utf8_is_refused_naming_the_line(tmp_path: Path) -> None:
    path = tmp_path / "run.toml"
    path.write_bytes(b'steps = 5\ncell = "lstm\xe9"\n')
    assert "run.toml:2: not UTF-8 (byte 0xe9 at column 13" in refused(path)
