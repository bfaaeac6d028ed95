"""Training the scene classifier's texture model (``edge.pipeline.texture``): a multinomial
logistic regression on LBP histograms, its L2 strength chosen by group-aware cross-validation
inside the images it is given (so an outer fold's images never choose it)."""

import numpy as np

from edge.pipeline.texture import TextureModel, softmax
from edge.train.scene_data import group_folds

TEXTURE_SCALES = (0.5, 0.25)  # of the file's resolution: about 1x and 2x the CNN's context
C_GRID = (0.3, 1.0, 3.0, 10.0, 30.0, 100.0)  # inverse L2 strength, per image
INNER_FOLDS = 4


def fit_texture(features: np.ndarray, labels: np.ndarray, classes: int, c: float) -> dict:
    """The record of a logistic regression fitted to ``features`` (standardised here) with
    inverse L2 strength ``c``: what ``TextureModel`` loads (less its scales)."""
    import torch

    mean, std = features.mean(axis=0), features.std(axis=0) + 1e-9
    inputs = torch.tensor((features - mean) / std, dtype=torch.float64)
    targets = torch.tensor(labels)
    weights = torch.zeros(features.shape[1], classes, dtype=torch.float64, requires_grad=True)
    bias = torch.zeros(classes, dtype=torch.float64, requires_grad=True)
    optimiser = torch.optim.LBFGS([weights, bias], max_iter=500, line_search_fn="strong_wolfe")

    def loss():
        optimiser.zero_grad()
        value = torch.nn.functional.cross_entropy(inputs @ weights + bias, targets)
        value = value + (weights**2).sum() / (2 * c * len(labels))
        value.backward()
        return value

    optimiser.step(loss)
    return {"c": c, "mean": mean.tolist(), "std": std.tolist(),
            "weights": weights.detach().numpy().tolist(), "bias": bias.detach().numpy().tolist()}  # fmt: skip


def texture_probabilities(record: dict, features: np.ndarray) -> np.ndarray:
    """Probabilities of rows of features under a fitted record (what serving computes)."""
    return softmax(TextureModel(record).linear(features))


def fit_texture_nested(features: np.ndarray, labels: np.ndarray, groups: np.ndarray, classes: int, seed: int) -> dict:
    """``fit_texture`` on all of these images, with ``c`` the one of ``C_GRID`` that did best in
    group-aware ``INNER_FOLDS``-fold cross-validation among them (the smaller on a tie)."""
    fold_of = group_folds(labels, groups, INNER_FOLDS, seed)
    scores = []
    for c in C_GRID:
        correct = 0
        for fold in range(INNER_FOLDS):
            train, test = fold_of != fold, fold_of == fold
            record = fit_texture(features[train], labels[train], classes, c)
            correct += int((texture_probabilities(record, features[test]).argmax(axis=1) == labels[test]).sum())
        scores.append(correct)
    return fit_texture(features, labels, classes, C_GRID[int(np.argmax(scores))])
