"""Thread rules and queries.

Every write runs in ``run_in_transaction``. Storing a message first locks its thread row
(``SELECT ... FOR UPDATE``): writers to one thread queue on that single lock, always taken
first, so they cannot deadlock, ids and ``sent_at`` grow together, and the thread's
counters (``message_count``, ``last_message_id``, ``last_activity_at``) change in the
same transaction as the message, as does the poster's read marker (moved to their message).
Moving a read marker takes the same lock, so each participant's ``read_count`` (the
thread's message count at their marker) is exact however posts and marks interleave.

``viewer`` (a user token's user, from ``access.viewer()``) limits a call to the threads that
user is in: any other thread is "not found", with the very body of a missing one.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import datetime

from sqlalchemy import Select, func, insert, select, update

from ..database import run_in_transaction, utcnow
from ..exceptions import Forbidden, NotFound, RuleViolation
from ..extensions import db
from ..pagination import Cursor, Page, paginate
from ..usernames import username_key
from .models import MESSAGES_INDEX, Thread, ThreadMessage, ThreadParticipant
from .schemas import MAX_THREAD_ID

#: ``GET /api/threads/<id>`` shows this many of the newest messages.
DETAIL_MESSAGES = 50

MESSAGE_COLUMNS = (
    ThreadMessage.id,
    ThreadMessage.thread_id,
    ThreadMessage.username,
    ThreadMessage.message,
    ThreadMessage.sent_at,
)


def message_to_dict(row) -> dict:
    return {
        "id": row.id,
        "thread_id": row.thread_id,
        "username": row.username,
        "message": row.message,
        "sent_at": row.sent_at,
    }


# --- reads -------------------------------------------------------------------------------------


def _on_thread_index(stmt: Select) -> Select:
    """Pin MySQL/MariaDB to the ``(thread_id, id)`` index.

    Left to itself, MariaDB 10.11 read ``thread_id = ? AND id > ?`` as a ``ref`` lookup on
    ``thread_id`` alone and walked the thread from its first message (4 ms at 100,000
    messages instead of 0.04 ms); with other statistics it may pick a primary-key range,
    which reads past every newer message of other threads. With the index forced it takes
    the range on both columns: constant cost at any depth (``test_threads_query_plans``).
    """
    for dialect in ("mysql", "mariadb"):
        stmt = stmt.with_hint(ThreadMessage, f"FORCE INDEX ({MESSAGES_INDEX})", dialect_name=dialect)
    return stmt


def newest_messages_stmt(thread_id: int, limit: int) -> Select:
    """The thread's newest messages, newest first."""
    return _on_thread_index(
        select(*MESSAGE_COLUMNS)
        .where(ThreadMessage.thread_id == thread_id)
        .order_by(ThreadMessage.id.desc())
        .limit(limit)
    )


#: Messages page on their id, oldest first: ``after`` is the last id the client has.
MESSAGES_CURSOR = Cursor.on_column(ThreadMessage.id)


def messages_stmt(thread_id: int) -> Select:
    """The thread's messages, oldest first; ``MESSAGES_CURSOR`` pages them."""
    return _on_thread_index(
        select(*MESSAGE_COLUMNS).where(ThreadMessage.thread_id == thread_id).order_by(ThreadMessage.id)
    )


def _thread_or_404(thread_id: int, *, lock: bool = False, viewer: str | None = None) -> Thread:
    """The thread, or 404. With a ``viewer``, their participation is checked first, so a thread
    they are not in costs the same single statement as a missing one (participants never change)."""
    thread = None
    if 0 < thread_id <= MAX_THREAD_ID and (viewer is None or _is_participant(thread_id, viewer)):
        thread = db.session.get(Thread, thread_id, with_for_update=lock, populate_existing=lock)
    if thread is None:
        raise NotFound(f"Thread {thread_id} not found.")
    return thread


def _is_participant(thread_id: int, username: str) -> bool:
    return (
        db.session.scalar(
            select(ThreadParticipant.id).where(
                ThreadParticipant.thread_id == thread_id, ThreadParticipant.username_key == username_key(username)
            )
        )
        is not None
    )


def participants_of(thread_ids: list[int]) -> dict[int, list[str]]:
    """Usernames by thread, in the order given at creation: one statement for any number of threads."""
    users: dict[int, list[str]] = defaultdict(list)
    if thread_ids:
        rows = db.session.execute(
            select(ThreadParticipant.thread_id, ThreadParticipant.username)
            .where(ThreadParticipant.thread_id.in_(thread_ids))
            .order_by(ThreadParticipant.thread_id, ThreadParticipant.id)
        )
        for thread_id, username in rows:
            users[thread_id].append(username)
    return users


