"""Usernames: who a person is, for user tokens (``auth``) and in threads.

A username is 1-64 characters of letters, digits, ``.``, ``_`` and ``-`` after trimming
surrounding whitespace (at most 64 as sent; no control character); it is kept as given (in
Unicode NFC form). Two usernames are the same person when their ``username_key`` (NFC, then
casefolded) are equal: "Quinn" is "QUINN", "Straße" is "STRASSE", but "zoé" is not "zoe".
"""

from __future__ import annotations

import unicodedata

from .fields import CONTROL_CHARACTER_ERROR, CONTROL_CHARACTERS, NO_CONTROL_CHARACTERS

USERNAME_MAX_LENGTH = 64
#: Casefolding can triple a character ("ΐ" becomes three code points).
USERNAME_KEY_MAX_LENGTH = 3 * USERNAME_MAX_LENGTH
USERNAME_PUNCTUATION = frozenset("._-")

#: What the spec says a username looks like. A superset of the rule (a JSON Schema pattern has
#: no "Unicode letter" class): no control character, optional surrounding whitespace, and no
#: ASCII or Latin-1 character that is not a letter, a digit, ".", "_" or "-".
USERNAME_PATTERN = (
    rf"^[^\S{CONTROL_CHARACTERS}]*"
    r"[^\s\x00-\x2c\x2f\x3a-\x40\x5b-\x5e\x60\x7b-\xa9\xab-\xb4\xb6-\xb9\xbb-\xbf\xd7\xf7]+"
    rf"[^\S{CONTROL_CHARACTERS}]*$"
)


class InvalidText(ValueError):
    """The value breaks a rule; the message says which, for the client."""


def is_valid_unicode(text: str) -> bool:
    """False for lone surrogates ("\\ud800" in JSON), which no database can store."""
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def _is_username_character(char: str) -> bool:
    return char in USERNAME_PUNCTUATION or unicodedata.category(char)[0] == "L" or unicodedata.category(char) == "Nd"


def validate_username(value: str) -> str:
    """Return the username to store (trimmed, NFC) or raise ``InvalidText``."""
    if not is_valid_unicode(value):
        raise InvalidText("Not valid Unicode text.")
    if NO_CONTROL_CHARACTERS.regex.match(value) is None:
        raise InvalidText(CONTROL_CHARACTER_ERROR)
    if len(value) > USERNAME_MAX_LENGTH:
        raise InvalidText(f"At most {USERNAME_MAX_LENGTH} characters.")
    name = unicodedata.normalize("NFC", value.strip())
    if not name:
        raise InvalidText("Must not be blank.")
    if len(name) > USERNAME_MAX_LENGTH:
        raise InvalidText(f"At most {USERNAME_MAX_LENGTH} characters.")
    if not all(_is_username_character(char) for char in name):
        raise InvalidText("Only letters, digits, '.', '_' and '-' are allowed.")
    return name


def username_key(name: str) -> str:
    """What two usernames are compared by: NFC, casefolded, NFC again."""
    return unicodedata.normalize("NFC", unicodedata.normalize("NFC", name).casefold())


def duplicate_usernames(names: list[str]) -> list[str]:
    """One line per user given more than once (compared by ``username_key``), in order.

    "'quinn' is given 3 times" when the spellings agree, "'Quinn', 'QUINN' are the same
    user" when they differ: short however many times a name repeats.
    """
    groups: dict[str, list[str]] = {}
    for name in names:
        groups.setdefault(username_key(name), []).append(name)
    problems = []
    for spellings in groups.values():
        if len(spellings) < 2:
            continue
        distinct = list(dict.fromkeys(spellings))
        if len(distinct) == 1:
            problems.append(f"{distinct[0]!r} is given {len(spellings)} times")
        else:
            problems.append(", ".join(repr(name) for name in distinct) + " are the same user")
    return problems
