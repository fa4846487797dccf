"""A search over a task's settings inside a budget of time or of updates, as fastText's
``-autotune-validation`` does.

What a user gets: :func:`search` tries settings one after another. Each trial is a short training by the
task's own ``train`` (so through the one :class:`rnnkit.train.Trainer`) on its slice of the budget,
scored by the validation accuracy of the checkpoint that training kept (ties, frequent on a validation
split of a few dozen texts, go to the lower validation loss at that checkpoint, then to the earlier
trial). The first trials are the task's presets (strong settings known in advance); the next ones
perturb the best settings so far: one or two of the searched settings changed at random (by ``seed``),
never a fixed one, never a repeat. A task may name its simple models (the classifier: fastText's bag); a
trial of another kind replaces a simple best only with a score more than two standard errors higher,
since on a validation split of a few dozen texts a bigger model's higher score is mostly luck. When the
trials' share of the budget is spent, the best settings are trained again with all the time that is
left, and the better of that run and the best trial is kept (on a tie, the final run unless its
validation loss is higher: a longer run can overfit while its accuracy stands still). Each trial and the
final run are one JSON line in the record file (settings, validation score, loss and count, steps,
seconds).

The whole search keeps inside the budget. A budget of seconds: a trial starts only when its slice and
the overhead seen so far (reading data, building tokenizers, the last evaluation, checkpoints) still fit.
A budget of updates: the trials share :data:`FINAL_SHARE` less of them and the final run gets the rest.
Which settings are proposed depends only on ``seed`` and the scores seen; the scores of clock-limited
trainings depend on the machine's speed, so two such searches may go different ways, where a search
counted in updates repeats itself on the same machine whatever its load.

The score need not be an accuracy: ``search(score="micro_f1")`` (a multi-label classifier, or
``--keep-by macro_f1``) scores each trial by that entry of its kept evaluation. An F1 is no share of texts
right, so the binomial error of an accuracy is no error of it (a macro-F1 weighs a rare label's few texts
as much as a frequent label's many, and moves far more from sample to sample); the task then gives
``spread``, the standard error of the score of the model a trial kept, which the classifier measures by a
bootstrap over the validation texts (:func:`rnnkit.metrics.f1_standard_error`: 200 samples, a fixed seed,
from that model's predictions, which the trial records do not hold). It is measured once for a simple best
that a bigger trial outscores, the one time :meth:`Trial.clearly_beats` asks for it, and written into that
trial's line of the record (``val_score_se``; an accuracy's margin follows from its line's ``val_count``);
where it cannot be (the model unreadable), the binomial error stands in.
"""

from __future__ import annotations

import contextlib
import json
import math
import os
import random
import shutil
import tempfile
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from rnnkit import strictjson
from rnnkit.errors import UserError
from rnnkit.files import written
from rnnkit.train.checkpoint import AUTOTUNE_TRIALS, LOSS_PLOT, METRICS_LOG, TENSORBOARD, publish
from rnnkit.train.trainer import TrainingDiverged, TrainResult
from rnnkit.wording import counted, seconds

__all__ = ["AutotuneResult", "Trial", "perturb", "plan", "search", "warm_up"]

#: the searched settings: name -> the values a trial may take
Space = dict[str, Sequence[Any]]
#: ``run(settings, limit, out_dir)``: one training of the task with ``settings`` into ``out_dir``, stopped by
#: ``limit``: ``{"minutes": M}`` or ``{"steps": N}``
RunFn = Callable[[dict[str, Any], dict[str, Any], Path], TrainResult]
#: whether settings go together (a model without recurrent layers has no last state to pool ...)
Valid = Callable[[dict[str, Any]], bool]
#: the settings that matter (a model without recurrent layers has no hidden size ...): two settings with
#: the same canonical form train the same model, so a perturbation never proposes the second
Canonical = Callable[[dict[str, Any]], dict[str, Any]]

TRIAL_SECONDS = 12.0   # the slice a trial gets when the budget allows many
TRIAL_STEPS = 400      # the same in updates (about 12 s of the subword bag on 2 cores)
MAX_TRIALS = 16
FINAL_SHARE = 0.35     # the share of the budget kept for training the best settings at the end