def get_thread(thread_id: int, *, viewer: str | None = None) -> dict:
    """The thread, its participants and its newest messages (oldest first): three statements."""
    thread = _thread_or_404(thread_id, viewer=viewer)
    newest = db.session.execute(newest_messages_stmt(thread_id, DETAIL_MESSAGES)).all()
    return {
        "thread_id": thread.id,
        "users": participants_of([thread.id])[thread.id],
        "title": thread.title,
        "created_at": thread.created_at,
        "message_count": thread.message_count,
        "last_activity_at": thread.last_activity_at,
        "messages": [message_to_dict(row) for row in reversed(newest)],
    }


def list_messages(thread_id: int, after: int, page_size: int, *, viewer: str | None = None) -> Page:
    """Messages with an id above ``after``, oldest first (keyset: constant cost at any depth)."""
    _thread_or_404(thread_id, viewer=viewer)
    page = paginate(messages_stmt(thread_id), {"after": after, "page_size": page_size}, cursor=MESSAGES_CURSOR)
    page.items = [message_to_dict(row) for row in page.items]
    return page


def all_messages(thread_id: int, *, viewer: str | None = None) -> list[dict]:
    """Every message of the thread, in order (the compatibility contract has no paging)."""
    _thread_or_404(thread_id, viewer=viewer)
    rows = db.session.execute(
        _on_thread_index(
            select(ThreadMessage.username, ThreadMessage.message)
            .where(ThreadMessage.thread_id == thread_id)
            .order_by(ThreadMessage.id)
        )
    )
    return [{"username": username, "message": message} for username, message in rows]


def list_threads(user: str, args: dict) -> Page:
    """The user's threads, most recent activity first, each with its last message and the
    user's unread count.

    Three statements whatever the number of threads: the page count, the page joined to
    each thread's last message (through ``last_message_id``) and to the user's participant
    row (whose ``read_count`` gives the unread count), and the participants.
    """
    last = ThreadMessage.__table__.alias("last_message")
    stmt = (
        select(
            Thread.id,
            Thread.title,
            Thread.created_at,
            Thread.last_activity_at,
            Thread.message_count,
            (Thread.message_count - ThreadParticipant.read_count).label("unread_count"),
            last.c.id.label("last_id"),
            last.c.username.label("last_username"),
            last.c.message.label("last_message"),
            last.c.sent_at.label("last_sent_at"),
        )
        .join(
            ThreadParticipant,
            (ThreadParticipant.thread_id == Thread.id) & (ThreadParticipant.username_key == username_key(user)),
        )
        .outerjoin(last, last.c.id == Thread.last_message_id)
        .order_by(Thread.last_activity_at.desc(), Thread.id.desc())
    )
    page = paginate(stmt, args)
    users = participants_of([row.id for row in page.items])
    page.items = [
        {
            "thread_id": row.id,
            "users": users[row.id],
            "title": row.title,
            "created_at": row.created_at,
            "message_count": row.message_count,
            "last_activity_at": row.last_activity_at,
            "last_message": None
            if row.last_id is None
            else {
                "id": row.last_id,
                "thread_id": row.id,
                "username": row.last_username,
                "message": row.last_message,
                "sent_at": row.last_sent_at,
            },
            "unread_count": row.unread_count,
        }
        for row in page.items
    ]
    return page


# --- writes ----------------------------------------------------------------------------------------


def _committed_thread(created_at: datetime, title: str | None, keys: list[str]) -> Thread | None:
    """The thread an earlier attempt of this very request committed, if any."""
    candidates = db.session.scalars(
        select(Thread).where(
            Thread.created_at == created_at, Thread.title.is_(None) if title is None else Thread.title == title
        )
    ).all()
    for thread in candidates:
        stored = db.session.scalars(
            select(ThreadParticipant.username_key)
            .where(ThreadParticipant.thread_id == thread.id)
            .order_by(ThreadParticipant.id)
        ).all()
        if stored == keys:
            return thread
    return None


def create_thread(users: list[str], title: str | None) -> dict:
    """Store a thread and its participants (already validated and distinct)."""
    created_at = utcnow()
    keys = [username_key(name) for name in users]

    def work(attempt: int) -> dict:
        thread = _committed_thread(created_at, title, keys) if attempt > 1 else None
        if thread is None:
            thread = Thread(title=title, created_at=created_at, last_activity_at=created_at, message_count=0)
            db.session.add(thread)
            db.session.flush()
            db.session.execute(
                insert(ThreadParticipant),
                [
                    {"thread_id": thread.id, "username": name, "username_key": key}
                    for name, key in zip(users, keys, strict=True)
                ],
            )
        return {"thread_id": thread.id, "users": users, "title": title, "created_at": created_at}

    return run_in_transaction(work)


