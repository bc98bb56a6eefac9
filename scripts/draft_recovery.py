"""How much of a hand-written claim file ``python -m harness draft`` recovers from its page.

The figures counted are those the hand file takes from the text: param counts, per-layer params
and metric levels whose value is printed in the page (a count as a number in the page, a
layer list whose every non-zero count is, a metric level whose value its quote states as a
decimal or a percentage). A figure is found when the draft has a claim (active, or a commented
stub for review) of the same kind and value: a metric level of the same family (accuracy, loss)
within the hand value's printed precision.

    python scripts/draft_recovery.py [--seeds ../shared/seeds] [suites/*/claims.yaml]
"""

from __future__ import annotations

import argparse
import re
import sys
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from harness.draft.folder import write_draft  # noqa: E402

_TOKEN = re.compile(r"\d[\d,]*(?:\.\d+)?")
_STUB = re.compile(r"^(\s*)# (- id:|  \w+:)")


@dataclass
class Recovery:
    """One tutorial's figures: found as claims, found as stubs, missed."""

    tutorial: str
    found: list[str] = field(default_factory=list)
    as_stub: list[str] = field(default_factory=list)
    missed: list[str] = field(default_factory=list)

    @property
    def total(self) -> int:
        return len(self.found) + len(self.as_stub) + len(self.missed)

    def line(self) -> str:
        share = (len(self.found) + len(self.as_stub)) / self.total if self.total else 1.0
        return (f"{self.tutorial}: {len(self.found) + len(self.as_stub)}/{self.total} "
                f"({share:.0%}; {len(self.found)} as claims, {len(self.as_stub)} as stubs)"
                + "".join(f"\n  missed: {item}" for item in self.missed))


def _numbers(text: str) -> set[float]:
    return {float(token.replace(",", "")) for token in _TOKEN.findall(text)}


def _decimals(value: float) -> int:
    text = repr(value)
    return len(text.split(".", 1)[1]) if "." in text else 0


def _printed(claim: dict[str, Any], page: str) -> bool:
    expected = claim["expected"]
    if claim["kind"] == "param-count":
        return float(expected) in _numbers(page)
    if claim["kind"] == "layer-params":
        return all(float(value) in _numbers(page) for value in expected if value)
    quoted = _numbers(claim["quote"])
    percents = {float(m) / 100 for m in re.findall(r"(\d+(?:\.\d+)?)\s?%", claim["quote"])}
    tolerance = 0.5 * 10 ** -_decimals(float(expected)) + 1e-9
    return any(abs(value - expected) <= tolerance for value in quoted | percents)


def _family(metric: str) -> str:
    return "accuracy" if "acc" in metric else "loss" if "loss" in metric else metric


def _matches(hand: dict[str, Any], drafted: dict[str, Any]) -> bool:
    if hand["kind"] == "metric-level":
        if drafted.get("kind") != "metric-level" or drafted.get("expected") is None:
            return False
        tolerance = 0.5 * 10 ** -_decimals(float(hand["expected"])) + 1e-9
        return (_family(hand["args"]["metric"]) == _family(str(drafted["args"].get("metric")))
                and abs(float(drafted["expected"]) - float(hand["expected"])) <= tolerance)
    if hand["kind"] == "param-count":
        return (drafted.get("kind") == "param-count" and drafted.get("expected") ==
                hand["expected"]) or (drafted.get("kind") == "layer-params" and "layer" in
                                      hand["args"] and hand["expected"] in drafted["expected"])
    return drafted.get("kind") == hand["kind"] and drafted.get("expected") == hand["expected"]


def recover(hand_file: Path, seeds: Path) -> Recovery:
    """Draft the hand file's page into a temporary folder and count what it recovered."""
    hand = yaml.safe_load(hand_file.read_text(encoding="utf-8"))
    page_path = seeds / hand["seed"]
    page = page_path.read_text(encoding="utf-8")
    with tempfile.TemporaryDirectory() as folder:
        written = write_draft(page_path, Path(folder) / hand["tutorial"])
    active = yaml.safe_load(written.claims)["claims"]
    every = yaml.safe_load("\n".join(_STUB.sub(r"\1\2", line)
                                     for line in written.claims.splitlines()))["claims"]
    recovery = Recovery(hand["tutorial"])
    for claim in hand["claims"]:
        if claim["kind"] not in ("param-count", "layer-params", "metric-level") or \
                claim["expected"] is None or not _printed(claim, page):
            continue
        label = f"{claim['id']} ({claim['kind']} {claim['expected']})"
        if any(_matches(claim, drafted) for drafted in active):
            recovery.found.append(label)
        elif any(_matches(claim, drafted) for drafted in every):
            recovery.as_stub.append(label)
        else:
            recovery.missed.append(label)
    return recovery


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("claim_files", nargs="*", type=Path,
                        default=sorted((ROOT / "suites").glob("*/claims.yaml")))
    parser.add_argument("--seeds", type=Path, default=ROOT.parent / "shared" / "seeds")
    args = parser.parse_args()
    for hand_file in args.claim_files:
        print(recover(hand_file, args.seeds).line())
    return 0


if __name__ == "__main__":
    sys.exit(main())
