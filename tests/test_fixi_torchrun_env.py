"""torchrun's variables read by one rule (fixi, :func:`rnnkit.errors.torchrun_number`): ``rnnkit train`` read
``WORLD_SIZE`` with ``int`` (``2_0`` was 20 processes) and the other commands with ``isdecimal`` (``2_0`` was none);
``_speaks`` read ``RANK`` unstripped (``RANK=' 1'`` spoke as rank 0 where train took rank 1); the device's
count of local processes with ``int`` again. Each reader keeps its own answer to a garbled value (train refuses it,
the others read it as unset), but they no longer disagree on what is garbled."""

from __future__ import annotations

import pytest

from rnnkit import cli
from rnnkit.device import local_processes
from rnnkit.errors import UserError, torchrun_number
from rnnkit.train.distributed import ranks

KEYS = ("WORLD_SIZE", "RANK", "LOCAL_RANK", "LOCAL_WORLD_SIZE")


@pytest.mark.parametrize("value", ["3", " 3 ", "+3", "2_0", "0x3", "3.0", "abc", "²", "", " ", "9" * 5000])
def test_every_reader_of_world_size_takes_the_same_number_or_none(
        monkeypatch: pytest.MonkeyPatch, value: str) -> None:
    for key in KEYS:
        monkeypatch.delenv(key, raising=False)
    monkeypatch.setenv("WORLD_SIZE", value)
    try:
        strict = ranks().world_size
    except UserError as exc:
        assert str(exc).startswith("environment variable WORLD_SIZE=") and "expected an integer" in str(exc)
        strict = None
    lenient = torchrun_number("WORLD_SIZE", strict=False)
    assert strict == (lenient or 1 if strict is not None else None)
    assert cli._world_size() == (strict or 1)  # a garbled one is one process
    assert local_processes() == (strict or 1, 0)


def test_a_rank_written_with_spaces_is_the_same_rank_to_train_and_to_the_error_lines(
        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("WORLD_SIZE", "2")
    monkeypatch.setenv("RANK", " 1")
    assert ranks().rank == 1
    assert not cli._speaks()  # rank 1 leaves the line to rank 0, as train's reading says it is
    monkeypatch.setenv("RANK", "-1")
    assert cli._speaks()
    with pytest.raises(UserError, match=r"^RANK=-1, WORLD_SIZE=2: expected 0 <= RANK < WORLD_SIZE$"):
        ranks()


@pytest.mark.parametrize(("local_rank", "says"), [("", True), (" 0", True), ("abc", True), ("1", False)])
def test_the_native_build_line_reads_local_rank_by_the_same_rule(
        monkeypatch: pytest.MonkeyPatch, local_rank: str, says: bool) -> None:
    """The line before a first compile came from LOCAL_RANK "0" exactly: an empty or spaced one (rank 0 to every
    other reader) kept a one-process command silent through a minute of compiling."""
    from rnnkit import native
    from rnnkit.errors import command_line

    monkeypatch.setenv("LOCAL_RANK", local_rank)
    with command_line():
        assert (native._command_line_say() is not None) == says
