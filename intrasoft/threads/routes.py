"""REST API under ``/api/threads``; views are thin, the rules live in ``service.py``."""

from flask import url_for

from ..blueprint import Blueprint
from ..schemas import PAGINATION_HEADER, WRITE_ERRORS, ErrorSchema, document_errors
from . import access, service
from .schemas import (
    MessageCreateSchema,
    MessageListArgs,
    MessageSchema,
    ReadMarkerSchema,
    ReadMarkerUpdateSchema,
    ThreadCreateSchema,
    ThreadDetailSchema,
    ThreadListArgs,
    ThreadSchema,
    ThreadSummarySchema,
)

blp = Blueprint(
    "threads",
    __name__,
    url_prefix="/api/threads",
    description=(
        "Conversations between named users: 2-100 participants, messages of 1-280 characters. A user "
        "token acts as its user: it sees only that user's threads and posts only as that user."
    ),
)

CURSOR_HEADER = {
    "X-Pagination": {
        "description": "`{page_size, next_after}`: pass `next_after` as `after` for the next page; null on the last.",
        "schema": {"type": "string"},
    }
}


@blp.route("", methods=["POST"])
@blp.arguments(ThreadCreateSchema, example={"users": ["quinn", "jeff_goldblum"], "title": "Lunch plans"})
@blp.response(
    201,
    ThreadSchema,
    description="The stored thread.",
    headers={"Location": {"description": "URL of the thread", "schema": {"type": "string"}}},
)
@document_errors(blp, WRITE_ERRORS)
@blp.doc(
    summary="Create a thread",
    description=(
        "`users`: 2 to 100 usernames (1-64 letters, digits, `.`, `_`, `-`; surrounding whitespace trimmed), "
        "distinct when compared case-insensitively: a repeated user gets 422 naming the repeats under "
        "`errors.json.users`, and no thread is created. Each username is stored as first given. `title` is "
        "optional (at most 200 characters). With a user token, `users` must include the token's user (403)."
    ),
)
@blp.alt_response(403, schema=ErrorSchema, description="A user token whose user is not among `users`.")
def create_thread_view(data):
    access.check_creator(data["users"])
    thread = service.create_thread(data["users"], data.get("title"))
    location = url_for("threads.get_thread_view", thread_id=thread["thread_id"])
    return thread, 201, {"Location": location}


@blp.route("")
@blp.arguments(ThreadListArgs, location="query", as_kwargs=False)
@blp.response(200, ThreadSummarySchema(many=True), headers=PAGINATION_HEADER)
@blp.alt_response(403, schema=ErrorSchema, description="A user token asking for another user's threads.")
@blp.doc(
    summary="List a user's threads",
    description=(
        "The threads `user` takes part in (compared case-insensitively), most recent activity first, each "
        "with its participants, `message_count` and last message. Paginated with `page` and `page_size`; "
        "the cost does not grow with the number of threads (a constant number of SQL statements). "
        "`unread_count` is for `user`: the thread's messages after their read marker (see "
        "`PUT /api/threads/{thread_id}/read`; posting moves the poster's marker to their message). "
        "With a user token `user` defaults to the token's user, and another user is 403; service and "
        "read-only tokens must give `user` (422 without)."
    ),
)
def list_threads_view(args):
    page = service.list_threads(access.listed_user(args.get("user")), args)
    return page.items, 200, page.headers


@blp.route("/<int:thread_id>")
@blp.response(200, ThreadDetailSchema)
@blp.alt_response(404, schema=ErrorSchema, description=access.NOT_FOUND)
@blp.doc(
    summary="Get a thread",
    description="The thread with its participants and its last 50 messages, oldest first.",
)
def get_thread_view(thread_id):
    return service.get_thread(thread_id, viewer=access.viewer())


@blp.route("/<int:thread_id>/messages")
@blp.arguments(MessageListArgs, location="query", as_kwargs=False)
@blp.response(200, MessageSchema(many=True), headers=CURSOR_HEADER)
@blp.alt_response(404, schema=ErrorSchema, description=access.NOT_FOUND)
@blp.doc(
    summary="List a thread's messages",
    description=(
        "The messages with an id greater than `after` (default 0), oldest first, at most `page_size`. "
        "Keyset pagination: constant cost however long the thread, so a client polls for new messages "
        "with `after=<the last id it has>`."
    ),
)
def list_messages_view(args, thread_id):
    page = service.list_messages(thread_id, args["after"], args["page_size"], viewer=access.viewer())
    return page.items, 200, page.headers


@blp.route("/<int:thread_id>/messages", methods=["POST"])
@blp.arguments(MessageCreateSchema, example={"username": "quinn", "message": "This is a message!"})
@blp.response(201, MessageSchema, description="The stored message.")
@document_errors(blp, WRITE_ERRORS)
@blp.alt_response(
    403,
    schema=ErrorSchema,
    description="`username` is not a participant of the thread, or (user token) is not the token's user.",
)
@blp.alt_response(404, schema=ErrorSchema, description=access.NOT_FOUND)
@blp.doc(
    summary="Post a message",
    description=(
        "`message`: 1-280 characters counted as a reader sees them (an emoji or an accented letter counts "
        "as one), not blank, stored exactly as sent. `username` must be a participant (case-insensitive; "
        "the message carries the participant's stored name). Messages are ordered by `id`. With a user "
        "token `username` may be omitted (it is the token's user) and another one is 403; service tokens "
        "must give it (422)."
    ),
)
def post_message_view(data, thread_id):
    sender = access.sender(data.get("username"))
    return service.post_message(thread_id, sender, data["message"], viewer=access.viewer())


@blp.route("/<int:thread_id>/read", methods=["PUT"])
@blp.arguments(ReadMarkerUpdateSchema, example={"username": "quinn", "last_read_message_id": 9001})
@blp.response(
    200,
    ReadMarkerSchema,
    description="The marker and the unread count after the call.",
    example={"thread_id": 123, "username": "quinn", "last_read_message_id": 9001, "unread_count": 0},
)
@document_errors(blp, WRITE_ERRORS)
@blp.alt_response(
    403,
    schema=ErrorSchema,
    description="`username` is not a participant of the thread, or (user token) is not the token's user.",
)
@blp.alt_response(404, schema=ErrorSchema, description=access.NOT_FOUND)
@blp.doc(
    summary="Mark a thread read",
    description=(
        "Moves `username`'s read marker forward to `last_read_message_id` (the newest message the reader "
        "has seen); a client calls it when it shows a thread. An id at or before the current marker "
        "answers 200 with the marker unchanged: it never moves backwards. An id beyond the thread's last "
        "message is 422 under `errors.json.last_read_message_id`. Posting a message moves the poster's "
        "marker to it. With a user token `username` may be omitted (the token's user) and another one is "
        "403; service tokens must give it (422)."
    ),
)
def mark_read_view(data, thread_id):
    reader = access.reader(data.get("username"))
    return service.mark_read(thread_id, reader, data["last_read_message_id"], viewer=access.viewer())
