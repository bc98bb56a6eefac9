"""Reports: ``reports/latest.md`` and ``latest.json``, plus a copy in each run's folder.

The markdown is for people (one table per tutorial, failures spelled out, the environment); the
JSON keeps every field of every result so later tools (comparisons, regeneration reviews) can
read a run back without re-running it.
"""

from __future__ import annotations

import json
import shutil
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import Any

from harness.atomic import write_text_atomically
from harness.determinism import describe
from harness.reporting.tables import markdown_table
from harness.results import ClaimResult, Status

SCHEMA = 1
_STATUS_ORDER = list(Status)
_ATTENTION_ORDER = [Status.ERROR, Status.FAIL, Status.REGRESSED, Status.NOT_COMPARABLE,
                    Status.NEW, Status.KNOWN_FINDING, Status.IMPROVED, Status.DRIFT,
                    Status.SKIPPED, *_STATUS_ORDER]
MARK = {Status.PASS: "✅", Status.FAIL: "❌", Status.REGRESSED: "📉", Status.IMPROVED: "📈",
        Status.DRIFT: "〰️", Status.PROXY: "🧪", Status.INFO: "ℹ️", Status.NEW: "🆕",
        Status.NOT_COMPARABLE: "⚠️", Status.SKIPPED: "⏭️", Status.ERROR: "💥", Status.SMOKE: "💨",
        Status.KNOWN_FINDING: "🔎"}


@dataclass
class RunRecord:
    """One pytest session's claim results and the context a reader needs."""

    run_id: str
    started: str
    duration_s: float
    command: str
    environment: dict[str, str]
    results: list[ClaimResult]
    unused_baselines: list[str] = field(default_factory=list)
    training: list[dict[str, Any]] = field(default_factory=list)  # one entry per trained recipe
    determinism: dict[str, Any] | None = None  # --determinism-probe's result
    figures: list[dict[str, str]] = field(default_factory=list)  # reporting.plots.FigureEntry
    figures_seconds: float = 0.0  # what drawing them cost
    timeline: dict[str, Any] | None = None  # harness.training.timeline.occupancy, and its figure

    def counts(self) -> Counter[Status]:
        return Counter(result.status for result in self.results)

    def summary_line(self) -> str:
        counts = self.counts()
        parts = [f"{counts[status]} {status.value.lower()}" for status in _STATUS_ORDER
                 if counts[status]]
        noun = "claim" if len(self.results) == 1 else "claims"
        return f"{len(self.results)} {noun}: " + ", ".join(parts) if parts else "no claims run"

    def as_json(self) -> dict[str, Any]:
        return {"schema": SCHEMA, "run_id": self.run_id, "started": self.started,
                "duration_s": self.duration_s, "command": self.command,
                "summary": {status.value: count for status, count in self.counts().items()},
                "environment": self.environment,
                "data_sources": data_sources(self.results),
                "results": [result.as_json() for result in self.results],
                "unused_baselines": self.unused_baselines, "training": self.training,
                "figures": self.figures, "figures_seconds": self.figures_seconds,
                "timeline": self.timeline, "determinism": self.determinism}


def result_from_json(data: Mapping[str, Any]) -> ClaimResult:
    """A result read back from a JSON report; fields this version does not know are dropped."""
    known = {f.name for f in fields(ClaimResult)}
    return ClaimResult(**{**{k: v for k, v in data.items() if k in known},
                          "status": Status(data["status"])})


def read_run(path: Path | str) -> RunRecord:
    """A run read back from its JSON report: the file, or a folder holding ``latest.json``,
    ``report.json`` or a single ``*.json``."""
    path = Path(path)
    if path.is_dir():
        candidates = [path / "latest.json", path / "report.json"]
        found = [c for c in candidates if c.is_file()] or sorted(path.glob("*.json"))
        if len(found) != 1 and not (found and found[0] in candidates):
            raise FileNotFoundError(f"{path}: expected latest.json, report.json or one *.json, "
                                    f"found {len(found)}")
        path = found[0]
    document = json.loads(path.read_text(encoding="utf-8"))
    return RunRecord(run_id=document["run_id"], started=document["started"],
                     duration_s=document["duration_s"], command=document["command"],
                     environment=document["environment"],
                     results=[result_from_json(r) for r in document["results"]],
                     unused_baselines=document.get("unused_baselines", []),
                     training=document.get("training", []),
                     figures=document.get("figures", []),
                     figures_seconds=document.get("figures_seconds", 0.0),
                     determinism=document.get("determinism"))


