"""Models of the small Keras MNIST introduction (`mnist-intro`)."""

from __future__ import annotations

from collections.abc import Callable

import keras
from keras import layers

INPUT_SHAPE = (28, 28, 1)
NUM_CLASSES = 10
NUM_FILTERS = 32


def _first_conv() -> layers.Layer:
    # The post builds this layer twice: in the classifier and in the cut-down copy that shows
    # the first layer's activation maps.
    return layers.Conv2D(NUM_FILTERS, kernel_size=(3, 3), activation="relu")


def build_cnn() -> keras.Model:
    """The one-conv-layer classifier: 32 valid 3x3 ReLU filters, 2x2 pool, two dropouts, softmax."""
    return keras.Sequential(
        [
            keras.Input(shape=INPUT_SHAPE),
            _first_conv(),
            layers.MaxPooling2D(pool_size=(2, 2)),
            layers.Dropout(0.25),
            layers.Flatten(),
            layers.Dropout(0.5),
            layers.Dense(NUM_CLASSES, activation="softmax"),
        ]
    )


def build_first_layer() -> keras.Model:
    """The copy cut after the first conv layer, into which the post loads the trained weights."""
    return keras.Sequential([keras.Input(shape=INPUT_SHAPE), _first_conv()])


MODELS: dict[str, Callable[..., keras.Model]] = {
    "cnn": build_cnn,
    "first-layer": build_first_layer,
}
