"""``edge train screen``: the screening CNN, trained on crops around the cascade's detections.

Detections on the train split on a labelled loop at its scale are loops, those near no
labelled loop are not (see ``candidates_with_labels``). Training fine-tunes the bundled screen
unless told to start elsewhere or from scratch (``starting_network``). Whole images are held
out: a validation carve of the train split, or, where that would hold too few loops to choose
on (a dozen frames), every image once in folds (``held_out_folds``). The epoch and the decision
threshold are the ones with the best F1 of the whole pipeline on the held-out images (or the
most precise reaching a recall target), and the candidates' minimum support the largest that
costs little of it (see ``choose_operating_point``). Each kept candidate is scored as
``edge evaluate`` scores the pipeline's loops: its window or, where the model set has an outline
padding, its measured outline padded so (see ``ValidationImage``). Exported to ONNX with a dynamic batch
axis (and an FP16 copy).
"""

import json
import time
from dataclasses import asdict, dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING, NamedTuple

import numpy as np

from edge.eval.matching import centres_within
from edge.io.dataset import LabelledImage
from edge.io.images import read_frame, to_uint8
from edge.pipeline.backends import FP16_SUFFIX, record_path
from edge.pipeline.crops import least_crop_side, screen_inputs
from edge.pipeline.detect import LoopDetector
from edge.pipeline.measure import LoopMeasurer, outline_boxes
from edge.pipeline.model_set import ModelSet
from edge.pipeline.screen import DEFAULT_SCREEN, LEAST_CROP_KEY, recorded_least_crop
from edge.train.audit import decision_counts, read_decisions
from edge.train.microscopes import as_another_microscope
from edge.train.parameters import START_BUNDLED, START_NONE, ScreenTraining

if TYPE_CHECKING:
    import torch

SCALE_TOLERANCE = 1.6
MIN_EPOCH_CROPS = 4096
SUPPORT_COST = 0.005  # validation F1 (or precision, at a recall target) given up to screen fewer candidates
TRUSTED_LABELS = 100  # fewer validation loops than this, or images than TRUSTED_IMAGES: the trainer warns,
# and holds images out in folds rather than in one carve (held_out_folds)
TRUSTED_IMAGES = 3
AUTO_FOLDS = 4  # folds where a validation carve would hold too few loops to choose on (held_out_folds)
SCREEN_BLUR_PX = (0.3, 1.5)  # --augment microscope: the blur's sigma, crop pixels


class Candidates(NamedTuple):
    """The cascade's boxes on one labelled image, their crops, training targets and support."""

    boxes: np.ndarray
    crops: np.ndarray
    targets: np.ndarray
    support: np.ndarray


def candidates_with_labels(
    item: LabelledImage, detector: LoopDetector, crop_px: int, tolerance_px: float, least_crop_px: float
) -> Candidates:
    """The cascade's boxes on one labelled image, their crops (at least ``least_crop_px`` a side),
    their training target (1 for a box on a labelled loop at its scale: centres within
    ``tolerance_px`` in x and in y, sides within a factor of 1.6; 0 for a box near no loop; -1,
    left out of training, for a box near a loop at the wrong scale, such as a small window inside
    a large loop) and their support."""
    view = to_uint8(read_frame(item.image).pixels)
    boxes, _, support = detector.detect_with_support(view)
    near = centres_within(boxes, item.boxes, tolerance_px)
    ratio = _sides(boxes)[:, None] / _sides(item.boxes)[None, :]
    same_scale = near & (ratio <= SCALE_TOLERANCE) & (ratio >= 1 / SCALE_TOLERANCE)
    targets = np.where(same_scale.any(axis=1), 1, np.where(near.any(axis=1), -1, 0))
    return Candidates(boxes, screen_inputs(view, boxes, crop_px, least_crop_px), targets, support)


