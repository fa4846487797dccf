"""``translate --attention-png`` and ``caption --attention-png`` say where the picture went, as the verbs that write a
file do: a line on stderr (stdout keeps the translations alone), or with ``--json`` an ``"attention_png"`` in the
first result's JSON object (and in the ``--output`` summary line). The PNG was written without a word."""
from __future__ import annotations

import json
from pathlib import Path

import pytest
import torch

from rnnkit.cli import main
from tests.test_mut14d_translate_verbs import run  # noqa: F401  # the module's tiny word-level translator
from tests.test_walk37_output_limit import uncut

pytestmark = pytest.mark.usefixtures("one_torch_thread")


def test_translate_says_where_it_drew_the_attention(run: tuple[Path, Path], tmp_path: Path,  # noqa: F811
                                                    capsys: pytest.CaptureFixture[str]) -> None:
    _, out = run
    png = tmp_path / "a.png"
    capsys.readouterr()
    assert main(["translate", str(out), "a b", "a b c", "--attention-png", str(png)]) == 0
    said = capsys.readouterr()
    assert png.exists() and len(said.out.splitlines()) == 2
    assert uncut(said.err) == f"wrote the attention of the first translation to {png}\n"


def test_translate_json_names_the_picture_in_the_first_object(run: tuple[Path, Path], tmp_path: Path,  # noqa: F811
                                                              capsys: pytest.CaptureFixture[str]) -> None:
    _, out = run
    png = tmp_path / "a.png"
    capsys.readouterr()
    assert main(["translate", str(out), "a b", "a b c", "--attention-png", str(png), "--json"]) == 0
    said = capsys.readouterr()
    first, second = (json.loads(line) for line in said.out.splitlines())
    assert first["attention_png"] == str(png) and "attention_png" not in second and uncut(said.err) == ""


def test_translate_output_json_names_both_files(run: tuple[Path, Path], tmp_path: Path,  # noqa: F811
                                                capsys: pytest.CaptureFixture[str]) -> None:
    _, out = run
    png, written = tmp_path / "a.png", tmp_path / "t.jsonl"
    capsys.readouterr()
    assert main(["translate", str(out), "a b", "--attention-png", str(png), "--json", "--output", str(written)]) == 0
    summary = json.loads(capsys.readouterr().out)
    assert summary == {"output": str(written), "format": "jsonl", "sources": 1, "attention_png": str(png)}


@pytest.fixture(scope="module")
def attending(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """A grey 8 x 8 captioner with attention, one update into its training, and its folder of four images."""
    from test_mut13b_caption_trained import four_grey_images
    from test_mut16b_caption_verbs import TINY

    pytest.importorskip("PIL.Image")
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    folder = four_grey_images(tmp_path_factory.mktemp("fixe_cap"))
    try:
        assert main(["train", "caption", "--data", str(folder), "--out", str(folder / "m"), "--grey", "--steps", "1",
                     "--attention", *TINY]) == 0
    finally:
        torch.set_num_threads(threads)
    return folder / "m", folder


@pytest.mark.parametrize("as_json", [False, True])
def test_caption_says_where_it_drew_the_attention(attending: tuple[Path, Path], as_json: bool, tmp_path: Path,
                                                  capsys: pytest.CaptureFixture[str]) -> None:
    out, folder = attending
    png = tmp_path / "a.png"
    capsys.readouterr()
    line = ["caption", str(out), str(folder / "0.png"), str(folder / "1.png"), "--attention-png", str(png)]
    assert main(line + ["--json"] * as_json) == 0
    said = capsys.readouterr()
    assert png.exists() and len(said.out.splitlines()) == 2
    if as_json:
        first, second = (json.loads(x) for x in said.out.splitlines())
        assert first["attention_png"] == str(png) and "attention_png" not in second and uncut(said.err) == ""
    else:
        assert uncut(said.err) == f"wrote the attention of the first caption to {png}\n"
