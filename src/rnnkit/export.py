"""ONNX export of a text model, checked against onnxruntime.

What a user gets: :func:`export_onnx` writes any model with ``probabilities(ids, lengths)`` (a classifier's
(B, K)) as an ONNX graph with inputs ``ids`` (B, T) int64 padded with 0 and ``lengths`` (B,) int64 and the
output ``probabilities``, with metadata strings of your choice (rnnkit stores the task, the labels, the
vocabulary and the configuration). A tagger (``per_step``: :class:`rnnkit.models.tagger.Tagger`) gives
(B, T, K) ``probabilities`` and a second output ``tags`` (B, T) int64, the tag ids its ``decode`` gives (the
argmax of each token, or a CRF's Viterbi path, which the TorchScript exporter writes as ONNX loops); a
tagger with a spelling encoder also takes ``chars`` (B, T, L) int64, each token's character ids padded with
0 (padded tokens all 0), and reads each token's spelling from its own row. With ``check`` it runs the file
in onnxruntime (when installed) on a padded batch of random inputs and refuses an export whose
probabilities differ from rnnkit's by more than 1e-4, or whose tags differ at all.

The cells that export (:data:`EXPORTED_CELLS`) are those with a fused torch kernel, which the exporter writes
as ONNX's own recurrent operators, and minGRU and minLSTM, whose gates read x_t only: their parallel scan
(:func:`rnnkit.scan.linear_scan`, whatever their ``scan`` option) runs there as a doubling scan of plain
operations, its ⌈log2 T⌉ rounds an ONNX Loop, of any length (ONNX has no logcumsumexp). A layer that runs
rnnkit's own step loop (the Clockwork RNN, zoneout, the layer-normalised LSTM, ``impl="reference"``) runs it
there as a scripted loop, an ONNX Loop of as many steps as the input has (:mod:`rnnkit.export_loop`); what has
no such loop, and an LSTM with ``proj_size`` (which torch's exporter refuses too), is refused before anything is
written.
"""

from __future__ import annotations

import warnings
from pathlib import Path
from typing import Any

import torch
from torch import Tensor, nn

from rnnkit.cells import CELLS
from rnnkit.data.tokenize import pad_batch
from rnnkit.device import model_copy, model_device
from rnnkit.errors import UserError, quiet_stderr
from rnnkit.export_loop import LOOPED_CELLS, exportable
from rnnkit.files import output_file
from rnnkit.recurrent import Recurrent

__all__ = ["EXPORTED_CELLS", "export_onnx"]

#: the cells whose layers ONNX can express at any length: a fused torch kernel, a sequence of plain operations, or
#: rnnkit's step loop as an ONNX Loop (:mod:`rnnkit.export_loop`), with zoneout and layer normalisation too
EXPORTED_CELLS = tuple(n for n, c in CELLS.items() if c.fused_kernel or c.exports_sequence
                       or any(issubclass(c, looped) for looped in LOOPED_CELLS))

OUTPUT = "probabilities"
TAGS = "tags"
#: each input an exported file may take, and what it holds
INPUTS = {"ids": "(batch, time) int64 padded with 0", "lengths": "(batch,) int64",
          "chars": "(batch, time, characters) int64 padded with 0"}


class _Probabilities(nn.Module):
    """``ids, lengths`` → the model's probabilities; a tagger's (``per_step``) → its probabilities and its tags,
    with ``chars`` (B, T, L) where it reads spellings (each token its own row of the spelling encoder)."""

    def __init__(self, model: nn.Module, per_step: bool = False) -> None:
        super().__init__()
        self.model = model
        self.per_step = per_step

    def forward(self, ids: Tensor, lengths: Tensor, chars: Tensor | None = None) -> Tensor | tuple[Tensor, Tensor]:
        if not self.per_step:
            return self.model.probabilities(ids, lengths)
        spellings: tuple[Tensor, ...] = ()
        if chars is not None:
            flat = chars.flatten(0, 1)  # a padded token's spelling is all 0: one character of padding
            spellings = (flat, (flat != 0).sum(-1).clamp_min(1), torch.arange(flat.shape[0]).reshape(ids.shape))
        scores = self.model(ids, lengths, *spellings)
        return torch.softmax(scores, dim=-1), self.model.best_tags(scores, lengths)


def _sample_batch(vocab_size: int, sizes: tuple[int, ...], gen: torch.Generator) -> tuple[Tensor, Tensor]:
    """Padded sequences of ``sizes`` ids: words of the vocabulary, or the unknown id (1) where it holds none
    (ids 0 and 1 only, as ``--min-count`` above every count leaves it)."""
    low = 2 if vocab_size > 2 else 1
    seqs = [torch.randint(low, vocab_size, (n,), generator=gen).tolist() for n in sizes]
    return pad_batch(seqs)


def _sample_spellings(num_chars: int, lengths: Tensor, width: int, gen: torch.Generator) -> Tensor:
    """(B, T, ``width``) character ids (1, the unknown character, included) of 1 to ``width`` characters for each
    real token of a batch of ``lengths``, 0 elsewhere."""
    chars = torch.randint(1, max(num_chars, 2), (len(lengths), int(lengths.max()), width), generator=gen)
    spelt = torch.randint(1, width + 1, chars.shape[:2], generator=gen)
    spelt[0, 0] = width  # the full width once
    real = torch.arange(chars.shape[1]).unsqueeze(0) < lengths.unsqueeze(1)
    keep = (torch.arange(width) < spelt.unsqueeze(-1)) & real.unsqueeze(-1)
    return chars * keep