@dataclass(frozen=True, eq=False)
class ValidationImage:
    """One validation image's labels and cascade candidates (``candidates_with_labels``), with
    ``scored_as``: the box each candidate is scored as when the screen keeps it, as ``edge
    evaluate`` scores the pipeline's loops. That is its window or, where the model set has an
    outline padding, its measured outline padded so; NaN where the flood finds no outline (a
    kept window the pipeline then does not report). Outlines are measured with the loops'
    polarity found from the image's candidates ("auto", ``edge evaluate``'s default): all its
    cascade windows vote, where the pipeline's kept loops alone vote (on the bundled samples
    every candidate, kept or not, reads dark)."""

    item: LabelledImage
    boxes: np.ndarray
    crops: np.ndarray
    support: np.ndarray
    scored_as: np.ndarray


def validation_image(item: LabelledImage, candidates: Candidates, outline_padding: float | None) -> ValidationImage:
    """``item``'s candidates, their crops and support, and the boxes they are scored as."""
    boxes, crops, _, support = candidates
    if outline_padding is None:
        return ValidationImage(item, boxes, crops, support, boxes)
    return ValidationImage(
        item, boxes, crops, support, padded_outlines(read_frame(item.image).pixels, boxes, outline_padding)
    )


def padded_outlines(pixels: np.ndarray, boxes: np.ndarray, padding: float) -> np.ndarray:
    """``(N, 4)``: the loop measured in each box (module III), as its outline's box scaled by
    ``padding`` about its centre; NaN where the flood finds no outline."""
    outlines = np.full((len(boxes), 4), np.nan)
    for row, defect in enumerate(LoopMeasurer().measure_each(pixels, boxes)):
        if defect is not None:
            outlines[row] = outline_boxes([defect], padding)[0]
    return outlines


def _sides(boxes: np.ndarray) -> np.ndarray:
    return np.maximum(boxes[:, 2] - boxes[:, 0], boxes[:, 3] - boxes[:, 1])


def split_images(items: list, fraction: float, seed: int) -> tuple[list, list]:
    """Train and validation images (whole images, so no loop is on both sides; at least one
    of each), in their order in ``items`` (the images, or their indices)."""
    if len(items) < 2:
        raise ValueError(
            f"the screen needs at least 2 labelled images (one to choose its threshold on), got {len(items)}"
        )
    order = np.random.default_rng(seed).permutation(len(items))
    cut = min(max(1, int(round(fraction * len(items)))), len(items) - 1)
    return [items[i] for i in sorted(order[cut:])], [items[i] for i in sorted(order[:cut])]


