"""Tracking: parameters, the per-sequence tracker, and its segmentation step."""

from .params import SegmentationParams, TrackerParams
from .tracker import Prediction, Tracker

__all__ = ["Prediction", "SegmentationParams", "Tracker", "TrackerParams"]
