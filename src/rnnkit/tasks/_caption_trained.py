"""A trained captioner: :class:`ImageCaptioner` (``rnnkit.load`` of a caption run): ``caption`` and ``evaluate``,
and the refusal of what is not images.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

import torch

from rnnkit.data.captions import described, is_pixel_array, load_image, read_captions
from rnnkit.data.tokenize import decode_ids, id_symbols
from rnnkit.errors import SettingError, UserError, check_beam, check_flag, check_ordered, check_read_path, is_single
from rnnkit.models.captioner import Captioner
from rnnkit.sampling import Sampling, check_beam_or_samples, sampling_of
from rnnkit.tasks import speaks_python
from rnnkit.tasks._caption_data import _caption_text, _saved_tokenizer
from rnnkit.tasks._caption_decoding import _decode_images, caption_scores
from rnnkit.tasks._ensemble import ensemble_facts, first_model, joined, model_paths, unattended
from rnnkit.tasks._translate_decoding import reached_limit, warn_reached_limit, warn_rewritten, warn_short_bleu
from rnnkit.train.building import build_model, check_size, loaded_repr, saved_max_len
from rnnkit.train.checkpoint import Checkpoint, as_checkpoint
from rnnkit.wording import counted

#: why a captioner has no attention to read (:func:`~rnnkit.tasks._ensemble.unattended`): return_attention and
#: --attention-png are refused so
UNATTENDED = "was trained without attention"


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
    caption vocabulary. :meth:`ensemble` joins other captioners of the same vocabulary and images to it.
    """

    def __init__(self, ckpt: Checkpoint | str | Path) -> None:
        ckpt = as_checkpoint(ckpt, "ImageCaptioner")
        if ckpt.config.get("task") != "caption":
            raise UserError(f"{ckpt.path}: a {ckpt.config.get('task')!r} model, not a captioner")
        self.checkpoint = ckpt
        self.checkpoints = [ckpt]  # one per model of an ensemble
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
        return loaded_repr(self, self.checkpoint, self.model, vocab=self.words.vocab_size,
                           **ensemble_facts(self.checkpoints))

    def ensemble(self, *others: str | Path | ImageCaptioner) -> ImageCaptioner:
        """A captioner that decodes with this model and ``others`` (model directories or captioners) as one: at
        each step the next-word probabilities are the mean of the models' (:class:`rnnkit.models.ensemble.Ensemble`).
        This captioner is left as it was. The models must have the same caption vocabulary, image size, channels
        and grid of regions, as runs trained on the same folder with the same image flags have (they may differ
        in seed, cell, size and attention); another is refused naming its directory."""
        return joined(self, others, ImageCaptioner, _captioners_differ)

    def load_images(self, images: Iterable[Any]) -> torch.Tensor:
        """(N, C, H, W) floats of image paths or PIL images, at the model's size and channels."""
        _refuse_non_images(images)
        check_ordered("load_images", images, "a list of images")
        if is_single(images):  # a path's characters were read as N images ("/: is a directory")
            raise TypeError("load_images takes a list of images (paths or PIL images); for one image, give [image]")
        images = list(images)
        model = first_model(self.model)
        size, channels = model.image_size, int(model.config()["in_channels"])
        if not images:
            return torch.empty(0, channels, *size)
        return torch.stack([load_image(im, size, channels) for im in images])

    @torch.no_grad()
    def caption(self, images: Any, beam: int = 1, n_best: int = 1, return_attention: bool = False, *,
                sample: bool = False, temperature: float | None = None, top_k: int | None = None,
                top_p: float | None = None, seed: int | None = None) -> Any:
        """Caption one image (a path or a PIL image; a result) or a list of them (a list of results, in the order
        given); a set is a TypeError (it has no order, so no caption could be told to be whose: give a list,
        ``sorted(images)``), and bytes, an open file or a dict are refused. A result is the caption; with
        ``n_best > 1`` or ``return_attention`` a dict with ``caption``, ``n_best`` (``text``, ``log_prob``,
        ``score``) and with attention ``attention`` (one row of weights over the regions per word) and
        ``words``. ``sample=True`` draws each word instead (:class:`rnnkit.sampling.Sampling`: ``temperature``,
        ``top_k``, ``top_p``, the same ``seed`` the same captions; None: not given, the temperature and top_p then 1);
        ``beam`` must then be 1, and ``n_best`` draws that many captions of each image, the most probable first.
        Without it, any of those given (also at its default) is warned of, as ``rnnkit caption --temperature 1``
        is. ``return_attention`` of a model without attention is refused, as ``--attention-png`` is."""
        beam, n_best, sampling = check_beam_or_samples(beam, n_best, sampling_of(sample, temperature, top_k, top_p,
                                                                                  seed))
        if check_flag("caption: return_attention", return_attention) and self.model.attention is None:
            why = unattended(self.checkpoints, UNATTENDED)  # as --attention-png is refused
            raise SettingError("return_attention", True, f"{why}; there is no attention to return")
        return self._caption(images, beam, n_best, return_attention, sampling)

    def _caption(self, images: Any, beam: int, n_best: int, return_attention: bool, sampling: Sampling | None,
                 as_dict: bool = False) -> Any:
        """:meth:`caption` of settings checked; ``as_dict`` gives dicts also for one caption an image without
        attention (``rnnkit caption``, which prints each caption's score)."""
        _refuse_non_images(images)
        check_ordered("caption", images, "an image or a list of images")
        single = is_single(images)
        items = [images] if single else list(images)
        batch = self.load_images(items)
        results = []
        decoded = _decode_images(self.model, batch, self.max_len, beam, n_best, return_attention, sampling)
        drawn = n_best if sampling is not None else 1  # each drawn caption is one a user gets; a beam's best only
        warn_reached_limit(reached_limit(decoded, drawn > 1), len(items), drawn, "caption",
                           f"the training --max-len, {counted(self.max_len, 'word')}",
                           "a model trained longer learns to end its captions, and one trained with a larger "
                           "--max-len writes longer ones")
        for hyps in decoded:
            text = decode_ids(self.words, hyps[0].tokens)
            if n_best == 1 and not return_attention and not as_dict:
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
        """Caption every image of a captioned-image folder: ``exact_match``, ``bleu``, ``chrf``, ``images`` (and
        ``count``, the same number, as every task's evaluation names it), ``beam`` and ``models`` (the model
        directory, or each of an ensemble's)."""
        check_read_path("evaluate", "folder", folder, "a captioned-image folder")
        beam, _ = check_beam(beam)  # reported as Python's int (np.int64(2) made the report no JSON), checked first
        items = read_captions(folder)
        hyps = self.caption([it.image for it in items], beam=beam)
        scores = caption_scores(hyps, [it.captions for it in items], chrf=True)
        given = [c for it in items for c in it.captions]
        warn_rewritten(given, [_caption_text(c) for c in given], "word", "captions",
                       "lower-cased and split at punctuation")
        warn_short_bleu(hyps, scores["bleu"], "caption")
        return {**scores, "images": len(items), "count": len(items),
                "beam": beam, "models": model_paths(self.checkpoints)}


def _captioners_differ(one: ImageCaptioner, other: ImageCaptioner) -> str | None:
    """What keeps ``other`` from an ensemble with ``one``: another vocabulary, or other images or regions."""
    if other.words.to_json() != one.words.to_json():
        return f"its caption vocabulary is not {one.checkpoint.path}'s; the models of an ensemble need the same one"
    mine, theirs = first_model(one.model), first_model(other.model)
    for what, a, b in (("image size", mine.image_size, theirs.image_size),
                       ("channels", mine.config()["in_channels"], theirs.config()["in_channels"]),
                       ("regions", mine.regions, theirs.regions)):
        if a != b:
            return (f"its {what} ({_shown(b)}) is not {one.checkpoint.path}'s ({_shown(a)}); the models of an "
                    "ensemble read the same images into the same regions")
    return None


def _shown(value: Any) -> str:
    return "x".join(str(v) for v in value) if isinstance(value, (tuple, list)) else str(value)
