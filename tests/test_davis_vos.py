"""DAVIS 2016 under the VOS protocol (``rpvt davis``, the paper's Table 5): the measures against
hand-worked cases, the results layout, the table, and the command on the shipped real sequences."""

from __future__ import annotations

import contextlib
import csv
import io
import json
from pathlib import Path

import numpy as np
import pytest
from PIL import Image
from scipy.spatial.distance import cdist

from rpvt_tracker.cli import main
from rpvt_tracker.evaluation import davis_measures as dm
from rpvt_tracker.evaluation import vos
from rpvt_tracker.vot.published import DAVIS2016

DAVIS = Path(__file__).resolve().parents[1] / "data" / "davis2016"
HELD_OUT = {"blackswan": 50, "car-shadow": 40, "scooter-black": 43}


def square(shape, rows, cols):
    m = np.zeros(shape, bool)
    m[rows[0] : rows[1], cols[0] : cols[1]] = True
    return m


# --- measures -------------------------------------------------------------------------------


def test_region_similarity_on_tiny_masks():
    gt = square((10, 10), (2, 5), (2, 5))  # 9 pixels
    shifted = square((10, 10), (2, 5), (4, 7))  # 9 pixels, column 4 shared: 3 / (9 + 9 - 3)
    assert dm.region_similarity(gt, shifted) == pytest.approx(3 / 15)
    assert dm.region_similarity(gt, gt) == 1.0
    assert dm.region_similarity(gt, square((10, 10), (6, 8), (6, 8))) == 0.0
    empty = np.zeros((10, 10), bool)
    assert dm.region_similarity(empty, empty) == 1.0  # nothing to find, nothing found
    assert dm.region_similarity(gt, empty) == 0.0 and dm.region_similarity(empty, gt) == 0.0
    with pytest.raises(ValueError, match="one size"):
        dm.region_similarity(gt, gt[:, :5])


def test_boundary_map_is_one_pixel_wide_and_handles_the_image_edge():
    # A k x k square at rows/cols a..a+k-1: the boundary is the ring of rows/cols a-1..a+k-1
    # (its last row and column, plus the pixels left of / above / above-left of it): 4k pixels.
    ring = dm.boundary_map(square((10, 10), (2, 5), (2, 5)))
    expected = square((10, 10), (1, 5), (1, 5)) & ~square((10, 10), (2, 4), (2, 4))
    assert ring.sum() == 12 and np.array_equal(ring, expected)
    # Object in the last column: only the column left of it (last-column pixels compare with
    # the pixel below only, which is the object too).
    right = np.zeros((4, 4), bool)
    right[:, 3] = True
    assert np.array_equal(np.argwhere(dm.boundary_map(right)), [[0, 2], [1, 2], [2, 2], [3, 2]])
    bottom = np.zeros((4, 4), bool)
    bottom[3, :] = True
    assert np.array_equal(np.argwhere(dm.boundary_map(bottom)), [[2, 0], [2, 1], [2, 2], [2, 3]])
    corner = np.zeros((4, 4), bool)
    corner[3, 3] = True  # the bottom-right pixel is never boundary; its three neighbours are
    assert np.array_equal(np.argwhere(dm.boundary_map(corner)), [[2, 2], [2, 3], [3, 2]])
    first = np.zeros((4, 4), bool)
    first[0, 0] = True  # differs from all three of its neighbours; no pixel has it as one
    assert np.array_equal(np.argwhere(dm.boundary_map(first)), [[0, 0]])
    assert not dm.boundary_map(np.ones((4, 4), bool)).any()


def test_boundary_tolerance_is_0_8_percent_of_the_diagonal_rounded_up():
    assert dm.boundary_tolerance((10, 10)) == 1  # 0.008 * 14.1 = 0.11
    assert dm.boundary_tolerance((100, 100)) == 2  # 0.008 * 141.4 = 1.13
    assert dm.boundary_tolerance((480, 854)) == 8  # DAVIS 480p: 0.008 * 979.6 = 7.84
    assert dm.boundary_tolerance((300, 400)) == 4  # 0.008 * 500 = 4.0 exactly: not rounded up


