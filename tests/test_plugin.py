"""The pytest plugin end to end, on a tiny throw-away project built with ``pytester``.

The project has two tutorials and three cheap claims (``split-sizes`` and ``sizing-formula``
need no Keras model), so a whole session takes a fraction of a second. Runs are in-process;
the environment fingerprint is replaced by a fixed one, which keeps Keras out of the process
and makes the baseline file names predictable.
"""

from __future__ import annotations

import json
import re
import shlex
import shutil
from pathlib import Path

import pytest
from _pytest.nodes import Node
from plugin_project import ALL_IDS, FAKE_ENVIRONMENT, Project, failures, invalid_node, node

from harness.baselines import BaselineEntry, BaselineKey, BaselineStore
from harness.kinds import STRUCTURE_SCOPE

pytestmark = pytest.mark.fast


# --- collection and selection ----------------------------------------------------------------

def test_collect_only_lists_claim_ids_as_test_ids(project: Project) -> None:
    result = project.run("--collect-only", "-q")
    collected = [line for line in result.outlines if "::" in line]
    assert collected == [node(claim_id) for claim_id in ALL_IDS]


def test_asking_for_the_plugin_again_loads_it_once(project: Project) -> None:
    """The entry point is named after the module, so the old ways of asking for the plugin
    find it loaded instead of failing on a second registration."""
    project.pytester.makeconftest('pytest_plugins = ["harness.plugin"]\n')
    result = project.run("-p", "harness.plugin", "--collect-only", "-q")
    assert result.ret == pytest.ExitCode.OK, result.stdout.str()
    assert [line for line in result.outlines if "::" in line] == [node(c) for c in ALL_IDS]


def test_k_selects_by_tutorial(project: Project) -> None:
    result = project.run("--collect-only", "-q", "-k", "beta-tut")
    assert [line for line in result.outlines if "::" in line] == [node(ALL_IDS[2])]


def test_tiers_become_markers(project: Project) -> None:
    """``-m fast`` is CI's selection, so a full-only claim must drop out of it."""
    result = project.run("--collect-only", "-q", "-m", "fast", "--strict-markers")
    assert [line for line in result.outlines if "::" in line] == [
        node(claim_id) for claim_id in ALL_IDS[:2]]
    assert result.ret == 0


def test_markers_are_registered(project: Project) -> None:
    result = project.run("--markers")
    result.stdout.fnmatch_lines(["@pytest.mark.fast: runs in the fast profile (CI, CPU, *",
                                 "@pytest.mark.full: runs in the full profile (nightly, *",
                                 "@pytest.mark.structure: structural claim*",
                                 "@pytest.mark.training: claim that trains a model",
                                 "@pytest.mark.timing: step-time claim*",
                                 "@pytest.mark.gpu: needs a GPU"])


def test_strict_markers_run_with_fast(project: Project) -> None:
    """The CI command: strict markers must accept every mark the plugin hands out."""
    result = project.run("--strict-markers", "-m", "fast", "--update-baselines")
    result.assert_outcomes(passed=2, deselected=1)


# --- baselines: NEW, update, pass ------------------------------------------------------------

def test_first_run_is_new_with_the_update_command(project: Project) -> None:
    """Without baselines nothing passes, and each failure says exactly what to run."""
    result = project.run()
    result.assert_outcomes(failed=3)
    messages = failures(result)
    assert sorted(messages) == [node(claim_id) for claim_id in ALL_IDS]
    for claim_id in ALL_IDS:
        nodeid = node(claim_id)
        message = messages[nodeid]
        assert message.startswith("NEW: no baseline in ")
        assert f"no baseline in {project.relative(project.baseline_file(claim_id[:9]))}" in (
            message)
        assert message.endswith(f"create it with: pytest {shlex.quote(nodeid)} "
                                f"--update-baselines")
    assert set(project.statuses().values()) == {"NEW"}
    assert not (project.root / "baselines").exists()


def test_update_command_from_the_message_works(project: Project) -> None:
    """Copy-pasting the command from a NEW failure writes that claim's baseline, only it."""
    message = failures(project.run())[node(ALL_IDS[0])]
    command = shlex.split(re.search(r"create it with: (.+)$", message).group(1))
    assert command[0] == "pytest"
    project.run(*command[1:]).assert_outcomes(passed=1)
    assert list(project.baseline_document("alpha-tut")["claims"]) == [ALL_IDS[0]]
    project.run().assert_outcomes(passed=1, failed=2)


