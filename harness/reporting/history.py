"""History across runs: saved runs read back, put in time order, and cut into per-claim series.

A nightly run answers "does it hold today"; a history answers "since when", and "what changed
in the environment at that moment". Every input is read without stopping at the first bad one:
a folder without a run or a corrupt JSON file becomes one ``Skipped`` line naming the file, and
the other runs still go in. A run killed before its report was written is read from its
``run.json`` and ``results.jsonl`` (``harness.runlog``).

A series is one claim in one profile on one data set (source and checksum): a proxy's values
and the real data's never share a line, nor do a fast and a full profile's.
"""

from __future__ import annotations

import datetime
import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from harness.reporting.report import RunRecord, read_run
from harness.results import ClaimResult, Status
from harness.runlog import META, RESULTS, RunLog

REPORT_FILES = ("report.json", "latest.json")  # a run folder's report, then a reports folder's
# Environment fields whose change is marked on the time axis, with the name a reader knows.
ENV_FIELDS = {"keras": "keras", "backend": "backend", "backend_version": "backend version",
              "tensorflow": "tensorflow", "device_class": "device class", "device": "device",
              "git_commit": "commit"}


class HistoryError(ValueError):
    """One input that holds no readable run: the file (or folder) and why."""

    def __init__(self, path: Path, reason: str) -> None:
        super().__init__(f"{path}: {reason}")
        self.path, self.reason = path, reason


@dataclass(frozen=True)
class Skipped:
    """An input left out of the history, and why."""

    path: Path
    reason: str

    def line(self) -> str:
        return f"history: skipped {self.path}: {self.reason}"


def _report_file(folder: Path) -> Path | None:
    return next((folder / name for name in REPORT_FILES if (folder / name).is_file()), None)


def _holds_run(folder: Path) -> bool:
    return _report_file(folder) is not None or (folder / META).is_file()


def _sources(path: Path) -> list[Path]:
    """The run folders or report files one command-line input stands for: itself when it is a
    run, else the runs under it (``reports/`` means ``reports/runs/*``)."""
    if path.is_file():
        return [path]
    if not path.is_dir():
        raise HistoryError(path, "no such file or folder")
    if (path / "runs").is_dir():  # a reports folder: its latest.json is a copy of a run there
        path = path / "runs"
    elif _holds_run(path):
        return [path]
    children = sorted(child for child in path.iterdir() if child.is_dir())
    if not children:
        raise HistoryError(path, f"no run here: expected {' or '.join(REPORT_FILES)}, {META} "
                                 f"with {RESULTS}, or run folders")
    return children


def _from_runlog(folder: Path) -> RunRecord:
    """A run whose report was never written (killed): its metadata and streamed results."""
    log = RunLog(folder)
    meta = json.loads((folder / META).read_text(encoding="utf-8"))
    sessions = meta.get("sessions", [])
    return RunRecord(run_id=meta.get("run_id", folder.name), started=meta["started"],
                     duration_s=sum(s.get("duration_s", 0.0) for s in sessions),
                     command=sessions[-1]["command"] if sessions else "",
                     environment=meta.get("environment", {}),
                     results=list(log.finished().values()))


def _read_source(source: Path) -> RunRecord:
    """One run; errors name the very file that could not be read."""
    report = _report_file(source) if source.is_dir() else source
    target = report or source / META
    if not target.is_file():
        raise HistoryError(source, f"no run here: expected {' or '.join(REPORT_FILES)}, or "
                                   f"{META} with {RESULTS}")
    try:
        return read_run(report) if report else _from_runlog(source)
    except ValueError as error:  # JSONDecodeError, an unknown status
        raise HistoryError(target, f"not a readable run report ({error})") from None
    except (KeyError, TypeError) as error:
        raise HistoryError(target, f"not a run report (missing or bad field {error})"
                           ) from None


def started_at(run: RunRecord) -> datetime.datetime:
    try:
        moment = datetime.datetime.fromisoformat(run.started)
    except (TypeError, ValueError):
        return datetime.datetime.min.replace(tzinfo=datetime.UTC)
    return moment if moment.tzinfo else moment.replace(tzinfo=datetime.UTC)


def load_runs(paths: Iterable[Path | str]) -> tuple[list[RunRecord], list[Skipped]]:
    """Every run the inputs hold, oldest first, and the inputs left out. A run given twice (its
    folder and a copy of its report) counts once."""
    runs: dict[str, RunRecord] = {}
    skipped: list[Skipped] = []
    for path in map(Path, paths):
        try:
            sources = _sources(path)
        except HistoryError as error:
            skipped.append(Skipped(error.path, error.reason))
            continue
        for source in sources:
            try:
                run = _read_source(source)
            except HistoryError as error:
                skipped.append(Skipped(error.path, error.reason))
                continue
            except OSError as error:
                skipped.append(Skipped(source, error.strerror or str(error)))
                continue
            if run.run_id in runs:
                skipped.append(Skipped(source, f"run {run.run_id} is already in"))
                continue
            runs[run.run_id] = run
    return sorted(runs.values(), key=lambda r: (started_at(r), r.run_id)), skipped


@dataclass(frozen=True)
class SeriesKey:
    """What keeps values comparable: one claim, one profile, one data set."""

    claim_id: str
    profile: str
    data_source: str
    data_checksum: str

    @property
    def data(self) -> str:
        return (f"{self.data_source} ({self.data_checksum})" if self.data_checksum
                else self.data_source)


