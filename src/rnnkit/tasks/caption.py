"""Image captioning: ``rnnkit train caption``, ``rnnkit caption``, ``rnnkit evaluate``.

What a user gets: a captioner trained on a folder of images with ``captions.tsv`` (``image<TAB>caption``,
see :mod:`rnnkit.data.captions`), or on the built-in ``rnnkit data shapes`` / ``rnnkit data digits``
folders. The model is :class:`rnnkit.models.captioner.Captioner`: a small CNN whose pooled features start
the translation decoder (Show and Tell) and, with ``--attention``, whose region grid the decoder attends
over (Show, Attend and Tell; ``--attention-penalty`` adds the doubly stochastic regulariser). Captions are
lower-cased words; teacher forcing and its schedule, greedy and beam search are the translator's.

Python::

    cap = rnnkit.load("runs/shapes")                    # an ImageCaptioner
    cap.caption(["scene.png"], beam=4)                  # ['a small red circle above a large blue square']
    cap.evaluate("shapes/test")                         # {"exact_match": ..., "bleu": ..., "images": ...}
"""

from __future__ import annotations

import argparse
import numbers
import sys
import unicodedata
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import torch
import torch.nn.functional as F

from rnnkit import strictjson
from rnnkit.cells import CELLS
from rnnkit.data.batching import ShuffledBatches
from rnnkit.data.captions import (
    CaptionedImage,
    caption_words,
    described,
    image_shape,
    is_pixel_array,
    load_image,
    random_affine,
    read_captions,
)
from rnnkit.data.split import corpus_sides
from rnnkit.data.tokenize import WordTokenizer, decode_ids, id_symbols, tokenizer_from_json
from rnnkit.device import model_device, to_device
from rnnkit.errors import (
    SettingError,
    UserError,
    check_beam,
    check_count,
    check_fraction,
    check_ordered,
    check_path,
    check_positive,
    is_single,
    report_warnings,
)
from rnnkit.files import output_name
from rnnkit.models.captioner import Captioner, doubly_stochastic_penalty
from rnnkit.models.seq2seq import ATTENTIONS, Hypothesis
from rnnkit.tasks import Generator, Task, Verb, register, speaks_python
from rnnkit.tasks.translate import (
    built_shares,
    check_teacher_forcing,
    check_unknown,
    decoder_report,
    decoder_targets,
    sacre_scores,
    teacher_forcing_ratio,
    unknown_share,
)
from rnnkit.train.checkpoint import (
    MAX_DECODE_LENGTH,
    Checkpoint,
    as_checkpoint,
    build_model,
    check_size,
    loaded_repr,
    refuse_run_output,
    saved_max_len,
)
from rnnkit.train.memory import check_fits, describe_stack
from rnnkit.train.options import TrainSettings, add_data_arguments, settings_of, start_run, train_config_from
from rnnkit.train.provenance import data_sources
from rnnkit.train.trainer import Trainer, TrainResult, seed_everything

__all__ = ["CaptionConfig", "ImageCaptioner", "train"]


