"""The SEM scene classifier CNN (PyTorch; training only)."""

import torch
from torch import nn


class SceneNet(nn.Module):
    """Five conv blocks, global average pooling and a linear head, so one network takes every
    input size of progressive resizing. Takes greyscale frames ``(N, 1, S, S)`` scaled to 0..1,
    standardises each itself, and returns class probabilities ``(N, classes)``."""

    def __init__(self, classes: int, width: int = 16):
        super().__init__()
        layers, channels = [], 1
        for out in (width, 2 * width, 4 * width, 8 * width, 8 * width):
            layers += [nn.Conv2d(channels, out, 3, padding=1, bias=False), nn.BatchNorm2d(out), nn.ReLU()]
            layers += [nn.MaxPool2d(2)]
            channels = out
        self.features = nn.Sequential(*layers)
        self.head = nn.Sequential(nn.AdaptiveAvgPool2d(1), nn.Flatten(), nn.Dropout(0.3), nn.Linear(channels, classes))

    def logits(self, frames: torch.Tensor) -> torch.Tensor:
        mean = frames.mean(dim=(2, 3), keepdim=True)
        std = frames.std(dim=(2, 3), keepdim=True)
        return self.head(self.features((frames - mean) / (std + 1e-3)))

    def forward(self, frames: torch.Tensor) -> torch.Tensor:
        return torch.softmax(self.logits(frames), dim=1)


class MeanOfNets(nn.Module):
    """Several ``SceneNet`` (fold models) as one network: the mean of their class probabilities,
    exported as one ONNX graph so that serving runs them in one call."""

    def __init__(self, nets: list[SceneNet]):
        super().__init__()
        self.nets = nn.ModuleList(nets)

    def forward(self, frames: torch.Tensor) -> torch.Tensor:
        return torch.stack([net(frames) for net in self.nets]).mean(dim=0)
