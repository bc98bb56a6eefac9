"""The training-result cache: every (recipe, seed) result kept by a content key of what decides
its bits, so an unchanged run re-judges its claims without training.

On one machine a seed's training is bit-identical run to run (one thread per worker, op
determinism: ``--determinism-probe`` shows it), so a result trained before with the same recipe,
data, code, versions, CPU and thread settings is the result a retraining would give. The key
covers all of those; anything else changing (another tutorial's models, the report code) keeps
the entry valid.

An entry is data, never code: ``<key>.json`` (metrics, history, timings) and, for the seed
whose figures the report draws, ``<key>.<digest>.npz`` read with ``allow_pickle=False``. The
arrays are written first and the JSON last, each by an atomic rename, so a reader sees a
whole entry or none; an entry that does not read back whole (a torn file, a bad digest) is
reported in one line and retrained, never used. Entries superseded by a changed recipe or
code, and those unused for ``STALE_DAYS``, are pruned at the end of a session.
"""

from __future__ import annotations

import contextlib
import hashlib
import io
import json
import os
import time
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from harness.atomic import write_text_atomically
from harness.training.durations import slot
from harness.training.runner import SeedRun

if TYPE_CHECKING:
    from harness.environment import Environment
    from harness.recipes import Recipe

FORMAT = 1
STALE_DAYS = 30  # an entry no run has read for this long is removed
_ORPHAN_AGE_S = 3600  # arrays or temporary files no entry names, left by a crash mid-write
# the source that decides what a training measures (with the tutorial's models module)
_CODE_FILES = ("training/runner.py", "training/features.py", "recipes.py")
_HARNESS = Path(__file__).resolve().parent.parent


def _code_hash(recipe: Recipe) -> str:
    digest = hashlib.sha256()
    for path in (*(_HARNESS / relative for relative in _CODE_FILES), recipe.models.path):
        digest.update(path.read_bytes())
    return digest.hexdigest()


def recipe_key(recipe: Recipe, data_checksum: str, environment: Environment,
               threads: Mapping[str, str | None]) -> str:
    """Content key of everything but the seed that decides a training's bits."""
    parts = {"format": FORMAT, "recipe": recipe.fingerprint(), "data": data_checksum,
             "code": _code_hash(recipe), "keras": environment.keras,
             "backend": environment.backend, "backend_version": environment.backend_version,
             "tensorflow": environment.tensorflow, "numpy": np.__version__,
             "device": environment.device, "threads": dict(threads)}
    return hashlib.sha256(json.dumps(parts, sort_keys=True).encode()).hexdigest()[:32]


def entry_key(recipe_key_: str, seed: int) -> str:
    return hashlib.sha256(f"{recipe_key_}:{seed}".encode()).hexdigest()[:32]


class EntryUnreadable(ValueError):
    """A cache entry that does not read back whole."""


def _split_arrays(value: Any, arrays: dict[str, np.ndarray]) -> Any:
    """A JSON-able copy of ``value`` with every array replaced by a reference into ``arrays``."""
    if isinstance(value, np.ndarray):
        name = f"a{len(arrays)}"
        arrays[name] = value
        return {"__array__": name}
    if isinstance(value, Mapping):
        return {str(k): _split_arrays(v, arrays) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_split_arrays(v, arrays) for v in value]
    if isinstance(value, np.generic):
        return value.item()
    return value


def _join_arrays(value: Any, arrays: Mapping[str, np.ndarray]) -> Any:
    if isinstance(value, dict):
        if set(value) == {"__array__"}:
            try:
                return arrays[value["__array__"]]
            except KeyError:
                raise EntryUnreadable(f"array {value['__array__']} missing") from None
        return {k: _join_arrays(v, arrays) for k, v in value.items()}
    if isinstance(value, list):
        return [_join_arrays(v, arrays) for v in value]
    return value


