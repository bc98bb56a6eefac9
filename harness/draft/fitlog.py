"""Parse the progress lines Keras prints: ``fit`` epochs and ``evaluate`` bars.

Handled: Keras 2 bars (``375/375 [====] - 9s 24ms/step - loss: …``, and the 2.0 form without a
step time), Keras 3 bars (``375/375 ━━━━ 4s 11ms/step - accuracy: …``), ``verbose=2`` lines
(``52s - loss: …``), old ``acc``/``val_acc`` names. Unfinished lines (``ETA``) and bars without
metrics (downloads, ``predict``) are skipped. A notebook's in-place updates run together on one
line; the last update is the finished one.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from harness.draft.source import Line

_EPOCH = re.compile(r"^\s*Epoch (?P<epoch>\d+)/(?P<of>\d+)\s*$")
_PAIR = re.compile(r"(?:^|\s-\s|\s)(?P<name>[a-z_][a-z0-9_]*):\s*"
                   r"(?P<value>[-+]?\d+(?:\.\d+)?(?:e[-+]?\d+)?)(?=\s|$)")
_PROGRESS = re.compile(r"\d+/\d+\s*(?:\[|━)|\d+/\d+\s+-\s+\d|^\s*\d+s\s+-\s|\d+m?s/step")
_UPDATE = re.compile(r"(?=\b\d+/\d+\s*(?:\[|━))")
NAMES = {"acc": "accuracy", "val_acc": "val_accuracy"}  # old Keras 2 names


@dataclass(frozen=True)
class MetricsLine:
    """One finished progress line: its metrics by (modern) name, as printed text and value."""

    line: int
    quote: str
    metrics: dict[str, float]
    printed: dict[str, str]


@dataclass
class FitLog:
    """The epochs one ``fit`` printed."""

    start: int
    epochs_planned: int
    epochs: list[tuple[int, MetricsLine]] = field(default_factory=list)

    @property
    def complete(self) -> bool:
        return bool(self.epochs) and self.epochs[-1][0] == self.epochs_planned

    def final(self) -> MetricsLine | None:
        return self.epochs[-1][1] if self.epochs else None


def metrics_line(line: Line) -> MetricsLine | None:
    """The finished metrics of a progress line, or None (not one, unfinished, no metrics)."""
    text = _UPDATE.split(line.text)[-1]
    if "ETA" in text or not _PROGRESS.search(text) or line.role == "code":
        return None
    counter = re.match(r"\s*(\d+)/(\d+)\s", text)
    if counter and counter.group(1) != counter.group(2):
        return None  # a Keras 3 bar's intermediate update
    pairs = [(NAMES.get(m.group("name"), m.group("name")), m.group("value"))
             for m in _PAIR.finditer(text)]
    if not pairs or any("(" in name for name, _ in pairs):
        return None
    return MetricsLine(line=line.number, quote=text.strip(),
                       metrics={name: float(value) for name, value in pairs},
                       printed=dict(pairs))


def _completes(earlier: MetricsLine, later: MetricsLine) -> bool:
    """Keras 3 reprints an epoch's last step once the validation metrics are in."""
    return set(earlier.metrics) < set(later.metrics) and all(
        earlier.printed[name] == later.printed[name] for name in earlier.metrics)


def parse_progress(lines: list[Line]) -> tuple[list[FitLog], list[MetricsLine]]:
    """The page's fit logs, and the progress lines outside them (``evaluate`` bars)."""
    logs: list[FitLog] = []
    loose: list[MetricsLine] = []
    current: FitLog | None = None
    awaiting = 0  # the epoch whose header was read and whose finished line is due
    for line in lines:
        header = _EPOCH.match(line.text)
        if header:
            epoch, planned = int(header.group("epoch")), int(header.group("of"))
            last = current.epochs[-1][0] if current is not None and current.epochs else 0
            if current is None or epoch <= last or planned != current.epochs_planned:
                current = FitLog(start=line.number, epochs_planned=planned)
                logs.append(current)
            awaiting = epoch
            continue
        parsed = metrics_line(line)
        if parsed is None:
            continue
        if current is not None and awaiting:
            current.epochs.append((awaiting, parsed))
            awaiting = 0
        elif current is not None and current.epochs and _completes(current.epochs[-1][1],
                                                                    parsed):
            current.epochs[-1] = (current.epochs[-1][0], parsed)
        elif loose and loose[-1].printed == parsed.printed and parsed.line - loose[-1].line <= 2:
            loose[-1] = parsed  # Keras 3 prints a one-step bar's update and its final line
        else:
            current, awaiting = None, 0
            loose.append(parsed)
    return logs, loose