@dataclass
class CaptionConfig(TrainSettings):
    """Settings of ``rnnkit train caption``."""

    attention: str = "none"              # none | bahdanau | dot | general (over the image's regions)
    attention_penalty: float = 0.0       # weight of the doubly stochastic attention penalty (0: off)
    teacher_forcing: float = 1.0
    teacher_forcing_floor: float | None = None
    image_size: int | str | list[int] = 64  # a side (a square) or HEIGHTxWIDTH, e.g. 32x160 for strips ([32, 160])
    grey: bool = False
    augment: bool = False                # random rotation, scale and shift of each training image
    augment_rotate: float = 8.0          # ... by up to this many degrees
    augment_scale: float = 0.1           # ... by a factor in [1 - this, 1 + this]
    augment_shift: float = 0.05          # ... moved by up to this fraction of the image size
    augment_elastic: float = 0.0         # ... bent by a smooth random field of this scale (fraction of the size)
    channels: str | list[int] = "32,64,128"  # one convolution block per entry ([32, 64, 128] from Python)
    positions: bool = True               # a learned embedding of each region's place in the grid
    row_encoder: bool = False            # a bidirectional recurrent pass along each row of regions
    cell: str = "lstm"
    embedding: int = 64
    hidden: int = 256
    layers: int = 1
    dropout: float = 0.1
    vocab_size: int = 10000
    max_len: int = 30                    # caption words kept in training, and written at most
    batch_size: int = 32
    val_fraction: float = 0.1
    split_seed: int = 0
    eval_images: int = 200               # validation images captioned (greedy) for exact match and BLEU
    steps: int | None = 2000
    eval_every: int = 200

    def conv_channels(self) -> tuple[int, ...]:
        """The channels of the convolution blocks: ``channels`` as the CLI writes it (``"16,32"``) or a list or
        tuple of integers (``[16, 32]``, as Keras and torch take sizes from Python or a config file)."""
        value = self.channels
        if isinstance(value, str):
            parts: list[Any] = value.split(",")
        elif isinstance(value, (list, tuple)) and all(isinstance(c, numbers.Integral) and not isinstance(c, bool)
                                                      for c in value):
            parts = list(value)
        else:
            parts = []
        try:
            out = tuple(int(c) for c in parts)
        except ValueError:
            out = ()
        if not out or min(out) < 1:
            raise SettingError("channels", value, "expected comma-separated positive integers" if isinstance(value, str)
                               else "expected a list of positive integers (or a comma-separated string)")
        return out

    def image_shape(self) -> tuple[int, int]:
        """``(height, width)`` the images are resized to: ``image_size`` as the CLI writes it (``64``,
        ``"32x160"``) or a list or tuple ``[32, 160]``, as torchvision's ``Resize`` takes a size."""
        try:
            return image_shape(self.image_size)
        except ValueError:
            raise SettingError("image_size", self.image_size, "expected a side (64) or HEIGHTxWIDTH (32x160) in pixels"
                               + ("" if isinstance(self.image_size, (int, str)) else ", or [height, width]")) from None

    def validate(self) -> None:
        """Raise :class:`SettingError` naming the first setting out of range."""
        # lists from Python or a config file are kept as the CLI writes them (config.json, a resumed run)
        if not isinstance(self.channels, str):
            self.channels = ",".join(str(c) for c in self.conv_channels())
        if isinstance(self.image_size, (list, tuple)):
            self.image_size = "x".join(str(side) for side in self.image_shape())
        self.validate_training()
        for name in ("embedding", "hidden", "layers", "vocab_size", "max_len", "batch_size"):
            check_positive(name, getattr(self, name))
        check_count("max_len", self.max_len, 1, MAX_DECODE_LENGTH)  # what a saved model may ask a decoder for
        halvings = 2 ** len(self.conv_channels())
        if any(side % halvings for side in self.image_shape()):
            raise SettingError("image_size", self.image_size,
                               f"expected sides that are multiples of {halvings} (one halving per channel)")
        if self.cell not in CELLS:
            raise SettingError("cell", self.cell, f"expected one of {', '.join(CELLS)}")
        if self.attention not in ATTENTIONS:
            raise SettingError("attention", self.attention, f"expected one of {', '.join(ATTENTIONS)}")
        if self.attention_penalty < 0:
            raise SettingError("attention_penalty", self.attention_penalty, "expected a number >= 0")
        if self.eval_images < 0:  # -1 ran as "every image but the last" (a slice), which no one means
            raise SettingError("eval_images", self.eval_images, "expected a number >= 0 (0: the loss alone)")
        check_teacher_forcing(self.teacher_forcing, self.teacher_forcing_floor)
        check_fraction("dropout", self.dropout)
        check_fraction("val_fraction", self.val_fraction)
        for name, high in (("augment_rotate", 180.0), ("augment_scale", 0.9), ("augment_shift", 0.5),
                           ("augment_elastic", 0.1)):
            if not 0.0 <= getattr(self, name) <= high:
                raise SettingError(name, getattr(self, name), f"expected a number in [0, {high:g}]")
        if self.row_encoder and self.conv_channels()[-1] % 2:
            raise SettingError("channels", self.channels, "expected an even last entry with --row-encoder "
                               "(half of it per direction)")


