"""Gaps a second mutation audit of :mod:`rnnkit.tasks.caption` found (round 16): the training loss of a
captioner without attention given an --attention-penalty, and of a teacher forcing schedule at the run's progress;
what a run says of its images and captions, at each evaluation and at its close, and of a model past the free
memory; a run resumed twice without --data; the --seed of the initial weights and of the batches; images read
at HEIGHTxWIDTH."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import torch

import rnnkit
import rnnkit.tasks.caption as caption_task
from rnnkit.cli import main
from rnnkit.models.captioner import Captioner
from rnnkit.tasks.caption import CaptionConfig

PIL = pytest.importorskip("PIL", reason="Pillow is not installed")
pytest.importorskip("PIL.Image")
pytestmark = pytest.mark.usefixtures("one_torch_thread")


def test_an_attention_penalty_without_attention_leaves_the_loss_as_it_is() -> None:
    """--attention-penalty with --attention none: there are no weights to penalise, so the loss is the plain
    cross-entropy (not a traceback on the missing weights)."""
    from rnnkit.tasks.caption import _loss_fn

    model = _model()
    g = torch.Generator().manual_seed(1)
    batch = {"images": torch.rand(2, 3, 8, 8, generator=g), "tgt_in": torch.randint(1, 9, (2, 4), generator=g),
             "tgt_out": torch.randint(1, 9, (2, 4), generator=g)}
    plain, items, _ = _loss_fn(CaptionConfig())(model, batch, None, progress=0.0)
    penalised, _, _ = _loss_fn(CaptionConfig(attention_penalty=0.5))(model, batch, None, progress=0.0)
    assert items == 8
    torch.testing.assert_close(penalised, plain)


def _model() -> Captioner:
    torch.manual_seed(0)
    return Captioner(9, image_size=8, in_channels=3, channels=(4,), hidden=6, embedding=4, attention="none",
                      dropout=0.0).eval()


def test_teacher_forcing_falls_to_its_floor_with_the_runs_progress() -> None:
    """--teacher-forcing 1 --teacher-forcing-floor 0: at the start of the run the gold words are fed, at its end
    the model's own, as with --teacher-forcing 0."""
    from rnnkit.tasks.caption import _loss_fn

    model = _model()
    g = torch.Generator().manual_seed(2)
    batch = {"images": torch.rand(2, 3, 8, 8, generator=g), "tgt_in": torch.randint(1, 9, (2, 5), generator=g),
             "tgt_out": torch.randint(1, 9, (2, 5), generator=g)}
    falling = _loss_fn(CaptionConfig(teacher_forcing=1.0, teacher_forcing_floor=0.0))
    with torch.no_grad():
        start, end = (falling(model, batch, None, progress=p)[0] for p in (0.0, 1.0))
        gold = _loss_fn(CaptionConfig(teacher_forcing=1.0))(model, batch, None, progress=1.0)[0]
        own = _loss_fn(CaptionConfig(teacher_forcing=0.0))(model, batch, None, progress=0.0)[0]
    torch.testing.assert_close(start, gold)
    torch.testing.assert_close(end, own)
    assert float(start) != float(end)


def _folder(tmp_path: Path) -> Path:
    """Four 8 x 8 images, the first with two captions (five in all)."""
    from PIL import Image

    folder = tmp_path / "images"
    folder.mkdir()
    captions = [("0.png", "a red box"), ("0.png", "the red box"), ("1.png", "a blue dot"), ("2.png", "a big box"),
                ("3.png", "a small dot")]
    for i in range(4):
        Image.new("RGB", (8, 8), (60 * i, 0, 200 - 40 * i)).save(folder / f"{i}.png")
    (folder / "captions.tsv").write_text("".join(f"{n}\t{c}\n" for n, c in captions), encoding="utf-8")
    return folder


TINY = ["--channels", "4", "--image-size", "8", "--hidden", "4", "--embedding", "4", "--batch-size", "2",
        "--eval-images", "0", "--val-fraction", "0", "--no-progress", "--save-minutes", "0"]


