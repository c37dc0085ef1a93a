"""Pure array geometry (numpy): distance maps; crops, regions and box fitting join here later."""

from .distance import distance_map

__all__ = ["distance_map"]
