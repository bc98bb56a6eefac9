"""Render an HTML page (history.html) to a PNG with headless Chromium: proof that it opens in a
real browser with its images, and a picture to look at.

Usage: python scripts/screenshot_history.py reports/history/history.html [-o shot.png]
       [--width 1400] [--height 2000] [--chromium /usr/bin/chromium]

Chromium runs with a fresh profile in a temporary folder, no sandbox (it runs as root in CI
containers), no GPU and no network of its own; the page is loaded as a file:// URL, so its
relative image links resolve as they would for a reader. Exits 1 when Chromium is missing or
writes no PNG.
"""

from __future__ import annotations

import argparse
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

FLAGS = ("--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync",
         "--hide-scrollbars")


def find_chromium(explicit: str | None = None) -> str | None:
    """The Chromium binary: the one given, else the first of the usual names on PATH."""
    if explicit:
        return explicit if Path(explicit).is_file() else None
    return next(filter(None, map(shutil.which, ("chromium", "chromium-browser",
                                                "google-chrome"))), None)


def screenshot(page: Path, png: Path, chromium: str, width: int = 1400, height: int = 2000,
               timeout: float = 120.0) -> Path:
    """Write ``png``, a screenshot of ``page`` at ``width``×``height``; raise when none came."""
    png.parent.mkdir(parents=True, exist_ok=True)
    png.unlink(missing_ok=True)
    with tempfile.TemporaryDirectory(prefix="chromium-profile-") as profile:
        completed = subprocess.run(
            [chromium, *FLAGS, f"--user-data-dir={profile}", f"--screenshot={png.resolve()}",
             f"--window-size={width},{height}", page.resolve().as_uri()],
            capture_output=True, text=True, timeout=timeout, check=False)
    if not png.is_file() or png.stat().st_size == 0:
        raise RuntimeError(f"chromium wrote no screenshot (exit {completed.returncode}): "
                           f"{completed.stderr.strip()[-500:]}")
    return png


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("page", type=Path, help="the HTML page, e.g. OUT/history.html")
    parser.add_argument("-o", "--output", type=Path,
                        help="PNG to write (default: screenshot.png beside the page)")
    parser.add_argument("--width", type=int, default=1400)
    parser.add_argument("--height", type=int, default=2000)
    parser.add_argument("--chromium", help="the browser binary (default: found on PATH)")
    args = parser.parse_args()
    chromium = find_chromium(args.chromium)
    if chromium is None:
        print("screenshot: no chromium found (apt-get install chromium)", file=sys.stderr)
        return 1
    output = args.output or args.page.with_name("screenshot.png")
    try:
        screenshot(args.page, output, chromium, args.width, args.height)
    except (RuntimeError, subprocess.TimeoutExpired) as error:
        print(f"screenshot: {error}", file=sys.stderr)
        return 1
    print(f"written: {output}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
