"""Gaps a second mutation audit of :mod:`rnnkit.tasks._caption_verbs` found (round 16): ``rnnkit caption
--attention-png`` of a captioner trained without attention, the default beam of ``rnnkit evaluate``, a grey run
resumed without --grey, and ``rnnkit data shapes`` / ``digits``: their default --images, the least they take,
and their --seed; on a tiny grey captioner without attention trained here."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
import torch

from rnnkit.cli import build_parser, main

PIL = pytest.importorskip("PIL", reason="Pillow is not installed")
pytest.importorskip("PIL.Image")
pytestmark = pytest.mark.usefixtures("one_torch_thread")

TINY = ["--channels", "4", "--image-size", "8", "--hidden", "4", "--embedding", "4", "--batch-size", "4",
        "--eval-images", "0", "--val-fraction", "0", "--no-progress", "--save-minutes", "0"]


@pytest.fixture(scope="module")
def plain(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """A grey 8 x 8 captioner without attention, one update into its training, and its folder of four images."""
    from test_mut13b_caption_trained import four_grey_images

    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    folder = four_grey_images(tmp_path_factory.mktemp("cap16b"))
    try:
        assert main(["train", "caption", "--data", str(folder), "--out", str(folder / "m"), "--grey", "--steps", "1",
                     *TINY]) == 0
    finally:
        torch.set_num_threads(threads)
    return folder / "m", folder


def test_attention_png_of_a_captioner_without_attention_is_refused(plain: tuple[Path, Path], tmp_path: Path,
                                                                   capsys: pytest.CaptureFixture[str]) -> None:
    """--attention-png of a captioner trained without --attention: refused in one line that says so, before any
    caption is printed, and no PNG written."""
    out, folder = plain
    png = tmp_path / "a.png"
    capsys.readouterr()
    assert main(["caption", str(out), str(folder / "0.png"), "--attention-png", str(png)]) == 2
    assert capsys.readouterr() == ("", f"rnnkit: error: --attention-png: {out / 'best'} was trained without attention; "
                                       "there is nothing to draw\n")
    assert not png.exists()


def test_evaluate_decodes_greedily_unless_beam_is_given(plain: tuple[Path, Path],
                                                       capsys: pytest.CaptureFixture[str]) -> None:
    """`rnnkit evaluate DIR --data FOLDER` without --beam is greedy: beam 1, in the line and in --json."""
    import json

    out, folder = plain
    capsys.readouterr()
    assert main(["evaluate", str(out), "--data", str(folder)]) == 0
    assert capsys.readouterr().out.startswith("4 images, beam 1: exact match ")
    assert main(["evaluate", str(out), "--data", str(folder), "--json"]) == 0
    assert json.loads(capsys.readouterr().out.splitlines()[-1])["beam"] == 1


def test_a_grey_run_resumes_without_grey_given_again(plain: tuple[Path, Path], tmp_path: Path,
                                                    capsys: pytest.CaptureFixture[str]) -> None:
    """`train caption --resume DIR` of a run trained with --grey, the flag not given again: it goes on grey (a flag
    not given is no change of the run's model), and a run's --no-grey is refused as one."""
    out, _ = plain
    run = tmp_path / "run"
    shutil.copytree(out, run)
    capsys.readouterr()
    assert main(["train", "caption", "--resume", str(run), "--steps", "2", "--no-progress", "--save-minutes", "0"]) == 0
    assert main(["train", "caption", "--resume", str(run), "--steps", "3", "--no-progress", "--no-grey"]) == 2
    assert "grey" in capsys.readouterr().err
    args = build_parser().parse_args(["train", "caption"])
    assert [args.grey, args.positions, args.row_encoder, args.augment, args.share_decoder_embeddings] == [None] * 5


@pytest.mark.parametrize("name", ["shapes", "digits"])
def test_data_generators_take_3000_images_by_default_and_at_least_10(
        name: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """`rnnkit data shapes|digits` write 3000 images unless --images says otherwise; under 10 (each split takes a
    tenth) is refused in one line, with nothing written."""
    assert build_parser().parse_args(["data", name, "--out", str(tmp_path / "x")]).images == 3000
    capsys.readouterr()
    assert main(["data", name, "--out", str(tmp_path / "few"), "--images", "9"]) == 2
    assert capsys.readouterr() == ("", "rnnkit: error: --images 9: expected at least 10 (the splits take a tenth "
                                       "each)\n")
    assert not (tmp_path / "few").exists()


@pytest.mark.parametrize("name", ["shapes", "digits"])
def test_data_generators_draw_from_their_seed(name: str, tmp_path: Path) -> None:
    """--seed S: the same seed draws the same images and captions again, another seed others."""
    def drawn(seed: str, folder: str) -> tuple[str, bytes]:
        assert main(["data", name, "--out", str(tmp_path / folder), "--images", "10", "--seed", seed]) == 0
        train = tmp_path / folder / "train"
        return (train / "captions.tsv").read_text(encoding="utf-8"), b"".join(
            p.read_bytes() for p in sorted(train.glob("*.png")))

    assert drawn("1", "a") == drawn("1", "b")
    assert drawn("1", "a2") != drawn("0", "c")


def test_caption_json_writes_an_image_name_as_it_is(plain: tuple[Path, Path], tmp_path: Path,
                                                    capsys: pytest.CaptureFixture[str]) -> None:
    """--json keeps the letters of an image's name (UTF-8), not \\u escapes."""
    out, folder = plain
    image = tmp_path / "café.png"
    shutil.copyfile(folder / "0.png", image)
    capsys.readouterr()
    assert main(["caption", str(out), str(image), "--json"]) == 0
    line = capsys.readouterr().out
    assert f'"image": "{image}"' in line and "\\u00e9" not in line