def train_screen(
    items: list[LabelledImage],
    out: Path,
    params: ScreenTraining,
    models: ModelSet,
    data: str,
    audit: list[Path] | None = None,
) -> dict:
    """Train on crops of the cascade of ``models`` (with its settings) on ``items`` (``data``
    names them in the record; ``audit``, the files of decisions that completed their labels, if any),
    choose the epoch and the operating point on held-out images, export ONNX to ``out``, write
    the record.

    With one fold (``held_out_folds``) the held-out images are a validation carve, and the
    network kept is the one trained on the others at the chosen epoch. With several, every
    image is held out once: the epoch and the operating point are chosen on all of them
    together, each scored by the network of the fold that did not train on it, and the network
    kept is trained again on every image for that many epochs."""
    import torch

    torch.manual_seed(params.seed)
    torch.set_num_threads(2)
    rng = np.random.default_rng(params.seed)
    model, params = starting_network(params, models)
    if params.start != START_NONE:
        print(f"fine-tuning {_shown(_start_path(params.start))} ({params.crop_px} px crops); --start none trains a "
              "new screen", flush=True)  # fmt: skip
    tolerance = models.centre_tolerance_px
    detector = LoopDetector(models.cascade, models.detector)
    folds = held_out_folds(items, params)
    started = time.perf_counter()
    least_crop = _least_crop(params)
    candidates = [candidates_with_labels(item, detector, params.crop_px, tolerance, least_crop) for item in items]
    held_out, runs = [], []
    for number, held in enumerate(folds):
        if number:
            model, _ = starting_network(params, models)
        prefix = f"fold {number + 1}/{len(folds)}, " if len(folds) > 1 else ""
        training = [candidates[index] for index in range(len(items)) if index not in held]
        crops, targets = _training_crops(training, params, rng)
        if targets.sum() == 0:
            raise ValueError(
                f"the cascade of {models.folder} finds none of the labelled loops of the {len(training)} training "
                "images: train one on them (edge train cascade) and give it with --cascade"
            )
        print(f"{prefix}{len(training)} train images: {len(crops)} crops, {int(targets.sum())} loops", flush=True)
        validation = [validation_image(items[index], candidates[index], models.outline_padding) for index in held]
        run, states = _fit(model, crops, targets, rng, params, validation, tolerance, started, prefix, len(folds) == 1)
        held_out += validation
        runs.append(run)
    best, best_scores = _best_epoch(held_out, runs, params, tolerance)
    if len(folds) == 1:
        model.load_state_dict(states[best["epoch"] - _first_epoch(params)])
    else:
        print(f"{len(held_out)} images held out in {len(folds)} folds: epoch {best['epoch']}, threshold "
              f"{best['threshold']:.2f}, support >= {best['min_support']}: recall {best['recall']:.3f} precision "
              f"{best['precision']:.3f} F1 {best['f1']:.3f}", flush=True)  # fmt: skip
        model, _ = starting_network(params, models)
        crops, targets = _training_crops(candidates, params, rng)
        print(f"all {len(items)} images, {best['epoch']} epochs: {len(crops)} crops, {int(targets.sum())} loops",
              flush=True)  # fmt: skip
        _fit(model, crops, targets, rng, params, [], tolerance, started, "all images, ", False, best["epoch"])
    counts = _pipeline_counts(held_out, best_scores, best["threshold"], best["min_support"], tolerance)
    expectation, intervals = what_to_expect(counts)
    print(expectation, flush=True)
    export_onnx(model, out, params.crop_px)
    record = {
        "parameters": asdict(params),
        "data": data,
        "model_set": _shown(models.folder),
        "folds": len(folds),
        "train_images": len(items) - (len(held_out) if len(folds) == 1 else 0),
        "validation_images": [image.item.image.name for image in held_out],
        "training_crops": len(crops),
        "training_loops": int(targets.sum()),
        "validation": best,
        "validation_intervals": intervals,
        "operating_point": _operating_rule(params.target_recall, len(folds)),
        "audit": None if not audit else _audit_record(audit),
        "started_from": None if params.start == START_NONE else _shown(_start_path(params.start)),
        "threshold": best["threshold"],
        LEAST_CROP_KEY: least_crop,
        "min_support": best["min_support"],
        "training_seconds": round(time.perf_counter() - started, 1),
    }
    out.with_suffix(".json").write_text(json.dumps(record, indent=1))
    chosen_by = f"validation recall >= {params.target_recall:g}" if params.target_recall > 0 else "validation F1"
    print(
        f"kept epoch {best['epoch']} of {params.epochs}: threshold {best['threshold']:.2f}, support >= "
        f"{best['min_support']} (chosen by {chosen_by}); wrote {out} and {out.with_suffix('.json')}",
        flush=True,
    )
    return record


def held_out_folds(items: list[LabelledImage], params: ScreenTraining) -> list[list[int]]:
    """The images each training run holds out, by index in ``items``.

    One validation carve (``split_images``) where ``params.folds`` is 1, or is 0 and the carve
    holds at least ``TRUSTED_LABELS`` labelled loops in ``TRUSTED_IMAGES`` images. Otherwise
    ``params.folds`` (0: ``AUTO_FOLDS``; at most one an image) folds of whole images, each
    held out once, so that a dozen frames choose the operating point on all their loops rather
    than on two frames' worth."""
    _, carved = split_images(list(range(len(items))), params.validation_fraction, params.seed)
    trusted = sum(len(items[index].boxes) for index in carved) >= TRUSTED_LABELS and len(carved) >= TRUSTED_IMAGES
    folds = min(params.folds or (1 if trusted else AUTO_FOLDS), len(items))
    if folds == 1:
        return [carved]
    order = np.random.default_rng(params.seed).permutation(len(items))
    return [sorted(order[number::folds].tolist()) for number in range(folds)]