def test_update_baselines_writes_them_and_the_rerun_passes(project: Project) -> None:
    result = project.run("--update-baselines")
    result.assert_outcomes(passed=3)
    alpha = project.baseline_document("alpha-tut")
    assert alpha["schema"] == 1
    assert alpha["key"] == {"tutorial": "alpha-tut", "profile": "structure",
                            "keras": "3.0.0", "backend": "fake"}
    assert alpha["claims"]["alpha-tut/data/split"]["value"] == [80, 20]
    assert alpha["claims"]["alpha-tut/data/split"]["claim_version"] == 1
    assert alpha["claims"]["alpha-tut/data/split"]["provenance"]["reason"] == (
        "baseline recorded")
    assert project.baseline_document("beta-tut")["claims"]["beta-tut/sizing/pool"]["value"] == 14
    project.run().assert_outcomes(passed=3)
    assert set(project.statuses().values()) == {"PASS"}


# --- planted mistakes fail exactly their claim -----------------------------------------------

def test_wrong_expected_fails_only_that_claim(baselined: Project) -> None:
    """A wrong number in a claim file is a FAIL that shows both values and the file."""
    baselined.edit_claim("alpha-tut/sizing/conv-output", expected=31)
    result = baselined.run()
    result.assert_outcomes(passed=2, failed=1)
    [(nodeid, message)] = failures(result).items()
    assert nodeid == node("alpha-tut/sizing/conv-output")
    assert message.startswith("FAIL: measured 30 but the tutorial says 31")
    assert "expectation from suites/alpha-tut/claims.yaml" in message
    assert baselined.statuses()["alpha-tut/sizing/conv-output"] == "FAIL"


def test_wrong_list_expected_names_the_first_difference(baselined: Project) -> None:
    baselined.edit_claim("alpha-tut/data/split", expected=[75, 25])
    result = baselined.run()
    result.assert_outcomes(passed=2, failed=1)
    [message] = failures(result).values()
    assert "measured [80, 20] but the tutorial says [75, 25] (item 0: 80 vs expected 75)" in (
        message)


def test_wrong_baseline_value_regresses_only_that_claim(baselined: Project) -> None:
    """A moved value against the stored baseline is REGRESSED and names the baseline file."""
    baselined.edit_baseline("beta-tut/sizing/pool", value=15)
    result = baselined.run()
    result.assert_outcomes(passed=2, failed=1)
    [(nodeid, message)] = failures(result).items()
    assert nodeid == node("beta-tut/sizing/pool")
    assert message.startswith("REGRESSED: measured 14.0 but the baseline says 15")
    assert "expectation from baselines/beta-tut/structure/keras-3.0.0_backend-fake.json" in (
        message)
    assert baselined.statuses()["beta-tut/sizing/pool"] == "REGRESSED"


def test_update_baselines_repairs_a_regression_only(baselined: Project) -> None:
    """--update-baselines rewrites the failing entry and leaves passing ones as written."""
    before = baselined.baseline_document("alpha-tut")["claims"]["alpha-tut/data/split"]
    baselined.edit_baseline("alpha-tut/sizing/conv-output", value=99)
    baselined.run("--update-baselines", "--baseline-reason", "fix").assert_outcomes(passed=3)
    claims = baselined.baseline_document("alpha-tut")["claims"]
    assert claims["alpha-tut/sizing/conv-output"]["value"] == 30.0
    assert claims["alpha-tut/sizing/conv-output"]["provenance"]["reason"] == "fix"
    assert claims["alpha-tut/data/split"] == before


def test_bumped_claim_version_is_not_comparable(baselined: Project) -> None:
    """A baseline measured under an older claim definition is never silently compared."""
    baselined.edit_claim("alpha-tut/data/split", version=2)
    result = baselined.run()
    result.assert_outcomes(passed=2, failed=1)
    [(nodeid, message)] = failures(result).items()
    assert nodeid == node("alpha-tut/data/split")
    assert message.startswith("NOT-COMPARABLE: the baseline in "
                              f"{baselined.relative(baselined.baseline_file('alpha-tut'))} was "
                              f"written for claim "
                              "version 1, the claim is now version 2")
    assert message.endswith(f"pytest {shlex.quote(nodeid)} --update-baselines")
    baselined.run("--update-baselines").assert_outcomes(passed=3)
    assert baselined.baseline_document("alpha-tut")["claims"]["alpha-tut/data/split"][
        "claim_version"] == 2


