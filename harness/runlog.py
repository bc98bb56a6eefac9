"""The per-run folder ``reports/runs/<run_id>/``: every result on disk the moment it is known.

A nightly run lasts hours; a crash, a ``kill -9`` or a full disk must not lose what it already
measured. Each claim's result is appended to ``results.jsonl`` as one JSON line, flushed and
fsynced before the next claim starts, so a killed run keeps every finished result and
``--resume RUN_ID`` can skip them. ``run.json`` holds the run's metadata (when it started, each
session's command, the environment), replaced atomically. A line torn by a kill is skipped on
read with one warning; nothing else in the file is affected.
"""

from __future__ import annotations

import datetime
import json
import logging
import os
from pathlib import Path
from typing import Any

from harness.atomic import write_text_atomically
from harness.results import ClaimResult

RESULTS = "results.jsonl"
META = "run.json"

log = logging.getLogger("harness.runlog")


class RunLogError(RuntimeError):
    """A run folder cannot be found or read; the message names it and says what to do."""


def result_key(result: ClaimResult) -> str:
    """What identifies a result within a run: the claim and the profile it ran in."""
    return claim_key(result.claim_id, result.profile)


def claim_key(claim_id: str, profile: str) -> str:
    """The same key for a claim about to run (``claim@profile``, as its test id ends)."""
    return f"{claim_id}@{profile}"


def _stamp(moment: datetime.datetime) -> str:
    return moment.strftime("%Y%m%dT%H%M%SZ")


class RunLog:
    """One run's folder: its metadata and its results, appended as they are known."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder

    @property
    def run_id(self) -> str:
        return self.folder.name

    @classmethod
    def start(cls, runs_dir: Path, started: datetime.datetime, command: str) -> RunLog:
        """A fresh folder named by the start time (with -2, -3... if two runs share a second)."""
        runs_dir.mkdir(parents=True, exist_ok=True)
        stamp, suffix = _stamp(started), 1
        while True:
            folder = runs_dir / (stamp if suffix == 1 else f"{stamp}-{suffix}")
            try:
                folder.mkdir()
                break
            except FileExistsError:
                suffix += 1
        run = cls(folder)
        run.write_meta({"run_id": run.run_id, "started": started.isoformat(timespec="seconds"),
                        "sessions": [{"command": command, "started": started.isoformat(
                            timespec="seconds")}]})
        return run

    @classmethod
    def resume(cls, runs_dir: Path, run_id: str) -> RunLog:
        """An existing run's folder, checked to be one."""
        folder = runs_dir / run_id
        if not (folder / META).is_file():
            known = sorted(p.parent.name for p in runs_dir.glob(f"*/{META}"))
            raise RunLogError(f"--resume {run_id}: no run folder {folder} (with {META}); "
                              f"runs there: {', '.join(known[-5:]) or 'none'}")
        return cls(folder)

    # metadata

    def meta(self) -> dict[str, Any]:
        path = self.folder / META
        try:
            return json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError) as error:
            raise RunLogError(f"{path}: unreadable run metadata ({error}); start a new run "
                              f"instead of resuming this one") from None

    def write_meta(self, meta: dict[str, Any]) -> None:
        write_text_atomically(self.folder / META, json.dumps(meta, indent=2, default=str) + "\n")

    # results

    def append(self, result: ClaimResult) -> None:
        """One JSON line, written with one call and fsynced before returning."""
        path = self.folder / RESULTS
        line = json.dumps(result.as_json(), default=str) + "\n"
        descriptor = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
        try:
            if os.fstat(descriptor).st_size and not _ends_with_newline(path):
                line = "\n" + line  # a torn line from a killed session stays on its own line
            os.write(descriptor, line.encode("utf-8"))
            os.fsync(descriptor)
        finally:
            os.close(descriptor)

    def finished(self) -> dict[str, ClaimResult]:
        """Every result stored so far, by ``result_key``; the last one wins for a repeated key."""
        path = self.folder / RESULTS
        try:
            lines = path.read_text(encoding="utf-8", errors="replace").splitlines()
        except FileNotFoundError:
            return {}
        results: dict[str, ClaimResult] = {}
        for number, line in enumerate(lines, start=1):
            if not line.strip():
                continue
            try:
                result = ClaimResult.from_json(json.loads(line))
            except (ValueError, TypeError, KeyError):
                log.warning("%s:%d: skipped a torn or unreadable result line (the run was "
                            "probably killed while writing it); that claim runs again",
                            path, number)
                continue
            results[result_key(result)] = result
        return results


def _ends_with_newline(path: Path) -> bool:
    with open(path, "rb") as handle:
        handle.seek(-1, os.SEEK_END)
        return handle.read(1) == b"\n"
