"""The generic training loop shared by every rnnkit task.

How a task uses it
------------------
A task supplies four things and gets checkpoints, resume, schedules, clipping, evaluation, early
stopping by time, progress, ``metrics.jsonl`` and a loss plot::

    from rnnkit.train import Trainer, TrainConfig, seed_everything

    seed_everything(cfg.seed)                 # before building the model: init is seeded
    model = MyModel(...)
    trainer = Trainer(
        model, cfg,
        batches=my_batches,                   # BatchSource, see below
        loss_fn=my_loss,                      # (model, batch, state) -> (loss_sum, n_items, new_state)
        eval_fn=my_eval,                      # (model) -> {"loss": ..., "accuracy": ...}; or None
        out_dir="runs/x",
        model_config={"task": "mine", ...},   # JSON: what you need to rebuild the model later
        vocab=my_vocab_json,                  # JSON or None
        resume=None,                          # or load_checkpoint(dir, prefer="last")
    )
    result = trainer.fit()                    # TrainResult: best metric, steps, seconds, tokens/s

``batches`` (a :class:`BatchSource`) has ``next_batch()`` returning any object your ``loss_fn``
understands, and ``state_dict()`` / ``load_state_dict(d)`` with a JSON-able position (e.g. window
offset and epoch; a shuffling source also stores its ``torch.Generator`` state: see
:func:`rnnkit.train.checkpoint.tensor_to_list`). The source should be infinite (wrap to a new epoch).

``loss_fn(model, batch, state)`` runs the model in training mode and returns ``(loss_sum, n, new_state)``:
the loss *summed* over the ``n`` items (tokens, sequences) of the batch as a 0-d tensor, ``n`` as an
int, and the recurrent state to hand to the next batch (``None`` for tasks without carried state).
The trainer back-propagates ``loss_sum / n`` (the mean over items), detaches ``new_state`` and passes
it back as ``state`` on the next call (truncated BPTT; see :mod:`rnnkit.train.tbptt`). The carried
state is saved in ``last/`` so a resumed run continues bit for bit.

``eval_fn(model)`` is called every ``eval_every`` steps and at the end, under ``torch.no_grad()`` with
``model.eval()``; it returns a dict of floats that contains ``config.metric`` (default ``"loss"``,
lower is better; set ``mode="max"`` for accuracy). The best value so far is kept in ``OUT/best/``.
Without an ``eval_fn`` the final model is the best one and the train loss is reported.

Stopping: after ``steps`` updates or ``minutes`` of wall clock (evaluation included), whichever comes
first; Ctrl-C finishes the current step, saves ``OUT/last`` and returns (``stopped="interrupted"``).
A non-finite loss or gradient norm raises :class:`TrainingDiverged` (a :class:`UserError`) naming the
step; nothing is saved after the last good checkpoint.

The learning-rate schedule is a function of the step (or the fraction of the ``minutes`` budget
spent, whichever is further along), so resuming a step-limited run is bit-exact on CPU: model,
optimiser, data position, carried state and the torch/Python/NumPy RNG states are all restored.
Under a ``minutes`` budget the schedule follows the clock, which is not reproducible.

Outputs under ``out_dir``: ``best/``, ``last/`` (checkpoint directories, see
:mod:`rnnkit.train.checkpoint`), ``metrics.jsonl`` (one JSON object per logged step: ``step``,
``elapsed``, ``train_loss``, ``lr``, ``grad_norm``, ``clipped``, ``tokens_per_s``, and ``val_<key>``
when evaluated) and ``loss.png``.
"""

from __future__ import annotations

import contextlib
import json
import math
import random
import signal
import sys
import threading
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, Protocol

import numpy as np
import torch
from torch import Tensor, nn

from rnnkit.errors import UserError
from rnnkit.train.checkpoint import Checkpoint, save_checkpoint
from rnnkit.train.optim import build_optimizer, learning_rate

