"""Tracker parameters. Defaults are D3S's tracking-mode values (its default_params)."""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field, fields, replace
from pathlib import Path
from typing import Any

from ..dcf.params import DCFParams, LookalikeParams


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
      * ``polygon_dcf_scale_check``: the same check for targets started from a polygon only (as
        every VOT2016-2018 target is). They are rotated targets, which have no support window to
        hold a spreading mask back (``support``), so there the check is the only guard.
      * ``mask_dcf_scale_check``: the same for targets started from a mask (VOT2020, VOTS),
        rotated targets too, with no window either. A held or worn object's mask takes in its
        holder, as sure of it as of the object, and with nothing to stop it the box follows.
    Scale from the mask
      * ``min_scale``: smallest accepted scale estimate; ``max_relative_scale_change``: larger
        relative jumps are ignored; ``scale_change_limits``: per-frame clamp of the change.
    Support (the DCF's say over the mask)
      * ``support``: the mask is kept only within a box this many times the tracker's current
        target size, centred on the DCF's estimate (0: everywhere in the crop, as D3S); for
        targets given as rectangles, rotated ones are not cut (``Tracker._segment`` says why).
        The head matches appearance: a target held by, worn by or beside something of its
        colours (a book in a hand, a red coat among red benches) gets a mask that leaks onto
        it, and the box, position and scale follow that mask frame after frame. The window lets
        the mask decide the shape and the exact extent, while where the target is, and roughly
        how big, stays the DCF's and the state's (whose scale moves at most
        ``scale_change_limits`` a frame).
      * ``max_leak``: when more than this share of the mask's largest component lay outside the
        window, the mask is leaking: what remains inside is reported, but it moves neither the
        position (the DCF's stands) nor the scale (1: never judged leaking).
      * ``leak_scale_step``: on a leaking frame the DCF decides the scale instead: its peak at
        the localisation's centre in samples (1 - step) and (1 + step) times the current scale,
        against the current one's; the highest wins (0: the scale stays). A small target's mask
        spills a few pixels past so tight a window on most frames (UAV123's 10-pixel truck4 on
        every frame, wakeboard10 on three in four), so a target that grew never had the scale
        follow it: the box kept the first frame's size while the truck grew sixfold
        (BENCHMARKS.md, "Scale on small targets").
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
    polygon_dcf_scale_check: bool = False
    mask_dcf_scale_check: bool = False
    min_scale: float = 0.2
    max_relative_scale_change: float = 0.75
    scale_change_limits: tuple[float, float] = (0.95, 1.05)
    support: float = 0.0
    max_leak: float = 1.0
    leak_scale_step: float = 0.0
    optimize_box: bool = True
    box_area_ratio: tuple[float, float] = (0.1, 2.5)
    mask_dilation: int = 7

    def __post_init__(self) -> None:
        lo, hi = self.scale_change_limits
        checks = (
            (self.search_area_factor > 0, f"search_area_factor must be positive, got {self.search_area_factor}"),
            (self.output_size > 0 and self.output_size % 16 == 0,
             f"output_size must be a positive multiple of 16 (the network's stride), got {self.output_size}"),
            (0 < self.mask_threshold < 1 and 0 < self.init_mask_threshold < 1,
             f"mask_threshold and init_mask_threshold must be in (0, 1), got {self.mask_threshold} and {self.init_mask_threshold}"),
            (self.score_history >= 1 and self.area_history >= 1,
             f"score_history and area_history must be at least 1 frame, got {self.score_history} and {self.area_history}"),
            (0 < lo <= 1 <= hi, f"scale_change_limits must be (low, high) with 0 < low <= 1 <= high, got {self.scale_change_limits}"),
            (self.support >= 0, f"support must be 0 (off) or positive, got {self.support}"),
            (0 <= self.max_leak <= 1, f"max_leak must be in [0, 1], got {self.max_leak}"),
            (0 <= self.leak_scale_step < 1, f"leak_scale_step must be in [0, 1), got {self.leak_scale_step}"),
            (self.mask_dilation >= 1, f"mask_dilation must be at least 1 pixel, got {self.mask_dilation}"),
        )
        for ok, message in checks:
            if not ok:
                raise ValueError(f"segmentation.{message}")


@dataclass(frozen=True)
class AbsenceParams:
    """When a target is reported absent (an empty mask), and when it is back (VOTS).

    Short-term stacks (VOT2016/2018/2020) never lose a target from view, so the rule is off
    there (``enabled`` False: every frame gets the tracker's best answer). VOTS's targets leave
    the view and come back, and its quality measure scores an empty answer on an empty ground
    truth as a perfect frame and any other answer there as a wrong one.

    A frame *sees* the target when all of these hold (``tracking.absence``):
      * the segmentation produced a mask the area gates accepted (``Prediction.segmented``);
      * the DCF's uncertainty (mean of recent peaks / this frame's peak) is below
        ``max_uncertainty``: its response still peaks on the learnt appearance;
      * at least ``min_visible`` of that mask lies inside the image (a target leaving the view
        is segmented past the border, in the crop's padding).
    ``lost_after`` frames in a row that do not see the target make it absent; ``found_after``
    frames in a row that do make it present again. Both > 1, so one bad frame (motion blur, a
    passing occluder) does not blank a tracked target and one stray blob does not revive it.
    """

    enabled: bool = False
    lost_after: int = 3
    found_after: int = 2
    max_uncertainty: float = 2.0
    min_visible: float = 0.25


@dataclass(frozen=True)
class SearchParams:
    """Where the DCF looks for the target (D3S: a sample centred on the last position, only).

    * ``redetect_below``: when the DCF's peak falls below this fraction of the mean of recent
      peaks (from the sixth frame, as the uncertainty gate), the frame is searched again in
      eight neighbouring samples of the same scale (one batched feature pass);
      the strongest windowed peak among all samples wins if it is at least ``redetect_gain``
      times the first, and at least ``redetect_floor`` times the mean of recent peaks. 0: never.
      A target that jumped past the window, or that the estimate slid off, is then found where a
      sample is centred on it. The floor asks the winner to look like the target as it has
      looked lately, not only better than a faltering peak: without it, background beside a
      target whose own peak merely fell (a small skier, an occluded truck) can win. It also
      refuses a target whose appearance changed (blur, a turn) as it jumped, which the DCF then
      scores low wherever it is (``benchmarks/redetect_candidates.py`` lists both kinds).
    * ``redetect_offset``: the neighbours' centres, as a fraction of the sample's side, in
      eight directions.

    With ``TrackerParams.shared_backbone`` the sample is the segmentation crop; when a
    neighbour wins, the frame is segmented in a new crop about the target found there (one more
    backbone pass, on such frames only).
    """

    redetect_below: float = 0.0
    redetect_offset: float = 0.5
    redetect_gain: float = 1.2
    redetect_floor: float = 0.0

    def __post_init__(self) -> None:
        if min(self.redetect_below, self.redetect_floor) < 0 or self.redetect_offset <= 0 or self.redetect_gain <= 0:
            raise ValueError(
                "search.redetect_below and redetect_floor must not be negative, redetect_offset and redetect_gain must be positive, got "
                f"{self.redetect_below}, {self.redetect_floor}, {self.redetect_offset}, {self.redetect_gain}"
            )


@dataclass(frozen=True)
class TrackerParams:
    """All tracker parameters: ``dcf`` (localisation), ``segmentation``, ``absence``, ``search``
    (where the DCF looks) and ``lookalike`` (a finer DCF beside a look-alike).

    ``shared_backbone``: one backbone pass a frame serves both the DCF and the segmentation.
    D3S runs the backbone twice a frame: on the DCF's sample around the previous position, then
    on the segmentation crop around the DCF's new estimate. Shared, the crop is cut once, around
    the previous position; the DCF localises on its stride-16 features, and the head segments
    the same features with its distance map centred on the DCF's estimate instead of the crop's
    centre. The DCF's sample must then be the segmentation crop: ``dcf.sample_size`` equal to
    ``segmentation.output_size`` and ``dcf.search_area_scale`` to
    ``segmentation.search_area_factor`` (checked here), and the DCF runs on the segmentation
    network's own backbone.

    A first-frame *mask* (VOT2020) keeps these tracking-mode values. D3S switched to its
    video-segmentation settings there (mask threshold 0.2, scale limits 0.9/1.1), tuned on
    DAVIS; a VOT tracker is judged on tracking, so we do not.
    """

    dcf: DCFParams = field(default_factory=DCFParams)
    segmentation: SegmentationParams = field(default_factory=SegmentationParams)
    absence: AbsenceParams = field(default_factory=AbsenceParams)
    shared_backbone: bool = False
    search: SearchParams = field(default_factory=SearchParams)
    lookalike: LookalikeParams = field(default_factory=LookalikeParams)

    def __post_init__(self) -> None:
        if self.lookalike.enabled:
            if self.shared_backbone:
                raise ValueError("lookalike.enabled: the layer2 DCF runs on its own sample, which shared_backbone does not cut; turn one off")
            if self.dcf.feature_stride != 16:
                raise ValueError(
                    f"lookalike.enabled: the DCF must read layer3 (dcf.feature_stride 16) for a finer layer2 DCF beside it, got {self.dcf.feature_stride}"
                )
        if self.shared_backbone:
            d, s = self.dcf, self.segmentation
            if d.sample_size != s.output_size or abs(d.search_area_scale - s.search_area_factor) > 1e-6:
                raise ValueError(
                    "shared_backbone: the DCF's sample must be the segmentation crop, but dcf.sample_size / search_area_scale = "
                    f"{d.sample_size} / {d.search_area_scale} and segmentation.output_size / search_area_factor = "
                    f"{s.output_size} / {s.search_area_factor}"
                )
            if s.output_size % d.feature_stride:
                raise ValueError(f"shared_backbone: the crop side {s.output_size} must be a multiple of the feature stride {d.feature_stride}")


#: Named parameter sets (``rpvt track --params``, ``RPVT_PARAMS`` in trackers.ini).
#: ``d3s``: D3S's tracking-mode values, exactly (the parity tests' and the ResNet-50 entries').
#: ``stable-scale``: D3S's, plus the safeguards against the scale drift of a weaker segmentation:
#: see BENCHMARKS.md, "Scale that stays on the target".
#: ``lite``: the embedded default's (trackers.ini's lite entries): ``stable-scale`` with the mask
#: threshold the lite heads need, and the DCF's say over the mask. Their foreground probability
#: spreads a halo of 0.5-0.65 around the object (shadows, reflections, the gaps between legs), so
#: D3S's 0.5 over-segments; 0.65 was chosen on DAVIS 2016 train-split sequences (BENCHMARKS.md,
#: "Stage 3"). On VOT-like video their masks spread onto what the target touches or resembles (a
#: face's mask onto the head and body, a red coat's onto red benches) and the box followed, to 7-10
#: times the target's area: a support window of 1.1 x the target's size about the DCF's estimate,
#: and no position or scale from a mask that leaks 2% past it (BENCHMARKS.md, "VOT-like video"),
#: chosen on the yardstick's tuning part (benchmarks/peer.py), never on its held-out part.
#: A passer-by like the target takes its DCF (OTB Human3); the layer2 DCF beside look-alikes
#: (``LookalikeParams``) that kept crossings on the tuning material did not keep Human3's and lost
#: a fast-rotating target on the held-out part, so it is off here (BENCHMARKS.md, "A second DCF
#: beside look-alikes").
#: Its search re-detects too (``SearchParams``: below 0.5 of the recent peaks, a neighbour's peak
#: wins only if it reaches 0.8 of them). Without that floor, on the tuning parts, 3 of 34 wins
#: took the estimate off the target and 2 rescued it; the floor refuses 2 of the 3 and 1 of the 2.
#: With it, nothing changed at the normal frame rate (OTB and UAV123 tuning parts, the look-alike
#: material, 12 DAVIS train-split sequences' J), and at 1/3 of the rate UAV123's tuning part failed
#: once instead of three times; on the held-out parts no figure moved (BENCHMARKS.md,
#: "Re-detection in lite").
#: On a frame whose mask leaks, the DCF's peaks at 0.98, 1 and 1.02 x the scale decide it
#: (``leak_scale_step``): before, a small target's scale never moved (its mask leaks on most
#: frames). On the tuning parts: UAV123 1 / 0.666 -> 0 / 0.743 (failures / accuracy; at 1/3 of
#: the frame rate 1 / 0.568 -> 0 / 0.612), OTB 0 / 0.738 -> 0 / 0.727, the look-alike and
#: passer-by material as before or better (BENCHMARKS.md, "Scale on small targets").
#: ``d3s-vots``, ``lite-vots``: the same, with absent targets reported (``AbsenceParams``), for
#: the VOTS stacks.
#: ``lite-realtime``: ``lite`` with one backbone pass a frame (``shared_backbone``) on a
#: 256-pixel crop 10/3 x the target's size (the target 77 pixels a side, against the 96 of the
#: 384-pixel, 4x crop the heads were trained on); the DCF's sample is that crop, and the DCF
#: scale check is off, and so is the DCF's scale on leaking frames (each costs a second backbone
#: pass; the latter also lost accuracy on its tuning runs). 2.4x faster than ``lite`` on a
#: 2-core CPU. The crop was 8/3 x the target until the VOT-like yardstick showed small, fast
#: targets leaving so narrow a search area (BENCHMARKS.md, "VOT-like video"). Its search re-detects
#: (``SearchParams.redetect_below`` 0.5): on the tuning parts played at 1/2 and 1/3 of their frame
#: rates (fast motion), the narrow crop failed 4 and 10 times, with re-detection once each; at the
#: normal rate nothing changed (BENCHMARKS.md, "Re-detection"). It has no floor: in its narrow crop
#: a target that jumped is seen small and blurred, and with ``lite``'s floor the tuning parts at
#: 1/3 rate failed 6 times instead of 2. For targets started from a polygon (every VOT2016-2018
#: target), which have no support window, it does run the DCF scale check
#: (``polygon_dcf_scale_check``). Without it nothing held a spreading mask back there: the held
#: book started from its rotated box had the box's centre off the book on 83 of 99 frames (1 with
#: it). On DAVIS train-split sequences as rotated boxes it was neutral (2 / 0.581 -> 3 / 0.588
#: failures / accuracy); on `bag` its EAO went 0.711 -> 0.737. Those targets take 1.2-1.4x the
#: time (BENCHMARKS.md, "The real-time mode's guard on rotated targets"). Targets started from a
#: mask (VOT2020, VOTS) have no window either and run it too (``mask_dcf_scale_check``): on 17
#: held or worn objects started from their masks, the box was off the object on 22 of 59 frames
#: without it and 4.3 with it (mask IoU 0.171 -> 0.304), for J 0.664 -> 0.663 on held-out DAVIS at
#: 1.5x the time (BENCHMARKS.md, "Targets started from a mask").
_STABLE_SCALE = SegmentationParams(min_area_ratio=0.5, dcf_scale_check=True)
_LITE = TrackerParams(
    segmentation=replace(_STABLE_SCALE, mask_threshold=0.65, support=1.1, max_leak=0.02, leak_scale_step=0.02),
    search=SearchParams(redetect_below=0.5, redetect_floor=0.8),
)
_ABSENCE = AbsenceParams(enabled=True)
_REALTIME = TrackerParams(
    dcf=DCFParams(sample_size=256, search_area_scale=10 / 3),
    segmentation=replace(
        _LITE.segmentation, output_size=256, search_area_factor=10 / 3, dcf_scale_check=False, polygon_dcf_scale_check=True,
        mask_dcf_scale_check=True,
        leak_scale_step=0.0,
    ),
    shared_backbone=True,
    search=SearchParams(redetect_below=0.5),
)
PRESETS: dict[str, TrackerParams] = {
    "d3s": TrackerParams(),
    "stable-scale": TrackerParams(segmentation=_STABLE_SCALE),
    "lite": _LITE,
    "d3s-vots": TrackerParams(absence=_ABSENCE),
    "lite-vots": replace(_LITE, absence=_ABSENCE),
    "lite-realtime": _REALTIME,
}


def tracker_params(spec: str) -> TrackerParams:
    """A preset's name, or a JSON file of overrides on top of a preset::

        {"preset": "stable-scale", "segmentation": {"min_area_ratio": 0.4}, "dcf": {"cg_iter": 3},
         "absence": {"enabled": true}}

    (``preset`` defaults to ``d3s``). Unknown keys, and values of the wrong kind, are errors
    that name them; tuples are given as JSON lists.
    """
    if spec in PRESETS:
        return PRESETS[spec]
    path = Path(spec)
    if not path.suffix == ".json":
        raise ValueError(f"unknown tracker parameter set {spec!r}; known: {', '.join(PRESETS)} (or a .json file of overrides)")
    try:
        overrides = json.loads(path.read_text())
    except OSError as err:
        raise ValueError(f"tracker parameters {path}: cannot be read: {err.strerror or err}") from None
    except json.JSONDecodeError as err:
        raise ValueError(f"tracker parameters {path}: not JSON: {err}") from None
    if not isinstance(overrides, dict):
        raise ValueError(f"tracker parameters {path}: must be a JSON object, got {type(overrides).__name__}")
    unknown = sorted(set(overrides) - {"preset", "dcf", "segmentation", "absence", "shared_backbone", "search", "lookalike"})
    if unknown:
        known = "preset, dcf, segmentation, absence, shared_backbone, search, lookalike"
        raise ValueError(f"tracker parameters {path}: unknown keys {', '.join(unknown)} (known: {known})")
    preset = overrides.get("preset", "d3s")
    if preset not in PRESETS:
        raise ValueError(f"tracker parameters {path}: unknown preset {preset!r}; known: {', '.join(PRESETS)}")
    base = PRESETS[preset]
    shared = overrides.get("shared_backbone", base.shared_backbone)
    if not isinstance(shared, bool):
        raise ValueError(f"tracker parameters {path}: shared_backbone: expected true or false, got {shared!r}")
    try:
        return TrackerParams(
            dcf=_override(base.dcf, overrides.get("dcf", {}), f"{path}: dcf"),
            segmentation=_override(base.segmentation, overrides.get("segmentation", {}), f"{path}: segmentation"),
            absence=_override(base.absence, overrides.get("absence", {}), f"{path}: absence"),
            shared_backbone=shared,
            search=_override(base.search, overrides.get("search", {}), f"{path}: search"),
            lookalike=_override(base.lookalike, overrides.get("lookalike", {}), f"{path}: lookalike"),
        )
    except ValueError as err:
        if str(err).startswith("tracker parameters"):
            raise
        raise ValueError(f"tracker parameters {path}: {err}") from None


def params_to_dict(params: TrackerParams) -> dict[str, Any]:
    """JSON-able form (tuples as lists), as recorded beside results; ``tracker_params`` reads it
    back from a file (with a ``preset`` key or without)."""
    return json.loads(json.dumps(asdict(params)))


def _override(base: Any, values: Any, where: str) -> Any:
    if not isinstance(values, dict):
        raise ValueError(f"tracker parameters {where}: must be a JSON object, got {type(values).__name__}")
    known = {f.name: f for f in fields(base)}
    unknown = sorted(set(values) - set(known))
    if unknown:
        raise ValueError(f"tracker parameters {where}: unknown keys {', '.join(unknown)} (known: {', '.join(known)})")
    changes = {}
    for key, value in values.items():
        current = getattr(base, key)
        if isinstance(current, tuple):
            fixed = "..." not in str(known[key].type)  # tuple[float, float] vs tuple[float, ...]
            if not isinstance(value, list) or (fixed and len(value) != len(current)):
                size = f"{len(current)} values" if fixed else "values"
                raise ValueError(f"tracker parameters {where}.{key}: expected a list of {size}, got {value!r}")
            value = _tuples(value)
        elif isinstance(current, bool):
            if not isinstance(value, bool):
                raise ValueError(f"tracker parameters {where}.{key}: expected true or false, got {value!r}")
        elif isinstance(current, (int, float)):
            if isinstance(value, bool) or not isinstance(value, (int, float)) or (isinstance(current, int) and not isinstance(value, int)):
                kind = "an integer" if isinstance(current, int) else "a number"
                raise ValueError(f"tracker parameters {where}.{key}: expected {kind}, got {value!r}")
            value = type(current)(value)
        changes[key] = value
    try:
        return replace(base, **changes)
    except (TypeError, ValueError) as err:
        path, section = where.rsplit(": ", 1)
        if str(err).startswith(f"{section}."):  # the message names the section's field already
            raise ValueError(f"tracker parameters {path}: {err}") from None
        raise ValueError(f"tracker parameters {where}: {err}") from None


def _tuples(value: Any) -> Any:
    return tuple(_tuples(v) for v in value) if isinstance(value, list) else value
