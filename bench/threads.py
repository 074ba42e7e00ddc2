"""Threads: the newest page of a 100,000-message thread costs the same as in a 100-message thread.

Both threads live in the same MariaDB database (``bench_threads``); the reads go through
the whole app (Flask test client: routing, validation, SQL, serialization), alternating
between the two threads so that drift affects both equally. Target: ratio <= 1.5.
"""

from __future__ import annotations

import json
import statistics
import time

from sqlalchemy import select, text

from bench.common import Report, make_bench_app, recreate_database

DATABASE = "bench_threads"
BIG = 100_000
SMALL = 100
ROUNDS = 150
TARGET_RATIO = 1.5
SEED_TARGET_SECONDS = 60.0


def _timed(call) -> float:
    started = time.perf_counter()
    call()
    return time.perf_counter() - started


def _interleaved_medians(client, big_url: str, small_url: str) -> tuple[float, float]:
    for _ in range(5):  # warm up caches and the connection pool
        assert client.get(big_url).status_code == 200
        assert client.get(small_url).status_code == 200
    big, small = [], []
    for _ in range(ROUNDS):
        big.append(_timed(lambda: client.get(big_url)))
        small.append(_timed(lambda: client.get(small_url)))
    return statistics.median(big), statistics.median(small)


def run(report: Report) -> None:
    from intrasoft.extensions import db
    from intrasoft.threads import service
    from intrasoft.threads.models import Thread, ThreadMessage
    from intrasoft.threads.seed import BENCHMARK_TITLE

    app = make_bench_app(recreate_database(DATABASE))
    runner = app.test_cli_runner()
    client = app.test_client()

    seconds = _timed(
        lambda: runner.invoke(args=["seed", "--customers", "20", "--opportunities", "0", "--messages", str(BIG)])
    )
    with app.app_context():
        big_id = db.session.scalar(select(Thread.id).where(Thread.title == BENCHMARK_TITLE))
        count = db.session.get(Thread, big_id).message_count
    report.add(
        f"threads: flask seed --messages {BIG:,}",
        f"{seconds:.1f} s ({count:,} messages)",
        "-",
        f"< {SEED_TARGET_SECONDS:.0f} s",
        count == BIG and seconds < SEED_TARGET_SECONDS,
    )

    # The small thread is written through the API, one message at a time.
    small_id = client.post("/api/threads", json={"users": ["quinn", "jeff_goldblum"]}).json["thread_id"]
    posts = [
        _timed(
            lambda i=i: client.post(f"/api/threads/{small_id}/messages", json={"username": "quinn", "message": f"m{i}"})
        )
        for i in range(SMALL)
    ]
    report.add(
        "threads: POST a message (median, through the app)",
        f"{statistics.median(posts) * 1000:.2f} ms",
        "-",
        "info",
        True,
    )

    big_ms, small_ms = (
        s * 1000 for s in _interleaved_medians(client, f"/api/threads/{big_id}", f"/api/threads/{small_id}")
    )
    ratio = big_ms / small_ms
    report.add(
        f"threads: GET /api/threads/<id> (newest 50), {BIG:,} vs {SMALL} messages",
        f"{big_ms:.2f} ms (ratio {ratio:.2f})",
        f"{small_ms:.2f} ms",
        f"ratio <= {TARGET_RATIO}",
        ratio <= TARGET_RATIO,
    )

    with app.app_context():

        def newest_page_after(thread_id: int) -> int:
            ids = db.session.scalars(
                select(ThreadMessage.id)
                .where(ThreadMessage.thread_id == thread_id)
                .order_by(ThreadMessage.id.desc())
                .limit(51)
            ).all()
            return ids[-1]

        big_after, small_after = newest_page_after(big_id), newest_page_after(small_id)
        sql = service.MESSAGES_CURSOR.page_statement(service.messages_stmt(big_id), big_after, 50).compile(
            db.engine, compile_kwargs={"literal_binds": True}
        )
        analyzed = json.loads(db.session.execute(text(f"ANALYZE FORMAT=JSON {sql}")).scalar())
        plan = analyzed["query_block"]["nested_loop"][0]["table"]
    big_ms, small_ms = (
        s * 1000
        for s in _interleaved_medians(
            client,
            f"/api/threads/{big_id}/messages?after={big_after}&page_size=50",
            f"/api/threads/{small_id}/messages?after={small_after}&page_size=50",
        )
    )
    ratio = big_ms / small_ms
    report.add(
        f"threads: GET .../messages?after= (newest 50), {BIG:,} vs {SMALL} messages",
        f"{big_ms:.2f} ms (ratio {ratio:.2f})",
        f"{small_ms:.2f} ms",
        f"ratio <= {TARGET_RATIO}",
        ratio <= TARGET_RATIO,
    )
    report.add(
        f"threads: ANALYZE keyset page of the {BIG:,}-message thread",
        f"{plan['access_type']} on {plan['key']} ({', '.join(plan['used_key_parts'])}), {plan['r_rows']:.0f} rows read",
        "-",
        "range on (thread_id, id), <= 51 rows",
        plan["access_type"] == "range" and plan["used_key_parts"] == ["thread_id", "id"] and plan["r_rows"] <= 51,
    )
