from django import template

register = template.Library()


@register.filter
def get_item(mapping, key):
    """`{{ counts|get_item:"not for us" }}`: a dict value by a key with spaces."""
    return mapping.get(key) if mapping else None
