"""``edge train classify``: an SEM scene classifier for a folder-per-class image set.

A CNN trained from scratch (or from ``--weights``) on the CPU with flips, 90-degree
rotations, random square crops, contrast and noise, and progressive resizing (the input
size grows over the epochs). Splits are group-aware: near-duplicate images (one group)
never straddle train and validation. Optional group-aware k-fold cross-validation.
Exported to ONNX; run by the same backends as the screening CNN.
"""

import json
import time
from dataclasses import asdict, replace
from pathlib import Path

import cv2
import numpy as np

from edge.pipeline.texture import texture_features
from edge.pipeline.tiling import scaled, tiles, view_scales
from edge.train.parameters import ClassifyTraining
from edge.train.scene_data import LabelledSet, group_folds, load_greyscale, read_folder_per_class
from edge.train.scene_texture import TEXTURE_SCALES, fit_texture_nested, texture_probabilities

TILE = 128
DENSE_STRIDE = 64  # the tile stride scored for reference when the shipped one is sparser


def train_classify(
    data: Path, out: Path, params: ClassifyTraining, groups: Path | None = None, weights: Path | None = None
) -> dict:
    """Cross-validate if asked (``_cross_validate``), then train the CNN (or its ``params.members``
    fold models) and the texture model on a group-aware split, export ONNX with the texture model
    in its record, write the record and the (first) CNN's PyTorch weights. With a ``backbone``:
    the linear probe of ``edge.train.scene_probe`` instead."""
    import torch

    torch.set_num_threads(2)
    images = read_folder_per_class(data, groups)
    record: dict = {"parameters": asdict(params), "data": str(data), "classes": images.classes}
    if params.backbone != "none":
        from edge.train.scene_probe import train_probe

        started = time.perf_counter()
        print(f"{len(images.paths)} images in {len(images.classes)} classes {images.classes}, "
              f"{len(set(images.groups))} groups", flush=True)  # fmt: skip
        record.update(train_probe(images, [load_greyscale(p) for p in images.paths], out, params))
        record["training_seconds"] = round(time.perf_counter() - started, 1)
        out.with_suffix(".json").write_text(json.dumps(record, indent=1))
        return record
    record["input"] = {"scale": params.scale, "tile": TILE, "stride": params.tile_stride}
    if params.coarse_scale:
        record["input"]["coarse_scale"] = params.coarse_scale
    originals = [load_greyscale(p) for p in images.paths]
    frames = [[scaled(frame, scale) for scale in view_scales(record["input"])] for frame in originals]
    features = np.array([texture_features(frame, TEXTURE_SCALES) for frame in originals])
    print(f"{len(frames)} images in {len(images.classes)} classes {images.classes}, {len(set(images.groups))} groups")
    started = time.perf_counter()
    if params.folds > 1:
        record["cross_validation"] = _cross_validate(frames, features, images, params, weights)
    cut = int(round(1 / params.validation_fraction))
    validation = group_folds(images.labels, images.groups, cut, params.seed) == 0
    model = _fit_cnn(frames, images, ~validation, params, weights, "final model")
    labels, classes = images.labels, len(images.classes)
    texture = fit_texture_nested(features[~validation], labels[~validation], images.groups[~validation], classes,
                                 params.seed)  # fmt: skip
    cnn = _predict(model, frames, validation, params.tile_stride)
    held_out = {"cnn": cnn, "cnn + texture": (cnn + texture_probabilities(texture, features[validation])) / 2}
    record["validation"] = {name: evaluate(p.argmax(axis=1), labels[validation], images.classes)
                            for name, p in held_out.items()}  # fmt: skip
    record["validation_images"] = [str(p.relative_to(data)) for p, v in zip(images.paths, validation, strict=True) if v]
    record["texture"] = {"scales": list(TEXTURE_SCALES), **texture}
    print(format_report(record["validation"]["cnn + texture"], images.classes, "validation split of the final model"))
    export_classifier(model, out)
    record["training_seconds"] = round(time.perf_counter() - started, 1)
    out.with_suffix(".json").write_text(json.dumps(record, indent=1))
    torch.save(_first_net(model).state_dict(), out.with_suffix(".pt"))  # a SceneNet, for --weights
    return record