FROZEN = ("attention", "image_size", "grey", "channels", "positions", "row_encoder", "cell", "embedding", "hidden",
          "layers", "dropout", "vocab_size", "val_fraction", "split_seed")


# ------------------------------------------------------------------------------------------- data
def caption_folders(data: str, val_data: str | None,
                    config: CaptionConfig) -> tuple[list[CaptionedImage], list[CaptionedImage]]:
    """Training and validation images: ``data`` with ``train/`` (and ``val/``) folders as the generators
    write them, or one folder. Validation is ``val_data``, else ``data``'s ``val/``, else the training images
    split by image (``val_fraction``, ``split_seed``; also a ``train/`` without a ``val/``)."""
    return corpus_sides(data, val_data, "captions.tsv", read_captions, config.val_fraction, config.split_seed)


def _images(items: Sequence[CaptionedImage], size: tuple[int, int], channels: int) -> torch.Tensor:
    """(N, C, H, W) uint8 images (a quarter of the memory of floats)."""
    out = torch.empty(len(items), channels, *size, dtype=torch.uint8)
    for i, item in enumerate(items):
        out[i] = (load_image(item.image, size, channels) * 255).round().to(torch.uint8)
    return out


def _caption_text(caption: str) -> str:
    return " ".join(caption_words(unicodedata.normalize("NFC", caption)))  # NFC, as the tokenizer reads text


def _examples(items: Sequence[CaptionedImage], tok: WordTokenizer, max_len: int) -> list[tuple[int, list[int]]]:
    return [(i, tok.encode(_caption_text(c))[:max_len]) for i, item in enumerate(items) for c in item.captions]


class _CaptionBatches(ShuffledBatches):
    """Endless shuffled batches ``{"images", "tgt_in", "tgt_out"}``, one per (image, caption) example."""

    def __init__(self, images: torch.Tensor, examples: list[tuple[int, list[int]]], batch_size: int, seed: int,
                 bos: int, eos: int, augment: dict[str, float] | None = None) -> None:
        super().__init__([c for _, c in examples], [i for i, _ in examples], batch_size, seed)
        self.images, self.bos, self.eos, self.augment = images, bos, eos, augment

    def collate(self, idx: Sequence[int]) -> Any:  # type: ignore[override]
        images = self.images[[self.targets[i] for i in idx]].float() / 255.0
        if self.augment:
            images = random_affine(images, self.batch_generator(), **self.augment)
        return {"images": images, **decoder_targets([self.seqs[i] for i in idx], self.bos, self.eos)}


# ------------------------------------------------------------------------------------------- train
def _loss_fn(config: CaptionConfig) -> Any:
    def loss_fn(model: Captioner, batch: dict[str, Any], state: Any, *,
                progress: float) -> tuple[torch.Tensor, int, None]:
        images = batch["images"]
        logits, weights = model(images, model.region_counts(len(images)), batch["tgt_in"],
                                teacher_forcing=teacher_forcing_ratio(config, progress), return_attention=True)
        real = batch["tgt_out"] != 0
        loss = F.cross_entropy(logits.flatten(0, 1), batch["tgt_out"].flatten(), ignore_index=0, reduction="sum")
        if config.attention_penalty and weights is not None:
            loss = loss + config.attention_penalty * doubly_stochastic_penalty(weights, real)
        return loss, int(real.sum()), None

    return loss_fn


def _decode_images(model: Captioner, images: torch.Tensor, max_len: int, beam: int = 1, n_best: int = 1,
                   return_attention: bool = False) -> list[list[Hypothesis]]:
    out: list[list[Hypothesis]] = []
    for start in range(0, len(images), 64):
        part = images[start:start + 64].to(model_device(model))
        part = part.float() / 255.0 if part.dtype == torch.uint8 else part
        counts, limit = model.region_counts(len(part)), torch.full((len(part),), max_len, dtype=torch.long)
        if beam == 1:
            out.extend([h] for h in model.greedy(part, counts, limit, return_attention=return_attention))
        else:
            out.extend(model.beam_search(part, counts, limit, beam, n_best, return_attention=return_attention))
    return out


