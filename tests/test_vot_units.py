"""Unit tests of the VOT integration pieces that need no toolkit run."""

import json
import os
import time

import numpy as np
import pytest
import trax

from rpvt_tracker.geometry.regions import Mask, Polygon, Rectangle, parse_region
from rpvt_tracker.resources import resolve_weights
from rpvt_tracker.tracking import Prediction
from rpvt_tracker.vot.server import ServerConfig, region_from_trax, region_to_trax
from rpvt_tracker.vot.synthetic import SequenceSpec, write_dataset
from rpvt_tracker.vot.tables import PUBLISHED, markdown, read_analysis
from rpvt_tracker.vot.workspace import available_stacks, materialize


def test_server_config_from_env(tmp_path):
    (tmp_path / "w.pth").write_bytes(b"x")
    env = {"RPVT_WEIGHTS": "w.pth", "RPVT_WEIGHTS_DIR": str(tmp_path), "RPVT_OUTPUT": "MASK", "RPVT_THREADS": "2"}
    config = ServerConfig.from_env(env)
    assert config.weights == tmp_path / "w.pth" and config.output == "mask" and config.threads == 2
    assert config.device == "auto" and config.variant is None and config.params == "d3s"
    assert ServerConfig.from_env({**env, "RPVT_PARAMS": "stable-scale"}).params == "stable-scale"
    with pytest.raises(ValueError, match="unknown tracker parameter set 'fast'; known: d3s, stable-scale, lite"):
        ServerConfig.from_env({**env, "RPVT_PARAMS": "fast"})
    with pytest.raises(ValueError, match="RPVT_WEIGHTS is not set"):
        ServerConfig.from_env({})
    with pytest.raises(ValueError, match="RPVT_OUTPUT must be one of"):
        ServerConfig.from_env({**env, "RPVT_OUTPUT": "box"})
    with pytest.raises(ValueError, match="RPVT_THREADS must be an integer"):
        ServerConfig.from_env({**env, "RPVT_THREADS": "two"})
    with pytest.raises(FileNotFoundError, match=r"weights 'missing.pth' not found \(looked in: .*weights/README.md"):
        resolve_weights("missing.pth", env)


def test_trax_region_conversions():
    rect = trax.Rectangle.create(10, 20, 30, 40)
    assert region_from_trax(rect) == (Rectangle(10, 20, 30, 40), "rectangle")
    poly, kind = region_from_trax(trax.Polygon.create([(1, 2), (5, 2), (5, 8), (1, 8)]))
    assert kind == "polygon" and np.allclose(poly.points, [[1, 2], [5, 2], [5, 8], [1, 8]])
    m = np.zeros((6, 9), np.uint8)
    m[2:4, 3:7] = 1
    mask, kind = region_from_trax(trax.Mask.create(m, x=5, y=7))
    assert kind == "mask" and mask.offset == (5, 7) and np.array_equal(mask.mask, m > 0)

    full = np.zeros((50, 60), bool)
    full[10:20, 30:45] = True
    pred = Prediction(full, np.array([[30.0, 10.0], [45.0, 10.0], [45.0, 20.0], [30.0, 20.0]]), (30, 10, 15, 10), 0.9, True)
    out = region_to_trax(pred, as_mask=True)
    assert out.type == "mask" and out.offset() == (30, 10)
    assert np.array_equal(out.array(True)[10:20, 30:45], full[10:20, 30:45])
    assert region_to_trax(pred, as_mask=False).type == "polygon"
    empty = Prediction(np.zeros((50, 60), bool), pred.polygon, pred.box, 0.0, False)
    assert region_to_trax(empty, as_mask=True).array(False).sum() == 0


def test_generated_sequences_are_deterministic_and_consistent(tmp_path):
    spec = SequenceSpec(length=12, region="mask", seed=7, anchor_spacing=5)
    write_dataset(tmp_path / "a", 1, spec)
    write_dataset(tmp_path / "b", 1, spec)
    a, b = tmp_path / "a" / "synth01", tmp_path / "b" / "synth01"
    for name in ["groundtruth.txt", "anchor.value", "occlusion.tag", "color/00000005.jpg"]:
        assert (a / name).read_bytes() == (b / name).read_bytes(), name
    lines = (a / "groundtruth.txt").read_text().splitlines()
    assert len(lines) == 12 and len(list((a / "color").glob("*.jpg"))) == 12
    masks = [parse_region(line) for line in lines]
    assert all(isinstance(m, Mask) and m.mask.any() for m in masks)
    anchors = [int(v) for v in (a / "anchor.value").read_text().split()]
    assert anchors[0] == 1 and anchors[-1] == -1 and set(anchors) <= {-1, 0, 1}
    assert "occlusion" not in (a / "sequence").read_text() and "length=12" in (a / "sequence").read_text()
    (tmp_path / "c").mkdir()
    write_dataset(tmp_path / "c", 1, SequenceSpec(length=12, region="polygon", seed=8))
    polys = [parse_region(line) for line in (tmp_path / "c" / "synth01" / "groundtruth.txt").read_text().splitlines()]
    assert all(isinstance(p, Polygon) and p.points.shape == (4, 2) for p in polys)
    other = (tmp_path / "c" / "synth01" / "color" / "00000005.jpg").read_bytes()
    assert other != (a / "color" / "00000005.jpg").read_bytes()


