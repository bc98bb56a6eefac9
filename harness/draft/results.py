"""Parse printed results: ``Test accuracy: 0.9873``, ``('Test loss:', 0.11)``, ``Accuracy: 0.725``,
``test loss, test acc: [0.21, 0.93]``, ``model 0 loss and accuracy: [0.019, 0.993]``.

Each value gets a metric family (accuracy, loss) and, when its label says so, the data it was
measured on (test, train, val); a labelled figure of no known family is kept as unplaced, for
a person. Code lines are never read as results.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from harness.draft.source import Line

_NUMBER = r"[-+]?\d+(?:\.\d+)?(?:e[-+]?\d+)?"
_PRINTED = re.compile(
    rf"^\s*\(?\s*['\"]?(?P<label>[A-Za-z][A-Za-z0-9 ,-]{{0,60}}?)\s*['\"]?\s*"
    rf"(?P<sep>[:=]?)\s*['\"]?\s*,?\s*"
    rf"(?P<value>{_NUMBER}|\[\s*{_NUMBER}(?:\s*,\s*{_NUMBER})*\s*\])\s*\)?\s*$")
_CODE_HINT = re.compile(r"[=(]\s*[a-z_]+\[|print\s*\(|\bdef\b|\breturn\b|\bimport\b")


@dataclass(frozen=True)
class Printed:
    """One printed figure: its label's family and split, value, and the printed text."""

    line: int
    quote: str
    label: str
    family: str  # "accuracy" | "loss" | "" (unplaced)
    split: str  # "test" | "train" | "val" | "" (the label does not say)
    value: float
    text: str  # the number as printed


def family_of(label: str) -> str:
    label = label.lower()
    if re.search(r"\bacc|accuracy", label):
        return "accuracy"
    if re.search(r"\bloss\b", label):
        return "loss"
    if re.search(r"misclassified|wrong", label):
        return "wrong_count"
    return ""


def split_of(label: str) -> str:
    label = label.lower()
    for split, pattern in (("test", r"\btest"), ("train", r"\btrain"), ("val", r"\bval")):
        if re.search(pattern, label):
            return split
    return ""


def parse_printed(line: Line) -> list[Printed]:
    """The figures a printed result line states, or [] when it is not one."""
    if line.role == "code" or _CODE_HINT.search(line.text) or len(line.text) > 160:
        return []
    match = _PRINTED.match(line.text)
    if not match or " - " in line.text:
        return []
    label, value = match.group("label").strip(" ,'\"("), match.group("value")
    if len(label.split()) > 8 or re.search(r"\b(epoch|step|ETA|params)\b", label, re.I):
        return []
    if len(label.split()) < 2 and (match.group("sep") == "=" or "." not in value):
        return []  # ``batch_size = 128`` is code, not a printed result
    texts = re.findall(_NUMBER, value) if value.startswith("[") else [value]
    parts = (re.split(r",|\band\b", label) if len(texts) > 1 else [label])
    parts = [part.strip() for part in parts if part.strip()]
    if len(texts) > 1 and len(parts) != len(texts):
        parts = _trailing_names(label, len(texts))
    quote = line.text.strip()
    split = split_of(label)
    return [Printed(line=line.number, quote=quote, label=part,
                    family=family_of(part) if len(texts) > 1 else family_of(label),
                    split=split_of(part) or split, value=float(text), text=text)
            for part, text in zip(parts, texts, strict=False)]


def _trailing_names(label: str, count: int) -> list[str]:
    """``model 0 loss and accuracy`` for two values: the last names of the label."""
    words = [word for word in re.split(r"[\s,]+", label) if word and word != "and"]
    return words[-count:] if len(words) >= count else [label] * count