def caption_scores(hyps: Sequence[str], references: Sequence[Sequence[str]]) -> dict[str, float | None]:
    """``exact_match`` (the caption equals one of its references, compared word by word in lower case) and
    multi-reference corpus ``bleu`` (sacrebleu)."""
    refs = [[_caption_text(r) for r in rs] for rs in references]
    exact = sum(_caption_text(h) in rs for h, rs in zip(hyps, refs, strict=True)) / max(len(hyps), 1)
    width = max((len(rs) for rs in refs), default=1)
    streams = [[rs[k] if k < len(rs) else rs[0] for rs in refs] for k in range(width)]  # repeats do not change BLEU
    return {"exact_match": exact, "bleu": sacre_scores(hyps, *streams)["bleu"]}


def _eval_fn(images: torch.Tensor, examples: list[tuple[int, list[int]]], items: Sequence[CaptionedImage],
             tok: WordTokenizer, config: CaptionConfig) -> Any:
    def eval_fn(model: Captioner) -> dict[str, float]:
        total, count = 0.0, 0
        for start in range(0, len(examples), 64):
            part = examples[start:start + 64]
            batch = images[[i for i, _ in part]].to(model_device(model)).float() / 255.0
            t = to_device(decoder_targets([c for _, c in part], model.bos_id, model.eos_id), batch.device)
            logits = model(batch, model.region_counts(len(part)), t["tgt_in"])
            total += float(F.cross_entropy(logits.flatten(0, 1), t["tgt_out"].flatten(), ignore_index=0,
                                           reduction="sum"))
            count += int((t["tgt_out"] != 0).sum())
        metrics = {"loss": total / max(count, 1)}
        n = min(config.eval_images, len(items))
        if n:
            hyps = [decode_ids(tok, h[0].tokens) for h in _decode_images(model, images[:n], config.max_len)]
            scores = caption_scores(hyps, [item.captions for item in items[:n]])
            metrics.update({k: float(v) for k, v in scores.items() if v is not None})
        return metrics

    return eval_fn


def train(config: CaptionConfig, data: str | None, out: str | Path, *, val_data: str | None = None,
          resume: bool = False, overwrite: bool = False, progress: bool | None = None,
          verbose: bool = True) -> TrainResult:
    """Train a captioner on the folder ``data`` into ``out``; ``resume=True`` continues the run in ``out``."""
    out = Path(out)
    config.validate()
    ckpt, config = start_run(config, out, "caption", FROZEN, resume=resume, overwrite=overwrite, data=data,
                                 val_data=val_data)
    given = data
    data, val_data = data_sources(ckpt, data, val_data,  # a resumed run's own, from any directory
                                  "--data is required:"
                                  " a folder with captions.tsv (image<TAB>caption) and the images")
    train_items, val_items = caption_folders(str(data), val_data, config)
    tok = (_saved_tokenizer(ckpt) if ckpt is not None else
           WordTokenizer.train([_caption_text(c) for it in train_items for c in it.captions],
                               max_size=config.vocab_size))
    train_ex, val_ex = (_examples(items, tok, config.max_len) for items in (train_items, val_items))
    shares = {"caption": unknown_share(ids for _, ids in train_ex)}
    built = shares if ckpt is None else built_shares(ckpt, given, shares)
    if ckpt is not None:  # a resumed run keeps its vocabulary: captions it does not know are warned or refused
        with report_warnings():
            check_unknown(data, shares, built, "captions")
    channels = 1 if config.grey else 3
    check_fits(config, Captioner.count_parameters(**_model_kwargs(config, tok.vocab_size)),  # before the images
               describe_stack(config.cell, config.layers, config.hidden),
               ("layers", "hidden", "embedding", "vocab_size"))
    with report_warnings():  # images over Pillow's decompression-bomb limit, one line each
        train_images, val_images = (_images(items, config.image_shape(), channels)
                                    for items in (train_items, val_items))
    seed_everything(config.seed)
    kwargs = _model_kwargs(config, tok.vocab_size)
    model = build_model(lambda: Captioner(**kwargs), ckpt) if ckpt else Captioner(**kwargs)
    model_config = {"task": "caption", "model": model.config(), "settings": settings_of(config),
                    "data": {"train": str(data), "val": str(val_data) if val_data else None,
                             "train_images": len(train_items), "val_images": len(val_items),
                             **({"vocabulary_unknown": built} if built is not None else {})}}
    cfg = train_config_from(settings_of(config), overwrite=overwrite, progress=progress, verbose=verbose, unit="tok")
    augment = ({"rotate": config.augment_rotate, "scale": config.augment_scale, "shift": config.augment_shift,
                "elastic": config.augment_elastic} if config.augment else None)
    trainer = Trainer(model, cfg, batches=_CaptionBatches(train_images, train_ex, config.batch_size, config.seed,
                                                          model.bos_id, model.eos_id, augment),
                      loss_fn=_loss_fn(config),
                      eval_fn=_eval_fn(val_images, val_ex, val_items, tok, config) if val_items else None,
                      out_dir=out, model_config=model_config, resume=ckpt, vocab=tok.to_json())
    if verbose:
        print(f"caption: {len(train_items)} training images ({len(train_ex)} captions) and {len(val_items)} "
              f"validation images, {tok.vocab_size} word ids, attention {config.attention}; "
              f"{sum(p.numel() for p in model.parameters()):,} parameters", file=sys.stderr, flush=True)
    return trainer.fit()


