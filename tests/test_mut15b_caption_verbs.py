"""Gaps a mutation audit of :mod:`rnnkit.tasks._caption_verbs` found (round 15): what ``rnnkit caption`` prints
and draws and where it refuses to write, what ``rnnkit evaluate`` prints (BLEU without sacrebleu), how the
training flags --attention and --image-size read, and ``rnnkit data digits --square``; on a tiny captioner with
attention trained here."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
import torch

import rnnkit
from rnnkit.cli import main

PIL = pytest.importorskip("PIL", reason="Pillow is not installed")
pytest.importorskip("PIL.Image")
pytestmark = pytest.mark.usefixtures("one_torch_thread")


@pytest.fixture(scope="module")
def run(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, list[str]]:
    """A grey 8 x 8 captioner with attention, and two of its images, one dark and one light."""
    from test_mut13b_caption_trained import four_grey_images

    folder = four_grey_images(tmp_path_factory.mktemp("cap15b"))
    rnnkit.fit("caption", str(folder), folder / "m", image_size=8, channels=[4], hidden=8, embedding=4, grey=True,
               attention="bahdanau", steps=1, val_fraction=0.0, eval_images=0, verbose=False, progress=False)
    return folder / "m", [str(folder / "0.png"), str(folder / "1.png")]


def test_the_attention_png_is_drawn_over_the_first_image(run: tuple[Path, list[str]], tmp_path: Path,
                                                         monkeypatch: pytest.MonkeyPatch) -> None:
    """--attention-png draws the first caption's attention over the first IMAGE given, not another."""
    import rnnkit.plots

    out, images = run
    drawn: list[Any] = []
    monkeypatch.setattr(rnnkit.plots, "caption_attention_png", lambda image, weights, words, png: drawn.append(
        (image, words, png)))
    png = tmp_path / "att.png"
    assert main(["caption", str(out), *images, "--attention-png", str(png)]) == 0
    (image, words, where), = drawn
    cap = rnnkit.load(out)
    assert torch.equal(image, cap.load_images([images[0]])[0]) and where == png
    assert words == cap.caption([images[0]], return_attention=True)[0]["words"]


def test_an_attention_png_inside_another_runs_checkpoint_is_refused(run: tuple[Path, list[str]], tmp_path: Path,
                                                                    capsys: pytest.CaptureFixture[str]) -> None:
    """--attention-png OTHER/last/a.png would go with the next save of that run's resume checkpoint: refused in
    one line before anything is captioned."""
    out, images = run
    other = tmp_path / "other"
    (other / "last").mkdir(parents=True)
    (other / "last" / "optimizer.safetensors").write_text("{}", encoding="utf-8")
    target = other / "last" / "a.png"
    capsys.readouterr()
    assert main(["caption", str(out), images[0], "--attention-png", str(target)]) == 2
    assert capsys.readouterr() == ("", f"rnnkit: error: --attention-png {target}: is inside the run's resume "
                                       "checkpoint (last/), which every save replaces; write to another file\n")
    assert not target.exists()


def test_caption_json_holds_the_image_its_caption_and_its_n_best(run: tuple[Path, list[str]],
                                                                 capsys: pytest.CaptureFixture[str]) -> None:
    """--json: one object a line, {"image", "caption", "n_best"}, the n_best as the Python method's."""
    out, images = run
    capsys.readouterr()
    assert main(["caption", str(out), *images, "--json", "--beam", "2", "--n-best", "2"]) == 0
    lines = [json.loads(x) for x in capsys.readouterr().out.splitlines()]
    found = rnnkit.load(out).caption(images, beam=2, n_best=2)
    assert lines == [{"image": image, "caption": f["caption"], "n_best": json.loads(json.dumps(f["n_best"]))}
                     for image, f in zip(images, found, strict=True)]
    assert all(len(line["n_best"]) == 2 for line in lines)


def test_evaluate_prints_the_scores_of_its_json_and_says_when_bleu_needs_sacrebleu(
        run: tuple[Path, list[str]], capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> None:
    """`rnnkit evaluate DIR --data FOLDER` says in a line what --json gives; without sacrebleu, BLEU is
    'n/a (pip install sacrebleu)', not a traceback."""
    import sys

    out, images = run
    folder = str(Path(images[0]).parent)
    capsys.readouterr()
    assert main(["evaluate", str(out), "--data", folder, "--beam", "2", "--json"]) == 0
    scores = json.loads(capsys.readouterr().out.splitlines()[-1])
    assert main(["evaluate", str(out), "--data", folder, "--beam", "2"]) == 0
    bleu = ("n/a (pip install sacrebleu)" if scores["bleu"] is None
            else f"{scores['bleu']:.2f}, chrF {scores['chrf']:.2f}")  # walk46: chrF beside BLEU
    assert capsys.readouterr().out == f"4 images, beam 2: exact match {scores['exact_match']:.4f}, BLEU {bleu}\n"
    monkeypatch.setitem(sys.modules, "sacrebleu.metrics", None)  # import sacrebleu.metrics: ImportError
    assert main(["evaluate", str(out), "--data", folder]) == 0
    assert capsys.readouterr().out.endswith(", BLEU n/a (pip install sacrebleu)\n")


def test_the_train_flags_attention_alone_and_an_image_size_as_written() -> None:
    """--attention alone is Bahdanau's; --image-size is a side (an integer, spaces around it allowed) or HxW in
    lower case, as the run records it."""
    from rnnkit.cli import build_parser

    args = build_parser().parse_args(["train", "caption", "--attention", "--image-size", "16X32"])
    assert args.attention == "bahdanau" and args.image_size == "16x32"
    assert build_parser().parse_args(["train", "caption", "--image-size", " 24 "]).image_size == 24
    assert build_parser().parse_args(["train", "caption"]).attention is None


def test_data_digits_square_puts_the_strips_on_square_canvases(tmp_path: Path,
                                                               capsys: pytest.CaptureFixture[str]) -> None:
    """`rnnkit data digits --square` draws each strip in the middle of a square canvas; without, 28 pixels high."""
    from PIL import Image

    for flags, size in (([], (140, 28)), (["--square"], (140, 140))):
        out = tmp_path / f"d{len(flags)}"
        assert main(["data", "digits", "--out", str(out), "--images", "10", *flags]) == 0
        assert capsys.readouterr().out.startswith(f"wrote 10 captioned images to {out}: train/ 8, val/ 1, test/ 1")
        with Image.open(out / "train" / "00000.png") as image:
            assert image.size == size