def test_malformed_claim_file_is_one_failing_item(baselined: Project) -> None:
    """A typo fails one '<file>:invalid' item naming file, claim and field; others still run."""
    baselined.edit_claim("beta-tut/sizing/pool", tiers=["fast", "nightly"])
    collected = baselined.run("--collect-only", "-q")
    assert [line for line in collected.outlines if "::" in line] == [
        *(node(claim_id) for claim_id in ALL_IDS[:2]), invalid_node("beta-tut")]
    result = baselined.run()
    result.assert_outcomes(passed=2, failed=1)
    [(nodeid, message)] = failures(result).items()
    assert nodeid == invalid_node("beta-tut")
    assert message.startswith("suites/beta-tut/claims.yaml: claim 'beta-tut/sizing/pool'"
                              ": field 'tiers': ")
    assert set(baselined.statuses()) == set(ALL_IDS[:2])


def test_corrupt_baseline_file_is_an_error_for_its_claims_only(baselined: Project) -> None:
    """A torn baseline file is reported with the way to restore it, not read as 'no baseline'."""
    path = baselined.baseline_file("alpha-tut")
    path.write_text(path.read_text(encoding="utf-8")[:40], encoding="utf-8")
    result = baselined.run()
    result.assert_outcomes(passed=1, failed=2)
    messages = failures(result)
    assert sorted(messages) == [node(claim_id) for claim_id in ALL_IDS[:2]]
    for message in messages.values():
        assert message.startswith(f"ERROR: {baselined.relative(path)}: corrupt baseline file")
        assert f"git checkout -- {baselined.relative(path)}" in message


def test_regen_baselines_rewrites_a_corrupt_file(baselined: Project) -> None:
    path = baselined.baseline_file("alpha-tut")
    path.write_text(path.read_text(encoding="utf-8")[:40], encoding="utf-8")
    baselined.run("--regen-baselines").assert_outcomes(passed=3)


# --- regeneration and provenance -------------------------------------------------------------

def test_regen_baselines_rewrites_every_entry_with_the_reason(baselined: Project) -> None:
    baselined.edit_baseline("alpha-tut/data/split", value=[1, 2])
    result = baselined.run("--regen-baselines", "--baseline-reason", "Keras 3.1 upgrade")
    result.assert_outcomes(passed=3)
    for tutorial in ("alpha-tut", "beta-tut"):
        for claim_id, stored in baselined.baseline_document(tutorial)["claims"].items():
            assert stored["provenance"]["reason"] == "Keras 3.1 upgrade", claim_id
            assert stored["provenance"]["git_commit"] == "0123abcd"
    assert baselined.baseline_document("alpha-tut")["claims"]["alpha-tut/data/split"][
        "value"] == [80, 20]
    assert all(r["details"].get("baseline_written") for r in baselined.latest_json()["results"])


def test_regen_only_touches_selected_claims(baselined: Project) -> None:
    before = baselined.baseline_document("beta-tut")
    baselined.run("--regen-baselines", "--baseline-reason", "x", "-k", "alpha-tut")
    assert baselined.baseline_document("beta-tut") == before


# --- reports ---------------------------------------------------------------------------------

def test_reports_are_written_with_one_result_per_claim_run(baselined: Project) -> None:
    result = baselined.run("-k", "alpha-tut")
    result.assert_outcomes(passed=2, deselected=1)
    reports = baselined.root / "reports"
    assert (reports / "latest.md").is_file()
    document = baselined.latest_json()
    assert [r["claim_id"] for r in document["results"]] == ALL_IDS[:2]
    assert document["summary"] == {"PASS": 2}
    assert document["environment"]["keras"] == "3.0.0"
    assert sorted(p.name for p in (reports / "runs" / document["run_id"]).iterdir()) == [
        "report.json", "report.md", "results.jsonl", "run.json"]
    markdown = baselined.latest_md()
    assert "**2 claims: 2 pass**" in markdown
    assert "## alpha-tut" in markdown
    assert "## beta-tut" not in markdown
    result.stdout.fnmatch_lines(["*tutorial claims*", "2 claims: 2 pass",
                                 "report: reports/latest.md"])