def _saved_tokenizer(ckpt: Checkpoint) -> WordTokenizer:
    tok = tokenizer_from_json(ckpt.vocab, f"{ckpt.path}/vocab.json")
    if not isinstance(tok, WordTokenizer):
        raise UserError(f"{ckpt.path}/vocab.json: expected a word tokenizer, found {tok.kind}")
    return tok


def _model_kwargs(config: CaptionConfig, vocab: int) -> dict[str, Any]:
    return {"tgt_vocab": vocab, "image_size": config.image_shape(), "in_channels": 1 if config.grey else 3,
            "channels": list(config.conv_channels()), "cell": config.cell, "embedding": config.embedding,
            "hidden": config.hidden, "layers": config.layers, "attention": config.attention,
            "dropout": config.dropout, "positions": config.positions, "row_encoder": config.row_encoder}


def report(result: TrainResult, as_json: bool) -> None:
    """The closing line of ``rnnkit train caption`` (one JSON object with ``--json``)."""
    decoder_report(result, as_json, "word", "images")


# ------------------------------------------------------------------------------------------- use
def _refuse_non_images(images: object) -> None:
    """UserError for an array or tensor of pixels given as the images: its rows were read as images, and the
    error quoted the first row's numbers over many lines ("image array([[0., ...") or named a row; and for
    an image's bytes, an open file or a dict, which were read item by item as images: a byte as "image 97",
    a file's lines, a dict's keys as paths ("a: no such image")."""
    if is_pixel_array(images):
        raise UserError(f"images: {described(images)} is not read as pixels; give image files or PIL images "
                        "(PIL.Image.fromarray for an array of 8-bit pixels)")
    hint = ("; PIL.Image.open(io.BytesIO(data)) reads an image's bytes" if isinstance(images, (bytes, bytearray,
            memoryview)) else "; PIL.Image.open(file) reads an open file" if hasattr(images, "read")
            else "" if isinstance(images, Mapping) else None)
    if hint is not None:
        raise UserError(f"images: {described(images)}: expected the path of a PNG or JPEG file, a PIL image or a "
                        f"list of them{hint}")


