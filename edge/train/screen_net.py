"""The screening CNN (PyTorch; training only): loop or not, from a square crop."""

import torch
from torch import nn


class ScreenNet(nn.Module):
    """Four conv blocks and a linear head. Takes crops ``(N, 1, crop_px, crop_px)`` scaled by
    their frame's contrast (``edge.pipeline.crops.screen_inputs``), removes each crop's mean (so
    brightness does not matter, but a crop's contrast against its frame does) and returns the
    probability that the crop holds a loop, ``(N, 1)``."""

    def __init__(self, width: int = 16, crop_px: int = 32):
        super().__init__()
        layers, channels = [], 1
        for out in (width, 2 * width, 4 * width, 4 * width):
            layers += [nn.Conv2d(channels, out, 3, padding=1, bias=False), nn.BatchNorm2d(out), nn.ReLU()]
            layers += [nn.MaxPool2d(2)]
            channels = out
        self.features = nn.Sequential(*layers)
        self.head = nn.Sequential(nn.Flatten(), nn.Dropout(0.2), nn.Linear(channels * (crop_px // 16) ** 2, 1))

    def logits(self, crops: torch.Tensor) -> torch.Tensor:
        return self.head(self.features(crops - crops.mean(dim=(2, 3), keepdim=True)))

    def forward(self, crops: torch.Tensor) -> torch.Tensor:
        return torch.sigmoid(self.logits(crops))
