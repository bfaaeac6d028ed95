"""The parameters of each trainer, as dataclasses: each field is a ``--name`` option of its
``edge train`` command and is written into the model's record. Kept apart from the trainers so
that the command line describes them without importing Numba, OpenCV or PyTorch."""

from dataclasses import dataclass


@dataclass(frozen=True)
class CascadeTraining:
    """Parameters of one training run (written beside the model as its record)."""

    window: int = 12
    stages: int = 13
    min_hit_rate: float = 0.996
    max_false_alarm: float = 0.5
    max_weak_per_stage: int = 60
    positives: int = 6000
    negatives: int = 4000
    min_window_px: int = 0  # 0: the smallest window the derived settings scan
    size_jitter: float = 1.25
    augment: str = "paper"  # or "microscope": positives as other microscopes show loops (edge.train.microscopes),
    # negatives also mined from the inverted frames
    seed: int = 0

    def __post_init__(self):
        _check_augment(self.augment)


START_BUNDLED = "bundled"
START_NONE = "none"


@dataclass(frozen=True)
class ScreenTraining:
    """Parameters of one training run (written beside the model as its record)."""

    epochs: int = 20
    batch: int = 128
    learning_rate: float = 2e-3
    negatives_per_positive: float = 8.0
    validation_fraction: float = 0.15  # the validation carve's share of the images, where one is carved
    folds: int = 0  # images held out in this many folds, each once (1: one validation carve; 0: folds only where the
    # carve would hold under 100 loops or 3 images; edge.train.screen.held_out_folds)
    width: int = 16
    crop_px: int = 0  # 0: the model set's (derived from the data, 32 for li2018)
    backbone: str = "none"  # or "efficientnet-lite0": its first backbone_blocks blocks, ImageNet-pretrained
    backbone_blocks: int = 5
    target_recall: float = 0.0  # > 0: the operating point is the most precise one with this validation recall
    # (li2018's, whose training labels miss loops: 0.86); 0: the one with the best validation F1
    augment: str = "paper"  # or "microscope": crops also as other microscopes show them (edge.train.microscopes)
    start: str = START_BUNDLED  # the screen fine-tuned: the bundled li2018 one, a screen.onnx, or "none" (from scratch)
    seed: int = 0

    def __post_init__(self):
        _check_augment(self.augment)
        if self.epochs < (1 if self.start == START_NONE else 0):
            raise ValueError(f"epochs must be >= 1 from scratch, >= 0 fine-tuning (0: a threshold), got {self.epochs}")
        if self.folds < 0:
            raise ValueError(f"folds must be >= 0 (0: chosen from the data; 1: one validation carve), got {self.folds}")
        if self.start != START_NONE and self.backbone != "none":
            raise ValueError(f"a screen with a backbone starts from its pretrained trunk: give start {START_NONE!r}")


AUGMENTATIONS = ("paper", "microscope")
SCENE_BACKBONES = ("none", "efficientnet-lite0")


def _check_augment(augment: str) -> None:
    if augment not in AUGMENTATIONS:
        raise ValueError(f"augment must be one of {AUGMENTATIONS}, got {augment!r}")


@dataclass(frozen=True)
class ClassifyTraining:
    """Parameters of one training run (written beside the model as its record)."""

    scale: float = 0.5
    coarse_scale: float = 0.0  # > 0: a second, coarser view of each frame, which the CNN also learns and averages
    scale_jitter: float = 1.25  # a training crop covers 1/j to j times its nominal side
    blur: float = 0.0  # > 0: half the training crops blurred, Gaussian sigma 0.3 to this (network-input px)
    sizes: str = "64,96,128"
    epochs_per_size: int = 40
    batch: int = 32
    learning_rate: float = 3e-3
    width: int = 16
    members: int = 1  # > 1: the CNN half is the mean of this many fold models (group folds of its images)
    tile_stride: int = 64  # serving: the probabilities are the mean over tiles this far apart
    backbone: str = "none"  # efficientnet-lite0: a linear probe on the pretrained backbone (edge.train.scene_probe)
    backbone_tile: int = 224  # the backbone's tiles, px at the working scale
    backbone_blocks: int = 0  # the backbone's first blocks read (0: all 16 and its head convolution)
    max_tiles: int = 0  # > 0: a frame is read from at most this many of its tiles, spread over it
    held_out_draws: int = 0  # > 0 (backbone): leave-groups-out draws, each holding out HELD_OUT_GROUPS of the groups
    fine_tune_epochs: int = (
        0  # > 0 (backbone): also fine-tune it, this many epochs at each of fine_tune_sizes, in k-fold
    )
    fine_tune_sizes: str = "128,160,224"
    fine_tune_learning_rate: float = 1e-3
    validation_fraction: float = 0.2
    folds: int = 0
    repeats: int = 1
    seed: int = 0

    def __post_init__(self):
        if not self.scale_jitter >= 1:
            raise ValueError(f"scale_jitter must be >= 1 (1: none), got {self.scale_jitter}")
        if not (self.blur == 0 or self.blur >= 0.3):
            raise ValueError(f"blur must be 0 (none) or a largest sigma >= 0.3 px, got {self.blur}")
        if not (self.coarse_scale == 0 or 0 < self.coarse_scale < self.scale):
            raise ValueError(f"coarse_scale must be 0 (none) or below scale ({self.scale}), got {self.coarse_scale}")
        if self.backbone not in SCENE_BACKBONES:
            raise ValueError(f"backbone must be one of {SCENE_BACKBONES}, got {self.backbone!r}")
        side = 128 if self.backbone == "none" else self.backbone_tile
        if not 1 <= self.tile_stride <= side:
            raise ValueError(f"tile_stride must be 1 to {side} px (the tile's side), got {self.tile_stride}")
        if self.max_tiles < 0 or self.held_out_draws < 0:
            raise ValueError("max_tiles and held_out_draws must be >= 0 (0: every tile; no draws)")
        if self.members < 1:
            raise ValueError(f"members must be >= 1 (1: one CNN), got {self.members}")
