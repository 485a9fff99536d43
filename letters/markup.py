"""A letter template's body: a safe Markdown subset with `{placeholders}`, to HTML.

markdown-it-py reads the Markdown with raw HTML off (a `<script>` stays text), then nh3 keeps
only the tags a letter needs, so neither a template nor a placeholder value can add markup of its
own. `{figures_table}` becomes the appendix's table of the three key statistics, rendered by
Django from the snapshot, never from the template's text.
"""

import re

import nh3
from django.utils.safestring import SafeString, mark_safe
from markdown_it import MarkdownIt

from letters.placeholders import substitute

FIGURES_TABLE = "figures_table"
# Stands in for the table while the Markdown is read and sanitised: plain letters and digits,
# which neither step changes.
_TABLE_MARKER = "LETTERFIGURESTABLE7F3A"

# Headings, paragraphs, bold and italics, lists and links: nothing else survives.
ALLOWED_TAGS = {"h2", "h3", "h4", "p", "strong", "em", "ul", "ol", "li", "a", "br"}
ALLOWED_ATTRIBUTES = {"a": {"href"}}
LINK_SCHEMES = {"https", "http", "mailto"}

_markdown = MarkdownIt("commonmark", {"html": False}).disable(
    ["code", "fence", "html_block", "html_inline", "image", "backticks", "reference"]
)
# Characters Markdown reads as markup; a placeholder value carries them as plain text.
_MARKDOWN_PUNCTUATION = re.compile(r"([\\`*_\[\]<>#!|])")


def escape_value(value: str) -> str:
    return _MARKDOWN_PUNCTUATION.sub(r"\\\1", value)


def body_html(body: str, values: dict[str, str], figures_table: str = "") -> SafeString:
    """The body with placeholders filled in, as sanitised HTML (figures table included)."""
    escaped = {name: escape_value(value) for name, value in values.items()}
    escaped[FIGURES_TABLE] = _TABLE_MARKER
    html = nh3.clean(
        _markdown.render(substitute(body, escaped)),
        tags=ALLOWED_TAGS,
        attributes=ALLOWED_ATTRIBUTES,
        url_schemes=LINK_SCHEMES,
    )
    # Validation keeps the placeholder on a line of its own, so it is a paragraph of its own.
    html = html.replace(f"<p>{_TABLE_MARKER}</p>", figures_table).replace(_TABLE_MARKER, "")
    return mark_safe(html)  # sanitised by nh3 above; the table is our own template
