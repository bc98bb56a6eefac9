"""Errors shared across layers: bad claim files, claims that cannot be measured here, and
recipes that could not be trained. Kept apart so the data layer needs nothing above it."""

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


class MeasurementSkipped(Exception):
    """The claim cannot be measured here (no data set, no GPU); the message says how to fix it."""


class TrainingFailed(RuntimeError):
    """A recipe could not be trained (NaN loss, a crashed or timed-out subprocess). Every claim
    that reads the recipe is an ERROR with this one-line message; no metric is made up."""
