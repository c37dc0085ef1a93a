"""Forward and backward of every registered variant on small CPU batches."""

import pytest
import torch
import torch.nn.functional as F
from conftest import D3S_CHECKPOINT, random_pair

from rpvt_tracker.models import REFINERS, build_network, load_network

VARIANTS = list(REFINERS)
STAGES = {"d3s": 1, "d3s-ms": 3, "rpvt": 3}


def test_registry_has_the_three_ablation_variants():
    assert VARIANTS == ["d3s", "d3s-ms", "rpvt"]


@pytest.mark.parametrize("variant", VARIANTS)
def test_forward_backward_384_batch2(variant):
    torch.manual_seed(0)
    net = build_network(variant).train()
    train, test, mask, dist = random_pair(batch=2, size=384)
    out = net(train, test, mask, dist)
    assert out.logits.shape == (2, 2, 384, 384)
    assert len(out.stage_logits) == STAGES[variant]
    assert all(s.shape == (2, 2, 384, 384) for s in out.stage_logits)
    assert out.match.mixer_input.shape == (2, 3, 24, 24)

    target = torch.cat([mask, 1 - mask], dim=1)
    loss = sum(F.binary_cross_entropy_with_logits(s, target) for s in (out.logits, *out.stage_logits))
    loss.backward()

    # The backbone is frozen: no gradients, no trainable parameters.
    assert all(not p.requires_grad and p.grad is None for p in net.feature_extractor.parameters())
    head = dict(net.segm_predictor.named_parameters())
    assert head and all(p.requires_grad for p in head.values())
    no_grad = [n for n, p in head.items() if p.grad is None or not torch.isfinite(p.grad).all()]
    assert no_grad == []
    # Every stage learns: some non-zero gradient reaches stage 1 and each later stage.
    groups = {"stage1": [p for n, p in head.items() if not n.startswith("stages.")]}
    for k in range(STAGES[variant] - 1):
        groups[f"stage{k + 2}"] = [p for n, p in head.items() if n.startswith(f"stages.{k}.")]
    for name, params in groups.items():
        assert params and sum(float(p.grad.abs().sum()) for p in params) > 0, name


@pytest.mark.parametrize("variant", ["d3s-ms", "rpvt"])
def test_output_is_the_weighted_sum_of_stage_logits(variant):
    net = build_network(variant).eval()
    train, test, mask, dist = random_pair(batch=1, size=128)
    with torch.inference_mode():
        out = net(train, test, mask, dist)
    weights = net.config.refiner_params.stage_weights
    expected = sum(w * s for w, s in zip(weights, out.stage_logits))
    assert torch.allclose(out.logits, expected, atol=1e-6)
    # The stages really differ (a later stage is not a copy of stage 1).
    assert not torch.allclose(out.stage_logits[0], out.stage_logits[-1])


@pytest.mark.parametrize("variant", ["d3s-ms", "rpvt"])
def test_stage1_of_multistage_variants_is_d3s(variant, d3s_reference_net):
    """Initialised from a D3S checkpoint, stage 1 reproduces D3S's logits exactly."""
    net = load_network(D3S_CHECKPOINT, variant=variant)
    assert all(p.is_contiguous() for p in d3s_reference_net.parameters())  # nobody changed the shared net
    train, test, mask, dist = random_pair(batch=1, size=384, seed=3)
    with torch.inference_mode():
        ours = net(train, test, mask, dist)
        reference = d3s_reference_net(train, test, mask, dist)
    assert torch.equal(ours.stage_logits[0], reference.logits)


@pytest.mark.parametrize("variant", VARIANTS)
def test_tracking_calls_equal_training_forward(variant):
    """extract + make_template (once) + segment (per frame) == forward on a pair."""
    net = build_network(variant).eval()
    train, test, mask, dist = random_pair(batch=1, size=128, seed=5)
    with torch.inference_mode():
        template = net.make_template(net.extract(train), mask)
        split = net.segment(net.extract(test), template, dist)
        joint = net(train, test, mask, dist)
    assert torch.equal(split.logits, joint.logits)


def test_other_input_sizes_work():
    net = build_network("rpvt").eval()
    train, test, mask, dist = random_pair(batch=1, size=256)
    with torch.inference_mode():
        assert net(train, test, mask, dist).logits.shape == (1, 2, 256, 256)


def test_bad_inputs_are_named():
    net = build_network("d3s").eval()
    with pytest.raises(ValueError, match=r"multiples of 16.*\(100, 100\)"):
        net.extract(torch.zeros(1, 3, 100, 100))
    with pytest.raises(ValueError, match=r"\(B, 3, H, W\)"):
        net.extract(torch.zeros(1, 1, 128, 128))
    train, test, mask, _ = random_pair(batch=1, size=128)
    with pytest.raises(ValueError, match="distance map"):
        net(train, test, mask, None)


def test_two_channel_mixer_runs_without_distance_map():
    net = build_network("d3s", use_distance_map=False).eval()
    train, test, mask, _ = random_pair(batch=1, size=128)
    with torch.inference_mode():
        out = net(train, test, mask, None)
    assert out.match.mixer_input.shape[1] == 2
