"""Countries connector: a 5,000-person sync from the fake randomuser on loopback, and the read.

Targets (issue 3): the sync, from the request sent to the commit, takes at most 1 s and at
most 10 INSERT statements; ``GET /api/countries`` over a 5,000-person snapshot needs at most
2 SQL statements on a cold cache and answers in under 50 ms (median).
Baselines measured in the same run: the raw HTTP fetch + ``json.loads`` alone (the floor of
any sync), a naive ORM ``add_all`` of the same people (RETURNING off, as on MySQL 8), and a
naive uncached read (query the 5,000 rows and serialize them on every request).
"""

from __future__ import annotations

import json
import statistics
import time

import requests
from sqlalchemy import select

from tests.helpers import StatementCounter

from .common import Report, make_bench_app, median_seconds, recreate_database

DATABASE = "bench_countries"
PEOPLE = 5000
REPEAT = 5


def _ms(seconds: float) -> str:
    return f"{seconds * 1000:.0f} ms"


def run(report: Report) -> None:
    from intrasoft.countries import service
    from intrasoft.countries.client import RandomUserClient
    from intrasoft.countries.models import CountryPerson, SyncRun
    from intrasoft.database import utcnow
    from intrasoft.extensions import db
    from tests.fake_randomuser import FakeRandomUser

    fake = FakeRandomUser().start()
    try:
        url = recreate_database(DATABASE)
        app = make_bench_app(
            url,
            RANDOMUSER_URL=fake.url,
            RANDOMUSER_RESULTS=PEOPLE,
            RANDOMUSER_SEED="bench",
        )
        params = {"results": str(PEOPLE), "seed": "bench"}
        requests.get(fake.url, params=params, timeout=30)  # the fake renders once; later answers are cached

        # Baseline 1: the raw HTTP fetch and JSON parse alone.
        session = requests.Session()
        raw_fetch = median_seconds(lambda: json.loads(session.get(fake.url, params=params, timeout=30).content), 7)

        with app.app_context():
            engine = db.engine
            # As on MySQL 8 (MariaDB 10.5+ would batch ORM inserts with RETURNING).
            engine.dialect.insert_returning = False
            engine.dialect.insert_executemany_returning = False

            # Measured: the whole sync (lock, run record, pull, validation, inserts, commit).
            samples, insert_counts = [], []
            for _ in range(REPEAT):
                with StatementCounter(engine) as counter:
                    started = time.perf_counter()
                    run_record = service.run_sync("cli")
                    samples.append(time.perf_counter() - started)
                assert run_record.status == "succeeded" and run_record.rows_stored == PEOPLE, run_record.reason
                insert_counts.append(counter.inserts)
            sync_median = statistics.median(samples)

            # Baseline 2: a naive ORM add_all of the same people.
            people = RandomUserClient.from_config(app.config).fetch().people
            orm_samples, orm_inserts = [], 0
            for _ in range(3):
                run_row = SyncRun(trigger="cli", status="running", started_at=utcnow())
                db.session.add(run_row)
                db.session.commit()
                with StatementCounter(engine) as counter:
                    started = time.perf_counter()
                    db.session.add_all(CountryPerson(run_id=run_row.id, **person) for person in people)
                    db.session.commit()
                    orm_samples.append(time.perf_counter() - started)
                orm_inserts = counter.inserts
            orm_median = statistics.median(orm_samples)

            report.add(
                "countries: 5,000-person sync, request to commit (median of 5)",
                _ms(sync_median),
                f"raw fetch+parse {_ms(raw_fetch)}; ORM add_all (DB only) {_ms(orm_median)}",
                "<= 1 s",
                sync_median <= 1.0,
            )
            report.add(
                "countries: INSERT statements per 5,000-person sync",
                f"{max(insert_counts)}",
                f"ORM add_all: {orm_inserts}",
                "<= 10",
                max(insert_counts) <= 10,
            )

            # The read: GET /api/countries over the 5,000-person snapshot.
            client = app.test_client()
            service._caches.clear()
            with StatementCounter(engine) as counter:
                cold = client.get("/api/countries")
            assert cold.status_code == 200
            cold_statements = len(counter.statements)

            def cold_get():
                service._caches.clear()
                assert client.get("/api/countries").status_code == 200

            cold_median = median_seconds(cold_get, 7)
            warm_median = median_seconds(lambda: client.get("/api/countries"), 21)
            snapshot_id = service.load_sync_state().snapshot[0]

            def naive_read():
                rows = db.session.execute(select(CountryPerson).where(CountryPerson.run_id == snapshot_id)).scalars()
                json.dumps([{"name": f"{p.first_name} {p.last_name}", "email": p.email} for p in rows])
                db.session.rollback()

            naive_median = median_seconds(naive_read, 7)
            report.add(
                "countries: GET /api/countries, 5,000 people, warm (median of 21)",
                f"{_ms(warm_median)} ({len(cold.data) // 1024} KiB)",
                f"cold cache {_ms(cold_median)}; naive uncached ORM read {_ms(naive_median)}",
                "< 50 ms",
                warm_median < 0.05,
            )
            report.add(
                "countries: SQL statements of GET /api/countries, cold cache",
                f"{cold_statements}",
                "naive: 1 per request, uncached",
                "<= 2",
                cold_statements <= 2,
            )
    finally:
        fake.stop()
