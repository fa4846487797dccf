"""The lazy-Adam prototype of benchmarks/classify_bag_variants.py (docs/CLASSIFY.md, "Tried on the bag and not
adopted"), judged against torch's Adam: the same steps when every row of a table has a gradient, and no move of a
row whose gradient is zero, where Adam moves it on its moments."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path
from types import ModuleType

import pytest
import torch

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def variants() -> ModuleType:
    path = list(sys.path)
    where = ROOT / "benchmarks" / "classify_bag_variants.py"
    spec = importlib.util.spec_from_file_location("bench_bag_variants", where)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    sys.path[:] = path  # the benchmark puts its folder first, for classify_corpora
    return module


def test_lazy_adam_equals_adam_when_every_row_has_a_gradient(variants: ModuleType) -> None:
    torch.manual_seed(0)
    table, bias = torch.randn(6, 3), torch.randn(3)
    ours = [table.clone().requires_grad_(), bias.clone().requires_grad_()]
    theirs = [table.clone().requires_grad_(), bias.clone().requires_grad_()]
    lazy, adam = variants.LazyAdam(ours, lr=0.05), torch.optim.Adam(theirs, lr=0.05)
    for _ in range(4):
        grads = [torch.randn(6, 3), torch.randn(3)]
        for p, q, g in zip(ours, theirs, grads, strict=True):
            p.grad, q.grad = g.clone(), g.clone()
        lazy.step()
        adam.step()
    for p, q in zip(ours, theirs, strict=True):
        torch.testing.assert_close(p, q)


def test_lazy_adam_leaves_rows_without_a_gradient_where_adam_moves_them(variants: ModuleType) -> None:
    ours, theirs = torch.zeros(4, 2, requires_grad=True), torch.zeros(4, 2, requires_grad=True)
    lazy, adam = variants.LazyAdam([ours], lr=0.1), torch.optim.Adam([theirs], lr=0.1)
    for grad in (torch.ones(4, 2), torch.tensor([[0.0, 0.0], [1.0, -1.0], [0.0, 0.0], [0.0, 0.0]])):
        ours.grad, theirs.grad = grad.clone(), grad.clone()
        lazy.step()
        adam.step()
    first = torch.full((4, 2), -0.1)  # the first update's step, lr times the sign, on every row
    torch.testing.assert_close(ours[[0, 2, 3]], first[[0, 2, 3]])
    assert (theirs[[0, 2, 3]] < first[[0, 2, 3]]).all()  # Adam moved them again on the first moment
    torch.testing.assert_close(ours[1], theirs[1])
