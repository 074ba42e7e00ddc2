"""``ETag`` and ``If-Match`` (RFC 9110 sections 8.8.3 and 13.1.1) for optimistic concurrency.

A resource with a version counter answers with a strong ``ETag: "<version>"``; a write that
sends ``If-Match`` is applied only while that tag is still current (412 otherwise), checked
under the row lock by the service. A malformed ``If-Match`` is refused with 400: the
condition cannot be evaluated, and answering 412 would send the client to re-read and
retry with the same broken header.
"""

from __future__ import annotations

import re

from werkzeug.datastructures import ETags

from .exceptions import PreconditionFailed, RuleViolation

IF_MATCH_HEADER = "If-Match"
_ETAG = r'(W/)?"[\x21\x23-\x7e]*"'
#: ``*`` or a comma-separated list of entity tags (the spec declares this pattern too).
IF_MATCH_PATTERN = rf"^[ \t]*(\*|{_ETAG}([ \t]*,[ \t]*{_ETAG})*)[ \t]*$"
_IF_MATCH = re.compile(IF_MATCH_PATTERN)
_TAG = re.compile(_ETAG)


def etag_for(version: int) -> str:
    """The strong entity tag of a version: ``"4"``."""
    return f'"{version}"'


def parse_if_match(value: str | None) -> ETags | None:
    """The tags of an ``If-Match`` header (None when absent); 400 under ``errors.headers.If-Match``
    when it is not ``*`` or a list of quoted entity tags."""
    if value is None:
        return None
    if not _IF_MATCH.match(value):
        raise RuleViolation(
            IF_MATCH_HEADER,
            'If-Match must be * or a list of entity tags such as "3" (the ETag of the last read).',
            location="headers",
            status=400,
        )
    if value.strip() == "*":
        return ETags(star_tag=True)
    strong, weak = [], []
    for match in _TAG.finditer(value):
        (weak if match.group(1) else strong).append(match.group(0).removeprefix("W/")[1:-1])
    return ETags(strong_etags=strong, weak_etags=weak)


def check_if_match(expected: ETags | None, version: int) -> None:
    """412 unless ``expected`` (from ``parse_if_match``) matches ``version`` by strong
    comparison (a weak tag never does); no condition when there was no ``If-Match``."""
    if expected is None or expected.contains(str(version)):
        return
    raise PreconditionFailed(
        IF_MATCH_HEADER, f"It has changed since it was read (its ETag is now {etag_for(version)}): read it again."
    )
