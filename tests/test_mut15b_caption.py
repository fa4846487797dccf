"""Gaps a mutation audit of :mod:`rnnkit.tasks.caption` found (round 15): the doubly stochastic penalty of
``--attention-penalty`` in the training loss; the validation loss of the images in [0, 1] over every caption
(more than one batch of 64) and the ``--eval-images`` scored; what a run records and builds (image counts,
augmentation, row encoder, positions, dropout; no validation loss without validation images); and two resumed
runs saved before a record existed (tying added: refused; no share of unknown words: its own images' share)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import torch
import torch.nn.functional as F

import rnnkit
import rnnkit.tasks.caption as caption_task
from rnnkit.cli import main
from rnnkit.data.captions import CaptionedImage
from rnnkit.data.tokenize import WordTokenizer
from rnnkit.models.captioner import Captioner, doubly_stochastic_penalty
from rnnkit.tasks._translate_data import decoder_targets
from rnnkit.tasks.caption import CaptionConfig

PIL = pytest.importorskip("PIL", reason="Pillow is not installed")
pytest.importorskip("PIL.Image")
pytestmark = pytest.mark.usefixtures("one_torch_thread")

TINY = ["--channels", "4", "--image-size", "8", "--batch-size", "4", "--eval-images", "0", "--no-progress",
        "--save-minutes", "0", "--hidden", "4", "--embedding", "4"]


def _folder(tmp_path: Path, name: str = "images", count: int = 4) -> Path:
    from PIL import Image

    path = tmp_path / name
    path.mkdir()
    captions = ["a red box", "a blue dot", "the big box", "a small dot"][:count]
    for i in range(len(captions)):
        Image.new("RGB", (8, 8), (60 * i, 0, 200 - 40 * i)).save(path / f"{i}.png")
    (path / "captions.tsv").write_text("".join(f"{i}.png\t{c}\n" for i, c in enumerate(captions)))
    return path


def _model(attention: str = "bahdanau", vocab: int = 9) -> Captioner:
    torch.manual_seed(0)
    return Captioner(vocab, image_size=8, in_channels=3, channels=(4,), hidden=6, embedding=4, attention=attention,
                     dropout=0.0).eval()


def test_the_attention_penalty_is_added_to_the_caption_loss() -> None:
    """--attention-penalty W adds W times Xu et al.'s penalty over the caption's real words to the loss."""
    from rnnkit.tasks.caption import _loss_fn

    model = _model()
    g = torch.Generator().manual_seed(1)
    images = torch.rand(2, 3, 8, 8, generator=g)
    tgt_in, tgt_out = torch.randint(1, 9, (2, 4), generator=g), torch.randint(1, 9, (2, 4), generator=g)
    tgt_out[0, 2:] = 0
    batch = {"images": images, "tgt_in": tgt_in, "tgt_out": tgt_out}
    plain, items, _ = _loss_fn(CaptionConfig(attention="bahdanau"))(model, batch, None, progress=0.0)
    loss, _, _ = _loss_fn(CaptionConfig(attention="bahdanau", attention_penalty=0.5))(model, batch, None,
                                                                                      progress=0.0)
    _, weights = model(images, model.region_counts(2), tgt_in, teacher_forcing=1.0, return_attention=True)
    assert items == 6
    torch.testing.assert_close(loss, plain + 0.5 * doubly_stochastic_penalty(weights, tgt_out != 0))
    assert float(loss.detach()) > float(plain.detach())


def test_the_validation_loss_is_of_every_caption_with_the_pixels_in_0_1() -> None:
    """The validation loss is the mean cross-entropy per word over all the captions, in batches of 64 (70 here),
    of the images' bytes / 255, as training and captioning feed them."""
    from rnnkit.tasks.caption import _eval_fn

    model = _model()
    g = torch.Generator().manual_seed(2)
    images = torch.randint(0, 256, (5, 3, 8, 8), generator=g, dtype=torch.uint8)
    examples = [(i % 5, [int(x) for x in torch.randint(1, 9, (1 + i % 4,), generator=g)]) for i in range(70)]
    examples[-1] = (4, [8, 8, 8, 8, 8, 8])  # a caption of the last batch alone, longer than the rest
    with torch.no_grad():  # as the trainer calls it
        metrics = _eval_fn(images, examples, [], None, CaptionConfig(eval_images=0))(model)  # type: ignore[arg-type]
        total, count = 0.0, 0
        for i, caption in examples:
            t = decoder_targets([caption], model.bos_id, model.eos_id)
            logits = model(images[[i]].float() / 255.0, model.region_counts(1), t["tgt_in"])
            total += float(F.cross_entropy(logits.flatten(0, 1), t["tgt_out"].flatten(), reduction="sum"))
            count += len(caption) + 1
    assert set(metrics) == {"loss"}
    assert metrics["loss"] == pytest.approx(total / count, rel=1e-5)