SHIPPED = "cnn + texture"  # fixed before any fold was scored: its outer-fold figure is the clean estimate
PROTOCOL = (
    "group-aware k-fold cross-validation, repeated with other fold draws; in each outer fold the CNN (with "
    "members > 1: that many fold models, each trained on all but one group-aware inner fold of the outer fold's "
    "training images, their probabilities averaged) and the texture model are trained on the other folds alone, "
    "the texture model's L2 strength chosen by group-aware inner folds among those images; the shipped classifier "
    "(cnn + texture: the mean of the two halves' probabilities) was fixed before any fold was scored, so its "
    "outer-fold accuracy is a clean held-out estimate; the other options are scored on the same folds for "
    "reference and chose nothing"
)
ONE_FOLD_MODEL = "cnn, one fold model"
FLIPS = "cnn, 8 flips and turns"
DENSE = f"cnn, tiles every {DENSE_STRIDE} px"
FINEST = "cnn, working resolution alone"


def _options(params: ClassifyTraining) -> tuple[str, ...]:
    """The options scored on the outer folds. With several members, the first member alone is
    scored for reference, and the 8 flips and turns (8 times each member's cost) are not; with
    tiles sparser than ``DENSE_STRIDE``, the CNN half on tiles ``DENSE_STRIDE`` apart too; with a
    coarse view, the CNN half on the working resolution's view alone."""
    dense = (DENSE,) if params.tile_stride > DENSE_STRIDE else ()
    finest = (FINEST,) if params.coarse_scale else ()
    return ("cnn", ONE_FOLD_MODEL if params.members > 1 else FLIPS, *dense, *finest, "texture", SHIPPED)


def _cross_validate(frames, features: np.ndarray, images: LabelledSet, params: ClassifyTraining, weights) -> dict:
    """Group-aware cross-validation, repeated ``params.repeats`` times with other fold draws.

    In each outer fold the CNN and the texture model are trained on the other folds alone: the
    texture model's L2 strength is chosen by inner folds among those images (nested), and the
    shipped classifier (``SHIPPED``: the mean of the two halves' probabilities) was fixed
    before any fold was scored, so its outer-fold accuracy is a clean held-out estimate. The
    CNN half alone, the texture model alone and either the CNN averaged over the 8 flips and
    turns of each tile or, with several members, one fold model alone are scored on the same
    folds for reference (not used to choose anything)."""
    labels, groups, classes = images.labels, images.groups, images.classes
    options, runs = _options(params), []
    finest = [views[:1] for views in frames]  # the working resolution's view alone
    for repeat in range(params.repeats):
        seed = params.seed + repeat
        fold_of = group_folds(labels, groups, params.folds, seed)
        probabilities = {name: np.zeros((len(labels), len(classes))) for name in options}
        for fold in range(params.folds):
            held, label = fold_of == fold, f"repeat {repeat + 1}/{params.repeats}, fold {fold + 1}/{params.folds}"
            model = _fit_cnn(frames, images, ~held, params, weights, label)  # every repeat's CNN seeded as before
            texture = fit_texture_nested(features[~held], labels[~held], groups[~held], len(classes), seed)
            stride = params.tile_stride
            probabilities["cnn"][held] = _predict(model, frames, held, stride)
            if params.members > 1:
                probabilities[ONE_FOLD_MODEL][held] = _predict(_first_net(model), frames, held, stride)
            else:
                probabilities[FLIPS][held] = _predict(model, frames, held, stride, turns=True)
            if stride > DENSE_STRIDE:
                probabilities[DENSE][held] = _predict(model, frames, held, DENSE_STRIDE)
            if params.coarse_scale:
                probabilities[FINEST][held] = _predict(model, finest, held, stride)
            probabilities["texture"][held] = texture_probabilities(texture, features[held])
            print(f"{label}: texture C {texture['c']:g}", flush=True)
        probabilities[SHIPPED] = (probabilities["cnn"] + probabilities["texture"]) / 2
        runs.append({name: p.argmax(axis=1) for name, p in probabilities.items()})
        for name in options:
            print(f"repeat {repeat + 1}: {name}: accuracy {np.mean(runs[-1][name] == labels):.4f}", flush=True)
    report = {"protocol": PROTOCOL, "clean_estimate": SHIPPED, "folds": params.folds, "repeats": params.repeats,
              "options": {}}  # fmt: skip
    for name in options:
        accuracies = [float(np.mean(run[name] == labels)) for run in runs]
        pooled = evaluate(np.concatenate([run[name] for run in runs]), np.tile(labels, len(runs)), classes)
        interval = group_bootstrap_interval([run[name] == labels for run in runs], groups, params.seed)
        spread = {"mean_accuracy": float(np.mean(accuracies)), "sd_accuracy": float(np.std(accuracies))}
        report["options"][name] = {**pooled, "repeat_accuracies": accuracies, **spread, "interval_95": interval}
        print(format_report(report["options"][name], classes, f"cross-validation: {name}"))
    return report


