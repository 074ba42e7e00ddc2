"""Request and response schemas of the threads API and its compatibility routes."""

from __future__ import annotations

from marshmallow import Schema, ValidationError, fields, validate, validates_schema

from ..fields import QueryInteger, TrimmedString, UTCDateTime
from ..pagination import DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE, PageArgs
from ..usernames import (
    USERNAME_MAX_LENGTH,
    USERNAME_PATTERN,
    InvalidText,
    duplicate_usernames,
    is_valid_unicode,
    validate_username,
)
from .validation import (
    MAX_PARTICIPANTS,
    MESSAGE_MAX_CHARACTERS,
    MESSAGE_MAX_CODE_POINTS,
    MESSAGE_PATTERN,
    MIN_PARTICIPANTS,
    TITLE_MAX_LENGTH,
    validate_message,
)

#: Ids beyond these cannot exist: such requests get 404 (or 422 for a cursor) without a query.
MAX_THREAD_ID = 2**31 - 1
MAX_MESSAGE_ID = 2**63 - 1

USERNAME_DESCRIPTION = (
    f"1-{USERNAME_MAX_LENGTH} letters, digits, `.`, `_` or `-`; surrounding whitespace is trimmed; "
    "compared case-insensitively."
)


class Username(fields.String):
    """A username: trimmed and checked (see ``validation.validate_username``)."""

    def __init__(self, **kwargs):
        kwargs.setdefault("metadata", {})
        kwargs["metadata"].setdefault("description", USERNAME_DESCRIPTION)
        kwargs["metadata"].setdefault("example", "quinn")
        kwargs["metadata"].setdefault("pattern", USERNAME_PATTERN)
        kwargs["metadata"].setdefault("minLength", 1)
        kwargs["metadata"].setdefault("maxLength", USERNAME_MAX_LENGTH)
        super().__init__(**kwargs)

    def _deserialize(self, value, attr, data, **kwargs):
        text = super()._deserialize(value, attr, data, **kwargs)
        try:
            return validate_username(text)
        except InvalidText as exc:
            raise ValidationError(str(exc)) from None


class MessageText(fields.String):
    """A message's text: 1-280 characters as a reader counts them, not blank; stored as given."""

    def _deserialize(self, value, attr, data, **kwargs):
        text = super()._deserialize(value, attr, data, **kwargs)
        try:
            return validate_message(text)
        except InvalidText as exc:
            raise ValidationError(str(exc)) from None


class Title(TrimmedString):
    def _deserialize(self, value, attr, data, **kwargs):
        text = super()._deserialize(value, attr, data, **kwargs)
        if not is_valid_unicode(text):
            raise ValidationError("Not valid Unicode text.")
        return text


MESSAGE_FIELD_METADATA = {
    "minLength": 1,
    "maxLength": MESSAGE_MAX_CODE_POINTS,
    "pattern": MESSAGE_PATTERN,
    "description": (
        f"1-{MESSAGE_MAX_CHARACTERS} characters, counted as a reader sees them (an emoji or an accented "
        "letter is one), not only whitespace. Stored exactly as sent."
    ),
    "example": "This is a message!",
}


# --- requests ---------------------------------------------------------------------------------


class ThreadCreateSchema(Schema):
    users = fields.List(
        Username(),
        required=True,
        validate=validate.Length(
            min=MIN_PARTICIPANTS,
            max=MAX_PARTICIPANTS,
            error=f"A thread has {MIN_PARTICIPANTS} to {MAX_PARTICIPANTS} participants.",
        ),
        metadata={
            "description": (
                f"{MIN_PARTICIPANTS}-{MAX_PARTICIPANTS} distinct usernames, compared case-insensitively "
                "after trimming; each is stored as first given."
            ),
            "example": ["quinn", "jeff_goldblum"],
            "uniqueItems": True,
        },
    )
    title = Title(
        allow_none=True,
        max_length=TITLE_MAX_LENGTH,
        metadata={"description": f"Optional, at most {TITLE_MAX_LENGTH} characters.", "example": "Lunch plans"},
    )

    class Meta:
        ordered = True

    @validates_schema
    def _distinct_users(self, data, **kwargs):
        repeated = duplicate_usernames(data["users"])
        if repeated:
            raise ValidationError(
                "Users must be distinct, compared case-insensitively: " + "; ".join(repeated) + ".",
                field_name="users",
            )


