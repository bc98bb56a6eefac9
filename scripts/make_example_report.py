"""Rebuild reports/examples/report/: mnist-intro's fast claims against a planted regression.

The committed baselines are copied to a scratch folder inside the project (so the report names
files relative to the project, as a user's would), ``mnist-intro/cnn/test-accuracy``'s stored
seeds are raised by 0.10, and the fast suite runs on mnist-intro: REGRESSED shows beside PASS,
PROXY and SKIPPED. Run from the project root: ``.venv/bin/python scripts/make_example_report.py``.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SCRATCH = Path("reports") / "scratch"
PLANTED = "mnist-intro/cnn/test-accuracy"
EXAMPLE = ROOT / "reports" / "examples" / "report"


def plant(baselines: Path) -> None:
    """Raise the stored seeds of one claim by 0.10 in every fast baseline file holding it."""
    for path in (baselines / "mnist-intro" / "fast").glob("*.json"):
        document = json.loads(path.read_text(encoding="utf-8"))
        entry = document["claims"].get(PLANTED)
        if entry:
            entry["values"] = [value + 0.10 for value in entry["values"]]
            entry["value"] = sum(entry["values"]) / len(entry["values"])
            path.write_text(json.dumps(document, indent=2, sort_keys=True), encoding="utf-8")


def main() -> int:
    scratch = ROOT / SCRATCH
    shutil.rmtree(scratch, ignore_errors=True)
    shutil.copytree(ROOT / "baselines", scratch / "baselines-planted")
    plant(scratch / "baselines-planted")
    command = [sys.executable, "-m", "pytest", "suites", "-m", "fast", "-k", "mnist-intro", "-q",
               "-p", "no:cacheprovider", "--reports-dir", str(SCRATCH / "example"),
               "--baselines-dir", str(SCRATCH / "baselines-planted")]
    status = subprocess.run(command, cwd=ROOT).returncode
    if status not in (0, 1):  # 1: the planted regression fails its claim, as it should
        return status
    shutil.rmtree(EXAMPLE, ignore_errors=True)
    EXAMPLE.mkdir(parents=True)
    shutil.copy(scratch / "example" / "latest.md", EXAMPLE / "report.md")
    shutil.copytree(scratch / "example" / "figures", EXAMPLE / "figures")
    print(f"written: {EXAMPLE.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