@speaks_python
class ImageCaptioner:
    """A trained captioner: ``caption()`` writes captions for images (paths or PIL images), ``evaluate()``
    scores a captioned-image folder (exact match against any reference, multi-reference BLEU).

    Get one with ``rnnkit.load(DIR)``. ``model`` is the :class:`Captioner` (eval mode), ``words`` the
    caption vocabulary.
    """

    def __init__(self, ckpt: Checkpoint | str | Path) -> None:
        ckpt = as_checkpoint(ckpt, "ImageCaptioner")
        if ckpt.config.get("task") != "caption":
            raise UserError(f"{ckpt.path}: a {ckpt.config.get('task')!r} model, not a captioner")
        self.checkpoint = ckpt
        self.words = _saved_tokenizer(ckpt)
        kwargs = ckpt.config.get("model")
        if not isinstance(kwargs, dict):
            raise UserError(f"{ckpt.path}/config.json: \"model\" must be an object of the model's settings")
        kwargs = {"positions": False, **kwargs}     # models saved before region positions had none
        self.model: Captioner = build_model(lambda: Captioner(**kwargs), ckpt)  # type: ignore[assignment]
        check_size(ckpt, "the vocabulary", self.words.vocab_size, "tgt_vocab")
        self.model.eval()
        self.max_len = saved_max_len(ckpt, 30)

    def __repr__(self) -> str:
        return loaded_repr(self, self.checkpoint, self.model, vocab=self.words.vocab_size)

    def load_images(self, images: Iterable[Any]) -> torch.Tensor:
        """(N, C, H, W) floats of image paths or PIL images, at the model's size and channels."""
        _refuse_non_images(images)
        check_ordered("load_images", images, "a list of images")
        if is_single(images):  # a path's characters were read as N images ("/: is a directory")
            raise TypeError("load_images takes a list of images (paths or PIL images); for one image, give [image]")
        images = list(images)
        size, channels = self.model.image_size, int(self.model.config()["in_channels"])
        if not images:
            return torch.empty(0, channels, *size)
        return torch.stack([load_image(im, size, channels) for im in images])

    @torch.no_grad()
    def caption(self, images: Any, beam: int = 1, n_best: int = 1, return_attention: bool = False) -> Any:
        """Caption one image (a path or a PIL image; a result) or a list of them (a list of results, in the order
        given); a set is a TypeError (it has no order, so no caption could be told to be whose: give a list,
        ``sorted(images)``), and bytes, an open file or a dict are refused. A result is the caption; with
        ``n_best > 1`` or ``return_attention`` a dict with ``caption``, ``n_best`` (``text``, ``log_prob``,
        ``score``) and with attention ``attention`` (one row of weights over the regions per word) and
        ``words``."""
        beam, n_best = check_beam(beam, n_best)
        _refuse_non_images(images)
        check_ordered("caption", images, "an image or a list of images")
        single = is_single(images)
        items = [images] if single else list(images)
        batch = self.load_images(items)
        results = []
        for hyps in _decode_images(self.model, batch, self.max_len, beam, n_best, return_attention):
            text = decode_ids(self.words, hyps[0].tokens)
            if n_best == 1 and not return_attention:
                results.append(text)
                continue
            r: dict[str, Any] = {"caption": text, "n_best": [
                {"text": decode_ids(self.words, h.tokens), "log_prob": h.log_prob, "score": h.score} for h in hyps]}
            if return_attention:
                r["attention"] = hyps[0].attention
                r["words"] = [*id_symbols(self.words, hyps[0].tokens), "</s>"]
            results.append(r)
        return results[0] if single else results

    def evaluate(self, folder: str | Path, beam: int = 1) -> dict[str, Any]:
        """Caption every image of a captioned-image folder: ``exact_match``, ``bleu``, ``images``, ``beam``."""
        check_path("evaluate", folder, "a captioned-image folder (a str or a path)")
        beam, _ = check_beam(beam)  # reported as Python's int (np.int64(2) made the report no JSON), checked first
        items = read_captions(folder)
        hyps = self.caption([it.image for it in items], beam=beam)
        return {**caption_scores(hyps, [it.captions for it in items]), "images": len(items), "beam": beam}


# ------------------------------------------------------------------------------------------- CLI
def _caption_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("images", nargs="+", metavar="IMAGE", help="PNG or JPEG files")
    p.add_argument("--beam", type=int, default=1, help="beam size, 1 = greedy (default 1)")
    p.add_argument("--n-best", type=int, default=1, help="captions per image (at most --beam; default 1)")
    p.add_argument("--json", action="store_true", help="one JSON object per image")
    p.add_argument("--attention-png", metavar="PNG", help="draw the attention of the first caption over its image")


