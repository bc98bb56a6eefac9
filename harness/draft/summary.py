"""Parse ``model.summary()`` tables: Keras 2 (``====`` rules) and Keras 3 (box-drawn).

A table gives per-layer rows (name, class, output shape, params) and the totals. After ``fit``,
Keras 3's ``Total params`` includes the optimizer's variables (its ``Optimizer params:`` line),
so the model's size is trainable + non-trainable, never that total.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from harness.draft.numbers import parse_count, parse_shape
from harness.draft.source import Line

_K2_HEADER = re.compile(r"Layer \(type\)\s+Output Shape\s+Param #")
_K3_HEADER = re.compile(r"┃\s*Layer \(type\)\s*┃\s*Output Shape\s*┃\s*Param #")
_K2_ROW = re.compile(
    r"^\s*(?P<name>[\w.:/-]+)\s+\((?P<cls>\w*)\)?\s*"
    r"(?P<shape>\[?\((?:None|\d+)(?:,\s*(?:None|\d+))*,?\)\]?|multiple)\s+"
    r"(?P<params>\d[\d,]*(?:\.0)?)\b(?P<rest>.*)$")
_TOTAL = re.compile(r"^\s*(?P<what>Total|Trainable|Non-trainable|Optimizer) params:\s*"
                    r"(?P<count>\d[\d,]*(?:\.0+)?)")
_MODEL_NAME = re.compile(r'^\s*Model: "?(?P<name>[\w.-]+)"?\s*$')
_RULE = re.compile(r"^\s*[_=\-─━┏┓┗┛┡┩├┤└┘┳┻╇┼┴┬\s]*$")


@dataclass(frozen=True)
class SummaryRow:
    """One layer of a summary table."""

    name: str
    layer_class: str  # may be cut (``MaxPooling2``) or end with ``…``
    shape: list[int] | None  # without the batch axis; None when cut or not one tensor
    params: int | None  # None when ``0 (unbuilt)`` or unreadable
    line: int
    quote: str


@dataclass
class Summary:
    """One printed summary table and its totals."""

    start: int
    end: int
    style: str  # "keras2" | "keras3"
    keras_name: str = ""  # the ``Model: "..."`` line's name, when printed
    rows: list[SummaryRow] = field(default_factory=list)
    counts: dict[str, int] = field(default_factory=dict)  # total, trainable, non-trainable, ...
    quotes: dict[str, str] = field(default_factory=dict)  # the same keys: the printed lines
    problems: list[str] = field(default_factory=list)  # what could not be read

    @property
    def truncated(self) -> bool:
        return "total" not in self.counts and "trainable" not in self.counts

    def model_size(self) -> int | None:
        """The model's own parameters: trainable + non-trainable (never an optimizer-inflated
        total); the printed total only when no split and no optimizer line are printed."""
        if "trainable" in self.counts and "non-trainable" in self.counts:
            return self.counts["trainable"] + self.counts["non-trainable"]
        if "optimizer" in self.counts:
            return None
        return self.counts.get("total")

    def size_quote(self) -> str:
        """The line the model's size is quoted from."""
        if "optimizer" in self.counts or "total" not in self.quotes:
            return self.quotes.get("trainable", "")
        return self.quotes["total"]


def find_summaries(lines: list[Line]) -> list[Summary]:
    """Every summary table of the page, in order."""
    found: list[Summary] = []
    index = 0
    while index < len(lines):
        text = lines[index].text
        if _K3_HEADER.search(text):
            summary, index = _keras3(lines, index)
        elif _K2_HEADER.search(text) and lines[index].role != "code":
            summary, index = _keras2(lines, index)
        else:
            index += 1
            continue
        summary.keras_name = _model_name(lines, summary.start)
        found.append(summary)
    return found


def _model_name(lines: list[Line], start: int) -> str:
    for back in range(start - 2, max(start - 5, -1), -1):
        match = _MODEL_NAME.match(lines[back].text)
        if match:
            return match.group("name")
    return ""


