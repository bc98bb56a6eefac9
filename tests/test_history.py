"""``python -m harness history`` on small run folders written here (no training): the pages,
the plots, bad inputs, a killed run, and the HTML opened in headless Chromium when it is there."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from harness.__main__ import main
from harness.reporting.history import build_history
from harness.reporting.report import RunRecord, write_reports
from harness.results import ClaimResult, Status
from harness.runlog import RunLog

pytestmark = pytest.mark.fast

ROOT = Path(__file__).resolve().parents[1]
ENV_312 = {"keras": "3.12.4", "backend": "tensorflow", "backend_version": "2.20.0",
           "tensorflow": "2.20.0", "device_class": "cpu", "device": "Xeon",
           "git_commit": "aaaaaaa1111"}
ENV_315 = {**ENV_312, "keras": "3.15.1", "backend_version": "2.21.0", "tensorflow": "2.21.0"}


def trained(claim_id: str, values: list[float], status: Status = Status.PASS,
            source: str = "proxy-digits", baseline: list[float] | None = None) -> ClaimResult:
    stored = baseline or [0.60, 0.58, 0.59, 0.61]
    return ClaimResult(
        claim_id=claim_id, tutorial=claim_id.split("/", 1)[0], kind="metric-level",
        group="training", tiers=["fast"], profile="fast", quote="Test accuracy: 0.9685",
        expected=0.9685, status=status, measured=sum(values) / len(values),
        baseline=sum(stored) / len(stored), data_source=source, data_checksum=f"{source}-sum",
        details={"values": values, "baseline_values": stored, "metric": "test_accuracy",
                 "better": "higher", "data_is_proxy": source.startswith("proxy")})


def structural(claim_id: str, status: Status = Status.PASS) -> ClaimResult:
    return ClaimResult(claim_id=claim_id, tutorial=claim_id.split("/", 1)[0],
                       kind="param-count", group="structure", tiers=["fast"],
                       profile="structure", quote="54,410", expected=54410, status=status,
                       measured=54410, baseline=54410)


def record(run_id: str, started: str, environment: dict[str, str],
           results: list[ClaimResult]) -> RunRecord:
    return RunRecord(run_id=run_id, started=started, duration_s=60.0,
                     command="pytest suites -m fast", environment=environment, results=results)


def nightly(day: int, environment: dict[str, str], accuracy: list[float],
            status: Status = Status.PASS, **extra: Any) -> RunRecord:
    results = [trained("tut/cnn/test-accuracy", accuracy, status),
               trained("tut/cnn/test-accuracy", [0.97, 0.968, 0.971], source="mnist",
                       baseline=[0.969, 0.97, 0.968]),
               structural("tut/cnn/params", extra.get("params_status", Status.PASS))]
    return record(f"202601{day:02d}T020000Z", f"2026-01-{day:02d}T02:00:00+00:00", environment,
                  results)


@pytest.fixture
def reports(tmp_path: Path) -> Path:
    """Four nightly runs in a reports folder, written out of time order: 3.12, then the upgrade
    to 3.15 with a regression on the proxy, then a structural failure."""
    folder = tmp_path / "reports"
    runs = [nightly(3, ENV_315, [0.40, 0.41, 0.39], Status.REGRESSED),
            nightly(1, ENV_312, [0.60, 0.59, 0.61]),
            nightly(2, ENV_312, [0.58, 0.60, 0.60]),
            nightly(4, {**ENV_315, "git_commit": "bbbbbbb2222"}, [0.41, 0.40, 0.42],
                    Status.REGRESSED, params_status=Status.FAIL)]
    for run in runs:
        write_reports(run, folder)
    return folder


def test_history_pages_plots_and_order(reports: Path, tmp_path: Path) -> None:
    out = tmp_path / "out"
    assert main(["history", str(reports), "-o", str(out), "--last", "2"]) == 0
    markdown = (out / "history.md").read_text(encoding="utf-8")
    page = (out / "history.html").read_text(encoding="utf-8")

    # runs in time order whatever the folder order; the upgrade is marked where it happened
    table = markdown.split("## Runs")[1].split("## Environment changes")[0]
    assert [line.split("|")[2].strip() for line in table.splitlines()[4:8]] == [
        f"202601{day:02d}T020000Z" for day in (1, 2, 3, 4)]
    assert "#3 · 2026-01-03 02:00: keras 3.12.4→3.15.1, tensorflow 2.20.0→2.21.0" in markdown
    assert "commit aaaaaaa→bbbbbbb" in markdown
    # the last two runs' changes first, a failure before a regression
    changes = markdown.split("## Status changes in the last 2 runs")[1].split("## Runs")[0]
    assert changes.index("tut/cnn/params") < changes.index("tut/cnn/test-accuracy")
    assert "✅ PASS" in changes and "📉 REGRESSED" in changes and "❌ FAIL" in changes
    # proxy and real data are two series, each with its own plot
    plots = sorted(p.relative_to(out).as_posix() for p in out.rglob("*.png"))
    assert plots == ["plots/tut/cnn-test-accuracy-fast-mnist.png",
                     "plots/tut/cnn-test-accuracy-fast-proxy-digits.png"]
    for plot in plots:
        assert f"]({plot})" in markdown and f"src='{plot}'" in page
    # nothing absolute: the folder can move
    assert str(tmp_path) not in markdown and str(tmp_path) not in page
    assert all((out / src).is_file() for src in re.findall(r"src='([^']+)'", page))
    assert page.startswith("<!doctype html>") and page.rstrip().endswith("</html>")


def test_series_never_mix_data_sources(reports: Path) -> None:
    history = build_history([reports])
    accuracy = [s for s in history.series if s.key.claim_id == "tut/cnn/test-accuracy"]
    assert {s.key.data_source for s in accuracy} == {"proxy-digits", "mnist"}
    for series in accuracy:
        assert len({p.result.data_source for p in series.points}) == 1
    proxy = next(s for s in accuracy if s.key.data_source == "proxy-digits")
    assert [(a.status, b.status, b.run) for a, b in proxy.changes()] == [
        (Status.PASS, Status.REGRESSED, 2)]


def test_bad_inputs_named_and_the_rest_still_in(reports: Path, tmp_path: Path,
                                                capsys: pytest.CaptureFixture[str]) -> None:
    runs = reports / "runs"
    (runs / "empty").mkdir()
    corrupt = runs / "corrupt"
    corrupt.mkdir()
    (corrupt / "report.json").write_text('{"run_id": "x", "results": [', encoding="utf-8")
    (runs / "not-a-run").mkdir()
    (runs / "not-a-run" / "report.json").write_text('{"hello": 1}', encoding="utf-8")
    out = tmp_path / "out"
    assert main(["history", str(runs), str(tmp_path / "missing"), "-o", str(out)]) == 0
    lines = capsys.readouterr().err.splitlines()
    assert len(lines) == 4
    assert f"history: skipped {corrupt / 'report.json'}: not a readable run report" in lines[0]
    assert f"history: skipped {runs / 'empty'}: no run here" in lines[1]
    assert f"{runs / 'not-a-run' / 'report.json'}: not a run report" in lines[2]
    assert f"history: skipped {tmp_path / 'missing'}: no such file or folder" == lines[3]
    markdown = (out / "history.md").read_text(encoding="utf-8")
    assert "4 runs" in markdown
    assert "## Inputs left out" in markdown and "../reports/runs/corrupt/report.json" in markdown


def test_no_readable_run_writes_nothing(tmp_path: Path,
                                        capsys: pytest.CaptureFixture[str]) -> None:
    (tmp_path / "empty").mkdir()
    assert main(["history", str(tmp_path / "empty"), "-o", str(tmp_path / "out")]) == 1
    assert "no readable run" in capsys.readouterr().err
    assert not (tmp_path / "out").exists()


def test_killed_run_read_from_its_streamed_results(reports: Path, tmp_path: Path) -> None:
    """A run killed before its report: run.json and results.jsonl are enough."""
    import datetime

    log = RunLog.start(tmp_path / "killed", datetime.datetime(2026, 1, 5, 2, tzinfo=datetime.UTC),
                       "pytest suites -m fast")
    meta = log.meta()
    log.write_meta({**meta, "environment": {**ENV_315, "git_commit": "ccccccc3333"}})
    log.append(trained("tut/cnn/test-accuracy", [0.59, 0.60, 0.61]))
    history = build_history([reports, log.folder])
    assert [run.run_id for run in history.runs][-1] == log.run_id
    assert history.env_changes[-1].label() == "commit bbbbbbb→ccccccc"
    proxy = next(s for s in history.series if s.key.data_source == "proxy-digits")
    assert proxy.points[-1].status is Status.PASS and len(proxy.points) == 5


def test_a_run_given_twice_counts_once(reports: Path, capsys: pytest.CaptureFixture[str]) -> None:
    history = build_history([reports / "runs", reports / "latest.json"])
    assert len(history.runs) == 4
    assert [s.reason for s in history.skipped] == ["run 20260104T020000Z is already in"]


def test_html_opens_in_chromium(reports: Path, tmp_path: Path) -> None:
    """The page renders in a real browser, with its plots (their blue is in the screenshot)."""
    sys.path.insert(0, str(ROOT / "scripts"))
    try:
        from screenshot_history import find_chromium
    finally:
        sys.path.pop(0)
    if find_chromium() is None:
        pytest.skip("chromium is not installed (apt-get install chromium)")
    image = pytest.importorskip("PIL.Image")
    out = tmp_path / "out"
    assert main(["history", str(reports), "-o", str(out)]) == 0
    shot = tmp_path / "shot.png"
    completed = subprocess.run([sys.executable, str(ROOT / "scripts" / "screenshot_history.py"),
                                str(out / "history.html"), "-o", str(shot), "--height", "3000"],
                               capture_output=True, text=True, timeout=180, check=False)
    assert completed.returncode == 0, completed.stderr
    with image.open(shot) as picture:
        assert picture.size == (1400, 3000)
        pixels = np.asarray(picture.convert("RGB"), dtype="int64")
    plot_blue = int((np.abs(pixels - [31, 119, 180]).sum(axis=-1) < 60).sum())
    assert plot_blue > 50, "no plot drawn in the page: were the images found?"
