"""``rnnkit train charlm --init-from DIR`` with a setting of the model's shape other than the model's: the run
took the model's (its weights fix them), and ``--embed-dim 16``, ``--cell rnn_tanh`` over a GRU, ``--no-memory`` or
``--zoneout 0.1`` did nothing, unsaid. Each is refused by name, as ``--hidden`` and ``--layers`` were."""

from __future__ import annotations

from pathlib import Path

import pytest

from rnnkit.cli import main
from tests import test_charlm_init as m

pytestmark = pytest.mark.usefixtures("one_torch_thread")
source = m.source  # a GRU of 12 units, embeddings of 6, with the memory


@pytest.mark.parametrize(("flags", "said"), [
    (["--embed-dim", "16"], "--embed-dim 16 with --init-from {src}: its model has 6"),
    (["--cell", "rnn_tanh", "--embed-dim", "6"], "--cell rnn_tanh with --init-from {src}: its model has gru"),
    (["--no-memory"], "--no-memory with --init-from {src}: its model has it on"),
    (["--zoneout", "0.1"], "--zoneout 0.1 with --init-from {src}: its model has 0.0"),
    (["--layer-norm"], "--layer-norm with --init-from {src}: its model has it off")])
def test_a_shape_the_weights_replace_is_refused(source: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str],
                                                flags: list[str], said: str) -> None:
    out = tmp_path / "tuned"
    capsys.readouterr()
    assert main(["train", "charlm", "--data", str(source.parent / "new.txt"), "--out", str(out), "--init-from",
                 str(source), *flags, *m.BASE, "--steps", "1"]) == 2
    drop = said.split(" with ")[0].split(" ")[0]
    assert capsys.readouterr().err == (f"rnnkit: error: {said.format(src=source)}, which a run started from its "
                                       f"weights keeps; drop {drop}\n")
    assert not out.exists()


def test_the_models_own_values_and_the_new_dropout_are_taken(source: Path, tmp_path: Path) -> None:
    assert main(["train", "charlm", "--data", str(source.parent / "new.txt"), "--out", str(tmp_path / "tuned"),
                 "--init-from", str(source), "--embed-dim", "6", "--cell", "gru", "--dropout", "0.3", *m.BASE,
                 "--steps", "1", "--eval-every", "1"]) == 0
