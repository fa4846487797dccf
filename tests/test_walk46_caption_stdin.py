"""``rnnkit caption DIR -`` (a list of photos piped in, as ``predict --file -`` reads standard input) said
``-: no such image``, as though a photo were missing. It now says, as ``rnnkit transcribe DIR -`` does, that images
are read by their names and how to give a list of them (xargs); a file really named ``-`` is still captioned."""

from __future__ import annotations

import argparse
from pathlib import Path
from types import SimpleNamespace

import pytest

from rnnkit.errors import UserError
from rnnkit.tasks import _caption_verbs as verbs


class Captioner:
    """What the command reads before it captions: the model's directory; captioning raises, to show it was reached."""

    checkpoints = [SimpleNamespace(path=Path("my model"), reads=[])]

    def _caption(self, images: list[str], *rest: object, **kwargs: object) -> list[dict[str, object]]:
        raise AssertionError(f"captioned {images}")


def _args(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser()
    verbs._caption_arguments(parser)
    return parser.parse_args(argv)


def test_a_dash_is_refused_with_the_way_to_give_a_list(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.chdir(tmp_path)
    with pytest.raises(UserError) as err:
        verbs._caption_command(Captioner(), _args(["a.png", "-", "--beam", "2"]))  # type: ignore[arg-type]
    assert str(err.value) == ("IMAGE '-': images are read by their names, not from standard input; give the names, or "
                              "a list of them one a line with xargs: xargs -d '\\n' rnnkit caption 'my model' < LIST")


def test_a_file_named_dash_goes_on_to_be_captioned(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setattr(verbs, "with_ensemble", lambda cap, args: cap)  # no --ensemble: the captioner itself
    (tmp_path / "-").write_bytes(b"")
    with pytest.raises(AssertionError, match=r"captioned \['-'\]"):
        verbs._caption_command(Captioner(), _args(["-"]))  # type: ignore[arg-type]
