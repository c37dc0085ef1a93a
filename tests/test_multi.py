"""Several targets in one session, and targets that leave the view (VOTS), in process.

The embedded RPVT-lite tracks generated multi-object scenes (``vot/scenes.py``): real
photographs, textured targets that wander, leave through an edge and come back, or cross each
other. The toolkit-level runs (vot evaluate / analysis / pack) are in test_vots.py.
"""

from __future__ import annotations

import numpy as np
import pytest
import torch

from rpvt_tracker.resources import resolve_weights
from rpvt_tracker.tracking.absence import Presence, observe, sees_target
from rpvt_tracker.tracking.build import TrackerSettings, build_tracker
from rpvt_tracker.tracking.multi import MultiTargetTracker, disjoint
from rpvt_tracker.tracking.params import PRESETS, AbsenceParams
from rpvt_tracker.tracking.tracker import Prediction
from rpvt_tracker.vot.scenes import SceneSpec, render


def lite_tracker(params: str):
    torch.manual_seed(0)
    return build_tracker(TrackerSettings(resolve_weights("rpvt-lite.pth", {}), "rpvt", None, "cpu", 2, params))


@pytest.fixture(scope="module")
def vots_tracker():
    return lite_tracker("lite-vots")


def scene(roles, seed, length):
    return list(render(SceneSpec(length=length, roles=tuple(roles), seed=seed)))


def iou(a: np.ndarray, b: np.ndarray) -> float:
    union = np.count_nonzero(a | b)
    return np.count_nonzero(a & b) / union if union else 1.0


def test_absence_rule_has_hysteresis_and_can_be_off():
    on = AbsenceParams(enabled=True, lost_after=3, found_after=2)
    presence = Presence()
    evidence = [False, False, True, False, False, False, False, True, False, True, True, True]
    states = [observe(presence, on, seen) for seen in evidence]
    # two misses are not enough; the third in a row is; one hit is not enough to come back
    assert states == [True, True, True, True, True, False, False, False, False, False, True, True]
    off = AbsenceParams(enabled=False)
    assert all(observe(Presence(), off, False) for _ in range(10))
    assert sees_target(on, segmented=True, uncertainty=1.0, visible=0.9)
    assert not sees_target(on, segmented=False, uncertainty=1.0, visible=0.9)
    assert not sees_target(on, segmented=True, uncertainty=on.max_uncertainty, visible=0.9)
    assert not sees_target(on, segmented=True, uncertainty=1.0, visible=on.min_visible / 2)
    # The short-term presets never report absence; the VOTS ones do.
    assert not any(PRESETS[name].absence.enabled for name in ("d3s", "stable-scale", "lite"))
    assert all(PRESETS[name].absence.enabled for name in ("d3s-vots", "lite-vots"))


def test_disjoint_gives_a_contested_pixel_to_the_surer_target():
    shape = (4, 6)
    a, b = np.zeros(shape, bool), np.zeros(shape, bool)
    a[:, :4], b[:, 2:] = True, True
    pa = np.where(a, 0.9, 0).astype(np.float32)
    pb = np.where(b, 0.7, 0).astype(np.float32)
    pb[:, 3] = 0.95  # b is surer of column 3
    poly = np.zeros((4, 2))
    preds = [Prediction(a, poly, (0, 0, 1, 1), 1.0, True, True, pa), Prediction(b, poly, (0, 0, 1, 1), 1.0, True, True, pb)]
    out = disjoint(preds, floor=0.5)
    assert not (out[0].mask & out[1].mask).any()
    assert out[0].mask[:, 2].all() and not out[1].mask[:, 2].any()  # 0.9 > 0.7
    assert out[1].mask[:, 3].all() and not out[0].mask[:, 3].any()  # 0.95 > 0.9
    assert (out[0].mask | out[1].mask).sum() == (a | b).sum()  # nothing dropped
    # A box fallback (no probability) yields to a segmented claim above the floor.
    box = Prediction(a, poly, (0, 0, 1, 1), 1.0, False, True, None)
    out = disjoint([box, preds[1]], floor=0.5)
    assert out[1].mask[:, 2:4].all() and not out[0].mask[:, 2:4].any()


