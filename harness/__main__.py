"""Command line: ``python -m harness compare|claims|review``.

- ``compare A B``  two runs (JSON reports or folders holding one) as a markdown comparison
- ``claims``       every claim of the claim files, with its last status from a report
- ``review RUN``   the baseline regeneration review of a saved run (the plugin writes it too)

Nothing here imports Keras: every command reads files only.
"""

from __future__ import annotations

import argparse
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
    from harness.compare import compare_runs, render_comparison
    from harness.report import read_run

    comparison = compare_runs(read_run(args.before), read_run(args.after))
    _emit(render_comparison(comparison, names=(args.name_before, args.name_after)), args.output)
    regressed = comparison.verdicts()["REGRESSED"]
    return 1 if args.fail_on_regression and regressed else 0


def _last_statuses(report: Path) -> dict[str, list[str]]:
    """claim id → ['PASS'] or ['fast: PASS', 'full: FAIL'], from a JSON report."""
    from harness.report import read_run

    if not report.is_file():
        return {}
    statuses: dict[str, list[str]] = {}
    for result in read_run(report).results:
        label = (result.status.value if result.group == "structure"
                 else f"{result.profile}: {result.status.value}")
        statuses.setdefault(result.claim_id, []).append(label)
    return statuses


def _claims(args: argparse.Namespace) -> int:
    import pandas as pd

    from harness.claims import claim_files, load_claims

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
          + pd.DataFrame(rows).to_markdown(index=False, disable_numparse=True) + "\n", args.output)
    return 0


def _review(args: argparse.Namespace) -> int:
    from harness.report import read_run
    from harness.review import render_review

    _emit(render_review(read_run(args.run)), args.output)
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m harness", description=__doc__.split("\n")[0])
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

    claims = commands.add_parser("claims", help="list the claims with their last status")
    claims.add_argument("--claims-dir", default="suites/claims")
    claims.add_argument("--report", default="reports/latest.json",
                        help="JSON report the last status is read from")
    claims.add_argument("--tutorial", help="only this tutorial's claims")
    claims.add_argument("-o", "--output")
    claims.set_defaults(handler=_claims)

    review = commands.add_parser("review", help="the baseline regeneration review of a run")
    review.add_argument("run", help="a JSON report (or its folder) of a --regen-baselines run")
    review.add_argument("-o", "--output")
    review.set_defaults(handler=_review)

    args = parser.parse_args(argv)
    return args.handler(args)


if __name__ == "__main__":
    sys.exit(main())
