"""File names as reports, reviews and messages show them: relative to the project root.

A report a user commits must not carry the absolute folders of the machine that wrote it. A
file outside the project (a scratch baselines folder in /tmp) keeps its full path: nothing
shorter would find it.
"""

from __future__ import annotations

from pathlib import Path


def shown(path: Path | str, root: Path | None) -> str:
    """``path`` relative to ``root`` when inside it (POSIX separators), else as it is."""
    if root is None:
        return str(path)
    try:
        return Path(path).resolve().relative_to(Path(root).resolve()).as_posix()
    except ValueError:
        return str(path)
