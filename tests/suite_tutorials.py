"""The suite's own tutorial folders, for tests that load, edit or run a copy of one."""

from __future__ import annotations

import shutil
from pathlib import Path

from harness.models import ModelsModule

SUITES = Path(__file__).resolve().parents[1] / "suites"


def models_of(tutorial: str) -> ModelsModule:
    """The models module of one of the suite's tutorials."""
    return ModelsModule.of(tutorial, SUITES / tutorial / "models.py")


def copy_tutorial(tutorial: str, into: Path) -> Path:
    """A copy of one of the suite's tutorial folders under ``into``: its claim file."""
    folder = into / tutorial
    shutil.copytree(SUITES / tutorial, folder, ignore=shutil.ignore_patterns("__pycache__"))
    return folder / "claims.yaml"