def test_contour_accuracy_of_a_shifted_square_worked_by_hand():
    # 10 x 10 image: tolerance ceil(0.008 * 14.14) = 1, a disk of radius 1 is the 3 x 3 cross.
    # GT: 3 x 3 square at rows 2-4, cols 2-4 -> boundary = ring of rows 1-4, cols 1-4 (12 px).
    # Prediction: the same square 2 to the right (cols 4-6) -> ring of rows 1-4, cols 3-6 (12 px).
    # Dilated GT ring covers rows 1-4, cols 0-5 (and rows 0, 5 at cols 1-4), so of the predicted
    # ring rows 1 and 4 keep cols 3-5 (3 + 3) and rows 2, 3 keep col 3 (1 + 1): 8 of 12.
    # By symmetry 8 of the 12 GT boundary pixels lie in the dilated predicted ring.
    gt = square((10, 10), (2, 5), (2, 5))
    pred = square((10, 10), (2, 5), (4, 7))
    precision, recall = dm.boundary_precision_recall(gt, pred)
    assert precision == pytest.approx(8 / 12) and recall == pytest.approx(8 / 12)
    assert dm.contour_accuracy(gt, pred) == pytest.approx(2 / 3)
    # Shifted by one column (ring cols 2-5): every pixel of either ring is within 1 pixel of the
    # other ring (horizontally), so P = R = 1.
    assert dm.contour_accuracy(gt, square((10, 10), (2, 5), (3, 6))) == 1.0
    # Far apart: no boundary pixel matches, P = R = 0, and F is 0 rather than 0 / 0.
    assert dm.contour_accuracy(gt, square((10, 10), (7, 9), (7, 9))) == 0.0


def test_contour_accuracy_empty_mask_conventions():
    empty, gt = np.zeros((20, 20), bool), square((20, 20), (5, 10), (5, 10))
    assert dm.boundary_precision_recall(empty, empty) == (1.0, 1.0)
    assert dm.contour_accuracy(empty, empty) == 1.0
    assert dm.boundary_precision_recall(gt, empty) == (1.0, 0.0)  # nothing predicted: P = 1, R = 0
    assert dm.contour_accuracy(gt, empty) == 0.0
    assert dm.boundary_precision_recall(empty, gt) == (0.0, 1.0)  # nothing there: P = 0, R = 1
    assert dm.contour_accuracy(empty, gt) == 0.0
    full = np.ones((20, 20), bool)  # a whole-image mask has no boundary either
    assert dm.contour_accuracy(full, full) == 1.0


@pytest.mark.parametrize("shape", [(120, 160), (300, 400)])
def test_contour_accuracy_matches_a_brute_force_distance_check(shape):
    # Precision counted pixel by pixel: a predicted boundary pixel matches when some GT boundary
    # pixel is within the tolerance radius (Euclidean), which is what dilating by a disk means.
    rng = np.random.default_rng(shape[0])
    yy, xx = np.mgrid[: shape[0], : shape[1]]
    for _ in range(3):
        cy, cx, r = rng.uniform(0.3, 0.7) * shape[0], rng.uniform(0.3, 0.7) * shape[1], shape[0] / 5
        gt = (yy - cy) ** 2 + ((xx - cx) / 1.3) ** 2 < r**2
        pred = (yy - cy - rng.uniform(-8, 8)) ** 2 + ((xx - cx - rng.uniform(-8, 8)) / 1.1) ** 2 < (r * rng.uniform(0.8, 1.2)) ** 2
        tol = dm.boundary_tolerance(shape)
        g, p = np.argwhere(dm.boundary_map(gt)), np.argwhere(dm.boundary_map(pred))
        dist = cdist(p, g)
        precision, recall = (dist.min(axis=1) <= tol).mean(), (dist.min(axis=0) <= tol).mean()
        assert 0 < precision < 1 and 0 < recall < 1  # a case where the tolerance decides
        assert dm.boundary_precision_recall(gt, pred) == pytest.approx((precision, recall), abs=1e-12)


