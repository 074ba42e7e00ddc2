"""``flask import``: the sales team's CSV and Excel files into the database, all rows or none.

Each domain registers its import kinds (``ImportKind``: a schema, the upsert key, the sheet
names of the case's workbook, and an optional cross-row check). This module reads the files,
matches headers the way the CRM exports them (case-insensitively, ignoring spaces and
underscores: ``Monthly Estimated Revenue`` is ``monthly_estimated_revenue``), validates every
row, and only when no row anywhere is rejected writes everything in one transaction:

* a file of one kind: ``flask import customers customers.csv`` (CSV, or the kind's sheet of an
  ``.xlsx``, or its only sheet);
* the whole workbook: ``flask import workbook book.xlsx``, its sheets in dependency order
  (customers before the opportunities that reference them), all or nothing.

Writes are dialect upserts (``INSERT ... ON DUPLICATE KEY UPDATE`` on MySQL, ``ON CONFLICT DO
UPDATE`` on SQLite) in chunks of ``CHUNK`` rows, each chunk preceded by one ``SELECT`` of the
keys already stored (to count inserts and updates): two statements per 1,000 rows whatever the
file's size. An update writes only the columns the file has, so a file with fewer columns never
blanks the others.
"""

from __future__ import annotations

import csv
import io
import re
import sys
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import click
from marshmallow import Schema, ValidationError, fields, pre_load
from sqlalchemy import select, tuple_
from sqlalchemy.dialects import mysql, sqlite

from .database import run_in_transaction, utcnow
from .extensions import db
from .fields import CONTROL_CHARACTER_ERROR, NO_CONTROL_CHARACTERS

CHUNK = 1000
#: At most this many rejected rows are listed; the count of the others follows.
MAX_LISTED_REJECTIONS = 200
#: Excel's day 0 for serial dates (the 1900 leap-year bug makes day 60 a phantom 29 February).
EXCEL_EPOCH = date(1899, 12, 30)
#: Serial dates outside this range are not dates anyone meant (1 = 1900-01-01, 73050 = 2099-12-31).
EXCEL_SERIALS = range(1, 73051)


def header_key(name: Any) -> str:
    """How headers and field names are compared: casefolded, without spaces and underscores."""
    return re.sub(r"[\s_]+", "", str(name)).casefold()


# --- cell fields: what a spreadsheet or CSV cell may hold --------------------------------------


class CellBoolean(fields.Boolean):
    """Yes/No, Y/N, True/False and 1/0 in any case, or a real boolean cell."""

    truthy = frozenset({"yes", "y", "true", "t", "1", 1})
    falsy = frozenset({"no", "n", "false", "f", "0", 0})
    default_error_messages = {"invalid": "Not a boolean: use Yes/No, Y/N, True/False or 1/0."}

    def _deserialize(self, value, attr, data, **kwargs):
        key = value.strip().casefold() if isinstance(value, str) else value
        if isinstance(key, float) and key.is_integer():
            key = int(key)
        if key in self.truthy:
            return True
        if key in self.falsy:
            return False
        raise self.make_error("invalid")


class CellDate(fields.Field):
    """An ISO date (``2026-03-01``), a date cell, or an Excel serial date (``46082``)."""

    default_error_messages = {"invalid": "Not a date: use YYYY-MM-DD (or an Excel date)."}

    def _deserialize(self, value, attr, data, **kwargs):
        if isinstance(value, datetime):
            if value.time() != datetime.min.time():
                raise self.make_error("invalid")
            return value.date()
        if isinstance(value, date):
            return value
        serial = value
        if isinstance(value, str):
            text = value.strip()
            if re.fullmatch(r"\d{4}-\d{2}-\d{2}", text):
                try:
                    return date.fromisoformat(text)
                except ValueError:
                    raise self.make_error("invalid") from None
            if not re.fullmatch(r"\d{1,5}", text):
                raise self.make_error("invalid")
            serial = int(text)
        if isinstance(serial, float) and serial.is_integer():
            serial = int(serial)
        if isinstance(serial, bool) or not isinstance(serial, int) or serial not in EXCEL_SERIALS:
            raise self.make_error("invalid")
        return EXCEL_EPOCH + timedelta(days=serial)


class CellInteger(fields.Integer):
    """An integer cell, or text of ASCII digits; never a truncated fraction (``12.5`` is refused)."""

    default_error_messages = {"invalid": "Not a whole number."}

    def _deserialize(self, value, attr, data, **kwargs):
        if isinstance(value, float) and value.is_integer():
            value = int(value)
        if isinstance(value, str) and re.fullmatch(r"-?[0-9]{1,18}", value.strip()):
            value = int(value.strip())
        if isinstance(value, bool) or not isinstance(value, int):
            raise self.make_error("invalid")
        return super()._deserialize(value, attr, data, **kwargs)


