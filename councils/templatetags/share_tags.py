"""`{% capture name %}…{% endcapture %}`: render once, use twice.

base.html captures each page's title and description blocks, so the same words go in <title>,
the description and the Open Graph and Twitter link-preview tags without each page repeating them.
"""

from django import template
from django.utils.html import strip_spaces_between_tags
from django.utils.safestring import mark_safe

register = template.Library()


class CaptureNode(template.Node):
    def __init__(self, nodelist: template.NodeList, name: str):
        self.nodelist = nodelist  # found by {% extends %}: blocks inside are overridable
        self.name = name

    def render(self, context: template.Context) -> str:
        text = " ".join(self.nodelist.render(context).split())
        # Already escaped by the template it came from: safe to print as it is.
        context[self.name] = mark_safe(strip_spaces_between_tags(text))
        return ""


@register.tag
def capture(parser: template.base.Parser, token: template.base.Token) -> CaptureNode:
    try:
        _, name = token.split_contents()
    except ValueError:
        raise template.TemplateSyntaxError("{% capture %} takes a variable name") from None
    nodelist = parser.parse(("endcapture",))
    parser.delete_first_token()
    return CaptureNode(nodelist, name)