def _first_epoch(params: ScreenTraining) -> int:
    """0 where fine-tuning (epoch 0: the screen started from, as it is), else 1."""
    return 0 if params.start != START_NONE else 1


def _fit(
    model: "torch.nn.Module",
    crops: np.ndarray,
    targets: np.ndarray,
    rng: np.random.Generator,
    params: ScreenTraining,
    validation: list[ValidationImage],
    tolerance_px: float,
    started: float,
    name: str,
    keep_states: bool,
    epochs: int | None = None,
) -> tuple[list, list]:
    """Train ``model`` on ``crops`` for ``epochs`` (default ``params.epochs``) of the one-cycle
    schedule of ``params.epochs``, printing each epoch's loss and, with ``validation`` images,
    its operating point there; each epoch's validation scores with that point (threshold,
    support, rates) and, with ``keep_states``, its weights (from epoch 0, the start as it is,
    when fine-tuning). ``name`` begins each line; ``started``, a ``time.perf_counter``
    reading, times them."""
    import torch

    optimiser = torch.optim.AdamW(model.parameters(), lr=params.learning_rate, weight_decay=1e-4)
    steps_per_epoch = int(np.ceil(max(len(crops), MIN_EPOCH_CROPS) / params.batch))
    total_steps = max(params.epochs, 1) * steps_per_epoch  # epochs 0: the schedule is made, never stepped
    schedule = torch.optim.lr_scheduler.OneCycleLR(optimiser, params.learning_rate, total_steps=total_steps)
    loss_function = torch.nn.BCEWithLogitsLoss()
    run, states = [], []
    for epoch in range(_first_epoch(params), (params.epochs if epochs is None else epochs) + 1):
        if epoch == 0:
            done = "as started"
        else:
            done = f"loss {_train_epoch(model, crops, targets, rng, params, optimiser, schedule, loss_function):.4f}"
        line = f"{name}epoch {epoch:2d}/{params.epochs}: {done}"
        if validation:
            scores = _validation_scores(model, validation)
            threshold, support, rates = choose_operating_point(validation, scores, tolerance_px, params.target_recall)
            line += (
                f", validation at threshold {threshold:.2f}, support >= {support}: "
                f"recall {rates['recall']:.3f} precision {rates['precision']:.3f} F1 {rates['f1']:.3f}"
            )
            run.append((scores, (threshold, support, rates)))
        if keep_states:
            states.append({key: value.clone() for key, value in model.state_dict().items()})
        print(f"{line}, {time.perf_counter() - started:.0f} s", flush=True)
    return run, states


def _best_epoch(
    held_out: list[ValidationImage], runs: list, params: ScreenTraining, tolerance_px: float
) -> tuple[dict, list]:
    """The epoch whose operating point (``choose_operating_point`` on all the ``held_out``
    images together, each scored by its fold's network; with one fold, the point ``_fit``
    chose) is best (``operating_point_key``): its rates, threshold, support and number, and
    its scores. ``runs``: each fold's ``_fit`` epochs."""
    best, best_scores = None, None
    for epoch, by_fold in enumerate(zip(*runs, strict=True), start=_first_epoch(params)):
        scores = [image_scores for fold_scores, _ in by_fold for image_scores in fold_scores]
        if len(by_fold) == 1:
            threshold, min_support, rates = by_fold[0][1]
        else:
            threshold, min_support, rates = choose_operating_point(held_out, scores, tolerance_px, params.target_recall)
        if best is None or operating_point_key(rates, params.target_recall) > operating_point_key(
            best, params.target_recall
        ):
            best = {**rates, "threshold": threshold, "min_support": min_support, "epoch": epoch}
            best_scores = scores
    return best, best_scores


