"""One segmentation step: crop, network, threshold, largest contour, rotated box, image mask.

Pure functions of the tracker's numbers; the network call is passed in as ``logits_fn`` so the
tracker decides what runs (and tests can substitute oracle logits, as the reference runs did).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

import cv2
import numpy as np
import torch

from ..geometry import CropWindow, crop_window, fit_box_to_mask, largest_contour, min_area_box, paste_probability, sample_target
from ..geometry.boxfit import MIN_CONTOUR_AREA
from ..models.network import IMAGENET_MEAN, IMAGENET_STD
from .params import SegmentationParams

#: (crop (1, 3, S, S) normalised, crop box (x, y, w, h)) -> logits (1, 2, S, S), channel 0 = fg.
LogitsFn = Callable[[torch.Tensor, tuple[float, float, float, float]], torch.Tensor]

_MEAN = np.array(IMAGENET_MEAN, dtype=np.float64)
_STD = np.array(IMAGENET_STD, dtype=np.float64)


def _normalize(x: np.ndarray) -> np.ndarray:
    """(..., 3) uint8 RGB -> float32, ImageNet-normalised the way D3S does it (float32 /255, then
    mean and std applied in float64 and rounded back)."""
    x = x.astype(np.float32) / np.float32(255)
    return ((x.astype(np.float64) - _MEAN).astype(np.float32).astype(np.float64) / _STD).astype(np.float32)


# Each channel's 256 possible values, normalised once: a crop is then a table lookup (cv2.LUT),
# the same float32 numbers as computing them, several times faster.
_TABLE = np.ascontiguousarray(_normalize(np.repeat(np.arange(256, dtype=np.uint8)[:, None], 3, axis=1))[None])  # (1, 256, 3)


def normalize_crop(crop: np.ndarray) -> torch.Tensor:
    """(S, S, 3) uint8 RGB -> (1, 3, S, S) float32, ImageNet-normalised as D3S does it; in
    channels-last memory (the layout the CPU's convolutions take)."""
    values = cv2.LUT(crop, _TABLE) if crop.dtype == np.uint8 else _normalize(crop)
    return torch.from_numpy(np.ascontiguousarray(values)).permute(2, 0, 1)[None]


def poly_to_box(xs: np.ndarray, ys: np.ndarray) -> np.ndarray:
    """D3S's polygon -> [x, y, w, h]: keep the centre and the area (first two edges), take the
    aspect ratio of the min/max box, and add 1 to w and h."""
    cx, cy = np.mean(xs), np.mean(ys)
    x1, x2, y1, y2 = np.min(xs), np.max(xs), np.min(ys), np.max(ys)
    a1 = np.linalg.norm([xs[0] - xs[1], ys[0] - ys[1]]) * np.linalg.norm([xs[1] - xs[2], ys[1] - ys[2]])
    a2 = (x2 - x1) * (y2 - y1)
    s = np.sqrt(a1 / a2) if a2 > 0 else 1.0
    w, h = s * (x2 - x1) + 1, s * (y2 - y1) + 1
    return np.array([cx - w / 2, cy - h / 2, w, h])


@dataclass(frozen=True)
class Segmentation:
    """A frame's accepted segmentation, in image coordinates.

    * ``box``: (4, 2) min-area rectangle of the largest contour (drives position and scale).
    * ``polygon``: (4, 2) the output box (ellipse-fitted when enabled and sane, else ``box``).
    * ``area``: contour area in crop pixels (the pixel-ratio gate compares it over time).
    * ``mask``: (H, W) bool full-image mask.
    * ``probability``: (H, W) float32 foreground probability behind ``mask`` (``mask`` is it
      above the threshold; 0 away from the largest component).
    * ``visible``: the share of the mask inside the image (its pixels in ``mask`` over the
      contour's area in image pixels, capped at 1); low when the crop's padding was segmented.
    * ``leak``: the share of the largest component that lay outside the support window (0
      without one); ``box``, ``polygon``, ``mask`` are what remained inside it.
    """

    box: np.ndarray
    polygon: np.ndarray
    area: float
    mask: np.ndarray
    probability: np.ndarray
    visible: float = 1.0
    leak: float = 0.0


@dataclass(frozen=True)
class Crop:
    """A square crop around the target, as the segmentation network sees it.

    * ``pixels``: (S, S, 3) uint8 RGB, S = ``SegmentationParams.output_size``.
    * ``centre_xy``: the point it was cut around (image pixels); crop pixel S/2 maps to it.
    * ``box``: (x, y, w, h) the box it was cut around, in float32 arithmetic as D3S builds it.
    * ``scale``: S / the crop's side in image pixels.
    * ``window``: where in the image the crop lies (``CropWindow``).
    """

    pixels: np.ndarray
    centre_xy: tuple[float, float]
    box: tuple[float, float, float, float]
    scale: float
    window: CropWindow

    def to_crop(self, points_xy: np.ndarray) -> np.ndarray:
        """(N, 2) image (x, y) -> crop pixel coordinates (the inverse of ``to_image``)."""
        return (np.asarray(points_xy, dtype=np.float64) - np.array(self.centre_xy)) * self.scale + self.pixels.shape[0] / 2

    def to_image(self, points_xy: np.ndarray) -> np.ndarray:
        """(N, 2) crop (x, y) -> image coordinates (D3S's mapping, about ``centre_xy``)."""
        return (np.asarray(points_xy, dtype=np.float64) - self.pixels.shape[0] / 2) / self.scale + np.array(self.centre_xy)


def cut_crop(image: np.ndarray, center_xy: tuple[float, float], size_wh: tuple[float, float], params: SegmentationParams) -> Crop:
    """The crop ``params.search_area_factor`` x the target's size around ``center_xy``."""
    (cx, cy), (w, h) = center_xy, size_wh
    # float32 arithmetic, as the reference builds this box from float32 tensors (the crop's
    # banker's rounding can flip on the last bit).
    f32 = np.float32
    box = (float(f32(cx) - f32(w) / f32(2)), float(f32(cy) - f32(h) / f32(2)), float(w), float(h))
    pixels, scale = sample_target(image, np.array(box), params.search_area_factor, params.output_size)
    return Crop(pixels, (float(cx), float(cy)), box, scale, crop_window(box, params.search_area_factor, params.output_size))


def segment_frame(
    image: np.ndarray,
    center_xy: tuple[float, float],
    size_wh: tuple[float, float],
    logits_fn: LogitsFn,
    params: SegmentationParams,
    *,
    rotated: bool,
    support: Support | None = None,
) -> Segmentation | None:
    """Segment the target around ``center_xy``; None when no contour exceeds 50 px.
    ``support``: as for ``segment_crop``."""
    crop = cut_crop(image, center_xy, size_wh, params)
    return segment_crop(crop, logits_fn(normalize_crop(crop.pixels), crop.box), image.shape[:2], params, rotated=rotated, support=support)


#: Where the DCF supports the target, in image coordinates: (centre (x, y), size (w, h)).
Support = tuple[tuple[float, float], tuple[float, float]]


def support_window(crop: Crop, support: Support, params: SegmentationParams) -> np.ndarray:
    """(S, S) uint8, 1 inside the box ``params.support`` x the size of ``support`` about its
    centre, 0 outside."""
    centre_xy, size_wh = support
    side = crop.pixels.shape[0]
    (cx, cy), = crop.to_crop(np.array([centre_xy]))
    hw, hh = (params.support * v * crop.scale / 2 for v in size_wh)
    ys, xs = np.ogrid[:side, :side]
    return ((np.abs(xs + 0.5 - cx) <= hw) & (np.abs(ys + 0.5 - cy) <= hh)).astype(np.uint8)


def segment_crop(
    crop: Crop, logits: torch.Tensor, image_shape: tuple[int, int], params: SegmentationParams, *, rotated: bool,
    support: Support | None = None,
) -> Segmentation | None:
    """The network's logits (1, 2, S, S) on ``crop`` -> the image's segmentation; None when no
    contour exceeds 50 px. ``support``: the mask is kept within ``params.support`` x its box
    (``SegmentationParams``)."""
    prob = torch.softmax(logits, dim=1)[0, 0].float().cpu().numpy()  # the one device sync per frame
    binary = (prob > params.mask_threshold).astype(np.uint8)
    component = _largest_component(binary)
    if component is None:
        return None
    leak = 0.0
    if support is not None:
        window = support_window(crop, support, params)
        leak = 1.0 - float(np.count_nonzero(component[0] * window)) / max(float(np.count_nonzero(component[0])), 1.0)
        if leak > 0:  # what lies outside the window is not the target's: cut it and look again
            prob = prob * window
            component = _largest_component(binary * window)
            if component is None:
                return None
    filled, contour, area = component
    crop_box = min_area_box(contour).astype(np.float64)
    polygon = crop_box
    if params.optimize_box:
        fitted = fit_box_to_mask(filled.astype(np.int32), rotated=rotated)
        if fitted is not None and _area(crop_box) > 0:
            ratio = _area(fitted) / _area(crop_box)
            if params.box_area_ratio[0] < ratio < params.box_area_ratio[1]:
                polygon = fitted
    keep = cv2.dilate(filled, np.ones((params.mask_dilation, params.mask_dilation), np.uint8))
    probability = paste_probability(prob * keep, crop.window, image_shape)
    mask = probability > params.mask_threshold
    visible = min(1.0, float(np.count_nonzero(mask)) * crop.scale**2 / area)
    return Segmentation(crop.to_image(crop_box), crop.to_image(polygon), area, mask, probability, visible, leak)


def _largest_component(binary: np.ndarray) -> tuple[np.ndarray, np.ndarray, float] | None:
    """(S, S) uint8 0/1 -> (its largest contour filled (S, S) uint8, the contour, its area), or
    None when no contour exceeds ``MIN_CONTOUR_AREA``."""
    contour, area = largest_contour(binary)
    if contour is None or area <= MIN_CONTOUR_AREA:
        return None
    filled = np.zeros_like(binary)
    cv2.drawContours(filled, [contour.reshape(-1, 1, 2)], -1, 1, thickness=-1)
    return filled, contour, area


def _area(corners: np.ndarray) -> float:
    """Area of a rectangle from its first three corners (as D3S measures it)."""
    return float(np.linalg.norm(corners[0] - corners[1]) * np.linalg.norm(corners[1] - corners[2]))

