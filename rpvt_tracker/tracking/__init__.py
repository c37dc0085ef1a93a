"""Tracking: parameters, the per-sequence tracker, and its segmentation step."""

from .params import PRESETS, SegmentationParams, TrackerParams, tracker_params
from .tracker import Prediction, Tracker

__all__ = ["PRESETS", "Prediction", "SegmentationParams", "Tracker", "TrackerParams", "tracker_params"]
