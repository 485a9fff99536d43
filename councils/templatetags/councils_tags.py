from django import template
from django.utils.html import format_html
from django.utils.safestring import SafeString, mark_safe
from django.utils.text import capfirst

from councils.statistics import Verdict

register = template.Library()


@register.filter
def get_item(mapping, key):
    """`{{ counts|get_item:"not for us" }}`: a dict value by a key with spaces."""
    return mapping.get(key) if mapping else None


@register.filter
def verdict_badge(verdict: Verdict | None) -> SafeString:
    """`{{ row.verdict|verdict_badge }}`: a council against similar authorities, as a badge.

    A filter, not an included template: the council tables show it on every one of 317 rows.
    """
    if verdict is None:
        return mark_safe('<span class="muted">No comparison</span>')
    return format_html(
        '<span class="verdict verdict-{}">{}</span>', verdict.value, capfirst(verdict.sentence)
    )