def data_sources(results: Iterable[ClaimResult]) -> list[str]:
    """Each distinct data source with its checksum, as reports list them."""
    seen = {f"{r.data_source} ({r.data_checksum})" if r.data_checksum else r.data_source
            for r in results}
    return sorted(seen)


# Kinds whose values are shapes (or lists of shapes), printed as 32×32×64.
SHAPE_KINDS = frozenset({"output-shape", "output-shapes", "kernel-shape", "activation-shape",
                         "dataset-shape"})


def _shape_text(shape: list) -> str:
    return "×".join("?" if dim is None else str(dim) for dim in shape) or "()"


def format_value(value: Any, shape: bool = False, limit: int = 6) -> str:
    """Compact, table-friendly text: 318,410 · shapes as 32×32×64 · long lists elided."""
    if shape and isinstance(value, list) and not any(isinstance(v, list) for v in value):
        return _shape_text(value)
    if value is None:
        return "—"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, int):
        return f"{value:,}"
    if isinstance(value, float):
        return f"{value:.4g}"
    if isinstance(value, list):
        if value and all(isinstance(item, list) for item in value):
            items = [_shape_text(item) for item in value]
        else:
            items = [format_value(item) for item in value]
        shown = " · ".join(items[:limit])
        return shown + (f" · … (+{len(items) - limit})" if len(items) > limit else "")
    return str(value)


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def _quote(text: str, limit: int = 90) -> str:
    text = " ".join(text.split())
    return f"“{text[:limit - 1]}…”" if len(text) > limit else f"“{text}”"


def _table(rows: Sequence[dict[str, str]]) -> str:
    return markdown_table(rows, parse_numbers=True)


SAME = "= tutorial"


def _tutorial_table(results: Sequence[ClaimResult]) -> str:
    def value(result: ClaimResult, item: Any) -> str:
        return _cell(format_value(item, shape=result.kind in SHAPE_KINDS))

    def same(result: ClaimResult, item: Any) -> str:  # agreement reads at a glance
        return SAME if item is not None and item == result.expected else value(result, item)

    trained = any("calibration" in result.details or "looks" in result.details
                  for result in results)
    placed = any("tutorial_position" in result.details for result in results)
    rows = [{
        "claim": f"`{result.claim_id.split('/', 1)[1]}`",
        "what the tutorial says": _cell(_quote(result.quote)),
        "tutorial": value(result, result.expected),
        "baseline": same(result, result.baseline),
        "measured": same(result, result.measured),
        "Δ": _cell(format_value(result.delta_baseline if result.delta_baseline is not None
                                 else result.delta_expected)),
        **({"seeds": _seeds(result), "false alarms · MDE": _gate(result)} if trained else {}),
        **({"tutorial's figure among today's seeds": _cell(_position(result))} if placed else {}),
        "status": f"{MARK[result.status]} {result.status.value}",
    } for result in results]
    return _table(rows)


def _seeds(result: ClaimResult) -> str:
    """How many seeds the verdict took (of the looks planned), against the baseline's."""
    values, stored = result.details.get("values"), result.details.get("baseline_values")
    if "looks" not in result.details or not isinstance(values, list):
        return ""
    cap = result.details["looks"][-1]
    taken = f"{len(values)} of ≤{cap}" if cap > len(values) else str(len(values))
    fresh = result.details.get("confirmation", {}).get("values")
    taken += f" (+{len(fresh)} fresh)" if isinstance(fresh, list) else ""
    return taken + (f" vs {len(stored)}" if stored else "")


def _position(result: ClaimResult) -> str:
    """Where the tutorial's figure falls among today's seeds (the full profile's one-run rule)."""
    return str(result.details.get("tutorial_position", "")).removeprefix(
        "the tutorial's figure is ")


def _gate(result: ClaimResult) -> str:
    """The claim's calibrated gate: false-alarm rate and minimal detectable effect."""
    calibration = result.details.get("calibration")
    if not calibration:
        return ""
    mde = "—" if calibration["mde"] is None else f"{calibration['mde']:.3g}"
    text = f"{calibration['false_alarm']:.1%} · {mde}"
    return text if calibration["gating"] else f"{text} (not gated)"


