"""On MariaDB/MySQL, message reads seek the (thread_id, id) index on both columns at any depth."""

import json

import pytest
from sqlalchemy import text

from intrasoft.database import utcnow
from intrasoft.threads import service
from intrasoft.threads.models import MESSAGES_INDEX
from intrasoft.threads.seed import _create_thread, add_messages

from .conftest import mysql_only

MESSAGES = 5000


@pytest.fixture()
def long_thread(db):
    now = utcnow()
    thread = _create_thread("long", ["quinn", "jeff"], now)
    add_messages(thread, ["quinn", "jeff"], MESSAGES, (), now)
    other = _create_thread("later", ["quinn", "jeff"], now)
    add_messages(other, ["quinn", "jeff"], 200, (), now)
    db.session.commit()
    return thread.id, thread.last_message_id


def plan_of(db, stmt) -> dict:
    sql = str(stmt.compile(db.engine, compile_kwargs={"literal_binds": True}))
    plan = json.loads(db.session.execute(text("ANALYZE FORMAT=JSON " + sql)).scalar())
    block = plan["query_block"]
    return block["nested_loop"][0]["table"] if "nested_loop" in block else block["table"]


@mysql_only
def test_keyset_page_is_a_range_on_both_index_columns(db, long_thread):
    thread_id, last_id = long_thread
    for after in (last_id - 50, last_id - MESSAGES // 2):
        # The very statement list_messages runs for a page of 50.
        table = plan_of(db, service.MESSAGES_CURSOR.page_statement(service.messages_stmt(thread_id), after, 50))
        assert table["key"] == MESSAGES_INDEX
        assert table["access_type"] == "range"
        assert table["used_key_parts"] == ["thread_id", "id"]
        assert table["r_rows"] <= 51


@mysql_only
def test_newest_page_reads_only_the_newest_rows(db, long_thread):
    thread_id, _ = long_thread
    table = plan_of(db, service.newest_messages_stmt(thread_id, 50))
    assert table["key"] == MESSAGES_INDEX
    assert table["r_rows"] <= 50