def test_statistics_mean_recall_decay_worked_by_hand():
    # N = 6: edges round(linspace(1, 6, 5) = [1, 2.25, 3.5, 4.75, 6]) - 1 = [0, 1, 3, 4, 5];
    # first bin values[0:2], last bin values[4:6]; 0.5 itself does not count for recall.
    s = dm.statistics([0.9, 0.7, 0.6, 0.5, 0.3, 0.1])
    assert s.mean == pytest.approx(3.1 / 6)
    assert s.recall == pytest.approx(3 / 6)
    assert s.decay == pytest.approx((0.9 + 0.7) / 2 - (0.3 + 0.1) / 2)
    # N = 5 (not divisible by 4): edges [0, 1, 2, 3, 4], bins share their endpoints:
    # first bin values[0:2], last bin values[3:5].
    assert [(b.start, b.stop) for b in dm.decay_bins(5)] == [(0, 2), (1, 3), (2, 4), (3, 5)]
    assert dm.statistics([1.0, 0.8, 0.6, 0.4, 0.2]).decay == pytest.approx(0.9 - 0.3)
    # N = 3: linspace gives halves (1.5, 2.5), rounded up: edges [0, 1, 1, 2, 2].
    assert [(b.start, b.stop) for b in dm.decay_bins(3)] == [(0, 2), (1, 2), (1, 3), (2, 3)]
    assert dm.statistics([1.0, 0.5, 0.0]).decay == pytest.approx(0.75)
    # One value: every bin is that value, no decay.
    assert dm.statistics([0.7]) == dm.Statistics(0.7, 1.0, 0.0)
    # NaN values are left out of the means.
    assert dm.statistics([0.8, np.nan, 0.2, 0.6]).mean == pytest.approx(1.6 / 3)
    with pytest.raises(ValueError):
        dm.statistics([])


def test_decay_keeps_integer_bin_edges_past_255_values():
    # N = 300: edges [0, 75, 150, 224, 299]; DAVIS's uint8 cast would turn 299 into 43 and leave
    # the last bin values[224:44] empty (its decay NaN). Here: first 100 frames 1, the rest 0.
    values = np.r_[np.ones(100), np.zeros(200)]
    bins = dm.decay_bins(300)
    assert (bins[0].start, bins[0].stop, bins[-1].start, bins[-1].stop) == (0, 76, 224, 300)
    assert dm.statistics(values).decay == 1.0
    assert dm.statistics(values).recall == pytest.approx(100 / 300)


def test_dataset_statistics_average_sequences_equally():
    per_sequence = [dm.Statistics(0.9, 1.0, 0.1), dm.Statistics(0.5, 0.0, 0.3)]
    assert dm.dataset_statistics(per_sequence) == pytest.approx(dm.Statistics(0.7, 0.5, 0.2))


# --- the runner, the layout and the table (a replaying tracker: no network) ----------------------


class ReplayTracker:
    """Answers frame t with ``answers[t - 1]``: the runner's part, tested without a network."""

    def __init__(self, answers):
        self.answers, self.started = iter(answers), None

    def initialize(self, image, mask):
        self.started = (image.shape, mask.copy())

    def track(self, image):
        return Prediction(next(self.answers))


class Prediction:
    def __init__(self, mask):
        self.mask = mask


def make_davis(root: Path, name="seq", frames=6, shape=(40, 60), val=None) -> list[np.ndarray]:
    """A tiny DAVIS folder (grey 0/255 annotations, as DAVIS 2016's); returns the GT masks."""
    (root / "JPEGImages" / "480p" / name).mkdir(parents=True, exist_ok=True)
    (root / "Annotations" / "480p" / name).mkdir(parents=True, exist_ok=True)
    masks = []
    for t in range(frames):
        Image.fromarray(np.full((*shape, 3), 10 * t, np.uint8)).save(root / "JPEGImages" / "480p" / name / f"{t:05d}.jpg")
        m = square(shape, (10, 20), (5 + t, 25 + t))
        Image.fromarray(m.astype(np.uint8) * 255).save(root / "Annotations" / "480p" / name / f"{t:05d}.png")
        masks.append(m)
    if val is not None:
        (root / "ImageSets" / "2016").mkdir(parents=True, exist_ok=True)
        (root / "ImageSets" / "2016" / "val.txt").write_text("".join(f"{v}\n" for v in val))
    return masks