class MessageCreateSchema(Schema):
    username = Username(
        metadata={
            "description": (
                "The sender, a participant of the thread. Required with a service token; with a user token "
                "it may be omitted (the token's user) and must otherwise be that user."
            )
        }
    )
    message = MessageText(required=True, metadata=MESSAGE_FIELD_METADATA)

    class Meta:
        ordered = True


class ReadMarkerUpdateSchema(Schema):
    username = Username(
        metadata={
            "description": (
                "Whose marker: a participant of the thread. Required with a service token; with a user "
                "token it may be omitted (the token's user) and must otherwise be that user."
            )
        }
    )
    last_read_message_id = fields.Integer(
        strict=True,
        required=True,
        validate=validate.Range(min=0, max=MAX_MESSAGE_ID),
        metadata={
            "description": (
                "The id of the newest message read: any id up to the thread's last message (beyond it: "
                "422). The thread's messages up to it are read. At or before the current marker it "
                "changes nothing (the marker never moves backwards)."
            ),
            "example": 9001,
        },
    )

    class Meta:
        ordered = True


class CompatMessageCreateSchema(Schema):
    message = MessageText(required=True, metadata=MESSAGE_FIELD_METADATA)


class ThreadListArgs(PageArgs):
    user = Username(
        metadata={
            "description": (
                "List this user's threads (required with service and read-only tokens; a user token's user "
                "by default). " + USERNAME_DESCRIPTION
            )
        }
    )


class MessageListArgs(Schema):
    after = QueryInteger(
        load_default=0,
        validate=validate.Range(min=0, max=MAX_MESSAGE_ID),
        metadata={"description": "Return the messages with an id greater than this (default 0: from the first)."},
    )
    page_size = QueryInteger(
        load_default=DEFAULT_PAGE_SIZE,
        validate=validate.Range(min=1, max=MAX_PAGE_SIZE),
        metadata={"description": f"Messages per page (1-{MAX_PAGE_SIZE}, default {DEFAULT_PAGE_SIZE})."},
    )


# --- responses ----------------------------------------------------------------------------------


class MessageSchema(Schema):
    id = fields.Integer(metadata={"example": 9001})
    thread_id = fields.Integer(metadata={"example": 123})
    username = fields.String(metadata={"example": "quinn"})
    message = fields.String(metadata={"example": "This is a message!"})
    sent_at = UTCDateTime(metadata={"example": "2026-11-22T09:30:00.123456Z"})

    class Meta:
        ordered = True


class ThreadSchema(Schema):
    thread_id = fields.Integer(metadata={"example": 123})
    users = fields.List(fields.String(), metadata={"example": ["quinn", "jeff_goldblum"]})
    title = fields.String(allow_none=True, metadata={"example": "Lunch plans"})
    created_at = UTCDateTime(metadata={"example": "2026-11-22T09:00:00.000000Z"})

    class Meta:
        ordered = True


class ThreadSummarySchema(ThreadSchema):
    message_count = fields.Integer(metadata={"example": 42})
    last_activity_at = UTCDateTime(
        metadata={"description": "When the last message was sent (the creation time while there is none)."}
    )
    last_message = fields.Nested(MessageSchema, allow_none=True, metadata={"description": "Null in a new thread."})
    unread_count = fields.Integer(
        metadata={
            "description": (
                "For the listed user: the thread's messages after their read marker (their own messages "
                "are never unread: posting moves the marker)."
            ),
            "example": 3,
        }
    )


class ThreadDetailSchema(ThreadSchema):
    message_count = fields.Integer(metadata={"example": 42})
    last_activity_at = UTCDateTime()
    messages = fields.List(
        fields.Nested(MessageSchema), metadata={"description": "The last 50 messages, oldest first."}
    )


class ReadMarkerSchema(Schema):
    thread_id = fields.Integer(metadata={"example": 123})
    username = fields.String(metadata={"description": "The participant's stored name.", "example": "quinn"})
    last_read_message_id = fields.Integer(
        metadata={"description": "The marker after the call (0: nothing read yet).", "example": 9001}
    )
    unread_count = fields.Integer(metadata={"description": "The thread's messages after the marker.", "example": 0})

    class Meta:
        ordered = True


class CompatThreadCreatedSchema(Schema):
    thread_id = fields.Integer(metadata={"example": 123})


class CompatMessageSchema(Schema):
    username = fields.String(metadata={"example": "quinn"})
    message = fields.String(metadata={"example": "This is a message!"})

    class Meta:
        ordered = True


class CompatThreadSchema(Schema):
    messages = fields.List(fields.Nested(CompatMessageSchema), metadata={"description": "Every message, in order."})