@dataclass
class TrainCache:
    """One cache folder. ``problems``: one line per entry that could not be read or written."""

    directory: Path
    problems: list[str] = field(default_factory=list)
    hits: int = 0
    stored: int = 0
    _live: dict[str, set[str]] = field(default_factory=dict)  # slot → recipe keys used

    def load(self, key: str, recipe: Recipe, recipe_key_: str,
             want_artifacts: bool) -> SeedRun | None:
        """The stored run, or None (absent, unreadable, or without the figures' arrays that
        this seed must bring)."""
        self._live.setdefault(slot(recipe), set()).add(recipe_key_)
        path = self.directory / f"{key}.json"
        if not path.exists():
            return None
        try:
            run = self._read(path, want_artifacts)
        except (OSError, ValueError, TypeError, KeyError) as error:
            self.problems.append(f"train cache: entry {path.name} for {slot(recipe)} is "
                                 f"unreadable ({type(error).__name__}: {error}); retrained")
            return None
        if run is not None:
            with contextlib.suppress(OSError):
                os.utime(path)  # last use, for pruning
            self.hits += 1
        return run

    def _read(self, path: Path, want_artifacts: bool) -> SeedRun | None:
        entry = json.loads(path.read_text(encoding="utf-8"))
        if entry.get("format") != FORMAT or entry.get("key") != path.stem:
            raise EntryUnreadable("written by another version or renamed")
        artifacts = None
        if entry["arrays"] is not None:
            data = (self.directory / entry["arrays"]).read_bytes()
            if hashlib.sha256(data).hexdigest()[:16] != entry["arrays_digest"]:
                raise EntryUnreadable(f"{entry['arrays']} does not match its digest")
            with np.load(io.BytesIO(data), allow_pickle=False) as stored:
                arrays = {name: stored[name] for name in stored.files}
            artifacts = _join_arrays(entry["artifacts"], arrays)
        elif want_artifacts:
            return None  # trained as a later seed: this one must bring the figures' arrays
        run = entry["run"]
        return SeedRun(seed=int(run["seed"]), metrics=dict(run["metrics"]),
                       history=dict(run["history"]), fit_seconds=float(run["fit_seconds"]),
                       total_seconds=float(run["total_seconds"]), artifacts=artifacts,
                       from_cache=True)

    def store(self, key: str, recipe: Recipe, recipe_key_: str, run: SeedRun) -> None:
        """Keep a finished run; a failed write costs a line, never the run."""
        try:
            self._write(key, recipe, recipe_key_, run)
            self.stored += 1
        except (OSError, ValueError, TypeError) as error:
            self.problems.append(f"train cache: could not store {slot(recipe)} seed {run.seed} "
                                 f"in {self.directory} ({type(error).__name__}: {error})")

    def _write(self, key: str, recipe: Recipe, recipe_key_: str, run: SeedRun) -> None:
        arrays: dict[str, np.ndarray] = {}
        skeleton = _split_arrays(run.artifacts, arrays) if run.artifacts is not None else None
        arrays_name = digest = None
        self.directory.mkdir(parents=True, exist_ok=True)
        if skeleton is not None:
            buffer = io.BytesIO()
            np.savez_compressed(buffer, **arrays)
            data = buffer.getvalue()
            digest = hashlib.sha256(data).hexdigest()[:16]
            arrays_name = f"{key}.{digest}.npz"
            _write_bytes_atomically(self.directory / arrays_name, data)
        entry = {"format": FORMAT, "key": key, "slot": slot(recipe), "recipe_key": recipe_key_,
                 "written": time.time(),
                 "run": {"seed": run.seed, "metrics": run.metrics, "history": run.history,
                         "fit_seconds": run.fit_seconds, "total_seconds": run.total_seconds},
                 "artifacts": skeleton, "arrays": arrays_name, "arrays_digest": digest}
        write_text_atomically(self.directory / f"{key}.json", json.dumps(entry))

    def prune(self) -> int:
        """Remove entries superseded in a slot this session used (another recipe key), entries
        unused for ``STALE_DAYS``, and arrays or temporary files no entry names; the count."""
        if not self.directory.is_dir():
            return 0
        now, removed, named = time.time(), 0, set()
        for path in self.directory.glob("*.json"):
            try:
                entry = json.loads(path.read_text(encoding="utf-8"))
                keys = self._live.get(entry["slot"])
                superseded = keys is not None and entry["recipe_key"] not in keys
                stale = now - path.stat().st_mtime > STALE_DAYS * 86400
            except (OSError, ValueError, TypeError, KeyError):
                superseded, stale, entry = True, True, {}  # unreadable: of no use to anyone
            if superseded or stale:
                removed += _remove(path)
                if entry.get("arrays"):
                    removed += _remove(self.directory / entry["arrays"])
            elif entry.get("arrays"):
                named.add(entry["arrays"])
        for path in (*self.directory.glob("*.npz"), *self.directory.glob(".*.tmp")):
            if path.name not in named and _age(path, now) > _ORPHAN_AGE_S:
                removed += _remove(path)
        return removed


def _age(path: Path, now: float) -> float:
    try:
        return now - path.stat().st_mtime
    except OSError:
        return 0.0


def _remove(path: Path) -> int:
    try:
        path.unlink()
        return 1
    except OSError:
        return 0


def _write_bytes_atomically(path: Path, data: bytes) -> None:
    temporary = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    with open(temporary, "wb") as stream:
        stream.write(data)
        stream.flush()
        os.fsync(stream.fileno())
    os.replace(temporary, path)


def describe(directory: Path) -> tuple[int, int]:
    """(entries, bytes) of a cache folder."""
    if not directory.is_dir():
        return 0, 0
    files = [path for path in directory.iterdir() if path.is_file()]
    return (sum(path.suffix == ".json" for path in files),
            sum(path.stat().st_size for path in files))


def clear(directory: Path) -> int:
    """Remove every entry of a cache folder (only the cache's own files); the count."""
    if not directory.is_dir():
        return 0
    patterns: Iterable[str] = ("*.json", "*.npz", ".*.tmp")
    removed = sum(_remove(path) for pattern in patterns for path in directory.glob(pattern))
    with contextlib.suppress(OSError):
        directory.rmdir()
    return removed
