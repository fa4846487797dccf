"""Gaps a mutation audit of :mod:`rnnkit.tasks._caption_trained` found (round 13): a loaded captioner's refusals,
what a model saved without some settings reads as, what ``caption`` and ``evaluate`` pass on and return, and what
keeps two captioners from an ensemble, on a tiny grey captioner trained here."""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest

import rnnkit
from rnnkit.errors import UserError

PIL = pytest.importorskip("PIL", reason="Pillow is not installed")
pytest.importorskip("PIL.Image")
pytestmark = pytest.mark.usefixtures("one_torch_thread")


def four_grey_images(folder: Path) -> Path:
    """``folder`` with four grey 8 x 8 images, dark and light boxes and dots, and their captions.tsv."""
    from PIL import Image

    rows = []
    for i, (grey, caption) in enumerate([(0, "a dark box"), (255, "a light box"), (90, "a dark dot"),
                                         (200, "a light dot")]):
        Image.new("L", (8, 8), grey).save(folder / f"{i}.png")
        rows.append(f"{i}.png\t{caption}\n")
    (folder / "captions.tsv").write_text("".join(rows), encoding="utf-8")
    return folder


@pytest.fixture(scope="module")
def run(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """A grey 8 x 8 captioner with attention and without grid positions, and its folder of four images."""
    folder = four_grey_images(tmp_path_factory.mktemp("cap"))
    rnnkit.fit("caption", str(folder), folder / "m", image_size=8, channels=[4], hidden=8, embedding=4, grey=True,
               attention="bahdanau", positions=False, steps=1, val_fraction=0.0, eval_images=0, verbose=False,
               progress=False)
    return folder / "m", folder


def _edited(run: tuple[Path, Path], tmp_path: Path, edit: Any) -> Path:
    """A copy of the run's best model with its config.json changed by ``edit(config)``."""
    copy = tmp_path / "best"
    shutil.copytree(run[0] / "best", copy)
    config = json.loads((copy / "config.json").read_text())
    edit(config)
    (copy / "config.json").write_text(json.dumps(config))
    return copy


def test_a_model_saved_before_grid_positions_and_max_len_reads_without_them(run: tuple[Path, Path],
                                                                           tmp_path: Path) -> None:
    def older(config: dict[str, Any]) -> None:
        del config["model"]["positions"], config["settings"]["max_len"]

    cap = rnnkit.load(_edited(run, tmp_path, older))
    assert cap.model.position is None and cap.max_len == 30
    image = str(run[1] / "0.png")
    assert cap.caption(image) == rnnkit.load(run[0]).caption(image)


def test_another_task_s_model_or_a_vocabulary_of_another_size_is_refused(run: tuple[Path, Path],
                                                                         tmp_path: Path) -> None:
    from rnnkit.tasks.caption import ImageCaptioner

    other = _edited(run, tmp_path, lambda config: config.update(task="seq2seq"))
    with pytest.raises(UserError, match=r"best: a 'seq2seq' model, not a captioner$"):
        ImageCaptioner(other)
    grown = tmp_path / "grown"
    shutil.copytree(run[0] / "best", grown)
    vocab = json.loads((grown / "vocab.json").read_text())
    vocab["symbols"].append("extra")
    (grown / "vocab.json").write_text(json.dumps(vocab))
    with pytest.raises(UserError, match=r"grown: the vocabulary has \d+ entries, but the model has \d+ \(config.json: "
                                        r"model.tgt_vocab\)"):
        ImageCaptioner(grown)


def test_no_images_are_an_empty_batch_of_the_model_s_channels(run: tuple[Path, Path]) -> None:
    cap = rnnkit.load(run[0])
    assert cap.load_images([]).shape == (0, 1, 8, 8)
    assert cap.caption([]) == []


def test_attention_has_a_row_per_written_word_and_the_end_of_the_caption(run: tuple[Path, Path]) -> None:
    result = rnnkit.load(run[0]).caption(str(run[1] / "0.png"), return_attention=True)
    assert result["words"] == [*result["caption"].split(), "</s>"]
    assert len(result["attention"]) == len(result["words"]) and all(len(row) == 16 for row in result["attention"])


def test_return_attention_takes_true_or_false(run: tuple[Path, Path]) -> None:
    with pytest.raises(TypeError, match=r"^caption: return_attention takes True or False, not 'yes'$"):
        rnnkit.load(run[0]).caption(str(run[1] / "0.png"), return_attention="yes")  # type: ignore[arg-type]


def test_a_memoryview_of_an_image_s_bytes_is_refused_as_bytes_are(run: tuple[Path, Path]) -> None:
    data = memoryview((run[1] / "0.png").read_bytes())
    with pytest.raises(UserError) as caught:
        rnnkit.load(run[0]).caption(data)
    message = str(caught.value)
    assert message.startswith("images: builtins.memoryview of shape (") and message.endswith(
        "expected the path of a PNG or JPEG file, a PIL image or a list of them; PIL.Image.open(io.BytesIO(data)) "
        "reads an image's bytes")


def test_n_best_gives_the_beam_s_hypotheses_best_first_with_their_own_log_prob_and_score(
        run: tuple[Path, Path]) -> None:
    """The caption is the first (best) hypothesis; a hypothesis's log_prob is its summed log-probability, its score
    what the beam ranks by (the log-probability over the length), so they differ where the caption has words."""
    cap = rnnkit.load(run[0])
    result = cap.caption(str(run[1] / "0.png"), beam=3, n_best=3)
    hyps = result["n_best"]
    assert len(hyps) == 3 and result["caption"] == hyps[0]["text"]
    assert [h["score"] for h in hyps] == sorted((h["score"] for h in hyps), reverse=True)
    assert any(h["log_prob"] != h["score"] for h in hyps)


def test_evaluate_decodes_with_the_beam_asked(run: tuple[Path, Path], monkeypatch: pytest.MonkeyPatch) -> None:
    import rnnkit.tasks._caption_trained as trained

    cap = rnnkit.load(run[0])
    beams: list[int] = []
    decode = trained._decode_images
    monkeypatch.setattr(trained, "_decode_images", lambda model, batch, max_len, beam, *a: beams.append(beam)
                        or decode(model, batch, max_len, beam, *a))
    report = cap.evaluate(run[1], beam=3)
    assert beams == [3] and report["beam"] == 3 and report["images"] == 4


# --------------------------------------------------------------------------------------- what keeps an ensemble
def _stand_in(symbols: list[str], size: tuple[int, int] = (8, 8), channels: int = 1, regions: int = 16) -> Any:
    words = SimpleNamespace(to_json=lambda: {"type": "word", "symbols": symbols})
    model = SimpleNamespace(image_size=size, regions=regions, config=lambda: {"in_channels": channels})
    return SimpleNamespace(words=words, model=model, checkpoint=SimpleNamespace(path=Path("runs/one/best")))


@pytest.mark.parametrize("other, problem", [
    (_stand_in(["a", "red", "dot"]), None),
    (_stand_in(["a", "red", "box"]),
     "its caption vocabulary is not runs/one/best's; the models of an ensemble need the same one"),
    (_stand_in(["a", "red", "dot"], size=(8, 16), regions=32),
     "its image size (8x16) is not runs/one/best's (8x8); the models of an ensemble read the same images into the "
     "same regions"),
    (_stand_in(["a", "red", "dot"], channels=3), "its channels (3) is not runs/one/best's (1); the models"),
    (_stand_in(["a", "red", "dot"], regions=4), "its regions (4) is not runs/one/best's (16); the models"),
])
def test_captioners_of_another_vocabulary_image_size_channels_or_regions_do_not_join(other: Any,
                                                                                     problem: str | None) -> None:
    from rnnkit.tasks._caption_trained import _captioners_differ

    found = _captioners_differ(_stand_in(["a", "red", "dot"]), other)
    assert found == problem if problem is None else found is not None and found.startswith(problem)
