"""Helpers for the draft tests: Keras's own printed output, captured now, and a drafted
folder loaded through harness.claims (until the folder loader lands, the claim file is checked
under a copy whose ``models:`` names the drafted models.py as an importable module)."""

from __future__ import annotations

import contextlib
import importlib.util
import io
import uuid
from pathlib import Path
from types import ModuleType
from typing import Any

from harness.claims import Claim, load_claim_file


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


def load_drafted(folder: Path, scratch: Path, monkeypatch: Any) -> list[Claim]:
    """Validate a drafted folder's claims.yaml with harness.claims."""
    module = f"drafted_{uuid.uuid4().hex}"
    (scratch / f"{module}.py").write_text((folder / "models.py").read_text(encoding="utf-8"),
                                          encoding="utf-8")
    monkeypatch.syspath_prepend(str(scratch))
    text = (folder / "claims.yaml").read_text(encoding="utf-8")
    assert "\nmodels: models.py\n" in text
    claim_file = scratch / f"{folder.name}.yaml"
    claim_file.write_text(text.replace("\nmodels: models.py\n", f"\nmodels: {module}\n"),
                          encoding="utf-8")
    return load_claim_file(claim_file)
