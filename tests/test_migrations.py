"""Migrations run both ways on the test database, with rows in the tables they change."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

import pytest
from flask_migrate import downgrade, upgrade
from sqlalchemy import inspect, text
from sqlalchemy.exc import DBAPIError, IntegrityError

from .conftest import TEST_TOKEN
from .factories import CustomerFactory

HEAD = "0007_thread_reads"
REVISION_0005 = "0005_concurrency"
OID = "0" * 31 + "1"


def columns(db, table: str) -> set[str]:
    return {column["name"] for column in inspect(db.engine).get_columns(table)}


def at(db, revision: str, move) -> None:
    db.session.remove()  # no open transaction may hold the tables (MySQL's metadata locks)
    move(revision=revision)
    db.engine.dispose()  # reflect the new schema on fresh connections


def test_0005_down_and_up_again_with_data(app, db):
    CustomerFactory(cid=1)
    try:
        at(db, "0004_revenue", downgrade)
        assert "version" not in columns(db, "crm_opportunities")
        assert "client" not in columns(db, "idempotency_keys")
        now = datetime(2026, 1, 1, 12, 0, 0)
        with db.engine.begin() as connection:
            connection.execute(
                text(
                    "INSERT INTO crm_opportunities (oid, cid, name, product, status, probability,"
                    " estimated_monthly_revenue, currency, expected_close_date, created_at, updated_at)"
                    " VALUES (:oid, 1, 'Before 0005', 'payroll', 'proposal', 50, 10, 'EUR', :close, :now, :now)"
                ),
                {"oid": OID, "close": date(2027, 1, 1), "now": now},
            )
            connection.execute(
                text(
                    "INSERT INTO idempotency_keys (`key`, request_hash, oid, created_at) VALUES ('Key-1', 'h', :oid, :now)"
                ),
                {"oid": OID, "now": now},
            )

        at(db, REVISION_0005, upgrade)
        with db.engine.begin() as connection:
            assert connection.execute(text("SELECT version FROM crm_opportunities")).scalar_one() == 1
            assert connection.execute(text("SELECT client, `key` FROM idempotency_keys")).one() == ("", "Key-1")
            # (client, key) is the identity now, and keys differing in case are two keys.
            for client, key in (("", "key-1"), ("f" * 64, "Key-1")):
                connection.execute(
                    text(
                        "INSERT INTO idempotency_keys (client, `key`, request_hash, created_at)"
                        " VALUES (:client, :key, 'h', :now)"
                    ),
                    {"client": client, "key": key, "now": now},
                )
        with pytest.raises(IntegrityError), db.engine.begin() as connection:
            connection.execute(
                text(
                    "INSERT INTO idempotency_keys (client, `key`, request_hash, created_at) VALUES ('', 'Key-1', 'h', :now)"
                ),
                {"now": now},
            )

        # Down again: the keys would collide in the old primary key, so they go; the deal stays.
        at(db, "0004_revenue", downgrade)
        with db.engine.begin() as connection:
            assert connection.execute(text("SELECT count(*) FROM idempotency_keys")).scalar_one() == 0
            assert connection.execute(text("SELECT name FROM crm_opportunities")).scalar_one() == "Before 0005"
    finally:
        at(db, "head", upgrade)
    assert {"version"} <= columns(db, "crm_opportunities")
    assert {"client", "key"} <= columns(db, "idempotency_keys")


def test_0007_starts_existing_participants_at_the_last_message_and_goes_down_again(app, db):
    """Upgrading does not flood anybody with unread counts: every existing participant's marker
    is their thread's last message at migration time (a thread without messages: nothing to read)."""
    try:
        at(db, "0006_crm_columns", downgrade)
        assert "last_read_message_id" not in columns(db, "thread_participants")
        now = datetime(2026, 1, 1, 12, 0, 0)
        with db.engine.begin() as connection:
            for thread_id, count in ((1, 3), (2, 0)):
                connection.execute(
                    text(
                        "INSERT INTO threads (id, created_at, last_activity_at, last_message_id, message_count)"
                        " VALUES (:id, :now, :now, NULL, :count)"
                    ),
                    {"id": thread_id, "now": now, "count": count},
                )
                for name in ("quinn", "ana"):
                    connection.execute(
                        text(
                            "INSERT INTO thread_participants (thread_id, username, username_key)"
                            " VALUES (:thread_id, :name, :name)"
                        ),
                        {"thread_id": thread_id, "name": name},
                    )
            for i in range(3):
                connection.execute(
                    text(
                        "INSERT INTO thread_messages (id, thread_id, username, message, sent_at)"
                        " VALUES (:id, 1, 'ana', :message, :now)"
                    ),
                    {"id": 10 + i, "message": f"m{i}", "now": now},
                )
            connection.execute(text("UPDATE threads SET last_message_id = 12 WHERE id = 1"))

        at(db, HEAD, upgrade)
        with db.engine.begin() as connection:
            markers = connection.execute(
                text(
                    "SELECT thread_id, username, last_read_message_id, read_count FROM thread_participants"
                    " ORDER BY thread_id, id"
                )
            ).all()
        assert [tuple(row) for row in markers] == [
            (1, "quinn", 12, 3),
            (1, "ana", 12, 3),
            (2, "quinn", 0, 0),
            (2, "ana", 0, 0),
        ]
        listed = app.test_client().get("/api/threads?user=quinn", headers={"Authorization": f"Bearer {TEST_TOKEN}"})
        assert {t["thread_id"]: t["unread_count"] for t in listed.json} == {1: 0, 2: 0}

        at(db, "0006_crm_columns", downgrade)
        assert not {"last_read_message_id", "read_count"} & columns(db, "thread_participants")
        with db.engine.begin() as connection:
            assert connection.execute(text("SELECT count(*) FROM thread_participants")).scalar_one() == 4
    finally:
        at(db, HEAD, upgrade)
    assert {"last_read_message_id", "read_count"} <= columns(db, "thread_participants")


