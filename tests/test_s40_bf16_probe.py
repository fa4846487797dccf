"""The probe of whether torch's fused LSTM runs under CPU bf16 autocast here (``_cpu_lstm_kernel_takes``) built its
tensors in the default dtype: asked first in a process whose default was float64 (a notebook's
``torch.set_default_dtype(torch.float64)``), autocast left them alone, the probe said yes, and the answer was kept
for good, so every later float32 bf16 run on a CPU without a bf16 LSTM kernel (AMD EPYC here) failed inside oneDNN
("could not create a primitive descriptor for the LSTM"). It asks in float32 now."""

from __future__ import annotations

from typing import Any

import pytest
import torch

from rnnkit import recurrent


class _NoBf16Kernel:
    """torch's _VF as a CPU without a bf16 LSTM kernel: the fused LSTM fails on float32 input under autocast."""

    def lstm(self, x: torch.Tensor, *args: Any) -> Any:
        if torch.is_autocast_enabled("cpu") and x.dtype == torch.float32:
            raise RuntimeError("could not create a primitive descriptor for the LSTM forward propagation primitive")
        return x, args[0]


def test_the_bf16_lstm_probe_asks_in_float32_whatever_the_default_dtype(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(recurrent, "_VF", _NoBf16Kernel())
    recurrent._cpu_lstm_kernel_takes.cache_clear()
    was = torch.get_default_dtype()
    torch.set_default_dtype(torch.float64)
    try:
        assert recurrent._cpu_lstm_kernel_takes(torch.bfloat16) is False
    finally:
        torch.set_default_dtype(was)
        recurrent._cpu_lstm_kernel_takes.cache_clear()  # the real kernel's answer is asked again


def test_a_float64_lstm_under_bf16_autocast_runs_in_float64_on_a_cpu_without_the_kernel(
        monkeypatch: pytest.MonkeyPatch) -> None:
    """Where the probe says no, a float32 LSTM runs in fp32 outside autocast; a float64 one (a run saved in float64,
    trained again under --precision bf16) was cast to fp32 too, and the next layer met fp32 against its float64
    weights ("mat1 and mat2 must have the same dtype"). Autocast leaves float64 alone; so does the LSTM now."""
    monkeypatch.setattr(recurrent, "_cpu_lstm_kernel_takes", lambda dtype: False)
    layer = recurrent.Recurrent("lstm", 3, 4).double()
    want = torch.nn.LSTM(3, 4).double()
    want.load_state_dict(layer.state_dict())
    x = torch.randn(5, 2, 3, dtype=torch.float64)
    with torch.autocast("cpu", dtype=torch.bfloat16):
        got = layer(x)[0]
    assert got.dtype == torch.float64
    torch.testing.assert_close(got, want(x)[0])
