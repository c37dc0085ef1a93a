"""The training loop: one process, or several under ``torchrun`` (DistributedDataParallel).

Files written next to ``output`` (a checkpoint in rpvt-tracker's format, loadable by
``rpvt track`` and the TraX server):

* ``<output>.state.pth`` -- after every epoch: weights, optimiser, LR schedule, AMP scaler and
  the epoch count, so ``--resume`` continues an interrupted run on the same schedule;
* ``<output>.log.csv`` -- one row per ``log_every`` iterations (mean loss, learning rate) and
  per validation (mean IoU), appended across resumes;
* ``<output>.processes.json`` -- with several processes: each one's weight digest at the end
  (checked equal).
"""

from __future__ import annotations

import csv
import hashlib
import json
import os
import time
import warnings
from dataclasses import dataclass
from pathlib import Path

import torch
import torch.distributed as dist
from torch.nn.parallel import DistributedDataParallel
from torch.utils.data import DataLoader, Subset
from tqdm import tqdm

from ..devices import resolve_device
from ..models import SegmentationNetwork, build_network, load_network, save_checkpoint
from ..models.checkpoint import load_backbone
from .config import TrainConfig
from .datasets import Track, load_dataset
from .loss import iou, segmentation_loss
from .pairs import PairDataset


@dataclass(frozen=True)
class Process:
    rank: int
    world: int
    device: torch.device

    @property
    def main(self) -> bool:
        return self.rank == 0


def setup_process(device: str) -> Process:
    """Join the torchrun process group when there is one (NCCL on GPUs, gloo on CPUs)."""
    world = int(os.environ.get("WORLD_SIZE", "1"))
    rank = int(os.environ.get("RANK", "0"))
    dev = resolve_device(device)
    if dev.type == "cuda" and world > 1:
        dev = torch.device("cuda", int(os.environ.get("LOCAL_RANK", "0")))
        torch.cuda.set_device(dev)
    if world > 1 and not dist.is_initialized():
        dist.init_process_group("nccl" if dev.type == "cuda" else "gloo")
    return Process(rank, world, dev)


def build_model(config: TrainConfig) -> SegmentationNetwork:
    torch.manual_seed(config.seed)  # identical fresh stages on every process
    if config.init:
        net = load_network(config.init, variant=config.variant)
        if net.config.backbone != config.backbone:
            raise ValueError(f"{config.init}: has backbone {net.config.backbone!r}, but {config.backbone!r} was asked for")
        return net
    net = build_network(config.variant, backbone=config.backbone)
    if config.backbone_weights:
        if config.backbone != "resnet50":
            raise ValueError(f"backbone_weights is a ResNet-50 state dict; {config.backbone!r} brings its own weights")
        net.feature_extractor.load_state_dict(load_backbone(config.backbone_weights).state_dict())
    return net


def to_device(batch: dict[str, torch.Tensor], device: torch.device) -> dict[str, torch.Tensor]:
    """A batch of (B, C, H, W) tensors on ``device``; channels-last on the CPU, where it makes the
    network's convolutions about 2x faster (BENCHMARKS.md, "Training")."""
    layout = torch.channels_last if device.type == "cpu" else torch.preserve_format
    return {k: v.to(device, non_blocking=True, memory_format=layout) for k, v in batch.items()}


def split_tracks(tracks: list[Track], fraction: float) -> tuple[list[Track], list[Track]]:
    """Hold out every k-th track for validation (at least one, unless there is only one)."""
    if len(tracks) < 2 or fraction <= 0:
        return tracks, tracks
    step = max(2, round(1 / fraction))
    val = tracks[::step]
    train = [t for k, t in enumerate(tracks) if k % step]
    return train, val


def weights_digest(net: torch.nn.Module) -> str:
    h = hashlib.sha256()
    for name, tensor in sorted(net.state_dict().items()):
        h.update(name.encode())
        h.update(tensor.detach().cpu().contiguous().numpy().tobytes())
    return h.hexdigest()[:16]


