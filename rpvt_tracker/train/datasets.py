"""Training data: object tracks (frames + per-frame masks of one object) from video datasets.

* ``youtube-vos``: the 2018/2019 train layout, ``JPEGImages/<video>/<frame>.jpg``,
  ``Annotations/<video>/<frame>.png`` (palette PNGs, pixel value = object id) and ``meta.json``
  (``videos.<video>.objects.<id>.frames``); boxes are derived from the masks.
* ``davis``: DAVIS 2016 (binary masks) or 2017 (palette masks, several objects),
  ``JPEGImages/480p/<seq>/*.jpg`` and ``Annotations/480p/<seq>/*.png``; optional
  ``ImageSets/.../*.txt`` are not needed -- every sequence folder present is used.
* ``vot``: VOT-format sequences (e.g. the generated ones of ``rpvt workspace ... -offline``)
  whose ``groundtruth.txt`` holds masks (RLE) or polygons (filled).
* ``coco``: still photographs with instance polygons in the YOLO segmentation layout
  (``images/<split>/<id>.jpg``, ``labels/<split>/<id>.txt``, one ``class x1 y1 x2 y2 ...`` line an
  instance, coordinates in [0, 1]), e.g. COCO128-seg. Each image gives one one-frame track, its
  largest instance; such tracks only ever serve as objects pasted onto video (``pairs.py``).
* ``coco-instances``: still photographs with a COCO ``instances.json`` (``images/`` beside it,
  polygons or RLE), e.g. ``shared/data/coco-context``. Every instance big enough to track is a
  one-frame track *in context*: its pairs are two views of its own photograph, everything it
  touches still there (``context.py``), never a cut-out.

Masks are read lazily; only the list of (frame, mask) files is built up front.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

import cv2
import numpy as np
from PIL import Image

from ..tracking.frames import read_frame


@dataclass(frozen=True)
class Track:
    """One object in one video.

    * ``frames``: image files in temporal order.
    * ``load_mask``: frame index -> (H, W) bool mask of this object (empty when not visible).
    * ``visible``: indices of frames where the object is annotated and visible (if known
      without reading masks; else all).
    * ``context``: a still photograph whose pairs keep the object in place (``context.py``).
    """

    name: str
    frames: tuple[Path, ...]
    load_mask: Callable[[int], np.ndarray]
    visible: tuple[int, ...]
    context: bool = False


def read_rgb(path: Path) -> np.ndarray:
    """A frame as H x W x 3 uint8 RGB: the tracker's own reader, so training sees what tracking sees."""
    return read_frame(path)


def _palette_mask(path: Path, object_id: int | None) -> np.ndarray:
    """object_id None: any non-zero pixel (binary masks, e.g. DAVIS 2016's 0/255)."""
    if not path.is_file():
        return np.zeros((1, 1), bool)
    values = np.asarray(Image.open(path))
    if values.ndim == 3:
        values = values[..., 0]
    return values > 0 if object_id is None else values == object_id


def _require(path: Path, what: str) -> Path:
    if not path.exists():
        raise FileNotFoundError(f"{path}: missing ({what})")
    return path


def youtube_vos(root: str | Path, *, min_visible: int = 5, only: tuple[str, ...] | None = None) -> list[Track]:
    root = Path(root)
    meta = _require(root / "meta.json", "YouTube-VOS meta.json")
    images, annotations = _require(root / "JPEGImages", "YouTube-VOS frames"), _require(root / "Annotations", "YouTube-VOS masks")
    try:
        videos = json.loads(meta.read_text())["videos"]
    except (ValueError, KeyError) as err:
        raise ValueError(f"{meta}: not a YouTube-VOS meta.json ({err})") from None
    if only is not None:
        for name in only:
            if name not in videos:
                raise ValueError(f"{meta}: no video {name!r}")
        videos = {k: v for k, v in videos.items() if k in only}
    tracks = []
    for video, info in sorted(videos.items()):
        frames = tuple(sorted((images / video).glob("*.jpg")))
        if not frames:
            continue
        index = {f.stem: i for i, f in enumerate(frames)}
        for obj_id, obj in sorted(info.get("objects", {}).items()):
            visible = tuple(index[f] for f in obj.get("frames", []) if f in index)
            if len(visible) < min_visible:
                continue
            oid = int(obj_id)
            load = lambda i, v=video, fr=frames, o=oid: _palette_mask(annotations / v / f"{fr[i].stem}.png", o)  # noqa: E731
            tracks.append(Track(f"{video}/{obj_id}", frames, load, visible))
    if not tracks:
        raise ValueError(f"{root}: no YouTube-VOS object with >= {min_visible} annotated frames")
    return tracks