__all__ = [
    "BatchSource",
    "TrainConfig",
    "TrainResult",
    "Trainer",
    "TrainingDiverged",
    "check_out_dir",
    "detach_state",
    "fast_bf16_available",
    "seed_everything",
]


class BatchSource(Protocol):
    """An endless supply of batches whose position can be saved and restored (JSON)."""

    def next_batch(self) -> Any: ...

    def state_dict(self) -> dict[str, Any]: ...

    def load_state_dict(self, state: dict[str, Any]) -> None: ...


LossFn = Callable[[nn.Module, Any, Any], tuple[Tensor, Any, Any]]
EvalFn = Callable[[nn.Module], dict[str, float]]


class TrainingDiverged(UserError):
    """The loss or the gradient norm became NaN or infinite; ``step`` says when."""

    def __init__(self, message: str, step: int) -> None:
        super().__init__(message)
        self.step = step


@dataclass
class TrainConfig:
    """Everything about *how* to train (not what): the trainer's settings with their defaults."""

    steps: int | None = 1000          # stop after this many updates (None: only the clock stops it)
    minutes: float | None = None      # wall-clock budget, evaluation included
    optimizer: str = "adam"           # sgd | adam | adamw | rmsprop
    lr: float = 2e-3
    weight_decay: float = 0.0
    momentum: float = 0.9             # SGD only
    beta2: float = 0.999              # Adam/AdamW second-moment decay
    warmup: int = 0                   # linear warm-up steps
    schedule: str = "cosine"          # cosine | step | constant
    min_lr_ratio: float = 0.0         # cosine floor, as a fraction of lr
    step_every: int = 1000            # step decay period
    gamma: float = 0.5                # step decay factor
    clip: float | None = 5.0          # global gradient-norm threshold (None or 0: no clipping)
    eval_every: int = 200
    log_every: int = 20
    seed: int = 0
    metric: str = "loss"              # key of eval_fn's dict that picks the best checkpoint
    mode: str = "min"                 # min | max
    progress: bool | None = None      # tqdm bar; None: only when stderr is a terminal
    verbose: bool = True              # evaluation lines on stderr
    overwrite: bool = False           # allow a fresh run into an out_dir that holds one
    halt_at: int | None = None        # stop (and save last/) after this step; the schedule still runs to `steps`
    unit: str = "tok"                 # what loss_fn's n counts, for the progress bar
    precision: str = "fp32"           # fp32 | bf16 | auto: bf16 autocast around loss_fn where the hardware
                                      # has fast bf16 (weights, optimizer and evaluation stay fp32)

    @classmethod
    def from_dict(cls, values: dict[str, Any]) -> TrainConfig:
        known = {f for f in cls.__dataclass_fields__}
        return cls(**{k: v for k, v in values.items() if k in known})


@dataclass
class TrainResult:
    """What a finished (or stopped) run reports."""

    best_metric: float | None
    best_step: int | None
    metric: str
    steps: int
    seconds: float
    tokens: int
    tokens_per_s: float
    stopped: str                      # steps | minutes | interrupted | halt_at
    out_dir: Path
    last_eval: dict[str, float] = field(default_factory=dict)

    def to_json(self) -> dict[str, Any]:
        out = asdict(self)
        out["out_dir"] = str(self.out_dir)
        return out


def seed_everything(seed: int) -> None:
    """Seed torch, Python's ``random`` and NumPy."""
    torch.manual_seed(seed)
    random.seed(seed)
    np.random.seed(seed % 2**32)


def detach_state(state: Any) -> Any:
    """Detach a recurrent state: a tensor, a tuple/list of them (LSTM's ``(h, c)``), or None."""
    if state is None:
        return None
    if isinstance(state, Tensor):
        return state.detach()
    if isinstance(state, (tuple, list)):
        return type(state)(detach_state(s) for s in state)
    raise TypeError(f"cannot detach a recurrent state of type {type(state).__name__}")


