"""Stored expected values: ``baselines/<tutorial>/<profile>/<environment key>.json``.

One JSON file per tutorial, profile and environment key, sorted and indented so a change reads
well in a diff. Each claim's entry keeps the claim version it was measured under, the value (and
for trained claims every seed's value) and its provenance. Writes are atomic (temporary file,
fsync, rename) under a file lock, so a crash or a second writer never leaves a torn file.
"""

from __future__ import annotations

import contextlib
import json
import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from filelock import FileLock

from harness.atomic import set_aside, write_text_atomically
from harness.paths import shown

SCHEMA = 1
# Key fields that an upgrade changes; the others (backend, device, data) must match for an
# entry of another file to count as the one a regeneration replaces.
VERSION_FIELDS = ("keras", "backend_version")


class BaselineFileError(RuntimeError):
    """A baseline file cannot be read or written; the message names the file and the fix."""


@dataclass(frozen=True)
class BaselineKey:
    """Which file a baseline lives in: tutorial, profile and the environment fields in scope."""

    tutorial: str
    profile: str
    fields: tuple[tuple[str, str], ...]

    @classmethod
    def build(cls, tutorial: str, profile: str, scope: tuple[str, ...],
              values: Mapping[str, str]) -> BaselineKey:
        return cls(tutorial, profile, tuple((name, str(values[name])) for name in scope))

    @property
    def slug(self) -> str:
        """File-name-safe: every character outside [A-Za-z0-9.+-] becomes '-'."""
        return "_".join(f"{name.replace('_', '-')}-{re.sub(r'[^A-Za-z0-9.+-]', '-', value)}"
                        for name, value in self.fields)

    def relative_path(self) -> Path:
        return Path(self.tutorial) / self.profile / f"{self.slug}.json"


@dataclass(frozen=True)
class BaselineEntry:
    """One claim's stored value."""

    claim_version: int
    value: Any
    provenance: Mapping[str, Any]
    values: tuple[Any, ...] = ()  # per-seed values, for trained claims

    def as_json(self) -> dict[str, Any]:
        data: dict[str, Any] = {"claim_version": self.claim_version, "value": self.value,
                                "provenance": dict(self.provenance)}
        if self.values:
            data["values"] = list(self.values)
        return data


def _entry(raw: Mapping[str, Any]) -> BaselineEntry:
    return BaselineEntry(claim_version=raw["claim_version"], value=raw["value"],
                         provenance=raw.get("provenance", {}), values=tuple(raw.get("values", ())))


class BaselineStore:
    """Reads and writes the baseline files under one root folder."""

    def __init__(self, root: Path | str, project_root: Path | None = None) -> None:
        self.root = Path(root)
        self.project_root = project_root  # messages name files relative to it

    def shown(self, path: Path) -> str:
        """A file's name in messages and reports (relative to the project root)."""
        return shown(path, self.project_root)

    def path(self, key: BaselineKey) -> Path:
        return self.root / key.relative_path()

    def _read(self, path: Path) -> dict[str, Any]:
        """The parsed file, or an empty document when it does not exist yet."""
        if not path.exists():
            return {"schema": SCHEMA, "claims": {}}
        name = self.shown(path)
        try:
            document = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, UnicodeDecodeError, json.JSONDecodeError) as error:
            raise BaselineFileError(
                f"{name}: corrupt baseline file ({error}); restore it with "
                f"'git checkout -- {name}' or rewrite it with --regen-baselines") from None
        claims = document.get("claims") if isinstance(document, dict) else None
        if not isinstance(claims, dict) or document.get("schema") != SCHEMA or not all(
                isinstance(entry, dict) and "value" in entry and "claim_version" in entry
                for entry in claims.values()):
            raise BaselineFileError(
                f"{name}: not a schema-{SCHEMA} baseline file (needs 'schema' and 'claims' with "
                f"'value' and 'claim_version' per claim); restore it with "
                f"'git checkout -- {name}' or rewrite it with --regen-baselines")
        return document

    def get(self, key: BaselineKey, claim_id: str) -> BaselineEntry | None:
        """The stored entry for a claim, or None when there is none for this key."""
        raw = self._read(self.path(key))["claims"].get(claim_id)
        return None if raw is None else _entry(raw)

    def put(self, key: BaselineKey, claim_id: str, entry: BaselineEntry,
            replace_corrupt: bool = False) -> Path:
        """Store one claim's entry, keeping every other entry of the file as it was.

        With ``replace_corrupt`` (regeneration), an unreadable file is moved aside to
        ``<name>.corrupt`` and a fresh one started, instead of failing.
        """
        path = self.path(key)
        path.parent.mkdir(parents=True, exist_ok=True)
        with _locked(path):
            try:
                document = self._read(path)
            except BaselineFileError:
                if not replace_corrupt:
                    raise
                set_aside(path, ".corrupt")
                document = {"schema": SCHEMA, "claims": {}}
            document["schema"] = SCHEMA
            document["key"] = {"tutorial": key.tutorial, "profile": key.profile,
                               **dict(key.fields)}
            document["claims"][claim_id] = entry.as_json()
            _atomic_write(path, self.shown(path),
                          json.dumps(document, indent=2, sort_keys=True) + "\n")
        return path

    def predecessor(self, key: BaselineKey, claim_id: str) -> tuple[Path, BaselineEntry] | None:
        """The newest entry for a claim stored under another version of the same environment
        (same tutorial, profile, backend, device and data): what an upgrade's regeneration
        replaces, since the new versions write a file of their own."""
        own = self.path(key)
        fixed = {name: value for name, value in key.fields if name not in VERSION_FIELDS}
        found: list[tuple[str, Path, BaselineEntry]] = []
        for path in sorted(own.parent.glob("*.json")) if own.parent.is_dir() else []:
            if path == own:
                continue
            try:
                document = self._read(path)
            except BaselineFileError:
                continue
            raw = document["claims"].get(claim_id)
            stored_key = document.get("key", {})
            if raw is None or any(stored_key.get(k) != v for k, v in fixed.items()):
                continue
            entry = _entry(raw)
            found.append((str(entry.provenance.get("written", "")), path, entry))
        if not found:
            return None
        _, path, entry = max(found, key=lambda item: item[0])
        return path, entry

    def files(self) -> Iterator[Path]:
        """Every baseline file (the training durations beside them, ``durations.json``, are
        not one)."""
        yield from sorted(path for path in self.root.rglob("*.json")
                          if path.relative_to(self.root) != Path("durations.json"))

    def stored_claim_ids(self) -> dict[str, list[Path]]:
        """Every claim id any baseline file holds, with the files holding it."""
        found: dict[str, list[Path]] = {}
        for path in self.files():
            with contextlib.suppress(BaselineFileError):
                for claim_id in self._read(path)["claims"]:
                    found.setdefault(claim_id, []).append(path)
        return found


def _locked(path: Path) -> FileLock:
    """An exclusive lock beside the file (any OS), so two writers take turns."""
    return FileLock(path.with_name(f".{path.name}.lock"))


def _atomic_write(path: Path, name: str, text: str) -> None:
    """All or nothing (``harness.atomic``); a failed write names the file and leaves the old
    one as it was."""
    try:
        write_text_atomically(path, text)
    except OSError as error:
        raise BaselineFileError(f"{name}: could not write baseline ({error.strerror}); "
                                f"the previous file is unchanged") from error