def test_runner_writes_davis_results_and_scores_them(tmp_path):
    gt = make_davis(tmp_path / "d")
    files = vos.sequence_files(tmp_path / "d", "seq")
    empty = np.zeros((40, 60), bool)
    tracker = ReplayTracker([gt[1], gt[2], empty, empty, gt[5]])
    out = tmp_path / "out" / "seq"
    seconds = vos.track_sequence(tracker, files, out)
    assert seconds > 0 and np.array_equal(tracker.started[1], gt[0]) and tracker.started[0] == (40, 60, 3)
    written = sorted(out.glob("*.png"))
    assert [p.name for p in written] == [f"{t:05d}.png" for t in range(6)]
    for t, path in enumerate(written):
        image = Image.open(path)
        assert image.mode == "P" and image.size == (60, 40)
        assert image.getpalette()[:6] == vos.PALETTE
        ids = np.asarray(image)
        assert set(np.unique(ids)) <= {0, 1}
        assert np.array_equal(ids == 1, [gt[0], gt[1], gt[2], empty, empty, gt[5]][t])
    # Scored: frames 1-4 (not the given first nor the last): J = [1, 1, 0, 0]. N = 4: bin edges
    # round(linspace(1, 4, 5)) - 1 = [0, 1, 2, 2, 3], first bin [1, 1], last bin [0, 0].
    j, f = vos.score_sequence(files, out)
    assert j.tolist() == [1.0, 1.0, 0.0, 0.0] and f.tolist() == [1.0, 1.0, 0.0, 0.0]
    assert dm.statistics(j) == dm.Statistics(0.5, 0.5, 1.0)


def test_runner_errors_name_the_frame(tmp_path):
    gt = make_davis(tmp_path / "d")
    files = vos.sequence_files(tmp_path / "d", "seq")
    Image.fromarray(np.zeros((30, 60), np.uint8)).save(tmp_path / "d" / "Annotations" / "480p" / "seq" / "00002.png")
    with pytest.raises(ValueError, match=r"seq, frame 2: .*00002\.jpg: image is 60x40 but its annotation .*00002\.png is 60x30"):
        vos.sequence_files(tmp_path / "d", "seq")  # before any tracking
    # A file changed after the check is still caught where it is read.
    with pytest.raises(ValueError, match=r"00002\.jpg: image is 60x40 but its annotation .*00002\.png is 60x30"):
        vos.track_sequence(ReplayTracker(gt[1:]), files, tmp_path / "out")
    with pytest.raises(RuntimeError, match=r"00001\.jpg: the tracker's mask is \(40, 61\)"):
        vos.track_sequence(ReplayTracker([np.zeros((40, 61), bool)]), files, tmp_path / "out")


def test_sequences_from_the_benchmark_list(tmp_path):
    make_davis(tmp_path / "d", "a", frames=3)
    make_davis(tmp_path / "d", "b", frames=3)
    make_davis(tmp_path / "d", "c", frames=3, val=["b", "a"])
    assert vos.select_sequences(tmp_path / "d", None) == (["b", "a"], True)
    assert vos.select_sequences(tmp_path / "d", "a, b") == (["a", "b"], True)  # the list's sequences, any order
    assert vos.select_sequences(tmp_path / "d", "a") == (["a"], False)
    (tmp_path / "d" / "ImageSets" / "2016" / "val.txt").unlink()
    assert vos.select_sequences(tmp_path / "d", None) == (["a", "b", "c"], False)  # every folder, not the benchmark


def test_sequences_from_the_2016_release_frame_list(tmp_path):
    """DAVIS 2016 as released lists validation frames, not names: ImageSets/480p/val.txt."""
    for name in ("a", "b", "c"):
        make_davis(tmp_path / "d", name, frames=3)
    lines = [f"/JPEGImages/480p/{n}/{t:05d}.jpg /Annotations/480p/{n}/{t:05d}.png" for n in ("c", "a") for t in range(3)]
    (tmp_path / "d" / "ImageSets" / "480p").mkdir(parents=True)
    (tmp_path / "d" / "ImageSets" / "480p" / "val.txt").write_text("\n".join(lines) + "\n")
    assert vos.select_sequences(tmp_path / "d", None) == (["c", "a"], True)
    assert vos.select_sequences(tmp_path / "d", "b") == (["b"], False)
    (tmp_path / "d" / "ImageSets" / "480p" / "val.txt").write_text("c/00000.jpg\n")
    with pytest.raises(ValueError, match=r"480p/val\.txt, line 1: expected /JPEGImages/480p/"):
        vos.select_sequences(tmp_path / "d", None)


