"""Parameters of the online DCF (ATOM's classifier as D3S runs it). Defaults are D3S's."""

from __future__ import annotations

from dataclasses import dataclass, replace

#: The DCF's feature stride -> the backbone level it reads.
FEATURE_LEVELS = {8: "layer2", 16: "layer3"}


@dataclass(frozen=True)
class DCFParams:
    """Online discriminative correlation filter.

    Sampling
      * ``sample_size``: side of the square image sample fed to the feature net (pixels).
      * ``search_area_scale``: sample side / sqrt(target area).
      * ``feature_stride``: stride of the feature layer: 16 reads the backbone's layer3 (D3S's),
        8 its layer2 (finer cells: they tell a target from a look-alike beside it better, but
        lost accuracy on the yardstick's tuning parts; BENCHMARKS.md, "Look-alikes"; in no
        preset; ``LookalikeParams`` runs a layer2 DCF beside the layer3 one instead).
        ``compressed_dim`` must not exceed that layer's channels (the lite
        backbones' layer2 has 40; a larger one is an error naming both).
    Model
      * ``compressed_dim``: channels after the learnt PCA-initialised projection.
      * ``kernel_size``: filter size in feature cells.
      * ``output_sigma_factor``: Gaussian label width relative to the target size in cells.
      * ``filter_reg`` / ``projection_reg``: Tikhonov weights of filter and projection.
      * ``response_activation``: the "mlu" parameter: elu(leaky_relu(x, 1/a), a).
    Optimisation (Gauss-Newton + conjugate gradient, Polak-Ribiere)
      * ``init_gn_iter`` x (``init_cg_iter`` / ``init_gn_iter``): joint filter + projection at init.
      * ``cg_iter``: filter-only CG iterations per update; ``train_skipping``: update every N frames.
      * ``hard_negative_cg_iter``: CG iterations on a hard-negative frame.
    Memory
      * ``sample_memory_size``: stored samples; ``learning_rate`` (``hard_negative_learning_rate``
        on hard negatives): weight of a new sample, older ones decay by (1 - lr).
    Localisation
      * ``hard_negative_threshold``: second peak / first peak ratio flagging a hard negative.
      * ``target_neighborhood_scale``: size of the region around the first peak masked out
        before searching the second peak, relative to the target.
      * ``distractor_threshold``, ``displacement_scale``, ``target_not_found_threshold``: ATOM's
        distractor / not-found logic; D3S's values make it inactive.
    Augmentation of the first frame (27 samples: identity, 8 shifts, flip, 5 blurs, 12 rotations)
      * ``augmentation_expansion``: the augmented region is this many times the sample.
      * ``relative_shifts``, ``blur_sigmas``, ``rotations_deg``.
    """

    sample_size: int = 256
    search_area_scale: float = 4.5
    feature_stride: int = 16
    compressed_dim: int = 64
    kernel_size: int = 4
    output_sigma_factor: float = 0.25
    filter_reg: float = 0.1
    projection_reg: float = 1e-4
    response_activation: float = 0.05
    init_cg_iter: int = 60
    init_gn_iter: int = 6
    cg_iter: int = 5
    train_skipping: int = 10
    hard_negative_cg_iter: int = 5
    sample_memory_size: int = 250
    learning_rate: float = 0.0075
    hard_negative_learning_rate: float = 0.02
    hard_negative_threshold: float = 0.3
    target_neighborhood_scale: float = 2.2
    distractor_threshold: float = 100.0
    displacement_scale: float = 0.7
    target_not_found_threshold: float = -1.0
    augmentation_expansion: int = 2
    relative_shifts: tuple[tuple[float, float], ...] = (
        (0.25, 0.25), (-0.25, 0.25), (0.25, -0.25), (-0.25, -0.25),
        (0.75, 0.75), (-0.75, 0.75), (0.75, -0.75), (-0.75, -0.75),
    )
    blur_sigmas: tuple[tuple[float, float], ...] = ((2, 0.2), (0.2, 2), (3, 1), (1, 3), (2, 2))
    rotations_deg: tuple[float, ...] = (5, -5, 10, -10, 20, -20, 30, -30, 45, -45, -60, 60)

    def __post_init__(self) -> None:
        if self.feature_stride not in FEATURE_LEVELS:
            raise ValueError(f"dcf.feature_stride must be one of {sorted(FEATURE_LEVELS)} (backbone layer2 or layer3), got {self.feature_stride}")
        # Values outside these ranges do not fail where they are used: a negative search area
        # squares to a positive one, a learning rate over 1 weighs the memory negatively, a
        # sample that is not a whole number of cells is cut to one the backbone does not give.
        checks = (
            (self.sample_size > 0 and self.sample_size % self.feature_stride == 0,
             f"sample_size must be a positive multiple of feature_stride {self.feature_stride}, got {self.sample_size}"),
            (self.search_area_scale > 0, f"search_area_scale must be positive, got {self.search_area_scale}"),
            (self.compressed_dim >= 1, f"compressed_dim must be at least 1, got {self.compressed_dim}"),
            (1 <= self.kernel_size <= max(self.feature_size, 1),
             f"kernel_size must be 1 to the sample's {self.feature_size} cells, got {self.kernel_size}"),
            (self.output_sigma_factor > 0 and self.filter_reg > 0 and self.projection_reg >= 0,
             "output_sigma_factor and filter_reg must be positive and projection_reg not negative, got "
             f"{self.output_sigma_factor}, {self.filter_reg}, {self.projection_reg}"),
            (self.init_gn_iter >= 1 and self.init_cg_iter >= self.init_gn_iter and self.cg_iter >= 0 and self.hard_negative_cg_iter >= 0,
             "init_gn_iter must be at least 1, init_cg_iter at least init_gn_iter, cg_iter and hard_negative_cg_iter not negative, got "
             f"{self.init_gn_iter}, {self.init_cg_iter}, {self.cg_iter}, {self.hard_negative_cg_iter}"),
            (self.train_skipping >= 1, f"train_skipping must be at least 1 (frames), got {self.train_skipping}"),
            (self.sample_memory_size >= 1, f"sample_memory_size must be at least 1, got {self.sample_memory_size}"),
            (0 <= self.learning_rate < 1 and 0 <= self.hard_negative_learning_rate < 1,
             f"learning_rate and hard_negative_learning_rate must be in [0, 1), got {self.learning_rate} and {self.hard_negative_learning_rate}"),
        )
        for ok, message in checks:
            if not ok:
                raise ValueError(f"dcf.{message}")

    @property
    def feature_size(self) -> int:
        return self.sample_size // self.feature_stride

    @property
    def feature_level(self) -> str:
        """The ``BackboneFeatures`` field the DCF reads."""
        return FEATURE_LEVELS[self.feature_stride]


