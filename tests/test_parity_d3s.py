"""Our ``d3s`` against outputs of the original D3S implementation (tests/data/d3s_reference)."""

import numpy as np
import pytest
import torch

CASES = range(4)


def run_case(net, cases, i):
    t = lambda name: torch.from_numpy(cases[name][i : i + 1])  # noqa: E731
    with torch.inference_mode():
        train = net.extract(t("train_crop"))
        test = net.extract(t("test_crop"))
        template = net.make_template(train, t("train_mask"))
        out = net.segment(test, template, t("dist_map"))
        embedding = net.segm_predictor.embed(test.layer3)
    return train, test, out, embedding


@pytest.mark.parametrize("i", CASES)
def test_logits_match_reference(d3s_reference_net, head_cases, i):
    _, _, out, _ = run_case(d3s_reference_net, head_cases, i)
    logits = out.logits[0].numpy()
    assert logits.shape == head_cases["logits"][i].shape == (2, 384, 384)
    assert np.abs(logits - head_cases["logits"][i]).max() <= 1e-3
    # Channel 0 is the foreground: the area above 0.5 matches the reference within 0.1% of pixels.
    area = int((torch.softmax(out.logits, 1)[0, 0] > 0.5).sum())
    assert abs(area - int(head_cases["fg_area_thr05"][i])) <= 0.001 * 384 * 384


@pytest.mark.parametrize("i", CASES)
def test_similarity_maps_match_reference(d3s_reference_net, head_cases, i):
    _, _, out, embedding = run_case(d3s_reference_net, head_cases, i)
    m = out.match
    for ours, name in [(m.pos_map, "pos_map"), (m.neg_map, "neg_map"), (m.fg_posterior, "fg_softmax"), (m.mixer_input, "mixer_input")]:
        assert np.abs(ours[0].numpy() - head_cases[name][i]).max() <= 1e-4, name
    ref = head_cases["test_embedding"][i]
    # Embeddings are unnormalised: compare relative to their range.
    assert np.abs(embedding[0].numpy() - ref).max() <= 1e-4 * np.abs(ref).max()


@pytest.mark.parametrize("i", [0, 3])
def test_backbone_checksums_match_reference(d3s_reference_net, head_cases, i):
    train, test, _, _ = run_case(d3s_reference_net, head_cases, i)
    for t, feats in enumerate((train, test)):
        for level, f in enumerate(feats):
            f = f[0].double()
            ours = np.array([float(f.sum()), float(f.abs().sum()), float(f.max())])
            ref = head_cases["backbone_checksums"][i, t, level]
            np.testing.assert_allclose(ours, ref, rtol=1e-5)


def test_distance_map_is_the_trackers(head_cases):
    from rpvt_tracker.geometry import distance_map

    assert np.array_equal(distance_map((384, 384), (191, 191)), head_cases["dist_map"][0, 0])
