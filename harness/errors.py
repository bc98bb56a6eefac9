"""Errors about the suite's own data files, shared by the claim and recipe loaders."""

from __future__ import annotations

from pathlib import Path


class ClaimFileError(ValueError):
    """A claim file is malformed; the message names the file, the claim and the field."""

    def __init__(self, path: Path | str, message: str, claim: str | None = None,
                 field_name: str | None = None) -> None:
        where = str(path)
        if claim:
            where += f": claim '{claim}'"
        if field_name:
            where += f": field '{field_name}'"
        super().__init__(f"{where}: {message}")
        self.path, self.claim, self.field = str(path), claim, field_name
