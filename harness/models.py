"""The tutorials' models: each claim file names the module that builds them (``models:``).

A models module defines one builder per model and a ``MODELS`` table from model name to builder,
written as a dict literal. The module is found by its dotted name alone, by the same function
for the builder, the training code hash and the load-time check, so a tutorial can live in this
package or in any importable package of the user's. Nothing here imports a models module (and so
neither Keras nor TensorFlow) until a model is built: the load-time check reads ``MODELS``'s keys
from the module's source.
"""

from __future__ import annotations

import ast
import functools
import importlib
import importlib.util
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import keras


class UnknownModelError(LookupError):
    """A models module or a model name that cannot be found."""


def module_file(module: str) -> Path:
    """The source file of a models module, found without importing it."""
    try:
        spec = importlib.util.find_spec(module)
    except (ImportError, ValueError) as error:
        raise UnknownModelError(f"models module {module!r} cannot be found: {error}") from None
    if spec is None or not spec.origin or not spec.origin.endswith(".py"):
        raise UnknownModelError(f"models module {module!r} cannot be found on the Python path")
    return Path(spec.origin)


@functools.cache
def declared_models(module: str) -> tuple[str, ...]:
    """The model names of a module's ``MODELS`` dict literal, read from its source."""
    path = module_file(module)
    for node in ast.parse(path.read_text(encoding="utf-8")).body:
        target = (node.target if isinstance(node, ast.AnnAssign) else
                  node.targets[0] if isinstance(node, ast.Assign) and len(node.targets) == 1
                  else None)
        if isinstance(target, ast.Name) and target.id == "MODELS":
            if isinstance(node.value, ast.Dict) and all(
                    isinstance(key, ast.Constant) and isinstance(key.value, str)
                    for key in node.value.keys):
                return tuple(key.value for key in node.value.keys)  # type: ignore[union-attr]
            break
    raise UnknownModelError(f"{path}: needs a MODELS dict literal mapping model names "
                            f"(strings) to builders")


def build_model(module: str, name: str, **kwargs: Any) -> keras.Model:
    """A fresh, uncompiled model ``name`` of a models module; ``kwargs`` go to its builder."""
    module_file(module)  # a clear error before the import
    models = importlib.import_module(module).MODELS
    if name not in models:
        raise UnknownModelError(f"unknown model {name!r} in {module}; known: "
                                f"{', '.join(models)}")
    return models[name](**kwargs)
