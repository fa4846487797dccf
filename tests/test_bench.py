"""``rnnkit bench``: the JSON object it prints has every key the issue names, for every cell asked for,
with numbers that make sense; bad flags are one line and exit 2."""

from __future__ import annotations

import json

import pytest

from rnnkit.cli import main
from rnnkit.tasks import bench

pytestmark = pytest.mark.usefixtures("one_torch_thread")
KEYS = {"fwd_tok_s", "fwdbwd_tok_s", "peak_mem_mb", "ratio_vs_torch_lstm"}


@pytest.mark.slow  # the CPU memory probe starts a fresh Python and imports torch: seconds on a busy machine
def test_bench_json_has_every_key_for_every_cell(capsys: pytest.CaptureFixture[str]) -> None:
    code = main(["bench", "--cells", "mingru,lstm", "--batch", "16", "--length", "60", "--hidden", "48",
                 "--input", "4", "--rounds", "1", "--json"])
    out = capsys.readouterr().out.strip().splitlines()
    assert code == 0
    doc = json.loads(out[-1])
    assert set(doc["results"]) == {"mingru", "lstm"}
    for row in [*doc["results"].values(), doc["baseline"][bench.BASELINE]]:
        assert set(row) == KEYS and row["fwd_tok_s"] > 0 and row["fwdbwd_tok_s"] > 0
    mingru = doc["results"]["mingru"]
    assert mingru["peak_mem_mb"] > 1.0  # 16 × 60 × 48 floats per saved tensor, a dozen of them
    base = doc["baseline"][bench.BASELINE]
    assert mingru["ratio_vs_torch_lstm"] == pytest.approx(mingru["fwdbwd_tok_s"] / base["fwdbwd_tok_s"])


def test_json_keys_and_table_with_the_memory_probe_stubbed(capsys: pytest.CaptureFixture[str],
                                                          monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(bench, "peak_memory_mb", lambda names, s: dict.fromkeys(names, 1.5))
    tiny = ["--batch", "2", "--length", "5", "--hidden", "8", "--input", "3", "--rounds", "1"]
    assert main(["bench", "--cells", "minlstm,gru", *tiny, "--json"]) == 0
    doc = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
    assert set(doc["results"]) == {"minlstm", "gru"} and all(set(r) == KEYS for r in doc["results"].values())
    assert doc["baseline"][bench.BASELINE]["ratio_vs_torch_lstm"] == 1.0
    assert main(["bench", "--cells", "minlstm", *tiny, "--threads", "1"]) == 0
    table = capsys.readouterr().out
    assert "| torch.nn.LSTM |" in table and "| minlstm |" in table and "| 1.5 |" in table
    assert ", 1 thread, torch " in table   # not "1 threads"


@pytest.mark.parametrize("flags,words", [(["--cells", "lstm,foo"], "unknown cell foo"),
                                         (["--batch", "0"], "--batch 0"),
                                         (["--device", "cuda"], "--device cuda")])
def test_bad_flags_are_one_line(capsys: pytest.CaptureFixture[str], flags: list[str], words: str) -> None:
    import torch

    if flags[0] == "--device" and torch.cuda.is_available():
        pytest.skip("this machine has CUDA")
    assert main(["bench", *flags]) == 2
    err = capsys.readouterr().err.strip()
    assert words in err and "\n" not in err


def test_sweep_png_draws_one_panel_per_sweep(tmp_path) -> None:
    from PIL import Image

    from rnnkit.plots import sweep_png

    sweeps = {name: {"values": [8, 16, 32], "note": "hidden 8",
                     "series": {"mingru parallel scan": [3e-4, 2e-4, 1e-4], "mingru step loop": [1e-4, 2e-4, 4e-4]}}
              for name in ("length", "hidden")}
    path = sweep_png(sweeps, tmp_path / "s.png", "seconds per step", "title")
    assert Image.open(path).size == (2 * 5 * 110, int(4.2 * 110))


def test_the_cpu_memory_probe_runs_with_no_gpu_in_sight(monkeypatch: pytest.MonkeyPatch) -> None:
    """On a machine with a GPU the probe's forked children failed their backward (autograd had started a
    thread per device in the parent: 'Autograd-and-Fork'), so `rnnkit bench` on the CPU failed there."""
    import subprocess

    from rnnkit.tasks import bench

    seen: dict = {}

    def run(cmd: list[str], **kw: object) -> subprocess.CompletedProcess:
        seen.update(kw)
        return subprocess.CompletedProcess(cmd, 0, stdout='{"lstm": 2.0}\n', stderr="")

    monkeypatch.setattr(bench.subprocess, "run", run)
    assert bench.peak_memory_mb(["lstm"], {"device": "cpu"}) == {"lstm": 2.0}
    assert seen["env"]["CUDA_VISIBLE_DEVICES"] == ""