def _caption_command(cap: ImageCaptioner, args: argparse.Namespace) -> int:
    if args.attention_png is not None and cap.model.attention is None:
        raise UserError(f"--attention-png: {args.dir} was trained without attention; there is nothing to draw")
    # drawn after they are read
    reads = [*(("an IMAGE being read", image) for image in args.images), *cap.checkpoint.reads]
    png = None if args.attention_png is None else output_name(args.attention_png, "--attention-png", "a PNG file",
                                                              reads)
    if png is not None:
        refuse_run_output(png, "--attention-png")
    with report_warnings():
        results = cap.caption(list(args.images), beam=args.beam, n_best=args.n_best, return_attention=True)
    if png is not None:
        from rnnkit.plots import caption_attention_png

        r = results[0]
        caption_attention_png(cap.load_images([args.images[0]])[0], r["attention"] or [], r["words"], png)
    for path, r in zip(args.images, results, strict=True):
        if args.json:
            print(strictjson.dumps({"image": path, "caption": r["caption"], "n_best": r["n_best"]}, ensure_ascii=False))
        elif args.n_best > 1:
            print("\n".join(f"{path}\t{i}\t{h['score']:.4f}\t{h['text']}" for i, h in enumerate(r["n_best"])))
        else:
            print(r["caption"])
    return 0


def _evaluate_arguments(e: argparse.ArgumentParser) -> None:
    e.add_argument("--data", required=True, help="a folder with captions.tsv and the images")
    e.add_argument("--beam", type=int, default=1, help="beam size, 1 = greedy (default 1)")
    e.add_argument("--json", action="store_true", help="one JSON object on the last line")


def _evaluate_command(cap: ImageCaptioner, args: argparse.Namespace) -> int:
    with report_warnings():
        result = cap.evaluate(args.data, beam=args.beam)
    if args.json:
        print(strictjson.dumps(result))
        return 0
    bleu = "n/a (pip install sacrebleu)" if result["bleu"] is None else f"{result['bleu']:.2f}"
    print(f"{result['images']} images, beam {result['beam']}: exact match {result['exact_match']:.4f}, BLEU {bleu}")
    return 0


def _train_arguments(p: argparse.ArgumentParser) -> None:
    d = CaptionConfig()
    g = p.add_argument_group("model")
    g.add_argument("--attention", nargs="?", const="bahdanau", choices=ATTENTIONS,
                   help="attend over the image's regions (alone: bahdanau; default none)")
    g.add_argument("--attention-penalty", type=float,
                   help="weight of the doubly stochastic attention penalty (default 0: off)")
    g.add_argument("--teacher-forcing", type=float,
                   help=f"chance of feeding the gold word (default {d.teacher_forcing})")
    g.add_argument("--teacher-forcing-floor", type=float, help="lower teacher forcing linearly to this over the run")
    g.add_argument("--image-size", type=_size_argument, metavar="SIDE|HxW",
                   help=f"images are resized to this square, or to HEIGHTxWIDTH such as 32x160 for strips "
                        f"(default {d.image_size})")
    g.add_argument("--grey", action=argparse.BooleanOptionalAction, default=None,
                   help="read images as grey (default: colour)")
    g.add_argument("--positions", action=argparse.BooleanOptionalAction, default=None,
                   help="add a learned embedding of each region's place to its vector (default on)")
    g.add_argument("--row-encoder", action=argparse.BooleanOptionalAction, default=None,
                   help="run a bidirectional recurrent layer of --cell along each row of regions, so each "
                        "region knows its neighbours (Deng et al. 2017; default off)")
    g.add_argument("--augment", action=argparse.BooleanOptionalAction, default=None,
                   help="turn, scale and shift each training image at random (default off)")
    g.add_argument("--augment-rotate", type=float,
                   help=f"... by up to this many degrees (default {d.augment_rotate:g})")
    g.add_argument("--augment-scale", type=float,
                   help=f"... by a factor in [1-S, 1+S] (default {d.augment_scale:g})")
    g.add_argument("--augment-shift", type=float,
                   help=f"... by up to this fraction of the image size (default {d.augment_shift:g})")
    g.add_argument("--augment-elastic", type=float,
                   help="... and bent by a smooth random field whose displacements have this standard deviation, "
                        f"as a fraction of the image size (elastic distortion; default {d.augment_elastic:g})")
    g.add_argument("--channels", help=f"channels of the convolution blocks (default {d.channels})")
    g.add_argument("--cell", choices=list(CELLS), help=f"decoder cell (default {d.cell})")
    g.add_argument("--embedding", type=int, help=f"word embedding size (default {d.embedding})")
    g.add_argument("--hidden", type=int, help=f"decoder units (default {d.hidden})")
    g.add_argument("--layers", type=int, help=f"decoder layers (default {d.layers})")
    g.add_argument("--dropout", type=float, help=f"dropout (default {d.dropout})")
    g.add_argument("--vocab-size", type=int, help=f"caption words kept (default {d.vocab_size})")
    g.add_argument("--max-len", type=int, help=f"caption words per caption (default {d.max_len})")
    g.add_argument("--batch-size", type=int, help=f"captions per update (default {d.batch_size})")
    g.add_argument("--eval-images", type=int,
                   help=f"validation images captioned per evaluation for exact match and BLEU; 0: the "
                        f"validation loss alone (default {d.eval_images})")
    add_data_arguments(p, data_help="folder with captions.tsv and images, or one with train/ and val/ folders",
                       val_help="validation folder (default: DATA/val, or --val-fraction of DATA's images)",
                       val_fraction=d.val_fraction, split_seed=d.split_seed)


