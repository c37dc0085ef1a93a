"""The tracker's inference copy of a network (models/inference.py): BatchNorm and a lite
backbone's adapters folded into convolutions compute the same logits, and leave the original
network as it was."""

from __future__ import annotations

from pathlib import Path

import pytest
import torch
import torch.nn.functional as F
from conftest import D3S_CHECKPOINT, random_pair
from torch import nn

from rpvt_tracker.models import load_network
from rpvt_tracker.models.inference import ComposedConv, fold_batchnorm

WEIGHTS = Path(__file__).resolve().parents[1] / "weights"


def _logits(net, size: int) -> torch.Tensor:
    train, test, mask, dist = random_pair(batch=1, size=size, seed=3)
    with torch.inference_mode():
        return net(train, test, mask, dist).logits


@pytest.mark.parametrize(
    "weights, variant",
    [(WEIGHTS / "d3s-lite.pth", "d3s"), (WEIGHTS / "d3s-ms-lite.pth", "d3s-ms"), (WEIGHTS / "rpvt-lite.pth", "rpvt"), (D3S_CHECKPOINT, "rpvt")],
)
def test_folded_copy_computes_the_same_logits_and_leaves_the_original_alone(weights, variant):
    net = load_network(weights, variant=variant)
    before = {k: v.clone() for k, v in net.state_dict().items()}
    folded = fold_batchnorm(net)
    assert not any(isinstance(m, nn.BatchNorm2d) for m in folded.segm_predictor.modules())
    if not hasattr(net.feature_extractor, "body"):  # a lite trunk's packaged body folds itself (FoldedBody)
        assert not any(isinstance(m, nn.BatchNorm2d) for m in folded.feature_extractor.modules())
    for size in (256, 384):  # the real-time crop and D3S's
        expected, got = _logits(net, size), _logits(folded, size)
        # float32 rounding only: the ResNet-50's random-weight logits are ~100 in magnitude.
        assert torch.allclose(got, expected, rtol=0, atol=2e-5 * float(expected.abs().max())), (size, float((got - expected).abs().max()))
    after = net.state_dict()
    assert before.keys() == after.keys() and all(torch.equal(before[k], after[k]) for k in before)
    assert any(isinstance(m, nn.BatchNorm2d) for m in net.modules())
    lite = hasattr(net.feature_extractor, "adapters")
    assert sum(isinstance(m, ComposedConv) for m in folded.modules()) == (3 if lite else 0)
    assert fold_batchnorm(folded) is folded  # already an inference copy
    with pytest.raises(RuntimeError, match="inference copy"):
        folded.train()


def test_composed_conv_is_the_adapter_then_the_zero_padded_conv_borders_included():
    torch.manual_seed(0)
    adapter, conv = nn.Conv2d(5, 12, 1), nn.Conv2d(12, 3, 3, padding=1)
    nn.init.normal_(adapter.bias, std=2.0)  # a large adapter bias: the padding's taps must not add it
    composed = ComposedConv(adapter, conv)
    for size in ((7, 9), (16, 16)):
        x = torch.randn(2, 5, *size)
        with torch.no_grad():
            expected = conv(adapter(x))
        assert torch.allclose(composed(x), expected, atol=1e-5)
        # The uncorrected composition differs exactly on the border.
        plain = F.conv2d(x, composed.weight, composed.bias, padding=1)
        wrong = (plain - expected).abs().amax(dim=(0, 1)) > 1e-4
        assert wrong[0].all() and wrong[-1].all() and wrong[:, 0].all() and wrong[:, -1].all() and not wrong[1:-1, 1:-1].any()
    composed = composed.double()  # .to(): corrections are recomputed in the new dtype
    x = torch.randn(1, 5, 7, 9, dtype=torch.float64)
    with torch.no_grad():
        out = composed(x)
        assert out.dtype == torch.float64 and torch.allclose(out, conv.double()(adapter.double()(x)), atol=1e-5)


def test_upsampling_blocks_equal_the_blocks_on_the_upsampled_map():
    from rpvt_tracker.models.blocks import up_conv, upsample2
    from rpvt_tracker.models.inference import UpsamplingBlock

    net = load_network(WEIGHTS / "rpvt-lite.pth")
    folded = fold_batchnorm(net)
    torch.manual_seed(1)
    for name, channels in (("post1", 16), ("post0", 4)):  # with a ReLU, and the logits' block without
        block, original = getattr(folded.segm_predictor, name), getattr(net.segm_predictor, name)
        assert isinstance(block, UpsamplingBlock)
        for size in ((5, 7), (12, 12)):
            x = torch.randn(2, channels, *size)
            with torch.no_grad():
                expected = original(upsample2(x))
                assert torch.allclose(block.upsampled(x), expected, atol=1e-5)
                assert torch.allclose(up_conv(block, x), expected, atol=1e-5) and torch.equal(up_conv(original, x), expected)
                assert torch.allclose(block(upsample2(x)), expected, atol=1e-5)  # still a plain block too