def train(config: TrainConfig, datasets: list[str], output: str | Path, *, resume: bool = False, progress: bool = True) -> Path:
    output = Path(output)
    # A caller that trains several models in one torchrun job (rpvt ablation) keeps its group:
    # gloo cannot re-form a group in the same job once it has been destroyed.
    owns_group = not (dist.is_available() and dist.is_initialized())
    proc = setup_process(config.device)
    if config.batch_size % proc.world:
        raise ValueError(f"batch size {config.batch_size} does not split over {proc.world} processes")
    per_rank = config.batch_size // proc.world
    tracks = [t for spec in datasets for t in load_dataset(spec)]
    train_tracks, val_tracks = split_tracks(tracks, config.val_fraction)

    net = build_model(config).to(proc.device)
    head = [p for p in net.parameters() if p.requires_grad]
    optimizer = torch.optim.Adam(head, lr=config.lr)
    schedule = torch.optim.lr_scheduler.StepLR(optimizer, step_size=config.lr_step, gamma=config.lr_gamma)
    use_amp = config.amp and proc.device.type == "cuda"
    scaler = torch.amp.GradScaler("cuda", enabled=use_amp)
    state_file = output.with_name(output.name + ".state.pth")
    log_file = output.with_name(output.name + ".log.csv")
    start = 0
    if resume and state_file.is_file():
        state = torch.load(state_file, map_location="cpu", weights_only=True)
        net.load_state_dict(state["network"])
        optimizer.load_state_dict(state["optimizer"])
        schedule.load_state_dict(state["schedule"])
        scaler.load_state_dict(state["scaler"])
        start = int(state["epochs_done"])
    elif proc.main:
        output.parent.mkdir(parents=True, exist_ok=True)
        log_file.unlink(missing_ok=True)
    model = DistributedDataParallel(net) if proc.world > 1 else net

    train_set = PairDataset(train_tracks, config, config.iterations * config.batch_size, seed=config.seed)
    val_set = PairDataset(val_tracks, config, config.val_batches * config.batch_size, seed=config.seed + 1)

    def loader(dataset: PairDataset) -> DataLoader:
        part = Subset(dataset, range(proc.rank, len(dataset), proc.world))
        return DataLoader(part, batch_size=per_rank, num_workers=config.workers, drop_last=True, pin_memory=proc.device.type == "cuda")

    def log(row: dict) -> None:
        if proc.main:
            new = not log_file.exists()
            with log_file.open("a", newline="") as f:
                writer = csv.DictWriter(f, fieldnames=["epoch", "iteration", "split", "loss", "iou", "lr", "seconds"])
                if new:
                    writer.writeheader()
                writer.writerow({k: row.get(k, "") for k in writer.fieldnames})

    def mean_over_processes(value: torch.Tensor) -> float:
        if proc.world > 1:
            dist.all_reduce(value)
            value = value / proc.world
        return float(value)

    t0 = time.perf_counter()
    for epoch in range(start, config.epochs):
        train_set.set_epoch(epoch)
        if config.lr_decay_at_epoch_start:
            # D3S's trainer steps its scheduler before each epoch: with step 15 the 15th epoch
            # (1-based) already runs at the decayed rate. (PyTorch warns about a step before any
            # optimiser step; here that order is the recipe.)
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", UserWarning)
                schedule.step()
        model.train()
        if config.backbone_bn == "frozen":
            net.feature_extractor.eval()
        window = torch.zeros((), device=proc.device)
        bar = tqdm(loader(train_set), desc=f"epoch {epoch + 1}/{config.epochs}", disable=not (progress and proc.main), unit="it")
        for it, batch in enumerate(bar, 1):
            batch = to_device(batch, proc.device)
            with torch.autocast(proc.device.type, enabled=use_amp):
                out = model(batch["train_image"], batch["test_image"], batch["train_mask"], batch["test_distance"])
            loss, _ = segmentation_loss(out, batch["test_mask"], config.stage_loss_weight)
            optimizer.zero_grad(set_to_none=True)
            scaler.scale(loss).backward()
            scaler.step(optimizer)
            scaler.update()
            window += loss.detach()
            if it % config.log_every == 0:
                mean = mean_over_processes(window / config.log_every)
                window.zero_()
                bar.set_postfix(loss=f"{mean:.4f}")
                seconds = f"{time.perf_counter() - t0:.1f}"
                log({"epoch": epoch + 1, "iteration": it, "split": "train", "loss": f"{mean:.6f}", "lr": schedule.get_last_lr()[0], "seconds": seconds})
        if not config.lr_decay_at_epoch_start:
            schedule.step()
        if (epoch + 1) % config.val_every == 0 or epoch + 1 == config.epochs:
            score = validate(model, loader(val_set), proc)
            log({"epoch": epoch + 1, "split": "val", "iou": f"{mean_over_processes(score):.6f}", "seconds": f"{time.perf_counter() - t0:.1f}"})
        if proc.main:
            state = {
                "network": net.state_dict(), "optimizer": optimizer.state_dict(), "schedule": schedule.state_dict(),
                "scaler": scaler.state_dict(), "epochs_done": epoch + 1, "config": config.to_dict(),
            }
            torch.save(state, state_file.with_name(state_file.name + ".tmp"))
            state_file.with_name(state_file.name + ".tmp").replace(state_file)

    if proc.world > 1:  # DDP keeps replicas equal; check it rather than trust it
        digests = [None] * proc.world
        dist.all_gather_object(digests, weights_digest(net))
        if len(set(digests)) != 1:
            raise RuntimeError(f"processes ended with different weights: {digests}")
        if proc.main:
            output.with_name(output.name + ".processes.json").write_text(json.dumps({"processes": proc.world, "weights_sha256": digests}))
    if proc.main:
        save_checkpoint(net, output, metadata={"training": config.to_dict(), "datasets": list(datasets), "processes": proc.world})
    if proc.world > 1:
        dist.barrier()
        if owns_group:
            dist.destroy_process_group()
    return output


@torch.no_grad()
def validate(model: torch.nn.Module, data: DataLoader, proc: Process) -> torch.Tensor:
    model.eval()
    total, count = torch.zeros((), device=proc.device), 0
    for batch in data:
        batch = to_device(batch, proc.device)
        out = model(batch["train_image"], batch["test_image"], batch["train_mask"], batch["test_distance"])
        total += iou(out.logits, batch["test_mask"]).sum()
        count += batch["test_mask"].shape[0]
    model.train()
    return total / max(count, 1)