def _size_argument(value: str) -> int | str:
    """``--image-size``: a side as an integer, ``HxW`` as written (checked by :meth:`CaptionConfig.validate`)."""
    return int(value) if value.strip().isdigit() else value.strip().lower()


def _generator_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("--images", type=int, default=3000, help="images in all (default 3000)")


def _shapes_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("--images", type=int, default=3000,
                   help="images of train/, val/ and test/, 80/10/10 (default 3000); test_unseen/ gets a tenth "
                        "as many more")


def _shapes_command(args: argparse.Namespace) -> int:
    from rnnkit.data.shapes import write_shapes

    return _wrote(args, write_shapes(args.out, _image_count(args), args.seed))


def _digits_command(args: argparse.Namespace) -> int:
    from rnnkit.data.shapes import write_digit_strips

    return _wrote(args, write_digit_strips(args.out, _image_count(args), args.seed, square=args.square))


def _digits_arguments(p: argparse.ArgumentParser) -> None:
    _generator_arguments(p)
    p.add_argument("--square", action="store_true",
                   help="put each strip in the middle of a square canvas (default: 28-pixel-high strips)")


def _image_count(args: argparse.Namespace) -> int:
    if args.images < 10:
        raise UserError(f"--images {args.images}: expected at least 10 (the splits take a tenth each)")
    return int(args.images)


def _wrote(args: argparse.Namespace, counts: dict[str, int]) -> int:
    print(f"wrote {sum(counts.values())} captioned images to {args.out}: "
          + ", ".join(f"{k}/ {v}" for k, v in counts.items()))
    return 0


register(Task(
    name="caption",
    help="image captioning: a CNN reads the image, a recurrent decoder writes (attention, beam search)",
    description="Train an image captioner on a folder of images with captions.tsv (image<TAB>caption).",
    config=CaptionConfig,
    train=train,
    load=ImageCaptioner,
    add_arguments=_train_arguments,
    report=report,
    frozen=FROZEN,
    verbs=(
        Verb("caption", "caption images with a trained captioner", _caption_arguments, _caption_command),
        Verb("evaluate", "exact match and BLEU of a captioner on a captioned-image folder", _evaluate_arguments,
             _evaluate_command),
    ),
))

register(Generator(name="shapes", help="scenes of two coloured shapes with captions; test_unseen/ holds colour-shape "
                   "pairs never drawn in training (--out DIR)", add_arguments=_shapes_arguments,
                   run=_shapes_command))
register(Generator(name="digits", help="strips of 2-5 MNIST digits captioned with number words (--out DIR)",
                   add_arguments=_digits_arguments, run=_digits_command))
