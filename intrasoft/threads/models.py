"""Threads, their participants and their messages.

The thread row carries ``message_count``, ``last_message_id`` and ``last_activity_at``,
kept up to date in the transaction that stores each message, so listing a user's
threads needs no per-thread query. ``last_message_id`` has no foreign key on purpose:
threads and messages would reference each other.

Each participant row carries that user's read marker and the thread's ``message_count`` at
it (``read_count``), so the thread's unread count for them is ``message_count - read_count``,
read from the rows the thread list already joins.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, ForeignKey, Index, Integer, String, UniqueConstraint, text
from sqlalchemy.dialects import mysql
from sqlalchemy.orm import Mapped, mapped_column

from ..database import Timestamp, utcnow
from ..extensions import db
from ..usernames import USERNAME_KEY_MAX_LENGTH, USERNAME_MAX_LENGTH
from .validation import MESSAGE_MAX_CODE_POINTS, TITLE_MAX_LENGTH

#: Message ids: BIGINT on MySQL; SQLite only auto-increments an INTEGER primary key.
MessageId = BigInteger().with_variant(Integer, "sqlite")
#: The casefolded username compares byte for byte: the default ``utf8mb4_unicode_ci``
#: collation would also fold accents, making "zoe" and "zoé" the same person.
UsernameKey = String(USERNAME_KEY_MAX_LENGTH).with_variant(
    mysql.VARCHAR(USERNAME_KEY_MAX_LENGTH, charset="utf8mb4", collation="utf8mb4_bin"), "mysql", "mariadb"
)


#: The index every message read goes through (named in the service's index hint).
MESSAGES_INDEX = "ix_thread_messages_thread_id_id"


class Thread(db.Model):
    __tablename__ = "threads"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    title: Mapped[str | None] = mapped_column(String(TITLE_MAX_LENGTH))
    created_at: Mapped[datetime] = mapped_column(Timestamp, default=utcnow)
    #: The last message's ``sent_at`` (``created_at`` while there is none): lists sort on it.
    last_activity_at: Mapped[datetime] = mapped_column(Timestamp, default=utcnow)
    last_message_id: Mapped[int | None] = mapped_column(MessageId)
    message_count: Mapped[int] = mapped_column(Integer, default=0)


class ThreadParticipant(db.Model):
    """A user in a thread; participants are listed in ``id`` order, the order given at creation."""

    __tablename__ = "thread_participants"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    thread_id: Mapped[int] = mapped_column(Integer, ForeignKey("threads.id"))
    #: As first given (trimmed, NFC).
    username: Mapped[str] = mapped_column(String(USERNAME_MAX_LENGTH))
    #: ``username_key(username)``: what uniqueness, participant checks and the user filter compare.
    username_key: Mapped[str] = mapped_column(UsernameKey)
    #: The id of the last message this user has read (0: none yet). It only moves forward, and
    #: posting moves it to the poster's own message. Any id up to the thread's last message:
    #: what it has read is the thread's messages with an id up to it.
    last_read_message_id: Mapped[int] = mapped_column(MessageId, default=0, server_default=text("0"))
    #: How many of the thread's messages have an id up to ``last_read_message_id``, kept with it
    #: under the thread's lock: the user's unread count is ``threads.message_count - read_count``.
    read_count: Mapped[int] = mapped_column(Integer, default=0, server_default=text("0"))

    __table_args__ = (
        UniqueConstraint("thread_id", "username_key"),
        Index("ix_thread_participants_username_key_thread_id", "username_key", "thread_id"),
    )


class ThreadMessage(db.Model):
    __tablename__ = "thread_messages"

    id: Mapped[int] = mapped_column(MessageId, primary_key=True)
    thread_id: Mapped[int] = mapped_column(Integer, ForeignKey("threads.id"))
    #: The participant's stored username, whatever case the sender used.
    username: Mapped[str] = mapped_column(String(USERNAME_MAX_LENGTH))
    message: Mapped[str] = mapped_column(String(MESSAGE_MAX_CODE_POINTS))
    sent_at: Mapped[datetime] = mapped_column(Timestamp, default=utcnow)

    #: Newest page and keyset reads at constant cost, however long the thread.
    __table_args__ = (Index(MESSAGES_INDEX, "thread_id", "id"),)
