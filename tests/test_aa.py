"""The A/A self-test's bookkeeping: which verdicts count as false alarms, and the summary."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest

from harness import aa

pytestmark = pytest.mark.fast


def _report(folder: Path, statuses: dict[str, str]) -> None:
    results = [{"claim_id": claim, "profile": "fast", "group": "training", "status": status,
                "details": {"values": [0.5] * 4}} for claim, status in statuses.items()]
    results.append({"claim_id": "t/params", "profile": "structure", "group": "structure",
                    "status": "FAIL", "details": {}})
    folder.mkdir(parents=True)
    (folder / "latest.json").write_text(json.dumps({"results": results}), encoding="utf-8")


def test_every_failing_verdict_of_a_trained_claim_is_a_false_alarm(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    statuses = {"t/a": "PASS", "t/b": "REGRESSED", "t/c": "INFO", "t/d": "PROXY",
                "t/e": "FAIL", "t/f": "DRIFT", "t/g": "KNOWN-FINDING"}
    commands: list[list[str]] = []

    def fake_pytest(command: list[str], **kwargs: object) -> None:
        commands.append(command)
        _report(Path(command[command.index("--reports-dir") + 1]), statuses)

    monkeypatch.setattr(subprocess, "run", fake_pytest)
    text, alarms = aa.run_aa([0, 100], tmp_path, extra=["-x"])
    assert alarms == 4  # REGRESSED and FAIL at each offset; structure claims do not count
    assert commands[1][commands[1].index("--seed-offset") + 1] == "100" and "-x" in commands[1]
    assert "**4 false alarm(s) in 14 trained claim-runs = 28.57 per 100**" in text
    assert "- offset 100: `t/b@fast` REGRESSED" in text


def test_a_run_that_wrote_no_report_says_how_to_see_why(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(subprocess, "run", lambda *args, **kwargs: None)
    with pytest.raises(RuntimeError, match=r"offset 7: no report at .*run the command by hand"):
        aa.run_offset(7, tmp_path, "fast and training", [])
