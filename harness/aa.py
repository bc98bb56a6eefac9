"""The A/A self-test: the fast trained claims on unchanged code, on shifted seeds.

Another CPU model trains a seed like a fresh seed, so running every recipe on its check seeds
shifted by K (``--seed-offset K``) is another machine's draw on this one. On unchanged code a
sound rule keeps its verdicts: every failing verdict here is a false alarm. ``run_aa`` runs the
suite once per offset in a subprocess of its own and counts them per 100 trained claim-runs.
"""

from __future__ import annotations

import json
import resource
import subprocess
import sys
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

# What a verdict on unchanged code may be (a KNOWN-FINDING is the recorded verdict of this
# backend showing again); anything else (FAIL, REGRESSED, IMPROVED, NEW, NOT-COMPARABLE,
# ERROR) is a false alarm
_QUIET = {"PASS", "PROXY", "DRIFT", "INFO", "SKIPPED", "KNOWN-FINDING"}


@dataclass
class OffsetRun:
    """One offset's trained verdicts."""

    offset: int
    seconds: float
    cpu_seconds: float  # user + system of the pytest process and its training workers
    statuses: dict[str, str] = field(default_factory=dict)  # claim id@profile → status
    seeds: dict[str, int] = field(default_factory=dict)  # claim id@profile → seeds taken

    @property
    def alarms(self) -> list[str]:
        return sorted(claim for claim, status in self.statuses.items() if status not in _QUIET)


def _children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def run_offset(offset: int, reports: Path, selection: str, extra: Sequence[str]) -> OffsetRun:
    """``pytest suites -m <selection> --seed-offset K`` in a subprocess; its trained verdicts."""
    folder = reports / f"offset-{offset}"
    command = [sys.executable, "-m", "pytest", "suites", "-m", selection, "-q",
               "-p", "no:cacheprovider", "--seed-offset", str(offset),
               "--reports-dir", str(folder), *extra]
    cpu, started = _children_cpu(), time.perf_counter()
    subprocess.run(command, check=False, stdout=subprocess.DEVNULL)
    seconds, cpu = time.perf_counter() - started, _children_cpu() - cpu
    report = folder / "latest.json"
    if not report.is_file():
        raise RuntimeError(f"offset {offset}: no report at {report}; run the command by hand to "
                           f"see why: {' '.join(command)}")
    run = OffsetRun(offset, seconds, cpu)
    for result in json.loads(report.read_text(encoding="utf-8"))["results"]:
        if result["group"] != "training":
            continue
        key = f"{result['claim_id']}@{result['profile']}"
        run.statuses[key] = result["status"]
        details = result.get("details", {})
        values, fresh = details.get("values"), details.get("confirmation", {}).get("values")
        run.seeds[key] = sum(len(seeds) for seeds in (values, fresh) if isinstance(seeds, list))
    return run


def render(runs: Sequence[OffsetRun]) -> str:
    """The A/A summary in markdown: false alarms per 100 trained claim-runs, and which."""
    total = sum(len(run.statuses) for run in runs)
    alarms = sum(len(run.alarms) for run in runs)
    lines = ["# A/A self-test: unchanged code on shifted seeds", "",
             f"**{alarms} false alarm(s) in {total} trained claim-runs = "
             f"{100 * alarms / max(total, 1):.2f} per 100** over offsets "
             f"{', '.join(str(run.offset) for run in runs)}", "",
             "| offset | claim-runs | false alarms | seeds per verdict (min, mean, max) | wall s "
             "| CPU |", "|---|---|---|---|---|---|"]
    for run in runs:
        seeds = list(run.seeds.values()) or [0]
        lines.append(f"| {run.offset} | {len(run.statuses)} | {len(run.alarms)} | "
                     f"{min(seeds)}, {sum(seeds) / len(seeds):.1f}, {max(seeds)} | "
                     f"{run.seconds:.0f} | {run.cpu_seconds / run.seconds:.0%} |")
    lines.append("")
    for run in runs:
        lines += [f"- offset {run.offset}: `{claim}` {run.statuses[claim]}"
                  for claim in run.alarms]
    return "\n".join(lines) + "\n"


def run_aa(offsets: Sequence[int], reports: Path, selection: str = "fast and training",
           extra: Sequence[str] = ()) -> tuple[str, int]:
    """Every offset in turn; the markdown summary and the number of false alarms."""
    runs = []
    for offset in offsets:
        runs.append(run_offset(offset, reports, selection, extra))
        print(f"offset {offset}: {len(runs[-1].alarms)} false alarm(s) in "
              f"{len(runs[-1].statuses)} trained claim-runs ({runs[-1].seconds:.0f} s)",
              flush=True)
    return render(runs), sum(len(run.alarms) for run in runs)
