"""Bad datasets are refused before any tracking, by the real commands (``rpvt got10k``, ``rpvt
lasot``, ``rpvt davis``), with one error line naming the sequence, the frame and the file.

Each case breaks one thing in a tiny layout on disk. Building a tracker is replaced by a function
that fails the test, so an error that came only after the tracker was built (as the got10k
package's assertions did) cannot pass; a good layout reaching that function shows the checks let
good data through.
"""

from __future__ import annotations

import shutil
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

import rpvt_tracker.tracking.build
from rpvt_tracker.cli import main
from rpvt_tracker.evaluation import got10k, lasot
from rpvt_tracker.evaluation.tiny_datasets import write_got10k, write_lasot

TRACKER = ["--weights", "rpvt-lite.pth", "--params", "lite", "--threads", "1", "--quiet"]
VAL1, VAL2 = "GOT-10k_Val_000001", "GOT-10k_Val_000002"


class TrackerBuilt(Exception):
    """Raised where a tracker would be built: the checks came too late, or passed."""


@pytest.fixture(autouse=True)
def no_tracker(monkeypatch):
    def refuse(*args, **kwargs):
        raise TrackerBuilt("a tracker was built")

    for module in (got10k, lasot):
        monkeypatch.setattr(module, "build_toolkit_tracker", refuse)
    monkeypatch.setattr(rpvt_tracker.tracking.build, "build_tracker", refuse)  # rpvt davis imports it when it runs


@pytest.fixture(scope="module")
def layouts(tmp_path_factory) -> Path:
    """Good tiny layouts, written once: GOT-10k val and test (6 frames), LaSOT (airplane-1,
    basketball-1; 6 frames) and DAVIS (one sequence of 5 frames)."""
    root = tmp_path_factory.mktemp("good")
    write_got10k(root / "got10k", "val", count=2, length=6)
    write_got10k(root / "got10k", "test", count=1, length=6)
    write_lasot(root / "lasot", ["airplane-1", "basketball-1"], length=6)
    for t in range(5):
        for kind, name, value in (("JPEGImages", f"{t:05d}.jpg", np.full((24, 32, 3), 90, np.uint8)), ("Annotations", f"{t:05d}.png", None)):
            folder = root / "davis" / kind / "480p" / "seq"
            folder.mkdir(parents=True, exist_ok=True)
            if value is None:
                value = np.zeros((24, 32), np.uint8)
                value[5:15, 8 + t : 20 + t] = 255
            Image.fromarray(value).save(folder / name)
    return root


def run(argv: list[str], capsys) -> str:
    """The command's one error line (``rpvt <cmd>: error: ...``), after checking it exits with 2."""
    assert main(argv) == 2
    errors = [line for line in capsys.readouterr().err.splitlines() if ": error: " in line]
    assert len(errors) == 1
    return errors[0]


def lines(path: Path) -> list[str]:
    return path.read_text().splitlines()


def write_lines(path: Path, content: list[str]) -> None:
    path.write_text("".join(f"{line}\n" for line in content))


