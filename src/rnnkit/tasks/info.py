"""``rnnkit info DIR``: what a model directory holds, for any task.

Reads only JSON and the safetensors header-level tensors: the task, the model's configuration, the
parameter count, the training steps, time and best metric, and whether ``last/`` can be resumed.
"""

from __future__ import annotations

import argparse
import json
import re
from pathlib import Path
from typing import Any

from rnnkit import strictjson
from rnnkit.errors import UserError
from rnnkit.tasks import Command, loss_unit, register
from rnnkit.train.checkpoint import count_parameters, load_checkpoint, run_folder, trained_processes
from rnnkit.wording import counted, counted_unit, seconds

__all__ = ["model_info", "vocabulary_size"]


#: a key shown as it is after a dot: no dot, bracket, quote or blank in it that would blur where it ends
_PLAIN_KEY = re.compile(r"[^.\[\]\"\s]+")


def _flatten(prefix: str, value: Any, out: dict[str, Any]) -> None:
    """``value``'s leaves under their paths, ``settings.class_weights.spam``; a key a dot or a blank would blur
    (a label ``a.b``) in brackets and quotes, as jq writes it: ``settings.class_weights["a.b"]``."""
    if isinstance(value, dict):
        for k, v in value.items():
            key = str(k)
            if not _PLAIN_KEY.fullmatch(key):
                _flatten(f"{prefix}[{json.dumps(key, ensure_ascii=False)}]", v, out)
            else:
                _flatten(f"{prefix}.{key}" if prefix else key, v, out)
    else:
        out[prefix] = value


def vocabulary_size(vocab: Any) -> int | dict[str, int] | None:
    """Ids in a ``vocab.json`` as the tasks write it (any tokenizer, specials included): an int; for a
    translator ``{"source": n, "target": m}``; for a recogniser its symbols plus the CTC blank; else None."""
    if not isinstance(vocab, dict):
        return None
    from rnnkit.data.tokenize import tokenizer_from_json

    if isinstance(vocab.get("source"), dict) and isinstance(vocab.get("target"), dict):
        source, target = vocabulary_size(vocab["source"]), vocabulary_size(vocab["target"])
        if isinstance(source, int) and isinstance(target, int):
            return {"source": source, "target": target}
        return None
    if isinstance(vocab.get("symbols"), list) and "jamo" in vocab:
        return len(vocab["symbols"]) + 1  # class 0 is the CTC blank
    try:
        return int(tokenizer_from_json(vocab).vocab_size)
    except UserError:
        return None


def _vocabulary_line(size: int | dict[str, int], writes: dict[str, Any] | None = None) -> str:
    """The ``vocabulary`` row; for a recogniser (``writes``: its ``kind`` and ``jamo``) what its ids are, as its
    training line said them (``47 chars (jamo)``): a language model for ``--lm`` must be of jamo when it writes
    them, and ``settings.jamo`` reads ``None`` when that was decided by the transcripts."""
    if isinstance(size, dict):
        return ", ".join(f"{side} {n:,}" for side, n in size.items())
    if writes is None:
        return f"{size:,}"
    jamo = " (Hangul as jamo)" if writes.get("jamo") is True else ""
    return f"{size:,}: {size - 1:,} {writes.get('kind')}{jamo} and the CTC blank"


def _refuse_results_folder(path: str | Path) -> None:
    """An ``rnnkit experiment`` or ``diagnose`` directory refused as what it is, with the files that say what it holds:
    "not a model directory (expected config.json ...)" left its user looking for a model it never had."""
    from rnnkit.report import experiment_run, results_folder

    run = run_folder(path)
    if str(path).strip() and run.is_dir() and experiment_run(run):
        table = "diagnose.md" if (run / "diagnose.json").is_file() else "results.md"
        raise UserError(f"{path}: {results_folder(run)}, which holds results, not a model: its table is "
                        f"{run / table}, and `rnnkit report {path}` draws its curves")