def test_failures_are_listed_in_the_terminal_summary(project: Project) -> None:
    result = project.run()
    result.stdout.fnmatch_lines(["3 claims: 3 new", f"  NEW * {ALL_IDS[0]}"])


def test_no_report_when_no_claim_ran(project: Project) -> None:
    """A session that ran no claim must not overwrite the last real report."""
    project.run("--collect-only")
    assert not (project.root / "reports").exists()


def test_unused_baseline_is_listed_in_the_report(baselined: Project) -> None:
    """A stored value whose claim was deleted or renamed shows up for clean-up."""
    store = BaselineStore(baselined.root / "baselines")
    key = BaselineKey.build("gone-tut", "structure", STRUCTURE_SCOPE,
                            FAKE_ENVIRONMENT.as_dict())
    path = store.put(key, "gone-tut/old-claim", BaselineEntry(1, 5, {"reason": "old"}))
    store.put(BaselineKey.build("alpha-tut", "structure", STRUCTURE_SCOPE,
                                FAKE_ENVIRONMENT.as_dict()),
              "alpha-tut/renamed", BaselineEntry(1, 5, {"reason": "old"}))
    result = baselined.run()
    result.assert_outcomes(passed=3)
    markdown = baselined.latest_md()
    assert "## Baselines no claim uses" in markdown
    assert f"- `gone-tut/old-claim` in {baselined.relative(path)}" in markdown
    assert (f"- `alpha-tut/renamed` in {baselined.relative(baselined.baseline_file('alpha-tut'))}"
            in markdown)
    assert len(baselined.latest_json()["unused_baselines"]) == 2
    result.stdout.fnmatch_lines(["2 stored baseline(s) no claim uses: see the report"])


def test_baselines_of_a_malformed_claim_file_are_not_called_unused(baselined: Project) -> None:
    baselined.edit_claim("beta-tut/sizing/pool", tiers="full")
    baselined.run()
    assert "beta-tut/sizing/pool" not in baselined.latest_md()


