"""``edge train classify``: an SEM scene classifier for a folder-per-class image set.

A CNN trained from scratch (or from ``--weights``) on the CPU with flips, 90-degree
rotations, random square crops, contrast and noise, and progressive resizing (the input
size grows over the epochs). Splits are group-aware: near-duplicate images (one group)
never straddle train and validation. Optional group-aware k-fold cross-validation.
Exported to ONNX; run by the same backends as the screening CNN.
"""

import json
import time
from dataclasses import asdict
from pathlib import Path

import cv2
import numpy as np

from edge.pipeline.scene import scaled, tiles
from edge.train.parameters import ClassifyTraining
from edge.train.scene_data import LabelledSet, group_folds, load_greyscale, read_folder_per_class

TILE, STRIDE = 128, 64


def train_classify(
    data: Path, out: Path, params: ClassifyTraining, groups: Path | None = None, weights: Path | None = None
) -> dict:
    """Cross-validate if asked, then train on a group-aware split, export ONNX, write the record."""
    import torch

    torch.set_num_threads(2)
    images = read_folder_per_class(data, groups)
    frames = [scaled(load_greyscale(p), params.scale) for p in images.paths]
    print(f"{len(frames)} images in {len(images.classes)} classes {images.classes}, {len(set(images.groups))} groups")
    record: dict = {"parameters": asdict(params), "data": str(data), "classes": images.classes}
    record["input"] = {"scale": params.scale, "tile": TILE, "stride": STRIDE}
    started = time.perf_counter()
    if params.folds > 1:
        fold_of = group_folds(images.labels, images.groups, params.folds, params.seed)
        reports = []
        for fold in range(params.folds):
            held_out = fold_of == fold
            model = _fit(frames, images, ~held_out, params, weights, f"fold {fold + 1}/{params.folds}")
            reports.append(evaluate(_predict(model, frames, held_out), images.labels[held_out], images.classes))
            print(f"fold {fold + 1}: accuracy {reports[-1]['accuracy']:.4f}", flush=True)
        record["cross_validation"] = _summarise_folds(reports, images.classes)
        print(format_report(record["cross_validation"], images.classes, "cross-validation, summed over folds"))
    cut = int(round(1 / params.validation_fraction))
    validation = group_folds(images.labels, images.groups, cut, params.seed) == 0
    model = _fit(frames, images, ~validation, params, weights, "final model")
    record["validation"] = evaluate(_predict(model, frames, validation), images.labels[validation], images.classes)
    record["validation_images"] = [str(p.relative_to(data)) for p, v in zip(images.paths, validation, strict=True) if v]
    print(format_report(record["validation"], images.classes, "validation split of the final model"))
    export_classifier(model, out)
    record["training_seconds"] = round(time.perf_counter() - started, 1)
    out.with_suffix(".json").write_text(json.dumps(record, indent=1))
    torch.save(model.state_dict(), out.with_suffix(".pt"))
    return record


def _fit(frames, images: LabelledSet, train: np.ndarray, params: ClassifyTraining, weights, label: str):
    import torch

    from edge.train.scene_net import SceneNet

    torch.manual_seed(params.seed)
    rng = np.random.default_rng(params.seed)
    model = SceneNet(len(images.classes), params.width)
    if weights is not None:
        model.load_state_dict(torch.load(weights, weights_only=True))
    sizes = [int(s) for s in params.sizes.split(",")]
    indices = np.flatnonzero(train)
    steps = len(sizes) * params.epochs_per_size * int(np.ceil(len(indices) / params.batch))
    optimiser = torch.optim.AdamW(model.parameters(), lr=params.learning_rate, weight_decay=1e-4)
    schedule = torch.optim.lr_scheduler.OneCycleLR(optimiser, params.learning_rate, total_steps=steps)
    loss_function = torch.nn.CrossEntropyLoss()
    for size_index, size in enumerate(sizes):
        for epoch in range(params.epochs_per_size):
            model.train()
            losses = []
            order = indices[rng.permutation(len(indices))]
            for start in range(0, len(indices), params.batch):
                batch = order[start : start + params.batch]
                inputs = torch.from_numpy(np.stack([_augment(frames[i], size, rng) for i in batch])[:, None])
                optimiser.zero_grad()
                loss = loss_function(model.logits(inputs), torch.from_numpy(images.labels[batch]))
                loss.backward()
                optimiser.step()
                schedule.step()
                losses.append(loss.item())
            number = size_index * params.epochs_per_size + epoch + 1
            print(f"{label}: epoch {number:2d} at {size} px, loss {np.mean(losses):.4f}", flush=True)
    return model


def _augment(frame: np.ndarray, size: int, rng) -> np.ndarray:
    """A random square crop of about ``size`` px of the working-resolution frame (scale
    jittered by 0.8-1.25), flips, 90-degree turns, contrast, brightness and noise; 0..1."""
    height, width = frame.shape
    side = min(int(size * rng.uniform(0.8, 1.25)), height, width)
    top, left = rng.integers(0, height - side + 1), rng.integers(0, width - side + 1)
    crop = cv2.resize(frame[top : top + side, left : left + side], (size, size), interpolation=cv2.INTER_AREA)
    crop = np.rot90(crop, rng.integers(4))
    if rng.random() < 0.5:
        crop = crop[:, ::-1]
    crop = crop.astype(np.float32) / 255
    crop = (crop - crop.mean()) * rng.uniform(0.7, 1.3) + crop.mean() + rng.uniform(-0.1, 0.1)
    return (crop + rng.normal(0, rng.uniform(0, 0.03), crop.shape)).astype(np.float32)


def _predict(model, frames, chosen: np.ndarray) -> np.ndarray:
    """The class of each chosen frame: the mean of its tiles' probabilities."""
    import torch

    model.eval()
    predicted = []
    with torch.no_grad():
        for index in np.flatnonzero(chosen):
            batch = tiles(frames[index], TILE, STRIDE)[:, None].astype(np.float32) / 255
            predicted.append(int(model(torch.from_numpy(batch)).numpy().mean(axis=0).argmax()))
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


def _summarise_folds(reports: list[dict], classes: list[str]) -> dict:
    summed = _scores(np.sum([r["confusion"] for r in reports], axis=0), classes)
    accuracies = [r["accuracy"] for r in reports]
    return {**summed, "fold_accuracies": accuracies, "mean_accuracy": float(np.mean(accuracies))}


def format_report(report: dict, classes: list[str], title: str) -> str:
    """Accuracy, the per-class table and the confusion matrix as text."""
    lines = [f"{title}: accuracy {report['accuracy']:.4f}"]
    if "mean_accuracy" in report:
        folds = ", ".join(f"{a:.3f}" for a in report["fold_accuracies"])
        lines.append(f"mean accuracy over folds {report['mean_accuracy']:.4f} ({folds})")
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


def export_classifier(model, out: Path) -> None:
    """ONNX with a dynamic batch axis; input ``frames`` (N tiles, 1, 128, 128), output ``probabilities``."""
    import torch

    model.eval()
    torch.onnx.export(
        model,
        torch.zeros(2, 1, TILE, TILE),
        str(out),
        input_names=["frames"],
        output_names=["probabilities"],
        dynamic_axes={"frames": {0: "batch"}, "probabilities": {0: "batch"}},
        opset_version=17,
        dynamo=False,
    )