def _flatten_state(state: Any) -> tuple[str, dict[str, Tensor]]:
    if state is None:
        return "none", {}
    if isinstance(state, Tensor):
        return "tensor", {"carry.0": state}
    if isinstance(state, (tuple, list)) and all(isinstance(s, Tensor) for s in state):
        return f"tuple:{len(state)}", {f"carry.{i}": s for i, s in enumerate(state)}
    raise TypeError("the carried state must be None, a tensor or a flat tuple of tensors to be saved")


def _unflatten_state(kind: str, tensors: dict[str, Tensor]) -> Any:
    if kind == "none":
        return None
    if kind == "tensor":
        return tensors["carry.0"]
    n = int(kind.split(":")[1])
    return tuple(tensors[f"carry.{i}"] for i in range(n))


def check_out_dir(out_dir: str | Path, *, overwrite: bool = False) -> None:
    """Refuse (UserError) to start a fresh run in a directory that already holds one, unless overwrite.

    Tasks call it before loading data so the mistake is reported at once; the Trainer checks again.
    """
    out_dir = Path(out_dir)
    taken = [d for d in ("best", "last") if (out_dir / d / "config.json").exists()]
    if taken and not overwrite:
        raise UserError(
            f"{out_dir}: already holds a trained model; continue it with --resume {out_dir}, "
            "or start again with --overwrite (or another --out)"
        )


def fast_bf16_available(model: nn.Module | None = None) -> bool:
    """True when bf16 autocast is likely faster than fp32: a CUDA device with bf16, or a CPU with
    AVX512-BF16 or AMX (read from /proc/cpuinfo)."""
    param = next(iter(model.parameters()), None) if model is not None else None
    if param is not None and param.device.type == "cuda":
        return bool(torch.cuda.is_bf16_supported())
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as fh:
            for line in fh:
                if line.startswith("flags"):
                    return "avx512_bf16" in line or "amx_bf16" in line
    except OSError:
        pass
    return False


def _python_rng_to_json() -> list[Any]:
    version, internal, gauss = random.getstate()
    return [version, list(internal), gauss]


def _numpy_rng_to_json() -> list[Any]:
    name, keys, pos, has_gauss, cached = np.random.get_state()
    return [name, [int(k) for k in keys], int(pos), int(has_gauss), float(cached)]


