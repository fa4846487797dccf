"""A gap a mutation audit (round 39) found in the trainer's one rule of which budget a run has reached
(``Trainer._budget_reached``, read by the loop's stop and the resume's note): a run that reaches its ``--steps`` and
its ``--minutes`` at the same step stopped for its steps, as it did before the rule was shared."""

from __future__ import annotations

from types import SimpleNamespace

from rnnkit.train.trainer import Trainer


def _reached(step: int, elapsed: float, steps: int | None = 5, minutes: float | None = 1.0) -> str | None:
    return Trainer._budget_reached(SimpleNamespace(cfg=SimpleNamespace(steps=steps, minutes=minutes), step=step),
                                   elapsed)


def test_steps_and_minutes_reached_together_are_the_steps() -> None:
    assert _reached(5, 60.0) == "steps"
    assert (_reached(4, 60.0), _reached(4, 59.9), _reached(5, 0.0, minutes=None)) == ("minutes", None, "steps")
