"""The tracker: a loaded network (weights, shared) + one sequence's state (fresh per initialize).

Per frame (D3S's loop): the DCF localises the target on a 256-pixel sample; unless the DCF is
too uncertain, the network segments a 384-pixel crop at that position against the first frame's
template; the largest contour gives the rotated box (ellipse fit) and, when its area is
consistent with recent frames, the new position and scale; the DCF then learns the new sample.

Coordinates are the VOT toolkit's (0-based pixels), used unchanged inside. Positions are
(y, x) and sizes (h, w) float32 tensors, as in D3S, whose float32 rounding the parity tests see.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import cv2
import numpy as np
import torch
from torch import nn

from ..dcf import DCFFeatures, OnlineDCF, TwoLevelDCF
from ..dcf.filter import FLAG_HARD_NEGATIVE, FLAG_NOT_FOUND
from ..geometry import distance_map, sample_target
from ..geometry.regions import Region
from ..models import SegmentationNetwork, Template
from ..models.backbone import BackboneFeatures
from ..models.inference import fold_batchnorm
from .absence import Presence, observe, sees_target
from .inputs import check_frame, init_geometry
from .params import TrackerParams
from .segmentation import Crop, LogitsFn, Support, cut_crop, normalize_crop, poly_to_box, segment_crop, segment_frame


@dataclass(frozen=True)
class Prediction:
    """One frame's answer.

    * ``mask``: (H, W) bool full-image mask (the DCF box, filled, when the mask is not trusted).
    * ``polygon``: (4, 2) float64 (x, y) corners of the rotated box (axis-aligned when the
      tracker was initialised with a rectangle, as D3S does).
    * ``box``: (x, y, w, h) axis-aligned bounds of ``polygon``.
    * ``confidence``: in [0, 1]: this frame's DCF peak over the mean of recent peaks, capped.
    * ``segmented``: whether polygon and mask come from an accepted segmentation.
    * ``present``: False when the absence rule (``AbsenceParams``, off by default) judges the
      target out of view; ``mask`` is then empty, while ``polygon`` and ``box`` keep the
      tracker's last estimate (where it keeps looking).
    * ``probability``: (H, W) float32 foreground probability behind a segmented ``mask``
      (None otherwise); ``MultiTargetTracker`` gives a pixel two targets claim to the surer.
    """

    mask: np.ndarray
    polygon: np.ndarray
    box: tuple[float, float, float, float]
    confidence: float
    segmented: bool
    present: bool = True
    probability: np.ndarray | None = None


@dataclass
class TargetState:
    """Everything that belongs to one target of one sequence (``Tracker.start`` builds it)."""

    image_shape: tuple[int, int]
    pos: torch.Tensor  # (2,) float32 (y, x)
    target_sz: torch.Tensor  # (2,) float32 (h, w)
    target_scale: float
    base_target_sz: torch.Tensor
    min_scale: float
    max_scale: float
    rotated: bool
    dcf: OnlineDCF | TwoLevelDCF
    template: Template
    mask_areas: list[float]
    scores: list[float] = field(default_factory=lambda: [1.0])
    frame: int = 0
    presence: Presence = field(default_factory=Presence)
    from_mask: bool = False  # started from a mask (VOT2020, VOTS), not a box or polygon


class Tracker:
    """``initialize(image, region)`` then ``track(image)`` per frame; re-``initialize`` freely.

    Several targets in one sequence: ``start(image, region)`` gives each its ``TargetState``,
    and ``step(state, image)`` tracks one target in the next frame (``MultiTargetTracker``
    does the bookkeeping). The network is shared; nothing of one target reaches another.

    Args:
        network: a loaded ``SegmentationNetwork`` (any variant); the tracker runs an inference
            copy of it on ``device`` (``self.network``), BatchNorm folded in.
        dcf_backbone: the DCF's feature network (a ResNet-50 trunk); default: the network's own
            backbone (D3S used separate ImageNet weights). Not with ``params.shared_backbone``.
        params: ``TrackerParams``.
        device: where the networks run.
    """

    def __init__(
        self,
        network: SegmentationNetwork,
        *,
        dcf_backbone: nn.Module | None = None,
        params: TrackerParams | None = None,
        device: str | torch.device = "cpu",
    ) -> None:
        self.params = params or TrackerParams()
        self.device = torch.device(device)
        if self.params.shared_backbone and dcf_backbone is not None:
            raise ValueError("shared_backbone: the DCF reads the segmentation network's own features; a separate dcf_backbone cannot be shared")
        # Inference copies with BatchNorm folded into the convolutions (models/inference.py): the
        # same function, fewer passes; the caller's modules are left untouched.
        self.network = fold_batchnorm(network).to(self.device)
        backbone = fold_batchnorm(dcf_backbone).to(self.device) if dcf_backbone is not None else self.network.feature_extractor
        # Channels-last inputs make CPU convolutions 15-30% faster (BENCHMARKS.md); the networks'
        # own weights are left as they are (they may be shared with other code).
        cpu = self.device.type == "cpu"
        self._layout = torch.channels_last if cpu else torch.contiguous_format
        # .to(): its normalisation buffers are built on the CPU (the trunk is already on the device).
        def features(level: str) -> DCFFeatures:
            return DCFFeatures(backbone, max_batch=3 if cpu else 32, channels_last=cpu, level=level).to(self.device)

        self.dcf_features = features(self.params.dcf.feature_level)
        # The look-alike DCF's level (LookalikeParams), on the same trunk.
        lookalike = self.params.lookalike
        self._fine_features = features(lookalike.fine(self.params.dcf).feature_level) if lookalike.enabled else None
        size = self.params.segmentation.output_size
        centre = size / 2 - 1  # D3S's run-time grid is 1-based: one pixel off the training centre
        self._distance = torch.from_numpy(distance_map((size, size), (centre, centre)))[None, None].to(self.device)
        self._seq: TargetState | None = None

    # -- network hook --------------------------------------------------------------------------
    def segment_logits(self, crop: torch.Tensor, box: tuple[float, float, float, float], template: Template) -> torch.Tensor:
        """crop (1, 3, S, S) normalised -> (1, 2, S, S) logits. Tests override this with oracles."""
        feats = self.network.extract(crop.to(self.device, memory_format=self._layout))
        return self.network.segment(feats, template, self._distance).logits

    # -- public API ----------------------------------------------------------------------------
    # Nothing here needs autograd (the DCF's optimiser has closed-form Jacobians).
    def initialize(self, image: np.ndarray, region: Region | tuple | list | np.ndarray) -> None:
        """Start a new sequence. ``region``: (x, y, w, h), a polygon (N x 2 or 2N values), a
        ``Rectangle``/``Polygon``/``Mask``, or an (H, W) boolean mask."""
        self._seq = self.start(image, region)

    def track(self, image: np.ndarray) -> Prediction:
        """Locate the target in the next frame. Bad frames raise ``ValueError``; a lost target
        does not raise: the tracker keeps answering with its last box."""
        if self._seq is None:
            raise RuntimeError("track() called before initialize()")
        return self.step(self._seq, image)

    @torch.inference_mode()
    def start(self, image: np.ndarray, region: Region | tuple | list | np.ndarray) -> TargetState:
        """A new target on ``image`` (``region`` as for ``initialize``): its fresh state."""
        check_frame(image, None)
        geo = init_geometry(region, image.shape[:2])
        p = self.params
        pos = torch.tensor(geo.pos_yx, dtype=torch.float32)
        target_sz = torch.tensor(geo.size_hw, dtype=torch.float32)
        scale = math.sqrt(float(torch.prod(target_sz * p.dcf.search_area_scale)) / p.dcf.sample_size**2)
        base = target_sz / scale
        image_sz = torch.tensor(image.shape[:2], dtype=torch.float32)
        im = self._to_tensor(image)
        if self._fine_features is not None:
            dcf = TwoLevelDCF(self.dcf_features, self._fine_features, p.dcf, p.lookalike, im, pos, scale, base)
        else:
            dcf = OnlineDCF(self.dcf_features, p.dcf, im, pos, scale, base)

        # First-frame template: the given mask, or the polygon's mask refined by the network.
        sp = p.segmentation
        crop, factor = sample_target(image, geo.box, sp.search_area_factor, sp.output_size)
        region_crop, _ = sample_target(geo.mask.astype(np.float32), geo.box, sp.search_area_factor, sp.output_size, pad_value=0)
        crop_t = normalize_crop(crop).to(self.device, memory_format=self._layout)
        feats = self.network.extract(crop_t)
        if geo.from_mask:
            train_mask = (region_crop > sp.mask_init_threshold).astype(np.float32)
        else:
            template = self.network.make_template(feats, torch.from_numpy(region_crop)[None, None].to(self.device))
            logits = self.segment_logits(crop_t, tuple(geo.box), template)
            fg = (torch.softmax(logits, 1)[0, 0].cpu().numpy() > sp.init_mask_threshold).astype(np.float32)
            k = max(sp.init_dilation_min, int(round(sp.init_dilation_fraction * float(target_sz.min()) * factor)))
            train_mask = fg * cv2.dilate(region_crop, np.ones((k, k), np.uint8))
        template = self.network.make_template(feats, torch.from_numpy(train_mask)[None, None].to(self.device))
        return TargetState(
            image_shape=image.shape[:2], pos=pos, target_sz=target_sz, target_scale=scale, base_target_sz=base,
            min_scale=float(torch.max(10 / base)), max_scale=float(torch.min(image_sz / base)),
            rotated=geo.rotated, dcf=dcf, template=template, mask_areas=[float(np.sum(train_mask))], from_mask=geo.from_mask,
        )

    @torch.inference_mode()
    def step(self, seq: TargetState, image: np.ndarray) -> Prediction:
        """Track the target of ``seq`` into ``image`` (the next frame), updating ``seq``."""
        check_frame(image, seq.image_shape)
        p, sp = self.params, self.params.segmentation
        seq.frame += 1
        sample_pos, sample_scale = seq.pos.clone(), seq.target_scale
        shared = None
        if p.shared_backbone:  # one crop, one backbone pass: the DCF's sample is the segmentation crop
            im = None
            size = (float(seq.target_sz[1]), float(seq.target_sz[0]))
            crop = cut_crop(image, (float(sample_pos[1]), float(sample_pos[0])), size, sp)
            feats = self.network.extract(normalize_crop(crop.pixels).to(self.device, memory_format=self._layout))
            shared = (crop, feats)
            loc = seq.dcf.localize(None, sample_pos, sample_scale, seq.target_sz, features=DCFFeatures.normalize(getattr(feats, self.params.dcf.feature_level)))
        else:
            im = self._to_tensor(image)
            loc = seq.dcf.localize(im, sample_pos, sample_scale, seq.target_sz)
        if p.search.redetect_below and seq.frame >= 5 and loc.max_score < p.search.redetect_below * float(np.mean(seq.scores)):
            im = self._to_tensor(image) if im is None else im
            found = self._redetect(seq, im, sample_pos, sample_scale, loc)
            if found is not None:  # the shared crop is centred elsewhere: segment a new one
                (sample_pos, loc), shared = found, None
        new_pos = sample_pos + loc.translation

        uncertainty = 0.0
        if seq.frame >= 5:  # D3S: from its frame_num 6 (the first tracked frame is 2)
            uncertainty = float(np.mean(seq.scores)) / loc.max_score if loc.max_score > 0 else math.inf
        if uncertainty < sp.uncertainty_update:
            seq.scores = (seq.scores + [loc.max_score])[-sp.score_history :]
        if loc.flag == FLAG_NOT_FOUND:
            uncertainty = math.inf
        if uncertainty < sp.uncertainty_update:
            self._update_state(seq, new_pos, sample_scale)
        h, w = seq.image_shape
        new_pos = torch.stack([new_pos[0].clamp(0, h - 1), new_pos[1].clamp(0, w - 1)])

        result = None
        if uncertainty < sp.uncertainty_segment:
            result = self._segment(image, im, seq, new_pos, uncertainty, (sample_pos, sample_scale, loc.max_score), shared)
        if result is None:
            seq.pos = new_pos.clone()

        if uncertainty < sp.uncertainty_update:
            seq.dcf.update(loc.sample, seq.pos - sample_pos, sample_scale, hard_negative=loc.flag == FLAG_HARD_NEGATIVE)
        if loc.flag == FLAG_HARD_NEGATIVE:
            seq.dcf.optimize(p.dcf.hard_negative_cg_iter)
        elif seq.frame % p.dcf.train_skipping == 0:
            seq.dcf.optimize(p.dcf.cg_iter)

        confidence = min(1.0, 1.0 / uncertainty) if uncertainty > 0 else 1.0
        seen = sees_target(p.absence, segmented=result is not None, uncertainty=uncertainty, visible=result.visible if result else 0.0)
        present = observe(seq.presence, p.absence, seen)
        if result is not None:
            return self._prediction(seq, result.polygon, result.mask, confidence, True, present, result.probability)
        y, x = float(seq.pos[0]), float(seq.pos[1])
        bh, bw = float(seq.target_sz[0]), float(seq.target_sz[1])
        x0, y0 = x - (bw - 1) / 2, y - (bh - 1) / 2
        corners = np.array([[x0, y0], [x0 + bw, y0], [x0 + bw, y0 + bh], [x0, y0 + bh]])
        return self._prediction(seq, corners, None, confidence, False, present)

    # -- internals -----------------------------------------------------------------------------
    def _shared_logits(self, crop: Crop, feats: BackboneFeatures, pos: torch.Tensor, template: Template) -> torch.Tensor:
        """The head on the shared pass's features, its distance map centred on the DCF's
        estimate ``pos`` (y, x) instead of the crop's centre; (1, 2, S, S) logits."""
        size = self.params.segmentation.output_size
        (x, y), = crop.to_crop(np.array([[float(pos[1]), float(pos[0])]]))
        # D3S's run-time distance map is one pixel off the 0-based centre (see __init__).
        distance = torch.from_numpy(distance_map((size, size), (x - 1, y - 1)))[None, None].to(self.device)
        return self.network.segment(feats, template, distance).logits

    @staticmethod
    def _support(seq: TargetState, pos: torch.Tensor) -> Support:
        """The support window's box about the DCF's estimate ``pos`` (y, x): the state's size
        (its scale, which the mask moves only while it does not leak)."""
        return (float(pos[1]), float(pos[0])), (float(seq.target_sz[1]), float(seq.target_sz[0]))

    def _redetect(self, seq: TargetState, im: torch.Tensor, centre: torch.Tensor, scale: float, loc):
        """A low peak at ``centre``: the DCF again in eight samples around it (``SearchParams``);
        returns the winning sample's centre and localisation, or None when none beats ``loc``."""
        s = self.params.search
        step = s.redetect_offset * scale * self.params.dcf.sample_size
        h, w = seq.image_shape
        centres = []
        for dy, dx in ((-1, -1), (-1, 0), (-1, 1), (0, -1), (0, 1), (1, -1), (1, 0), (1, 1)):
            c = centre + torch.tensor([dy * step, dx * step], dtype=torch.float32)
            centres.append(torch.stack([c[0].clamp(0, h - 1), c[1].clamp(0, w - 1)]))
        found = seq.dcf.localize_around(im, centres, scale, seq.target_sz)
        best = max(range(len(found)), key=lambda i: found[i].max_score)
        peak = found[best].max_score
        if peak >= s.redetect_gain * loc.max_score and peak >= s.redetect_floor * float(np.mean(seq.scores)):
            return centres[best], found[best]
        return None

    def _to_tensor(self, image: np.ndarray) -> torch.Tensor:
        return torch.from_numpy(image).to(self.device).permute(2, 0, 1)[None].float()

    def _update_state(self, seq: TargetState, new_pos: torch.Tensor, scale: float) -> None:
        # The scale becomes a float32 value here, as in D3S.
        seq.target_scale = float(np.float32(min(max(scale, seq.min_scale), seq.max_scale)))
        seq.target_sz = seq.base_target_sz * seq.target_scale
        # Keep at least 20% of the box inside the image.
        offset = (0.2 - 0.5) * seq.target_sz
        size = torch.tensor(seq.image_shape, dtype=torch.float32)
        seq.pos = torch.max(torch.min(new_pos, size - offset), offset)

    def _segment(
        self, image: np.ndarray, im: torch.Tensor | None, seq: TargetState, pos: torch.Tensor, uncertainty: float,
        dcf_view: tuple[torch.Tensor, float, float], shared: tuple[Crop, BackboneFeatures] | None,
    ):
        """``dcf_view``: the localisation's sample (centre (y, x), scale) and its response peak;
        ``im``: the frame as a tensor (None: made here if the DCF needs it); ``shared``: the crop
        and features of the shared-backbone pass (None: cut a crop around ``pos``).
        Returns the segmentation when its output is accepted, else None."""
        sp = self.params.segmentation
        # Axis-aligned targets only: a rotated target's state box is its rotated box's area in
        # the bounding box's proportions (D3S's), narrower than the target along a diagonal, so a
        # window of it cuts true target pixels; on VOT2016 bag and held-out DAVIS (polygons) that
        # cost 0.08-0.14 accuracy (BENCHMARKS.md, "VOT-like video").
        support = self._support(seq, pos) if sp.support > 0 and not seq.rotated else None
        if shared is None:
            logits_fn: LogitsFn = lambda crop, box: self.segment_logits(crop, box, seq.template)  # noqa: E731
            centre = (float(pos[1]), float(pos[0]))
            size = (float(seq.target_sz[1]), float(seq.target_sz[0]))
            seg = segment_frame(image, centre, size, logits_fn, sp, rotated=seq.rotated, support=support)
        else:
            crop, feats = shared
            logits = self._shared_logits(crop, feats, pos, seq.template)
            seg = segment_crop(crop, logits, image.shape[:2], sp, rotated=seq.rotated, support=support)
        if seg is None:
            return None
        mean_area = float(np.mean(seq.mask_areas))
        ratio = abs(mean_area - seg.area) / mean_area if mean_area > 0 else math.inf
        if seg.area < sp.min_area_ratio * mean_area:  # collapsed: trusted for nothing
            ratio = math.inf
        leaking = seg.leak > sp.max_leak  # then only the DCF says where, and the scale stays
        if uncertainty < sp.uncertainty_scale and ratio < sp.pixels_ratio_output and not leaking:
            seq.mask_areas = (seq.mask_areas + [seg.area])[-sp.area_history :]
            bw, bh = poly_to_box(seg.box[:, 0], seg.box[:, 1])[2:]
            new_scale = float(np.float32(math.sqrt(bw * bh) * self.params.dcf.search_area_scale / self.params.dcf.sample_size))
            old = seq.target_scale
            if new_scale > sp.min_scale and abs(new_scale - old) / old < sp.max_relative_scale_change:
                lo, hi = sp.scale_change_limits
                proposed = max(old * lo, min(old * hi, new_scale))
                started = sp.mask_dcf_scale_check if seq.from_mask else sp.polygon_dcf_scale_check
                check = sp.dcf_scale_check or (seq.rotated and started)
                if check and abs(proposed / old - 1) > 1e-3:
                    # The DCF must prefer the new scale too: a mask that leaks (or collapses)
                    # by a little every frame would otherwise walk the scale away unopposed.
                    at_old, at_new = self._dcf_peaks(seq, image, im, dcf_view, [old, proposed])
                    if at_new < at_old:
                        proposed = old
                seq.target_scale = proposed
        if leaking and sp.leak_scale_step > 0 and uncertainty < sp.uncertainty_scale:
            # The mask may not move the scale; without this the scale of a small target, whose
            # mask spills past the window on most frames, would never move at all.
            old = seq.target_scale
            scales = [old, old * (1 - sp.leak_scale_step), old * (1 + sp.leak_scale_step)]
            peaks = self._dcf_peaks(seq, image, im, dcf_view, scales)
            seq.target_scale = float(np.float32(scales[int(np.argmax(peaks))]))  # a tie keeps the old one
        if ratio < sp.pixels_ratio_position and not leaking:
            centre_xy = seg.box.mean(axis=0)
            seq.pos = torch.tensor([centre_xy[1], centre_xy[0]], dtype=torch.float32)
        if ratio < sp.pixels_ratio_output:
            return seg
        return None

    def _dcf_peaks(
        self, seq: TargetState, image: np.ndarray, im: torch.Tensor | None, dcf_view: tuple[torch.Tensor, float, float], scales: list[float],
    ) -> list[float]:
        """The DCF's windowed peak at the localisation's centre for each of ``scales``, the
        first of which is the state's. All views are centred where the localisation sampled,
        with the same filter, so when it sampled at the state's scale its peak is the first
        one's and only the others need a (batched) sample."""
        view_pos, view_scale, view_peak = dcf_view
        im = self._to_tensor(image) if im is None else im
        if view_scale == scales[0]:
            return [view_peak] + seq.dcf.peaks(im, view_pos, scales[1:])
        return seq.dcf.peaks(im, view_pos, scales)  # the scale was clamped since the localisation

    @staticmethod
    def _prediction(
        seq: TargetState, polygon: np.ndarray, mask: np.ndarray | None, confidence: float, segmented: bool, present: bool,
        probability: np.ndarray | None = None,
    ) -> Prediction:
        h, w = seq.image_shape
        if not present:
            mask, probability = np.zeros((h, w), dtype=bool), None
        elif mask is None:
            filled = np.zeros((h, w), np.uint8)
            cv2.fillPoly(filled, [np.round(polygon).astype(np.int32)], 1)
            mask = filled.astype(bool)
        lo, hi = polygon.min(0), polygon.max(0)
        box = (float(lo[0]), float(lo[1]), float(hi[0] - lo[0]), float(hi[1] - lo[1]))
        return Prediction(mask, polygon.astype(np.float64), box, float(confidence), segmented, present, probability)