class CellText(fields.String):
    """Text; a number cell is read as its text (``5987`` in a text column is ``"5987"``).
    Control characters are refused, as the API refuses them (``fields.TrimmedString``)."""

    default_error_messages = {"control": CONTROL_CHARACTER_ERROR}

    def _deserialize(self, value, attr, data, **kwargs):
        if isinstance(value, float) and value.is_integer():
            value = int(value)
        if isinstance(value, (int, Decimal)) and not isinstance(value, bool):
            value = str(value)
        text = super()._deserialize(value, attr, data, **kwargs)
        if NO_CONTROL_CHARACTERS.regex.match(text) is None:
            raise self.make_error("control")
        return text


class ImportSchema(Schema):
    """Base of every import schema: blank cells are missing, text is trimmed."""

    @pre_load
    def _blank_is_missing(self, data, **kwargs):
        cleaned = {}
        for name, value in data.items():
            if isinstance(value, str):
                value = value.strip()
                if value == "":
                    continue
            if value is None:
                continue
            cleaned[name] = value
        return cleaned


# --- kinds, rows and rejections ------------------------------------------------------------------


@dataclass(frozen=True)
class Rejection:
    sheet: str | None
    row: int
    column: str | None
    reason: str

    def __str__(self) -> str:
        where = f"{self.sheet!r} row {self.row}" if self.sheet else f"row {self.row}"
        return f"{where}: {self.column}: {self.reason}" if self.column else f"{where}: {self.reason}"


@dataclass
class ImportContext:
    """What a kind's check may consult: keys imported earlier in the same run, by kind name."""

    imported_keys: dict[str, set[tuple]] = field(default_factory=dict)
    now: datetime = field(default_factory=utcnow)


@dataclass
class Row:
    number: int  # the row number in the file (1 is the header)
    data: dict[str, Any]


@dataclass(frozen=True)
class ImportKind:
    """One thing a file can hold (customers, opportunities, ...), registered by its domain.

    ``check(part, context)`` runs after every row passed the schema: it may complete the rows
    (defaults, generated keys, derived columns: it then adjusts ``part.columns``, the columns
    written) and returns the rejections of cross-row rules (references to other tables, ...).
    ``on_update`` gives the SQL expressions an update sets besides the file's columns
    (``{"version": Model.version + 1}``).
    """

    name: str
    model: type
    schema: type[Schema]
    key: tuple[str, ...]
    sheet_names: tuple[str, ...]
    check: Callable[[KindResult, ImportContext], list[Rejection]] | None = None
    on_update: Callable[[], dict[str, Any]] | None = None

    def matches_sheet(self, name: str) -> bool:
        wanted = {header_key(n) for n in self.sheet_names}
        key = header_key(name)
        return key in wanted or key.rstrip("s") in {w.rstrip("s") for w in wanted}


@dataclass
class Sheet:
    """A table read from a file: its header (as written) and its data rows (numbered as in the file)."""

    name: str | None
    headers: list[str]
    rows: Iterable[tuple[int, list[Any]]]
    size_hint: int | None = None
    header_row: int = 1


@dataclass
class KindResult:
    kind: ImportKind
    sheet: str | None
    #: Field name -> the file's header for it (for messages).
    headers: dict[str, str] = field(default_factory=dict)
    rows: list[Row] = field(default_factory=list)
    #: The columns an update writes: the file's, adjusted by the kind's check.
    columns: set[str] = field(default_factory=set)
    inserted: int = 0
    updated: int = 0


@dataclass
class ImportResult:
    parts: list[KindResult] = field(default_factory=list)
    rejected: list[Rejection] = field(default_factory=list)
    ignored_columns: list[str] = field(default_factory=list)


class ImportFileError(Exception):
    """The file cannot be read at all (not UTF-8, not a workbook, no such sheet)."""


# --- reading files --------------------------------------------------------------------------------


def _csv_sheet(raw: bytes, name: str | None) -> Sheet:
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = raw.count(b"\n", 0, exc.start) + 1
        raise ImportFileError(f"line {line}: the file is not UTF-8 text") from None
    reader = csv.reader(io.StringIO(text, newline=""))
    headers = next(reader, [])

    def rows() -> Iterator[tuple[int, list[Any]]]:
        for values in reader:
            if any(value.strip() for value in values):
                yield reader.line_num, values

    return Sheet(name, headers, rows(), size_hint=text.count("\n"))