def _figure_lines(figures: Sequence[Mapping[str, str]], prefix: str) -> list[str]:
    """A tutorial's figures: the claim plots in the open, each recipe's figures folded."""
    lines: list[str] = []
    groups: dict[str, list[Mapping[str, str]]] = {}
    for figure in figures:
        groups.setdefault(figure["group"], []).append(figure)
    for group, members in groups.items():
        images = [f"![{f['caption']}]({prefix}{f['path']})" for f in members]
        if group == "claims":
            lines += [*images, ""]
            continue
        lines += [f"<details><summary>Figures of <code>{group}</code>: "
                  f"{', '.join(f['path'].rsplit('-', 1)[-1][:-4] for f in members)}</summary>",
                  "", *[f"{image}\n" for image in images], "</details>", ""]
    return lines


def _overview(by_tutorial: Mapping[str, Sequence[ClaimResult]]) -> str:
    """One line per tutorial with its status counts: where to look first."""
    present = [s for s in _STATUS_ORDER
               if any(r.status is s for results in by_tutorial.values() for r in results)]
    rows = []
    for tutorial, results in sorted(by_tutorial.items()):
        counts = Counter(result.status for result in results)
        rows.append({"tutorial": f"[{tutorial}](#{tutorial})", "claims": str(len(results)),
                     **{f"{MARK[s]} {s.value}": str(counts[s] or "") for s in present}})
    return _table(rows)


def finding_gone(result: ClaimResult) -> bool:
    """A claim recorded as failing on this backend (known_backend_findings) that held."""
    return result.details.get("known_finding", {}).get("shows") is False


def alarm_unconfirmed(result: ClaimResult) -> bool:
    """A claim whose check seeds alarmed against the baseline and whose fresh seeds did not
    confirm it: it passes, and the report still shows both draws."""
    return result.details.get("confirmation", {}).get("confirmed") is False


def _attention(results: Sequence[ClaimResult]) -> list[str]:
    """Every claim that needs a look, worst first; claims sharing a status and a message (a
    data set that is not here) share one line."""
    grouped: dict[tuple[Status, str], list[str]] = {}
    for result in sorted((r for r in results if r.status.needs_attention or finding_gone(r)
                          or alarm_unconfirmed(r)),
                         key=lambda r: _ATTENTION_ORDER.index(r.status)):
        grouped.setdefault((result.status, result.message), []).append(result.claim_id)
    if not grouped:
        return []
    lines = ["## What needs attention", ""]
    lines += [f"- {MARK[status]} **{status.value}** "
              f"{', '.join(f'`{claim}`' for claim in claims)}: {message}"
              for (status, message), claims in grouped.items()]
    return [*lines, ""]


def render_markdown(run: RunRecord, figure_prefix: str = "figures/") -> str:
    """The human report: summary, legend, one table per tutorial, problems, environment.
    Figures are linked as ``figure_prefix`` + their path in the figures folder."""
    lines = ["# Tutorial claims report", "",
             f"**{run.summary_line()}** · run `{run.run_id}` · {run.duration_s:.1f} s · "
             f"`{run.command}`", ""]
    by_tutorial: dict[str, list[ClaimResult]] = {}
    for result in run.results:
        by_tutorial.setdefault(result.tutorial, []).append(result)
    if len(by_tutorial) > 1:
        lines += [_overview(by_tutorial), ""]
    lines += _attention(run.results)
    for tutorial, results in sorted(by_tutorial.items()):
        counts = Counter(result.status for result in results)
        tally = ", ".join(f"{counts[s]} {s.value.lower()}" for s in _STATUS_ORDER if counts[s])
        sources = ", ".join(data_sources(results))
        lines += [f"## {tutorial}", "", f"{tally} · data: {sources}", "",
                  _tutorial_table(results), ""]
        lines += _figure_lines([f for f in run.figures if f["tutorial"] == tutorial],
                               figure_prefix)
    if run.unused_baselines:
        lines += ["## Baselines no claim uses", "",
                  "Stored values whose claim no longer exists; delete them or restore the claim.",
                  ""]
        lines += [f"- {entry}" for entry in run.unused_baselines]
        lines.append("")
    if run.training:
        lines += _training_lines(run, figure_prefix)
    lines += determinism_section(run)
    present = [status for status in _STATUS_ORDER if run.counts()[status]]
    lines += ["## Legend", "",
              _table([{"status": f"{MARK[s]} {s.value}", "meaning": s.legend} for s in present]),
              "", f"Δ is measured − baseline (measured − tutorial when there is no baseline); "
              f"“{SAME}” means the value equals the tutorial's. Trained claims: *seeds* is "
              f"how many seeds today's verdict took (more are trained while it is borderline, "
              f"up to the cap) against the baseline's; *false alarms* is the share of check "
              f"runs on unchanged code that would fail, and *MDE* the smallest shift of the "
              f"value (or weakening of the relation) caught in 80% of runs, both computed from "
              f"the baseline's seeds.", ""]
    environment = {**run.environment, "data sources": "; ".join(data_sources(run.results))}
    lines += ["## Environment", "",
              _table([{"field": name, "value": _cell(str(value))}
                      for name, value in environment.items()]), ""]
    return "\n".join(lines)


