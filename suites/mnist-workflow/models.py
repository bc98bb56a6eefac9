"""Models of the MNIST workflow exercise (`mnist-workflow`)."""

from __future__ import annotations

from collections.abc import Callable, Sequence

import keras
from keras import layers

INPUT_SHAPE = (28, 28, 1)
NUM_CLASSES = 10


def build_simple_conv() -> keras.Model:
    """The simple conv net: two 5x5 same convs of 10 filters, 2x2 pool, dense 64, dropout 0.2."""
    return keras.Sequential(
        [
            keras.Input(shape=INPUT_SHAPE),
            layers.Conv2D(10, kernel_size=(5, 5), padding="same", activation="relu"),
            layers.Conv2D(10, kernel_size=(5, 5), padding="same", activation="relu"),
            layers.MaxPooling2D(pool_size=(2, 2)),
            layers.Flatten(),
            layers.Dense(64, activation="relu"),
            layers.Dropout(0.2),
            layers.Dense(NUM_CLASSES, activation="softmax"),
        ]
    )


def build_dense() -> keras.Model:
    """The dense net it is compared with: flatten, dense 512 and 256, each with dropout 0.2."""
    return keras.Sequential(
        [
            keras.Input(shape=INPUT_SHAPE),
            layers.Flatten(),
            layers.Dense(512, activation="relu"),
            layers.Dropout(0.2),
            layers.Dense(256, activation="relu"),
            layers.Dropout(0.2),
            layers.Dense(NUM_CLASSES, activation="softmax"),
        ]
    )


def build_deep_conv() -> keras.Model:
    """The deeper net of the state-of-the-art section: 5x5 convs of 32, then 3x3 convs of 64."""
    return keras.Sequential(
        [
            keras.Input(shape=INPUT_SHAPE),
            layers.Conv2D(32, kernel_size=(5, 5), padding="same", activation="relu"),
            layers.Conv2D(32, kernel_size=(5, 5), padding="same", activation="relu"),
            layers.MaxPooling2D(pool_size=(2, 2)),
            layers.Dropout(0.25),
            layers.Conv2D(64, kernel_size=(3, 3), padding="same", activation="relu"),
            layers.Conv2D(64, kernel_size=(3, 3), padding="same", activation="relu"),
            layers.MaxPooling2D(pool_size=(2, 2), strides=(2, 2)),
            layers.Flatten(),
            layers.Dense(256, activation="relu"),
            layers.Dropout(0.2),
            layers.Dense(NUM_CLASSES, activation="softmax"),
        ]
    )


def build_committee(members: Sequence[keras.Model]) -> keras.Model:
    """The committee of the exercise: one input fed to every trained member, outputs averaged.

    Not in ``MODELS``: it is built from already trained members, not from scratch.
    """
    inputs = keras.Input(shape=INPUT_SHAPE)
    outputs = layers.Average()([member(inputs) for member in members])
    return keras.Model(inputs=inputs, outputs=outputs)


MODELS: dict[str, Callable[..., keras.Model]] = {
    "simple-conv": build_simple_conv,
    "dense": build_dense,
    "deep-conv": build_deep_conv,
}
