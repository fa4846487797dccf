"""``rnnkit caption RUN photo.png`` of a little-trained captioner printed a caption cut at the training --max-len
(no end token written) as if it were whole; the call now warns once, as translate does, counting the captions cut
and saying that the limit is the training --max-len."""

from __future__ import annotations

from pathlib import Path

import pytest
from PIL import Image

from rnnkit.cli import main

pytestmark = pytest.mark.usefixtures("one_torch_thread")

TINY = ["--channels", "4", "--image-size", "8", "--hidden", "4", "--embedding", "4", "--eval-images", "0",
        "--no-progress", "--save-minutes", "0", "--steps", "1", "--threads", "1", "--seed", "0"]


@pytest.fixture(scope="module")
def run(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A captioner trained one step, with captions of at most 3 words: it has not learnt to end one."""
    root = tmp_path_factory.mktemp("cut")
    for folder, names in ((root / "photos", ("a.png", "b.png")), (root / "val", ("c.png",))):
        folder.mkdir()
        for name in names:
            Image.new("RGB", (8, 8), "red").save(folder / name)
    (root / "photos" / "captions.tsv").write_text("a.png\ta red square on a field\nb.png\ta red thing\n",
                                                  encoding="utf-8")
    (root / "val" / "captions.tsv").write_text("c.png\tred\n", encoding="utf-8")
    assert main(["train", "caption", "--data", str(root / "photos"), "--val-data", str(root / "val"),
                 "--out", str(root / "run"), "--max-len", "3", *TINY]) == 0
    return root


def test_captions_cut_at_the_limit_are_said_once_a_call(run: Path, capsys: pytest.CaptureFixture[str]) -> None:
    capsys.readouterr()
    images = [str(run / "photos" / name) for name in ("a.png", "b.png")]
    assert main(["caption", str(run / "run"), *images]) == 0
    out, err = capsys.readouterr()
    captions = out.splitlines()
    assert len(captions) == 2 and all(len(c.split()) == 3 for c in captions)  # each at the limit, no end of its own
    warnings = [line for line in err.splitlines() if "output limit" in line]
    assert warnings == ["rnnkit: warning: 2 of 2 captions reached the output limit (the training --max-len, 3 words) "
                        "and were cut there, with no end written by the model; a model trained longer learns to "
                        "end its captions, and one trained with a larger --max-len writes longer ones"]


def test_the_python_caption_warns_in_the_singular_naming_the_keyword(run: Path) -> None:
    import rnnkit

    cap = rnnkit.load(run / "run")
    with pytest.warns(UserWarning, match=r"^1 of 1 caption reached the output limit \(the training max_len, "
                                         r"3 words\) and was cut there.* a larger max_len writes"):
        assert len(cap.caption(run / "photos" / "a.png").split()) == 3