def davis(root: str | Path, *, resolution: str = "480p", min_visible: int = 5, only: tuple[str, ...] | None = None) -> list[Track]:
    """``only``: the sequence names to use (all present if None); a missing one is an error."""
    root = Path(root)
    images = _require(root / "JPEGImages" / resolution, "DAVIS frames")
    annotations = _require(root / "Annotations" / resolution, "DAVIS masks")
    tracks = []
    folders = sorted(p for p in images.iterdir() if p.is_dir())
    if only is not None:
        for name in only:
            _require(images / name, "DAVIS sequence")
        folders = [p for p in folders if p.name in only]
    for seq in folders:
        frames = tuple(sorted(seq.glob("*.jpg")))
        masks = [annotations / seq.name / f"{f.stem}.png" for f in frames]
        if not frames or not masks[0].is_file():
            continue
        first = np.asarray(Image.open(masks[0]))
        first = first[..., 0] if first.ndim == 3 else first
        ids = sorted(int(v) for v in np.unique(first) if v != 0)
        binary = ids == [255] or ids == [1]  # DAVIS 2016 style: one object
        for oid in ([None] if binary else ids):
            load = lambda i, m=masks, o=oid: _palette_mask(m[i], o)  # noqa: E731
            visible = tuple(i for i, m in enumerate(masks) if m.is_file())
            if len(visible) >= min_visible:
                tracks.append(Track(seq.name if oid is None else f"{seq.name}/{oid}", frames, load, visible))
    if not tracks:
        raise ValueError(f"{root}: no DAVIS sequence with masks under {images}")
    return tracks


def vot_sequences(root: str | Path, *, min_visible: int = 5, only: tuple[str, ...] | None = None) -> list[Track]:
    """VOT sequence folders, read by the tracker's own reader (``tracking.sequence.Sequence``:
    frame order, frame count against the ground truth, region parsing), one mask a frame."""
    from ..geometry.regions import Special, rasterize
    from ..tracking.sequence import Sequence

    root = Path(root)
    folders = [p for p in sorted(_require(root, "VOT sequences folder").iterdir()) if (p / "groundtruth.txt").is_file()]
    if only is not None:
        for name in only:
            _require(root / name / "groundtruth.txt", "VOT sequence")
        folders = [p for p in folders if p.name in only]
    tracks = []
    for folder in folders:
        seq = Sequence.open(folder)
        regions = seq.groundtruth
        if len(regions) != len(seq.frames):
            raise ValueError(f"{folder}: training needs a ground-truth line for each of its {len(seq.frames)} frames, found {len(regions)}")
        shape = seq.read(0).shape[:2]

        def load(i, regions=regions, shape=shape):
            r = regions[i]
            return np.zeros(shape, bool) if isinstance(r, Special) else rasterize(r, shape)

        visible = tuple(i for i, r in enumerate(regions) if not isinstance(r, Special))
        if len(visible) >= min_visible:
            tracks.append(Track(seq.name, seq.frames, load, visible))
    if not tracks:
        raise ValueError(f"{root}: no VOT sequence (folders with groundtruth.txt) found")
    return tracks


def coco_polygons(root: str | Path, *, min_area: float = 0.01, only: tuple[str, ...] | None = None) -> list[Track]:
    """``min_area``: smallest instance, as a fraction of the image; ``only``: image ids."""
    root = Path(root)
    labels = sorted(_require(root / "labels", "YOLO-segmentation labels").rglob("*.txt"))
    if only is not None:
        labels = [p for p in labels if p.stem in only]
        missing = set(only) - {p.stem for p in labels}
        if missing:
            raise ValueError(f"{root}: no label file for image(s) {', '.join(sorted(missing))}")
    tracks = []
    for label in labels:
        image = root / "images" / label.parent.relative_to(root / "labels") / f"{label.stem}.jpg"
        if not image.is_file():
            continue
        best, best_area = None, 0.0
        for k, line in enumerate(label.read_text().splitlines(), 1):
            values = line.split()
            if len(values) < 7 or (len(values) - 1) % 2:
                raise ValueError(f"{label}:{k}: expected 'class x1 y1 x2 y2 x3 y3 ...', got {len(values)} values")
            pts = np.asarray(values[1:], np.float64).reshape(-1, 2)
            area = 0.5 * abs(float(np.dot(pts[:, 0], np.roll(pts[:, 1], 1)) - np.dot(pts[:, 1], np.roll(pts[:, 0], 1))))
            if area > best_area:
                best, best_area = pts, area
        if best is None or best_area < min_area:
            continue

        def load(i, pts=best, image=image):
            h, w = read_rgb(image).shape[:2]
            mask = np.zeros((h, w), np.uint8)
            cv2.fillPoly(mask, [np.round(pts * [w, h]).astype(np.int32)], 1)
            return mask.astype(bool)

        tracks.append(Track(f"coco/{label.stem}", (image,), load, (0,)))
    if not tracks:
        raise ValueError(f"{root}: no instance covering >= {min_area:.0%} of its image under {root / 'labels'}")
    return tracks


