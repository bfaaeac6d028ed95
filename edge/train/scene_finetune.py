"""Fine-tuning the pretrained backbone for scenes (``edge train classify --backbone
efficientnet-lite0 --fine-tune-epochs N``): all of EfficientNet-Lite0 and a new linear head,
trained on the scene CNN's augmented crops (random square crops with scale jitter, flips,
quarter turns, contrast, brightness and noise) with progressive resizing, N epochs at each of
``fine_tune_sizes``, as the field's reference classifiers were trained. It is measured on the
cross-validation's folds beside the linear probe (``edge.train.scene_probe``), which ships
unless the fine-tuned network's interval lies wholly above the probe's.
"""

import numpy as np
import torch
from torch import nn

from edge.pipeline.tiling import chosen_tiles
from edge.train.scene_probe import PooledFeatures, pretrained_lite0


class FineTunedNet(nn.Module):
    """The backbone's pooled features and a linear head: tiles ``(N, 1, S, S)`` 0..1 in,
    probabilities ``(N, classes)`` out (the same contract as ``ProbeNet``)."""

    def __init__(self, features: PooledFeatures, classes: int):
        super().__init__()
        self.features = features
        self.head = nn.Sequential(nn.Dropout(0.2), nn.Linear(features.width, classes))

    def logits(self, tiles: torch.Tensor) -> torch.Tensor:
        return self.head(self.features(tiles))

    def forward(self, tiles: torch.Tensor) -> torch.Tensor:
        return torch.softmax(self.logits(tiles), dim=1)


def fine_tune(views: list[np.ndarray], labels: np.ndarray, train: np.ndarray, classes: int, params, label: str):
    """A ``FineTunedNet`` trained on the ``train`` images' views (8-bit, at the working scale)."""
    from edge.train.scenes import train_progressively

    torch.manual_seed(params.seed)
    model = FineTunedNet(PooledFeatures(pretrained_lite0(params.backbone_tile), params.backbone_blocks), classes)
    frames = [[view] for view in views]
    train_progressively(model, frames, labels, train, params.fine_tune_sizes, params.fine_tune_epochs,
                        params.fine_tune_learning_rate, params, label)  # fmt: skip
    return model.eval()


def fine_tuned_probabilities(model: FineTunedNet, views: list[np.ndarray], chosen: np.ndarray, params) -> np.ndarray:
    """Each chosen image's class probabilities: the mean of its tiles', cut as serving cuts them."""
    out = []
    with torch.no_grad():
        for index in np.flatnonzero(chosen):
            batch = chosen_tiles(views[index], params.backbone_tile, params.tile_stride, params.max_tiles)
            inputs = torch.from_numpy(np.ascontiguousarray(batch[:, None], dtype=np.float32) / 255)
            out.append(model(inputs).numpy().mean(axis=0))
    return np.array(out)