def model_info(path: str | Path) -> dict[str, Any]:
    """A JSON-able summary of the model directory ``path`` (``OUT`` or a checkpoint inside it)."""
    _refuse_results_folder(path)
    ckpt = load_checkpoint(path)
    ts = ckpt.trainer_state
    info: dict[str, Any] = {
        "path": str(ckpt.path),
        "task": ckpt.config.get("task"),
        "parameters": count_parameters(ckpt.model_shapes),
        "config": ckpt.config,
        "steps": ts.get("step"),
        "seconds": ts.get("elapsed"),
        "tokens": ts.get("tokens"),
        "counted": counted_unit(ts),
        "processes": trained_processes(ts),
        "metric": ts.get("metric"),
        "best_metric": ts.get("best_metric"),
        "best_step": ts.get("best_step"),
        "last_eval": ts.get("last_eval"),
    }
    size = vocabulary_size(ckpt.vocab)
    if size is not None:
        info["vocab_size"] = size
        if isinstance(ckpt.vocab.get("symbols"), list) and "jamo" in ckpt.vocab:  # a recogniser's symbol table
            info["writes"] = {"kind": ckpt.vocab.get("kind"), "jamo": ckpt.vocab.get("jamo")}
    last = run_folder(ckpt.path) / "last" / "trainer_state.json"
    if last.is_file():
        try:
            state = strictjson.loads(last.read_text(encoding="utf-8"))
        except (json.JSONDecodeError, UnicodeDecodeError, RecursionError):
            state = None
        if isinstance(state, dict) and isinstance(state.get("step"), int):
            info["resumable_step"] = state["step"]
            info["resumable_processes"] = trained_processes(state)
    return info


def _info_command(args: argparse.Namespace) -> int:
    info = model_info(args.dir)
    if args.json:
        print(strictjson.dumps(info, ensure_ascii=False))
        return 0
    metric = f"best {info['metric'] or 'metric'}"
    width = max(len("model directory"), len(metric))  # one column of values, a long score's name too

    def row(label: str, value: str) -> None:
        print(f"{label:<{width}}  {value}")

    row("model directory", str(info["path"]))
    kind = " (multi-label: one sigmoid a label)" if info["config"].get("multi_label") else ""
    row("task", f"{info['task']}{kind}")
    row("parameters", f"{info['parameters']:,}")
    if "vocab_size" in info:
        row("vocabulary", _vocabulary_line(info["vocab_size"], info.get("writes")))
    flat: dict[str, Any] = {}
    _flatten("", {k: v for k, v in info["config"].items() if k != "task"}, flat)
    key_width = max((len(key) for key in flat), default=0)  # the values in one column, however long a key
    for key, value in flat.items():
        print(f"  {key:<{key_width}} {value}")
    if info["steps"] is not None:
        row("trained", f"{counted(info['steps'], 'step')} in {seconds(info['seconds'] or 0.0)}"
            + (f", {_number(info['tokens'], ',')} {info.get('counted', 'items')}" if info.get("tokens") else "")
            + (f", on {info['processes']} processes (torchrun)" if info.get("processes", 1) > 1 else ""))
    if info["best_metric"] is not None:
        unit = loss_unit(info["config"], info["metric"])  # nats/char, as the closing line of the run said it
        row(metric, f"{_number(info['best_metric'], '.4f')}{unit} at step {info['best_step']}")
    if info.get("resumable_step") is not None:
        processes = info.get("resumable_processes", 1)  # a resumed run needs as many as it had
        launcher = f"torchrun --standalone --nproc_per_node {processes} -m rnnkit" if processes > 1 else "rnnkit"
        row("resumable", f"last/ at step {info['resumable_step']} "
            f"({launcher} train {info['task']} --resume {run_folder(info['path'])})")
    return 0


def _number(value: Any, spec: str) -> str:
    """``value`` formatted as a number, or as it is when a damaged trainer_state.json holds something else."""
    return format(value, spec) if isinstance(value, int | float) and not isinstance(value, bool) else repr(value)


def _arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("dir", help="model directory (OUT from rnnkit train, or OUT/best)")
    p.add_argument("--json", action="store_true", help="one JSON object")


register(Command("info", "describe a trained model directory (any task): configuration, parameters, training",
                 _arguments, _info_command))
