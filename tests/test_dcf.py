"""The online DCF against the original D3S's internals (tests/data/d3s_reference/dcf_case.npz)."""

import math

import cv2
import numpy as np
import pytest
import torch
from conftest import D3S_REFERENCE

from rpvt_tracker.dcf import DCFFeatures, DCFParams, OnlineDCF
from rpvt_tracker.dcf.fourier import hann_window, interpolate_scores
from rpvt_tracker.dcf.optimizer import JointProblem, SameCorrelation, conv_same, mlu, project
from rpvt_tracker.dcf.sampling import sample_patch

SEQ = D3S_REFERENCE / "seq1"


def frame(i):
    return cv2.cvtColor(cv2.imread(str(SEQ / "color" / f"{i + 1:08d}.jpg")), cv2.COLOR_BGR2RGB)


def as_tensor(image):
    return torch.from_numpy(image).permute(2, 0, 1)[None].float()


@pytest.fixture(scope="module")
def case():
    with np.load(D3S_REFERENCE / "dcf_case.npz") as d:
        return {k: d[k] for k in d.files}


@pytest.fixture(scope="module")
def dcf(case, d3s_reference_net):
    # The reference ran its DCF on the checkpoint's backbone; so do we here.
    trunk = d3s_reference_net.feature_extractor
    pos = torch.tensor(case["init_pos"], dtype=torch.float32)
    size = torch.tensor(case["init_target_sz"], dtype=torch.float32)
    scale = math.sqrt(float(torch.prod(size * 4.5)) / 256**2)
    assert scale == pytest.approx(float(case["init_target_scale"]), rel=1e-12)
    with torch.inference_mode():
        return OnlineDCF(DCFFeatures(trunk, channels_last=True), DCFParams(), as_tensor(frame(0)), pos, scale, size / scale), scale, size


def test_window_and_patch_are_exact(case):
    assert torch.allclose(hann_window(256), torch.from_numpy(case["hann_window"]), atol=2e-7)
    scale = float(torch.tensor(float(case["init_target_scale"]), dtype=torch.float32))
    patch = sample_patch(as_tensor(frame(1)), torch.tensor(case["sample_pos"][0], dtype=torch.float32), scale * 256, 256)
    assert torch.equal(patch[0], torch.from_numpy(case["frame1_sample_patch"]))


def test_score_interpolation_matches_reference(case):
    scores = interpolate_scores(torch.from_numpy(case["scores_raw"])[:, None], 256, 4)[:, 0]
    ref = torch.from_numpy(case["scores_before_window"])
    assert (scores - ref).abs().max() <= 1e-5 * ref.abs().max()


def test_init_projection_and_filter(case, dcf):
    model, _, _ = dcf
    assert model.num_init_samples == int(case["num_init_samples"]) == 27
    assert model.sigma == pytest.approx(float(case["label_sigma"][0]), rel=1e-6)
    ours = model.projection.view(64, -1).double()
    ref = torch.from_numpy(case["projection_matrix"]).view(64, -1).double()
    # Compare subspaces (principal cosines): PCA rows are defined up to sign.
    qa, _ = torch.linalg.qr(ours.t())
    qb, _ = torch.linalg.qr(ref.t())
    assert float(torch.linalg.svdvals(qa.t() @ qb).min()) > 0.999
    sign = torch.sign((ours * ref).sum(1)).view(1, 64, 1, 1).float()
    ref_filter = torch.from_numpy(case["filter_after_init"])
    # A thread-count change alone moves the reference's filter by about 5% (its README, 9.2).
    assert float((model.filter * sign - ref_filter).norm() / ref_filter.norm()) < 0.10


def test_teacher_forced_frames_1_to_5(case, dcf):
    model, scale, size = dcf
    for k in range(5):
        with torch.inference_mode():
            loc = model.localize(as_tensor(frame(k + 1)), torch.tensor(case["sample_pos"][k], dtype=torch.float32), scale, size)
        ref = torch.roll(torch.from_numpy(case["scores_after_window"][k]), (128, 128), (0, 1))
        assert float((loc.scores - ref).abs().max() / ref.max()) < 0.03, k  # README: about 3% of the peak
        cell = scale  # one cell of the 256-pixel score grid, in image pixels (0.81)
        assert np.abs(loc.translation.numpy() - case["translation_vec"][k]).max() <= cell + 1e-4, k
        assert {"none": "normal"}.get(str(case["flag"][k]), str(case["flag"][k])) == loc.flag