@dataclass(frozen=True)
class LookalikeParams:
    """A second, finer DCF that localises while a look-alike is near the target.

    The DCF on layer3 (stride 16, 16x16 cells over a 4.5x sample) sees a target and a
    look-alike crossing it as one blob for several frames, and its peak slides onto whichever
    moves on; a passer-by of the same kind takes the target (OTB Human3; BENCHMARKS.md,
    "Look-alikes"). Finer cells tell the two apart sooner, but a layer2 DCF alone lost accuracy
    on fast, blurred targets. So, with ``enabled``, a layer2 DCF (``compressed_dim`` channels,
    ``kernel_size`` cells) learns beside the layer3 one every frame, on features of the same
    backbone pass, and its translation is used for ``hold`` frames (counted from, and restarted
    by, each frame that ends such a streak) once the layer3 scores showed, for ``persist``
    frames in a row, a second peak:

      * at least ``second_peak`` x the first peak,
      * outside an ellipse about the first peak with semi-axes ``exclusion`` x the target's
        size,
      * moving, relative to the first peak, less than ``max_drift`` x the target's size a frame
        (a look-alike walks beside the target; the peaks of a blurred response jump about).

    The other decisions (the peak's height, hard negatives, the gates) stay the layer3 DCF's.
    Not with ``TrackerParams.shared_backbone``: the real-time mode cannot pay a second filter
    (about 1.75x the DCF's cost, BENCHMARKS.md).

    In no preset (opt-in: ``{"preset": "lite", "lookalike": {"enabled": true}}``). Chosen on
    tuning material, where it kept two more look-alike crossings of eight at no cost, it did not
    keep the held-out crossing it was built for (OTB Human3) and fired on a motorbike turning
    over in the air (MotorRolling: second peaks on the background, one more failure);
    BENCHMARKS.md, "A second DCF beside look-alikes".
    """

    enabled: bool = False
    compressed_dim: int = 32
    kernel_size: int = 4
    second_peak: float = 0.4
    exclusion: float = 0.8
    persist: int = 3
    max_drift: float = 0.5
    hold: int = 8

    def __post_init__(self) -> None:
        if self.persist < 1 or self.hold < 1:
            raise ValueError(f"lookalike.persist and lookalike.hold must be at least 1 frame, got {self.persist} and {self.hold}")

    def fine(self, coarse: DCFParams) -> DCFParams:
        """The layer2 DCF's parameters: the layer3 DCF's sample, memory and schedule."""
        return replace(coarse, feature_stride=8, compressed_dim=self.compressed_dim, kernel_size=self.kernel_size)
