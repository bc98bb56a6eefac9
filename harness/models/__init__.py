"""The tutorials' models, one module per tutorial, built on demand by name.

Each module ``harness.models.<tutorial>`` defines one builder per model and a ``MODELS`` table
from model name to builder. This package imports none of them (and so neither Keras nor
TensorFlow) until a model is asked for, so the pytest plugin can import it cheaply.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from collections.abc import Callable

    import keras

TUTORIAL_MODULES: dict[str, str] = {
    "cifar10-intro": "harness.models.cifar10_intro",
    "mnist-workflow": "harness.models.mnist_workflow",
    "mnist-intro": "harness.models.mnist_intro",
    "convnets-part1": "harness.models.convnets_part1",
    "mnist-translation": "harness.models.mnist_translation",
}


class UnknownModelError(LookupError):
    """A tutorial or a model name that the zoo does not know."""


def _models(tutorial: str) -> dict[str, Callable[..., keras.Model]]:
    try:
        module_path = TUTORIAL_MODULES[tutorial]
    except KeyError:
        known = ", ".join(TUTORIAL_MODULES)
        raise UnknownModelError(f"unknown tutorial {tutorial!r}; known: {known}") from None
    return importlib.import_module(module_path).MODELS


def model_names(tutorial: str) -> list[str]:
    """The names of the models that ``tutorial`` builds, in the order the tutorial meets them."""
    return list(_models(tutorial))


def build_model(tutorial: str, name: str, **kwargs: Any) -> keras.Model:
    """A fresh, uncompiled model ``name`` of ``tutorial``; ``kwargs`` go to its builder."""
    models = _models(tutorial)
    if name not in models:
        known = ", ".join(models)
        raise UnknownModelError(f"unknown model {name!r} for tutorial {tutorial!r}; known: {known}")
    return models[name](**kwargs)