# (case, the change to the layout under root/<benchmark>, the expected error after "error: ")
GOT10K_VAL: list[tuple[str, Callable[[Path], None], str]] = [
    ("frame missing inside", lambda r: (r / "val" / VAL1 / "00000004.jpg").unlink(),
     f"{VAL1}, frame 4: {{r}}/val/{VAL1}/00000004.jpg is missing (the frames run 00000001.jpg to 00000006.jpg)"),
    ("last frame missing", lambda r: (r / "val" / VAL2 / "00000006.jpg").unlink(),
     f"{VAL2}, frame 6: {{r}}/val/{VAL2}/groundtruth.txt has 6 entries but {{r}}/val/{VAL2} has 5 frames (00000001.jpg to 00000005.jpg): "
     "entry 6 has no frame"),
    ("extra frame", lambda r: shutil.copy(r / "val" / VAL1 / "00000001.jpg", r / "val" / VAL1 / "00000007.jpg"),
     f"{VAL1}, frame 7: {{r}}/val/{VAL1}/00000007.jpg has no entry in {{r}}/val/{VAL1}/groundtruth.txt (6 entries for 7 frames)"),
    ("extra ground-truth line", lambda r: write_lines(r / "val" / VAL1 / "groundtruth.txt", lines(r / "val" / VAL1 / "groundtruth.txt") + ["1,2,3,4"]),
     f"{VAL1}, frame 7: {{r}}/val/{VAL1}/groundtruth.txt has 7 entries"),
    ("blank line inside", lambda r: write_lines(r / "val" / VAL1 / "groundtruth.txt", lines(r / "val" / VAL1 / "groundtruth.txt")[:2] + [""]
                                                + lines(r / "val" / VAL1 / "groundtruth.txt")[2:]),
     f"{VAL1}, frame 3: {{r}}/val/{VAL1}/groundtruth.txt line 3: expected x,y,w,h (4 comma-separated numbers), got ''"),
    ("three values", lambda r: write_lines(r / "val" / VAL2 / "groundtruth.txt", lines(r / "val" / VAL2 / "groundtruth.txt")[:4] + ["1,2,3"]
                                           + lines(r / "val" / VAL2 / "groundtruth.txt")[5:]),
     f"{VAL2}, frame 5: {{r}}/val/{VAL2}/groundtruth.txt line 5: expected x,y,w,h (4 comma-separated numbers), got '1,2,3'"),
    ("first box nan", lambda r: write_lines(r / "val" / VAL1 / "groundtruth.txt", ["nan,nan,nan,nan"] + lines(r / "val" / VAL1 / "groundtruth.txt")[1:]),
     f"{VAL1}, frame 1: {{r}}/val/{VAL1}/groundtruth.txt line 1 is nan,nan,nan,nan: the tracker starts from it"),
    ("empty folder", lambda r: [p.unlink() for p in (r / "val" / VAL2).glob("*.jpg")],
     f"{VAL2}: no frames in {{r}}/val/{VAL2} (expected 00000001.jpg, 00000002.jpg, ...)"),
    ("listed folder missing", lambda r: shutil.rmtree(r / "val" / VAL2),
     f"{VAL2}: {{r}}/val/{VAL2} is missing (listed in {{r}}/val/list.txt)"),
    ("cover label short", lambda r: write_lines(r / "val" / VAL1 / "cover.label", lines(r / "val" / VAL1 / "cover.label")[:5]),
     f"{VAL1}, frame 6: {{r}}/val/{VAL1}/00000006.jpg has no entry in {{r}}/val/{VAL1}/cover.label (5 entries for 6 frames)"),
    ("cover label not a level", lambda r: write_lines(r / "val" / VAL1 / "cover.label", ["8", "9"] + lines(r / "val" / VAL1 / "cover.label")[2:]),
     f"{VAL1}, frame 2: {{r}}/val/{VAL1}/cover.label entry 2 is '9'; expected an integer from 0 to 8"),
    ("absence label missing", lambda r: (r / "val" / VAL2 / "absence.label").unlink(), f"{VAL2}: {{r}}/val/{VAL2}/absence.label is missing"),
    ("no resolution", lambda r: write_lines(r / "val" / VAL1 / "meta_info.ini", lines(r / "val" / VAL1 / "meta_info.ini")[:-1]),
     f"{VAL1}: {{r}}/val/{VAL1}/meta_info.ini has no 'resolution: (width, height)' line"),
    ("blank line in list", lambda r: write_lines(r / "val" / "list.txt", [VAL1, "", VAL2]), "{r}/val/list.txt line 2: '' is not a sequence name"),
]


@pytest.mark.parametrize("case, damage, message", GOT10K_VAL, ids=[c[0] for c in GOT10K_VAL])
def test_bad_got10k_val_is_refused_before_tracking(layouts, tmp_path, capsys, case, damage, message):
    root = tmp_path / "got10k"
    shutil.copytree(layouts / "got10k", root)
    damage(root)
    error = run(["got10k", str(root), "--subset", "val", "--output", str(tmp_path / "out"), *TRACKER], capsys)
    assert error.startswith("rpvt got10k: error: " + message.format(r=root)), error
    assert not (tmp_path / "out" / "results").exists()


