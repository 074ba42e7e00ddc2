"""Demo threads between the seeded account executives, a welcome thread for the demo user tokens,
and one long thread for benchmarks.

Threads are recognised by their title, so seeding twice adds nothing; ``--messages N``
tops the benchmark thread up to N messages with bulk Core inserts in chunks.
"""

from __future__ import annotations

import re
import unicodedata
from datetime import datetime, timedelta

import click
from sqlalchemy import func, insert, select, update

from ..customers.seed import account_teams
from ..extensions import db
from ..platform import Seeder
from ..seed import CHUNK, SeedRun
from ..usernames import USERNAME_MAX_LENGTH, username_key, validate_username
from .models import Thread, ThreadMessage, ThreadParticipant

BENCHMARK_TITLE = "Benchmark thread"
MAX_SEED_MESSAGES = 100_000
LEADS_TITLE = "Area leads"
#: Between the users of ``make run``'s demo tokens (quinn, jeff_goldblum) and an Area lead, so
#: that either token has a thread to read and post in.
WELCOME_TITLE = "Welcome"
WELCOME_USERS = ("quinn", "jeff_goldblum")
WELCOME_MESSAGES = (
    "Welcome to IntraSoft threads! 👋",
    "Thanks Quinn. Where do I find the pipeline?",
    "Welcome Jeff: the revenue summary has it per Area.",
    "And post here when you need a hand.",
)
DEMO_MESSAGES = (
    "Morning! Who is taking the renewal call with the customer today?",
    "I can take it, I know their finance team well.",
    "Great. Their contract renews next quarter, let's prepare the offer.",
    "Réunion à 14h ? Je réserve la salle.",
    "Passt, ich bringe die Zahlen mit. 📊",
    "Pipeline review moved to Thursday 👍",
    "Can someone send me the latest forecast for the Area?",
    "Done, it's in the shared folder.",
)


def username_for(name: str) -> str:
    """A valid username from a person's name: "Claire Martin" is "claire.martin"."""
    text = re.sub(r"\s+", ".", unicodedata.normalize("NFC", name).strip().lower())
    kept = "".join(char for char in text if _allowed(char))
    return re.sub(r"\.{2,}", ".", kept).strip("._-")[:USERNAME_MAX_LENGTH] or "user"


def _allowed(char: str) -> bool:
    try:
        validate_username(char)
    except ValueError:
        return False
    return True


def _distinct(names: list[str]) -> list[str]:
    """The names, without any that repeats an earlier one."""
    seen: set[str] = set()
    kept = []
    for name in names:
        if username_key(name) not in seen:
            seen.add(username_key(name))
            kept.append(name)
    return kept


def _thread_by_title(title: str) -> Thread | None:
    return db.session.scalars(select(Thread).where(Thread.title == title).order_by(Thread.id).limit(1)).first()


def _create_thread(title: str, users: list[str], created_at: datetime) -> Thread:
    thread = Thread(title=title, created_at=created_at, last_activity_at=created_at, message_count=0)
    db.session.add(thread)
    db.session.flush()
    db.session.execute(
        insert(ThreadParticipant),
        [{"thread_id": thread.id, "username": name, "username_key": username_key(name)} for name in users],
    )
    return thread


def add_messages(thread: Thread, users: list[str], count: int, texts: tuple[str, ...], end: datetime) -> int:
    """Append ``count`` messages ending at ``end`` (or just after the last one), in chunks, taking
    turns among ``users``; each poster's read marker ends on their last message, as a post moves it."""
    if count <= 0:
        return 0
    total = thread.message_count + count
    step = timedelta(milliseconds=1)
    start = max(end - step * count, thread.last_activity_at + step)
    table = ThreadMessage.__table__
    for offset in range(0, count, CHUNK):
        rows = [
            {
                "thread_id": thread.id,
                "username": users[index % len(users)],
                "message": texts[index % len(texts)] if texts else f"Message {thread.message_count + index + 1}",
                "sent_at": start + step * index,
            }
            for index in range(offset, min(offset + CHUNK, count))
        ]
        db.session.execute(table.insert(), rows)
    thread.message_count = Thread.message_count + count  # SET message_count = message_count + N
    thread.last_activity_at = start + step * (count - 1)
    thread.last_message_id = db.session.scalar(
        select(func.max(ThreadMessage.id)).where(ThreadMessage.thread_id == thread.id)
    )
    # Turns rotate, so the newest messages, one per poster, are each poster's last.
    newest = db.session.execute(
        select(ThreadMessage.id, ThreadMessage.username)
        .where(ThreadMessage.thread_id == thread.id)
        .order_by(ThreadMessage.id.desc())
        .limit(min(count, len(users)))
    ).all()
    for position, (message_id, username) in enumerate(newest):
        db.session.execute(
            update(ThreadParticipant)
            .where(ThreadParticipant.thread_id == thread.id, ThreadParticipant.username_key == username_key(username))
            .values(last_read_message_id=message_id, read_count=total - position)
        )
    db.session.flush()
    return count


def _demo_threads() -> list[tuple[str, list[str]]]:
    teams = account_teams()
    threads = [
        (f"{area} account team", _distinct([username_for(n) for n in team["account_executives"]]))
        for area, team in teams.items()
    ]
    leads = _distinct([username_for(team["account_executives"][0]) for team in teams.values()])
    threads.append((LEADS_TITLE, leads))
    threads.append((WELCOME_TITLE, _distinct([*WELCOME_USERS, leads[0]])))
    return threads


def seed(run: SeedRun) -> None:
    """Demo threads (once), and the benchmark thread topped up to ``--messages`` messages."""
    now, messages = run.now, run.options["messages"]
    threads_added = messages_added = 0
    demo = _demo_threads()
    for index, (title, users) in enumerate(demo):
        if len(users) < 2 or _thread_by_title(title) is not None:
            continue
        # Older threads first, so the list has a varied "most recent activity" order.
        thread = _create_thread(title, users, now - timedelta(days=len(demo) - index + 1))
        threads_added += 1
        texts = WELCOME_MESSAGES if title == WELCOME_TITLE else DEMO_MESSAGES
        count = len(texts) if title == WELCOME_TITLE else 4 + index % 4
        messages_added += add_messages(thread, users, count, texts, now - timedelta(hours=len(demo) - index))
    if messages:
        users = demo[0][1][:2]
        thread = _thread_by_title(BENCHMARK_TITLE)
        if thread is None:
            thread = _create_thread(BENCHMARK_TITLE, users, now - timedelta(days=1))
            threads_added += 1
        messages_added += add_messages(thread, users, messages - thread.message_count, (), now)
    run.add("threads", threads_added)
    run.add("thread_messages", messages_added)


SEEDER = Seeder(
    "threads",
    seed,
    options=(
        click.Option(
            ["--messages"],
            default=0,
            show_default=True,
            type=click.IntRange(0, MAX_SEED_MESSAGES),
            help="Put this many messages in the benchmark thread.",
        ),
    ),
)