def test_workspace_templates_and_errors(tmp_path):
    stock = {"vot2016/rgb", "vot2018/shortterm", "vot2020/shortterm"}
    assert set(available_stacks()) >= stock | {"vot2016/rgb-offline", "vot2018/shortterm-offline", "vot2020/shortterm-offline"}
    ws = materialize("vot2018/shortterm-offline", tmp_path / "ws", count=1, length=30)
    stack = (ws / "stack.yaml").read_text()
    assert "low: 3, high: 27" in stack and "{" not in stack.replace("{type", "")
    assert (ws / "sequences" / "list.txt").read_text().split() == ["vot2018-01"]
    # D3S, D3S-MS, RPVT, their three -lite twins, RPVT-lite-realtime, the two VOTS entries, the static-box baseline
    assert (ws / "trackers.ini").read_text().count("command = rpvt_tracker.vot.server") == 10
    assert set(available_stacks()) >= {"vots2025/main", "vots2025/realtime", "vots2025/main-offline"}
    vots = materialize("vots2025/main-offline", tmp_path / "vots", count=2, length=12)
    assert (vots / "sequences" / "list.txt").read_text().split() == ["vots2025-01", "vots2025-02"]
    assert "multiobject: True" in (vots / "stack.yaml").read_text()
    assert len(list((vots / "sequences" / "vots2025-01").glob("groundtruth_*.txt"))) >= 2
    real = materialize("vot2020/shortterm", tmp_path / "real")
    assert "stack: vot2020/shortterm" in (real / "config.yaml").read_text() and not (real / "sequences").exists()
    with pytest.raises(ValueError, match="unknown workspace template 'vot2019/x'; available: vot2016/rgb"):
        materialize("vot2019/x", tmp_path / "x")
    with pytest.raises(FileExistsError, match="not empty"):
        materialize("vot2016/rgb", ws)
    with pytest.raises(FileNotFoundError, match="no DAVIS folder here"):
        materialize("vot2020/shortterm-davis", tmp_path / "d", davis=tmp_path / "nowhere")
    assert not (tmp_path / "d").exists()  # nothing written before the check


def fake_analysis(ws, trackers, eao):
    """An analysis file in the toolkit 0.7.4 layout (as read off a real run)."""
    (ws / "analysis").mkdir(parents=True)
    analyses = [
        {"type": "vot.analysis.supervised.AverageAccuracyRobustness"},
        {"type": "vot.analysis.failures.CumulativeFailureCount"},
        {"type": "vot.analysis.supervised.EAOScore"},
    ]
    results = [[[0.6, 0.5, [0.4, 0.6], 20.0]] * len(trackers), [[1.0]] * len(trackers), [[e] for e in eao]]
    data = {"toolkit": "0.7.4", "trackers": {t: {} for t in trackers}, "results": {"baseline": {"parameters": {"analyses": analyses}, "results": results}}}
    (ws / "analysis" / "run.json").write_text(json.dumps(data))


def test_tables_from_an_analysis_file(tmp_path):
    ws = materialize("vot2016/rgb", tmp_path / "ws")
    fake_analysis(ws, ["D3S", "RPVT", "D3S-MS"], [0.4, 0.45, 0.42])
    result = read_analysis(ws)
    assert result.benchmark == "vot2016" and not result.offline
    # No sequences or results here: the paper's robustness cannot be computed, and says so; the
    # toolkit's failures per sequence still comes from the analysis.
    assert "no sequences, so the paper's robustness (failures per 100 frames) of RPVT is not computed" in result.warning
    text = markdown([result])
    assert "### Table 1: VOT2016" in text and "### Table 6: ablation on VOT2016" in text
    rows = [line for line in text.splitlines() if line.startswith("| RPVT | measured")]
    assert rows[0] == "| RPVT | measured | 0.450 | 0.600 | - | 0.500 |"
    assert f"| RPVT | published (paper) | {PUBLISHED['vot2016']['RPVT'][0]:.3f}" in text


def test_tables_warn_about_a_stale_analysis_cache(tmp_path):
    ws = materialize("vot2016/rgb", tmp_path / "ws")
    fake_analysis(ws, ["D3S"], [0.4])
    (ws / "cache" / "analysis").mkdir(parents=True)
    (ws / "cache" / "analysis" / "entry").write_text("old")
    old = time.time() - 100
    os.utime(ws / "cache" / "analysis" / "entry", (old, old))
    (ws / "results" / "D3S").mkdir(parents=True)
    (ws / "results" / "D3S" / "seq_001.txt").write_text("1\n")
    assert "may hold old numbers" in read_analysis(ws).warning


def test_tables_errors_name_the_problem(tmp_path):
    with pytest.raises(FileNotFoundError, match="not a VOT workspace"):
        read_analysis(tmp_path)
    ws = materialize("vot2020/shortterm", tmp_path / "ws")
    with pytest.raises(FileNotFoundError, match="no analysis JSON"):
        read_analysis(ws)
    with pytest.raises(FileNotFoundError, match=r"paper.json: no such analysis"):
        read_analysis(ws, "paper")