def test_bad_got10k_test_is_refused_and_a_good_one_passes(layouts, tmp_path, capsys):
    root = tmp_path / "got10k"
    shutil.copytree(layouts / "got10k", root)
    with pytest.raises(TrackerBuilt):  # the good layout passes every check
        main(["got10k", str(root), "--subset", "test", "--output", str(tmp_path / "out"), *TRACKER])
    seq = root / "test" / "GOT-10k_Test_000001"
    (seq / "00000003.jpg").unlink()  # the test set has one box: only the numbering shows the gap
    error = run(["got10k", str(root), "--subset", "test", "--output", str(tmp_path / "out"), *TRACKER], capsys)
    assert error == f"rpvt got10k: error: GOT-10k_Test_000001, frame 3: {seq}/00000003.jpg is missing (the frames run 00000001.jpg to 00000006.jpg)"
    with pytest.raises(TrackerBuilt):
        main(["got10k", str(root), "--subset", "val", "--output", str(tmp_path / "out"), *TRACKER])


A1, B1 = "airplane/airplane-1", "basketball/basketball-1"
LASOT: list[tuple[str, Callable[[Path], None], str]] = [
    ("frame missing inside", lambda r: (r / A1 / "img" / "00000002.jpg").unlink(),
     f"airplane-1, frame 2: {{r}}/{A1}/img/00000002.jpg is missing (the frames run 00000001.jpg to 00000006.jpg)"),
    ("last frame missing", lambda r: (r / B1 / "img" / "00000006.jpg").unlink(),
     f"basketball-1, frame 6: {{r}}/{B1}/groundtruth.txt has 6 entries but {{r}}/{B1}/img has 5 frames"),
    ("extra ground-truth line", lambda r: write_lines(r / A1 / "groundtruth.txt", lines(r / A1 / "groundtruth.txt") + ["10,10,20,20"]),
     f"airplane-1, frame 7: {{r}}/{A1}/groundtruth.txt has 7 entries but {{r}}/{A1}/img has 6 frames (00000001.jpg to 00000006.jpg): "
     "entry 7 has no frame"),
    ("extra frame", lambda r: shutil.copy(r / A1 / "img" / "00000006.jpg", r / A1 / "img" / "00000007.jpg"),
     f"airplane-1, frame 7: {{r}}/{A1}/img/00000007.jpg has no entry in {{r}}/{A1}/groundtruth.txt (6 entries for 7 frames)"),
    ("empty img", lambda r: [p.unlink() for p in (r / B1 / "img").glob("*.jpg")], f"basketball-1: no frames in {{r}}/{B1}/img"),
    ("not a frame name", lambda r: shutil.copy(r / A1 / "img" / "00000001.jpg", r / A1 / "img" / "cover.jpg"),
     f"airplane-1: {{r}}/{A1}/img/cover.jpg is not a frame name of this layout"),
    ("nan line", lambda r: write_lines(r / B1 / "groundtruth.txt", lines(r / B1 / "groundtruth.txt")[:3] + ["nan,nan,nan,nan"]
                                       + lines(r / B1 / "groundtruth.txt")[4:]),
     f"basketball-1, frame 4: {{r}}/{B1}/groundtruth.txt line 4: 'nan,nan,nan,nan' is not a box"),
    ("no ground truth", lambda r: (r / A1 / "groundtruth.txt").unlink(), f"airplane-1: {{r}}/{A1}/groundtruth.txt is missing"),
    ("out_of_view short", lambda r: (r / A1 / "out_of_view.txt").write_text("0,0,0,0,0\n"),
     f"airplane-1, frame 6: {{r}}/{A1}/img/00000006.jpg has no entry in {{r}}/{A1}/out_of_view.txt (5 entries for 6 frames)"),
    ("full_occlusion missing", lambda r: (r / B1 / "full_occlusion.txt").unlink(), f"basketball-1: {{r}}/{B1}/full_occlusion.txt is missing"),
    ("flag not 0 or 1", lambda r: (r / B1 / "full_occlusion.txt").write_text("0,0,2,0,0,0\n"),
     f"basketball-1, frame 3: {{r}}/{B1}/full_occlusion.txt entry 3 is '2'; expected an integer from 0 to 1"),
    ("first box without area", lambda r: write_lines(r / A1 / "groundtruth.txt", ["5,5,0,10"] + lines(r / A1 / "groundtruth.txt")[1:]),
     f"airplane-1, frame 1: {{r}}/{A1}/groundtruth.txt line 1 is 5,5,0,10: the tracker starts from it"),
]


