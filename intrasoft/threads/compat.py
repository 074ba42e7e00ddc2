"""The screening contract existing clients use: ``/thread`` routes over the same service.

Same validation, storage and auth as ``/api/threads`` (the bearer-token guard, and the user
token rules of ``access.py``); only the shapes differ.
"""

from flask import current_app

from ..blueprint import Blueprint
from ..exceptions import RuleViolation
from ..schemas import WRITE_ERRORS, ErrorSchema, document_errors
from ..usernames import InvalidText, validate_username
from . import access, service
from .schemas import CompatMessageCreateSchema, CompatThreadCreatedSchema, CompatThreadSchema, ThreadCreateSchema

blp = Blueprint(
    "threads_compat",
    __name__,
    url_prefix="/thread",
    description="Compatibility with the screening contract's `/thread` routes (same rules as `/api/threads`).",
)


@blp.route("", methods=["POST"])
@blp.arguments(ThreadCreateSchema, example={"users": ["quinn", "jeff_goldblum"]})
@blp.response(201, CompatThreadCreatedSchema, description="The new thread's id.")
@document_errors(blp, WRITE_ERRORS)
@blp.doc(
    summary="Create a thread (compatibility)",
    description=(
        'As `POST /api/threads`, answering only `{"thread_id": 123}`. With a user token, `users` must '
        "include the token's user (403)."
    ),
)
@blp.alt_response(403, schema=ErrorSchema, description="A user token whose user is not among `users`.")
def compat_create_thread(data):
    access.check_creator(data["users"])
    thread = service.create_thread(data["users"], data.get("title"))
    return {"thread_id": thread["thread_id"]}, 201


@blp.route("/<int:thread_id>/<username>", methods=["POST"])
@blp.arguments(CompatMessageCreateSchema, example={"message": "This is a message!"})
@blp.response(204, description="Stored.")
@document_errors(blp, WRITE_ERRORS)
@blp.alt_response(
    403,
    schema=ErrorSchema,
    description="`username` is not a participant of the thread, or (user token) is not the token's user.",
)
@blp.alt_response(404, schema=ErrorSchema, description=access.NOT_FOUND)
@blp.doc(
    summary="Post a message (compatibility)",
    description=(
        "As `POST /api/threads/{thread_id}/messages` with the sender in the path; an invalid username "
        "gets 422 under `errors.path.username`, a non-participant 403. With a user token the path's "
        "username must be the token's user (403)."
    ),
)
def compat_post_message(data, thread_id, username):
    try:
        sender = validate_username(username)
    except InvalidText as exc:
        raise RuleViolation("username", str(exc), location="path") from None
    sender = access.sender(sender, location="path")
    service.post_message(thread_id, sender, data["message"], location="path", viewer=access.viewer())
    return None


@blp.route("/<int:thread_id>")
@blp.response(200, CompatThreadSchema)
@blp.alt_response(404, schema=ErrorSchema, description=access.NOT_FOUND)
@blp.doc(
    summary="Get a thread's messages (compatibility)",
    description="Every message of the thread in order, as `{username, message}`. `/api/threads` pages them.",
)
def compat_get_thread(thread_id):
    # Rendered directly: a long thread has tens of thousands of messages, and these plain
    # dicts already have the documented shape (marshmallow would triple the time).
    return current_app.json.response({"messages": service.all_messages(thread_id, viewer=access.viewer())})