@dataclass
class Trial:
    """One training of the search: its settings, the best validation score it reached (None when it
    failed: ``error`` says why) and the validation loss at that checkpoint (None when unknown), its
    updates and seconds."""

    number: int
    kind: str                      # preset | perturbation | final
    settings: dict[str, Any]
    score: float | None
    steps: int
    seconds: float
    stopped: str
    error: str | None = None
    result: TrainResult | None = field(default=None, repr=False)
    overhead: float = 0.0          # seconds beyond its slice (data, tokenizer, last evaluation, checkpoints)
    loss: float | None = None
    count: int | None = None       # the validation examples behind the score, when the run recorded them
    spread: float | None = None    # the score's standard error, where the task measured one (an F1's bootstrap)

    def record(self) -> dict[str, Any]:
        """The JSON line of ``autotune.jsonl``; ``val_score_se``, the score's standard error, where the task
        measured one (the margin of :meth:`clearly_beats` is two of it, as ``val_count`` gives an accuracy's)."""
        line = {"trial": self.number, "kind": self.kind, "settings": self.settings,
                "val_score": self.score, "val_loss": self.loss, "val_count": self.count, "steps": self.steps,
                "seconds": round(self.seconds, 2), "stopped": self.stopped}
        if self.spread is not None:
            line = {**line, "val_score_se": self.spread}
        return {**line, "error": self.error} if self.error else line

    def beats(self, other: Trial | None) -> bool:
        """A higher score than ``other``'s; on a tie, a lower validation loss (when both are known)."""
        if self.score is None:
            return False
        if other is None or other.score is None or self.score != other.score:
            return other is None or other.score is None or self.score > other.score
        return self.loss is not None and other.loss is not None and self.loss < other.loss

    def clearly_beats(self, other: Trial) -> bool:
        """A score above ``other``'s by more than two standard errors of ``other``'s: its ``spread`` where the
        task measured it (an F1's, see the module's notes), else that of an accuracy on its ``count``
        validation examples (Agresti-Coull: two successes and two failures added, so a perfect score still
        has an error); without either, :meth:`beats`."""
        if self.score is None or other.score is None:
            return self.beats(other)
        if other.spread is not None:
            return self.score - other.score > 2.0 * other.spread
        if other.count is None:
            return self.beats(other)
        n = other.count + 4
        p = (other.score * other.count + 2) / n
        return self.score - other.score > 2.0 * math.sqrt(p * (1.0 - p) / n)


@dataclass
class AutotuneResult:
    """What the search did: every trial (the final run last, when there was one), the best settings,
    and the :class:`TrainResult` of the model kept in ``out``."""

    trials: list[Trial]
    best: dict[str, Any]
    result: TrainResult
    kept: str                      # final | trial N

    def summary(self) -> dict[str, Any]:
        """The short form for reports (``--json``)."""
        searched = [t for t in self.trials if t.kind != "final"]
        return {"trials": len(searched), "best_settings": self.best, "kept": self.kept}


