"""A flag given no value is said with its value's help as ``-h`` shows it: the line took the help string raw, so a
'%%' (how argparse writes a percent sign) or a '%(default)s' read as written there (review32)."""
from __future__ import annotations

import pytest

from rnnkit.cli import Parser


def _missing(capsys: pytest.CaptureFixture[str], parser: Parser, flag: str) -> str:
    with pytest.raises(SystemExit) as done:
        parser.parse_args([flag])
    assert done.value.code == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1
    return err


def test_a_help_of_percent_signs_and_defaults_reads_as_in_the_help(capsys: pytest.CaptureFixture[str]) -> None:
    parser = Parser(prog="rnnkit x")
    parser.add_argument("--share", type=float, default=5, help="rows held out, in %% (default %(default)s)")
    assert _missing(capsys, parser, "--share") == (
        "rnnkit x: error: argument --share: expected one argument, SHARE: rows held out, in % (default 5); "
        "`rnnkit x -h` for help\n")
    assert "in % (default 5)" in parser.format_help()  # what -h says


def test_the_metavar_is_the_one_of_the_help(capsys: pytest.CaptureFixture[str]) -> None:
    parser = Parser(prog="rnnkit x")
    parser.add_argument("--cell", choices=["lstm", "gru"], help="recurrent cell")
    parser.add_argument("--model", dest="models", nargs="+", metavar="DIR", help="models to average")
    assert ", {lstm,gru}: recurrent cell;" in _missing(capsys, parser, "--cell")
    assert "expected at least one argument, DIR: models to average;" in _missing(capsys, parser, "--model")
