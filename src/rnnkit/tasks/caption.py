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

import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import torch
import torch.nn.functional as F

from rnnkit.data.captions import CaptionedImage
from rnnkit.data.tokenize import WordTokenizer, decode_ids
from rnnkit.device import model_device, to_device
from rnnkit.errors import report_warnings
from rnnkit.models.captioner import Captioner, doubly_stochastic_penalty
from rnnkit.tasks import Generator, Task, Verb, register
from rnnkit.tasks._caption_config import FROZEN, CaptionConfig
from rnnkit.tasks._caption_data import (
    _caption_text,
    _CaptionBatches,
    _examples,
    _images,
    _saved_tokenizer,
    caption_folders,
    warn_shared_images,
)
from rnnkit.tasks._caption_decoding import _decode_images, caption_scores
from rnnkit.tasks._caption_trained import ImageCaptioner
from rnnkit.tasks._caption_verbs import (
    _caption_arguments,
    _caption_command,
    _digits_arguments,
    _digits_command,
    _evaluate_arguments,
    _evaluate_command,
    _shapes_arguments,
    _shapes_command,
    _train_arguments,
)
from rnnkit.tasks._translate_config import check_tied_sizes, refuse_tie_added
from rnnkit.tasks.translate import (
    DECODED,
    DecodedResult,
    built_shares,
    check_unknown,
    decoder_report,
    decoder_targets,
    teacher_forcing_ratio,
    unknown_share,
)
from rnnkit.train.building import build_model
from rnnkit.train.memory import check_fits, describe_stack
from rnnkit.train.options import settings_of, start_run, train_config_from
from rnnkit.train.provenance import data_sources
from rnnkit.train.trainer import Trainer, TrainResult, seed_everything
from rnnkit.wording import counted

__all__ = ["FROZEN", "CaptionConfig", "ImageCaptioner", "caption_folders", "caption_scores", "train"]


def _loss_fn(config: CaptionConfig) -> Any:
    def loss_fn(model: Captioner, batch: dict[str, Any], state: Any, *,
                progress: float) -> tuple[torch.Tensor, int, None]:
        images = batch["images"]
        logits, weights = model(images, model.region_counts(len(images)), batch["tgt_in"],
                                teacher_forcing=teacher_forcing_ratio(config, progress), return_attention=True)
        real = batch["tgt_out"] != 0
        loss = F.cross_entropy(logits.flatten(0, 1), batch["tgt_out"].flatten(), ignore_index=0, reduction="sum",
                               label_smoothing=config.label_smoothing)
        if config.attention_penalty and weights is not None:
            loss = loss + config.attention_penalty * doubly_stochastic_penalty(weights, real)
        return loss, int(real.sum()), None

    return loss_fn


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
            metrics[DECODED] = n
        return metrics

    return eval_fn


def train(config: CaptionConfig, data: str | None, out: str | Path, *, val_data: str | None = None,
          resume: bool = False, overwrite: bool = False, progress: bool | None = None,
          verbose: bool = True) -> DecodedResult:
    """Train a captioner on the folder ``data`` into ``out``; ``resume=True`` continues the run in ``out``."""
    out = Path(out)
    config.validate()
    ckpt, config = start_run(config, out, "caption", FROZEN, resume=resume, overwrite=overwrite, data=data,
                                 val_data=val_data)
    refuse_tie_added(ckpt, config.share_decoder_embeddings)
    check_tied_sizes(config.share_decoder_embeddings, config.hidden, config.embedding)  # the run's sizes
    given = data
    data, val_data = data_sources(ckpt, data, val_data,  # a resumed run's own, from any directory
                                  "--data is required:"
                                  " a folder with captions.tsv (image<TAB>caption) and the images")
    with report_warnings():  # Flickr8k's stray names left out; validation images that are training images
        train_items, val_items = caption_folders(str(data), val_data, config)
        warn_shared_images(train_items, val_items)
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
    height, width = config.image_shape()  # the positions' embeddings grow with the pixels
    check_fits(config, Captioner.count_parameters(**_model_kwargs(config, tok.vocab_size)),  # before the images
               f"{describe_stack(config.cell, config.layers, config.hidden)} over {height}x{width} images",
               ("layers", "hidden", "embedding", "vocab_size", "image_size"))
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
        print(f"caption: {counted(len(train_items), 'training image')} ({counted(len(train_ex), 'caption')}) and "
              f"{counted(len(val_items), 'validation image')}, {tok.vocab_size} word ids, attention "
              f"{config.attention}; {sum(p.numel() for p in model.parameters()):,} parameters", file=sys.stderr,
              flush=True)
    return trainer.fit().extended(DecodedResult, rated=min(config.eval_images, len(val_items)),
                                  validation=len(val_items))


def _model_kwargs(config: CaptionConfig, vocab: int) -> dict[str, Any]:
    return {"tgt_vocab": vocab, "image_size": config.image_shape(), "in_channels": 1 if config.grey else 3,
            "channels": list(config.conv_channels()), "cell": config.cell, "embedding": config.embedding,
            "hidden": config.hidden, "layers": config.layers, "attention": config.attention,
            "dropout": config.dropout, "positions": config.positions, "row_encoder": config.row_encoder,
            "share_decoder_embeddings": config.share_decoder_embeddings}


#: what the validation loss is a mean over (in nats): a caption's word (its end included)
LOSS_UNIT = "word"


def report(result: TrainResult, as_json: bool) -> None:
    """The closing line of ``rnnkit train caption`` (one JSON object with ``--json``)."""
    decoder_report(result, as_json, LOSS_UNIT, ("images", "eval_images"), "caption")


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
    loss_unit=LOSS_UNIT,
    verbs=(
        Verb("caption", "caption images with a trained captioner", _caption_arguments, _caption_command),
        Verb("evaluate", "exact match, BLEU and chrF of a captioner on a captioned-image folder", _evaluate_arguments,
             _evaluate_command),
    ),
))

register(Generator(name="shapes", help="scenes of two coloured shapes with captions; test_unseen/ holds colour-shape "
                   "pairs never drawn in training (--out DIR)", add_arguments=_shapes_arguments,
                   run=_shapes_command))
register(Generator(name="digits", help="strips of 2-5 MNIST digits captioned with number words (--out DIR)",
                   add_arguments=_digits_arguments, run=_digits_command))
