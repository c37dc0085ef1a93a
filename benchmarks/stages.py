"""Where a tracked frame's time goes: exclusive time per stage, measured by wrapping the functions
that do each stage's work (nothing in the package is changed; the wrappers are removed after).

Stages (exclusive: a stage's time excludes the stages it calls):

* ``DCF feature pass``: the backbone under the DCF (``DCFFeatures.forward``);
* ``DCF sample``: cutting and resizing the DCF's 256-px patches (``sample_patch``);
* ``DCF response and peak``: projection, correlation, interpolation, peak search
  (``OnlineDCF.localize`` / ``peaks`` without the two stages above);
* ``DCF solve and update``: storing the sample, the conjugate-gradient steps
  (``OnlineDCF.update`` / ``optimize``);
* ``segmentation crop``: the 384-px crop and its normalisation (``sample_target``,
  ``normalize_crop`` in the segmentation step);
* ``segmentation backbone``: ``network.extract`` on that crop;
* ``head``: matching, mixer and refiner (``network.segment``);
* ``contour and box fit``: largest contour, minimum-area and fitted rotated box;
* ``mask paste``: the crop's probability back into the image (``paste_probability``);
* ``everything else``: the frame's time left over (frame to tensor, softmax and threshold, the
  tracker's bookkeeping, the absence rule, Python).

On CUDA each wrapper synchronises the device before and after its stage, so stages are
measured as if run one after the other (the sum is a little above an unsynchronised frame).
"""

from __future__ import annotations

import functools
import time
from collections import defaultdict
from contextlib import ExitStack
from unittest import mock

import torch

from rpvt_tracker.dcf import filter as dcf_filter
from rpvt_tracker.tracking import segmentation as seg

STAGES = (
    "DCF feature pass",
    "DCF sample",
    "DCF response and peak",
    "DCF solve and update",
    "segmentation crop",
    "segmentation backbone",
    "head",
    "contour and box fit",
    "mask paste",
)


class StageTimer:
    """``with timer.installed(tracker): ...`` accumulates exclusive seconds per stage."""

    def __init__(self, device: torch.device) -> None:
        self.device = device
        self.totals: dict[str, float] = defaultdict(float)
        self._children: list[float] = []

    def _sync(self) -> None:
        if self.device.type == "cuda":
            torch.cuda.synchronize(self.device)

    def wrap(self, stage: str, fn):
        @functools.wraps(fn)
        def timed(*args, **kwargs):
            self._sync()
            t0 = time.perf_counter()
            self._children.append(0.0)
            try:
                return fn(*args, **kwargs)
            finally:
                self._sync()
                elapsed = time.perf_counter() - t0
                self.totals[stage] += elapsed - self._children.pop()
                if self._children:
                    self._children[-1] += elapsed

        return timed

    def installed(self, tracker) -> ExitStack:
        stack = ExitStack()
        patches = [
            (dcf_filter.DCFFeatures, "forward", "DCF feature pass"),
            (dcf_filter, "sample_patch", "DCF sample"),
            (dcf_filter.OnlineDCF, "localize", "DCF response and peak"),
            (dcf_filter.OnlineDCF, "peaks", "DCF response and peak"),
            (dcf_filter.OnlineDCF, "update", "DCF solve and update"),
            (dcf_filter.OnlineDCF, "optimize", "DCF solve and update"),
            (seg, "sample_target", "segmentation crop"),
            (seg, "normalize_crop", "segmentation crop"),
            (tracker.network, "extract", "segmentation backbone"),
            (tracker.network, "segment", "head"),
            (seg, "largest_contour", "contour and box fit"),
            (seg, "min_area_box", "contour and box fit"),
            (seg, "fit_box_to_mask", "contour and box fit"),
            (seg, "paste_probability", "mask paste"),
        ]
        for owner, name, stage in patches:
            stack.enter_context(mock.patch.object(owner, name, self.wrap(stage, getattr(owner, name))))
        return stack

    def reset(self) -> None:
        self.totals.clear()


def profile(tracker, frames, region, device: torch.device) -> tuple[list[tuple[str, float, float]], float]:
    """Track ``frames`` (list of RGB arrays) from ``region`` on the first; returns
    ([(stage, ms a frame, share)], ms a frame in all), the initialisation excluded."""
    timer = StageTimer(device)
    with timer.installed(tracker):
        tracker.initialize(frames[0], region)
        timer.reset()
        t0 = time.perf_counter()
        for image in frames[1:]:
            tracker.track(image)
        timer._sync()
        total = (time.perf_counter() - t0) / (len(frames) - 1)
    rows = []
    for stage in STAGES:
        ms = timer.totals.get(stage, 0.0) / (len(frames) - 1)
        rows.append((stage, 1000 * ms, ms / total))
    rest = total - sum(timer.totals.values()) / (len(frames) - 1)
    rows.append(("everything else", 1000 * rest, rest / total))
    return rows, 1000 * total
