"""``rpvt ablation``: the three variants trained by one recipe from one starting point, evaluated
by the real toolkit in a workspace, Table 6 printed; the registry and result bookkeeping."""

from __future__ import annotations

import dataclasses
import re

import pytest
import torch

from rpvt_tracker import cli
from rpvt_tracker.train.ablation import entry_name, train_variants
from rpvt_tracker.train.config import TrainConfig
from rpvt_tracker.train.trainer import build_model
from rpvt_tracker.vot.evaluate import STAMP, Entry, drop_stale_results, register, stamp_results
from rpvt_tracker.vot.synthetic import SequenceSpec, write_dataset
from rpvt_tracker.vot.workspace import materialize

TINY = ["--epochs", "1", "--iterations", "2", "--batch-size", "2", "--crop-size", "64", "--workers", "0", "--val-batches", "1",
        "--device", "cpu", "--no-amp", "--quiet"]


@pytest.fixture(scope="module")
def data(tmp_path_factory) -> str:
    root = tmp_path_factory.mktemp("synth")
    write_dataset(root, 2, SequenceSpec(length=16, region="mask", seed=5, target_size=(48, 36)))
    return f"vot={root}"


def test_ablation_trains_identically_evaluates_with_the_toolkit_and_prints_table_6(data, tmp_path, capsys):
    ws = materialize("vot2016/rgb-offline", tmp_path / "ws", count=1, length=20)
    out = tmp_path / "ablation"
    args = ["ablation", "--backbone", "efficientnet-lite0", "--dataset", data, "--output", str(out), "--workspace", str(ws), *TINY]
    assert cli.main(args) == 0
    printed = capsys.readouterr().out

    # One recipe: the saved training configurations differ in the variant only; one start: no
    # init file, so each begins from the ImageNet backbone with the seed's fresh weights -- the
    # backbone side (packaged body and adapters) identical in all three.
    saved = {v: torch.load(out / f"{v}-lite.pth", weights_only=True) for v in ("d3s", "d3s-ms", "rpvt")}
    recipes = [{k: x for k, x in s["metadata"]["training"].items() if k != "variant"} for s in saved.values()]
    assert recipes[0] == recipes[1] == recipes[2] and recipes[0]["init"] is None and recipes[0]["seed"] == 0
    assert [s["metadata"]["training"]["variant"] for s in saved.values()] == ["d3s", "d3s-ms", "rpvt"]
    starts = [build_model(TrainConfig(**s["metadata"]["training"])).feature_extractor.state_dict() for s in saved.values()]
    assert all(torch.equal(starts[0][k], other[k]) for other in starts[1:] for k in starts[0])

    # Evaluated under their own names, the results tied to the checkpoints they came from.
    names = ["D3S-lite-ablation", "D3S-MS-lite-ablation", "RPVT-lite-ablation"]
    registry = (ws / "trackers.ini").read_text()
    for name, variant in zip(names, ("d3s", "d3s-ms", "rpvt")):
        assert f"[{name}]" in registry and f"env_RPVT_WEIGHTS = {(out / f'{variant}-lite.pth').resolve()}" in registry
        assert (ws / "results" / name / STAMP).is_file()
        assert list((ws / "results" / name / "baseline").glob("*/*_001.bin"))
    assert registry.count("[RPVT-lite]") == 1  # the copied registry's entries are kept

    # Table 6 in the paper's layout: the three measured rows with finite EAO, accuracy, robustness.
    start = printed.index("### Table 6 (paper layout)")
    table = printed[start:printed.index("\n### ", start)]
    for name in names:
        cells = re.search(rf"^\| {re.escape(name)} \(measured\) \| ([^|]+) \| ([^|]+) \| ([^|]+) \|$", table, re.M)
        assert cells, table
        eao, accuracy, robustness = (float(c.strip()) for c in cells.groups())
        assert 0 < eao <= 1 and 0 < accuracy <= 1 and robustness >= 0
    assert "(published)" not in table  # the paper's rows are ResNet-50 ones, not set beside lite
    assert table in (out / "tables.md").read_text()

    # Evaluating again without training keeps the stamped results (nothing is re-run).
    before = {p: p.stat().st_mtime_ns for p in (ws / "results").rglob("*_001.bin")}
    assert cli.main(["ablation", "--backbone", "efficientnet-lite0", "--output", str(out), "--workspace", str(ws),
                     "--skip-training", *TINY]) == 0  # no --dataset: nothing is trained
    assert {p: p.stat().st_mtime_ns for p in (ws / "results").rglob("*_001.bin")} == before


