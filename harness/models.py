"""A tutorial's models module: the ``models.py`` its claim file names (``models: models.py``).

A models module defines one builder per model and a ``MODELS`` table from model name to builder,
written as a dict literal. It is a file, not a package member: the claim file names it by a path
relative to its own folder, and it is loaded from that file under a module name made from the
tutorial's name, so a pool worker or a Ray task that gets the recipe (which carries its
``ModelsModule``) loads the same module, and nothing that keys a cache or a baseline depends on
where the checkout lies. Nothing here imports a models module (and so neither Keras nor
TensorFlow) until a model is built: the load-time check reads ``MODELS``'s keys from the source.
"""

from __future__ import annotations

import ast
import functools
import importlib.util
import re
import sys
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import keras


class UnknownModelError(LookupError):
    """A models module or a model name that cannot be found."""


@dataclass(frozen=True)
class ModelsModule:
    """One tutorial's models module: the tutorial and the module's file (absolute)."""

    tutorial: str
    path: Path

    @classmethod
    def of(cls, tutorial: str, path: Path) -> ModelsModule:
        return cls(tutorial, path.resolve())

    @property
    def name(self) -> str:
        """The name it is imported under: the same in every process and every checkout."""
        return "harness_models_" + re.sub(r"\W", "_", self.tutorial)

    def __str__(self) -> str:
        return f"{self.tutorial}'s {self.path.name}"


@functools.cache
def declared_models(models: ModelsModule) -> tuple[str, ...]:
    """The model names of a module's ``MODELS`` dict literal, read from its source."""
    try:
        source = models.path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as error:
        raise UnknownModelError(f"models module {models.path} cannot be read: "
                                f"{getattr(error, 'strerror', None) or error}") from None
    try:
        body = ast.parse(source).body
    except SyntaxError as error:
        raise UnknownModelError(f"{models.path}: not valid Python (line {error.lineno}: "
                                f"{error.msg})") from None
    for node in body:
        target = (node.target if isinstance(node, ast.AnnAssign) else
                  node.targets[0] if isinstance(node, ast.Assign) and len(node.targets) == 1
                  else None)
        if isinstance(target, ast.Name) and target.id == "MODELS":
            if isinstance(node.value, ast.Dict) and all(
                    isinstance(key, ast.Constant) and isinstance(key.value, str)
                    for key in node.value.keys):
                return tuple(key.value for key in node.value.keys)  # type: ignore[union-attr]
            break
    raise UnknownModelError(f"{models.path}: needs a MODELS dict literal mapping model names "
                            f"(strings) to builders")


def load_module(models: ModelsModule) -> ModuleType:
    """The models module, imported from its file once per process (again if the import system
    dropped it, or if another file was loaded under its name)."""
    loaded = sys.modules.get(models.name)
    if loaded is not None and getattr(loaded, "__file__", None) == str(models.path):
        return loaded
    spec = importlib.util.spec_from_file_location(models.name, models.path)
    if spec is None or spec.loader is None or not models.path.is_file():
        raise UnknownModelError(f"models module {models.path} cannot be found")
    module = importlib.util.module_from_spec(spec)
    sys.modules[models.name] = module  # before it runs: dataclasses in it look themselves up
    try:
        spec.loader.exec_module(module)
    except BaseException:
        del sys.modules[models.name]
        raise
    return module


def build_model(models: ModelsModule, name: str, **kwargs: Any) -> keras.Model:
    """A fresh, uncompiled model ``name`` of a models module; ``kwargs`` go to its builder."""
    builders = load_module(models).MODELS
    if name not in builders:
        raise UnknownModelError(f"unknown model {name!r} in {models}; known: "
                                f"{', '.join(builders)}")
    return builders[name](**kwargs)
