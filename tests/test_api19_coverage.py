"""What the sweep of the Python API against the command line's promises found kept, held by tests: a captioner's
sampling settings said to go unused at temperature 0 in the caller's words, and ``rnnkit caption`` saying a
sampling flag without ``--sample`` once, not once for the flags and again for the call they make."""

from __future__ import annotations

import warnings
from pathlib import Path

import pytest

import rnnkit
from rnnkit.cli import main
from rnnkit.errors import RnnkitWarning
from tests import test_mut16b_caption_verbs as captions

pytestmark = pytest.mark.usefixtures("one_torch_thread")

plain = captions.plain


def test_a_greedy_draw_of_captions_says_its_unused_settings_as_keywords(plain: tuple[Path, Path]) -> None:
    model, folder = plain
    image = str(sorted(folder.glob("*.png"))[0])
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        found = rnnkit.load(model).caption(image, sample=True, temperature=0, top_k=3, n_best=2)
    said = [str(w.message) for w in caught if issubclass(w.category, RnnkitWarning)]
    assert [m for m in said if "reached the output limit" not in m] == [  # the tiny model's captions are cut too
        "temperature=0 writes the most likely token each time (greedy): top_k=3 is not used, and n_best=2 writes "
        "the same output 2 times"]
    assert found["n_best"][0]["text"] == found["n_best"][1]["text"]


@pytest.mark.parametrize("flags", [["--temperature", "1"], ["--top-p", "1", "--seed", "2"]])
def test_the_command_line_says_an_unused_sampling_flag_once(plain: tuple[Path, Path], flags: list[str],
                                                            capsys: pytest.CaptureFixture[str]) -> None:
    model, folder = plain
    capsys.readouterr()
    assert main(["caption", str(model), str(sorted(folder.glob("*.png"))[0]), *flags]) == 0
    err = [line for line in capsys.readouterr().err.splitlines() if "reached the output limit" not in line]
    assert len(err) == 1 and err[0].startswith("rnnkit: warning: --") and "used only with --sample" in err[0]
