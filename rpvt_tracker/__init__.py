"""rpvt-tracker: segmentation-based visual object tracking (D3S, D3S-MS, RPVT) for the VOT toolkit.

Layout (an arrow is "may import"; nothing imports ``train`` but ``cli``'s train and ablation
commands):

* ``geometry``  -- pure array geometry: regions and their pixels, distance maps, D3S's crops,
  rotated-box fitting.
* ``dcf``       -- the online DCF (ATOM's classifier as D3S runs it) -> geometry, models (its
  ImageNet normalisation).
* ``models``    -- the segmentation network (weights only): backbones (ResNet-50, EfficientNet-
  Lite0), foreground/background matching, the refiner registry (``d3s``, ``d3s-ms``, ``rpvt``),
  checkpoint I/O -> geometry.
* ``tracking``  -- parameters, the tracker (per-target state), several targets in one session and
  the absence rule, its segmentation step, the frame reader and the VOT sequence folder reader /
  writer, ``rpvt track``'s loop -> models, dcf, geometry.
* ``vot``       -- the TraX server (multi-object), generated sequences and multi-object scenes,
  DAVIS-converted workspaces, result tables (VOT and VOTS, the paper's layout), evaluating
  registered entries with the toolkit -> tracking.
* ``evaluation`` -- the paper's other benchmarks: DAVIS 2016 (VOS protocol, J and F), GOT-10k and
  LaSOT (through the ``got10k`` package) -> tracking, vot (the paper's numbers and layout).
* ``train``     -- datasets, training pairs, composites, loss, the loop -> tracking, models.
* ``resources`` -- where the embedded weights, templates, registry and shipped video are (a
  checkout or an installed wheel).
* ``cli``       -- the ``rpvt`` command.
"""

__version__ = "0.1.0"
