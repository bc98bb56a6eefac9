"""One way to replace a file so that a crash or a full disk never leaves it torn.

The text goes to a uniquely named temporary file in the same folder, is flushed and fsynced,
and then replaces the target in one rename, whose folder is fsynced too. Two processes writing
the same file each use their own temporary name, so neither overwrites the other's half-written
copy.
"""

from __future__ import annotations

import contextlib
import os
import tempfile
from pathlib import Path


def write_text_atomically(path: Path, text: str) -> None:
    """Replace ``path`` with ``text`` (UTF-8) in one step, creating its folder if needed."""
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(handle, "w", encoding="utf-8") as stream:
            stream.write(text)
            stream.flush()
            os.fsync(stream.fileno())
        os.replace(temporary, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(temporary)
        raise
    _sync_folder(path.parent)


def set_aside(path: Path, suffix: str) -> Path:
    """Move ``path`` to ``<name><suffix>`` in one rename (a corrupt file kept for a human)."""
    aside = path.with_name(f"{path.name}{suffix}")
    os.replace(path, aside)
    _sync_folder(path.parent)
    return aside


def _sync_folder(folder: Path) -> None:
    """fsync a folder, so a rename in it survives a power cut."""
    directory = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(directory)
    finally:
        os.close(directory)