def test_one_session_gives_each_target_what_a_single_target_run_gives():
    """Bit for bit on the CPU: one target through MultiTargetTracker is the single-target
    tracker (what the server answers on VOT2016/2018/2020), and two targets without mask
    exclusivity are two independent single-target runs (no state leaks between targets)."""
    tracker = lite_tracker("lite")
    frames = scene(("wander", "wander"), seed=1, length=12)
    single = []
    for target in range(2):
        tracker.initialize(frames[0][0], frames[0][1][target])
        single.append([tracker.track(image) for image, _, _ in frames[1:]])
    one = MultiTargetTracker(tracker)
    one.add(frames[0][0], frames[0][1][0])
    two = MultiTargetTracker(tracker, exclusive=False)
    for mask in frames[0][1]:
        two.add(frames[0][0], mask)
    for t, (image, _, _) in enumerate(frames[1:]):
        (alone,) = one.track(image)
        both = two.track(image)
        for got, want in ((alone, single[0][t]), (both[0], single[0][t]), (both[1], single[1][t])):
            assert np.array_equal(got.mask, want.mask), f"frame {t + 1}"
            assert np.array_equal(got.polygon, want.polygon) and got.confidence == want.confidence
    assert np.mean([iou(p.mask, m[1][0]) for p, m in zip(single[0], frames[1:])]) > 0.6  # it tracks


def test_a_target_that_leaves_is_reported_absent_and_found_when_it_returns(vots_tracker):
    frames = scene(("wander", "leave"), seed=1, length=60)
    truth = [visible for _, visible, _ in frames]
    away = [t for t in range(60) if not truth[t][1].any()]
    assert len(away) >= 10 and away == list(range(away[0], away[-1] + 1))  # one absence
    targets = MultiTargetTracker(vots_tracker)
    for mask in truth[0]:
        targets.add(frames[0][0], mask)
    answers = [None] + [targets.track(image) for image, _, _ in frames[1:]]
    lag = vots_tracker.params.absence.lost_after
    for t in away[lag:]:
        assert not answers[t][1].mask.any() and not answers[t][1].present, f"frame {t}: the departed target is still reported"
    back = away[-1] + 1
    found = next((t for t in range(back, 60) if answers[t][1].mask.any()), None)
    assert found is not None and found - back <= 4, f"returned on frame {back}, reported again on frame {found}"
    assert np.mean([iou(answers[t][1].mask, truth[t][1]) for t in range(found, 60)]) > 0.6
    # The other target stays tracked and present throughout.
    assert all(a[0].present for a in answers[1:])
    assert np.mean([iou(a[0].mask, truth[t][0]) for t, a in enumerate(answers) if a]) > 0.7


def test_crossing_targets_keep_their_identities_and_disjoint_masks(vots_tracker):
    frames = scene(("cross", "cross"), seed=7, length=40)
    truth = [visible for _, visible, _ in frames]
    assert min(np.count_nonzero(v[0]) / np.count_nonzero(truth[0][0]) for v in truth) < 0.25  # a real occlusion
    targets = MultiTargetTracker(vots_tracker)
    for mask in truth[0]:
        targets.add(frames[0][0], mask)
    answers = [targets.track(image) for image, _, _ in frames[1:]]
    for t, (a, b) in enumerate(answers, start=1):
        assert not (a.mask & b.mask).any(), f"frame {t}: overlapping masks"
    for t, pair in enumerate(answers[-10:], start=len(frames) - 10):  # after the crossing
        for i, answer in enumerate(pair):
            own, other = iou(answer.mask, truth[t][i]), iou(answer.mask, truth[t][1 - i])
            assert own > 0.6 and own > other, f"frame {t}, target {i + 1}: IoU {own:.2f} with its own, {other:.2f} with the other"


def test_an_object_given_again_on_a_later_frame_is_a_duplicate_of_what_covers_it_then():
    """A target added later is compared with the others' masks on its own frame, not with their
    first masks; duplicates keep their shared pixels, distinct targets stay exclusive."""
    from rpvt_tracker.tracking.baseline import StaticBoxTracker

    image = np.zeros((60, 80, 3), np.uint8)
    a, b = np.zeros((60, 80), bool), np.zeros((60, 80), bool)
    a[10:30, 10:40], b[35:55, 45:75] = True, True
    said: list[str] = []
    targets = MultiTargetTracker(StaticBoxTracker(), warn=said.append)
    targets.add(image, a)
    targets.add(image, b)
    assert said == [] and len(targets.track(image)) == 2
    nearly_a = a.copy()
    nearly_a[10:30, 39] = False  # a column short: IoU 29/30
    targets.add(image, nearly_a)
    assert said == [
        "objects 1 and 3 cover nearly the same pixels on frame 1 (IoU 0.97), where object 3 was given: one object given twice? "
        "Both are tracked, and their masks may overlap each other"
    ]
    first, second, third = targets.track(image)
    assert first.mask.sum() == 600 and third.mask.sum() == 580 and (first.mask & third.mask).sum() == 580
    assert not (second.mask & (first.mask | third.mask)).any()
    targets.reset()  # a new sequence forgets the old targets
    targets.add(image, a)
    assert len(said) == 1
