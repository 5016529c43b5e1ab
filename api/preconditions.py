"""Answer versions as HTTP validators: ``ETag: "<version>"``, writes need ``If-Match``."""

from __future__ import annotations

import re

_STRONG = re.compile(r'^"(\d{1,9})"$')


def etag(version: int) -> str:
    return f'"{version}"'


def if_match_version(header: str | None) -> int | None:
    """The version named by ``If-Match``; None when it names none we could have issued (a weak
    tag, ``*``, a list or garbage), which never matches."""
    if header is None:
        return None
    match = _STRONG.match(header.strip())
    return int(match[1]) if match else None
