"""Claim results: what one claim measured, what it was compared with, and the verdict."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field, fields
from enum import StrEnum
from typing import Any


class Status(StrEnum):
    """A claim's verdict. The legend text is what reports print beside the table."""

    PASS = "PASS"
    FAIL = "FAIL"
    REGRESSED = "REGRESSED"
    IMPROVED = "IMPROVED"
    DRIFT = "DRIFT"
    PROXY = "PROXY"
    INFO = "INFO"
    NEW = "NEW"
    NOT_COMPARABLE = "NOT-COMPARABLE"
    SKIPPED = "SKIPPED"
    SMOKE = "SMOKE"
    KNOWN_FINDING = "KNOWN-FINDING"
    ERROR = "ERROR"

    @property
    def legend(self) -> str:
        return _LEGEND[self]

    @property
    def fails_test(self) -> bool:
        return self not in (Status.PASS, Status.PROXY, Status.SKIPPED, Status.DRIFT, Status.SMOKE,
                            Status.INFO, Status.KNOWN_FINDING)

    @property
    def needs_attention(self) -> bool:
        """Listed under "what needs attention": every failure, plus drift, skips and known
        backend findings, which pass the test but deserve a look."""
        return self.fails_test or self in (Status.DRIFT, Status.SKIPPED, Status.INFO,
                                           Status.KNOWN_FINDING)


_LEGEND = {
    Status.PASS: "the tutorial's claim holds and the value matches the stored baseline",
    Status.FAIL: "the tutorial's claim does not hold",
    Status.REGRESSED: ("the value moved the bad way from the stored baseline, beyond noise "
                       "(a trained value: on the check seeds and on fresh seeds too)"),
    Status.IMPROVED: ("the value moved the good way beyond noise (a trained value: on the check "
                      "seeds and on fresh seeds too): review and update the baseline"),
    Status.DRIFT: ("the value moved beyond noise from the stored baseline, the tutorial's claim "
                   "still holds, and neither way is better (an equivalence, a best epoch, a "
                   "confidence level): not a failure, but look at it"),
    Status.PROXY: "ran on offline proxy data: baseline checked, the tutorial's figure only shown",
    Status.INFO: ("measured and shown, not gated, with the reason: at this budget no rule "
                  "keeps its false alarms at or below 1% (its minimal detectable effect is "
                  "given), or today's seeds cannot judge the tutorial's figure as one run (one "
                  "seed and no baseline, or no spread and the figure off the seeds' value)"),
    Status.NEW: "no baseline is stored for this environment yet (the message gives the command)",
    Status.NOT_COMPARABLE: "the stored baseline was written for another version of the claim",
    Status.SKIPPED: "not run here; the reason says why and what would make it run",
    Status.SMOKE: "--smoke: the real code path ran for a few steps on a few hundred samples; "
                  "nothing was compared",
    Status.KNOWN_FINDING: ("the tutorial's claim does not hold on this backend, a finding recorded "
                           "with its reason in the claim's known_backend_findings: reported, "
                           "not failing the test"),
    Status.ERROR: "the measurement itself broke (bad input, missing model, crash)",
}


@dataclass
class ClaimResult:
    """Everything a report needs about one claim run."""

    claim_id: str
    tutorial: str
    kind: str
    group: str
    tiers: list[str]
    profile: str
    quote: str
    expected: Any
    status: Status
    message: str = ""
    measured: Any = None
    baseline: Any = None
    baseline_file: str = ""
    delta_expected: Any = None
    delta_baseline: Any = None
    rule: str = ""
    data_source: str = "none"
    data_checksum: str = ""
    note: str = ""
    duration_s: float = 0.0
    details: dict[str, Any] = field(default_factory=dict)

    def as_json(self) -> dict[str, Any]:
        data = asdict(self)
        data["status"] = str(self.status)
        return data

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> ClaimResult:
        """A result read back from a run's ``results.jsonl`` (unknown keys are ignored)."""
        known = {item.name for item in fields(cls)}
        values = {key: value for key, value in data.items() if key in known}
        values["status"] = Status(values["status"])
        return cls(**values)
