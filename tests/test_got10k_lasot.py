"""``rpvt got10k`` and ``rpvt lasot`` (the paper's Table 4 and Figure 6) on tiny generated datasets
in each benchmark's layout, checked against scores recomputed here from the result files: GOT-10k
as the got10k package scores it, LaSOT as its official MATLAB toolkit does (absent frames are
failures). An oracle tracker with known errors pins the conventions on hand-computed cases."""

from __future__ import annotations

import json
import zipfile
from types import SimpleNamespace

import cv2
import numpy as np
import pytest
from conftest import box_iou
from PIL import Image

from rpvt_tracker.cli import main
from rpvt_tracker.evaluation import got10k, lasot
from rpvt_tracker.evaluation.box_benchmark import ToolkitTracker, record_settings
from rpvt_tracker.evaluation.got10k import check_result_folder, val_scores
from rpvt_tracker.evaluation.lasot import PAPER_COMPARED
from rpvt_tracker.evaluation.tiny_datasets import SIZE, write_got10k, write_lasot
from rpvt_tracker.vot.published import GOT10K_TEST

TRACKER = ["--weights", "rpvt-lite.pth", "--params", "lite", "--threads", "2", "--quiet"]


def got10k_bound(boxes: np.ndarray, width: int, height: int) -> np.ndarray:
    """GOT-10k's clipping to the image (its ``rect_iou(bound=resolution)``): x in [0, W], then
    w in [0, W - x]; the same for y and h."""
    x, y = np.clip(boxes[:, 0], 0, width), np.clip(boxes[:, 1], 0, height)
    return np.stack([x, y, np.clip(boxes[:, 2], 0, width - x), np.clip(boxes[:, 3], 0, height - y)], 1)


