"""Draft a tutorial folder from a page, written atomically.

The files are written to a temporary folder beside the target and renamed into place in one
step, so a failure leaves nothing half-written; an existing non-empty folder is refused unless
``force`` (then it is replaced whole, the old one removed only after the new one is in place).
"""

from __future__ import annotations

import contextlib
import os
import shutil
import tempfile
from dataclasses import dataclass
from pathlib import Path

from harness.draft.claims_writer import render_claims
from harness.draft.code import read_code
from harness.draft.fitlog import parse_progress
from harness.draft.link import Draft, link
from harness.draft.models_writer import render_models
from harness.draft.prose import find_sentences
from harness.draft.report import render_summary
from harness.draft.results import parse_printed
from harness.draft.source import DraftError, read_source
from harness.draft.summary import find_summaries


@dataclass(frozen=True)
class Written:
    """What a draft wrote: its files' texts and the summary."""

    claims: str
    models: str
    summary: str


def draft_texts(source: Path, tutorial: str, folder: str) -> Written:
    """The three files of the draft of ``source``; ``DraftError`` when nothing can be drafted."""
    lines = read_source(source)
    code = read_code(lines)
    summaries = find_summaries(lines)
    logs, bars = parse_progress(lines)
    printed = [item for line in lines for item in parse_printed(line)]
    draft = Draft(source=source.name)
    link(draft, code, summaries, logs, bars, printed, find_sentences(lines))
    if not draft.models and not draft.runs:
        raise DraftError(f"{source}: no model found (no summary table, no model-building "
                         f"code, no fit log); nothing to draft")
    title = next((line.text.strip() for line in lines if line.text.strip()), tutorial)[:100]
    claims_text, claims = render_claims(draft, code, tutorial, title)
    if claims.count == 0:
        raise DraftError(f"{source}: no printed figure could be tied to a model or a run "
                         f"({len(draft.models)} models, {claims.stubs} figures to review); "
                         f"nothing written")
    models_text = render_models([model.builder for model in draft.models], source.name)
    return Written(claims_text, models_text, render_summary(draft, claims, folder))


def write_draft(source: Path, target: Path, force: bool = False) -> Written:
    """Draft ``source`` into ``target`` (claims.yaml, models.py, DRAFT.md), atomically."""
    if target.exists() and (not target.is_dir() or any(target.iterdir())) and not force:
        raise DraftError(f"{target} exists and is not empty; pass --force to replace it")
    tutorial = target.resolve().name
    written = draft_texts(source, tutorial, str(target))
    target.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(dir=target.parent, prefix=f".{tutorial}.draft-"))
    try:
        for name, text in (("claims.yaml", written.claims), ("models.py", written.models),
                           ("DRAFT.md", written.summary)):
            (staging / name).write_text(text, encoding="utf-8")
        _swap_in(staging, target)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    return written


def _swap_in(staging: Path, target: Path) -> None:
    """Rename ``staging`` to ``target``; an old target is moved aside first, removed after."""
    old = None
    if target.exists():
        old = target.with_name(f".{target.name}.old-{os.getpid()}")
        os.replace(target, old)
    try:
        os.replace(staging, target)
    except BaseException:
        if old is not None:
            with contextlib.suppress(OSError):
                os.replace(old, target)
        raise
    if old is not None:
        shutil.rmtree(old, ignore_errors=True)