def starting_network(params: ScreenTraining, models: ModelSet) -> tuple["torch.nn.Module", ScreenTraining]:
    """The network training starts from, and ``params`` with the crop size and width it fixes.

    With ``params.start`` "none", a new network of ``params.width`` taking crops of
    ``params.crop_px`` (0: the model set's); otherwise the screen it names ("bundled": the
    bundled li2018 one; else a ``screen.onnx``), whose crop size and width it keeps.

    Raises ``ValueError`` for a start that is no screen file, or that takes another crop size
    or width than ``params`` asks for."""
    from edge.train.screen_net import screen_net_from_onnx, screen_network

    if params.start == START_NONE:
        params = replace(params, crop_px=params.crop_px or models.crop_px)
        return screen_network(params.backbone, params.width, params.crop_px, params.backbone_blocks), params
    path = _start_path(params.start)
    if not path.is_file():
        raise ValueError(f"start {params.start!r}: no screen at {path} (give a screen.onnx, bundled or none)")
    model = screen_net_from_onnx(path)
    for name, value in (("crop_px", model.crop_px), ("width", model.width)):
        asked = getattr(params, name)
        if asked not in (0, value, getattr(ScreenTraining, name)):
            raise ValueError(f"{name} {asked}: the screen started from ({path}) has {value}; start none for another")
    return model, replace(params, crop_px=model.crop_px, width=model.width)


def _least_crop(params: ScreenTraining) -> float:
    """The least side of the crops the screen is trained, chosen and used on, in frame pixels
    (``least_crop_side``); with no epochs to train, the screen started from kept as it is, so
    its own (``recorded_least_crop``)."""
    if params.epochs > 0 or params.start == START_NONE:
        return least_crop_side(params.crop_px)
    record = record_path(_start_path(params.start))
    return recorded_least_crop(json.loads(record.read_text())) if record.is_file() else 0.0


def _start_path(start: str) -> Path:
    """The screen file ``ScreenTraining.start`` names (not "none")."""
    return DEFAULT_SCREEN if start == START_BUNDLED else Path(start)


def _train_epoch(model, crops, targets, rng, params: ScreenTraining, optimiser, schedule, loss_function) -> float:
    """One epoch of training on ``crops`` (``_epoch_order``), augmented afresh; its mean loss."""
    import torch

    model.train()
    order = _epoch_order(len(crops), rng)
    losses = []
    for start in range(0, len(order), params.batch):
        batch = order[start : start + params.batch]
        inputs = torch.from_numpy(_augment(crops[batch], rng, params.augment == "microscope"))
        optimiser.zero_grad()
        loss = loss_function(model.logits(inputs).squeeze(1), torch.from_numpy(targets[batch]))
        loss.backward()
        optimiser.step()
        schedule.step()
        losses.append(loss.item())
    return float(np.mean(losses))


def _audit_record(paths: list[Path]) -> dict:
    """The record's note of the audit files that completed the labels, and their decisions' counts."""
    decisions = [decision for path in paths for decision in read_decisions(path)]
    return {"decisions": [_shown(path) for path in paths], **decision_counts(decisions)}


def _operating_rule(target_recall: float, folds: int) -> str:
    """The record's words for how the threshold and support were chosen (and the epoch kept)."""
    if folds > 1:
        return (
            f"{_operating_rule(target_recall, 1)}, on the images of {folds} folds together, each held out once and "
            "scored by the network trained on the others; the network kept trained again on every image for that "
            "many epochs"
        )
    if target_recall > 0:
        return (
            f"of the thresholds (0.05-0.95) and supports (1-3) whose validation recall reaches {target_recall:g}, "
            f"the largest support within {SUPPORT_COST:g} of the best precision, at its most precise threshold "
            "(the highest recall where none reaches it); the epoch with the best precision there"
        )
    return (
        f"the threshold with the best validation F1, the largest support within {SUPPORT_COST:g} of it; "
        "the epoch with the best F1"
    )


def _shown(folder: Path) -> str:
    """``folder`` relative to the working directory where it lies below it (a record names the
    model set the same way on every machine), else in full."""
    return str(folder.relative_to(Path.cwd())) if folder.is_relative_to(Path.cwd()) else str(folder)