@pytest.mark.parametrize("case, damage, message", LASOT, ids=[c[0] for c in LASOT])
def test_bad_lasot_is_refused_before_tracking(layouts, tmp_path, capsys, case, damage, message):
    root = tmp_path / "lasot"
    shutil.copytree(layouts / "lasot", root)
    damage(root)
    error = run(["lasot", str(root), "--output", str(tmp_path / "out"), *TRACKER], capsys)
    assert error.startswith("rpvt lasot: error: " + message.format(r=root)), error
    assert not (tmp_path / "out").exists()


def test_good_lasot_passes_the_checks(layouts, tmp_path):
    """Also a frame that is no box on a visible frame, as LaSOT has (tiger-6 frame 118)."""
    root = tmp_path / "lasot"
    shutil.copytree(layouts / "lasot", root)
    truth = lines(root / A1 / "groundtruth.txt")
    write_lines(root / A1 / "groundtruth.txt", truth[:3] + ["61,73,24,-11"] + truth[4:])
    with pytest.raises(TrackerBuilt):
        main(["lasot", str(root), "--output", str(tmp_path / "out"), *TRACKER])


SEQ = "{r}/JPEGImages/480p/seq"
ANN = "{r}/Annotations/480p/seq"
DAVIS: list[tuple[str, Callable[[Path], None], str]] = [
    ("mask of another size", lambda r: Image.fromarray(np.zeros((20, 32), np.uint8)).save(r / "Annotations" / "480p" / "seq" / "00003.png"),
     f"seq, frame 3: {SEQ}/00003.jpg: image is 32x24 but its annotation {ANN}/00003.png is 32x20"),
    ("frame and mask missing inside", lambda r: [(r / k / "480p" / "seq" / f"00002.{e}").unlink() for k, e in (("JPEGImages", "jpg"), ("Annotations", "png"))],
     f"seq, frame 2: {SEQ}/00002.jpg is missing (the frames run 00000.jpg to 00004.jpg)"),
    ("last frame missing", lambda r: (r / "JPEGImages" / "480p" / "seq" / "00004.jpg").unlink(),
     f"seq, frame 4: {ANN}/00004.png has no frame ({SEQ}/00004.jpg is missing)"),
    ("mask missing", lambda r: (r / "Annotations" / "480p" / "seq" / "00001.png").unlink(), f"seq, frame 1: {ANN}/00001.png: missing annotation"),
    ("empty folder", lambda r: [p.unlink() for p in (r / "JPEGImages" / "480p" / "seq").glob("*.jpg")], f"seq: {SEQ}: no frames"),
]


@pytest.mark.parametrize("case, damage, message", DAVIS, ids=[c[0] for c in DAVIS])
def test_bad_davis_is_refused_before_tracking(layouts, tmp_path, capsys, case, damage, message):
    root = tmp_path / "davis"
    shutil.copytree(layouts / "davis", root)
    damage(root)
    error = run(["davis", str(root), "--output", str(tmp_path / "out"), *TRACKER], capsys)
    assert error.startswith("rpvt davis: error: " + message.format(r=root)), error
    assert not (tmp_path / "out").exists()


def test_good_davis_passes_the_checks(layouts, tmp_path):
    root = tmp_path / "davis"
    shutil.copytree(layouts / "davis", root)
    with pytest.raises(TrackerBuilt):
        main(["davis", str(root), "--output", str(tmp_path / "out"), *TRACKER])
