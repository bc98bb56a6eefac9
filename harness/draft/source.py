"""Read a tutorial's text into numbered lines, each marked as code, output or text.

A notebook and a fenced markdown page say which lines are code and which are output; a ``.py``
is all code; scraped plain text says nothing, so its lines are ``text`` and every parser looks
for its own layout in them. Bad input (empty, binary, not UTF-8) is one ``DraftError`` line.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from pathlib import Path


class DraftError(ValueError):
    """The source cannot be drafted; the message is one line saying why."""


@dataclass(frozen=True)
class Line:
    """One line of the page: its number (1-based, in the page as read), text and role."""

    number: int
    text: str
    role: str  # "code" | "output" | "text"


_ANSI = re.compile(r"\x1b\[[0-9;]*[A-Za-z]")
_FENCE = re.compile(r"^\s*(```+|~~~+)\s*([\w+-]*)")
_CODE_LANGUAGES = {"python", "py", "python3", "ipython", "ipython3", "keras"}


def read_source(path: Path) -> list[Line]:
    """The page's lines with their roles; raises ``DraftError`` for input that is not a page."""
    try:
        data = path.read_bytes()
    except OSError as error:
        raise DraftError(f"{path}: cannot read: {error.strerror}") from None
    if not data.strip():
        raise DraftError(f"{path}: the file is empty; nothing to draft")
    if b"\x00" in data[:8192]:
        raise DraftError(f"{path}: a binary file (NUL bytes), not a tutorial's text")
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        raise DraftError(f"{path}: not UTF-8 text (byte {error.start}); save the page as "
                         f"UTF-8") from None
    text = _ANSI.sub("", text).replace("\x08", "")  # a captured progress bar's colours
    if path.suffix == ".ipynb":
        return _notebook(path, text)
    if path.suffix == ".py":
        return _numbered([(line, "code") for line in text.splitlines()])
    if path.suffix in (".md", ".markdown"):
        return _markdown(text)
    return _numbered([(line, "text") for line in text.splitlines()])


def _numbered(pairs: list[tuple[str, str]]) -> list[Line]:
    return [Line(number, line.replace("\r", ""), role)
            for number, (line, role) in enumerate(pairs, start=1)]


def _markdown(text: str) -> list[Line]:
    """Fenced blocks tagged python are code, other fenced blocks output, the rest text (a
    scraped page may still hold output outside fences, which the parsers look for anyway)."""
    pairs: list[tuple[str, str]] = []
    fence: str | None = None
    role = "text"
    for line in text.splitlines():
        match = _FENCE.match(line)
        if fence is None and match:
            fence, role = match.group(1), ("code" if match.group(2).lower() in _CODE_LANGUAGES
                                           else "output")
            pairs.append((line, "text"))
        elif fence is not None and line.strip().startswith(fence[:3]):
            fence, role = None, "text"
            pairs.append((line, "text"))
        else:
            pairs.append((line, role if fence is not None else "text"))
    return _numbered(pairs)


def _notebook(path: Path, text: str) -> list[Line]:
    """Markdown cells are text, code cells code, their stream and text outputs output."""
    try:
        cells = json.loads(text)["cells"]
        pairs: list[tuple[str, str]] = []
        for cell in cells:
            source = "".join(cell.get("source", []))
            if cell.get("cell_type") == "code":
                pairs += [(line, "code") for line in source.splitlines()]
                for output in cell.get("outputs", []):
                    printed = output.get("text") or output.get("data", {}).get("text/plain", [])
                    pairs += [(line, "output") for line in "".join(printed).splitlines()]
            else:
                pairs += [(line, "text") for line in source.splitlines()]
    except (ValueError, KeyError, TypeError, AttributeError) as error:
        raise DraftError(f"{path}: not a readable Jupyter notebook ({error})") from None
    if not pairs:
        raise DraftError(f"{path}: the notebook has no cells with text; nothing to draft")
    return _numbered(pairs)
