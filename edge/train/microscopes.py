"""What differs between microscopes and sessions, as both trainers' ``--augment microscope``
draws it onto a training image (a screen's crop, a cascade's window)."""

import cv2
import numpy as np


def as_another_microscope(image: np.ndarray, rng: np.random.Generator, blur_px: tuple[float, float]) -> np.ndarray:
    """The square ``image`` (2-D, float) as another microscope or session might show it.

    Half the time of the other polarity (bright HAADF loops, dark bright-field ones: turned
    about its mean); a pixel size 0.7-1.4x; a gamma of 0.7-1.4; half the time blurred (sigma in
    ``blur_px``); a thin-foil background gradient of up to half its spread across it; and noise
    at an SNR of 2-20 against its spread, half Gaussian and half Poisson-like (growing with
    the signal). Returns float32 of the same shape.
    """
    side = image.shape[0]
    image = image.astype(np.float32)
    if rng.random() < 0.5:
        image = 2 * float(image.mean()) - image
    turn = cv2.getRotationMatrix2D(((side - 1) / 2, (side - 1) / 2), 0.0, rng.uniform(0.7, 1.4))
    image = cv2.warpAffine(image, turn, (side, side), borderMode=cv2.BORDER_REFLECT)
    low, spread = float(image.min()), float(np.ptp(image)) or 1.0
    image = low + spread * ((image - low) / spread) ** rng.uniform(0.7, 1.4)
    if rng.random() < 0.5:
        image = cv2.GaussianBlur(image, (0, 0), rng.uniform(*blur_px))
    rows, cols = np.mgrid[0:side, 0:side] / side - 0.5
    angle = rng.uniform(0, 2 * np.pi)
    contrast = float(image.std()) or 1.0
    image = image + rng.uniform(0, 0.5) * contrast * (np.cos(angle) * cols + np.sin(angle) * rows)
    noise_sd = contrast / rng.uniform(2, 20)
    signal = (image - image.min()) / (float(np.ptp(image)) or 1.0)
    poisson_like = rng.normal(0, 1, image.shape) * np.sqrt(2 * signal)
    return (image + noise_sd * (rng.normal(0, 1, image.shape) + poisson_like) / np.sqrt(2)).astype(np.float32)
