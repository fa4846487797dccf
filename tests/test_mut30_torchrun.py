"""Mutation round 30 of errors.torchrun_number and its readers (fixi): a signed number is a number, a garbled one is
said as it was set (spaces too) and is None to the lenient readers; rank 0 of two is the one that speaks; one
process on each machine (LOCAL_WORLD_SIZE=1) is one, not the world's count."""

from __future__ import annotations

import pytest

from rnnkit import cli
from rnnkit.device import local_processes
from rnnkit.errors import UserError, torchrun_number


def test_a_signed_number_is_read_and_a_garbled_one_is_said_as_set(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("WORLD_SIZE", "+3")
    assert torchrun_number("WORLD_SIZE", strict=True) == 3  # int() read it so before the one rule
    monkeypatch.setenv("WORLD_SIZE", " 2_0 ")
    with pytest.raises(UserError) as refused:
        torchrun_number("WORLD_SIZE", strict=True)
    assert str(refused.value) == "environment variable WORLD_SIZE=' 2_0 ': expected an integer (torchrun sets it)"
    assert torchrun_number("WORLD_SIZE", strict=False) is None  # as if unset, not a number of processes


def test_rank_0_of_two_is_the_one_that_speaks(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("WORLD_SIZE", "2")
    monkeypatch.setenv("RANK", "0")
    assert cli._speaks()  # its errors are the ones printed
    monkeypatch.setenv("RANK", "1")
    assert not cli._speaks()


def test_one_process_on_each_machine_is_one_local_process(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("WORLD_SIZE", "4")
    monkeypatch.setenv("LOCAL_WORLD_SIZE", "1")
    monkeypatch.setenv("LOCAL_RANK", "0")
    assert local_processes() == (1, 0)  # the GPU's memory is this process's alone, not a quarter of it