# --- 0006: the CRM's columns, on a populated 0004-era database ------------------------------------

REVISION_0006 = "0006_crm_columns"
CENT = Decimal("0.01")
#: Every table of a 0004 database, each given rows below.
TABLES_0004 = {
    "customer",
    "crm_opportunities",
    "idempotency_keys",
    "revenue_actuals",
    "revenue_targets",
    "country_sync_locks",
    "country_sync_runs",
    "country_people",
    "threads",
    "thread_messages",
    "thread_participants",
}
MOMENT = datetime(2026, 1, 2, 3, 4, 5, 678901)
OIDS = ("0" * 31 + "a", "0" * 31 + "b")

#: The rows of a 0004 database, as SQL inserts at that revision (the old column names).
ROWS_0004 = {
    "customer": [
        {
            "cid": 1,
            "name": "Dupont Logistique SARL",
            "area": "France",
            "segment": "Mid-Market",
            "account_executive": "Claire Martin",
            "technical_specialist": None,
            "contract_start_date": date(2023, 9, 1),
            "contract_renewal_date": date(2026, 9, 1),
            "subscriptions": "accounting,payroll",
            "is_strategic": True,
            "is_reference": False,
            "credit_hold": True,
            "created_at": MOMENT,
            "updated_at": MOMENT,
        },
        {
            "cid": 2,
            "name": "Zürich Ærø 株式会社",
            "area": "Switzerland",
            "segment": "Enterprise",
            "account_executive": None,
            "technical_specialist": "Lucas Bernard",
            "contract_start_date": None,
            "contract_renewal_date": None,
            "subscriptions": "",
            "is_strategic": False,
            "is_reference": True,
            "credit_hold": False,
            "created_at": MOMENT,
            "updated_at": datetime(2026, 1, 3),
        },
    ],
    "crm_opportunities": [
        {
            "oid": OIDS[0],
            "cid": 1,
            "name": "Payroll roll-out",
            "product": "payroll",
            "status": "negotiation",
            "probability": 80,
            "estimated_monthly_revenue": Decimal("1234.56"),
            "currency": "EUR",
            "expected_close_date": date(2027, 3, 31),
            "account_executive": "Claire Martin",
            "technical_specialist": None,
            "created_at": MOMENT,
            "updated_at": MOMENT,
        },
        {
            "oid": OIDS[1],
            "cid": 2,
            "name": "Expenses",
            "product": "expenses",
            "status": "won",
            "probability": 100,
            "estimated_monthly_revenue": Decimal("999999.99"),
            "currency": "EUR",
            "expected_close_date": date(2025, 12, 1),
            "account_executive": None,
            "technical_specialist": "Lucas Bernard",
            "created_at": MOMENT,
            "updated_at": datetime(2026, 1, 5, 6, 7, 8),
        },
    ],
    "idempotency_keys": [{"key": "crm-sync-7781", "request_hash": "f" * 64, "oid": OIDS[0], "created_at": MOMENT}],
    "revenue_actuals": [
        {
            "id": 1,
            "area": "France",
            "month": date(2025, 7, 1),
            "amount": Decimal("420000.10"),
            "created_at": MOMENT,
            "updated_at": MOMENT,
        }
    ],
    "revenue_targets": [
        {
            "id": 1,
            "area": "France",
            "fiscal_year": 2026,
            "amount": Decimal("5040000.00"),
            "created_at": MOMENT,
            "updated_at": MOMENT,
        }
    ],
    "country_sync_locks": [
        {"name": "countries-sync", "owner": "host:1", "acquired_at": MOMENT, "expires_at": datetime(2026, 1, 2, 4)}
    ],
    "country_sync_runs": [
        {
            "id": 1,
            "trigger": "cli",
            "status": "succeeded",
            "started_at": MOMENT,
            "finished_at": datetime(2026, 1, 2, 3, 5),
            "results_requested": 500,
            "results_received": 500,
            "records_skipped": 0,
            "duplicates_dropped": 0,
            "rows_stored": 1,
            "http_attempts": 1,
            "duration_ms": 42,
            "reason": None,
        }
    ],
    "country_people": [
        {
            "id": 1,
            "run_id": 1,
            "uuid": "5b2a7c1e-1111-4222-8333-944445555666",
            "gender": "female",
            "title": "Mme",
            "first_name": "Jeanne",
            "last_name": "Roux",
            "email": "jeanne.roux@example.com",
            "country": "France",
            "city": "Lyon",
            "state": None,
            "postcode": "69001",
            "nationality": "FR",
        }
    ],
    "threads": [
        {
            "id": 1,
            "title": "Welcome",
            "created_at": MOMENT,
            "last_activity_at": MOMENT,
            "last_message_id": 1,
            "message_count": 1,
        }
    ],
    "thread_messages": [{"id": 1, "thread_id": 1, "username": "quinn", "message": "Bonjour 👋", "sent_at": MOMENT}],
    "thread_participants": [{"id": 1, "thread_id": 1, "username": "Quinn", "username_key": "quinn"}],
}
#: What 0006 renamed: old name -> new name.
RENAMED = {
    "customer": {"segment": "customer_type"},
    "crm_opportunities": {
        "status": "opportunity_status",
        "estimated_monthly_revenue": "monthly_estimated_revenue",
        "expected_close_date": "estimated_delivery_date",
    },
}
CRM_FLAGS = (
    "has_dedicated_account_manager",
    "has_dedicated_technical_consultant",
    "has_support_contract",
    "has_discounted_pricing",
)
OLD_FLAGS = ("is_strategic", "is_reference", "credit_hold")


