"""Tracker parameters. Defaults are D3S's tracking-mode values (its default_params)."""

from __future__ import annotations

from dataclasses import dataclass, field

from ..dcf.params import DCFParams


@dataclass(frozen=True)
class SegmentationParams:
    """The segmentation step and the gates that decide how far to trust it.

    Crop
      * ``search_area_factor``: crop side / sqrt(target area) (D3S: 4).
      * ``output_size``: crop side in pixels fed to the network (D3S: 384).
    Masks
      * ``mask_threshold``: foreground probability threshold per frame.
      * ``init_mask_threshold``: threshold of the first-frame refinement of a box/polygon mask.
      * ``init_dilation_fraction`` / ``init_dilation_min``: that refinement keeps only pixels
        within a dilation (kernel max(min, fraction x target size)) of the given polygon.
      * ``mask_init_threshold``: a given first-frame mask is binarised at this value after
        cropping (the bilinear resize makes its edges fractional).
    Gating (D3S's "uncertainty" = mean of recent DCF peaks / this frame's peak)
      * ``uncertainty_update``: below it, position/scale follow the DCF and the DCF learns.
      * ``uncertainty_segment``: below it, the segmentation runs at all.
      * ``uncertainty_scale``: below it, the mask may change the scale.
      * ``score_history``: DCF peaks averaged (frames); the gate is off for the first 5 frames.
      * ``pixels_ratio_output``: relative change of the mask area against its recent mean
        above which the mask is not trusted (output falls back to the DCF box).
      * ``pixels_ratio_position``: below it, the mask's centre becomes the new position.
      * ``area_history``: mask areas averaged (frames).
      * ``min_area_ratio``: a mask whose area is below this fraction of the recent mean is not
        trusted (scale, position, output). D3S has no such bound (0): its relative-change gate
        ``|mean - area| / mean < 2`` can never reject a shrinking mask, so a mask that collapses
        onto part of the target shrinks the box, and with it the next crop, frame after frame.
      * ``dcf_scale_check``: a scale change proposed by the mask is kept only if the DCF's
        response peaks higher at the new scale than at the old one (two samples through the
        DCF's features, batched). The mask alone cannot see its own slow bias: a mask a little
        too large (or too small) every frame grows (or shrinks) the box, the crop follows, and
        the gates above, which compare crop-pixel areas over time, never notice. D3S: off.
    Scale from the mask
      * ``min_scale``: smallest accepted scale estimate; ``max_relative_scale_change``: larger
        relative jumps are ignored; ``scale_change_limits``: per-frame clamp of the change.
    Box
      * ``optimize_box``: fit the rotated box by ellipse + greedy shrink (else min-area rect).
      * ``box_area_ratio``: the fitted box is kept only if its area is within this ratio of the
        min-area rectangle's (a guard against a failed fit).
      * ``mask_dilation``: the full-image mask keeps probability above threshold within this
        dilation (pixels, in the crop) of the largest connected component.
    """

    search_area_factor: float = 4.0
    output_size: int = 384
    mask_threshold: float = 0.5
    init_mask_threshold: float = 0.5
    init_dilation_fraction: float = 0.05
    init_dilation_min: int = 5
    mask_init_threshold: float = 0.1
    uncertainty_update: float = 3.0
    uncertainty_segment: float = 10.0
    uncertainty_scale: float = 3.5
    score_history: int = 25
    pixels_ratio_output: float = 2.0
    pixels_ratio_position: float = 1.0
    area_history: int = 25
    min_area_ratio: float = 0.0
    dcf_scale_check: bool = False
    min_scale: float = 0.2
    max_relative_scale_change: float = 0.75
    scale_change_limits: tuple[float, float] = (0.95, 1.05)
    optimize_box: bool = True
    box_area_ratio: tuple[float, float] = (0.1, 2.5)
    mask_dilation: int = 7


@dataclass(frozen=True)
class TrackerParams:
    """All tracker parameters: ``dcf`` (localisation) and ``segmentation``.

    A first-frame *mask* (VOT2020) keeps these tracking-mode values. D3S switched to its
    video-segmentation settings there (mask threshold 0.2, scale limits 0.9/1.1), tuned on
    DAVIS; a VOT tracker is judged on tracking, so we do not.
    """

    dcf: DCFParams = field(default_factory=DCFParams)
    segmentation: SegmentationParams = field(default_factory=SegmentationParams)


#: Named parameter sets (``rpvt track --params``, ``RPVT_PARAMS`` in trackers.ini).
#: ``d3s``: D3S's tracking-mode values, exactly (the parity tests' and the ResNet-50 entries').
#: ``stable-scale``: D3S's, plus the safeguards against the scale drift of a weaker segmentation
#: (the embedded default's): see BENCHMARKS.md, "Scale that stays on the target".
PRESETS: dict[str, TrackerParams] = {
    "d3s": TrackerParams(),
    "stable-scale": TrackerParams(segmentation=SegmentationParams(min_area_ratio=0.5, dcf_scale_check=True)),
}


def tracker_params(name: str) -> TrackerParams:
    if name not in PRESETS:
        raise ValueError(f"unknown tracker parameter set {name!r}; known: {', '.join(PRESETS)}")
    return PRESETS[name]
