"""Tracking: parameters, the tracker (one state per target), several targets in one session, and
the segmentation step."""

from .multi import MultiTargetTracker
from .params import PRESETS, AbsenceParams, SegmentationParams, TrackerParams, tracker_params
from .tracker import Prediction, TargetState, Tracker

__all__ = [
    "PRESETS",
    "AbsenceParams",
    "MultiTargetTracker",
    "Prediction",
    "SegmentationParams",
    "TargetState",
    "Tracker",
    "TrackerParams",
    "tracker_params",
]
