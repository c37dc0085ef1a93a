"""rpvt-tracker: segmentation-based visual object tracking (D3S, D3S-MS, RPVT) for the VOT toolkit.

Layout (imports flow downward only):

* ``geometry``  -- pure array geometry: distance maps (later crops, regions, box fitting).
* ``models``    -- the segmentation network: backbone, foreground/background matching, the
  refiner registry (``d3s``, ``d3s-ms``, ``rpvt``) and checkpoint I/O.
* ``cli``       -- the ``rpvt`` command.
"""

__version__ = "0.1.0"
