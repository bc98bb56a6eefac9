"""The history's figure: one claim series across the runs, with what moved around it.

Each run is one slot on the x axis (the history's run order, so every figure of a history
lines up): its seeds as dots, their mean joined run to run, the baseline band behind them (the
baseline's mean ± the noise limit of the run-to-run comparison, ``reporting.compare.shift``, for
that run's seed count), status changes circled and named, environment changes as dotted
vertical lines. matplotlib's object API only (Agg), as in ``harness.reporting.plots``.
"""

from __future__ import annotations

import random
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from harness.reporting.compare import shift
from harness.results import ClaimResult, Status

if TYPE_CHECKING:
    from matplotlib.axes import Axes

    from harness.reporting.history import History, Series

STATUS_COLOR = {Status.PASS: "#1a7f37", Status.FAIL: "#cf222e", Status.REGRESSED: "#cf222e",
                Status.ERROR: "#cf222e", Status.IMPROVED: "#0969da", Status.DRIFT: "#9a6700",
                Status.NEW: "#9a6700", Status.NOT_COMPARABLE: "#9a6700",
                Status.PROXY: "#8250df", Status.INFO: "#57606a", Status.SKIPPED: "#57606a",
                Status.SMOKE: "#57606a"}
_SEEDS, _BAND, _TUTORIAL, _ENV = "#1f77b4", "#7f7f7f", "#d62728", "#57606a"
_DPI = 100
_MAX_TICKS = 20  # run labels beyond this are thinned out


def _number(value: object) -> float | None:
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    return float(value) if np.isfinite(value) else None


def _seeds(result: ClaimResult) -> list[float]:
    values = result.details.get("values") or [result.measured]
    return [v for v in (_number(value) for value in values) if v is not None]


def baseline_band(result: ClaimResult) -> tuple[float, float, float] | None:
    """(low, mean, high) of what the comparison counts as noise around the baseline, or None
    when the result has no baseline seeds to compare with."""
    stored = [v for v in map(_number, result.details.get("baseline_values") or [])
              if v is not None]
    if not stored or not _seeds(result):
        return None
    as_baseline = replace(result, measured=float(np.mean(stored)), details={"values": stored})
    limit = shift(as_baseline, result).limit
    mean = float(np.mean(stored))
    return (mean, mean, mean) if limit is None else (mean - limit, mean, mean + limit)


def _environment_lines(axes: Axes, history: History) -> None:
    top = axes.get_ylim()[1]
    for change in history.env_changes:
        axes.axvline(change.run - 0.5, color=_ENV, linestyle=":", linewidth=1.2, zorder=1)
        axes.text(change.run - 0.45, top, change.label(arrows=False).replace(", ", "\n"),
                  fontsize=7, color=_ENV, va="top", ha="left", zorder=5,
                  bbox={"facecolor": "white", "edgecolor": "none", "alpha": 0.8, "pad": 1})


def _status_changes(axes: Axes, series: Series) -> None:
    for before, after in series.changes():
        seeds = _seeds(after.result)
        if not seeds:
            continue
        color = STATUS_COLOR.get(after.status, "black")
        axes.scatter([after.run], [float(np.mean(seeds))], s=220, facecolors="none",
                     edgecolors=color, linewidths=2, zorder=6)
        axes.annotate(f"{before.status.value}→{after.status.value}", (after.run, min(seeds)),
                      xytext=(0, -8), textcoords="offset points", ha="center", va="top",
                      fontsize=8, color=color, zorder=6)


def _tick_labels(history: History) -> tuple[list[int], list[str]]:
    """``#3`` over ``11-29`` for every run, or every k-th one when there are many."""
    from harness.reporting.history import started_at

    step = max(1, -(-len(history.runs) // _MAX_TICKS))
    positions = list(range(0, len(history.runs), step))
    labels = []
    for index in positions:
        moment = started_at(history.runs[index])
        labels.append(f"#{index + 1}\n{moment:%m-%d}" if moment.year > 1 else f"#{index + 1}")
    return positions, labels


def series_figure(path: Path, series: Series, history: History) -> Path:
    """Draw one series to ``path`` (PNG) and return it."""
    from matplotlib.figure import Figure

    runs = len(history.runs)
    figure = Figure(figsize=(min(14.0, 5.0 + 0.45 * runs), 3.8), dpi=_DPI, layout="constrained")
    axes = figure.subplots()
    band_drawn = False
    means: list[tuple[int, float]] = []
    generator = random.Random(series.key.claim_id)  # the same jitter every time it is drawn
    for point in series.points:
        band = baseline_band(point.result)
        if band:
            low, mean, high = band
            axes.fill_between([point.run - 0.35, point.run + 0.35], low, high, color=_BAND,
                              alpha=0.25, linewidth=0, zorder=1,
                              label=None if band_drawn else "baseline ± noise limit")
            axes.hlines(mean, point.run - 0.35, point.run + 0.35, color=_BAND, linewidth=1.5,
                        zorder=2, label=None if band_drawn else "baseline mean")
            band_drawn = True
        seeds = _seeds(point.result)
        if not seeds:
            continue
        jitter = [point.run + generator.uniform(-0.12, 0.12) for _ in seeds]
        axes.scatter(jitter, seeds, s=14, color=_SEEDS, alpha=0.55, zorder=3,
                     label=None if means else "seeds")
        mean = float(np.mean(seeds))
        axes.scatter([point.run], [mean], s=40, marker="D", zorder=4,
                     color=STATUS_COLOR.get(point.status, "black"))
        means.append((point.run, mean))
    if means:
        axes.plot(*zip(*means, strict=True), color=_SEEDS, linewidth=1, zorder=3,
                  label="mean (colour: status)")
    last = series.points[-1].result
    tutorial = _number(last.expected)
    if tutorial is not None and not last.details.get("data_is_proxy"):
        axes.axhline(tutorial, color=_TUTORIAL, linestyle="--", linewidth=1,
                     label=f"tutorial {tutorial:.4g}")
    elif last.kind == "paired-difference":  # the relation holds above this line
        axes.axhline(0.0, color=_TUTORIAL, linestyle=":", linewidth=1, label="no difference")
    _status_changes(axes, series)
    axes.set_xlim(-0.6, runs - 0.4)
    axes.margins(y=0.25)
    _environment_lines(axes, history)
    axes.set_xticks(*_tick_labels(history), fontsize=8)
    better = last.details.get("better", "none")
    metric = last.details.get("metric") or last.kind
    axes.set_ylabel(f"{metric}" + (f"\n({better} is better)" if better != "none" else ""),
                    fontsize=8)
    axes.set_title(f"{series.key.claim_id}\n{series.key.profile} profile · {series.key.data}",
                   fontsize=10)
    axes.grid(alpha=0.3, axis="y")
    axes.legend(fontsize=7, loc="upper left", bbox_to_anchor=(1.01, 1.0), frameon=False)
    path.parent.mkdir(parents=True, exist_ok=True)
    figure.savefig(path, format="png", dpi=_DPI)
    return path