def entries(tmp_path, payloads: dict[str, bytes]) -> list[Entry]:
    out = []
    for name, payload in payloads.items():
        (tmp_path / f"{name}.pth").write_bytes(payload)
        out.append(Entry(name, tmp_path / f"{name}.pth", "rpvt", "lite"))
    return out


def test_register_replaces_its_sections_and_keeps_the_rest(tmp_path):
    (tmp_path / "config.yaml").write_text("registry: [./trackers.ini]\n")
    (tmp_path / "trackers.ini").write_text("; a comment\n[Static]\nlabel = Static\n\n[A-ablation]\nlabel = old\nenv_X = 1\n\n[B]\nlabel = B\n")
    register(tmp_path, entries(tmp_path, {"A-ablation": b"a"}))
    text = (tmp_path / "trackers.ini").read_text()
    assert text.startswith("; a comment\n[Static]") and "[B]\nlabel = B" in text
    assert text.count("[A-ablation]") == 1 and "label = old" not in text and "env_RPVT_PARAMS = lite" in text
    with pytest.raises(FileNotFoundError, match="not a VOT workspace"):
        register(tmp_path / "nowhere", [])


def test_results_of_another_checkpoint_are_dropped(tmp_path):
    es = entries(tmp_path, {"A": b"first", "B": b"same"})
    for e in es:
        (tmp_path / "results" / e.name / "baseline").mkdir(parents=True)
    stamp_results(tmp_path, es)
    (tmp_path / "cache").mkdir()
    assert drop_stale_results(tmp_path, es) == [] and (tmp_path / "cache").is_dir()
    (tmp_path / "A.pth").write_bytes(b"retrained")
    assert drop_stale_results(tmp_path, es) == ["A"]
    assert not (tmp_path / "results" / "A").exists() and (tmp_path / "results" / "B" / "baseline").is_dir()
    assert not (tmp_path / "cache").exists()  # cached analyses of the old results go too


def test_ablation_refuses_unequal_or_random_starts(data, tmp_path, capsys):
    lite = TrainConfig(backbone="efficientnet-lite0", epochs=1, iterations=1)
    with pytest.raises(ValueError, match="init_dir"):
        train_variants(dataclasses.replace(lite, init="x.pth"), [data], tmp_path)
    with pytest.raises(ValueError, match="ImageNet weights"):
        train_variants(TrainConfig(epochs=1, iterations=1), [data], tmp_path)
    (tmp_path / "stage1").mkdir()
    (tmp_path / "stage1" / "d3s-lite.pth").write_bytes(b"")
    with pytest.raises(FileNotFoundError, match=r"stage1/d3s-ms-lite\.pth: missing"):
        train_variants(lite, [data], tmp_path / "out", init_dir=tmp_path / "stage1")
    assert cli.main(["ablation", "--backbone", "efficientnet-lite0", "--output", str(tmp_path / "x"), *TINY]) == 2
    assert "--dataset is required to train" in capsys.readouterr().err
    assert cli.main(["ablation", "--backbone", "efficientnet-lite0", "--output", str(tmp_path / "x"), "--skip-training"]) == 2
    assert "--skip-training: no checkpoint at" in capsys.readouterr().err
    assert entry_name("d3s-ms", "resnet50") == "D3S-MS-ablation" and entry_name("rpvt", "efficientnet-lite0") == "RPVT-lite-ablation"


def test_ablation_under_torchrun_trains_all_three_in_one_process_group(data, tmp_path):
    """One torchrun job trains the three variants in turn: the group formed for the first must
    serve the next two (gloo cannot re-form one in the same job) and every variant's replicas end equal."""
    import json
    import os
    import socket
    import subprocess
    import sys

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    out = tmp_path / "ddp"
    cmd = [sys.executable, "-m", "torch.distributed.run", "--nproc_per_node", "2", "--master_addr", "127.0.0.1",
           "--master_port", str(port), "-m", "rpvt_tracker.cli", "ablation", "--backbone", "efficientnet-lite0",
           "--dataset", data, "--output", str(out), *TINY]
    cmd[cmd.index("--batch-size") + 1] = "4"
    result = subprocess.run(cmd, capture_output=True, text=True, timeout=600, env={**os.environ, "OMP_NUM_THREADS": "1"})
    assert result.returncode == 0, result.stderr[-3000:]
    for variant in ("d3s", "d3s-ms", "rpvt"):
        info = json.loads((out / f"{variant}-lite.pth.processes.json").read_text())
        assert info["processes"] == 2 and len(set(info["weights_sha256"])) == 1, variant
        assert (out / f"{variant}-lite.pth").is_file()