def centre_error(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Distance of the box centres; OTB's centre is x + (w - 1) / 2, the same distance as x + w / 2."""
    return np.linalg.norm(a[:, :2] + (a[:, 2:] - 1) / 2 - b[:, :2] - (b[:, 2:] - 1) / 2, axis=1)


@pytest.fixture(scope="module")
def got10k_root(tmp_path_factory):
    root = tmp_path_factory.mktemp("got10k")
    write_got10k(root, "val", count=2, length=10, hidden={1: [6]})  # val 2, frame 7: out of sight (cover 0)
    write_got10k(root, "test", count=2, length=8, seed=5, hidden={1: [4, 5, 6]})  # the target gone for 3 frames
    return root


def test_got10k_val_scores_and_table(got10k_root, tmp_path, capsys):
    out = tmp_path / "out"
    assert main(["got10k", str(got10k_root), "--subset", "val", "--output", str(out), "--name", "RPVT-lite", *TRACKER]) == 0
    printed = capsys.readouterr().out
    ious, rates = [], []
    for seq in ("GOT-10k_Val_000001", "GOT-10k_Val_000002"):
        folder = out / "results" / "GOT-10k" / "RPVT-lite" / seq
        result = np.loadtxt(folder / f"{seq}_001.txt", delimiter=",")
        truth = np.loadtxt(got10k_root / "val" / seq / "groundtruth.txt", delimiter=",")
        cover = np.loadtxt(got10k_root / "val" / seq / "cover.label")
        assert result.shape == (10, 4) and np.allclose(result[0], truth[0], atol=1e-3)
        # The toolkit's val protocol: frames after the first, where the target is visible.
        visible = cover[1:] > 0
        ious.append(box_iou(got10k_bound(result[1:], *SIZE), got10k_bound(truth[1:], *SIZE))[visible])
        times = np.loadtxt(folder / f"{seq}_time.txt")
        rates.append(1 / times[times > 0])
    ious = np.concatenate(ious)
    assert len(ious) == 2 * 9 - 1  # the hidden frame is not scored
    ao, sr50, sr75, fps = ious.mean(), np.mean(ious > 0.5), np.mean(ious > 0.75), np.concatenate(rates).mean()
    assert 0.3 < ao <= 1  # the tracker follows the target
    report = json.loads((out / "reports" / "GOT-10k" / "RPVT-lite" / "performance.json").read_text())["RPVT-lite"]["overall"]
    scores = val_scores(report, 101, 2)
    assert (scores.ao, scores.sr50, scores.sr75, scores.fps) == pytest.approx((ao, sr50, sr75, fps), rel=1e-9)

    table = (out / "table4.md").read_text()
    assert table in printed
    header = next(line for line in table.splitlines() if line.startswith("| |")).split(" | ")[1:]
    assert [h.strip(" |") for h in header] == [f"{t} (published)" for t in GOT10K_TEST] + ["RPVT-lite (measured, val)"]
    rows = {line.split(" | ")[0].strip("| "): [c.strip(" |") for c in line.split(" | ")[1:]] for line in table.splitlines() if line.startswith("| ")}
    assert rows["AO ↑"][-1] == f"{ao:.3f}" and rows["SR0.5 ↑"][-1] == f"{sr50:.3f}" and rows["SR0.75 ↑"][-1] == f"{sr75:.3f}"
    assert rows["FPS ↑"] == ["-"] * len(GOT10K_TEST) + [f"{fps:.1f}"]
    # Best and second among the published (test-set) columns only; the val column is never ranked.
    assert rows["AO ↑"][3] == rows["AO ↑"][5] == "**0.611**" and rows["AO ↑"][7] == "<u>0.600</u>"
    assert rows["SR0.75 ↑"][6] == "-" and "not ranked" in table
    tex = (out / "table4.tex").read_text()
    assert "\\textbf{0.611}" in tex and "\\underline{0.600}" in tex and "RPVT-lite (measured, val)" in tex

    # A second tracker under the same output: its own column beside the first's, which is kept.
    other = [*TRACKER, "--name", "D3S-lite"]
    other[other.index("rpvt-lite.pth")] = "d3s-lite.pth"
    assert main(["got10k", str(got10k_root), "--subset", "val", "--output", str(out), *other]) == 0
    capsys.readouterr()
    table = (out / "table4.md").read_text()
    header = next(line for line in table.splitlines() if line.startswith("| |")).split(" | ")[1:]
    assert [h.strip(" |") for h in header][-2:] == ["D3S-lite (measured, val)", "RPVT-lite (measured, val)"]
    rows = {line.split(" | ")[0].strip("| "): [c.strip(" |") for c in line.split(" | ")[1:]] for line in table.splitlines() if line.startswith("| ")}
    assert rows["AO ↑"][-1] == f"{ao:.3f}" and rows["FPS ↑"][-1] == f"{fps:.1f}"
    assert 0.3 < float(rows["AO ↑"][-2]) <= 1


def test_got10k_test_zip_for_the_server(got10k_root, tmp_path, capsys):
    out = tmp_path / "out"
    assert main(["got10k", str(got10k_root), "--subset", "test", "--output", str(out), *TRACKER]) == 0  # name: the weights' stem
    printed = capsys.readouterr().out
    folder = out / "results" / "GOT-10k" / "rpvt-lite"
    archive = out / "results" / "GOT-10k" / "rpvt-lite.zip"
    assert str(archive) in printed and "upload" in printed and "evaluation server" in (out / "table4.md").read_text()
    header = next(line for line in printed.splitlines() if line.startswith("| |"))
    assert header == "| | " + " | ".join(f"{t} (published)" for t in GOT10K_TEST) + " |"  # no measured column: the server scores test
    seqs = ("GOT-10k_Test_000001", "GOT-10k_Test_000002")
    with zipfile.ZipFile(archive) as z:
        files = {n for n in z.namelist() if not n.endswith("/")}
        assert files == {f"{s}/{s}_{kind}.txt" for s in seqs for kind in ("001", "time")}
        for name in files:
            assert z.read(name) == (folder / name).read_bytes()
    for seq in seqs:
        boxes = np.loadtxt(folder / seq / f"{seq}_001.txt", delimiter=",")
        first = np.loadtxt(got10k_root / "test" / seq / "groundtruth.txt", delimiter=",")
        assert boxes.shape == (8, 4) and np.allclose(boxes[0], first, atol=1e-3)
        assert np.all(np.isfinite(boxes)) and np.all(boxes[:, 2:] > 0)  # also through the frames without the target
    # The same output again, for val: refused, or the val results would end up in the server's zip.
    assert main(["got10k", str(got10k_root), "--subset", "val", "--output", str(out), *TRACKER]) == 2
    assert "not in this subset" in capsys.readouterr().err


def test_lasot_scores_and_figure(tmp_path, capsys):
    root = tmp_path / "lasot"
    write_lasot(root, ["airplane-1", "basketball-1"], length=10, hidden={"basketball-1": [7]})
    write_lasot(root, ["airplane-10"], length=3)  # a training sequence: not run
    out = tmp_path / "out"
    assert main(["lasot", str(root), "--output", str(out), *TRACKER]) == 0
    captured = capsys.readouterr()
    assert "278 of LaSOT's 280 test sequences are not under" in captured.err
    folder = out / "results" / "LaSOT" / "rpvt-lite"
    assert sorted(p.name for p in folder.glob("*.txt")) == ["airplane-1.txt", "basketball-1.txt"]
    success, precision, speeds = [], [], []
    for seq in ("airplane-1", "basketball-1"):
        result = np.loadtxt(folder / f"{seq}.txt", delimiter=",")
        seq_dir = root / seq.split("-")[0] / seq
        truth = np.loadtxt(seq_dir / "groundtruth.txt", delimiter=",")
        assert result.shape == (10, 4) and np.allclose(result[0], truth[0])
        # LaSOT's official evaluation: the frames flagged absent are dropped, the count stays 10.
        absent = (np.loadtxt(seq_dir / "full_occlusion.txt", delimiter=",") + np.loadtxt(seq_dir / "out_of_view.txt", delimiter=",")) > 0
        assert absent.sum() == (seq == "basketball-1")
        ious, errors = box_iou(result, truth)[~absent], centre_error(result, truth)[~absent]
        success.append([np.sum(ious > t) / 10 for t in np.linspace(0, 1, 21)])
        precision.append([np.sum(errors <= t) / 10 for t in range(51)])
        times = np.loadtxt(folder / "times" / f"{seq}_time.txt")
        speeds.append(np.mean(1 / times[times > 0]))
    success, precision = np.mean(success, 0), np.mean(precision, 0)
    report = json.loads((out / "lasot.json").read_text())["rpvt-lite"]
    assert report["success_auc"] == pytest.approx(success.mean(), rel=1e-9) and report["precision_20"] == pytest.approx(precision[20], rel=1e-9)
    assert report["success_curve"] == pytest.approx(success.tolist()) and report["fps"] == pytest.approx(np.mean(speeds))
    assert report["sequences"] == 2 and not report["complete"] and report["paper_compares"] == list(PAPER_COMPARED)
    assert report["absent_frames"] == 1 and "absent frames count as failures" in report["scoring"]
    assert f"success AUC {success.mean():.3f}, precision@20px {precision[20]:.3f}" in captured.out
    with Image.open(out / "figure6.png") as png:
        png.verify()
        assert png.format == "PNG" and png.size[0] > 2 * png.size[1] > 600  # two panels side by side

    # A second tracker under the same output joins the report and the figure; the first is kept.
    other = [*TRACKER, "--name", "D3S-lite"]
    other[other.index("rpvt-lite.pth")] = "d3s-lite.pth"
    assert main(["lasot", str(root), "--output", str(out), *other]) == 0
    reports = json.loads((out / "lasot.json").read_text())
    assert list(reports) == ["D3S-lite", "rpvt-lite"] and reports["rpvt-lite"] == report
    assert reports["D3S-lite"]["settings"]["weights"].endswith("d3s-lite.pth") and 0 < reports["D3S-lite"]["success_auc"] <= 1
    assert "D3S-lite success AUC" in capsys.readouterr().out


class Oracle:
    """Knows the target's 0-based box in every frame and answers it moved by ``shift[t]`` pixels
    along x; returns no box at all where ``shift`` is NaN."""

    def __init__(self, truth: np.ndarray, shift: list[float]) -> None:
        self.truth, self.shift, self.t, self.init_box = truth, shift, 0, None

    def initialize(self, image: np.ndarray, box: tuple) -> None:
        assert image.dtype == np.uint8 and image.shape == (SIZE[1], SIZE[0], 3)
        self.init_box, self.t = np.array(box), 0

    def track(self, image: np.ndarray) -> SimpleNamespace:
        self.t += 1
        return SimpleNamespace(box=tuple(self.truth[self.t] + [self.shift[self.t], 0, 0, 0]))


# A 40 x 30 target moving 2 px a frame, far from the borders; the oracle's errors per frame.
TRUTH0 = np.array([[40 + 2 * t, 30, 40, 30] for t in range(7)], float)  # 0-based
SHIFT = [0, 0, 4, 10, 20, 0, 4]
EXPECTED_IOU = {0: 1.0, 4: 36 / 44, 10: 30 / 50, 20: 20 / 60}  # (w - dx) / (w + dx) for w = 40


def write_frames(folder, count: int) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    for t in range(count):
        cv2.imwrite(str(folder / f"{t + 1:08d}.jpg"), np.full((SIZE[1], SIZE[0], 3), 100, np.uint8))


def test_oracle_through_the_toolkit_got10k(tmp_path):
    from got10k.experiments import ExperimentGOT10k

    seq = tmp_path / "val" / "oracle-1"
    write_frames(seq, len(TRUTH0))
    (tmp_path / "val" / "list.txt").write_text("oracle-1\n")
    (seq / "groundtruth.txt").write_text("".join(",".join(f"{v:.4f}" for v in b + [1, 1, 0, 0]) + "\n" for b in TRUTH0))
    cover = [8, 8, 8, 8, 8, 8, 0]  # the last frame: out of sight, not scored
    (seq / "meta_info.ini").write_text(f"[METAINFO]\nresolution: ({SIZE[0]}, {SIZE[1]})\n")
    for label, values in (("cover", cover), ("absence", [int(c == 0) for c in cover]), ("cut_by_image", [0] * 7)):
        (seq / f"{label}.label").write_text("".join(f"{v}\n" for v in values))
    oracle = Oracle(TRUTH0, SHIFT)
    experiment = ExperimentGOT10k(str(tmp_path), subset="val", result_dir=str(tmp_path / "results"), report_dir=str(tmp_path / "reports"))
    experiment.run(ToolkitTracker(oracle, "oracle"))
    assert np.array_equal(oracle.init_box, TRUTH0[0])  # the 1-based first box, handed over 0-based
    expected = np.array([EXPECTED_IOU[s] for s in SHIFT[1:6]])  # frames 2-6
    scores = val_scores(experiment.report(["oracle"])["oracle"]["overall"], experiment.nbins_iou, 1)
    assert scores.ao == pytest.approx(expected.mean(), abs=1e-12)
    assert (scores.sr50, scores.sr75) == (np.mean(expected > 0.5), np.mean(expected > 0.75)) == (0.8, 0.6)


# LaSOT's hand-computed case: 8 frames of a 40 x 30 target; the oracle's shift along x per frame,
# which is its centre error, and its IoU (40 - s) / (40 + s).
TRUTH8 = np.array([[40 + 2 * t, 30, 40, 30] for t in range(8)], float)  # 0-based
SHIFT8 = [0, 4, 10, 30, 0, 20, 4, 0]
FULL_OCCLUSION = [0, 0, 1, 0, 0, 0, 0, 0]  # frame 3
OUT_OF_VIEW = [0, 0, 0, 0, 0, 0, 1, 1]  # frames 7 and 8
META = {"weights": "oracle.pth", "variant": "oracle", "backbone": "none", "dcf_weights": None, "device": "cpu", "params": {}}


def oracle_builder(truth: np.ndarray, shift: list[float]):
    """Stands in for ``build_toolkit_tracker``: the real command, with boxes known in advance."""
    return lambda settings, name: (ToolkitTracker(Oracle(truth, shift), name), dict(META))


def test_lasot_absent_frames_score_as_the_official_toolkit(tmp_path, monkeypatch, capsys):
    # calc_seq_err_robust.m drops the absent frames (3: full occlusion; 7, 8: out of view) and
    # eval_tracker.m divides by all 8 frames. Frames left: 1 (the ground truth: IoU 1, error 0),
    # 2 (s=4: 36/44, 4 px), 4 (s=30: 10/70, 30 px), 5 (s=0: 1, 0 px), 6 (s=20: 20/60, 20 px).
    # Success, thresholds k/20: IoU 1 passes 20 of the 21 (all but 1), 36/44 17 (up to 0.80),
    # 20/60 7 (up to 0.30), 10/70 3 (up to 0.10): (2 * 20 + 17 + 7 + 3) / (21 * 8) = 67 / 168.
    # At 0.5: 1, 36/44, 1 -> 3 / 8. Precision at 20 px: 0, 4, 0, 20 -> 4 / 8.
    # Scored against every box (the package's OTB protocol, what rpvt lasot did): 116 / 168 and 7 / 8.
    seq = tmp_path / "lasot" / "airplane" / "airplane-1"
    write_frames(seq / "img", 8)
    (seq / "groundtruth.txt").write_text("".join(",".join(str(int(v)) for v in b + [1, 1, 0, 0]) + "\n" for b in TRUTH8))
    (seq / "full_occlusion.txt").write_text(",".join(map(str, FULL_OCCLUSION)) + "\n")
    (seq / "out_of_view.txt").write_text(",".join(map(str, OUT_OF_VIEW)) + "\n")
    monkeypatch.setattr(lasot, "build_toolkit_tracker", oracle_builder(TRUTH8, SHIFT8))
    assert main(["lasot", str(tmp_path / "lasot"), "--output", str(tmp_path / "out"), "--name", "oracle", *TRACKER]) == 0
    printed = capsys.readouterr().out
    report = json.loads((tmp_path / "out" / "lasot.json").read_text())["oracle"]
    assert report["success_auc"] == pytest.approx(67 / 168, abs=1e-12)
    assert report["success_rate_50"] == pytest.approx(3 / 8, abs=1e-12)
    assert report["precision_20"] == pytest.approx(4 / 8, abs=1e-12)
    errors = [0, 4, 30, 0, 20]  # of the frames left
    assert report["precision_curve"] == pytest.approx([sum(e <= t for e in errors) / 8 for t in range(51)], abs=1e-12)
    assert report["absent_frames"] == 3
    assert "3 absent frames scored as failures): oracle success AUC 0.399, precision@20px 0.500, success rate@0.5 0.375" in printed


def test_got10k_nan_line_is_left_out_with_a_warning(tmp_path, monkeypatch, capsys):
    # The oracle of the GOT-10k case above; frame 5's line is nan (the oracle answers s=20 there)
    # while its cover says visible, and frame 7 is out of sight (cover 0). Scored, as the got10k
    # package scores frames with a visible target: frames 2-4 and 6, IoU 1, 36/44, 30/50, 1:
    # AO (2 + 36/44 + 0.6) / 4 = 0.854545..., SR0.5 4/4, SR0.75 3/4 (0.6 is not above).
    # The package alone: AO nan, SR0.5 4/5.
    name = "GOT-10k_Val_000001"
    seq = tmp_path / "val" / name
    write_frames(seq, len(TRUTH0))
    (tmp_path / "val" / "list.txt").write_text(f"{name}\n")
    lines = [",".join(f"{v:.4f}" for v in b + [1, 1, 0, 0]) for b in TRUTH0]
    lines[4] = "nan,nan,nan,nan"
    (seq / "groundtruth.txt").write_text("\n".join(lines) + "\n")
    cover = [8, 8, 8, 8, 8, 8, 0]
    (seq / "meta_info.ini").write_text(f"[METAINFO]\nresolution: ({SIZE[0]}, {SIZE[1]})\n")
    for label, values in (("cover", cover), ("absence", [int(c == 0) for c in cover]), ("cut_by_image", [0] * 7)):
        (seq / f"{label}.label").write_text("".join(f"{v}\n" for v in values))
    monkeypatch.setattr(got10k, "build_toolkit_tracker", oracle_builder(TRUTH0, SHIFT))
    out = tmp_path / "out"
    assert main(["got10k", str(tmp_path), "--subset", "val", "--output", str(out), "--name", "oracle", *TRACKER]) == 0
    captured = capsys.readouterr()
    warnings = [line for line in captured.err.splitlines() if "warning" in line]
    assert warnings == [f"rpvt got10k: warning: {name}, frame 5 (00000005.jpg): {seq / 'groundtruth.txt'} line 5 is nan,nan,nan,nan: "
                        "no box to score against; not scored (the got10k package scores only frames with a visible target)"]
    report = json.loads((out / "reports" / "GOT-10k" / "oracle" / "performance.json").read_text())["oracle"]["overall"]
    scores = val_scores(report, 101, 1)
    assert scores.ao == pytest.approx((2 + 36 / 44 + 0.6) / 4, abs=1e-12)
    assert (scores.sr50, scores.sr75) == (1.0, 0.75)
    rows = {line.split(" | ")[0].strip("| "): line.split(" | ")[-1].strip(" |") for line in captured.out.splitlines() if line.startswith("| ")}
    assert (rows["AO ↑"], rows["SR0.5 ↑"], rows["SR0.75 ↑"]) == ("0.855", "1.000", "0.750")


def test_adapter_keeps_answering_and_refuses_mixed_runs(tmp_path):
    truth = np.array([[10, 10, 20, 20]] * 4, float)
    tracker = ToolkitTracker(Oracle(truth, [0, 0, np.nan, 0]), "oracle")
    frame = Image.fromarray(np.zeros((SIZE[1], SIZE[0]), np.uint8))  # grey: converted to RGB
    tracker.init(frame, np.array([11, 11, 20, 20.0]))
    assert tracker.update(frame).tolist() == [11, 11, 20, 20]
    assert tracker.update(frame).tolist() == [11, 11, 20, 20]  # no box (NaN): the previous one
    assert tracker.is_deterministic

    meta = {"weights": "a.pth", "variant": "rpvt", "params": {"x": 1}, "device": "cpu"}
    record_settings(tmp_path / "tracker.json", meta)
    record_settings(tmp_path / "tracker.json", {**meta, "device": "cuda"})  # where it ran does not change the boxes' meaning
    with pytest.raises(ValueError, match="params"):
        record_settings(tmp_path / "tracker.json", {**meta, "params": {"x": 2}})
    (tmp_path / "results" / "other-seq").mkdir(parents=True)
    with pytest.raises(ValueError, match="other-seq"):
        check_result_folder(tmp_path / "results", ["seq"])
