"""``{% load paths %}``, ``{% path 'name' arg ... [as var] %}``: ``{% url %}`` for the pages every
request renders (the navigation bar, a workload's tabs, the question page); ``{% asset 'path' %}``:
``{% static %}`` for the layout's stylesheets and scripts, once per process.

Django's ``reverse`` resolves the name and rebuilds the path on every call, and a question page
asks for 25 of them. Here each (name, number of arguments) is reversed once per process with
placeholder numbers, and later calls put their integer arguments into that shape. Anything else
(a string argument, keyword arguments) goes through ``reverse`` as before. Same paths, same
escaping as ``{% url %}``.
"""

from __future__ import annotations

import functools

from django import template
from django.conf import settings
from django.templatetags.static import static
from django.urls import get_script_prefix, get_urlconf, reverse

register = template.Library()

# Placeholders: 19-digit numbers no id reaches, distinct from each other.
_PLACEHOLDERS = tuple(str(9_000_000_000_000_000_001 + i) for i in range(6))


@functools.lru_cache(maxsize=1024)
def _shape(name: str, count: int, prefix: str, urlconf: str | None) -> tuple[str, ...] | None:
    """The path of ``name`` split around its ``count`` arguments, or None if they do not each
    appear exactly once as themselves (then ``reverse`` is used)."""
    if count > len(_PLACEHOLDERS):
        return None
    url = reverse(name, args=_PLACEHOLDERS[:count], urlconf=urlconf)
    pieces: list[str] = []
    rest = url
    for placeholder in _PLACEHOLDERS[:count]:
        if rest.count(placeholder) != 1:
            return None
        before, rest = rest.split(placeholder)
        pieces.append(before)
    pieces.append(rest)
    return tuple(pieces)


def path_for(name: str, *args: object) -> str:
    """``reverse(name, args=args)``, from a per-process shape when every argument is an int."""
    if all(type(arg) is int and arg >= 0 for arg in args):
        shape = _shape(name, len(args), get_script_prefix(), get_urlconf())
        if shape is not None:
            parts = [shape[0]]
            for arg, piece in zip(args, shape[1:], strict=True):
                parts.append(str(arg))
                parts.append(piece)
            return "".join(parts)
    return reverse(name, args=args)


@register.simple_tag
def path(name: str, *args: object) -> str:
    return path_for(name, *args)


@functools.lru_cache(maxsize=256)
def _asset_url(path: str, static_url: str | None) -> str:
    return static(path)


@register.simple_tag
def asset(path: str) -> str:
    """``{% static path %}``, looked up once per process (per ``STATIC_URL``): every page's layout
    names the same stylesheets and scripts, and the storage's lookup (a manifest's hashed name
    in production) gives the same answer each time."""
    return _asset_url(path, settings.STATIC_URL)
