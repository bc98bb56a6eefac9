"""One document, two renderings: the same blocks written as markdown and as a standalone HTML page.

The history is read in a browser as often as on a code host, and both must say the same thing,
so its content is built once as blocks (headings, paragraphs, tables, images) and rendered
twice. Tables are pandas frames of plain text; columns named in ``Table.statuses`` hold
``Status`` values, shown with their emoji in markdown and as coloured labels in HTML (a
browser without an emoji font still reads them). Image paths are used as given, so callers
keep them relative to the page.
"""

from __future__ import annotations

import html
from collections.abc import Sequence
from dataclasses import dataclass, field

import pandas as pd

from harness.reporting.history_plots import STATUS_COLOR
from harness.reporting.report import MARK
from harness.results import Status


@dataclass(frozen=True)
class Heading:
    text: str
    level: int = 2
    anchor: str = ""


@dataclass(frozen=True)
class Paragraph:
    text: str


@dataclass(frozen=True)
class Bullets:
    items: tuple[str, ...]


@dataclass(frozen=True)
class Table:
    frame: pd.DataFrame
    statuses: tuple[str, ...] = field(default=())
    wrap: tuple[str, ...] = field(default=())  # the only columns whose text may wrap in HTML


@dataclass(frozen=True)
class Image:
    path: str
    caption: str


Block = Heading | Paragraph | Bullets | Table | Image

STYLE = """
body { font: 14px/1.45 "DejaVu Sans", Helvetica, Arial, sans-serif; color: #1f2328;
       max-width: 1400px; margin: 20px auto; padding: 0 20px; }
h1 { border-bottom: 1px solid #d0d7de; padding-bottom: .3em; }
h2 { border-bottom: 1px solid #d0d7de; padding-bottom: .2em; margin-top: 1.8em; }
table { border-collapse: collapse; margin: 10px 0; display: block; overflow-x: auto; }
th, td { border: 1px solid #d0d7de; padding: 3px 8px; vertical-align: top; text-align: left;
         white-space: nowrap; }
.wrap { white-space: normal; display: inline-block; min-width: 9em; }
th { background: #f6f8fa; } tr:nth-child(2n) td { background: #f9fafb; }
.status { color: #fff; border-radius: 4px; padding: 0 5px; font-size: 12px; white-space: nowrap; }
figure { display: inline-block; vertical-align: top; margin: 8px 12px 8px 0; max-width: 650px; }
figcaption { color: #57606a; font-size: 12px; }
img { max-width: 100%; border: 1px solid #d0d7de; }
"""


def _status(value: object, marked: bool) -> str:
    if not isinstance(value, Status):
        return str(value)
    return f"{MARK[value]} {value.value}" if marked else value.value


def _markdown_cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def to_markdown(blocks: Sequence[Block]) -> str:
    lines: list[str] = []
    for block in blocks:
        if isinstance(block, Heading):
            lines += [f"{'#' * block.level} {block.text}", ""]
        elif isinstance(block, Paragraph):
            lines += [block.text, ""]
        elif isinstance(block, Bullets):
            lines += [*(f"- {item}" for item in block.items), ""]
        elif isinstance(block, Table):
            frame = block.frame.map(lambda v: _markdown_cell(_status(v, marked=True)))
            lines += [frame.to_markdown(index=False, disable_numparse=True), ""]
        else:
            lines += [f"![{block.caption}]({block.path})", ""]
    return "\n".join(lines).rstrip("\n") + "\n"


def _html_status(value: object) -> str:
    if not isinstance(value, Status):
        return html.escape(str(value))
    return (f'<span class="status" style="background:{STATUS_COLOR.get(value, "#57606a")}">'
            f"{html.escape(value.value)}</span>")


def _html_text(value: object) -> str:
    return html.escape(str(value))


def _html_wrapped(value: object) -> str:
    return f"<span class='wrap'>{html.escape(str(value))}</span>"


def _html_table(table: Table) -> str:
    formatters = {column: (_html_status if column in table.statuses
                           else _html_wrapped if column in table.wrap else _html_text)
                  for column in table.frame.columns}
    return table.frame.to_html(index=False, escape=False, border=0, formatters=formatters)


def to_html(blocks: Sequence[Block], title: str) -> str:
    parts = [f"<!doctype html>\n<html lang='en'><head><meta charset='utf-8'>"
             f"<title>{html.escape(title)}</title><style>{STYLE}</style></head><body>"]
    for block in blocks:
        if isinstance(block, Heading):
            anchor = f" id='{html.escape(block.anchor)}'" if block.anchor else ""
            parts.append(f"<h{block.level}{anchor}>{html.escape(block.text)}</h{block.level}>")
        elif isinstance(block, Paragraph):
            parts.append(f"<p>{html.escape(block.text)}</p>")
        elif isinstance(block, Bullets):
            items = "".join(f"<li>{html.escape(item)}</li>" for item in block.items)
            parts.append(f"<ul>{items}</ul>")
        elif isinstance(block, Table):
            parts.append(_html_table(block))
        else:
            parts.append(f"<figure><img src='{html.escape(block.path)}' "
                         f"alt='{html.escape(block.caption)}'><figcaption>"
                         f"{html.escape(block.caption)}</figcaption></figure>")
    parts.append("</body></html>\n")
    return "\n".join(parts)
