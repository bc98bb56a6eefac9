"""Models of the textbook chapter "Convolutional Neural Networks Part 1" (`convnets-part1`)."""

from __future__ import annotations

from collections.abc import Callable

import keras
from keras import layers

CIFAR_SHAPE = (32, 32, 3)
NUM_CLASSES = 10
VOCABULARY = 10_000  # the IMDB words kept
REVIEW_LENGTH = 500  # tokens per padded review
FEATURES_SHAPE = (5, 5, 1024)  # MobileNet's output for a 160x160 image


def _cifar_convs() -> list[layers.Layer]:
    # The five valid 3x3 ReLU convs, pooled after the second and the fourth, that the chapter's
    # CIFAR-10 net and its GlobalMaxPooling variant share.
    return [
        layers.Conv2D(32, (3, 3), activation="relu"),
        layers.Conv2D(32, (3, 3), activation="relu"),
        layers.MaxPooling2D((2, 2)),
        layers.Conv2D(64, (3, 3), activation="relu"),
        layers.Conv2D(64, (3, 3), activation="relu"),
        layers.MaxPooling2D((2, 2)),
        layers.Conv2D(64, (3, 3), activation="relu"),
    ]


def build_cifar_cnn() -> keras.Model:
    """The complete CIFAR-10 ConvNet: five convs, flattened (576) into dense 1024, softmax 10."""
    return keras.Sequential(
        [
            keras.Input(shape=CIFAR_SHAPE),
            *_cifar_convs(),
            layers.Flatten(),
            layers.Dense(1024, activation="relu"),
            layers.Dense(NUM_CLASSES, activation="softmax"),
        ]
    )


def build_cifar_cnn_gmp() -> keras.Model:
    """The same ConvNet with Flatten replaced by GlobalMaxPooling2D, cutting the parameters."""
    return keras.Sequential(
        [
            keras.Input(shape=CIFAR_SHAPE),
            *_cifar_convs(),
            layers.GlobalMaxPooling2D(),
            layers.Dense(1024, activation="relu"),
            layers.Dense(NUM_CLASSES, activation="softmax"),
        ]
    )


def build_cifar_dense() -> keras.Model:
    """The two-layer dense net on CIFAR-10 that the chapter compares step time and accuracy with.

    The chapter only cites this model (from its earlier dense-network chapter: about 45% test
    accuracy, about 40 microseconds a step) and never defines it. We read "two layer" as one
    ReLU hidden layer plus the softmax output layer, and take 100 hidden nodes, the width the
    chapter itself uses for "a typical Dense Network". A leading Flatten lets it take the same
    (32, 32, 3) images as the ConvNet it is timed against; it adds no parameters.
    """
    return keras.Sequential(
        [
            keras.Input(shape=CIFAR_SHAPE),
            layers.Flatten(),
            layers.Dense(100, activation="relu"),
            layers.Dense(NUM_CLASSES, activation="softmax"),
        ]
    )


def build_imdb_conv1d() -> keras.Model:
    """The IMDB 1D ConvNet: embedding 128, two Conv1D(32, 7) around a pool of 5, global max pool.

    As in the chapter, the last Dense(1) has no activation although it is trained with binary
    cross-entropy. The chapter's Keras 2 ``input_length=500`` becomes the Input's shape.
    """
    return keras.Sequential(
        [
            keras.Input(shape=(REVIEW_LENGTH,), dtype="int32"),
            layers.Embedding(VOCABULARY, 128),
            layers.Conv1D(32, 7, activation="relu"),
            layers.MaxPooling1D(5),
            layers.Conv1D(32, 7, activation="relu"),
            layers.GlobalMaxPooling1D(),
            layers.Dense(1),
        ]
    )


def build_mobilenet_160(weights: str | None = None) -> keras.Model:
    """The MobileNet convolutional base (no top) at 160x160 used as the feature extractor.

    ``weights=None`` builds it untrained without any download; the full profile passes
    ``"imagenet"`` as the chapter does.
    """
    return keras.applications.MobileNet(
        input_shape=(160, 160, 3), include_top=False, weights=weights
    )


def build_transfer_head() -> keras.Model:
    """The head trained on the MobileNet features: flatten, dense 256, dropout 0.5, sigmoid 1.

    Written with the functional API as in the chapter, so ``model.layers[0]`` is the InputLayer.
    The chapter's text speaks of Global Max Pooling but its code (and its 6,554,113 parameters)
    flattens; its Dense(256) has no activation, and neither has this one.
    """
    inputs = keras.Input(shape=FEATURES_SHAPE)
    x = layers.Flatten()(inputs)
    x = layers.Dense(256)(x)
    x = layers.Dropout(0.5)(x)
    outputs = layers.Dense(1, activation="sigmoid")(x)
    return keras.Model(inputs, outputs)


def build_cats_dense() -> keras.Model:
    """A dense net trained from scratch on the 160x160 cats-vs-dogs photos, the comparison the
    chapter's transfer learning beats ("about 60%" in its dense-network chapter, which this
    chapter does not reprint): flatten, one ReLU layer of 100, a sigmoid output."""
    return keras.Sequential(
        [
            keras.Input(shape=(160, 160, 3)),
            layers.Flatten(),
            layers.Dense(100, activation="relu"),
            layers.Dense(1, activation="sigmoid"),
        ]
    )


MODELS: dict[str, Callable[..., keras.Model]] = {
    "cifar-cnn": build_cifar_cnn,
    "cifar-cnn-gmp": build_cifar_cnn_gmp,
    "cifar-dense": build_cifar_dense,
    "imdb-conv1d": build_imdb_conv1d,
    "mobilenet-160": build_mobilenet_160,
    "transfer-head": build_transfer_head,
    "cats-dense": build_cats_dense,
}
