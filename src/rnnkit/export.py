"""ONNX export of a text model, checked against onnxruntime.

What a user gets: :func:`export_onnx` writes any model with ``probabilities(ids, lengths)`` (a classifier's
(B, K), a tagger's (B, T, K)) as an ONNX graph with inputs ``ids`` (B, T) int64 padded with 0 and
``lengths`` (B,) int64 and the output ``probabilities``, with metadata strings of your choice (rnnkit
stores the task, the labels, the vocabulary and the configuration). With ``check`` it runs the file in
onnxruntime (when installed) on a padded batch of random inputs and refuses an export whose
probabilities differ from rnnkit's by more than 1e-4.

Only cells with a fused torch kernel can be exported (:data:`FUSED_CELLS`): the others run their own
Python time loop, which ONNX cannot express for a variable length.
"""

from __future__ import annotations

import contextlib
import os
import sys
import warnings
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import torch
from torch import Tensor, nn

from rnnkit.cells import CELLS
from rnnkit.data.tokenize import pad_batch
from rnnkit.device import model_copy, model_device
from rnnkit.errors import UserError
from rnnkit.files import output_file
from rnnkit.recurrent import Recurrent

__all__ = ["FUSED_CELLS", "export_onnx"]

#: the cells whose layers run a fused torch kernel, which ONNX can express
FUSED_CELLS = tuple(n for n, c in CELLS.items() if c.fused_kernel)

OUTPUT = "probabilities"


@contextlib.contextmanager
def _quiet_stderr() -> Iterator[None]:
    """Silence the C++ shape-inference warnings torch.onnx prints on file descriptor 2."""
    sys.stderr.flush()
    saved = os.dup(2)
    try:
        with open(os.devnull, "w") as null:
            os.dup2(null.fileno(), 2)
            yield
    finally:
        os.dup2(saved, 2)
        os.close(saved)


class _Probabilities(nn.Module):
    def __init__(self, model: nn.Module) -> None:
        super().__init__()
        self.model = model

    def forward(self, ids: Tensor, lengths: Tensor) -> Tensor:
        return self.model.probabilities(ids, lengths)


def _sample_batch(vocab_size: int, sizes: tuple[int, ...], gen: torch.Generator) -> tuple[Tensor, Tensor]:
    seqs = [torch.randint(2, vocab_size, (n,), generator=gen).tolist() for n in sizes]
    return pad_batch(seqs)


def export_onnx(
    model: nn.Module,
    path: str | Path,
    *,
    cell: str,
    vocab_size: int,
    labels: list[str],
    metadata: dict[str, str],
    per_step: bool = False,
    check: bool = True,
    where: str = "",
) -> dict[str, Any]:
    """Write ``model`` as ONNX to ``path`` and return ``{"onnx", "inputs", "output", "labels"}`` plus,
    with ``check`` and onnxruntime installed, ``"checked": True`` and ``"max_abs_diff"`` (else
    ``"checked": False``). ``per_step``: the output has a time axis (a tagger). ``where`` names the model
    in error messages."""
    recurrent = any(isinstance(m, Recurrent) for m in model.modules())  # a bag of embeddings runs no cell
    if recurrent and cell not in FUSED_CELLS:
        raise UserError(f"{where}: cell {cell!r} runs its own time loop, which ONNX cannot express with a "
                        f"variable length; export works for {', '.join(FUSED_CELLS)}")
    looped = [m for m in model.modules() if isinstance(m, Recurrent) and m.reg.in_loop(training=False)]
    if looped:
        raise UserError(f"{where}: zoneout and the layer-normalised LSTM run rnnkit's own time loop, which ONNX "
                        "cannot express with a variable length; export works for models trained without them")
    try:
        import onnx
    except ImportError:
        raise UserError("export needs the 'onnx' package: pip install 'rnnkit[export]'") from None
    out = Path(path)
    if model_device(model).type != "cpu":   # a model a caller moved to a GPU: exported, and checked, from the CPU
        model = model_copy(model).cpu()
    wrapper = _Probabilities(model).eval()
    gen = torch.Generator().manual_seed(0)
    vocab_size = max(vocab_size, 3)
    ids, lengths = _sample_batch(vocab_size, (7, 3, 12, 1), gen)
    dynamic = {"ids": {0: "batch", 1: "time"}, "lengths": {0: "batch"}, OUTPUT: {0: "batch"}}
    if per_step:
        dynamic[OUTPUT][1] = "time"
    with output_file(path) as tmp:
        with warnings.catch_warnings(), _quiet_stderr():
            warnings.simplefilter("ignore")
            torch.onnx.export(wrapper, (ids, lengths), str(tmp), input_names=["ids", "lengths"],
                              output_names=[OUTPUT], dynamic_axes=dynamic, opset_version=17, dynamo=False)
        proto = onnx.load(str(tmp))
        for key, value in metadata.items():
            entry = proto.metadata_props.add()
            entry.key, entry.value = key, value
        onnx.save(proto, str(tmp))
        result: dict[str, Any] = {"onnx": str(out), "inputs": ["ids", "lengths"], "output": OUTPUT,
                                  "labels": labels}
        if check:  # before it replaces anything: a refused export leaves no file, and an earlier one intact
            batch = _sample_batch(vocab_size, (5, 17, 2, 9, 1, 30), gen)
            result.update(_check_with_onnxruntime(wrapper, tmp, batch, shown=out))
        else:
            result["checked"] = False
    return result


def _check_with_onnxruntime(wrapper: nn.Module, out: Path, batch: tuple[Tensor, Tensor],
                            shown: Path | None = None) -> dict[str, Any]:
    """``{"checked": False}`` without onnxruntime, else the largest difference over the real steps (``shown``:
    the path a refusal names, the file's final place)."""
    try:
        import onnxruntime as ort
    except ImportError:
        return {"checked": False}
    ids, lengths = batch
    session = ort.InferenceSession(str(out), providers=["CPUExecutionProvider"])
    got = session.run(None, {"ids": ids.numpy(), "lengths": lengths.numpy()})[0]
    with torch.no_grad():
        want = wrapper(ids, lengths).numpy()
    if want.ndim == 3:  # per step: compare the real steps only
        mask = (torch.arange(ids.shape[1]).unsqueeze(0) < lengths.unsqueeze(1)).numpy()
        diff = float(abs(got - want)[mask].max())
    else:
        diff = float(abs(got - want).max())
    if not diff <= 1e-4:
        raise UserError(f"{shown or out}: onnxruntime's probabilities differ from rnnkit's by {diff:g}; the export "
                        "is wrong, and was not written")
    return {"checked": True, "max_abs_diff": diff}
