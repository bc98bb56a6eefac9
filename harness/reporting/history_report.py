"""``OUT/history.md`` and ``OUT/history.html``: what changed lately first, then every run and
every claim's series, with one plot per trained claim that has values under ``OUT/plots/``.

Every path written into the pages is relative to ``OUT``, so the folder can be moved, committed
or served as it is.
"""

from __future__ import annotations

import os
import re
from collections import Counter
from pathlib import Path

import pandas as pd

from harness.atomic import write_text_atomically
from harness.reporting.history import History, Series, run_label, run_table
from harness.reporting.history_plots import series_figure
from harness.reporting.page import (
    Block,
    Bullets,
    Heading,
    Image,
    Paragraph,
    Table,
    to_html,
    to_markdown,
)
from harness.reporting.report import format_value

MATRIX_RUNS = 20  # the status table of a tutorial shows this many latest runs

READING = ("Plots: each run is one slot on the x axis, oldest left. Dots are the run's seeds, the "
           "diamond their mean (coloured by the run's status) joined run to run. The grey box is "
           "the baseline the run was judged against: its mean ± the noise limit of the "
           "run-to-run comparison for that run's seed count (a box moves when the baseline was "
           "rewritten, as after a version change). A circled mean with FROM→TO is a status "
           "change; dotted vertical lines are environment changes, labelled with the new "
           "values. The tutorial's own figure is drawn only when the run used the real data set.")


def _count(number: int, noun: str) -> str:
    return f"{number} {noun}" + ("" if number == 1 else "s")


def _slug(text: str) -> str:
    return re.sub(r"[^A-Za-z0-9.]+", "-", text).strip("-")


def _plot_names(series: list[Series]) -> dict[int, str]:
    """File name of each plotted series (by position), the data checksum added only where two
    series would otherwise share a name."""
    plain = {i: f"{_slug(s.key.claim_id.split('/', 1)[-1])}-{s.key.profile}-"
                f"{_slug(s.key.data_source)}" for i, s in enumerate(series)}
    counts = Counter(plain.values())
    return {i: f"{name}-{series[i].key.data_checksum[:8]}.png" if counts[name] > 1
            else f"{name}.png" for i, name in plain.items()}


def recent_changes(history: History, last: int) -> pd.DataFrame:
    """Status changes whose later run is one of the last ``last`` runs: those that now fail a
    test first, then those that need a look, latest first within each."""
    first = max(0, len(history.runs) - last)
    rows = []
    for series in history.series:
        for before, after in series.changes():
            if after.run < first:
                continue
            change = history.env_change_at(after.run)
            order = (not after.status.fails_test, not after.status.needs_attention, -after.run)
            rows.append((order, {
                "claim": series.key.claim_id, "profile": series.key.profile,
                "data": series.key.data_source,
                "run": run_label(after.run, history.runs[after.run]),
                "was": before.status, "became": after.status, "now": series.points[-1].status,
                "environment change at that run": change.label() if change else ""}))
    rows.sort(key=lambda row: row[0])
    return pd.DataFrame([row for _, row in rows])


def status_matrix(history: History, series: list[Series]) -> pd.DataFrame:
    """One row per series, one column per run (the latest ``MATRIX_RUNS``), its status there."""
    shown = range(max(0, len(history.runs) - MATRIX_RUNS), len(history.runs))
    rows = []
    for one in series:
        by_run = {point.run: point.status for point in one.points}
        rows.append({"claim": one.key.claim_id.split("/", 1)[-1], "profile": one.key.profile,
                     "data": one.key.data_source,
                     **{f"#{run + 1}": by_run.get(run, "") for run in shown}})
    return pd.DataFrame(rows)


