"""`{% help_requests_open as can_ask %}`: whether the survivor result cards offer "Ask an
advocate to help me with this one" (some organization takes the requests) or show the
help line instead. A tag, so the find-help views and the results partial need no change."""

from django import template

from lantern.findhelp.selectors import help_requests_open as _open

register = template.Library()


@register.simple_tag
def help_requests_open() -> bool:
    return _open()
