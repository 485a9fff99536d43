"""`{% inline_style "css/site.css" %}`: one of ombudsman.inline_styles' stylesheets as a <style>
element, which the Content-Security-Policy allows by its hash."""

from django import template
from django.utils.html import format_html
from django.utils.safestring import mark_safe

from ombudsman.inline_styles import stylesheet_text

register = template.Library()


@register.simple_tag
def inline_style(name: str) -> str:
    # Our own file, printed as it is: its hash in the policy is of exactly these characters.
    return format_html("<style>{}</style>", mark_safe(stylesheet_text(name)))
