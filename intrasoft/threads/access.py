"""Who may do what in threads: the rules a user token adds, asked of the request's principal.

A user token acts as its user: it lists only that user's threads, sees only the threads that
user is in (any other is "not found", so ids do not reveal which threads exist), posts and
moves read markers only as that user and creates only threads that include that user. Service
and read-only tokens (and anonymous reads, where the server leaves reads open) see every thread
and say who they act for.
Both ``/api/threads`` and the ``/thread`` compatibility routes go through these functions.
"""

from __future__ import annotations

from ..auth import current_principal
from ..exceptions import Forbidden, RuleViolation
from ..usernames import username_key

REQUIRED = "Missing data for required field."
#: The 404 of every thread route, as the spec documents it.
NOT_FOUND = "No thread with this id, or (with a user token) one that user is not in."


def viewer() -> str | None:
    """The user whose threads this request may see: a user token's user; None for every thread."""
    principal = current_principal()
    return principal.username if principal.is_user else None


def listed_user(requested: str | None) -> str:
    """Whose threads to list: ``?user=`` defaults to a user token's user; another user is 403.
    Other principals must name the user (422)."""
    principal = current_principal()
    if not principal.is_user:
        if requested is None:
            raise RuleViolation("user", REQUIRED, location="query")
        return requested
    if requested is not None and username_key(requested) != username_key(principal.username):
        raise Forbidden("user", f"A user token lists only its own threads ({principal.username}).", location="query")
    return principal.username


def sender(requested: str | None, *, location: str = "json") -> str:
    """Who a message is from: a user token's user (``username`` may be omitted; another one is 403).
    Other principals must give it (422)."""
    return _acting_user(requested, location=location, acts="posts only as its own user")


def reader(requested: str | None) -> str:
    """Whose read marker to move: the same rule as ``sender`` (a user token moves only its own)."""
    return _acting_user(requested, location="json", acts="moves only its own user's read marker")


def _acting_user(requested: str | None, *, location: str, acts: str) -> str:
    principal = current_principal()
    if not principal.is_user:
        if requested is None:
            raise RuleViolation("username", REQUIRED, location=location)
        return requested
    if requested is not None and username_key(requested) != username_key(principal.username):
        raise Forbidden("username", f"A user token {acts} ({principal.username}).", location=location)
    return requested if requested is not None else principal.username


def check_creator(users: list[str]) -> None:
    """A user token creates only threads it is in (403 under ``errors.json.users`` otherwise)."""
    principal = current_principal()
    if principal.is_user and username_key(principal.username) not in {username_key(name) for name in users}:
        raise Forbidden("users", f"A user token must include its own user ({principal.username}) in `users`.")