def _xlsx_sheets(raw: bytes) -> list[Sheet]:
    from zipfile import BadZipFile

    from openpyxl import load_workbook

    try:
        book = load_workbook(io.BytesIO(raw), read_only=True, data_only=True)
    except (BadZipFile, KeyError, ValueError, OSError):
        raise ImportFileError("the file is not an Excel workbook (.xlsx)") from None
    sheets = []
    for worksheet in book.worksheets:
        values = worksheet.iter_rows(values_only=True)
        header_number, headers = 0, []
        for number, row in enumerate(values, start=1):
            if any(cell not in (None, "") for cell in row):
                header_number, headers = number, ["" if cell is None else str(cell) for cell in row]
                break

        def rows(values=values, start=header_number + 1) -> Iterator[tuple[int, list[Any]]]:
            for number, row in enumerate(values, start=start):
                if any(cell not in (None, "") for cell in row):
                    yield number, list(row)

        sheets.append(Sheet(worksheet.title, headers, rows(), worksheet.max_row, header_row=header_number or 1))
    return sheets


def read_sheets(path: str | Path, raw: bytes) -> list[Sheet]:
    """The tables of a ``.csv`` (one, unnamed) or ``.xlsx`` (one per worksheet) file."""
    suffix = Path(path).suffix.lower()
    if suffix == ".xlsx":
        return _xlsx_sheets(raw)
    if suffix in (".csv", ".txt", ""):
        return [_csv_sheet(raw, None)]
    raise ImportFileError(f"unsupported file type {suffix!r}: use .csv or .xlsx")


# --- validating -------------------------------------------------------------------------------------


def _progress(items: Iterable, length: int | None, label: str, enabled: bool):
    """A progress bar on a terminal (stderr), nothing otherwise."""
    if not enabled:
        return _NoBar(items)
    return click.progressbar(items, length=length, label=label, file=sys.stderr)


class _NoBar:
    def __init__(self, items):
        self.items = items

    def __enter__(self):
        return self.items

    def __exit__(self, *exc):
        return False


def _first_message(messages) -> str:
    if isinstance(messages, dict):
        return "; ".join(_first_message(value) for value in messages.values())
    if isinstance(messages, list):
        return " ".join(str(message) for message in messages)
    return str(messages)


def validate_sheet(
    kind: ImportKind, sheet: Sheet, context: ImportContext, result: ImportResult, *, progress: bool = False
) -> KindResult:
    """Validate every row of ``sheet`` as ``kind``; add rejections to ``result``."""
    schema = kind.schema()
    by_key = {header_key(name): name for name in schema.fields}
    columns: dict[str, str] = {}  # field name -> the header as the file writes it
    positions: dict[int, str] = {}
    for index, header in enumerate(sheet.headers):
        name = by_key.get(header_key(header))
        if name is None:
            if header.strip():
                result.ignored_columns.append(f"{sheet.name + ': ' if sheet.name else ''}{header}")
            continue
        if name in columns:
            result.rejected.append(
                Rejection(sheet.name, sheet.header_row, header, f"repeats the column {columns[name]!r}")
            )
            continue
        columns[name] = header
        positions[index] = name
    part = KindResult(kind, sheet.name, headers=columns, columns=set(columns))
    missing = [name for name, f in schema.fields.items() if f.required and name not in columns]
    if missing:
        result.rejected.append(Rejection(sheet.name, sheet.header_row, None, f"missing columns: {', '.join(missing)}"))
        return part
    seen: dict[tuple, int] = {}
    label = f"checking {sheet.name or kind.name}"
    with _progress(sheet.rows, sheet.size_hint, label, progress) as rows:
        for number, values in rows:
            if len(values) > len(sheet.headers) and any(v not in (None, "") for v in values[len(sheet.headers) :]):
                result.rejected.append(Rejection(sheet.name, number, None, "more values than columns"))
                continue
            cells = {name: values[index] for index, name in positions.items() if index < len(values)}
            try:
                data = schema.load(cells)
            except ValidationError as exc:
                for name, messages in exc.normalized_messages().items():
                    column = columns.get(name, name)
                    result.rejected.append(Rejection(sheet.name, number, column, _first_message(messages)))
                continue
            key = tuple(data.get(k) for k in kind.key)
            if None not in key:
                if key in seen:
                    result.rejected.append(
                        Rejection(sheet.name, number, None, f"duplicate of row {seen[key]} ({', '.join(kind.key)})")
                    )
                    continue
                seen[key] = number
            part.rows.append(Row(number, data))
    if kind.check is not None and part.rows:
        result.rejected.extend(kind.check(part, context))
    context.imported_keys[kind.name] = {tuple(row.data[k] for k in kind.key) for row in part.rows}
    result.parts.append(part)
    return part


