"""Mutation round 29 of fixh's empty torchrun variables: a blank one (a tab, spaces), not only an empty one, is
unset for ``rnnkit train`` (reading only spaces as blank survived: a tab was refused as no integer)."""

from __future__ import annotations

import pytest

from rnnkit.train import distributed


@pytest.mark.parametrize("blank", ["\t", " \n "])
@pytest.mark.parametrize("key", ["WORLD_SIZE", "RANK", "LOCAL_RANK"])
def test_a_blank_variable_is_unset(monkeypatch: pytest.MonkeyPatch, key: str, blank: str) -> None:
    for name in ("WORLD_SIZE", "RANK", "LOCAL_RANK"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv(key, blank)
    r = distributed.ranks()
    assert (r.rank, r.world_size, r.local_rank) == (0, 1, 0)