def _read_totals(lines: list[Line], index: int, summary: Summary) -> int:
    """Read the totals lines from ``index``; returns the index after them."""
    while index < len(lines):
        text = lines[index].text
        match = _TOTAL.match(text)
        if match:
            what = match.group("what").lower()
            key = "total" if what == "total" else what
            count = parse_count(match.group("count"))
            if count is not None:
                summary.counts[key] = count
                summary.quotes[key] = text.strip()
        elif (text.strip() and not _RULE.match(text)) or (not text.strip() and summary.counts):
            break
        index += 1
    return index


def _keras2(lines: list[Line], header: int) -> tuple[Summary, int]:
    summary = Summary(start=lines[header].number, end=lines[header].number, style="keras2")
    index = header + 1
    while index < len(lines):
        text = lines[index].text
        row = _K2_ROW.match(text)
        if row:
            summary.rows.append(SummaryRow(
                name=row.group("name"), layer_class=row.group("cls"),
                shape=parse_shape(row.group("shape")), params=parse_count(row.group("params")),
                line=lines[index].number, quote=text.strip()))
        elif _TOTAL.match(text) or not (_RULE.match(text) or _continuation(text)):
            break
        index += 1
    index = _read_totals(lines, index, summary)
    summary.end = lines[min(index, len(lines)) - 1].number
    if summary.truncated:
        summary.problems.append(f"the summary at line {summary.start} is cut off: no "
                                f"'Total params' line after its {len(summary.rows)} rows")
    return summary, index


def _continuation(text: str) -> bool:
    """A Keras 2 row's second line: the rest of a cut class name (``alization)``) or one more
    'Connected to' input; indented, one token."""
    return bool(re.match(r"^\s+[\w.\[\]()',]+\s*$", text))


def _cells(text: str) -> list[str]:
    return [cell.strip() for cell in text.strip().strip("│").split("│")]


def _keras3(lines: list[Line], header: int) -> tuple[Summary, int]:
    summary = Summary(start=lines[header].number, end=lines[header].number, style="keras3")
    index = header + 1
    pending: list[list[str]] = []  # the lines of the row being read
    pending_lines: list[Line] = []

    def flush() -> None:
        if pending:
            summary.rows.append(_keras3_row(pending, pending_lines, summary))
            pending.clear()
            pending_lines.clear()

    while index < len(lines):
        line = lines[index]
        stripped = line.text.strip()
        if stripped.startswith("│"):
            cells = _cells(stripped)
            if len(cells) >= 3 and cells[2] and pending:
                flush()
            pending.append(cells)
            pending_lines.append(line)
        elif stripped.startswith(("├", "┡", "┏", "┃")):
            flush()
        elif stripped.startswith("└"):
            flush()
            index += 1
            break
        else:
            break
        index += 1
    flush()
    index = _read_totals(lines, index, summary)
    summary.end = lines[min(index, len(lines)) - 1].number
    if summary.truncated:
        summary.problems.append(f"the summary at line {summary.start} is cut off: no "
                                f"'Total params' line after its {len(summary.rows)} rows")
    return summary, index


def _keras3_row(parts: list[list[str]], lines: list[Line], summary: Summary) -> SummaryRow:
    """One row of a box table; its cells may wrap over several lines."""
    width = max(len(cells) for cells in parts)
    joined = [" ".join(cells[column] for cells in parts if column < len(cells)
                       and cells[column]).strip() for column in range(width)]
    match = re.match(r"^(?P<name>\S+)\s*(?:\((?P<cls>[^)]*)\)?)?", joined[0])
    name = match.group("name") if match else joined[0]
    layer_class = (match.group("cls") or "") if match else ""
    params_text = joined[2] if len(joined) > 2 else ""
    params = parse_count(params_text)
    if "unbuilt" in params_text:
        params = None
        summary.problems.append(f"layer {name} (line {lines[0].number}) is unbuilt: its "
                                f"parameters are not printed")
    shape = parse_shape(joined[1]) if len(joined) > 1 else None
    return SummaryRow(name=name, layer_class=layer_class, shape=shape, params=params,
                      line=lines[0].number, quote=lines[0].text.strip())
