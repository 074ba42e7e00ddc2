"""The raw baseline for ``GET /api/customers?after=<cid>&page_size=<n>``.

A bare WSGI callable, no framework: the identical SELECT the API runs (same columns,
``cid > after``, ``ORDER BY cid``, ``LIMIT page_size + 1`` to know whether there is a
next page) with PyMySQL, rows rendered with the stdlib json encoder into the same bytes
the API returns, and the same ``X-Pagination`` header. It is what the API would cost
with nothing but the database and JSON, so ``app req/s / baseline req/s`` measures the
framework, validation, session, logging and metrics overhead.

Run under gunicorn like the API: ``gunicorn -c gunicorn.conf.py bench.baseline_app:app``
with ``DATABASE_URL=mysql+pymysql://user:password@host:port/db``.
"""

from __future__ import annotations

import json
import os
import threading
from urllib.parse import parse_qs, unquote, urlsplit

import pymysql

SELECT = (
    "SELECT customer.cid, customer.name, customer.area, customer.customer_type, "
    "customer.has_dedicated_account_manager, customer.has_dedicated_technical_consultant, "
    "customer.has_support_contract, customer.has_discounted_pricing, customer.account_executive, "
    "customer.technical_specialist, customer.contract_start_date, customer.contract_renewal_date, "
    "customer.subscriptions, customer.created_at, customer.updated_at "
    "FROM customer WHERE customer.cid > %s ORDER BY customer.cid LIMIT %s"
)

_local = threading.local()


def connect_args(url: str) -> dict:
    parts = urlsplit(url)
    return {
        "host": parts.hostname or "127.0.0.1",
        "port": parts.port or 3306,
        "user": unquote(parts.username or "root"),
        "password": unquote(parts.password or ""),
        "database": parts.path.lstrip("/"),
        "charset": "utf8mb4",
        "autocommit": True,
    }


def _connection() -> pymysql.connections.Connection:
    connection = getattr(_local, "connection", None)
    if connection is None:
        connection = pymysql.connect(**connect_args(os.environ["DATABASE_URL"]))
        _local.connection = connection
    return connection


def _row_to_dict(row: tuple) -> dict:
    cid, name, area, customer_type, account_manager, consultant, support, discounted = row[:8]
    executive, specialist, start, renewal, subscriptions, created_at, updated_at = row[8:]
    return {
        "cid": cid,
        "name": name,
        "area": area,
        "customer_type": customer_type,
        "has_dedicated_account_manager": bool(account_manager),
        "has_dedicated_technical_consultant": bool(consultant),
        "has_support_contract": bool(support),
        "has_discounted_pricing": bool(discounted),
        "account_executive": executive,
        "technical_specialist": specialist,
        "contract_start_date": start.isoformat() if start else None,
        "contract_renewal_date": renewal.isoformat() if renewal else None,
        "subscriptions": [s for s in subscriptions.split(",") if s],
        "created_at": created_at.isoformat() + "Z",  # naive UTC, as the API renders it
        "updated_at": updated_at.isoformat() + "Z",
    }


def _respond(start_response, status: str, body: bytes, headers: list[tuple[str, str]] = ()):
    start_response(status, [("Content-Type", "application/json"), ("Content-Length", str(len(body))), *headers])
    return [body]


def app(environ, start_response):
    if environ.get("PATH_INFO") != "/api/customers":
        return _respond(start_response, "404 Not Found", b'{"code":404}\n')
    query = parse_qs(environ.get("QUERY_STRING", ""))
    try:
        after = int(query.get("after", ["0"])[0])
        page_size = int(query.get("page_size", ["50"])[0])
    except ValueError:
        return _respond(start_response, "422 Unprocessable Entity", b'{"code":422}\n')
    try:
        with _connection().cursor() as cursor:
            cursor.execute(SELECT, (after, page_size + 1))
            rows = cursor.fetchall()
    except pymysql.err.OperationalError:
        _local.connection = None  # reconnect on the next request
        raise
    has_more = len(rows) > page_size
    rows = rows[:page_size]
    body = json.dumps([_row_to_dict(row) for row in rows], ensure_ascii=False, separators=(",", ":")) + "\n"
    pagination = json.dumps({"page_size": page_size, "next_after": rows[-1][0] if has_more else None})
    return _respond(start_response, "200 OK", body.encode(), [("X-Pagination", pagination)])
