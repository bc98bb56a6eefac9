"""Feature extraction for transfer learning: images through a frozen pretrained base, once.

convnets-part1 feeds every cats-vs-dogs image through MobileNet (ImageNet weights, no top) and
trains a small head on the (5, 5, 1024) outputs. The features depend on the images and the
weights only, so every seed of every recipe that reads them shares one extraction.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

import numpy as np

from harness.errors import MeasurementSkipped

if TYPE_CHECKING:
    import keras

    from harness.recipes import Recipe

log = logging.getLogger("harness.training")

_EXTRACTED: dict[tuple[str, ...], tuple[np.ndarray, np.ndarray]] = {}
_WEIGHTS_USED: dict[tuple[str, ...], str] = {}


def load_base(recipe: Recipe) -> tuple[keras.Model, str]:
    """The frozen base and a label of its weights. The full profile needs the real weights and
    skips with the fix without them; a smoke run falls back to random weights and says so."""
    from harness.models import build_model

    assert recipe.features is not None
    if recipe.feature_weights is None:
        return build_model(recipe.models, recipe.features), "random"
    try:
        return (build_model(recipe.models, recipe.features, weights=recipe.feature_weights),
                recipe.feature_weights)
    except Exception as error:  # keras raises a bare Exception when the download fails
        reason = (str(error).strip().splitlines() or [type(error).__name__])[0][:160]
        found = (f"{recipe.features}: {recipe.feature_weights} weights not in the Keras cache "
                 f"and no network ({reason})")
        if recipe.profile != "smoke":
            raise MeasurementSkipped(
                f"{found}; put the weights file Keras downloads for it in ~/.keras/models/ "
                "(run once on a machine with network, or copy the file), then rerun") from None
        log.warning("%s; --smoke uses random weights instead", found)
        return build_model(recipe.models, recipe.features), "random (smoke stand-in)"


def extract_features(recipe: Recipe, data_checksum: str, x_train: np.ndarray,
                     x_test: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Train and test features from the recipe's frozen base (preprocessed as MobileNet
    expects: pixels 0-255 to [-1, 1]), extracted once per data set, subset sizes and weights."""
    import keras

    weights_key = (recipe.tutorial, str(recipe.features), str(recipe.feature_weights),
                   recipe.profile)
    key = (*weights_key, data_checksum, str(len(x_train)), str(len(x_test)))
    if key not in _EXTRACTED:
        base, _WEIGHTS_USED[weights_key] = load_base(recipe)
        preprocess = keras.applications.mobilenet.preprocess_input

        def features(images: np.ndarray) -> np.ndarray:
            return np.asarray(base.predict(preprocess(np.asarray(images, dtype="float32")),
                                           batch_size=32, verbose=0))

        _EXTRACTED[key] = features(x_train), features(x_test)
    return _EXTRACTED[key]


def weights_used(recipe: Recipe) -> str:
    """Which weights the recipe's base actually had ("imagenet", or random in a smoke run)."""
    key = (recipe.tutorial, str(recipe.features), str(recipe.feature_weights), recipe.profile)
    return _WEIGHTS_USED.get(key, "not loaded")
