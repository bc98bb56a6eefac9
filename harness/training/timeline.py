"""The run's training timeline: which worker trained which (recipe, seed) when, how busy the
worker slots were, and the figure that shows it.

Entries come from ``SeedBank.timeline`` (wall-clock start and end stamped in the worker).
Occupancy is measured over the training phase, from the first training's start to the last
one's end: the share of slot-seconds spent training. Seeds read from the train cache take no
slot and are counted apart.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from harness.atomic import write_text_atomically


def trained(entries: Sequence[dict[str, Any]]) -> list[dict[str, Any]]:
    return [entry for entry in entries if not entry.get("cached") and entry["end"] > 0]


def occupancy(entries: Sequence[dict[str, Any]], slots: int) -> dict[str, Any]:
    """The training phase's span, its busy slot-seconds and their share of ``slots`` × span."""
    runs = trained(entries)
    cached = len(entries) - len(runs)
    if not runs:
        return {"slots": slots, "trained": 0, "cached": cached, "span_s": 0.0, "busy_s": 0.0,
                "occupancy": None, "workers": 0}
    start = min(entry["start"] for entry in runs)
    end = max(entry["end"] for entry in runs)
    busy = sum(entry["end"] - entry["start"] for entry in runs)
    span = end - start
    return {"slots": slots, "trained": len(runs), "cached": cached, "span_s": round(span, 1),
            "busy_s": round(busy, 1), "start": start, "end": end,
            "occupancy": round(busy / (slots * span), 4) if span > 0 else None,
            "workers": len({entry["worker"] for entry in runs})}


def write_timeline(entries: Sequence[dict[str, Any]], slots: int, path: Path,
                   notes: Sequence[str] = ()) -> dict[str, Any]:
    """Save the timeline as JSON beside the run's results; its occupancy summary, with the
    ``notes`` of what happened under the training (a task lost with its node, run again)."""
    summary = {**occupancy(entries, slots), "notes": list(notes)}
    write_text_atomically(path, json.dumps({"summary": summary, "tasks": list(entries)},
                                           indent=1) + "\n")
    return summary


def draw_timeline(entries: Sequence[dict[str, Any]], path: Path) -> Path:
    """One row per worker, one bar per trained seed, coloured by tutorial."""
    from matplotlib.figure import Figure
    from matplotlib.patches import Patch

    runs = sorted(trained(entries), key=lambda entry: entry["start"])
    workers = sorted({entry["worker"] for entry in runs})
    origin = min(entry["start"] for entry in runs)
    tutorials = sorted({entry["tutorial"] for entry in runs})
    palette = ["#4477aa", "#ee6677", "#228833", "#ccbb44", "#66ccee", "#aa3377", "#bbbbbb"]
    colour = {name: palette[index % len(palette)] for index, name in enumerate(tutorials)}
    figure = Figure(figsize=(10, 1.2 + 0.5 * len(workers)), dpi=100)
    axes = figure.add_subplot()
    for row, worker in enumerate(workers):
        for entry in (e for e in runs if e["worker"] == worker):
            axes.barh(row, entry["end"] - entry["start"], left=entry["start"] - origin,
                      height=0.8, color=colour[entry["tutorial"]], edgecolor="white",
                      linewidth=0.5)
    axes.set_yticks(range(len(workers)), [f"worker {i + 1}" for i in range(len(workers))])
    axes.invert_yaxis()
    axes.set_xlabel("seconds since the first training started")
    summary = occupancy(entries, len(workers))
    share = summary["occupancy"]
    axes.set_title(f"Training timeline: {summary['trained']} seeds on {len(workers)} workers, "
                   f"slots busy {share:.0%} of {summary['span_s']:.0f} s" if share is not None
                   else "Training timeline")
    axes.legend(handles=[Patch(color=colour[name], label=name) for name in tutorials],
                loc="upper center", bbox_to_anchor=(0.5, -0.35 if len(workers) < 3 else -0.2),
                ncol=min(len(tutorials), 5), fontsize="small", frameon=False)
    figure.tight_layout()
    path.parent.mkdir(parents=True, exist_ok=True)
    figure.savefig(path)
    return path
