"""Sampling chooses its torch thread count from its first steps, as training does (``chosen_per_item``): one
thread where one is faster (beside a busy process), torch's count where that is; ``threads=`` / ``--threads``
fix it, the text does not depend on it, and the caller's count is back between characters."""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from typing import Any

import pytest
import torch

from rnnkit.cli import main
from rnnkit.errors import SettingError
from rnnkit.tasks import charlm
from rnnkit.tasks._charlm_trained import CharLM
from rnnkit.train.threads import chosen_per_item
from tests import test_threads

Clock, two_threads = test_threads.Clock, test_threads.two_threads   # a clock set by hand; a fixture


def costly_items(clock: Clock, cost: dict[int, float], seen: list[int]) -> Iterator[int]:
    for i in itertools.count():
        seen.append(torch.get_num_threads())
        clock.now += cost[torch.get_num_threads()]
        yield i


@pytest.mark.usefixtures("two_threads")
@pytest.mark.parametrize(("cost", "kept"), [({1: 1.0, 2: 3.0}, 1), ({1: 1.1, 2: 1.0}, 2)])
def test_the_faster_count_is_kept_after_the_first_items(cost: dict[int, float], kept: int) -> None:
    clock, seen, between = Clock(), [], []
    items = chosen_per_item(costly_items(clock, cost, seen), steps_each=2, rounds=2, clock=clock)
    for _ in range(20):
        next(items)
        between.append(torch.get_num_threads())
    assert sorted(seen[1:9]) == [1, 1, 1, 1, 2, 2, 2, 2]   # after one warm-up item, each count twice, twice
    assert seen[9:] == [kept] * 11
    assert between == [2] * 20   # the caller's count between items


@pytest.mark.usefixtures("two_threads")
def test_a_fixed_count_is_kept_throughout() -> None:
    clock, seen = Clock(), []
    items = chosen_per_item(costly_items(clock, {1: 1.0, 2: 9.0}, seen), 2, steps_each=2, clock=clock)
    assert list(itertools.islice(items, 12)) == list(range(12))
    assert seen == [2] * 12 and torch.get_num_threads() == 2


def test_the_items_end_with_their_source_and_the_count_is_back() -> None:
    before = torch.get_num_threads()
    assert list(chosen_per_item(iter("abc"))) == ["a", "b", "c"]
    assert torch.get_num_threads() == before


@pytest.fixture(scope="module")
def run(tmp_path_factory: pytest.TempPathFactory) -> str:
    folder = tmp_path_factory.mktemp("sampling_threads")
    text = folder / "tiny.txt"
    text.write_text("to be or not to be, that is the question.\n" * 40, encoding="utf-8")
    config = charlm.CharLMConfig(hidden=8, embed_dim=4, seq_len=16, batch_size=2, steps=2, eval_every=2, seed=0)
    charlm.train(config, str(text), str(folder / "run"), verbose=False, progress=False)
    return str(folder / "run")


@pytest.mark.usefixtures("two_threads")
def test_the_text_does_not_depend_on_the_count(run: str) -> None:
    lm = CharLM(run)
    texts = {lm.sample("to", length=60, seed=4, threads=n) for n in (1, 2, None)}
    assert len(texts) == 1 and torch.get_num_threads() == 2


@pytest.mark.parametrize("threads", [0, -1, 1.5, "2"])
def test_a_bad_count_is_refused_at_the_call(run: str, threads: Any) -> None:
    with pytest.raises((SettingError, TypeError), match="threads"):
        CharLM(run).stream("to", 5, threads=threads)


@pytest.mark.usefixtures("two_threads")
@pytest.mark.parametrize(("given", "expected"), [([], None), (["--threads", "1"], 1)])
def test_rnnkit_sample_fixes_the_count_only_when_told(run: str, given: list[str], expected: int | None,
                                                      monkeypatch: pytest.MonkeyPatch,
                                                      capsys: pytest.CaptureFixture[str]) -> None:
    asked: list[int | None] = []
    real = CharLM.stream

    def recording(self: CharLM, *args: Any, threads: int | None = None, **kw: Any) -> Any:
        asked.append(threads)
        return real(self, *args, threads=threads, **kw)

    monkeypatch.setattr(CharLM, "stream", recording)
    assert main(["sample", run, "--length", "5", "--seed", "1", *given]) == 0
    assert asked == [expected]
    capsys.readouterr()