@pytest.mark.parametrize(("eval_images", "scored"), [(0, None), (1, 1), (5, 3)])
def test_eval_images_are_the_first_validation_images_captioned_and_scored(
        eval_images: int, scored: int | None, monkeypatch: pytest.MonkeyPatch) -> None:
    """--eval-images N captions the first N validation images (all of them when there are fewer) for exact match
    and BLEU, 0 the loss alone; a score of 0 is kept, a BLEU of None (no sacrebleu) left out."""
    seen: list[tuple[list[str], list[tuple[str, ...]]]] = []

    def scores(hyps: list[str], refs: list[tuple[str, ...]]) -> dict[str, float | None]:
        seen.append((list(hyps), list(refs)))
        return {"exact_match": 0.0, "bleu": None}

    monkeypatch.setattr(caption_task, "caption_scores", scores)
    captions = [("a red box",), ("a blue dot", "the dot"), ("a big box",)]
    items = [CaptionedImage(Path(f"{i}.png"), c) for i, c in enumerate(captions)]
    tok = WordTokenizer.train([c for cs in captions for c in cs])
    model = _model(vocab=tok.vocab_size)
    images = torch.randint(0, 256, (3, 3, 8, 8), generator=torch.Generator().manual_seed(3), dtype=torch.uint8)
    examples = [(i, tok.encode(c[0])) for i, c in enumerate(captions)]
    config = CaptionConfig(eval_images=eval_images, max_len=4)
    with torch.no_grad():
        metrics = caption_task._eval_fn(images, examples, items, tok, config)(model)
    if scored is None:
        assert set(metrics) == {"loss"} and seen == []
    else:
        assert metrics["exact_match"] == 0.0 and set(metrics) == {"loss", "exact_match", "decoded"}
        assert metrics["decoded"] == scored
        (hyps, refs), = seen
        assert len(hyps) == scored and refs == captions[:scored]


def test_tying_added_to_a_run_saved_before_the_switch_existed_is_refused(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """A run saved without share_decoder_embeddings in its settings has untied weights: resuming it with
    --share-decoder-embeddings is refused in one line, as any other change of the model is."""
    data, out = _folder(tmp_path), tmp_path / "run"
    assert main(["train", "caption", "--data", str(data), "--out", str(out), "--steps", "1", *TINY]) == 0
    config = json.loads((out / "last" / "config.json").read_text(encoding="utf-8"))
    del config["settings"]["share_decoder_embeddings"]
    (out / "last" / "config.json").write_text(json.dumps(config), encoding="utf-8")
    capsys.readouterr()
    assert main(["train", "caption", "--resume", str(out), "--steps", "2", "--no-progress",
                 "--share-decoder-embeddings"]) == 2
    assert capsys.readouterr().err == ("rnnkit: error: --share-decoder-embeddings: the resumed run had no "
                                       "share-decoder-embeddings; a resumed run keeps its model and data: "
                                       "leave it out to resume the run as it is, "
                                       "or train a new run with another --out\n")


def test_a_run_records_its_image_counts_and_passes_its_augmentation_on(tmp_path: Path,
                                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    """The run's config.json says how many training and validation images it read; the batches turn, scale,
    shift and bend each image by the amounts of --augment-rotate, -scale, -shift and -elastic (none without
    --augment); the model is built with the run's --row-encoder, --no-positions and --dropout; a run without
    validation images has no validation loss (not 0 of no captions)."""
    from rnnkit.tasks._caption_data import _CaptionBatches

    augments: list[dict[str, float] | None] = []

    class Batches(_CaptionBatches):
        def __init__(self, *args: object, **kwargs: object) -> None:
            super().__init__(*args, **kwargs)  # type: ignore[arg-type]
            augments.append(self.augment)

    monkeypatch.setattr(caption_task, "_CaptionBatches", Batches)
    train, val = _folder(tmp_path), _folder(tmp_path, "val", 2)
    small = {"image_size": 8, "channels": [4], "hidden": 4, "embedding": 4, "steps": 1, "eval_images": 0,
             "verbose": False, "progress": False}
    rnnkit.fit("caption", str(train), tmp_path / "a", val_data=str(val), augment=True, augment_rotate=5.0,
               augment_scale=0.1, augment_shift=0.2, augment_elastic=0.03, row_encoder=True, positions=False,
               dropout=0.25, **small)
    result = rnnkit.fit("caption", str(train), tmp_path / "b", val_fraction=0.0, **small)
    assert result.best_metric is None and result.last_eval == {}  # no validation images: nothing evaluated
    assert augments == [{"rotate": 5.0, "scale": 0.1, "shift": 0.2, "elastic": 0.03}, None]
    a, b = (json.loads((tmp_path / run / "last" / "config.json").read_text()) for run in "ab")
    assert [a["model"][k] for k in ("row_encoder", "positions", "dropout")] == [True, False, 0.25]
    assert [b["model"][k] for k in ("row_encoder", "positions", "dropout")] == [False, True, 0.1]
    a, b = a["data"], b["data"]
    assert (a["train"], a["val"], a["train_images"], a["val_images"]) == (str(train), str(val), 4, 2)
    assert (b["val"], b["train_images"], b["val_images"]) == (None, 4, 0)


def test_a_run_saved_before_its_unknown_share_was_recorded_resumes_on_its_own_images_quietly(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """Resumed without --data, a run whose record lacks the share of <unk> it was built with (saved before that
    was recorded) takes the share on its own images as it: no warning of unknown words, and the record holds it
    again. Its vocabulary here leaves out more than a tenth of the words, which a share of 0 would warn of."""
    data, out = _folder(tmp_path), tmp_path / "run"
    assert main(["train", "caption", "--data", str(data), "--out", str(out), "--steps", "1", "--vocab-size", "5",
                 "--val-fraction", "0", *TINY]) == 0
    config = json.loads((out / "last" / "config.json").read_text(encoding="utf-8"))
    share = config["data"].pop("vocabulary_unknown")["caption"]
    assert 0.1 < share < 0.9
    (out / "last" / "config.json").write_text(json.dumps(config), encoding="utf-8")
    capsys.readouterr()
    assert main(["train", "caption", "--resume", str(out), "--steps", "2", "--no-progress"]) == 0
    assert "unknown" not in capsys.readouterr().err
    assert json.loads((out / "last" / "config.json").read_text())["data"]["vocabulary_unknown"] == {"caption": share}