class Trainer:
    """Trains ``model`` with ``loss_fn`` on ``batches``; evaluates, checkpoints, logs and resumes.

    See the module docstring for the contract of ``batches``, ``loss_fn`` and ``eval_fn``.
    """

    def __init__(
        self,
        model: nn.Module,
        config: TrainConfig,
        *,
        batches: BatchSource,
        loss_fn: LossFn,
        out_dir: str | Path,
        model_config: dict[str, Any],
        eval_fn: EvalFn | None = None,
        vocab: Any = None,
        resume: Checkpoint | None = None,
        optimizer: torch.optim.Optimizer | None = None,
    ) -> None:
        if config.mode not in ("min", "max"):
            raise UserError(f"mode {config.mode!r}: expected 'min' or 'max'")
        if not config.steps and not config.minutes:
            raise UserError("give --steps N or --minutes M (or both): the run needs an end")
        self.model = model
        if config.precision == "auto":
            config.precision = "bf16" if fast_bf16_available(model) else "fp32"
        self.cfg = config
        self.batches = batches
        self.loss_fn = loss_fn
        self.eval_fn = eval_fn
        self.out_dir = Path(out_dir)
        self.model_config = dict(model_config)
        self.vocab = vocab
        self.params = [p for p in model.parameters() if p.requires_grad]
        self.optimizer = optimizer or build_optimizer(
            config.optimizer,
            self.params,
            lr=config.lr,
            weight_decay=config.weight_decay,
            momentum=config.momentum,
            betas=(0.9, config.beta2),
        )
        self.step = 0
        self.elapsed = 0.0
        self.train_seconds = 0.0
        self.tokens = 0
        self.best_metric: float | None = None
        self.best_step: int | None = None
        self.last_saved_step: int | None = None
        self.last_eval: dict[str, float] = {}
        self.carry: Any = None
        self._stop_requested = False
        if resume is not None:
            self._restore(resume)
        else:
            self._check_fresh_out_dir()

    # ------------------------------------------------------------------ state
    def _check_fresh_out_dir(self) -> None:
        check_out_dir(self.out_dir, overwrite=self.cfg.overwrite)

    def _restore(self, ckpt: Checkpoint) -> None:
        ts = ckpt.trainer_state
        if "step" not in ts or ckpt.optimizer_state is None:
            raise UserError(
                f"{ckpt.path}: not a resumable checkpoint (no optimizer state); resume from the run's "
                "directory, which holds last/"
            )
        try:
            self.model.load_state_dict(ckpt.model_state)
            self.optimizer.load_state_dict(ckpt.optimizer_state)
        except (RuntimeError, ValueError, KeyError) as exc:
            raise UserError(f"{ckpt.path}: checkpoint does not fit this model/optimizer ({exc})") from None
        self.step = int(ts["step"])
        self.elapsed = float(ts.get("elapsed", 0.0))
        self.train_seconds = float(ts.get("train_seconds", self.elapsed))
        self.tokens = int(ts.get("tokens", 0))
        self.best_metric = ts.get("best_metric")
        self.best_step = ts.get("best_step")
        self.last_saved_step = self.step
        self.last_eval = dict(ts.get("last_eval", {}))
        self.batches.load_state_dict(ts["data"])
        self.carry = _unflatten_state(ts.get("carry", "none"), ckpt.tensors)
        rng = ts.get("rng", {})
        if "torch" in ckpt.tensors:
            torch.set_rng_state(ckpt.tensors["torch"])
        if "python" in rng:
            version, internal, gauss = rng["python"]
            random.setstate((version, tuple(internal), gauss))
        if "numpy" in rng:
            name, keys, pos, has_gauss, cached = rng["numpy"]
            np.random.set_state((name, np.array(keys, dtype=np.uint32), pos, has_gauss, cached))

    def _trainer_state(self) -> dict[str, Any]:
        kind, _ = _flatten_state(self.carry)
        return {
            "step": self.step,
            "elapsed": self.elapsed,
            "train_seconds": self.train_seconds,
            "tokens": self.tokens,
            "metric": self.cfg.metric,
            "mode": self.cfg.mode,
            "best_metric": self.best_metric,
            "best_step": self.best_step,
            "last_eval": self.last_eval,
            "data": self.batches.state_dict(),
            "carry": kind,
            "rng": {"python": _python_rng_to_json(), "numpy": _numpy_rng_to_json()},
            "train_config": asdict(self.cfg),
        }

    def save_last(self) -> None:
        """Write ``OUT/last``: everything a resume needs."""
        _, carry = _flatten_state(self.carry)
        tensors = dict(carry)
        tensors["torch"] = torch.get_rng_state()
        save_checkpoint(
            self.out_dir / "last",
            model_state=self.model.state_dict(),
            config=self.model_config,
            vocab=self.vocab,
            trainer_state=self._trainer_state(),
            optimizer_state=self.optimizer.state_dict(),
            tensors=tensors,
        )
        self.last_saved_step = self.step

    def save_best(self) -> None:
        """Write ``OUT/best``: the model, its config and vocabulary, and how it was trained."""
        state = self._trainer_state()
        for key in ("data", "carry", "rng"):
            state.pop(key)
        save_checkpoint(
            self.out_dir / "best",
            model_state=self.model.state_dict(),
            config=self.model_config,
            vocab=self.vocab,
            trainer_state=state,
        )

    # ------------------------------------------------------------------ logging
    @property
    def metrics_path(self) -> Path:
        return self.out_dir / "metrics.jsonl"

    def _prepare_metrics_file(self) -> None:
        self.out_dir.mkdir(parents=True, exist_ok=True)
        keep: list[str] = []
        if self.step > 0 and self.metrics_path.exists():  # resumed: drop what came after the checkpoint
            for line in self.metrics_path.read_text(encoding="utf-8").splitlines():
                try:
                    if json.loads(line).get("step", 0) <= self.step:
                        keep.append(line)
                except json.JSONDecodeError:
                    continue
        self.metrics_path.write_text("".join(s + "\n" for s in keep), encoding="utf-8")

    def _log(self, record: dict[str, Any]) -> None:
        with open(self.metrics_path, "a", encoding="utf-8") as fh:
            fh.write(json.dumps(record) + "\n")

    def _say(self, bar: Any, message: str) -> None:
        if not self.cfg.verbose:
            return
        if bar is not None and not bar.disable:
            bar.write(message, file=sys.stderr)
        else:
            print(message, file=sys.stderr, flush=True)

    # ------------------------------------------------------------------ evaluation
    def evaluate(self) -> dict[str, float]:
        """Run ``eval_fn`` in eval mode without gradients; restores training mode."""
        if self.eval_fn is None:
            return {}
        was_training = self.model.training
        self.model.eval()
        try:
            with torch.no_grad():
                result = {k: float(v) for k, v in self.eval_fn(self.model).items()}
        finally:
            self.model.train(was_training)
        if self.cfg.metric not in result:
            raise KeyError(f"eval_fn returned {sorted(result)}, without the metric {self.cfg.metric!r}")
        return result

    def _autocast(self) -> Any:
        if self.cfg.precision == "fp32":
            return contextlib.nullcontext()
        if self.cfg.precision == "bf16":
            device = next(iter(self.params)).device.type if self.params else "cpu"
            return torch.autocast(device, dtype=torch.bfloat16)
        raise UserError(f"--precision {self.cfg.precision!r}: expected fp32 or bf16")

    def _is_better(self, value: float) -> bool:
        if not math.isfinite(value):
            return False
        if self.best_metric is None:
            return True
        return value < self.best_metric if self.cfg.mode == "min" else value > self.best_metric

    # ------------------------------------------------------------------ loop
    def _progress(self, start: float) -> float:
        parts = []
        if self.cfg.steps:
            parts.append(self.step / self.cfg.steps)
        if self.cfg.minutes:
            parts.append((time.perf_counter() - start) / (60.0 * self.cfg.minutes))
        return max(parts)

    def _lr(self, progress: float) -> float:
        c = self.cfg
        return learning_rate(
            c.lr, self.step, progress, schedule=c.schedule, warmup_steps=c.warmup,
            min_lr_ratio=c.min_lr_ratio, step_every=c.step_every, gamma=c.gamma,
        )

    def _diverged(self, what: str, value: float, lr: float) -> TrainingDiverged:
        if self.last_saved_step is not None:
            kept = f"the last good checkpoint ({self.out_dir / 'last'}, step {self.last_saved_step}) is intact"
        else:
            kept = "no checkpoint had been written yet"
        self._log({"step": self.step + 1, "elapsed": round(self.elapsed, 3), "diverged": what,
                   "value": str(value), "lr": lr})
        return TrainingDiverged(
            f"step {self.step + 1}: the {what} became {value} (training diverged) and the run stopped; "
            f"try a lower learning rate (--lr {self.cfg.lr / 4:g} instead of {self.cfg.lr:g}) or "
            f"gradient clipping (--clip 1.0); {kept}",
            self.step + 1,
        )

    def fit(self) -> TrainResult:
        """Train until ``steps``, ``minutes``, ``halt_at`` or Ctrl-C; returns the :class:`TrainResult`."""
        from tqdm import tqdm

        cfg = self.cfg
        self._prepare_metrics_file()
        self.model.train()
        start = time.perf_counter() - self.elapsed
        budget = 60.0 * cfg.minutes if cfg.minutes else math.inf
        total_steps = cfg.steps or 0
        bar = tqdm(
            total=total_steps or None, initial=self.step, disable=None if cfg.progress is None else not cfg.progress,
            unit="step", dynamic_ncols=True, file=sys.stderr, leave=False,
            bar_format="{l_bar}{bar}| {n_fmt}/{total_fmt} [{elapsed}{postfix}]",
        )
        old_handler = None
        if threading.current_thread() is threading.main_thread():
            def _request_stop(signum: int, frame: Any) -> None:
                if self._stop_requested:
                    raise KeyboardInterrupt
                self._stop_requested = True
            old_handler = signal.signal(signal.SIGINT, _request_stop)

        interval_loss = 0.0
        interval_items = 0
        interval_norms: list[float] = []
        interval_clipped = 0
        interval_t = 0.0
        interval_tokens = 0
        stopped = "steps"
        lr = cfg.lr
        try:
            while True:
                if cfg.steps and self.step >= cfg.steps:
                    stopped = "steps"
                    break
                if time.perf_counter() - start >= budget:
                    stopped = "minutes"
                    break
                if cfg.halt_at is not None and self.step >= cfg.halt_at:
                    stopped = "halt_at"
                    break
                if self._stop_requested:
                    stopped = "interrupted"
                    break
                t0 = time.perf_counter()
                lr = self._lr(self._progress(start))
                for group in self.optimizer.param_groups:
                    group["lr"] = lr
                batch = self.batches.next_batch()
                with self._autocast():
                    loss_sum, n_items, new_state = self.loss_fn(self.model, batch, self.carry)
                n_items = int(n_items)
                loss_value = float(loss_sum.detach())
                if not math.isfinite(loss_value):
                    raise self._diverged("training loss", loss_value, lr)
                (loss_sum / max(n_items, 1)).backward()
                max_norm = cfg.clip if cfg.clip else math.inf
                norm = float(torch.nn.utils.clip_grad_norm_(self.params, max_norm))
                if not math.isfinite(norm):
                    raise self._diverged("gradient norm", norm, lr)
                self.optimizer.step()
                self.optimizer.zero_grad(set_to_none=True)
                self.carry = detach_state(new_state)
                self.step += 1
                dt = time.perf_counter() - t0
                self.train_seconds += dt
                self.tokens += n_items
                self.elapsed = time.perf_counter() - start
                interval_loss += loss_value
                interval_items += n_items
                interval_norms.append(norm)
                interval_clipped += int(norm > max_norm)
                interval_t += dt
                interval_tokens += n_items
                bar.update(1)

                at_end = bool(cfg.steps) and self.step >= cfg.steps
                do_eval = self.eval_fn is not None and (
                    (cfg.eval_every and self.step % cfg.eval_every == 0) or at_end
                )
                do_log = (cfg.log_every and self.step % cfg.log_every == 0) or do_eval or at_end
                if do_log:
                    train_loss = interval_loss / max(interval_items, 1)
                    tps = interval_tokens / max(interval_t, 1e-9)
                    record: dict[str, Any] = {
                        "step": self.step,
                        "elapsed": round(self.elapsed, 3),
                        "train_loss": train_loss,
                        "lr": lr,
                        "grad_norm": interval_norms[-1],
                        "grad_norm_mean": sum(interval_norms) / len(interval_norms),
                        "clipped": interval_clipped / len(interval_norms),
                        "tokens_per_s": round(tps, 1),
                    }
                    left = budget - self.elapsed
                    if cfg.steps:
                        left = min(left, (cfg.steps - self.step) * self.elapsed / max(self.step, 1))
                    bar.set_postfix_str(
                        f"loss {train_loss:.3f} | {tps:,.0f} {cfg.unit}/s | "
                        f"|g| {interval_norms[-1]:.2f} | left {_fmt_seconds(left)}",
                        refresh=False,
                    )
                    if do_eval:
                        self.last_eval = self.evaluate()
                        self.elapsed = time.perf_counter() - start
                        record["elapsed"] = round(self.elapsed, 3)
                        record.update({f"val_{k}": v for k, v in self.last_eval.items()})
                        value = self.last_eval[cfg.metric]
                        better = self._is_better(value)
                        if better:
                            self.best_metric, self.best_step = value, self.step
                        self._say(bar, f"step {self.step}: train loss {train_loss:.4f}, val {cfg.metric} "
                                       f"{value:.4f}{' (best)' if better else ''}, {tps:,.0f} {cfg.unit}/s")
                        if better:
                            self.save_best()
                        self.save_last()
                    self._log(record)
                    interval_loss, interval_items, interval_norms = 0.0, 0, []
                    interval_clipped, interval_t, interval_tokens = 0, 0.0, 0
        finally:
            bar.close()
            if old_handler is not None:
                signal.signal(signal.SIGINT, old_handler)
            self.elapsed = time.perf_counter() - start
            self._plot()

        if self.step > 0 and self.last_saved_step != self.step:
            if self.eval_fn is not None and stopped in ("minutes", "steps"):
                self.last_eval = self.evaluate()
                self.elapsed = time.perf_counter() - start
                value = self.last_eval[cfg.metric]
                if self._is_better(value):
                    self.best_metric, self.best_step = value, self.step
                    self.save_best()
                self._log({"step": self.step, "elapsed": round(self.elapsed, 3),
                           **{f"val_{k}": v for k, v in self.last_eval.items()}})
                self._say(None, f"step {self.step}: val {cfg.metric} {value:.4f}")
            elif self.eval_fn is None:
                self.best_step = self.step
                self.save_best()
            self.save_last()
            self._plot()
        elif self.step > 0 and self.eval_fn is None and not (self.out_dir / "best").exists():
            self.save_best()
        return TrainResult(
            best_metric=self.best_metric,
            best_step=self.best_step,
            metric=cfg.metric,
            steps=self.step,
            seconds=self.elapsed,
            tokens=self.tokens,
            tokens_per_s=self.tokens / max(self.train_seconds, 1e-9),
            stopped=stopped,
            out_dir=self.out_dir,
            last_eval=self.last_eval,
        )

    def _plot(self) -> None:
        try:
            plot_metrics(self.metrics_path, self.out_dir / "loss.png")
        except Exception as exc:  # a plot must never lose a run
            print(f"rnnkit: warning: could not draw {self.out_dir / 'loss.png'}: {exc}", file=sys.stderr)


