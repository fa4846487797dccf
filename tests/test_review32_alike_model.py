"""The torchrun check of the processes' models names a parameter one of them lacks as 'none', not as Python's
None, and a scalar parameter by its shape [] (review32)."""
from __future__ import annotations

import pytest
import torch
from torch import nn

from rnnkit.errors import UserError
from rnnkit.train.distributed import alike_record, check_alike


def test_a_parameter_that_one_rank_lacks_is_said_as_none() -> None:
    plain, biased = alike_record(nn.Linear(2, 1, bias=False), None), alike_record(nn.Linear(2, 1), None)
    with pytest.raises(UserError, match=r"^rank 1 built another model than rank 0 \(bias: none on rank 1, \[1\] on "
                                        r"rank 0\); every process needs the same data and settings$"):
        check_alike([biased, plain])
    with pytest.raises(UserError, match=r"\(bias: \[1\] on rank 1, none on rank 0\)"):
        check_alike([plain, biased])


def test_a_scalar_parameter_is_said_by_its_shape() -> None:
    scaled = nn.Linear(2, 1)
    scaled.scale = nn.Parameter(torch.tensor(1.0))
    with pytest.raises(UserError, match=r"\(scale: \[\] on rank 1, none on rank 0\)"):
        check_alike([alike_record(nn.Linear(2, 1), None), alike_record(scaled, None)])
