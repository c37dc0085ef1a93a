import pytest
import torch

from rpvt_tracker.models.refiners.attention import clamp_attention, gaussian_attention


def logits_from_mask(mask: torch.Tensor) -> torch.Tensor:
    """(H, W) in {0, 1} -> (1, 2, H, W) confident logits, channel 0 = foreground."""
    fg = (mask * 2 - 1) * 8.0
    return torch.stack([fg, -fg])[None]


def test_gaussian_attention_peaks_on_the_object_and_floors_far_away():
    mask = torch.zeros(96, 96)
    mask[10:30, 50:80] = 1  # an off-centre box: rows 10..29, columns 50..79
    (att,) = gaussian_attention(logits_from_mask(mask), [(96, 96)], floor=0.5, width=2.0)
    assert att.shape == (1, 1, 96, 96)
    peak = divmod(int(att.argmax()), 96)
    assert abs(peak[0] - 19.5) <= 1 and abs(peak[1] - 64.5) <= 1
    assert float(att.max()) == pytest.approx(1.0, abs=1e-3)
    assert float(att[0, 0, 95, 0]) == pytest.approx(0.5, abs=1e-3)  # far corner: the floor
    assert float(att.min()) >= 0.5


def test_gaussian_attention_follows_an_elongated_tilted_object():
    yy, xx = torch.meshgrid(torch.arange(96.0), torch.arange(96.0), indexing="ij")
    mask = ((xx - yy).abs() < 6).float()  # a diagonal band
    (att,) = gaussian_attention(logits_from_mask(mask), [(96, 96)], floor=0.0, width=2.0)
    along, across = float(att[0, 0, 20, 20]), float(att[0, 0, 20, 76])
    assert along > 0.5 > across


def test_gaussian_attention_of_an_empty_mask_is_broad_and_centred():
    (att,) = gaussian_attention(logits_from_mask(torch.zeros(64, 64)), [(16, 16)], floor=0.5, width=2.0)
    assert att.shape == (1, 1, 16, 16)
    assert torch.isfinite(att).all()
    # Uniform weights: sigma = 1/sqrt(12) of the crop per axis, times width 2. The corners, at
    # (0.47, 0.47) from the centre, get exp(-0.5 * 2 * (0.47 / 0.577)^2) = 0.51 -> 0.5 + 0.5 * 0.51.
    assert float(att[0, 0, 7:9, 7:9].mean()) > 0.99
    assert float(att.min()) == pytest.approx(0.76, abs=0.01)


def test_gaussian_attention_is_evaluated_at_each_level():
    mask = torch.zeros(64, 64)
    mask[4:20, 4:20] = 1  # centre at pixel 11.5 -> normalised 0.1875, the centre of 8x8 cell 1
    maps = gaussian_attention(logits_from_mask(mask), [(4, 4), (8, 8), (16, 16)], floor=0.3, width=1.0)
    assert [tuple(m.shape[-2:]) for m in maps] == [(4, 4), (8, 8), (16, 16)]
    assert int(maps[1].flatten().argmax()) == 1 * 8 + 1  # cell (1, 1) of the 8x8 level holds the centre


def test_clamp_attention_lies_in_its_range():
    mask = torch.zeros(64, 64)
    mask[:32] = 1
    maps = clamp_attention(logits_from_mask(mask), [(4, 4), (64, 64)], minimum=0.7)
    for m in maps:
        assert float(m.min()) >= 0.7 - 1e-5 and float(m.max()) <= 1.0 + 1e-5
    assert float(maps[1][0, 0, 0, 0]) == pytest.approx(1.0, abs=1e-3)
    assert float(maps[1][0, 0, 63, 0]) == pytest.approx(0.7, abs=1e-3)
