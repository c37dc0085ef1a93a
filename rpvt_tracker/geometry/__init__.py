"""Pure array geometry (numpy): distance maps, D3S's crops, rotated-box fitting, regions."""

from .boxfit import fit_box_to_mask, largest_contour, min_area_box
from .crop import CropWindow, crop_window, paste_mask, paste_probability, sample_target
from .distance import distance_map

__all__ = [
    "CropWindow",
    "crop_window",
    "distance_map",
    "fit_box_to_mask",
    "largest_contour",
    "min_area_box",
    "paste_mask",
    "paste_probability",
    "sample_target",
]