def group_bootstrap_interval(correct: list[np.ndarray], groups: np.ndarray, seed: int, draws: int = 2000) -> list:
    """A 95 % interval of the accuracy, resampling whole groups (near-duplicates move together)
    with replacement; ``correct`` holds one boolean per image for each repeat, averaged."""
    rng = np.random.default_rng(seed)
    per_image = np.mean(correct, axis=0)
    names, index = np.unique(groups, return_inverse=True)
    sums, counts = np.bincount(index, per_image), np.bincount(index)
    picks = rng.integers(0, len(names), (draws, len(names)))
    accuracies = sums[picks].sum(axis=1) / counts[picks].sum(axis=1)
    return [float(np.percentile(accuracies, 2.5)), float(np.percentile(accuracies, 97.5))]


def _fit_cnn(frames, images: LabelledSet, train: np.ndarray, params: ClassifyTraining, weights, label: str):
    """The CNN half: one network trained on the ``train`` images, or with ``params.members`` > 1
    that many fold models (each trained on all but one group-aware fold of those images, with
    its own seed) as one ``MeanOfNets``."""
    if params.members == 1:
        return _fit(frames, images, train, params, weights, label)
    from edge.train.scene_net import MeanOfNets

    inner = np.full(len(train), -1)
    inner[train] = group_folds(images.labels[train], images.groups[train], params.members, params.seed)
    nets = []
    for member in range(params.members):
        chosen, name = train & (inner != member), f"{label}, member {member + 1}/{params.members}"
        nets.append(_fit(frames, images, chosen, replace(params, seed=params.seed + member), weights, name))
    return MeanOfNets(nets)


def _first_net(model):
    """The first (or only) ``SceneNet`` of a CNN half."""
    return model.nets[0] if hasattr(model, "nets") else model


def _fit(frames, images: LabelledSet, train: np.ndarray, params: ClassifyTraining, weights, label: str):
    import torch

    from edge.train.scene_net import SceneNet

    torch.manual_seed(params.seed)
    model = SceneNet(len(images.classes), params.width)
    if weights is not None:
        model.load_state_dict(torch.load(weights, weights_only=True))
    return train_progressively(model, frames, images.labels, train, params.sizes, params.epochs_per_size,
                               params.learning_rate, params, label)  # fmt: skip