def export_onnx(
    model: nn.Module,
    path: str | Path,
    *,
    vocab_size: int,
    labels: list[str],
    metadata: dict[str, str],
    per_step: bool = False,
    num_chars: int = 0,
    check: bool = True,
    where: str = "",
) -> dict[str, Any]:
    """Write ``model`` as ONNX to ``path`` and return ``{"onnx", "inputs", "output", "outputs", "labels"}``
    plus, with ``check`` and onnxruntime installed, ``"checked": True`` and ``"max_abs_diff"`` (else
    ``"checked": False``). ``per_step``: a tagger, whose outputs have a time axis and whose tag ids are a second
    output; ``num_chars``: its spelling encoder's characters (0: none), read from a third input ``chars``.
    ``where`` names the model in error messages. Each recurrent layer is judged by its own cell and regularisers
    (a bag of embeddings has none, whatever its config names)."""
    for layer in (m for m in model.modules() if isinstance(m, Recurrent)):  # a bag of embeddings runs no cell
        if not exportable(layer):
            if layer.proj_size:
                raise UserError(f"{where}: an LSTM with proj_size has no ONNX form (torch's exporter writes no "
                                "projection, and rnnkit's own loop none either); export it without proj_size")
            raise UserError(f"{where}: cell {layer.cell!r} runs its own time loop, which ONNX cannot express with a "
                            f"variable length; export works for {', '.join(EXPORTED_CELLS)}")
    try:
        import onnx
    except ImportError:
        raise UserError("export needs the 'onnx' package: pip install 'rnnkit[export]'") from None
    out = Path(path)
    if model_device(model).type != "cpu":   # a model a caller moved to a GPU: exported, and checked, from the CPU
        model = model_copy(model).cpu()
    wrapper = _Probabilities(model, per_step).eval()
    gen = torch.Generator().manual_seed(0)

    def sample(sizes: tuple[int, ...], width: int) -> tuple[Tensor, ...]:
        ids, lengths = _sample_batch(vocab_size, sizes, gen)
        return (ids, lengths, _sample_spellings(num_chars, lengths, width, gen)) if num_chars else (ids, lengths)

    inputs = ["ids", "lengths", "chars"] if num_chars else ["ids", "lengths"]
    outputs = [OUTPUT, TAGS] if per_step else [OUTPUT]
    dynamic = {"ids": {0: "batch", 1: "time"}, "lengths": {0: "batch"},
               "chars": {0: "batch", 1: "time", 2: "characters"},
               OUTPUT: {0: "batch", 1: "time"} if per_step else {0: "batch"}, TAGS: {0: "batch", 1: "time"}}
    dynamic = {name: dynamic[name] for name in inputs + outputs}
    with output_file(path) as tmp:
        with warnings.catch_warnings(), quiet_stderr():
            warnings.simplefilter("ignore")
            torch.onnx.export(wrapper, sample((7, 3, 12, 1), 6), str(tmp), input_names=inputs, output_names=outputs,
                              dynamic_axes=dynamic, opset_version=17, dynamo=False)
        proto = onnx.load(str(tmp))
        for key, value in metadata.items():
            entry = proto.metadata_props.add()
            entry.key, entry.value = key, value
        onnx.save(proto, str(tmp))
        result: dict[str, Any] = {"onnx": str(out), "inputs": inputs, "output": OUTPUT, "outputs": outputs,
                                  "labels": labels}
        if check:  # before it replaces anything: a refused export leaves no file, and an earlier one intact
            batch = sample((5, 17, 2, 9, 1, 30), 11)
            result.update(_check_with_onnxruntime(wrapper, tmp, dict(zip(inputs, batch, strict=True)), shown=out))
        else:
            result["checked"] = False
    return result


def _check_with_onnxruntime(wrapper: nn.Module, out: Path, batch: dict[str, Tensor],
                            shown: Path | None = None) -> dict[str, Any]:
    """``{"checked": False}`` without onnxruntime, else the largest difference of the probabilities over the real
    steps (``shown``: the path a refusal names, the file's final place); tags must agree exactly."""
    try:
        import onnxruntime as ort
    except ImportError:
        return {"checked": False}
    session = ort.InferenceSession(str(out), providers=["CPUExecutionProvider"])
    got = session.run(None, {name: value.numpy() for name, value in batch.items()})
    with torch.no_grad():
        want = wrapper(*batch.values())
    want = [w.numpy() for w in want] if isinstance(want, tuple) else [want.numpy()]
    ids, lengths = batch["ids"], batch["lengths"]
    real = (torch.arange(ids.shape[1]).unsqueeze(0) < lengths.unsqueeze(1)).numpy()
    if want[0].ndim == 3:  # per step: compare the real steps only
        diff = float(abs(got[0] - want[0])[real].max())
    else:
        diff = float(abs(got[0] - want[0]).max())
    if not diff <= 1e-4:
        raise UserError(f"{shown or out}: onnxruntime's probabilities differ from rnnkit's by {diff:g}; the export "
                        "is wrong, and was not written")
    wrong = int((got[1] != want[1])[real].sum()) if len(want) > 1 else 0
    if wrong:
        raise UserError(f"{shown or out}: onnxruntime's tags differ from rnnkit's at {wrong} of {int(real.sum())} "
                        "tokens; the export is wrong, and was not written")
    return {"checked": True, "max_abs_diff": diff}