# --- writing ----------------------------------------------------------------------------------------


def _existing_keys(kind: ImportKind, keys: list[tuple]) -> set[tuple]:
    columns = [getattr(kind.model, k) for k in kind.key]
    where = columns[0].in_([k[0] for k in keys]) if len(columns) == 1 else tuple_(*columns).in_(keys)
    return {tuple(row) for row in db.session.execute(select(*columns).where(where))}


def _upsert_statement(kind: ImportKind, rows: list[dict], update_columns: set[str]):
    table = kind.model.__table__
    dialect = db.engine.dialect.name
    updates = dict.fromkeys(sorted(update_columns - set(kind.key)))
    extra = kind.on_update() if kind.on_update else {}
    if dialect in ("mysql", "mariadb"):
        stmt = mysql.insert(table).values(rows)
        return stmt.on_duplicate_key_update({name: stmt.inserted[name] for name in updates} | extra)
    stmt = sqlite.insert(table).values(rows)
    values = {name: stmt.excluded[name] for name in updates} | extra
    return stmt.on_conflict_do_update(index_elements=list(kind.key), set_=values)


def _timestamps(data: dict, now: datetime) -> dict:
    """``created_at`` now; ``updated_at`` now unless the kind derived it (``Days_Since_Last_Updated``)."""
    return {"created_at": now, "updated_at": data.get("updated_at") or now}


def write_part(part: KindResult, now: datetime, *, progress: bool = False) -> None:
    """Upsert ``part``'s rows in chunks (part of the caller's transaction)."""
    kind = part.kind
    update_columns = part.columns | {"updated_at"}
    # A multi-row INSERT needs the same columns in every row: a blank cell of a file column is NULL.
    names = set(part.columns).union(*(row.data.keys() for row in part.rows)) | {"created_at", "updated_at"}
    chunks = range(0, len(part.rows), CHUNK)
    label = f"writing {part.sheet or kind.name}"
    part.inserted = part.updated = 0
    with _progress(chunks, len(chunks), label, progress) as starts:
        for start in starts:
            rows = [
                {name: row.data.get(name) for name in names} | _timestamps(row.data, now)
                for row in part.rows[start : start + CHUNK]
            ]
            existing = _existing_keys(kind, [tuple(r[k] for k in kind.key) for r in rows])
            part.updated += len(existing)
            part.inserted += len(rows) - len(existing)
            db.session.execute(_upsert_statement(kind, rows, update_columns))


# --- the whole run ----------------------------------------------------------------------------------


def plan_sheets(kinds: dict[str, ImportKind], kind_name: str, sheets: list[Sheet]) -> list[tuple[ImportKind, Sheet]]:
    """Which sheet each kind reads: ``workbook`` takes every kind whose sheet is present, in
    registration (dependency) order; one kind takes its own sheet, or the file's only one."""
    if kind_name == "workbook":
        plan = []
        for kind in kinds.values():
            matching = [sheet for sheet in sheets if sheet.name and kind.matches_sheet(sheet.name)]
            if len(matching) > 1:
                raise ImportFileError(f"several sheets hold {kind.name}: {', '.join(s.name for s in matching)}")
            if matching:
                plan.append((kind, matching[0]))
        if not plan:
            expected = "; ".join(f"{k.name}: {' or '.join(k.sheet_names)}" for k in kinds.values())
            raise ImportFileError(f"no sheet of the workbook matches an import kind ({expected})")
        return plan
    kind = kinds[kind_name]
    matching = [sheet for sheet in sheets if sheet.name and kind.matches_sheet(sheet.name)]
    if matching:
        return [(kind, matching[0])]
    if len(sheets) == 1:
        return [(kind, sheets[0])]
    raise ImportFileError(f"no sheet named {' or '.join(kind.sheet_names)} in the workbook")


def run_import(
    kinds: dict[str, ImportKind],
    kind_name: str,
    path: str | Path,
    raw: bytes,
    *,
    dry_run: bool = False,
    progress: bool = False,
) -> ImportResult:
    """Validate everything, then (unless rejected or a dry run) write it all in one transaction."""
    result = ImportResult()
    context = ImportContext()
    for kind, sheet in plan_sheets(kinds, kind_name, read_sheets(path, raw)):
        validate_sheet(kind, sheet, context, result, progress=progress)
    if result.rejected or dry_run:
        return result

    def work(attempt: int) -> None:
        for part in result.parts:
            write_part(part, context.now, progress=progress)

    run_in_transaction(work)
    return result