def train_progressively(
    model, frames, labels: np.ndarray, train: np.ndarray, sizes: str, epochs_per_size: int, learning_rate: float,
    params: ClassifyTraining, label: str,
):  # fmt: skip
    """Train ``model`` (whose ``logits`` take crops ``(N, 1, S, S)``) on augmented crops
    (``augmented_crop``) of one of the views of each of the ``train`` frames, ``epochs_per_size``
    epochs at each of ``sizes`` ("64,96,128": progressive resizing), AdamW with a one-cycle
    schedule, batches of ``params.batch``; returns it."""
    import torch

    rng = np.random.default_rng(params.seed)
    sizes_px = [int(s) for s in sizes.split(",")]
    indices = np.flatnonzero(train)
    steps = len(sizes_px) * epochs_per_size * int(np.ceil(len(indices) / params.batch))
    optimiser = torch.optim.AdamW(model.parameters(), lr=learning_rate, weight_decay=1e-4)
    schedule = torch.optim.lr_scheduler.OneCycleLR(optimiser, learning_rate, total_steps=steps)
    loss_function = torch.nn.CrossEntropyLoss()
    for size_index, size in enumerate(sizes_px):
        for epoch in range(epochs_per_size):
            model.train()
            losses = []
            order = indices[rng.permutation(len(indices))]
            for start in range(0, len(indices), params.batch):
                batch = order[start : start + params.batch]
                crops = [augmented_crop(_any_view(frames[i], rng), size, params, rng) for i in batch]
                inputs = torch.from_numpy(np.stack(crops)[:, None])
                optimiser.zero_grad()
                loss = loss_function(model.logits(inputs), torch.from_numpy(labels[batch]))
                loss.backward()
                optimiser.step()
                schedule.step()
                losses.append(loss.item())
            number = size_index * epochs_per_size + epoch + 1
            print(f"{label}: epoch {number:2d} at {size} px, loss {np.mean(losses):.4f}", flush=True)
    return model


def _any_view(views: list[np.ndarray], rng) -> np.ndarray:
    """One of a frame's views, drawn at random where it has several."""
    return views[rng.integers(len(views))] if len(views) > 1 else views[0]


def augmented_crop(frame: np.ndarray, size: int, params: ClassifyTraining, rng) -> np.ndarray:
    """A random square crop of about ``size`` px of one view of a frame (scale
    jittered by ``1 / params.scale_jitter`` to ``params.scale_jitter``: micrographs come at
    other magnifications), blurred with ``params.blur`` (other focus), flips, 90-degree turns,
    contrast, brightness and noise; 0..1."""
    height, width = frame.shape
    side = min(int(size * rng.uniform(1 / params.scale_jitter, params.scale_jitter)), height, width)
    top, left = rng.integers(0, height - side + 1), rng.integers(0, width - side + 1)
    crop = cv2.resize(frame[top : top + side, left : left + side], (size, size), interpolation=cv2.INTER_AREA)
    if params.blur > 0 and rng.random() < 0.5:
        crop = cv2.GaussianBlur(crop, (0, 0), rng.uniform(0.3, params.blur))
    crop = np.rot90(crop, rng.integers(4))
    if rng.random() < 0.5:
        crop = crop[:, ::-1]
    crop = crop.astype(np.float32) / 255
    crop = (crop - crop.mean()) * rng.uniform(0.7, 1.3) + crop.mean() + rng.uniform(-0.1, 0.1)
    return (crop + rng.normal(0, rng.uniform(0, 0.03), crop.shape)).astype(np.float32)


def _predict(model, frames, chosen: np.ndarray, stride: int, turns: bool = False) -> np.ndarray:
    """Class probabilities of each chosen frame: the mean over its views of the mean of the
    view's tiles' (``stride`` px apart; with ``turns``, of its tiles' in each of the 8 flips and
    quarter turns)."""
    import torch

    model.eval()
    predicted = []
    with torch.no_grad():
        for index in np.flatnonzero(chosen):
            by_view = []
            for view in frames[index]:
                batch = tiles(view, TILE, stride)
                if turns:
                    flipped = (batch, batch[:, :, ::-1])
                    batch = np.concatenate([np.rot90(b, k, axes=(1, 2)) for b in flipped for k in range(4)])
                batch = np.ascontiguousarray(batch[:, None], dtype=np.float32) / 255
                by_view.append(model(torch.from_numpy(batch)).numpy().mean(axis=0))
            predicted.append(np.mean(by_view, axis=0))
    return np.array(predicted)


def evaluate(predicted: np.ndarray, truth: np.ndarray, classes: list[str]) -> dict:
    """Accuracy, per-class precision/recall/F1, macro averages and the confusion matrix
    (rows: true class, columns: predicted)."""
    matrix = np.zeros((len(classes), len(classes)), np.int64)
    np.add.at(matrix, (truth, predicted), 1)
    return _scores(matrix, classes)