def run_of(name, j, f, benchmark, seconds=10.0):
    seq = vos.SequenceScore("s", 50, dm.Statistics(*j), dm.Statistics(*f), seconds)
    return vos.Run(name, (seq,), benchmark, "cpu", 2)


def table_row(text: str, label: str) -> list[str]:
    line = next(row for row in text.splitlines() if row.startswith(f"| {label} |"))
    return [c.strip() for c in line.strip("|").split("|")][1:]


def test_table_ranks_the_measured_row_only_on_the_benchmark():
    strong = ((0.95, 0.99, 0.01), (0.93, 0.97, 0.02))  # J&F 94.0: above every published row
    ranked = vos.markdown([run_of("mine", *strong, benchmark=True)])
    assert table_row(ranked, "mine (measured)") == ["**94.0**", "**95.0**", "**99.0**", "**1.0**", "**93.0**", "**97.0**", "**2.0**", "5.0"]
    assert table_row(ranked, "SAT (published)")[:3] == ["<u>83.1</u>", "<u>82.6</u>", "-"]  # now second
    assert table_row(ranked, "OSVOS (published)")[-1] == "0.2"  # FPS as the paper prints it
    assert "not ranked" not in ranked
    unranked = vos.markdown([run_of("mine", *strong, benchmark=False)])
    assert table_row(unranked, "mine (measured)")[:2] == ["94.0", "95.0"]
    assert table_row(unranked, "SAT (published)")[:3] == ["**83.1**", "**82.6**", "-"]
    assert "mine (measured): over 1 sequence (s)" in unranked and "not ranked against the paper's full-benchmark numbers" in unranked
    labels = [row.split("|")[1].strip() for row in unranked.splitlines() if row.startswith("| ") and "Method" not in row]
    assert labels == [f"{m} (published)" for m in DAVIS2016] + ["mine (measured)"]
    tex = vos.latex([run_of("my_run", *strong, benchmark=True)])
    assert "my\\_run (measured) & \\textbf{94.0}" in tex and "SAT (published) & \\underline{83.1}" in tex and "J\\&F Mean $\\uparrow$" in tex


def test_completed_runs_are_read_back_for_one_table(tmp_path):
    a, b = run_of("rpvt-lite", (0.7, 0.8, 0.1), (0.6, 0.7, 0.2), False, 4.0), run_of("d3s-lite", (0.6, 0.8, 0.1), (0.5, 0.7, 0.2), False)
    for run in (a, b):
        (tmp_path / run.name).mkdir()
        vos.write_scores(tmp_path / run.name / "per_sequence.csv", list(run.sequences))
        (tmp_path / run.name / "meta.json").write_text(json.dumps({"benchmark": False, "device": "cpu", "threads": 2}))
    (tmp_path / "unfinished").mkdir()  # no meta.json: not in the table
    vos.write_scores(tmp_path / "unfinished" / "per_sequence.csv", list(a.sequences))
    assert vos.read_runs(tmp_path) == [b, a]  # the paper's variant order
    assert a.row() == pytest.approx((65.0, 70.0, 80.0, 10.0, 60.0, 70.0, 20.0, 50 / 4.0))


# --- the command ------------------------------------------------------------------------------


def run_cli(argv: list[str]) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = main(argv)
    return code, out.getvalue(), err.getvalue()


LITE = ["--weights", "rpvt-lite.pth", "--params", "lite", "--threads", "2", "--quiet"]


