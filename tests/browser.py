"""Real Chromium (Debian's `chromium` package) driven by Playwright, for the browser tests.

Never a browser download: Playwright launches the system binary. Tests using these fixtures are
skipped, with the reason, when Chromium is not installed; `.ci/run` installs it.
"""

import os
import shutil

CHROMIUM = os.environ.get("CHROMIUM_PATH") or shutil.which("chromium")
# Without these, Chromium tries Google's services at start-up; this machine has no network.
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


def serious_violations(page) -> list[str]:
    """axe-core's serious and critical WCAG violations on the current page."""
    from axe_playwright_python.sync_playwright import Axe

    results = Axe().run(page)
    return [
        f"{v['id']} ({v['impact']}): {v['help']} at {[n['target'] for n in v['nodes']][:3]}"
        for v in results.response["violations"]
        if v["impact"] in ("serious", "critical")
    ]
