"""Models of the MNIST image-translation post (`mnist-translation`)."""

from __future__ import annotations

from collections.abc import Callable

import keras
from keras import layers

NUM_CLASSES = 10


def build_standard_cnn() -> keras.Model:
    """The 35M-parameter "standard CNN": three 5x5 same convs (256, 256, 128), dense 328 and 192.

    The post's builder takes a ``withDropout`` flag but ignores it: the Dropout(0.5) before the
    output layer is always there, so it is here too. The post also names the final softmax
    layer "output"; layers here keep Keras's default names.
    """
    return keras.Sequential(
        [
            keras.Input(shape=(28, 28, 1)),
            layers.Conv2D(256, (5, 5), strides=1, activation="relu", padding="same"),
            layers.Conv2D(256, (5, 5), strides=1, activation="relu", padding="same"),
            layers.Conv2D(128, (5, 5), strides=1, activation="relu", padding="same"),
            layers.Flatten(),
            layers.Dense(328, activation="relu"),
            layers.Dense(192, activation="relu"),
            layers.Dropout(0.5),
            layers.Dense(NUM_CLASSES),
            layers.Activation("softmax"),
        ]
    )


MODELS: dict[str, Callable[..., keras.Model]] = {
    "standard-cnn": build_standard_cnn,
}