@dataclass(frozen=True)
class Point:
    """One run's result in a series; ``run`` is the run's position in the history."""

    run: int
    result: ClaimResult

    @property
    def status(self) -> Status:
        return self.result.status


@dataclass
class Series:
    """One claim's results across the runs that measured it, oldest first."""

    key: SeriesKey
    points: list[Point] = field(default_factory=list)

    @property
    def tutorial(self) -> str:
        return self.points[-1].result.tutorial

    @property
    def trained(self) -> bool:
        return self.points[-1].result.group != "structure"

    def has_values(self) -> bool:
        """Whether there is anything to plot: per-seed values or a numeric measurement."""
        return any(point.result.details.get("values") or _is_number(point.result.measured)
                   for point in self.points)

    def changes(self) -> list[tuple[Point, Point]]:
        """Each (before, after) pair of consecutive points whose status differs."""
        return [(before, after) for before, after in zip(self.points, self.points[1:],
                                                        strict=False)
                if before.status is not after.status]


def _is_number(value: object) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def claim_series(runs: Sequence[RunRecord]) -> list[Series]:
    """Every (claim, profile, data set) seen, by tutorial and claim."""
    series: dict[SeriesKey, Series] = {}
    for index, run in enumerate(runs):
        for result in run.results:
            key = SeriesKey(result.claim_id, result.profile, result.data_source,
                            result.data_checksum)
            series.setdefault(key, Series(key)).points.append(Point(index, result))
    return sorted(series.values(), key=lambda s: (s.tutorial, s.key.claim_id, s.key.profile,
                                                 s.key.data))


@dataclass(frozen=True)
class EnvChange:
    """What differs in a run's environment from the run before it."""

    run: int
    fields: tuple[tuple[str, str, str], ...]  # (what a reader calls it, before, after)

    def label(self, arrows: bool = True) -> str:
        """``keras 3.12.4→3.15.1, commit 0c16e2f→a1b2c3d`` (only the new values without
        arrows, for the narrow labels on a plot)."""
        return ", ".join(f"{name} {old}→{new}" if arrows else f"{name} {new}"
                         for name, old, new in self.fields)


def _environment(run: RunRecord) -> dict[str, str]:
    """The marked fields; ``tensorflow`` only when it is not the backend (else it would repeat
    ``backend_version``), a commit cut to 7 characters."""
    env = {name: str(run.environment.get(name, "?")) for name in ENV_FIELDS}
    if env["backend"] == "tensorflow" or env["tensorflow"] == "?":
        del env["tensorflow"]
    env["git_commit"] = env["git_commit"][:7]
    return env


def _field_name(name: str, environment: dict[str, str]) -> str:
    """``tensorflow`` rather than ``backend version`` when the backend is TensorFlow."""
    if name == "backend_version" and environment["backend"] != "?":
        return environment["backend"]
    return ENV_FIELDS[name]


def environment_changes(runs: Sequence[RunRecord]) -> list[EnvChange]:
    """One entry per run whose environment differs from the previous run's."""
    changes = []
    for index in range(1, len(runs)):
        before, after = _environment(runs[index - 1]), _environment(runs[index])
        moved = tuple((_field_name(name, after), before.get(name, "?"), value)
                      for name, value in after.items() if before.get(name, "?") != value)
        if moved:
            changes.append(EnvChange(index, moved))
    return changes


def run_label(index: int, run: RunRecord) -> str:
    """``#3 · 2026-11-29 14:27``: how tables and plots name a run."""
    moment = started_at(run)
    when = moment.strftime("%Y-%m-%d %H:%M") if moment.year > 1 else run.run_id
    return f"#{index + 1} · {when}"


def run_table(runs: Sequence[RunRecord], changes: Sequence[EnvChange]) -> pd.DataFrame:
    """One row per run: when, the environment, what ran, the status counts and what changed."""
    changed = {change.run: change.label() for change in changes}
    rows = []
    for index, run in enumerate(runs):
        env = run.environment
        results = run.results
        rows.append({
            "run": run_label(index, run), "id": run.run_id,
            "keras": env.get("keras", "?"),
            "backend · device": f"{env.get('backend', '?')} {env.get('backend_version', '')} · "
                                f"{env.get('device_class', '?')}",
            "commit": str(env.get("git_commit", "?"))[:7],
            "profiles": ", ".join(sorted({r.profile for r in results})) or "—",
            "data": ", ".join(sorted({r.data_source for r in results} - {"none"})) or "—",
            "claims": run.summary_line(), "seconds": f"{run.duration_s:.0f}",
            "environment change": changed.get(index, ""),
        })
    return pd.DataFrame(rows)


@dataclass(frozen=True)
class History:
    """Runs in time order, their claim series and the environment changes between them."""

    runs: list[RunRecord]
    series: list[Series]
    env_changes: list[EnvChange]
    skipped: list[Skipped]

    def env_change_at(self, run: int) -> EnvChange | None:
        return next((change for change in self.env_changes if change.run == run), None)


def build_history(paths: Iterable[Path | str]) -> History:
    """The history of every run the inputs hold."""
    runs, skipped = load_runs(paths)
    return History(runs, claim_series(runs), environment_changes(runs), skipped)
