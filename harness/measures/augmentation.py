"""What a recipe's augmentation does to an image, measured on the layers training uses."""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from harness.measures.context import MeasureContext, Measurement

if TYPE_CHECKING:
    from harness.claims import Claim


def _centroids(images: np.ndarray) -> np.ndarray:
    """(row, column) of each single-channel image's brightness centroid, (N, 2)."""
    weights = images[..., 0]
    rows, columns = np.indices(weights.shape[1:])
    total = weights.sum(axis=(1, 2))
    return np.stack([(weights * rows).sum(axis=(1, 2)) / total,
                     (weights * columns).sum(axis=(1, 2)) / total], axis=1)


def max_shift_pixels(claim: Claim, ctx: MeasureContext) -> Measurement:
    """The largest shift, in pixels along either axis, that the recipe's augmentation layers
    give one lit pixel at the image's centre over ``draws`` seeded draws (the layers
    interpolate bilinearly, so the centroid moves by exactly the sampled shift)."""
    import keras

    from harness.training.runner import augmentation_layers

    recipe = claim.recipes[(claim.args["recipe"], "full")]
    layers = augmentation_layers(recipe, seed=0)
    if not layers:
        raise ValueError(f"recipe {recipe.name!r} has no augmentation")
    height, width, channels = ctx.model(claim.models, recipe.model).inputs[0].shape[1:]
    images = np.zeros((int(claim.args.get("draws", 2000)), height, width, channels), "float32")
    centre = np.array([height // 2, width // 2])
    images[:, centre[0], centre[1], :] = 1.0
    shifted = images
    for layer in layers:
        shifted = layer(shifted, training=True)
    moved = _centroids(np.asarray(keras.ops.convert_to_numpy(shifted), "float64")) - centre
    largest = np.abs(moved).max(axis=0)
    return Measurement(round(float(largest.max()), 3),
                       details={"max_rows": float(largest[0]), "max_columns": float(largest[1]),
                                "draws": len(images), "image": [int(height), int(width)]})
