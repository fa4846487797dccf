"""Gaps a mutation audit of :mod:`rnnkit.models.captioner` and :mod:`rnnkit.tasks._caption_decoding` found
(round 12): what :meth:`Captioner.config` rebuilds, the parameter count, the grid and its positions."""

from __future__ import annotations

import json

import numpy as np
import pytest
import torch

from rnnkit.models.captioner import Captioner, ImageEncoder

pytestmark = pytest.mark.usefixtures("one_torch_thread")


def _shapes(model: torch.nn.Module) -> dict[str, tuple[int, ...]]:
    return {k: tuple(v.shape) for k, v in model.state_dict().items()}


@pytest.mark.parametrize("positions, row_encoder, share", [(False, True, True), (True, False, False)])
def test_config_rebuilds_the_same_parameters(positions: bool, row_encoder: bool, share: bool) -> None:
    """positions, row_encoder and share_decoder_embeddings each come back from the config as given."""
    model = Captioner(7, image_size=(8, 16), in_channels=1, channels=(4,), hidden=6, embedding=6, layers=1,
                      attention="bahdanau", positions=positions, row_encoder=row_encoder,
                      share_decoder_embeddings=share)
    twin = Captioner(**model.config())
    assert _shapes(twin) == _shapes(model)
    assert twin.config() == model.config()
    assert (twin.position is None) == (not positions) and (twin.rows is None) == (not row_encoder)
    assert (twin.output.weight is twin.tgt_embedding.weight) == share


def test_the_decoder_takes_the_dropout_asked() -> None:
    model = Captioner(7, image_size=8, in_channels=1, channels=(4,), hidden=6, embedding=6, dropout=0.3)
    assert model.dropout.p == 0.3


def test_grid_positions_start_as_small_random_values() -> None:
    """Each region's learned position starts drawn from N(0, 0.1²), so regions differ before any training."""
    torch.manual_seed(0)
    model = Captioner(7, image_size=32, in_channels=1, channels=(8,), hidden=6, embedding=6)
    assert model.position is not None and model.position.shape == (1, 256, 8)
    position = model.position.detach()
    assert 0.09 < float(position.std()) < 0.11 and abs(float(position.mean())) < 0.01


def test_the_decoder_starts_from_the_mean_of_the_regions() -> None:
    """Show and Tell: the first state is the bridge of the mean region vector (not of one region)."""
    torch.manual_seed(0)
    model = Captioner(7, image_size=8, in_channels=1, channels=(4,), cell="gru", hidden=6, embedding=6,
                      attention="bahdanau", dropout=0.0).eval()
    images = torch.rand(2, 1, 8, 8, generator=torch.Generator().manual_seed(1))
    with torch.no_grad():
        memory, (state, _) = model.encode(images, model.region_counts(2))
        mean = memory.outputs.mean(1)
        expected = torch.tanh(model.bridge_h(mean)).unsqueeze(0)
    torch.testing.assert_close(state, expected)


def test_each_convolution_block_ends_in_a_relu_and_halves_the_image() -> None:
    torch.manual_seed(0)
    cnn = ImageEncoder(1, (3, 5)).eval()
    with torch.no_grad():
        maps = cnn(torch.randn(2, 1, 8, 12))
    assert maps.shape == (2, 5, 2, 3) and cnn.out_channels == 5
    assert float(maps.min()) == 0.0 and float(maps.max()) > 0.0
    assert ImageEncoder(2, ()).out_channels == 2   # no blocks: the image itself


def test_channels_of_numpy_integers_give_a_config_json_can_write() -> None:
    model = Captioner(5, image_size=8, in_channels=1, channels=np.array([4, 6]), hidden=6, embedding=6)
    assert json.loads(json.dumps(model.config()))["channels"] == [4, 6]
