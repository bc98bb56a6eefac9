"""Helpers for the draft tests: Keras's own printed output, captured now, and a drafted
models.py imported from its file."""

from __future__ import annotations

import contextlib
import importlib.util
import io
import uuid
from pathlib import Path
from types import ModuleType
from typing import Any


def summary_text(model: Any) -> str:
    """What ``model.summary()`` prints."""
    printed: list[str] = []
    model.summary(print_fn=lambda line, line_break=True: printed.append(line))
    return "\n".join(printed)


def captured(action: Any) -> str:
    """What ``action()`` prints to stdout (a fit's or an evaluate's progress bars)."""
    stream = io.StringIO()
    with contextlib.redirect_stdout(stream):
        action()
    return stream.getvalue()


def import_file(path: Path) -> ModuleType:
    spec = importlib.util.spec_from_file_location(f"drafted_{uuid.uuid4().hex}", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module