def post_message(
    thread_id: int, username: str, text: str, *, location: str = "json", viewer: str | None = None
) -> dict:
    """Store a message from a participant: 404 for an unknown thread (or one ``viewer`` is not
    in), 403 for anyone else.

    ``location`` is where the username came from, for the error (the body, or the path of
    the compatibility route). The poster's read marker moves to their message: what came
    before it has been read, and one's own messages are never unread.
    """
    key = username_key(username)
    previous: dict = {}  # what the last attempt wrote, to find it if its commit landed after all

    def work(attempt: int) -> dict:
        thread = _thread_or_404(thread_id, lock=True, viewer=viewer)
        participant = db.session.execute(
            select(ThreadParticipant.id, ThreadParticipant.username).where(
                ThreadParticipant.thread_id == thread_id, ThreadParticipant.username_key == key
            )
        ).first()
        if participant is None:
            raise Forbidden("username", f"{username!r} is not a participant of thread {thread_id}.", location=location)
        sender = participant.username
        if previous:
            landed = db.session.execute(
                select(*MESSAGE_COLUMNS).where(
                    ThreadMessage.thread_id == thread_id,
                    ThreadMessage.id > previous["after"],
                    ThreadMessage.sent_at == previous["sent_at"],
                    ThreadMessage.username == sender,
                )
            ).first()
            if landed is not None:
                return message_to_dict(landed)
        # Under the lock, so that sent_at never goes backwards as ids grow.
        sent_at = max(utcnow(), thread.last_activity_at)
        previous.update(after=thread.last_message_id or 0, sent_at=sent_at)
        message_id = db.session.execute(
            insert(ThreadMessage).values(thread_id=thread_id, username=sender, message=text, sent_at=sent_at)
        ).inserted_primary_key[0]
        # The count read under the lock is current: this message makes it one more.
        db.session.execute(
            update(ThreadParticipant)
            .where(ThreadParticipant.id == participant.id)
            .values(last_read_message_id=message_id, read_count=thread.message_count + 1)
        )
        thread.last_message_id = message_id
        thread.last_activity_at = sent_at
        thread.message_count = Thread.message_count + 1  # SET message_count = message_count + 1
        return {"id": message_id, "thread_id": thread_id, "username": sender, "message": text, "sent_at": sent_at}

    return run_in_transaction(work)


def mark_read(thread_id: int, username: str, message_id: int, *, viewer: str | None = None) -> dict:
    """Move ``username``'s read marker forward to ``message_id``: 404 for an unknown thread (or one
    ``viewer`` is not in), 403 for a non-participant, 422 for an id beyond the thread's last
    message. An id at or before the marker changes nothing (a late or repeated call from a
    client must not mark messages unread again).

    Under the thread's lock, like a post, so the marker and its ``read_count`` agree with the
    thread's messages. Up to the last message (the usual call), ``read_count`` is the thread's
    ``message_count``; short of it, the messages passed are counted (one index range).
    """
    key = username_key(username)

    def work(attempt: int) -> dict:
        thread = _thread_or_404(thread_id, lock=True, viewer=viewer)
        # A locking read: the latest committed marker (a post may have moved it since this
        # transaction's snapshot, which the participation check can take before the lock).
        reader = db.session.scalars(
            select(ThreadParticipant)
            .where(ThreadParticipant.thread_id == thread_id, ThreadParticipant.username_key == key)
            .with_for_update()
            .execution_options(populate_existing=True)
        ).first()
        if reader is None:
            raise Forbidden("username", f"{username!r} is not a participant of thread {thread_id}.")
        last = thread.last_message_id or 0
        if message_id > last:
            raise RuleViolation(
                "last_read_message_id",
                f"Thread {thread_id}'s last message is {last}: a read marker cannot be beyond it.",
            )
        if message_id > reader.last_read_message_id:
            if message_id == last:
                reader.read_count = thread.message_count
            else:
                reader.read_count += _messages_between(thread_id, reader.last_read_message_id, message_id)
            reader.last_read_message_id = message_id
        return {
            "thread_id": thread_id,
            "username": reader.username,
            "last_read_message_id": reader.last_read_message_id,
            "unread_count": thread.message_count - reader.read_count,
        }

    return run_in_transaction(work)


def _messages_between(thread_id: int, after: int, up_to: int) -> int:
    """The thread's messages with ``after < id <= up_to``.

    A locking (shared) read, for the same reason as the marker's: under the thread's lock no
    message of the thread can be added, but a snapshot taken before the lock could miss some.
    """
    return db.session.scalar(
        _on_thread_index(
            select(func.count())
            .select_from(ThreadMessage)
            .where(ThreadMessage.thread_id == thread_id, ThreadMessage.id > after, ThreadMessage.id <= up_to)
        ).with_for_update(read=True)
    )