def _fmt_seconds(seconds: float) -> str:
    if not math.isfinite(seconds):
        return "?"
    seconds = max(0, int(seconds))
    return f"{seconds // 60}:{seconds % 60:02d}"


def plot_metrics(metrics_path: Path, png_path: Path) -> Path | None:
    """Draw train and validation loss against step from ``metrics.jsonl`` into ``png_path``."""
    if not metrics_path.exists():
        return None
    rows = []
    for line in metrics_path.read_text(encoding="utf-8").splitlines():
        try:
            rows.append(json.loads(line))
        except json.JSONDecodeError:
            continue
    train = [(r["step"], r["train_loss"]) for r in rows if "train_loss" in r]
    val = [(r["step"], r["val_loss"]) for r in rows if "val_loss" in r]
    if not train and not val:
        return None
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(7, 4), dpi=100)
    if train:
        ax.plot(*zip(*train, strict=True), label="train loss", linewidth=1)
    if val:
        ax.plot(*zip(*val, strict=True), "o-", label="validation loss", linewidth=1.5, markersize=3)
    ax.set_xlabel("step")
    ax.set_ylabel("loss (nats per item)")
    ax.grid(alpha=0.3)
    ax.legend()
    fig.tight_layout()
    tmp = png_path.with_name(png_path.name + ".tmp.png")
    fig.savefig(tmp)
    plt.close(fig)
    tmp.replace(png_path)
    return png_path