def test_a_run_says_its_images_and_captions_and_resumes_twice_on_its_own_data(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """The run's first line counts images and captions apart (4 images, 5 captions) and says its attention; the
    closing line of a run without validation images says there are none. Resumed without --data, the run
    records the folder it trained on, so it resumes again."""
    data, out = _folder(tmp_path), tmp_path / "run"
    capsys.readouterr()
    assert main(["train", "caption", "--data", str(data), "--out", str(out), "--steps", "1", *TINY]) == 0
    captured = capsys.readouterr()
    assert captured.err.startswith("caption: 4 training images (5 captions) and 0 validation images, ")
    assert ", attention none; " in captured.err
    assert captured.out.startswith("no validation images, so no validation loss (1 step, ")
    for steps in ("2", "3"):
        assert main(["train", "caption", "--resume", str(out), "--steps", steps, "--no-progress"]) == 0
        config = json.loads((out / "last" / "config.json").read_text(encoding="utf-8"))
        assert config["data"]["train"] == str(data)


def test_the_evaluation_line_counts_caption_words_a_second(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """The line of each evaluation gives the training speed in caption words (tok/s), as translate's does."""
    data = _folder(tmp_path)
    capsys.readouterr()
    assert main(["train", "caption", "--data", str(data), "--out", str(tmp_path / "run"), "--steps", "1",
                 "--eval-every", "1", "--log-every", "1", *TINY[:-5], "--val-fraction", "0.25", "--no-progress"]) == 0
    line = next(x for x in capsys.readouterr().err.splitlines() if x.startswith("step 1: "))
    assert line.endswith(" tok/s"), line


def test_a_model_past_the_free_memory_names_its_vocabulary_size(tmp_path: Path, capsys: pytest.CaptureFixture[str],
                                                              monkeypatch: pytest.MonkeyPatch) -> None:
    """A captioner that cannot train in the memory free is refused in one line naming the size set furthest above
    its default, --vocab-size among them, before anything is written."""
    monkeypatch.setattr("rnnkit.train.memory.free_memory", lambda device: 1000)
    data = _folder(tmp_path)
    capsys.readouterr()
    assert main(["train", "caption", "--data", str(data), "--out", str(tmp_path / "run"), "--steps", "1",
                 "--vocab-size", "1000000", *TINY]) == 2
    assert capsys.readouterr().err.startswith("rnnkit: error: --vocab-size 1000000: the model (")
    assert not (tmp_path / "run").exists()


def test_the_seed_draws_the_initial_weights_and_the_batches(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """--seed S: two runs of one seed start from the same weights, another seed from others (--lr 0 keeps them);
    the batches are shuffled by the run's seed too."""
    seeds: list[int] = []

    class Batches(caption_task._CaptionBatches):
        def __init__(self, *args: object, **kwargs: object) -> None:
            super().__init__(*args, **kwargs)  # type: ignore[arg-type]
            seeds.append(self.seed)

    monkeypatch.setattr(caption_task, "_CaptionBatches", Batches)
    data = _folder(tmp_path)
    small = {"image_size": 8, "channels": [4], "hidden": 4, "embedding": 4, "steps": 1, "eval_images": 0,
             "val_fraction": 0.0, "lr": 0.0, "verbose": False, "progress": False}

    def weights(seed: int, name: str) -> list[torch.Tensor]:
        rnnkit.fit("caption", str(data), tmp_path / name, seed=seed, **small)
        return [p.detach().clone() for p in rnnkit.load(tmp_path / name).model.parameters()]

    a, b, c = weights(1, "a"), weights(1, "b"), weights(2, "c")
    assert all(torch.equal(x, y) for x, y in zip(a, b, strict=True))
    assert not all(torch.equal(x, y) for x, y in zip(a, c, strict=True))
    assert seeds == [1, 1, 2]


def test_images_are_read_at_height_by_width(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """--image-size 8x16 (HEIGHTxWIDTH, a strip): the training images are 8 rows of 16 pixels, as the model and
    captioning read them, not 16 x 8."""
    shapes: list[tuple[int, ...]] = []

    class Batches(caption_task._CaptionBatches):
        def __init__(self, images: torch.Tensor, *args: object, **kwargs: object) -> None:
            super().__init__(images, *args, **kwargs)  # type: ignore[arg-type]
            shapes.append(tuple(images.shape))

    monkeypatch.setattr(caption_task, "_CaptionBatches", Batches)
    rnnkit.fit("caption", str(_folder(tmp_path)), tmp_path / "run", image_size="8x16", channels=[4], hidden=4,
               embedding=4, steps=1, eval_images=0, val_fraction=0.0, verbose=False, progress=False)
    assert shapes == [(4, 3, 8, 16)]