def test_peaks_at_the_localisation_sample_repeat_its_peak(case, dcf):
    """The tracker's scale check takes the localisation's peak as the old scale's (tracker.py):
    ``peaks`` on the same centre and scale must compute exactly that number; other scales see a
    different view of the target."""
    model, scale, size = dcf
    image, pos = as_tensor(frame(1)), torch.tensor(case["sample_pos"][0], dtype=torch.float32)
    with torch.inference_mode():
        loc = model.localize(image, pos, scale, size)
        same, larger = model.peaks(image, pos, [scale, scale * 1.3])
        (alone,) = model.peaks(image, pos, [scale])
    assert alone == pytest.approx(loc.max_score, rel=1e-6) and same == pytest.approx(loc.max_score, rel=1e-4)
    assert abs(larger - loc.max_score) > 0.01 * loc.max_score


def test_same_correlation_and_adjoint_match_convolution():
    torch.manual_seed(0)
    x = torch.randn(5, 7, 16, 16, dtype=torch.float64)
    for k in (3, 4):
        corr = SameCorrelation(x, k)
        w = torch.randn(1, 7, k, k, dtype=torch.float64, requires_grad=True)
        out = conv_same(x, w)
        assert torch.allclose(corr(w.detach()), out, atol=1e-10)
        g = torch.randn_like(out)
        (grad,) = torch.autograd.grad(out, w, g)
        assert torch.allclose(corr.adjoint(g), grad, atol=1e-10)


def test_joint_problem_normal_product_equals_autograd():
    """The closed-form J^T J of the filter+projection problem equals autograd's."""
    torch.manual_seed(1)
    x = torch.randn(6, 20, 8, 8, dtype=torch.float64)
    y = torch.rand(6, 1, 8, 8, dtype=torch.float64)
    sw = torch.full((1, 1, 1, 1), 0.5, dtype=torch.float64)
    f0 = 0.1 * torch.randn(1, 5, 4, 4, dtype=torch.float64)
    p0 = torch.randn(5, 20, 1, 1, dtype=torch.float64)
    problem = JointProblem(x, y, sw, f0, p0, reg_filter=0.1, reg_proj=1e-4, activation=0.05)

    def residuals(f, p):
        return torch.cat([(sw * (mlu(conv_same(project(x, p), f), 0.05) - y)).flatten(), math.sqrt(0.1) * f.flatten(), 1e-2 * p.flatten()])

    jac = torch.autograd.functional.jacobian(residuals, (f0, p0))
    jmat = torch.cat([j.reshape(j.shape[0], -1) for j in jac], dim=1)
    v = [torch.randn_like(f0), torch.randn_like(p0)]
    expected = jmat.t() @ (jmat @ torch.cat([t.flatten() for t in v]))
    got = torch.cat([t.flatten() for t in problem.normal_product(v)])
    assert torch.allclose(got, expected, rtol=1e-9, atol=1e-9)
    rhs = -(jmat.t() @ residuals(f0, p0))
    assert torch.allclose(torch.cat([t.flatten() for t in problem.rhs]), rhs, rtol=1e-9, atol=1e-9)


@pytest.mark.parametrize("kernel_size", [3, 4, 5])
def test_a_shifted_sample_gives_the_shift_back_for_any_kernel(case, d3s_reference_net, kernel_size):
    """Learnt on the first frame, the filter sees the same frame again through samples centred
    off the target: the translation it reports must lead back to the target, for odd kernels as
    for D3S's even one. (The score interpolation once took zero displacement to sit at the
    grid's middle only for even kernels: an odd kernel then reported shifts of half the sample,
    and a tracker with ``dcf.kernel_size`` 3 or 5 failed on every few frames.)"""
    trunk = d3s_reference_net.feature_extractor
    pos = torch.tensor(case["init_pos"], dtype=torch.float32)
    size = torch.tensor(case["init_target_sz"], dtype=torch.float32)
    scale = math.sqrt(float(torch.prod(size * 4.5)) / 256**2)
    image = as_tensor(frame(0))
    params = DCFParams(kernel_size=kernel_size)
    with torch.inference_mode():
        model = OnlineDCF(DCFFeatures(trunk, channels_last=True), params, image, pos, scale, size / scale)
        for shift in ([0.0, 0.0], [12.0, -20.0], [-25.0, 15.0]):
            off = torch.tensor(shift)
            loc = model.localize(image, pos + off, scale, size)
            found = pos + off + loc.translation
            assert torch.linalg.norm(found - pos) < 0.25 * float(size.min()), (kernel_size, shift, found.tolist(), pos.tolist())
