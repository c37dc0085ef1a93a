"""Generated multi-object (VOTS-style) sequences for the offline VOTS workspace and the tests.

A scene is a real photograph (the scikit-image wheel's, as in ``synthetic.py``) seen through a
slowly panning camera, with 2-4 textured targets cut from other photographs. Each target has a
depth (later targets pass in front of earlier ones) and a role:

* ``wander``: a smooth random path inside the frame;
* ``leave``: wanders near a side edge, leaves the view through it, stays out for a while and
  comes back through the same edge (the frames in between have empty ground truth);
* ``cross``: two targets sweep across the frame in opposite directions on nearly the same row,
  so the one in front hides most of the other as they pass.

Written in the VOT toolkit's multi-object format:

    <name>/color/00000001.jpg ...   frames
    <name>/groundtruth_<id>.txt     per target: its visible mask per frame (RLE; an empty mask
                                    where it is hidden or out of view); ids 1, 2, ...
    <name>/sequence                 metadata (name, fps, size, length, channel pattern)
    <name>/occlusion.tag, camera_motion.tag, absence.tag   per-frame 0/1 (any target)
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path

import cv2
import numpy as np

from ..geometry.regions import Mask, format_region
from .synthetic import _background, _composite, _path, _target

ROLES = ("wander", "leave", "cross")


@dataclass(frozen=True)
class SceneSpec:
    """One generated multi-object sequence.

    * ``length``: frames; ``size``: (width, height).
    * ``roles``: one per target, in depth order (the last is in front); ``cross`` comes in pairs.
    * ``seed``: everything random follows from it.
    * ``target_size``: nominal (width, height) of a target in pixels (each varies by +-15%).
    * ``speed``: peak speed of a wandering target, pixels per frame.
    """

    length: int = 60
    size: tuple[int, int] = (320, 240)
    roles: tuple[str, ...] = ("wander", "leave")
    seed: int = 0
    target_size: tuple[int, int] = (60, 44)
    speed: float = 2.5
    fps: int = 30

    def __post_init__(self) -> None:
        unknown = sorted(set(self.roles) - set(ROLES))
        if unknown or not self.roles:
            raise ValueError(f"roles must be a non-empty list of {', '.join(ROLES)}; got {list(self.roles)}")
        if self.roles.count("cross") % 2:
            raise ValueError(f"'cross' targets come in pairs; got {list(self.roles)}")
        if self.length < 10:
            raise ValueError(f"a scene needs >= 10 frames, got {self.length}")


def _leave_offset(n: int, width: int, x: np.ndarray, tw: float) -> np.ndarray:
    """(n,) horizontal offsets that carry a target at ``x`` (n,) fully out of the view through
    the nearer side edge over [0.3n, 0.42n], keep it out until 0.6n, and bring it back by 0.72n."""
    t = np.arange(n, dtype=np.float64)
    ramp = np.clip((t - 0.3 * n) / (0.12 * n), 0, 1) * np.clip((0.72 * n - t) / (0.12 * n), 0, 1)
    right = x[int(0.3 * n)] > width / 2
    # Far enough that the whole (rotated, scaled-up) target is past the edge.
    distance = (width - x + 0.9 * tw) if right else -(x + 0.9 * tw)
    return ramp * distance


def _layout(spec: SceneSpec, rng: np.random.Generator):
    """Background (panned crop per frame) and targets: [(texture, alpha, centres (n, 2), angles
    (n,), scales (n,))] in depth order."""
    width, height = spec.size
    n = spec.length
    background = _background(rng, spec.size)
    pan = _path(rng, n, np.zeros(2), np.array(background.shape[1::-1]) - [width, height], 1.0)
    crossing = [i for i, r in enumerate(spec.roles) if r == "cross"]
    wandering = [i for i, r in enumerate(spec.roles) if r == "wander"]
    lane = rng.uniform(0.35, 0.65) * height
    targets = []
    for i, role in enumerate(spec.roles):
        tw, th = (int(round(v * rng.uniform(0.85, 1.15))) for v in spec.target_size)
        texture, alpha = _target(rng, (tw, th))
        margin = np.array([0.6 * tw, 0.6 * th])
        if role == "cross":
            k = crossing.index(i)
            forward = k % 2 == 0
            x = np.linspace(0.15, 0.85, n) * width
            x = x if forward else x[::-1]
            y = lane + (k // 2) * 0.3 * height * (-1) ** (k // 2) + (0.12 if forward else -0.12) * th
            centres = np.stack([x, np.full(n, y) + 4 * np.sin(np.arange(n) / 7.0 + k)], axis=1)
        elif role == "leave":
            side = 0.8 if rng.random() < 0.5 else 0.2
            lo = np.array([side * width - 0.1 * width, margin[1]])
            hi = np.array([side * width + 0.1 * width, height - margin[1]])
            centres = _path(rng, n, lo, hi, spec.speed)
            centres[:, 0] += _leave_offset(n, width, centres[:, 0], tw)
        else:  # each wanderer keeps to its own band of rows (they still meet at the edges)
            band = (height - 2 * margin[1]) / len(wandering)
            top = margin[1] + band * wandering.index(i)
            centres = _path(rng, n, np.array([margin[0], top]), np.array([width - margin[0], top + band]), spec.speed)
        angles = 15 * np.sin(2 * math.pi * np.arange(n) / rng.uniform(60, 120) + rng.uniform(0, 6.3))
        scales = 1.0 + 0.12 * np.sin(2 * math.pi * np.arange(n) / rng.uniform(50, 100) + rng.uniform(0, 6.3))
        targets.append((texture, alpha, centres, angles, scales))
    return background, pan, targets


def _frame(spec: SceneSpec, background, pan, targets, t: int):
    """Frame ``t``: (RGB image, visible masks, whole masks), targets drawn back to front."""
    width, height = spec.size
    x0, y0 = pan[t].astype(int)
    frame = background[y0 : y0 + height, x0 : x0 + width].copy()
    full = []
    for texture, alpha, centres, angles, scales in targets:
        frame, weight, _ = _composite(frame, texture, alpha, centres[t], angles[t], scales[t])
        full.append(weight > 0.5)
    visible = []
    for i, mask in enumerate(full):
        hidden = np.zeros_like(mask)
        for front in full[i + 1 :]:
            hidden |= front
        visible.append(mask & ~hidden)
    return frame, visible, full


def render(spec: SceneSpec):
    """Yield (frame RGB (H, W, 3), visible masks [(H, W) bool per target], tags dict) per frame.

    Every target is at least 70% visible on the first frame, as VOTS gives its targets there:
    layouts that hide one are redrawn (deterministically, from the seed)."""
    for attempt in range(50):
        rng = np.random.default_rng([spec.seed, attempt])
        background, pan, targets = _layout(spec, rng)
        _, visible, full = _frame(spec, background, pan, targets, 0)
        if all(np.count_nonzero(v) >= 0.7 * np.count_nonzero(f) > 0 for v, f in zip(visible, full)):
            break
    else:
        raise ValueError(f"no layout of {len(spec.roles)} targets in {spec.size} shows them all on the first frame")
    for t in range(spec.length):
        frame, visible, full = _frame(spec, background, pan, targets, t)
        tags = {
            "occlusion": int(any(np.count_nonzero(v) < 0.9 * np.count_nonzero(f) for v, f in zip(visible, full) if f.any())),
            "camera_motion": int(t > 0 and np.abs(pan[t] - pan[t - 1]).max() > 0.5),
            "absence": int(any(not v.any() for v in visible)),
        }
        yield frame, visible, tags


def write_scene(root: str | Path, name: str, spec: SceneSpec) -> Path:
    """Write one multi-object sequence folder under ``root``; returns its path."""
    path = Path(root) / name
    (path / "color").mkdir(parents=True, exist_ok=True)
    lines: list[list[str]] = [[] for _ in spec.roles]
    tags: dict[str, list[int]] = {}
    for t, (frame, visible, frame_tags) in enumerate(render(spec)):
        cv2.imwrite(str(path / "color" / f"{t + 1:08d}.jpg"), cv2.cvtColor(frame, cv2.COLOR_RGB2BGR), [cv2.IMWRITE_JPEG_QUALITY, 92])
        for i, mask in enumerate(visible):
            lines[i].append(format_region(Mask(mask)))
        for key, value in frame_tags.items():
            tags.setdefault(key, []).append(value)
    for i, object_lines in enumerate(lines):
        (path / f"groundtruth_{i + 1}.txt").write_text("\n".join(object_lines) + "\n")
    for key, values in tags.items():
        (path / f"{key}.tag").write_text("\n".join(map(str, values)) + "\n")
    width, height = spec.size
    (path / "sequence").write_text(
        f"channels.color=color/%08d.jpg\nfps={spec.fps}\nformat=default\nname={name}\n"
        f"width={width}\nheight={height}\nlength={spec.length}\n"
    )
    return path


def scene_roles(rng: np.random.Generator) -> tuple[str, ...]:
    """2-4 targets: always one that leaves and comes back; a crossing pair in most scenes."""
    count = int(rng.integers(2, 5))
    roles = ["leave"] + (["cross", "cross"] if count >= 3 or rng.random() < 0.5 else ["wander"])
    roles += ["wander"] * (count - len(roles))
    order = rng.permutation(len(roles))
    return tuple(roles[i] for i in order)


def write_scenes(root: str | Path, count: int, spec: SceneSpec, *, prefix: str = "scene") -> list[str]:
    """``count`` scenes (seeds spec.seed, spec.seed + 1, ...; roles drawn per seed by
    ``scene_roles``) plus ``list.txt``."""
    root = Path(root)
    root.mkdir(parents=True, exist_ok=True)
    names = []
    for i in range(count):
        seed = spec.seed + i
        name = f"{prefix}{i + 1:02d}"
        roles = scene_roles(np.random.default_rng([seed, 7]))
        write_scene(root, name, SceneSpec(**{**spec.__dict__, "seed": seed, "roles": roles}))
        names.append(name)
    (root / "list.txt").write_text("\n".join(names) + "\n")
    return names