def test_bad_input_is_a_clear_error(tmp_path):
    make_davis(tmp_path / "d")
    missing = tmp_path / "d" / "Annotations" / "480p" / "seq" / "00003.png"
    missing.unlink()
    code, _, err = run_cli(["davis", str(tmp_path / "d"), "--output", str(tmp_path / "o"), *LITE])
    assert code == 2 and f"rpvt davis: error: seq, frame 3: {missing}: missing annotation" in err
    make_davis(tmp_path / "e")
    first = tmp_path / "e" / "Annotations" / "480p" / "seq" / "00000.png"
    Image.fromarray(np.zeros((40, 60), np.uint8)).save(first)
    code, _, err = run_cli(["davis", str(tmp_path / "e"), "--output", str(tmp_path / "o"), *LITE])
    assert code == 2 and f"rpvt davis: error: seq, frame 0: {first}: the first frame's mask is empty" in err
    code, _, err = run_cli(["davis", str(tmp_path / "e"), "--sequences", "nope", "--output", str(tmp_path / "o"), *LITE])
    assert code == 2 and f"rpvt davis: error: nope: {tmp_path / 'e' / 'JPEGImages' / '480p' / 'nope'}: no frames" in err
    code, _, err = run_cli(["davis", str(tmp_path / "e"), "--name", "a/b", "--output", str(tmp_path / "o"), *LITE])
    assert code == 2 and "--name must be a plain name" in err
    assert not (tmp_path / "o" / "table5.md").exists()


@pytest.fixture(scope="module", params=["rpvt-lite", "d3s-ms-lite", "d3s-lite"])
def davis_run(request, tmp_path_factory):
    """``rpvt davis`` on the shipped held-out sequences with one embedded lite checkpoint."""
    output = tmp_path_factory.mktemp(request.param)
    argv = ["davis", str(DAVIS), "--output", str(output), "--weights", f"{request.param}.pth", "--params", "lite", "--threads", "2", "--quiet"]
    code, out, err = run_cli(argv)
    assert code == 0, err
    return request.param, output, out


def test_command_writes_every_frame_in_davis_layout(davis_run):
    name, output, _ = davis_run
    for seq, frames in HELD_OUT.items():
        annotations = sorted((DAVIS / "Annotations" / "480p" / seq).glob("*.png"))
        results = sorted((output / name / seq).glob("*.png"))
        assert len(annotations) == frames and [p.name for p in results] == [p.name for p in annotations]
        for result, annotation in zip(results, annotations):
            image = Image.open(result)
            assert image.mode == "P" and image.size == Image.open(annotation).size
        first = np.asarray(Image.open(results[0]))
        assert set(np.unique(first)) == {0, 1} and np.array_equal(first == 1, np.asarray(Image.open(annotations[0])) > 0)
    meta = json.loads((output / name / "meta.json").read_text())
    assert meta["sequences"] == sorted(HELD_OUT) and meta["benchmark"] is False and meta["params_source"] == "lite"


def test_command_prints_table5_with_a_plausible_measured_row(davis_run):
    name, output, printed = davis_run
    assert (output / "table5.md").read_text() == printed.rstrip("\n") + "\n"
    assert "\\begin{tabular}" in (output / "table5.tex").read_text()
    for method in DAVIS2016:
        assert len(table_row(printed, f"{method} (published)")) == 8
    measured = table_row(printed, f"{name} (measured)")
    assert not any("*" in c or "<u>" in c for c in measured)  # three sequences: not ranked
    j_mean, f_mean = float(measured[1]), float(measured[4])
    assert 55 < j_mean < 100 and 40 < f_mean < 100 and float(measured[0]) == pytest.approx((j_mean + f_mean) / 2, abs=0.051)
    assert float(measured[-1]) > 0
    assert "over 3 sequences (blackswan, car-shadow, scooter-black)" in printed


def test_command_scores_recompute_from_the_written_masks(davis_run):
    name, output, _ = davis_run
    with (output / name / "per_sequence.csv").open(newline="") as src:
        rows = {r["sequence"]: r for r in csv.DictReader(src)}
    assert set(rows) == set(HELD_OUT)
    for seq, frames in HELD_OUT.items():
        j, f = [], []
        for t in range(1, frames - 1):  # neither the first frame nor the last
            truth = np.asarray(Image.open(DAVIS / "Annotations" / "480p" / seq / f"{t:05d}.png")) > 0
            pred = np.asarray(Image.open(output / name / seq / f"{t:05d}.png")) == 1
            j.append(dm.region_similarity(truth, pred))
            f.append(dm.contour_accuracy(truth, pred))
        row = rows[seq]
        assert int(row["frames"]) == frames and float(row["seconds"]) > 0
        for measure, values in (("J", j), ("F", f)):
            s = dm.statistics(values)
            assert [float(row[f"{measure}_{k}"]) for k in ("mean", "recall", "decay")] == pytest.approx([s.mean, s.recall, s.decay], abs=1e-12)
