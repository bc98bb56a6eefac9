"""Models of the annotated CIFAR-10 notebook (`cifar10-intro`).

The notebook writes its convolutional nets with separate ``Activation`` layers after each
``Conv2D`` and ``Dense``; the builders keep them, so layer indices match its summaries.
"""

from __future__ import annotations

from collections.abc import Callable

import keras
from keras import layers

NUM_CLASSES = 10


def build_dense() -> keras.Model:
    """The basic net the notebook recalls first: 3072 inputs, two sigmoid layers of 100, softmax."""
    return keras.Sequential(
        [
            keras.Input(shape=(32 * 32 * 3,)),
            layers.Dense(100, activation="sigmoid"),
            layers.Dense(100, activation="sigmoid"),
            layers.Dense(NUM_CLASSES, activation="softmax"),
        ]
    )


def build_cnn_small() -> keras.Model:
    """The first CNN: conv 64 and conv 32 (3x3, same, ReLU), each pooled 2x2, then dense 100."""
    return keras.Sequential(
        [
            keras.Input(shape=(32, 32, 3)),
            layers.Conv2D(64, (3, 3), padding="same"),
            layers.Activation("relu"),
            layers.MaxPooling2D(pool_size=(2, 2)),
            layers.Conv2D(32, (3, 3), padding="same"),
            layers.Activation("relu"),
            layers.MaxPooling2D(pool_size=(2, 2)),
            layers.Flatten(),
            layers.Dense(100),
            layers.Activation("relu"),
            layers.Dense(NUM_CLASSES),
            layers.Activation("softmax"),
        ]
    )


def _cnn_big(dropout: bool) -> keras.Model:
    # The notebook builds this net twice, the second time with two Dropout(0.25) layers added:
    # one after the last pooling layer and one before the output layer.
    def maybe_dropout() -> list[layers.Layer]:
        return [layers.Dropout(0.25)] if dropout else []

    return keras.Sequential(
        [
            keras.Input(shape=(32, 32, 3)),
            layers.Conv2D(128, (3, 3), padding="same"),
            layers.Activation("relu"),
            layers.MaxPooling2D(pool_size=(2, 2)),
            layers.Conv2D(64, (3, 3), padding="same"),
            layers.Activation("relu"),
            layers.MaxPooling2D(pool_size=(2, 2)),
            layers.Conv2D(64, (3, 3), padding="same"),
            layers.Activation("relu"),
            layers.MaxPooling2D(pool_size=(2, 2)),
            *maybe_dropout(),
            layers.Flatten(),
            layers.Dense(256),
            layers.Activation("relu"),
            layers.Dense(100),
            layers.Activation("relu"),
            *maybe_dropout(),
            layers.Dense(NUM_CLASSES),
            layers.Activation("softmax"),
        ]
    )


def build_cnn_big() -> keras.Model:
    """The "bigger" CNN: convs of 128, 64, 64 (each pooled 2x2), then dense 256 and 100."""
    return _cnn_big(dropout=False)


def build_cnn_big_dropout() -> keras.Model:
    """The bigger CNN with the dropout the notebook adds against overfitting (also its Adam run)."""
    return _cnn_big(dropout=True)


MODELS: dict[str, Callable[..., keras.Model]] = {
    "dense": build_dense,
    "cnn-small": build_cnn_small,
    "cnn-big": build_cnn_big,
    "cnn-big-dropout": build_cnn_big_dropout,
}
