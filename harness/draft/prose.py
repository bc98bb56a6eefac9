"""Find the sentences of a page that state a figure or a relation.

A figure is a percentage, a decimal next to a metric word, or a parameter count. Whether it can
be tied to a run, agrees with the page's own output or contradicts it, the linker decides.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from harness.draft.source import Line

_SENTENCE_END = re.compile(r"(?<=[.!?])\s+(?=[A-Z0-9(\"'])")
_PERCENT = re.compile(r"(?<![\w.])(?P<number>\d{1,3}(?:\.\d+)?)\s?%")
_DECIMAL = re.compile(r"(?<![\w.])(?P<number>0\.\d+|1\.0+)(?![\w.])")
_PARAMS = re.compile(r"(?P<number>\d{1,3}(?:,\d{3})+|\d+(?:\.\d+)?\s?[MK]|\d{4,})\s+"
                     r"(?:trainable\s+|weight\s+)?param")
_METRIC = re.compile(r"\b(accura\w*|loss|error)\b", re.I)
_RELATION = re.compile(r"\b(better|worse|beats?|outperform\w*|improve\w*|increase\w*|"
                       r"decrease\w*|reduc\w+|overfit\w*|higher|lower|faster|slower|"
                       r"jump|drop\w*|gap)\b", re.I)
HYPOTHETICAL = re.compile(r"\b(might|could|would|should|perhaps|expect\w*|record|"
                          r"state[- ]of[- ]the[- ]art|paper|typical\w*|usually|previous|"
                          r"chapter|earlier|if)\b", re.I)
HEDGE = re.compile(r"\b(about|around|roughly|approximately|nearly|almost|close to|~)\s*$",
                   re.I)
_CLAUSE = re.compile(r"\bbut\b|\bwhile\b|\bwhereas\b|;|,\s+and\b")
_CODE = re.compile(r"\w\(|\)\s*\w|=\s*\w|^\s*[\[{(]|[{};]")


@dataclass(frozen=True)
class Figure:
    """A figure stated in a sentence."""

    kind: str  # "metric" | "params"
    value: float  # a fraction for percentages and metrics; a count for parameters
    text: str  # as written
    digits: int  # decimals of the value in its own units (percent or fraction)
    percent: bool
    hedged: bool
    bound: str  # "" | "lower" ("more than") | "upper" ("less than")
    clause: str  # the part of the sentence it is stated in (between "but", ";", ...)


@dataclass(frozen=True)
class Sentence:
    """One prose sentence with its figures and whether it states a relation."""

    line: int
    text: str
    figures: tuple[Figure, ...]
    relation: bool


def _is_prose(text: str) -> bool:
    words = text.split()
    alphabetic = sum(1 for word in words if re.fullmatch(r"[A-Za-z][a-z'’-]*[,.;:!?]?", word))
    return len(words) >= 5 and alphabetic >= 0.6 * len(words) and len(_CODE.findall(text)) <= 1


def _figure(kind: str, match: re.Match[str], sentence: str, percent: bool) -> Figure:
    raw = match.group("number").replace(",", "").replace(" ", "")
    before = sentence[:match.start()]
    scale = {"M": 1e6, "K": 1e3}.get(raw[-1:], 1.0)
    number = float(raw.rstrip("MK")) * scale
    digits = len(raw.rstrip("MK").split(".", 1)[1]) if "." in raw else 0
    bound = ("lower" if re.search(r"\b(more than|over|above|at least|exceed\w*)\s*$", before,
                                  re.I)
             else "upper" if re.search(r"\b(less than|under|below|at most)\s*$", before, re.I)
             else "")
    cuts = [0] + [cut.end() for cut in _CLAUSE.finditer(sentence)] + [len(sentence)]
    start = max(cut for cut in cuts[:-1] if cut <= match.start())
    end = min(cut for cut in cuts[1:] if cut > match.start())
    return Figure(kind=kind, value=number / 100 if percent else number, text=match.group(0),
                  digits=digits, percent=percent, hedged=bool(HEDGE.search(before)), bound=bound,
                  clause=sentence[start:end])


def find_sentences(lines: list[Line]) -> list[Sentence]:
    """Prose sentences that state a figure or a relation, in page order."""
    found: list[Sentence] = []
    for line in lines:
        if line.role != "text" or not _is_prose(line.text):
            continue
        for text in _SENTENCE_END.split(line.text.strip()):
            figures = [_figure("params", match, text, False) for match in _PARAMS.finditer(text)]
            if _METRIC.search(text):
                figures += [_figure("metric", match, text, True)
                            for match in _PERCENT.finditer(text)]
                figures += [_figure("metric", match, text, False)
                            for match in _DECIMAL.finditer(text)]
            relation = bool(_RELATION.search(text)) and bool(_METRIC.search(text) or figures)
            if figures or relation:
                found.append(Sentence(line=line.number, text=text.strip(),
                                      figures=tuple(figures), relation=relation))
    return found
