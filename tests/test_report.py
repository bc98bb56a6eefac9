"""Reports: what a person reads after a run, and the JSON later tools read back.

Built from hand-made results so every status and formatting rule is exercised without running
a single measurement.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from harness.reporting.report import RunRecord, format_value, render_markdown, write_reports
from harness.results import ClaimResult, Status

pytestmark = pytest.mark.fast


# --- format_value ----------------------------------------------------------------------------

@pytest.mark.parametrize(("value", "shape", "text"), [
    (703594, False, "703,594"),
    (-1234, False, "-1,234"),
    (0, False, "0"),
    (0.84123, False, "0.8412"),
    (None, False, "—"),
    (None, True, "—"),
    (True, False, "yes"),
    (False, False, "no"),
    ("relu", False, "relu"),
    ([32, 32, 64], True, "32×32×64"),
    ([None, 10], True, "?×10"),
    ([], True, "()"),
    ([[26, 26, 32], [13, 13, 32], [5408]], True, "26×26×32 · 13×13×32 · 5408"),
    ([[26, 26, 32], [10]], False, "26×26×32 · 10"),
    ([896, 9248, 0], False, "896 · 9,248 · 0"),
    ([896, 9248, 0], True, "896×9248×0"),
    ([50000, 10000], False, "50,000 · 10,000"),
    (list(range(10)), False, "0 · 1 · 2 · 3 · 4 · 5 · … (+4)"),
    (list(range(6)), False, "0 · 1 · 2 · 3 · 4 · 5"),
    ([True, False], False, "yes · no"),
], ids=lambda item: repr(item)[:24])
def test_format_value(value: Any, shape: bool, text: str) -> None:
    """Counts with separators, shapes with ×, long lists elided, absent values as a dash."""
    assert format_value(value, shape=shape) == text


def test_format_value_limit_is_adjustable() -> None:
    assert format_value([1, 2, 3, 4], limit=2) == "1 · 2 · … (+2)"


# --- a hand-built run ------------------------------------------------------------------------

ENVIRONMENT = {"keras": "3.1.0", "backend": "tensorflow", "device": "test | cpu"}


def result(claim_id: str, status: Status, **fields: Any) -> ClaimResult:
    tutorial = claim_id.split("/", 1)[0]
    defaults: dict[str, Any] = {
        "kind": "param-count", "group": "structure", "tiers": ["fast"], "profile": "structure",
        "quote": "Total params: 54,410", "expected": 54410, "measured": 54410,
        "baseline": 54410, "delta_baseline": 0, "rule": "exact",
    }
    return ClaimResult(claim_id=claim_id, tutorial=tutorial, status=status,
                       **{**defaults, **fields})


@pytest.fixture
def run() -> RunRecord:
    """Two tutorials, listed out of order, with a pass, a failure, a new claim and a shape."""
    return RunRecord(
        run_id="20250101T000000Z", started="2025-01-01T00:00:00+00:00", duration_s=12.34,
        command="pytest -m fast", environment=dict(ENVIRONMENT),
        results=[
            result("zeta-tut/cnn/params", Status.PASS),
            result("zeta-tut/cnn/output-shape", Status.FAIL, kind="output-shape",
                   quote="the output is (None, 26, 26, 32) | not (None, 28, 28, 32)",
                   expected=[26, 26, 32], measured=[28, 28, 32], baseline=None,
                   delta_baseline=None, delta_expected="item 0: 28 vs expected 26",
                   message="measured [28, 28, 32] but the tutorial says [26, 26, 32]"),
            result("alpha-tut/data/split", Status.NEW, kind="split-sizes",
                   expected=[50000, 10000], measured=[50000, 10000], baseline=None,
                   delta_baseline=None, message="no baseline; create it with: pytest x",
                   data_source="keras-datasets", data_checksum="abc123"),
        ],
    )


def section(markdown: str, title: str) -> str:
    """The text of one '## title' section, up to the next section."""
    start = markdown.index(f"## {title}\n")
    end = markdown.find("\n## ", start + 1)
    return markdown[start:] if end == -1 else markdown[start:end]


def test_summary_line_counts_statuses_in_legend_order(run: RunRecord) -> None:
    assert run.summary_line() == "3 claims: 1 pass, 1 fail, 1 new"
    assert RunRecord("r", "s", 0.0, "c", {}, []).summary_line() == "no claims run"


def test_markdown_header_has_summary_run_and_command(run: RunRecord) -> None:
    markdown = render_markdown(run)
    assert markdown.startswith("# Tutorial claims report\n")
    assert ("**3 claims: 1 pass, 1 fail, 1 new** · run `20250101T000000Z` · 12.3 s · "
            "`pytest -m fast`") in markdown


def test_markdown_has_one_table_per_tutorial_in_name_order(run: RunRecord) -> None:
    """Readers look a tutorial up by name, so tables are grouped and sorted by tutorial."""
    markdown = render_markdown(run)
    assert markdown.index("## alpha-tut") < markdown.index("## zeta-tut")
    alpha, zeta = section(markdown, "alpha-tut"), section(markdown, "zeta-tut")
    assert "1 new · data: keras-datasets (abc123)" in alpha
    assert "1 pass, 1 fail · data: none" in zeta
    for table, claims in ((alpha, ["data/split"]), (zeta, ["cnn/params", "cnn/output-shape"])):
        header = [line for line in table.splitlines() if line.startswith("| claim")]
        assert len(header) == 1
        assert "| what the tutorial says" in header[0]
        rows = [line for line in table.splitlines() if line.startswith("| `")]
        assert [row.split("`")[1] for row in rows] == claims


def test_markdown_rows_format_values_and_statuses(run: RunRecord) -> None:
    zeta = section(render_markdown(run), "zeta-tut")
    params = next(line for line in zeta.splitlines() if "`cnn/params`" in line)
    assert "54,410" in params
    assert "✅ PASS" in params
    shape = next(line for line in zeta.splitlines() if "`cnn/output-shape`" in line)
    assert "26×26×32" in shape
    assert "28×28×32" in shape
    assert "item 0: 28 vs expected 26" in shape  # Δ falls back to measured − tutorial
    assert "❌ FAIL" in shape


def test_markdown_escapes_pipes_in_cells(run: RunRecord) -> None:
    """A '|' inside a quote or an environment value must not split the table row."""
    markdown = render_markdown(run)
    assert "(None, 26, 26, 32) \\| not" in markdown
    assert "test \\| cpu" in markdown
    shape = next(line for line in markdown.splitlines() if "`cnn/output-shape`" in line)
    assert shape.replace("\\|", "").count("|") == 8  # 7 columns


def test_markdown_lists_what_needs_attention(run: RunRecord) -> None:
    """Every non-passing claim is spelled out with its message; passing ones are not."""
    attention = section(render_markdown(run), "What needs attention")
    assert ("- ❌ **FAIL** `zeta-tut/cnn/output-shape`: measured [28, 28, 32] but the "
            "tutorial says [26, 26, 32]") in attention
    assert "- 🆕 **NEW** `alpha-tut/data/split`: no baseline; create it with: pytest x" in attention
    assert "zeta-tut/cnn/params" not in attention


def test_markdown_without_problems_has_no_attention_section(run: RunRecord) -> None:
    run.results = [r for r in run.results if r.status is Status.PASS]
    assert "What needs attention" not in render_markdown(run)


def test_legend_lists_only_present_statuses(run: RunRecord) -> None:
    legend = section(render_markdown(run), "Legend")
    present = {Status.PASS, Status.FAIL, Status.NEW}
    for status in present:
        assert f"{status.value} " in legend
        assert status.legend in legend
    for status in set(Status) - present:
        assert status.value not in legend
        assert status.legend not in legend


def test_environment_block_lists_fields_and_data_sources(run: RunRecord) -> None:
    environment = section(render_markdown(run), "Environment")
    rows = {line.split("|")[1].strip(): line.split("|", 2)[2].rsplit("|", 1)[0].strip()
            for line in environment.splitlines() if line.startswith("| ")}
    assert rows["keras"] == "3.1.0"
    assert rows["backend"] == "tensorflow"
    assert rows["data sources"] == "keras-datasets (abc123); none"


def test_unused_baselines_section_only_when_there_are_some(run: RunRecord) -> None:
    assert "Baselines no claim uses" not in render_markdown(run)
    run.unused_baselines = ["`gone-tut/x` in baselines/gone-tut/structure/k.json"]
    unused = section(render_markdown(run), "Baselines no claim uses")
    assert "- `gone-tut/x` in baselines/gone-tut/structure/k.json" in unused


# --- writing ---------------------------------------------------------------------------------

def test_write_reports_writes_latest_and_timestamped_copies(run: RunRecord,
                                                            tmp_path: Path) -> None:
    """latest.* is what people open; runs/<run_id>/ keeps each run for later comparison."""
    reports = tmp_path / "reports"
    paths = write_reports(run, reports)
    assert paths == [reports / "latest.md", reports / "latest.json",
                     reports / "runs" / "20250101T000000Z" / "report.md",
                     reports / "runs" / "20250101T000000Z" / "report.json"]
    markdown = (reports / "latest.md").read_text(encoding="utf-8")
    assert markdown == render_markdown(run)
    assert paths[2].read_text(encoding="utf-8") == markdown
    assert paths[3].read_text(encoding="utf-8") == paths[1].read_text(encoding="utf-8")
    assert not [p for p in reports.rglob("*") if p.name.endswith(".tmp")]


def test_json_report_keeps_every_result(run: RunRecord, tmp_path: Path) -> None:
    """Later tools read runs back from JSON, so every field and the summary must be there."""
    write_reports(run, tmp_path)
    document = json.loads((tmp_path / "latest.json").read_text(encoding="utf-8"))
    assert document["schema"] == 1
    assert document["run_id"] == "20250101T000000Z"
    assert document["summary"] == {"PASS": 1, "FAIL": 1, "NEW": 1}
    assert document["environment"] == ENVIRONMENT
    assert document["data_sources"] == ["keras-datasets (abc123)", "none"]
    assert [r["claim_id"] for r in document["results"]] == [r.claim_id for r in run.results]
    assert [r["status"] for r in document["results"]] == ["PASS", "FAIL", "NEW"]
    assert document["results"][1]["measured"] == [28, 28, 32]


def test_second_run_replaces_latest_and_keeps_history(run: RunRecord, tmp_path: Path) -> None:
    write_reports(run, tmp_path)
    run.run_id, run.results = "20250102T000000Z", run.results[:1]
    write_reports(run, tmp_path)
    latest = json.loads((tmp_path / "latest.json").read_text(encoding="utf-8"))
    assert latest["run_id"] == "20250102T000000Z"
    assert sorted(str(p.relative_to(tmp_path / "runs")) for p in (tmp_path / "runs").rglob("*.*")
                  ) == ["20250101T000000Z/report.json", "20250101T000000Z/report.md",
                        "20250102T000000Z/report.json", "20250102T000000Z/report.md"]
