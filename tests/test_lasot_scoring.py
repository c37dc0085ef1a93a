"""LaSOT's official evaluation (``lasot_scoring``) on hand-computed cases, one for each step of
``calc_seq_err_robust.m`` / ``eval_tracker.m`` / ``plot_draw_save.m`` that the OTB protocol of the
got10k package does not have. Result files are written to disk and scored as ``rpvt lasot`` scores
them (``score_tracker``); the absent-frame case through the command is in test_got10k_lasot.py."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from rpvt_tracker.evaluation.lasot_scoring import Truth, overlaps, score_tracker

# 20 x 20 boxes (1-based x, y, w, h); a shift of s pixels along x has IoU (20 - s) / (20 + s).
BOX = [11.0, 11.0, 20.0, 20.0]


def shifted(s: float) -> list[float]:
    return [BOX[0] + s, *BOX[1:]]


def write_results(folder: Path, name: str, rows: list[list[float]]) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    np.savetxt(folder / f"{name}.txt", np.array(rows), fmt="%.3f", delimiter=",")


def truth(name: str, rows: list[list[float]], absent: list[int] | None = None) -> Truth:
    return Truth(name, np.array(rows), np.array(absent or [0] * len(rows), bool))


def test_overlap_counts_pixels_inclusively_which_is_the_box_iou():
    a = np.array([BOX, BOX, BOX])
    b = np.array([shifted(5), shifted(20), [15.0, 15.0, 10.0, 10.0]])
    # 15 / 25 columns shared; touching boxes share nothing; a box inside: 100 / 400.
    assert overlaps(a, b) == pytest.approx([15 / 25, 0.0, 0.25])


def test_a_visible_frame_without_a_box_fails_every_overlap_and_passes_every_error(tmp_path):
    # LaSOT holds such lines (tiger-6 frame 118: 613,731,247,-11). The official code gives the
    # frame overlap -1 and error -1: success never counts it, precision always does.
    t = truth("tiger-6", [BOX, BOX, [15.0, 11.0, 20.0, -5.0]])
    write_results(tmp_path, "tiger-6", [BOX, shifted(10), shifted(2)])
    scores = score_tracker(tmp_path, [t])
    # frame 2: IoU 10 / 30 passes thresholds 0..0.30 (7), error 10 passes 10..50 (41).
    assert scores["success_curve"] == pytest.approx([(1 + (k <= 6)) / 3 for k in range(20)] + [0.0], abs=1e-12)
    assert scores["precision_curve"] == pytest.approx([(2 + (px >= 10)) / 3 for px in range(51)], abs=1e-12)


def test_an_answer_that_is_no_box_becomes_the_previous_answer(tmp_path):
    # Frames 2 (nan) and 3 (width 0) take the tracker's own answer for frame 1 (shifted by 10):
    # the replacement runs before frame 1's answer is set to the ground truth.
    t = truth("cat-1", [BOX] * 4)
    write_results(tmp_path, "cat-1", [shifted(10), [np.nan] * 4, [11.0, 11.0, 0.0, 20.0], BOX])
    scores = score_tracker(tmp_path, [t])
    # IoU 1, 1/3, 1/3, 1 and errors 0, 10, 10, 0.
    assert scores["success_curve"][6] == pytest.approx(1.0) and scores["success_curve"][7] == pytest.approx(0.5)
    assert scores["precision_curve"][9] == pytest.approx(0.5) and scores["precision_curve"][10] == pytest.approx(1.0)


def test_longer_results_are_cut_and_shorter_ones_refused(tmp_path):
    t = truth("monkey-17", [BOX] * 3)
    # The toolkit's monkey-17 case: answers past the last ground-truth line are not scored.
    write_results(tmp_path, "monkey-17", [BOX, BOX, shifted(10), [np.nan] * 4, shifted(30)])
    scores = score_tracker(tmp_path, [t])
    assert scores["success_score"] == pytest.approx((20 + 20 + 7) / 63)  # IoU 1, 1, 1/3
    write_results(tmp_path, "monkey-17", [BOX, BOX])
    with pytest.raises(ValueError, match=r"monkey-17: .*monkey-17\.txt holds 2 boxes of 4 values; expected one x,y,w,h line for each of the 3 frames"):
        score_tracker(tmp_path, [t])


def test_sequences_with_a_curve_of_zeros_are_left_out_of_the_mean(tmp_path):
    # plot_draw_save.m averages the sequences whose curve sums to more than eps. "gone-1" has its
    # target absent in every frame: its curves are all 0 and it does not count; "seen-1" alone
    # makes the mean (IoU 1 and 1/3: success 1 up to 0.30, 1/2 up to 0.95, 0 at 1).
    seen, gone = truth("seen-1", [BOX, BOX]), truth("gone-1", [BOX, BOX], absent=[1, 1])
    write_results(tmp_path, "seen-1", [BOX, shifted(10)])
    write_results(tmp_path, "gone-1", [BOX, BOX])
    scores = score_tracker(tmp_path, [seen, gone])
    expected = [1.0] * 7 + [0.5] * 13 + [0.0]
    assert scores["success_curve"] == pytest.approx(expected, abs=1e-12)
    assert scores["success_score"] == pytest.approx(np.mean(expected)) and scores["success_rate"] == pytest.approx(0.5)
    assert scores["speed_fps"] == -1.0  # no time files