def test_plugin_works_without_the_legacypath_plugin(baselined: Project,
                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    """``item.fspath`` comes from pytest's optional legacypath plugin, due to be removed."""
    # The outer session's legacypath plugin patched Node for the whole process; undo that for
    # the inner run, as a process started with -p no:legacypath would see it.
    monkeypatch.delattr(Node, "fspath", raising=False)
    result = baselined.run("-p", "no:legacypath")
    monkeypatch.undo()
    assert result.ret == pytest.ExitCode.OK  # today: INTERNALERROR in pytest_sessionfinish
    result.assert_outcomes(passed=3)


# --- streaming results and --resume ----------------------------------------------------------

def run_folder(project: Project) -> Path:
    [folder] = (project.root / "reports" / "runs").iterdir()
    return folder


def test_each_result_is_streamed_to_the_run_folder(baselined: Project) -> None:
    """results.jsonl holds one line per claim, in the order they finished; run.json the run."""
    reports = baselined.root / "reports" / "runs"
    for folder in reports.iterdir():  # the baselining run's folder
        for path in folder.iterdir():
            path.unlink()
        folder.rmdir()
    baselined.run()
    folder = run_folder(baselined)
    lines = (folder / "results.jsonl").read_text(encoding="utf-8").splitlines()
    assert [json.loads(line)["claim_id"] for line in lines] == ALL_IDS
    meta = json.loads((folder / "run.json").read_text(encoding="utf-8"))
    assert meta["run_id"] == folder.name == baselined.latest_json()["run_id"]
    assert meta["environment"]["keras"] == "3.0.0"
    assert meta["sessions"][0]["command"].startswith("pytest")


def test_resume_keeps_stored_results_and_runs_the_rest(baselined: Project) -> None:
    """An interrupted run (here: only alpha-tut ran) is continued; stored claims are not
    measured again (a claim edited since keeps its stored PASS) and the report covers all."""
    shutil.rmtree(baselined.root / "reports")
    baselined.run("-k", "alpha-tut").assert_outcomes(passed=2, deselected=1)
    run_id = run_folder(baselined).name
    baselined.edit_claim("alpha-tut/sizing/conv-output", expected=31)  # would FAIL if re-run
    result = baselined.run("--resume", run_id)
    result.assert_outcomes(passed=3)
    assert run_folder(baselined).name == run_id
    document = baselined.latest_json()
    assert document["run_id"] == run_id
    assert [r["claim_id"] for r in document["results"]] == ALL_IDS
    assert set(baselined.statuses().values()) == {"PASS"}
    lines = (run_folder(baselined) / "results.jsonl").read_text(encoding="utf-8").splitlines()
    assert len(lines) == 3
    meta = json.loads((run_folder(baselined) / "run.json").read_text(encoding="utf-8"))
    assert [session.get("kept") for session in meta["sessions"]] == [None, 2]


def test_resume_repeats_a_stored_failure_without_measuring(project: Project) -> None:
    """A stored NEW stays NEW on resume (and fails its test again), with where it came from."""
    project.run("-k", "beta-tut").assert_outcomes(failed=1, deselected=2)
    run_id = run_folder(project).name
    result = project.run("--resume", run_id, "--update-baselines")
    result.assert_outcomes(passed=2, failed=1)
    message = failures(result)[node(ALL_IDS[2])]
    assert message.startswith(f"(kept from run {run_id}) NEW: no baseline")


def test_resume_of_an_unknown_run_is_a_usage_error(project: Project) -> None:
    project.run("-k", "beta-tut")
    result = project.run("--resume", "19990101T000000Z")
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines(["ERROR: --resume 19990101T000000Z: no run folder *"
                                 "; runs there: 2*"])


def test_torn_last_line_is_skipped_and_that_claim_runs_again(baselined: Project,
                                                             caplog: pytest.LogCaptureFixture
                                                             ) -> None:
    """What a kill during the write leaves: a half line. It is ignored with one warning."""
    shutil.rmtree(baselined.root / "reports")
    baselined.run()
    folder = run_folder(baselined)
    results = folder / "results.jsonl"
    lines = results.read_text(encoding="utf-8").splitlines(keepends=True)
    results.write_text("".join(lines[:2]) + lines[2][:50], encoding="utf-8")
    baselined.run("--resume", folder.name).assert_outcomes(passed=3)
    assert [r["claim_id"] for r in baselined.latest_json()["results"]] == ALL_IDS
    assert "results.jsonl:3: skipped a torn or unreadable result line" in caplog.text
    stored = results.read_text(encoding="utf-8").splitlines()
    assert len(stored) == 4 and json.loads(stored[3])["claim_id"] == ALL_IDS[2]


def test_unwritable_report_folder_exits_nonzero(baselined: Project) -> None:
    """A report that cannot be written is one line naming the folder and a nonzero exit; the
    claims still run and the baselines stay as they were."""
    before = baselined.baseline_file("alpha-tut").read_bytes()
    blocker = baselined.root / "not-a-folder"
    blocker.write_text("a file where the report folder should be", encoding="utf-8")
    reports = blocker / "reports"
    result = baselined.run("--reports-dir", str(reports))
    result.assert_outcomes(passed=3)
    assert result.ret == pytest.ExitCode.TESTS_FAILED
    result.stdout.fnmatch_lines([
        f"ERROR: could not save results under {reports / 'runs'} (*Not a directory*); this run "
        "cannot be resumed; make the folder writable or pass --reports-dir",
        f"ERROR: could not write the report to {reports} (*Not a directory*); make it writable "
        "or pass --reports-dir"])
    assert baselined.baseline_file("alpha-tut").read_bytes() == before


def test_determinism_probe_without_training_says_so(baselined: Project) -> None:
    result = baselined.run("--determinism-probe")
    result.assert_outcomes(passed=3)
    line = "determinism probe: no recipe was trained in this session, nothing to probe"
    result.stdout.fnmatch_lines([line])
    assert baselined.latest_json()["determinism"] == {"error": line.split(": ", 1)[1]}
    assert f"## Determinism\n\n{line}" in baselined.latest_md()
