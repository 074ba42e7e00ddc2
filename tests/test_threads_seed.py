"""`flask seed` demo threads between the seeded account executives, and `--messages N`."""

from sqlalchemy import func, select

from intrasoft.customers.seed import account_teams
from intrasoft.threads.models import Thread, ThreadMessage, ThreadParticipant
from intrasoft.threads.seed import BENCHMARK_TITLE, WELCOME_TITLE, username_for
from intrasoft.usernames import validate_username

from .conftest import JEFF_TOKEN, QUINN_TOKEN, token_client

SMALL = ["seed", "--customers", "5", "--opportunities", "0"]


def count(db, model):
    return db.session.scalar(select(func.count()).select_from(model))


def test_usernames_derived_from_names_are_valid():
    assert username_for("Claire Martin") == "claire.martin"
    assert username_for("Dr. Jürgen-Otto  Müller") == "dr.jürgen-otto.müller"
    assert username_for("Mme Élodie d'Artagnan") == "mme.élodie.dartagnan"
    for team in account_teams().values():
        for name in team["account_executives"]:
            assert validate_username(username_for(name)) == username_for(name)


def test_seed_adds_demo_threads_between_account_executives_once(runner, db):
    result = runner.invoke(args=SMALL)
    assert result.exit_code == 0, result.output
    assert "threads: " in result.output
    executives = {username_for(n) for t in account_teams().values() for n in t["account_executives"]}
    participants = set(db.session.scalars(select(ThreadParticipant.username)))
    assert participants <= executives | {"quinn", "jeff_goldblum"}
    assert len(participants) >= 10
    threads = db.session.scalars(select(Thread)).all()
    assert len(threads) >= 5
    for thread in threads:
        messages = db.session.scalars(
            select(ThreadMessage).where(ThreadMessage.thread_id == thread.id).order_by(ThreadMessage.id)
        ).all()
        assert thread.message_count == len(messages) > 0
        assert thread.last_message_id == messages[-1].id
        assert thread.last_activity_at == messages[-1].sent_at
        assert [m.sent_at for m in messages] == sorted(m.sent_at for m in messages)
        assert_read_up_to_own_last_message(db, thread, messages)
    before = (count(db, Thread), count(db, ThreadParticipant), count(db, ThreadMessage))

    again = runner.invoke(args=SMALL)
    assert again.exit_code == 0, again.output
    assert "threads: 0" in again.output and "thread_messages: 0" in again.output
    assert (count(db, Thread), count(db, ThreadParticipant), count(db, ThreadMessage)) == before


def assert_read_up_to_own_last_message(db, thread, messages):
    """As if each participant had posted their messages: their marker is their last one (nothing
    before it is unread, their own messages never are)."""
    for participant in db.session.scalars(select(ThreadParticipant).where(ThreadParticipant.thread_id == thread.id)):
        own = [m.id for m in messages if m.username == participant.username]
        marker = own[-1] if own else 0
        assert participant.last_read_message_id == marker, participant.username
        assert participant.read_count == sum(1 for m in messages if m.id <= marker), participant.username


def test_seed_messages_puts_n_messages_in_one_thread(runner, db, client):
    result = runner.invoke(args=[*SMALL, "--messages", "2500"])
    assert result.exit_code == 0, result.output
    thread = db.session.scalars(select(Thread).where(Thread.title == BENCHMARK_TITLE)).one()
    assert thread.message_count == 2500
    assert count(db, ThreadMessage) >= 2500
    detail = client.get(f"/api/threads/{thread.id}").json
    assert detail["message_count"] == 2500
    assert len(detail["messages"]) == 50
    assert detail["messages"][-1]["id"] == thread.last_message_id
    ids = [m["id"] for m in detail["messages"]]
    assert ids == sorted(ids)

    # More later tops the same thread up; the same number again adds nothing.
    assert runner.invoke(args=[*SMALL, "--messages", "3000"]).exit_code == 0
    assert runner.invoke(args=[*SMALL, "--messages", "3000"]).output.count("thread_messages: 0") == 1
    db.session.expire_all()
    thread = db.session.scalars(select(Thread).where(Thread.title == BENCHMARK_TITLE)).one()
    assert thread.message_count == 3000
    messages = db.session.scalars(
        select(ThreadMessage).where(ThreadMessage.thread_id == thread.id).order_by(ThreadMessage.id)
    ).all()
    assert_read_up_to_own_last_message(db, thread, messages)


def test_seed_messages_limit(runner, db):
    result = runner.invoke(args=[*SMALL, "--messages", "100001"])
    assert result.exit_code != 0
    assert count(db, Thread) == 0


def test_seed_reset_empties_threads(runner, db):
    assert runner.invoke(args=[*SMALL, "--messages", "10"]).exit_code == 0
    assert runner.invoke(args=[*SMALL, "--reset"]).exit_code == 0
    assert db.session.scalars(select(Thread).where(Thread.title == BENCHMARK_TITLE)).first() is None


def test_seed_welcomes_the_demo_users_with_an_area_lead_once(runner, db, app):
    assert runner.invoke(args=SMALL).exit_code == 0
    lead = username_for(next(iter(account_teams().values()))["account_executives"][0])
    for token in (QUINN_TOKEN, JEFF_TOKEN):
        listed = token_client(app, token).get("/api/threads").json
        welcome = [thread for thread in listed if thread["title"] == WELCOME_TITLE]
        assert len(welcome) == 1
        assert welcome[0]["users"] == ["quinn", "jeff_goldblum", lead]
        assert welcome[0]["message_count"] >= 3
        messages = token_client(app, token).get(f"/api/threads/{welcome[0]['thread_id']}").json["messages"]
        assert {m["username"] for m in messages} == {"quinn", "jeff_goldblum", lead}
        # Each has read up to their own last message: what the others said after it is unread.
        mine = "quinn" if token == QUINN_TOKEN else "jeff_goldblum"
        last_own = max(i for i, m in enumerate(messages) if m["username"] == mine)
        assert welcome[0]["unread_count"] == len(messages) - 1 - last_own
    assert runner.invoke(args=SMALL).exit_code == 0
    assert len(db.session.scalars(select(Thread).where(Thread.title == WELCOME_TITLE)).all()) == 1