def plan(budget: float, presets: int, per_trial: float = TRIAL_SECONDS) -> tuple[float, float]:
    """``(trials_share, slice)``: the part of the budget (seconds, or updates) the trials share and each
    one's slice (about ``per_trial``, at least the presets, at most :data:`MAX_TRIALS`)."""
    trials = budget * (1.0 - FINAL_SHARE)
    count = max(presets, min(MAX_TRIALS, int(trials // per_trial)), 1)
    return trials, trials / count


def perturb(base: dict[str, Any], space: Space, fixed: dict[str, Any], rng: random.Random,
            tried: Sequence[dict[str, Any]], valid: Valid = lambda s: True,
            canonical: Canonical = lambda s: s) -> dict[str, Any]:
    """``base`` with one or two of its free settings changed to another value of ``space`` (chosen by
    ``rng``); ``fixed`` ones are kept. Avoids settings whose ``canonical`` form is among those ``tried``
    and ones that are not ``valid`` where 50 draws allow."""
    free = [k for k in space if k not in fixed and len(space[k]) > 1]
    candidate = dict(base)
    for _ in range(50):
        candidate = {**base, **fixed}
        for key in rng.sample(free, min(len(free), rng.choice((1, 2)))):
            candidate[key] = rng.choice([v for v in space[key] if v != base.get(key)])
        if canonical(candidate) not in tried and valid(candidate):
            break
    return candidate


class _Clock:
    """A budget of seconds: the time left, and the overhead a training takes beyond its slice (the largest
    seen after the first training, which also pays for importing libraries and warming up)."""

    per_trial = TRIAL_SECONDS

    def __init__(self, budget_s: float) -> None:
        self.start = time.perf_counter()
        self.total = budget_s
        self.overheads: list[float] = []

    @property
    def overhead(self) -> float:
        return max(self.overheads[1:] or self.overheads or [0.0])

    def used(self) -> float:
        return time.perf_counter() - self.start

    def left(self, until: float | None = None, overhead: float | None = None) -> float:
        """Seconds from now to ``until`` (the end of the budget), less the expected overhead."""
        end = self.total if until is None else until
        return end - self.used() - (self.overhead if overhead is None else overhead)

    def slice(self, amount: float) -> float:
        return max(amount, 0.05)

    def limit(self, amount: float) -> dict[str, Any]:
        return {"minutes": amount / 60.0}

    def charge(self, took: float, amount: float, trained: bool) -> float:
        """Note a training of ``took`` seconds on a slice of ``amount``; its overhead."""
        if not trained:
            return 0.0
        self.overheads.append(max(0.0, took - amount))
        return self.overheads[-1]

    def final(self, best: Trial) -> float | None:
        """The final run's slice: the time left less the overhead ``best`` took, if longer than its trial."""
        seconds = self.left(overhead=best.overhead)
        return seconds if seconds > best.seconds - best.overhead else None


class _Updates:
    """A budget of updates: every trial spends its slice (a failed one too), the final run what is left."""

    per_trial = TRIAL_STEPS

    def __init__(self, steps: int) -> None:
        self.total = steps
        self.spent = 0

    def used(self) -> float:
        return float(self.spent)

    def left(self, until: float | None = None) -> float:
        return (self.total if until is None else until) - self.spent

    def slice(self, amount: float) -> int:
        return max(int(amount), 1)

    def limit(self, amount: float) -> dict[str, Any]:
        return {"steps": int(amount)}

    def charge(self, took: float, amount: float, trained: bool) -> float:
        self.spent += int(amount)
        return 0.0

    def final(self, best: Trial) -> int | None:
        steps = int(self.left())
        return steps if steps > best.steps else None


def search(run: RunFn, *, budget_s: float | None = None, budget_steps: int | None = None,
           presets: Sequence[dict[str, Any]], space: Space, fixed: dict[str, Any], seed: int, out: Path, record: Path,
           say: Callable[[str], None] | None = None, describe: Callable[[dict[str, Any]], str] = str,
           valid: Valid = lambda s: True, canonical: Canonical = lambda s: s,
           simple: Valid | None = None, score: str = "accuracy",
           spread: Callable[[Path], float | None] | None = None) -> AutotuneResult:
    """Search ``space`` within ``budget_s`` seconds or ``budget_steps`` updates (one of them) and leave the
    best model in ``out`` (``out/best``).

    ``run(settings, limit, dir)`` trains once (``limit``: ``{"minutes": M}`` or ``{"steps": N}``);
    ``fixed`` settings are part of every trial, every trial's settings are ``valid``, and no two trials
    have the same ``canonical`` settings; a trial
    whose settings are not ``simple`` replaces a best trial whose settings are only when it
    :meth:`Trial.clearly_beats` it (the one-standard-error rule's preference for the simpler model,
    with two: on a few dozen validation texts a bigger model's higher score is mostly luck); trials
    train in ``out/autotune/trial-N`` (only the best one's directory is kept until the end, then the
    folder is removed); each trial is appended to ``record`` as it ends, and ``say`` (when given)
    gets a line about it. ``score``: the entry of a trial's kept evaluation that scores it (``"accuracy"``,
    or a multi-label classifier's ``"micro_f1"``). ``spread(dir)``: the standard error of that score of the
    model a trial left in ``dir`` (its ``best/``; None when it cannot say), for a score that is no accuracy:
    the error a clear win is measured by (:meth:`Trial.clearly_beats`; without it, an accuracy's).
    """
    if (budget_s is None) == (budget_steps is None):
        raise ValueError("search: give one of budget_s and budget_steps")
    budget: _Clock | _Updates = _Clock(budget_s) if budget_s is not None else _Updates(int(budget_steps or 0))
    # the record first: it tells every command that ``out`` is a search's from its start (its trials'
    # ``autotune/`` is refused as an output, :func:`rnnkit.train.checkpoint.run_keeps`), also while warming up
    record.parent.mkdir(parents=True, exist_ok=True)
    record.write_text("", encoding="utf-8")
    warm_up()
    warmed = budget.used()
    trials_share, slice_size = plan(max(budget.total - warmed, 0.0), len(presets), budget.per_trial)
    proposals = _Proposals(presets, space, fixed, random.Random(seed), valid, canonical)
    work = out / AUTOTUNE_TRIALS
    runs = _Runs(run, budget, score, record, say, describe, spread)
    trials, best = _run_trials(runs, proposals, slice_size, warmed + trials_share, work, simple)
    if best is None:
        raise UserError(f"autotune: every trial failed ({trials[-1].error}); see {record}")
    return _finish(runs, trials, best, work, out)


@dataclass
class _Proposals:
    """Where a search's settings come from: its ``presets``, then perturbations (by ``rng``) in ``space`` of the
    best settings so far; ``fixed`` settings in all, each ``valid`` and new in its ``canonical`` form."""

    presets: Sequence[dict[str, Any]]
    space: Space
    fixed: dict[str, Any]
    rng: random.Random
    valid: Valid
    canonical: Canonical

    def next(self, number: int, best: Trial | None, trials: Sequence[Trial]) -> tuple[str, dict[str, Any] | None]:
        """Trial ``number``'s kind and settings after ``trials`` (see :func:`_propose`)."""
        return _propose(number, self.presets, self.space, self.fixed, best, self.rng,
                        [self.canonical(t.settings) for t in trials], self.valid, self.canonical)


@dataclass
class _Runs:
    """How a search trains and tells of it: the task's ``run`` within ``budget``, scored by the ``score`` entry;
    each training appended to ``record`` as it ends and, when ``say`` is given, told in a line (the settings in
    ``describe``'s words)."""

    run: RunFn
    budget: _Clock | _Updates
    score: str
    record: Path
    say: Callable[[str], None] | None
    describe: Callable[[dict[str, Any]], str]
    spread: Callable[[Path], float | None] | None = None

    def train(self, number: int, kind: str, settings: dict[str, Any], amount: float, where: Path,
              first: bool) -> Trial:
        """One training into ``where`` on a slice of ``amount`` (:func:`_run_trial`), recorded and told."""
        trial = _run_trial(self.run, number, kind, settings, amount, where, self.budget, first=first,
                           score=self.score)
        _append(self.record, trial)
        if self.say:
            self.say(_trial_line(trial, self.describe))
        return trial


def _run_trials(runs: _Runs, proposals: _Proposals, slice_size: float, trials_end: float, work: Path,
                simple: Valid | None) -> tuple[list[Trial], Trial | None]:
    """The trials, each in ``work/trial-N`` on a slice of ``slice_size`` (less where the budget up to
    ``trials_end`` is running out): one after another while at least half a slice is left (the first runs
    anyway) and new settings are; only the best one's folder is kept (:func:`_displaces`). Every trial, and
    the best (None when every one failed)."""
    trials: list[Trial] = []
    best: Trial | None = None
    while True:
        amount = min(slice_size, runs.budget.left(trials_end))
        if trials and amount < 0.5 * slice_size:
            break
        number = len(trials) + 1
        kind, settings = proposals.next(number, best, trials)
        if settings is None:
            break
        trial = runs.train(number, kind, settings, runs.budget.slice(amount), work / f"trial-{number}",
                           first=not trials)
        trials.append(trial)
        if _displaces(trial, best, simple, _measure(runs, work)):
            if best is not None:
                shutil.rmtree(work / f"trial-{best.number}", ignore_errors=True)
            best = trial
        else:
            shutil.rmtree(work / f"trial-{number}", ignore_errors=True)
    return trials, best


def _finish(runs: _Runs, trials: list[Trial], best: Trial, work: Path, out: Path) -> AutotuneResult:
    """Train ``best``'s settings again into ``out`` with what is left of the budget (when that is more than its
    trial had), keep the better of the two in ``out`` (:func:`_keep`), remove ``work``, and what the search did
    (the final run appended to ``trials``)."""
    amount = runs.budget.final(best)
    final = None if amount is None else runs.train(len(trials) + 1, "final", best.settings, amount, out, first=False)
    if final is not None:
        trials.append(final)
    kept = _keep(best, final, work, out)
    shutil.rmtree(work, ignore_errors=True)
    result = final.result if kept == "final" and final is not None else best.result
    assert result is not None
    result.out_dir = out
    return AutotuneResult(trials, best.settings, result, kept)


def _measure(runs: _Runs, work: Path) -> Callable[[Trial], None] | None:
    """What sets a trial's ``spread`` (once) from the model in its folder under ``work`` and writes it into the
    trial's line of the record (``val_score_se``: the line was written when the trial ended, before a bigger
    trial's higher score asked for it); None without the task's ``spread``."""
    if runs.spread is None:
        return None
    spread = runs.spread

    def measure(trial: Trial) -> None:
        if trial.spread is None:
            trial.spread = spread(work / f"trial-{trial.number}")
            if trial.spread is not None:
                _rewrite(runs.record, trial)

    return measure


def _displaces(trial: Trial, best: Trial | None, simple: Valid | None,
               measure: Callable[[Trial], None] | None = None) -> bool:
    """Whether ``trial`` becomes the best so far: it beats ``best``, and clearly so when ``best`` is a
    ``simple`` model and ``trial`` is not (``measure`` then sets ``best``'s standard error first)."""
    if not trial.beats(best):
        return False
    if best is None or simple is None or not simple(best.settings) or simple(trial.settings):
        return True
    if measure is not None:
        measure(best)
    return trial.clearly_beats(best)


def warm_up() -> None:
    """Load what a first training loads on first use (the optimiser's compiler hooks, the plotting
    library: seconds on a busy machine), so that the first trial's slice is spent training and the
    plan is made on the time really left."""
    import torch

    from rnnkit.plots import figure

    torch.optim.Adam([torch.zeros(1, requires_grad=True)])
    with contextlib.suppress(Exception), tempfile.TemporaryDirectory() as tmp, figure(Path(tmp) / "warm.png"):
        pass


def _propose(number: int, presets: Sequence[dict[str, Any]], space: Space, fixed: dict[str, Any],
             best: Trial | None, rng: random.Random, tried: list[dict[str, Any]],
             valid: Valid, canonical: Canonical) -> tuple[str, dict[str, Any] | None]:
    """The next trial's kind and settings: a preset not tried yet, then a perturbation of the best
    settings so far; None when nothing new is left (every searched setting fixed). ``tried`` holds
    the canonical forms of the settings tried."""
    for preset in presets[number - 1:] if number <= len(presets) else ():
        settings = {**preset, **fixed}
        if canonical(settings) not in tried and valid(settings):
            return "preset", settings
    base = best.settings if best else {**presets[0], **fixed}
    settings = perturb(base, space, fixed, rng, tried, valid, canonical)
    return "perturbation", None if canonical(settings) in tried else settings


def _run_trial(run: RunFn, number: int, kind: str, settings: dict[str, Any], amount: float, where: Path,
               budget: _Clock | _Updates, first: bool, score: str = "accuracy") -> Trial:
    """Train once on a slice of ``amount`` (seconds or updates); a diverged trial (or a failing one after
    the first) is recorded, not raised; one in which Ctrl-C came raises KeyboardInterrupt."""
    t0 = time.perf_counter()
    try:
        result = run(dict(settings), budget.limit(amount), where)
    except UserError as exc:
        if first and not isinstance(exc, TrainingDiverged):
            raise  # the data or a setting is wrong: every trial would fail the same way
        budget.charge(time.perf_counter() - t0, amount, trained=False)
        return Trial(number, kind, settings, None, 0, time.perf_counter() - t0, "error", error=str(exc))
    if result.stopped == "interrupted" or result.ctrl_c_pressed:
        raise KeyboardInterrupt  # Ctrl-C ends the whole search (the trial saved its last/), not one trial, also
        # when it came in the trial's last update or evaluation (the trial then ended on its budget)
    took = time.perf_counter() - t0
    overhead = budget.charge(took, amount, trained=True)
    return Trial(number, kind, settings, result.at_best(score), result.steps, took, result.stopped,
                 result=result, overhead=overhead, loss=result.at_best("loss"), count=_val_count(where))


def _best_json(where: Path, name: str) -> dict[str, Any]:
    """The JSON object ``name`` of the checkpoint in ``where/best`` ({} when missing or unreadable)."""
    with contextlib.suppress(OSError, ValueError):
        found = json.loads((where / "best" / name).read_text(encoding="utf-8"))
        return found if isinstance(found, dict) else {}
    return {}


def _val_count(where: Path) -> int | None:
    """The validation examples of the run in ``where``: its ``config.json``'s data record (``val_rows``,
    ``val_sentences`` ...), if any."""
    with contextlib.suppress(AttributeError):
        data = _best_json(where, "config.json").get("data", {})
        counts = [v for k, v in data.items() if k.startswith("val_") and type(v) is int]
        return counts[0] if counts else None
    return None


def _keep(best: Trial, final: Trial | None, work: Path, out: Path) -> str:
    """Leave the better run in ``out``: the final run's, or the best trial's whole run (``best/``, ``last/``,
    its metrics) moved over it, so that ``--resume out`` continues the model ``best/`` holds, judged
    against that model's own best score."""
    if final is not None and not best.beats(final):  # a tie goes to the final run unless its loss is higher
        return "final"
    source = work / f"trial-{best.number}"
    for name in ("best", "last"):  # each swapped in one step: a kill leaves the final run's or the trial's
        if (source / name).is_dir():
            publish(source / name, out / name)
    for name in (METRICS_LOG, LOSS_PLOT):
        if (source / name).exists():
            os.replace(source / name, out / name)
        else:
            (out / name).unlink(missing_ok=True)
    shutil.rmtree(out / TENSORBOARD, ignore_errors=True)  # the final run's curves, of the model not kept
    if (source / TENSORBOARD).is_dir():
        os.replace(source / TENSORBOARD, out / TENSORBOARD)
    return f"trial {best.number}"


def _append(record: Path, trial: Trial) -> None:
    with open(record, "a", encoding="utf-8") as fh:
        fh.write(strictjson.dumps(trial.record()) + "\n")


def _rewrite(record: Path, trial: Trial) -> None:
    """Write ``trial``'s line of ``record`` again, from what it holds now; the others as they are. The record
    is replaced in one rename: a kill leaves the old one or the new one."""
    lines = record.read_text(encoding="utf-8").splitlines()
    new = strictjson.dumps(trial.record())
    with written(record) as tmp:
        tmp.write_text("".join((new if json.loads(line).get("trial") == trial.number else line) + "\n"
                               for line in lines), encoding="utf-8")


def _trial_line(trial: Trial, describe: Callable[[dict[str, Any]], str]) -> str:
    what = "final" if trial.kind == "final" else f"trial {trial.number} ({trial.kind})"
    if trial.error:
        return f"autotune {what}: {describe(trial.settings)}: failed ({trial.error})"
    score = "n/a" if trial.score is None else f"{trial.score:.4f}"
    return (f"autotune {what}: {describe(trial.settings)}: val {score} "
            f"({counted(trial.steps, 'step')}, {seconds(trial.seconds)})")
