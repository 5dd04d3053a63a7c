"""The main page's weight and first paint, measured in Debian's Chromium against the real daemon.

    .venv/bin/python scripts/page_figures.py

Starts `moodkiosk run` like the tests do (no camera, a little music), signs in, loads the main page
five times and prints the bytes of HTML, CSS, script and images it fetched (before compression:
the daemon does not compress) and the median first contentful paint.
"""

from __future__ import annotations

import statistics
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from playwright.sync_api import Request, sync_playwright  # noqa: E402

from tests.helpers import CHROMIUM, FLAGS, Daemon, sign_in  # noqa: E402

KINDS = {"document": "HTML", "stylesheet": "CSS", "script": "script", "image": "images", "manifest": "manifest"}


def main() -> int:
    with tempfile.TemporaryDirectory(prefix="moodkiosk-page-") as folder:
        daemon = Daemon(Path(folder))
        try:
            with sync_playwright() as playwright:
                browser = playwright.chromium.launch(executable_path=CHROMIUM, args=FLAGS)
                setup = browser.new_context()
                page = setup.new_page()
                sign_in(page, daemon.base)
                page.wait_for_url(daemon.base + "/")
                signed_in = setup.storage_state()
                paints, sizes = [], {}
                for _ in range(5):  # each load in a fresh context: nothing cached
                    context = browser.new_context(storage_state=signed_in)
                    page = context.new_page()
                    sizes = {}
                    page.on("requestfinished", lambda request, sizes=sizes: count(request, sizes))
                    page.goto(daemon.base + "/", wait_until="networkidle")
                    paints.append(page.evaluate("performance.getEntriesByName('first-contentful-paint')[0].startTime"))
                    context.close()
                browser.close()
        finally:
            daemon.stop()
    total = sum(sizes.values())
    parts = ", ".join(f"{kind} {size / 1024:.1f} KB" for kind, size in sorted(sizes.items()))
    print(f"page weight: {total / 1024:.1f} KB ({parts})")
    print(f"first contentful paint: median {statistics.median(paints):.0f} ms over {len(paints)} loads")
    return 0


def count(request: Request, sizes: dict[str, int]) -> None:
    if "/api/" in request.url:
        return  # data, not the page
    kind = KINDS.get(request.resource_type, request.resource_type)
    sizes[kind] = sizes.get(kind, 0) + request.sizes()["responseBodySize"]


if __name__ == "__main__":
    sys.exit(main())