def insert(connection, table: str, row: dict) -> None:
    names = ", ".join(f"`{name}`" if connection.dialect.name != "sqlite" else f'"{name}"' for name in row)
    values = ", ".join(f":{name}" for name in row)
    params = {name: str(value) if isinstance(value, Decimal) else value for name, value in row.items()}
    connection.execute(text(f"INSERT INTO {table} ({names}) VALUES ({values})"), params)


def normalised(value):
    """One spelling per value, whatever the driver returns (SQLite: text dates, float decimals)."""
    if isinstance(value, bool):
        return int(value)
    if isinstance(value, float | Decimal):
        return Decimal(str(value)).quantize(CENT)
    if isinstance(value, datetime):
        return value.isoformat(sep=" ")
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, str) and len(value) > 19 and value[4] == "-" and value[10] in " T":
        return datetime.fromisoformat(value).isoformat(sep=" ")
    return value


def table_rows(db, table: str) -> list[dict]:
    key = {"customer": "cid", "crm_opportunities": "oid", "idempotency_keys": "request_hash"}.get(table)
    key = key or ("name" if table == "country_sync_locks" else "id")
    with db.engine.connect() as connection:
        rows = connection.execute(text(f"SELECT * FROM {table} ORDER BY {key}")).mappings().all()
    return [{name: normalised(value) for name, value in row.items()} for row in rows]


def expected(rows: list[dict], **changes) -> list[dict]:
    return [{name: normalised(value) for name, value in {**row, **changes}.items()} for row in rows]


def renamed(rows: list[dict], table: str) -> list[dict]:
    names = RENAMED[table]
    return [{names.get(name, name): value for name, value in row.items()} for row in rows]


def without(rows: list[dict], *names: str) -> list[dict]:
    return [{k: v for k, v in row.items() if k not in names} for row in rows]


