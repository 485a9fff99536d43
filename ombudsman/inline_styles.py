"""Stylesheets put in the page itself, in a <style> element, rather than linked.

On a phone on a slow network a linked stylesheet costs one more round trip before any text
shows (over half a second on Chrome's "Slow 4G"), and these are small. The
Content-Security-Policy allows each one by the SHA-256 hash of its text
(settings.CONTENT_SECURITY_POLICY), so no other inline style can run. The files stay in static/,
where the error pages, which use no template tags, link site.css.

`{% inline_style "css/site.css" %}` (councils/templatetags/style_tags.py) puts one in a page.
"""

import base64
import functools
import hashlib
from pathlib import Path

STATIC_DIR = Path(__file__).resolve().parent.parent / "static"
INLINE_STYLESHEETS = ("css/site.css", "css/letters.css")


@functools.cache
def stylesheet_text(name: str) -> str:
    if name not in INLINE_STYLESHEETS:  # only these are allowed by the policy
        raise ValueError(f"{name} is not in INLINE_STYLESHEETS")
    return (STATIC_DIR / name).read_text(encoding="utf-8")


def policy_hash(name: str) -> str:
    """The CSP source that allows a <style> element holding exactly this stylesheet."""
    digest = hashlib.sha256(stylesheet_text(name).encode("utf-8")).digest()
    return f"'sha256-{base64.b64encode(digest).decode()}'"


def policy_hashes() -> list[str]:
    return [policy_hash(name) for name in INLINE_STYLESHEETS]