#: coco-context photographs of a held or worn thing touching a person, the clips of
#: benchmarks/held_objects.py (every third such photograph by id, 17 of 50): never trained on.
HELD_OBJECT_IMAGES = (
    "000000005001", "000000020992", "000000060623", "000000085329", "000000106499", "000000168974",
    "000000233771", "000000261888", "000000311002", "000000322517", "000000343937", "000000370162",
    "000000456496", "000000516168", "000000536038", "000000547503", "000000565248",
)
#: COCO images used as unseen material (tests/data/held_object, the benchmark's): never trained on.
TEST_IMAGES = ("000000547336",) + HELD_OBJECT_IMAGES


def coco_instances(root: str | Path, *, min_side: int = 12, min_area: float = 0.001, only: tuple[str, ...] | None = None) -> list[Track]:
    """Every non-crowd instance whose box is >= ``min_side`` pixels a side and >= ``min_area``
    of its image; ``only``: image ids (the 12-digit file stems). Masks are decoded when read."""
    root = Path(root)
    path = _require(root / "instances.json", "COCO instances file")
    try:
        data = json.loads(path.read_text())
        images = {im["id"]: im for im in data["images"]}
        annotations = data["annotations"]
    except (ValueError, KeyError, TypeError) as err:
        raise ValueError(f"{path}: not a COCO instances file ({err})") from None
    if only is not None:
        stems = {Path(im["file_name"]).stem for im in images.values()}
        missing = set(only) - stems
        if missing:
            raise ValueError(f"{path}: no image(s) {', '.join(sorted(missing))}")
    tracks = []
    for ann in annotations:
        im = images.get(ann["image_id"])
        if im is None:
            raise ValueError(f"{path}: annotation {ann.get('id')} names image {ann['image_id']}, which is not listed")
        stem = Path(im["file_name"]).stem
        # Crowds (RLE) are regions of many objects, not a target.
        if ann.get("iscrowd") or not isinstance(ann["segmentation"], list) or stem in TEST_IMAGES or (only is not None and stem not in only):
            continue
        w, h = ann["bbox"][2:]
        if min(w, h) < min_side or ann["area"] < min_area * im["width"] * im["height"]:
            continue
        load = lambda i, polys=ann["segmentation"], shape=(im["height"], im["width"]): _polygons_mask(polys, shape)  # noqa: E731
        tracks.append(Track(f"coco/{stem}/{ann['id']}", (root / "images" / im["file_name"],), load, (0,), context=True))
    if not tracks:
        raise ValueError(f"{path}: no instance of >= {min_side} pixels a side and >= {min_area:.1%} of its image")
    return tracks


def _polygons_mask(polygons: list[list[float]], shape: tuple[int, int]) -> np.ndarray:
    mask = np.zeros(shape, np.uint8)
    cv2.fillPoly(mask, [np.round(np.asarray(p, np.float64).reshape(-1, 2)).astype(np.int32) for p in polygons], 1)
    return mask.astype(bool)


READERS = {"youtube-vos": youtube_vos, "davis": davis, "vot": vot_sequences, "coco": coco_polygons, "coco-instances": coco_instances}


def load_dataset(spec: str) -> list[Track]:
    """``NAME=PATH`` or ``NAME=PATH:SEQ,SEQ,...`` (only those sequences / videos), NAME in ``READERS``."""
    name, sep, path = spec.partition("=")
    if not sep or name not in READERS:
        raise ValueError(f"dataset must be NAME=PATH[:SEQ,...] with NAME one of {', '.join(READERS)}, got {spec!r}")
    only = None
    head, colon, tail = path.rpartition(":")
    if colon and tail and "/" not in tail:
        path, only = head, tuple(s for s in tail.split(",") if s)
    return READERS[name](path, only=only)