def test_0006_renames_in_place_on_a_populated_0004_database_and_back(app, db):
    try:
        at(db, "0004_revenue", downgrade)
        assert set(inspect(db.engine).get_table_names()) - {"alembic_version"} == TABLES_0004
        with db.engine.begin() as connection:
            for table, rows in ROWS_0004.items():
                for row in rows:
                    insert(connection, table, row)
        before = {table: table_rows(db, table) for table in TABLES_0004}
        assert before == {table: expected(rows) for table, rows in ROWS_0004.items()}

        at(db, REVISION_0006, upgrade)
        # Untouched tables keep every row as it was (0005 gave idempotency keys a client, "").
        for table in TABLES_0004 - {"customer", "crm_opportunities", "idempotency_keys"}:
            assert table_rows(db, table) == before[table], table
        assert table_rows(db, "idempotency_keys") == expected(ROWS_0004["idempotency_keys"], client="")
        # Renamed in place: every value under its new name; the CRM's flags false, ours gone.
        customers = table_rows(db, "customer")
        assert without(customers, *CRM_FLAGS) == without(renamed(before["customer"], "customer"), *OLD_FLAGS)
        assert all(row[flag] == 0 for row in customers for flag in CRM_FLAGS)
        opportunities = table_rows(db, "crm_opportunities")
        new_columns = {"version": 1, "opportunity_sales_group": None, "non_recurring": None}
        assert opportunities == [
            {**row, **new_columns} for row in renamed(before["crm_opportunities"], "crm_opportunities")
        ]
        indexes = {
            index["name"]: index["column_names"] for index in inspect(db.engine).get_indexes("crm_opportunities")
        }
        assert indexes["ix_crm_opportunities_pipeline"] == [
            "estimated_delivery_date",
            "cid",
            "opportunity_status",
            "probability",
            "monthly_estimated_revenue",
        ]
        assert indexes["ix_crm_opportunities_opportunity_status"] == ["opportunity_status"]
        assert indexes["ix_crm_opportunities_estimated_delivery_date"] == ["estimated_delivery_date"]
        assert "ix_customer_customer_type" in {index["name"] for index in inspect(db.engine).get_indexes("customer")}

        # What the new schema allows: no names, no product, long customer types, the CRM's fields.
        with db.engine.begin() as connection:
            insert(
                connection,
                "customer",
                {
                    "cid": 3,
                    "name": None,
                    "area": "UK",
                    "customer_type": "Strategic Accounts EMEA North",
                    "has_support_contract": True,
                    "subscriptions": "",
                    "created_at": MOMENT,
                    "updated_at": MOMENT,
                },
            )
            insert(
                connection,
                "crm_opportunities",
                {
                    "oid": "OPP-2026.0003",
                    "cid": 3,
                    "opportunity_sales_group": "Enterprise AE",
                    "opportunity_status": "proposal",
                    "monthly_estimated_revenue": Decimal("2500.00"),
                    "estimated_delivery_date": date(2027, 3, 1),
                    "non_recurring": "No",
                    "name": None,
                    "product": None,
                    "probability": 50,
                    "currency": "EUR",
                    "created_at": MOMENT,
                    "updated_at": MOMENT,
                },
            )
        # The revenue check moved to the new column (MariaDB reports it as error 4025, an OperationalError).
        with pytest.raises(DBAPIError, match="revenue_positive"), db.engine.begin() as connection:
            connection.execute(text("UPDATE crm_opportunities SET monthly_estimated_revenue = 0 WHERE cid = 3"))

        at(db, "0004_revenue", downgrade)
        # Back under the old names, every value as it was; our flags come back false (documented),
        # NULLs the old NOT NULL columns cannot hold get placeholders, long types are cut to 20.
        assert table_rows(db, "customer") == [
            *expected(ROWS_0004["customer"], is_strategic=False, is_reference=False, credit_hold=False),
            *expected(
                [
                    {
                        "cid": 3,
                        "name": "Customer 3",
                        "area": "UK",
                        "segment": "Strategic Accounts E",
                        "account_executive": None,
                        "technical_specialist": None,
                        "contract_start_date": None,
                        "contract_renewal_date": None,
                        "subscriptions": "",
                        "is_strategic": False,
                        "is_reference": False,
                        "credit_hold": False,
                        "created_at": MOMENT,
                        "updated_at": MOMENT,
                    }
                ]
            ),
        ]
        opportunities = table_rows(db, "crm_opportunities")
        assert opportunities[:2] == before["crm_opportunities"]
        assert len(opportunities) == 3
        assert opportunities[2] == {
            **opportunities[2],
            "oid": "OPP-2026.0003",
            "name": "Opportunity OPP-2026.0003",
            "product": "unknown",
            "status": "proposal",
            "estimated_monthly_revenue": Decimal("2500.00"),
            "expected_close_date": "2027-03-01",
        }
        assert table_rows(db, "idempotency_keys") == []  # 0005's downgrade empties them (documented there)
        for table in TABLES_0004 - {"customer", "crm_opportunities", "idempotency_keys"}:
            assert table_rows(db, table) == before[table], table
    finally:
        at(db, "head", upgrade)
    assert {"customer_type", *CRM_FLAGS} <= columns(db, "customer")