def _epoch_order(count: int, rng) -> np.ndarray:
    """The crops of one epoch: each once, shuffled; a small data set's drawn with replacement up
    to ``MIN_EPOCH_CROPS`` (each augmented afresh), so a dozen frames get enough steps."""
    if count >= MIN_EPOCH_CROPS:
        return rng.permutation(count)
    return rng.integers(0, count, MIN_EPOCH_CROPS)


def export_onnx(model, out: Path, crop_px: int) -> None:
    """Write ``out`` (float32) and ``out`` with ``.fp16.onnx`` (float16 weights and inputs; its
    record is ``out``'s, ``edge.pipeline.backends.load_model``), taking ``(N, 1, crop_px, crop_px)``
    crops."""
    import torch

    model.eval()
    example = torch.zeros(2, 1, crop_px, crop_px)
    _export(model, example, out)
    _export(model.half(), example.half(), out.with_suffix(FP16_SUFFIX + ".onnx"))  # half() converts in place
    model.float()


def _export(model, example, path: Path) -> None:
    import torch

    torch.onnx.export(
        model,
        example,
        str(path),
        input_names=["crops"],
        output_names=["loop_probability"],
        dynamic_axes={"crops": {0: "batch"}, "loop_probability": {0: "batch"}},
        opset_version=17,
        dynamo=False,
    )


def _training_crops(candidates: list[Candidates], params, rng) -> tuple[np.ndarray, np.ndarray]:
    """The training crops of images' ``candidates``: every loop, and at most
    ``params.negatives_per_positive`` background crops a loop of each image, drawn with ``rng``."""
    all_crops, all_targets = [], []
    for _, crops, targets, _ in candidates:
        positives = np.flatnonzero(targets == 1)
        negatives = np.flatnonzero(targets == 0)
        keep = min(len(negatives), int(params.negatives_per_positive * max(len(positives), 1)))
        chosen = np.concatenate([positives, rng.choice(negatives, keep, replace=False)])
        all_crops.append(crops[chosen])
        all_targets.append(targets[chosen] == 1)
    return np.concatenate(all_crops), np.concatenate(all_targets).astype(np.float32)


def _augment(crops: np.ndarray, rng, microscope: bool = False) -> np.ndarray:
    """The 8 rotations/mirrors, contrast changes, Gaussian noise, of screening inputs ``(N, 1, S, S)``;
    with ``microscope``, first what differs between microscopes and sessions
    (``edge.train.microscopes``)."""
    out = np.empty(crops.shape, np.float32)
    for index, crop in enumerate(crops[:, 0]):
        if microscope:
            crop = as_another_microscope(crop, rng, SCREEN_BLUR_PX)
        crop = np.rot90(crop, rng.integers(4))
        if rng.random() < 0.5:
            crop = crop[:, ::-1]
        crop = (crop - crop.mean()) * rng.uniform(0.8, 1.25) + crop.mean()
        out[index, 0] = crop + rng.normal(0, rng.uniform(0, 0.04), crop.shape)
    return out


def _validation_scores(model, validation: list[ValidationImage]) -> list[np.ndarray]:
    import torch

    model.eval()
    with torch.no_grad():
        return [model(torch.from_numpy(image.crops)).numpy().ravel() for image in validation]