def _training_lines(run: RunRecord, figure_prefix: str) -> list[str]:
    """What training cost: per recipe, the seeds trained now and read from the train cache,
    and how busy the worker slots were (the timeline)."""
    fit = sum(entry["fit_seconds"] for entry in run.training)
    total = sum(entry["train_seconds"] for entry in run.training)
    seeds = sum(len(entry["seeds"]) for entry in run.training)
    cached = sum(entry.get("cached_seeds", 0) for entry in run.training)
    lines = ["## Training runs", "",
             f"{len(run.training)} recipes, {seeds} (recipe, seed) results shared by their "
             f"claims: {seeds - cached} trained in this run, {cached} read from the train cache "
             f"(trained before with the same code, data, versions and machine). Their training "
             f"took {fit:.1f} s in `fit`, {total:.1f} s with building and evaluation (worker "
             f"time, when they were trained).", ""]
    timeline = run.timeline or {}
    if timeline.get("occupancy") is not None:
        lines += [f"Timeline: {timeline['trained']} trainings on {timeline['slots']} worker "
                  f"slots over {timeline['span_s']:.0f} s, slots busy "
                  f"{timeline['occupancy']:.1%} of that time.", ""]
        if timeline.get("figure"):
            lines += [f"![training timeline]({figure_prefix}{timeline['figure']})", ""]
    lines += [f"- {note}" for note in timeline.get("notes", [])]
    lines += [""] if timeline.get("notes") else []
    lines += [_table([{"recipe": f"{e['tutorial']}/{e['recipe']}", "profile": e["profile"],
                       "model": e["model"], "epochs": e["epochs"], "members": e["ensemble"],
                       "seeds": len(e["seeds"]), "cached": e.get("cached_seeds", 0),
                       "data": e["data_source"], "fit s": f"{e['fit_seconds']:.1f}",
                       "total s": f"{e['train_seconds']:.1f}"} for e in run.training]), ""]
    return lines


def determinism_section(run: RunRecord) -> list[str]:
    """Whether a seed trains bit-identically here, when the run probed it."""
    if run.determinism is None:
        return []
    return ["## Determinism", "", describe(run.determinism), ""]


def write_reports(run: RunRecord, directory: Path | str) -> list[Path]:
    """Write latest.md/.json and report.md/.json in the run's folder (``runs/<run_id>/``, where
    ``harness.runlog`` streams its results); return the paths written.

    The run's figures, already drawn under ``directory/figures`` (``harness.reporting.plots``), are
    copied to ``runs/<run_id>/figures`` so the run's own report keeps its own.
    """
    directory = Path(directory)
    history = directory / "runs" / run.run_id
    history.mkdir(parents=True, exist_ok=True)
    shown = [figure["path"] for figure in run.figures]
    if run.timeline and run.timeline.get("figure"):
        shown.append(run.timeline["figure"])
    for name in shown:
        target = history / "figures" / name
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(directory / "figures" / name, target)
    markdown = render_markdown(run)
    kept = render_markdown(run, figure_prefix="figures/")
    document = json.dumps(run.as_json(), indent=2, default=str) + "\n"
    paths = [directory / "latest.md", directory / "latest.json",
             history / "report.md", history / "report.json"]
    for path, text in zip(paths, (markdown, document, kept, document), strict=True):
        write_text_atomically(path, text)
    return paths
