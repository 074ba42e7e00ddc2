"""The threads' rules, shared by the schemas, the compatibility routes and the seed.

* Participants are usernames (``intrasoft/usernames.py``, the platform's rule, which user
  tokens share), 2 to 100 of them, distinct.
* A message is 1-280 characters as a reader counts them (extended grapheme clusters:
  an emoji with its modifiers, a flag or a letter with its accents each count as one),
  not blank, and at most 2,000 code points so that no message grows without bound
  through stacked combining marks. Tabs and line breaks are kept; other control characters
  are refused.
"""

from __future__ import annotations

import unicodedata

import regex

from ..fields import CONTROL_CHARACTER_ERROR, MULTILINE_TEXT
from ..usernames import InvalidText, is_valid_unicode

MESSAGE_MAX_CHARACTERS = 280
MESSAGE_MAX_CODE_POINTS = 2000
TITLE_MAX_LENGTH = 200
MIN_PARTICIPANTS = 2
MAX_PARTICIPANTS = 100

_GRAPHEME = regex.compile(r"\X")
#: What the spec says a message looks like: no control character but tabs and line breaks.
MESSAGE_PATTERN = MULTILINE_TEXT.regex.pattern


def character_count(text: str) -> int:
    """Characters as a reader sees them: extended grapheme clusters (Unicode UAX #29)."""
    return len(_GRAPHEME.findall(text))


def _is_blank(text: str) -> bool:
    """Only whitespace, control or invisible format characters (zero-width space, joiner, BOM)."""
    return all(char.isspace() or unicodedata.category(char) in ("Cc", "Cf") for char in text)


def validate_message(value: str) -> str:
    """Return the message to store (exactly as given) or raise ``InvalidText``."""
    if not is_valid_unicode(value):
        raise InvalidText("Not valid Unicode text.")
    if MULTILINE_TEXT.regex.match(value) is None:
        raise InvalidText(CONTROL_CHARACTER_ERROR)
    if _is_blank(value):
        raise InvalidText("Must not be blank.")
    if len(value) > MESSAGE_MAX_CODE_POINTS:
        raise InvalidText(f"At most {MESSAGE_MAX_CHARACTERS} characters and {MESSAGE_MAX_CODE_POINTS} code points.")
    count = character_count(value)
    if count > MESSAGE_MAX_CHARACTERS:
        raise InvalidText(f"At most {MESSAGE_MAX_CHARACTERS} characters (this one has {count}).")
    return value
