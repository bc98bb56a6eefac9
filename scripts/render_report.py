"""Render a markdown report (or comparison, or review) to one HTML page beside it.

Usage: python scripts/render_report.py reports/latest.md [-o page.html]

The page keeps the report's relative figure links, so write it next to the markdown. It is how
the reports were checked for readability (open it in a browser, or screenshot it headless:
chromium --headless --no-sandbox --screenshot=shot.png --window-size=1400,4000 file://...).
Rendering uses markdown-it-py (CommonMark with tables and raw HTML, as GitHub renders it).
"""

from __future__ import annotations

import argparse
import html
from pathlib import Path

from markdown_it import MarkdownIt

STYLE = """
body { font: 15px/1.5 -apple-system, "Segoe UI", Helvetica, Arial, sans-serif; color: #1f2328;
       max-width: 1300px; margin: 24px auto; padding: 0 24px; }
h1 { border-bottom: 1px solid #d0d7de; padding-bottom: .3em; }
h2 { border-bottom: 1px solid #d0d7de; padding-bottom: .3em; margin-top: 2em; }
table { border-collapse: collapse; margin: 12px 0; display: block; overflow-x: auto; }
th, td { border: 1px solid #d0d7de; padding: 4px 10px; vertical-align: top; }
th { background: #f6f8fa; }
tr:nth-child(2n) td { background: #f9fafb; }
code { background: #eff1f3; padding: .1em .35em; border-radius: 4px; font-size: 90%; }
img { max-width: 100%; border: 1px solid #d0d7de; margin: 6px 0; }
details { margin: 8px 0; } summary { cursor: pointer; color: #0969da; }
"""


def render(markdown: str, title: str) -> str:
    body = MarkdownIt("commonmark", {"html": True}).enable("table").render(markdown)
    return (f"<!doctype html><html><head><meta charset='utf-8'><title>{html.escape(title)}"
            f"</title><style>{STYLE}</style></head><body>{body}</body></html>\n")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("markdown", type=Path)
    parser.add_argument("-o", "--output", type=Path,
                        help="HTML file (default: beside the markdown, .html)")
    parser.add_argument("--open-details", action="store_true",
                        help="unfold every <details> block (for screenshots)")
    args = parser.parse_args()
    text = args.markdown.read_text(encoding="utf-8")
    if args.open_details:
        text = text.replace("<details>", "<details open>")
    output = args.output or args.markdown.with_suffix(".html")
    output.write_text(render(text, args.markdown.stem), encoding="utf-8")
    print(f"written: {output}")


if __name__ == "__main__":
    main()