def _scores(matrix: np.ndarray, classes: list[str]) -> dict:
    per_class = {}
    for index, name in enumerate(classes):
        true_positive = matrix[index, index]
        precision = true_positive / matrix[:, index].sum() if matrix[:, index].sum() else 0.0
        recall = true_positive / matrix[index].sum() if matrix[index].sum() else 0.0
        f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
        per_class[name] = {"precision": float(precision), "recall": float(recall), "f1": float(f1)}
    return {
        "accuracy": float(np.trace(matrix) / matrix.sum()),
        "per_class": per_class,
        "macro": {k: float(np.mean([c[k] for c in per_class.values()])) for k in ("precision", "recall", "f1")},
        "confusion": matrix.tolist(),
    }


def format_report(report: dict, classes: list[str], title: str) -> str:
    """Accuracy, the per-class table and the confusion matrix as text."""
    lines = [f"{title}: accuracy {report['accuracy']:.4f}"]
    if "mean_accuracy" in report:
        repeats = ", ".join(f"{a:.3f}" for a in report["repeat_accuracies"])
        low, high = report["interval_95"]
        lines.append(f"mean accuracy over repeats {report['mean_accuracy']:.4f} ({repeats}), sd "
                     f"{report['sd_accuracy']:.4f}; 95 % interval (groups resampled) {low:.3f}-{high:.3f}")  # fmt: skip
    lines.append(f"{'class':<20} {'precision':>9} {'recall':>7} {'F1':>6}")
    for name, scores in report["per_class"].items():
        lines.append(f"{name:<20} {scores['precision']:>9.3f} {scores['recall']:>7.3f} {scores['f1']:>6.3f}")
    macro = report["macro"]
    lines.append(f"{'macro':<20} {macro['precision']:>9.3f} {macro['recall']:>7.3f} {macro['f1']:>6.3f}")
    lines.append("confusion (rows true, columns predicted): " + " | ".join(classes))
    lines += [
        f"  {name:<18} " + " ".join(f"{n:5d}" for n in row)
        for name, row in zip(classes, report["confusion"], strict=True)
    ]
    return "\n".join(lines)


def write_confusion_png(report: dict, classes: list[str], path: Path) -> None:
    """The confusion matrix as a PNG (cell shade = row fraction; counts written in)."""
    matrix = np.array(report["confusion"], np.float64)
    cell, margin = 90, 170
    image = np.full((margin + cell * len(classes), margin + cell * len(classes), 3), 255, np.uint8)
    fractions = matrix / np.maximum(matrix.sum(axis=1, keepdims=True), 1)
    for row in range(len(classes)):
        cv2.putText(image, classes[row][:14], (5, margin + row * cell + cell // 2), 0, 0.45, (0, 0, 0), 1)
        cv2.putText(image, classes[row][:14], (margin + row * cell + 3, margin - 10), 0, 0.4, (0, 0, 0), 1)
        for col in range(len(classes)):
            shade = int(255 * (1 - fractions[row, col]))
            top_left = (margin + col * cell, margin + row * cell)
            cv2.rectangle(image, top_left, (top_left[0] + cell - 2, top_left[1] + cell - 2), (255, shade, shade), -1)
            colour = (255, 255, 255) if fractions[row, col] > 0.5 else (0, 0, 0)
            cv2.putText(image, f"{int(matrix[row, col])}", (top_left[0] + 25, top_left[1] + 50), 0, 0.7, colour, 2)
    cv2.putText(image, "true (rows) vs predicted (columns)", (5, 25), 0, 0.5, (0, 0, 0), 1)
    cv2.imwrite(str(path), image)


def export_classifier(model, out: Path, tile: int = TILE) -> None:
    """ONNX with a dynamic batch axis; input ``frames`` (N tiles, 1, tile, tile), output ``probabilities``."""
    import torch

    model.eval()
    torch.onnx.export(
        model,
        torch.zeros(2, 1, tile, tile),
        str(out),
        input_names=["frames"],
        output_names=["probabilities"],
        dynamic_axes={"frames": {0: "batch"}, "probabilities": {0: "batch"}},
        opset_version=17,
        dynamo=False,
    )