def _caption(series: Series, runs: int) -> str:
    """What the latest point says, under the plot: status, mean of its seeds, the baseline's."""
    result = series.points[-1].result
    seeds = result.details.get("values") or []
    stored = result.details.get("baseline_values") or []
    text = (f"{series.key.claim_id.split('/', 1)[-1]} ({series.key.profile}, "
            f"{series.key.data_source}), measured in {len(series.points)} of {runs} runs; "
            f"last: {result.status.value}, {'mean ' if seeds else ''}"
            f"{format_value(result.measured)}")
    text += f" over {len(seeds)} seeds" if seeds else ""
    if result.baseline is not None:
        text += f"; baseline {format_value(result.baseline)}"
        text += f" over {len(stored)} seeds" if stored else ""
    return text


def _tutorial_blocks(history: History, tutorial: str, series: list[Series], out: Path,
                     names: dict[int, str]) -> list[Block]:
    matrix = status_matrix(history, [s for _, s in series])
    runs = len(history.runs)
    window = (f"the last {MATRIX_RUNS} of {runs} runs" if runs > MATRIX_RUNS
              else f"all {runs} runs")
    blocks: list[Block] = [Heading(tutorial, anchor=tutorial),
                           Paragraph(f"Status in {window} (blank: not run there)."),
                           Table(matrix, statuses=tuple(matrix.columns[3:]))]
    for index, one in series:
        if not (one.trained and one.has_values()):
            continue
        relative = f"plots/{_slug(tutorial)}/{names[index]}"
        series_figure(out / relative, one, history)
        blocks.append(Image(relative, _caption(one, len(history.runs))))
    return blocks


def history_blocks(history: History, out: Path, last: int) -> list[Block]:
    """The whole page, drawing the plots into ``out`` on the way."""
    runs = history.runs
    last = min(last, len(runs))
    changes = recent_changes(history, last)
    span = (f"{run_label(0, runs[0]).split(' · ')[1]} to "
            f"{run_label(len(runs) - 1, runs[-1]).split(' · ')[1]}" if runs else "no runs")
    trained = sum(1 for s in history.series if s.trained)
    blocks: list[Block] = [
        Heading("Claim history", level=1),
        Paragraph(f"{_count(len(runs), 'run')}, {span}; {len(history.series)} claim series "
                  f"({trained} trained); {_count(len(history.env_changes), 'environment change')}"
                  f"; {_count(len(changes), 'status change')} in the last "
                  f"{_count(last, 'run')}"
                  + (f"; {_count(len(history.skipped), 'input')} left out (listed at the end)."
                     if history.skipped else ".")
                  + " A series is one claim in one profile on one data set: proxy and real "
                    "data, fast and full profiles are never mixed."),
        Heading(f"Status changes in the last {last} runs"),
        Table(changes, statuses=("was", "became", "now"),
              wrap=("environment change at that run",)) if not changes.empty
        else Paragraph(f"None: every claim kept its status over the last {last} runs."),
        Heading("Runs"),
        Table(run_table(history.runs, history.env_changes),
              wrap=("profiles", "data", "claims", "environment change")),
        Heading("Environment changes"),
        Bullets(tuple(f"{run_label(c.run, runs[c.run])}: {c.label()}"
                      for c in history.env_changes)) if history.env_changes
        else Paragraph("None: every run had the same environment."),
        Heading("How to read the plots"),
        Paragraph(READING),
    ]
    names = _plot_names(history.series)
    by_tutorial: dict[str, list[tuple[int, Series]]] = {}
    for index, one in enumerate(history.series):
        by_tutorial.setdefault(one.tutorial, []).append((index, one))
    for tutorial, series in by_tutorial.items():
        blocks += _tutorial_blocks(history, tutorial, series, out, names)
    if history.skipped:
        blocks += [Heading("Inputs left out"),
                   Bullets(tuple(f"{os.path.relpath(s.path, out)}: {s.reason}"
                                 for s in history.skipped))]
    return blocks


def write_history(history: History, out: Path | str, last: int = 5) -> list[Path]:
    """Write ``history.md``, ``history.html`` and the plots under ``out``; return the pages."""
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    blocks = history_blocks(history, out, last)
    pages = [out / "history.md", out / "history.html"]
    write_text_atomically(pages[0], to_markdown(blocks))
    write_text_atomically(pages[1], to_html(blocks, "Claim history"))
    return pages
