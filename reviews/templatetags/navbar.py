"""``{% load navbar %}``, ``{% navbar %}``: the main navigation bar at the top of every page.

Built in Python: every page renders it, and as a template its thirteen links and their checks
cost more than many a page's own content. Its markup for a (current section, admin or not)
pair is built once per process (the links by ``{% path %}``'s reversal); each request fills
in only the signed-in name and the sign-out form's CSRF token. ``nav`` in the context names
the current section (``dashboard``, ``workloads``, ``my_items``, ``items``, ``teams``,
``webhooks``).
"""

from __future__ import annotations

import functools
from html import escape

from django import template
from django.urls import get_script_prefix, get_urlconf
from django.utils.safestring import SafeString, mark_safe

from reviews.templatetags.paths import path_for

register = template.Library()

SECTIONS = (  # (nav, label, URL name, admins only)
    ("dashboard", "Dashboard", "reviews:dashboard", False),
    ("workloads", "Workloads", "reviews:workload_list", False),
    ("my_items", "My items", "reviews:my_items", False),
    ("items", "Items", "reviews:item_list", False),
    ("teams", "Teams", "accounts:team_list", False),
    ("webhooks", "Webhooks", "webhooks:endpoint_list", True),
)


def nav_link(nav: str, current: str, label: str, href: str) -> str:
    """One ``nav-item`` link, marked as the current page when ``nav`` is ``current`` (the
    navigation bar's sections and a workload's tabs)."""
    state = ' active" aria-current="page"' if nav == current else '"'
    return (
        f'<li class="nav-item"><a class="nav-link{state} href="{escape(href)}">'
        f"{escape(label)}</a></li>"
    )


@functools.lru_cache(maxsize=64)
def _frame(current: str, is_staff: bool, prefix: str, urlconf: str | None) -> tuple[str, str, str]:
    """The signed-in navigation bar around the user's name and the CSRF input."""
    brand = (
        '<nav class="navbar navbar-expand-md navbar-dark bg-dark" aria-label="Main navigation">'
        '\n<div class="container-xl">\n<a class="navbar-brand fw-semibold" '
        f'href="{escape(path_for("reviews:dashboard"))}">archreview</a>\n'
    )
    links = [
        nav_link(nav, current, label, path_for(url_name))
        for nav, label, url_name, admins in SECTIONS
        if is_staff or not admins
    ]
    if is_staff:
        links.append(
            f'<li class="nav-item"><a class="nav-link" href="{escape(path_for("admin:index"))}">'
            "Admin</a></li>"
        )
    menu = [
        ("account_change_password", "Change password"),
        ("api_tokens:list", "API tokens"),
        ("mfa_index", "Two-factor authentication"),
        *([("accounts:audit", "Audit log")] if is_staff else []),
    ]
    items = "\n".join(
        f'<li><a class="dropdown-item" href="{escape(path_for(name))}">{label}</a></li>'
        for name, label in menu
    )
    head = (
        f"{brand}"
        '<button class="navbar-toggler" type="button" data-bs-toggle="collapse" '
        'data-bs-target="#nav-main"\naria-controls="nav-main" aria-expanded="false" '
        'aria-label="Toggle navigation">\n<span class="navbar-toggler-icon"></span>\n</button>\n'
        '<div class="collapse navbar-collapse" id="nav-main">\n<ul class="navbar-nav me-auto">\n'
        + "\n".join(links)
        + '\n</ul>\n<ul class="navbar-nav">\n<li class="nav-item dropdown">\n'
        '<a class="nav-link dropdown-toggle" href="#" role="button" data-bs-toggle="dropdown" '
        'aria-expanded="false">\n<span class="visually-hidden">Signed in as </span>'
    )
    middle = (
        '\n</a>\n<ul class="dropdown-menu dropdown-menu-end">\n'
        f"{items}\n<li>\n"
        f'<form method="post" action="{escape(path_for("account_logout"))}">'
    )
    tail = (
        '\n<button type="submit" class="dropdown-item">Sign out</button>\n</form>\n</li>\n'
        "</ul>\n</li>\n</ul>\n</div>\n</div>\n</nav>"
    )
    return head, middle, tail


@functools.lru_cache(maxsize=8)
def _signed_out(prefix: str, urlconf: str | None) -> str:
    return (
        '<nav class="navbar navbar-expand-md navbar-dark bg-dark" aria-label="Main navigation">'
        '\n<div class="container-xl">\n<a class="navbar-brand fw-semibold" '
        f'href="{escape(path_for("reviews:dashboard"))}">archreview</a>\n</div>\n</nav>'
    )


_NO_TOKEN = "NOTPROVIDED"  # noqa: S105 - Django's marker for "no CSRF token here", as {% csrf_token %}


@register.simple_tag(takes_context=True)
def navbar(context) -> SafeString:
    user = context.get("user")
    prefix, urlconf = get_script_prefix(), get_urlconf()
    if user is None or not user.is_authenticated:
        return mark_safe(_signed_out(prefix, urlconf))  # noqa: S308 - built from escaped parts
    head, middle, tail = _frame(str(context.get("nav") or ""), bool(user.is_staff), prefix, urlconf)
    token = context.get("csrf_token")
    csrf = (
        f'<input type="hidden" name="csrfmiddlewaretoken" value="{escape(str(token))}">'
        if token and token != _NO_TOKEN
        else ""
    )
    return mark_safe(f"{head}{escape(user.get_username())}{middle}{csrf}{tail}")  # noqa: S308 - escaped
