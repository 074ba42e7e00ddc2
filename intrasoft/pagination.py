"""Pagination shared by every list endpoint.

Two modes, chosen by the query string:

* offset pages: ``page`` and ``page_size`` (default 50, max 100); runs a COUNT and sets
  ``X-Pagination`` to flask-smorest's shape (``total``, ``total_pages``, ``page``, ...);
* keyset cursor: ``after=<key>`` (see ``Cursor``); no COUNT, constant cost at any depth, and
  ``X-Pagination`` is ``{"page_size": n, "next_after": <key or null>}``.
"""

from __future__ import annotations

import json
import math
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from marshmallow import Schema, ValidationError, fields, validate, validates_schema
from sqlalchemy import ColumnElement, Select, func, select

from .extensions import db
from .fields import QueryInteger

DEFAULT_PAGE_SIZE = 50
MAX_PAGE_SIZE = 100
#: Offsets past this are refused: deep iteration is what the keyset cursor is for.
MAX_PAGE = 1_000_000


class PageArgs(Schema):
    page = QueryInteger(
        load_default=None,
        validate=validate.Range(min=1, max=MAX_PAGE),
        metadata={"description": f"Page number (1-{MAX_PAGE:,})."},
    )
    page_size = QueryInteger(
        load_default=DEFAULT_PAGE_SIZE,
        validate=validate.Range(min=1, max=MAX_PAGE_SIZE),
        metadata={"description": f"Items per page (1-{MAX_PAGE_SIZE}, default {DEFAULT_PAGE_SIZE})."},
    )


def cursor_args(key_field: fields.Field, description: str) -> type[Schema]:
    """A PageArgs schema with a keyset ``after`` cursor of the given type."""

    key_field.metadata["description"] = description

    class CursorPageArgs(PageArgs):
        after = key_field

        @validates_schema
        def _page_or_cursor(self, data, **kwargs):
            if data.get("after") is not None and data.get("page") is not None:
                raise ValidationError("Use either page or after, not both.", "after")

    return CursorPageArgs


@dataclass
class Page:
    items: list[Any]
    headers: dict[str, str]


def _offset_page(stmt: Select, page: int, page_size: int) -> Page:
    total = db.session.scalar(select(func.count()).select_from(stmt.order_by(None).subquery()))
    total_pages = max(1, math.ceil(total / page_size))
    items = db.session.execute(stmt.limit(page_size).offset((page - 1) * page_size)).all()
    meta = {"total": total, "total_pages": total_pages, "first_page": 1, "last_page": total_pages, "page": page}
    if page > 1:
        meta["previous_page"] = page - 1
    if page < total_pages:
        meta["next_page"] = page + 1
    return Page(items, {"X-Pagination": json.dumps(meta)})


def _key_of(row, key: str):
    """The cursor key of a Core row (``row.cid``) or an ORM row (``row[0].cid``)."""
    mapping = row._mapping
    return mapping[key] if key in mapping else getattr(row[0], key)


@dataclass(frozen=True)
class Cursor:
    """How a keyset-paginated list continues after the last row a client saw.

    ``rows_after(value)`` is the WHERE clause of the rows after cursor ``value``; ``value_of(row)``
    is a row's cursor value (``next_after``). The statement must be ordered the same way.
    """

    rows_after: Callable[[Any], ColumnElement[bool]]
    value_of: Callable[[Any], Any]

    @classmethod
    def on_column(cls, column) -> Cursor:
        """The usual case: one unique, ordered column (``cid > after``)."""
        return cls(lambda after: column > after, lambda row: _key_of(row, column.key))

    def page_statement(self, stmt: Select, after: Any, page_size: int) -> Select:
        """``stmt`` (ordered) narrowed to the rows after ``after``: one row more than the page,
        which tells whether another page follows. What ``paginate`` runs."""
        return stmt.where(self.rows_after(after)).limit(page_size + 1)


def paginate(stmt: Select, args: dict, *, cursor: Cursor | None = None) -> Page:
    """Run ``stmt`` (already ordered) for the requested page; rows as returned by ``execute``.

    With a ``cursor`` and an ``after`` argument the page is a keyset page (no COUNT).
    """
    page_size = args.get("page_size") or DEFAULT_PAGE_SIZE
    after = args.get("after")
    if cursor is None or after is None:
        return _offset_page(stmt, args.get("page") or 1, page_size)
    rows = db.session.execute(cursor.page_statement(stmt, after, page_size)).all()
    has_more = len(rows) > page_size
    rows = rows[:page_size]
    next_after = cursor.value_of(rows[-1]) if has_more else None
    return Page(rows, {"X-Pagination": json.dumps({"page_size": page_size, "next_after": next_after})})
