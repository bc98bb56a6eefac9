"""Command line: ``python -m harness compare|parity|claims|review|aa|history|rules|cache``.

- ``compare A B``  two runs (JSON reports or folders holding one) as a markdown comparison
- ``parity TF TORCH JAX``  one run per Keras backend in one table: where a claim holds on one
                   backend and not on another
- ``claims``       every claim of the claim files, with its last status from a report
- ``review RUN``   the baseline regeneration review of a saved run (the plugin writes it too)
- ``aa``           the A/A self-test: the fast trained claims on several seed offsets, false
                   alarms per 100 trained claim-runs (runs pytest once per offset)
- ``rules -m fast|full``  every trained claim's rule against the tutorial and the baseline,
                   their false-FAIL rates and MDEs; exit 1 when a gating claim fails more than
                   ``--max-false-fail`` of unchanged runs
- ``cache info|clear``  the train cache's entries and size, or remove them all
- ``draft SOURCE --into suites/T/``  a tutorial folder (claims.yaml, models.py, DRAFT.md)
                   drafted from a page's own text, summaries, logs and code
- ``plan -m full``  times a few steps of every selected full recipe on this device: each
                   recipe's estimated time, the total, the wall time on N devices
- ``history DIR... -o OUT``  saved runs across time: each claim's series with its seeds, the
                   baseline band and status changes, environment changes on the time axis, and
                   the claims whose status changed in the last runs first (history.md, .html)

Nothing here imports Keras but ``plan``, which times steps: every other command reads files
(``aa`` runs pytest in subprocesses).
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Sequence
from pathlib import Path


def _emit(text: str, output: str | None) -> None:
    if output:
        Path(output).parent.mkdir(parents=True, exist_ok=True)
        Path(output).write_text(text, encoding="utf-8")
        print(f"written: {output}")
    else:
        sys.stdout.write(text)


def _compare(args: argparse.Namespace) -> int:
    from harness.reporting.compare import compare_runs, render_comparison
    from harness.reporting.report import read_run

    comparison = compare_runs(read_run(args.before), read_run(args.after))
    _emit(render_comparison(comparison, names=(args.name_before, args.name_after)), args.output)
    regressed = comparison.verdicts()["REGRESSED"]
    return 1 if args.fail_on_regression and regressed else 0


def _parity(args: argparse.Namespace) -> int:
    from harness.reporting.parity import build_parity, render_parity
    from harness.reporting.report import read_run

    parity = build_parity([read_run(run) for run in args.runs])
    _emit(render_parity(parity), args.output)
    return 1 if args.fail_on_finding and parity.findings() else 0


def _last_statuses(report: Path) -> dict[str, list[str]]:
    """claim id → ['PASS'] or ['fast: PASS', 'full: FAIL'], from a JSON report."""
    from harness.reporting.report import read_run

    if not report.is_file():
        return {}
    statuses: dict[str, list[str]] = {}
    for result in read_run(report).results:
        label = (result.status.value if result.group == "structure"
                 else f"{result.profile}: {result.status.value}")
        statuses.setdefault(result.claim_id, []).append(label)
    return statuses


def _claims(args: argparse.Namespace) -> int:
    from harness.claims import claim_files, load_claims
    from harness.reporting.tables import markdown_table

    statuses = _last_statuses(Path(args.report))
    rows = []
    for path in claim_files(Path(args.claims_dir)):
        for claim in load_claims([path]):
            if args.tutorial and claim.tutorial != args.tutorial:
                continue
            rows.append({"id": claim.id, "tutorial": claim.tutorial, "kind": claim.kind,
                         "tiers": ", ".join(claim.tiers),
                         "last status": "; ".join(statuses.get(claim.id, ["—"]))})
    where = args.report if statuses else f"{args.report} (not found: no statuses)"
    _emit(f"{len(rows)} claims; last status from {where}\n\n"
          + markdown_table(rows) + "\n", args.output)
    return 0


def _review(args: argparse.Namespace) -> int:
    from harness.reporting.report import read_run
    from harness.reporting.review import render_review

    _emit(render_review(read_run(args.run)), args.output)
    return 0


def _aa(args: argparse.Namespace) -> int:
    from harness.aa import run_aa

    text, alarms = run_aa(args.offsets, Path(args.reports_dir), args.select, args.pytest_args)
    _emit(text, args.output)
    return 1 if args.fail_on_alarm and alarms else 0


def _history(args: argparse.Namespace) -> int:
    from harness.reporting.history import build_history
    from harness.reporting.history_report import write_history

    history = build_history(args.runs)
    for skipped in history.skipped:
        print(skipped.line(), file=sys.stderr)
    if not history.runs:
        print("history: no readable run in the inputs; nothing written", file=sys.stderr)
        return 1
    for page in write_history(history, Path(args.output), args.last):
        print(f"written: {page}")
    return 0


def _rules(args: argparse.Namespace) -> int:
    from harness.reporting.rules import profile_rules, render_rules, too_strict

    rows = profile_rules(Path(args.claims_dir), Path(args.baselines_dir), args.profile,
                         args.backend, args.tutorial)
    _emit(render_rules(rows, args.profile, args.max_false_fail), args.output)
    return 1 if too_strict(rows, args.max_false_fail) else 0


def _cache(args: argparse.Namespace) -> int:
    from harness.training.cache import clear, describe

    folder = Path(args.dir)
    if args.action == "clear":
        print(f"train cache {folder}: {clear(folder)} files removed")
        return 0
    entries, size = describe(folder)
    print(f"train cache {folder}: {entries} entries, {size / 1e6:.1f} MB")
    return 0


def _draft(args: argparse.Namespace) -> int:
    from harness.draft.folder import write_draft
    from harness.draft.source import DraftError

    try:
        written = write_draft(Path(args.source), Path(args.into), force=args.force)
    except DraftError as error:
        print(f"draft: {error}", file=sys.stderr)
        return 1
    sys.stdout.write(written.summary)
def _plan(args: argparse.Namespace) -> int:
    from harness.plan import build_plan
    from harness.plan.render import render_json, render_markdown
    from harness.plan.select import SelectionError

    if args.steps < 1 or args.warmup < 1 or min(args.devices) < 1:
        print("plan: --steps, --warmup and --devices must be at least 1", file=sys.stderr)
        return 2
    try:
        plan = build_plan(Path(args.claims_dir), args.profile, args.keyword, args.engine,
                          args.devices, args.steps, args.warmup, Path(args.log))
    except SelectionError as error:
        print(f"plan: {error}", file=sys.stderr)
        return 2
    if args.json:
        _emit(render_json(plan), args.json)
    _emit(render_markdown(plan), args.output)
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog=Path(sys.argv[0]).name if sys.argv[0].endswith(
        "claims-harness") else "python -m harness", description=__doc__.split("\n")[0])
    commands = parser.add_subparsers(dest="command", required=True)

    compare = commands.add_parser("compare", help="compare two runs claim by claim")
    compare.add_argument("before", help="run A: a JSON report or a folder holding one")
    compare.add_argument("after", help="run B: a JSON report or a folder holding one")
    compare.add_argument("-o", "--output", help="write the markdown here instead of stdout")
    compare.add_argument("--name-before", default="A", help="column name of run A")
    compare.add_argument("--name-after", default="B", help="column name of run B")
    compare.add_argument("--fail-on-regression", action="store_true",
                         help="exit 1 when a claim regressed beyond noise")
    compare.set_defaults(handler=_compare)

    parity = commands.add_parser("parity", help="one run per backend in one table")
    parity.add_argument("runs", nargs="+", metavar="RUN",
                        help="two or more runs (JSON reports or folders holding one), one per "
                             "backend; the first is the reference for 'beyond noise'")
    parity.add_argument("-o", "--output", help="write the markdown here instead of stdout")
    parity.add_argument("--fail-on-finding", action="store_true",
                        help="exit 1 when a claim fails on some backend or a structural value "
                             "differs between backends")
    parity.set_defaults(handler=_parity)

    claims = commands.add_parser("claims", help="list the claims with their last status")
    claims.add_argument("--claims-dir", default="suites",
                        help="folder of the tutorial folders (each with its claims.yaml)")
    claims.add_argument("--report", default="reports/latest.json",
                        help="JSON report the last status is read from")
    claims.add_argument("--tutorial", help="only this tutorial's claims")
    claims.add_argument("-o", "--output")
    claims.set_defaults(handler=_claims)

    review = commands.add_parser("review", help="the baseline regeneration review of a run")
    review.add_argument("run", help="a JSON report (or its folder) of a --regen-baselines run")
    review.add_argument("-o", "--output")
    review.set_defaults(handler=_review)

    aa = commands.add_parser("aa", help="A/A self-test: false alarms on shifted seeds")
    aa.add_argument("--offsets", type=int, nargs="+", default=[0, 100, 200, 300],
                    help="seed offsets, one suite run each (default: 0 100 200 300)")
    aa.add_argument("--select", default="fast and training",
                    help="pytest -m expression (default: 'fast and training')")
    aa.add_argument("--reports-dir", default="reports/aa",
                    help="each offset's reports go to <dir>/offset-K (default reports/aa)")
    aa.add_argument("--fail-on-alarm", action="store_true", help="exit 1 on any false alarm")
    aa.add_argument("-o", "--output", help="write the summary here instead of stdout")
    aa.add_argument("pytest_args", nargs="*", help="more pytest arguments, after --")
    aa.set_defaults(handler=_aa)

    history = commands.add_parser("history", help="claims and environments across saved runs")
    history.add_argument("runs", nargs="+", metavar="DIR",
                         help="run folders (reports/runs/*), folders holding them (reports/), "
                              "or JSON reports")
    history.add_argument("-o", "--output", required=True, metavar="OUT",
                         help="folder for history.md, history.html and plots/")
    history.add_argument("--last", type=int, default=5, metavar="N",
                         help="list first the status changes of the last N runs (default 5)")
    history.set_defaults(handler=_history)

    rules = commands.add_parser("rules", help="every trained claim's rules, false-FAIL rates "
                                "and MDEs")
    rules.add_argument("-m", "--profile", choices=("fast", "full"), default="full",
                       help="the profile whose seed counts and baselines are read (default full)")
    rules.add_argument("--max-false-fail", type=float, default=0.01, metavar="RATE",
                       help="exit 1 when a gating claim fails more unchanged runs than this "
                            "(default 0.01)")
    rules.add_argument("--claims-dir", default="suites")
    rules.add_argument("--baselines-dir", default="baselines")
    rules.add_argument("--backend", default=os.environ.get("KERAS_BACKEND", "tensorflow"),
                       help="whose baselines are read (default $KERAS_BACKEND, else tensorflow)")
    rules.add_argument("--tutorial", help="only this tutorial's claims")
    rules.add_argument("-o", "--output", help="write the markdown here instead of stdout")
    rules.set_defaults(handler=_rules)
    plan = commands.add_parser("plan", help="what a night costs: time a few steps of every "
                                            "selected recipe here and extrapolate")
    plan.add_argument("-m", dest="profile", choices=("full",), default="full",
                      help="the profile whose trained claims are planned (full)")
    plan.add_argument("-k", dest="keyword", metavar="EXPR",
                      help="only the trained claims pytest's -k EXPR selects (by claim id)")
    plan.add_argument("--engine", choices=("process", "ray"), default="process",
                      help="how the night trains: worker processes (one per device, started "
                           "once) or Ray (with GPUs a fresh worker per task)")
    plan.add_argument("--devices", type=int, nargs="+", default=[1, 2, 4, 8], metavar="N",
                      help="device counts to give the wall time for (default: 1 2 4 8)")
    plan.add_argument("--steps", type=int, default=5, metavar="K",
                      help="timed training steps (and validation and evaluation batches) per "
                           "epoch, two epochs (default 5)")
    plan.add_argument("--warmup", type=int, default=2, metavar="W",
                      help="warm-up steps before timing; the first traces (default 2)")
    plan.add_argument("--claims-dir", default="suites")
    plan.add_argument("--log", default="reports/plan/framework.log",
                      help="where the framework's log lines go (default "
                           "reports/plan/framework.log)")
    plan.add_argument("--json", metavar="PATH", help="also write the plan as JSON here")
    plan.add_argument("-o", "--output", help="write the markdown here instead of stdout")
    plan.set_defaults(handler=_plan)

    cache = commands.add_parser("cache", help="the train cache: its size, or clear it")
    cache.add_argument("action", choices=("info", "clear"),
                       help="info: entries and size; clear: remove every entry")
    cache.add_argument("--dir", default=".harness-cache",
                       help="the cache folder (default .harness-cache, the plugin's default "
                            "beside the project's pytest root)")
    cache.set_defaults(handler=_cache)

    draft = commands.add_parser("draft", help="draft a tutorial folder from a page's text")
    draft.add_argument("source", help="the page: plain text, markdown, a notebook or a .py")
    draft.add_argument("--into", required=True, metavar="FOLDER",
                       help="the tutorial folder to write (suites/<tutorial>/)")
    draft.add_argument("--force", action="store_true",
                       help="replace the folder if it exists and is not empty")
    draft.set_defaults(handler=_draft)

    args = parser.parse_args(argv)
    return args.handler(args)


if __name__ == "__main__":
    sys.exit(main())