def choose_operating_point(
    validation: list[ValidationImage], scores: list[np.ndarray], tolerance_px: float, target_recall: float = 0.0
) -> tuple[float, int, dict]:
    """The threshold and candidate support (of 1, 2, 3) of the whole pipeline on the validation
    images.

    With a ``target_recall``: of the points whose recall reaches it, those within
    ``SUPPORT_COST`` of the best precision, and of those the largest support (missing labels
    lower precision, not recall, so recall is what a point can be chosen by; see
    ``edge.train.audit`` for making precision trustworthy); where none reaches it, the point
    with the highest recall. Without one (0): the threshold with the best F1 and the largest support
    that keeps that F1 within ``SUPPORT_COST`` (each step of support spares the CNN a share
    of the candidates; lone hits are about half)."""
    thresholds = [float(t) for t in np.arange(0.05, 0.96, 0.05)]
    rated = {
        (support, t): _pipeline_rates(validation, scores, t, support, tolerance_px)
        for support in (1, 2, 3)
        for t in thresholds
    }
    if target_recall > 0:
        reaching = {point: rates for point, rates in rated.items() if rates["recall"] >= target_recall}
        if not reaching:
            (support, threshold), rates = max(rated.items(), key=lambda point: (point[1]["recall"], point[0]))
            return threshold, support, rates
        most_precise = max(rates["precision"] for rates in reaching.values())
        allowed = {p: r for p, r in reaching.items() if r["precision"] >= most_precise - SUPPORT_COST}
        support = max(s for s, _ in allowed)
        threshold = max((t for s, t in allowed if s == support), key=lambda t: _precision_recall(allowed[support, t]))
        return threshold, support, allowed[support, threshold]
    best = {support: max(((rated[support, t], t) for t in thresholds), key=_f1) for support in (1, 2, 3)}
    allowed = [s for s, (rates, _) in best.items() if rates["f1"] >= best[1][0]["f1"] - SUPPORT_COST]
    rates, threshold = best[max(allowed)]
    return threshold, max(allowed), rates


def _f1(rated: tuple[dict, float]) -> float:
    return rated[0]["f1"]


def _precision_recall(rates: dict) -> tuple[float, float]:
    return rates["precision"], rates["recall"]


def operating_point_key(rates: dict, target_recall: float) -> tuple:
    """How epochs are compared, by the rates of the point ``choose_operating_point`` chose: with a
    recall target, reaching it first, then precision there (else recall); without, F1."""
    if target_recall > 0:
        reached = rates["recall"] >= target_recall
        return reached, rates["precision"] if reached else rates["recall"]
    return (rates["f1"],)


def _pipeline_rates(
    validation: list[ValidationImage], scores: list[np.ndarray], threshold: float, min_support: int, tolerance_px: float
) -> dict:
    """Recall, precision and F1 pooled over the validation images when candidates with at
    least ``min_support`` are screened at ``threshold``."""
    from edge.eval.matching import pooled

    return pooled(_pipeline_counts(validation, scores, threshold, min_support, tolerance_px)).rates()


def _pipeline_counts(
    validation: list[ValidationImage], scores: list[np.ndarray], threshold: float, min_support: int, tolerance_px: float
) -> list:
    """Each validation image's ``Counts`` when candidates with at least ``min_support`` are
    screened at ``threshold``."""
    from edge.eval.matching import count_matches
    from edge.pipeline.screen import kept_indices

    counts = []
    for image, probabilities in zip(validation, scores, strict=True):
        chosen = np.flatnonzero(image.support >= min_support)
        kept = image.scored_as[chosen[kept_indices(image.boxes[chosen], probabilities[chosen], threshold)]]
        kept = kept[~np.isnan(kept).any(axis=1)]
        counts.append(count_matches(image.item.boxes, kept, "one-to-one", tolerance_px, image.item.added))
    return counts


def what_to_expect(counts: list) -> tuple[str, dict[str, list[float]]]:
    """The lines that tell what to expect of the model on frames like the validation images,
    from their ``Counts``: their pooled figures with 95 % intervals from resampling them, with a
    warning where they hold fewer than ``TRUSTED_LABELS`` labelled loops or ``TRUSTED_IMAGES``
    images; and the intervals."""
    from edge.eval.matching import bootstrap_intervals, pooled

    rates = pooled(counts).rates()
    intervals = bootstrap_intervals(counts)
    lines = [
        "what to expect on frames like the validation images (95 % intervals from resampling them): "
        + ", ".join(f"{name} {rates[name]:.3f} [{low:.3f}, {high:.3f}]" for name, (low, high) in intervals.items())
    ]
    labelled = sum(c.labelled for c in counts)
    if labelled < TRUSTED_LABELS or len(counts) < TRUSTED_IMAGES:
        lines.append(
            f"warning: validation holds {labelled} labelled loops in {len(counts)} images (fewer than "
            f"{TRUSTED_LABELS} loops or {TRUSTED_IMAGES} images): these figures are rough; label more frames "
            "to trust them"
        )
    return "\n".join(lines), intervals
