"""CSV import of real data: customers, revenue actuals and revenue targets.

Every row is validated first; if any row is rejected nothing is written and each
rejection is reported with its line number and reason. Otherwise all rows are
upserted by their key in one transaction.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field
from datetime import date

from marshmallow import Schema, ValidationError, fields, post_load, pre_load, validate
from sqlalchemy import insert, select, tuple_, update

from .customers.models import Customer
from .customers.schemas import MAX_CID
from .database import run_in_transaction, utcnow
from .domain import AREAS, MAX_FISCAL_YEAR, MIN_FISCAL_YEAR, PRODUCTS, SEGMENTS
from .extensions import db
from .fields import Money, TrimmedString
from .revenue.models import RevenueActual, RevenueTarget


class _CsvSchema(Schema):
    @pre_load
    def _blank_is_missing(self, data, **kwargs):
        return {k: v.strip() for k, v in data.items() if k is not None and v is not None and v.strip() != ""}


class CustomerImport(_CsvSchema):
    cid = fields.Integer(required=True, validate=validate.Range(min=1, max=MAX_CID))
    name = TrimmedString(required=True, validate=validate.Length(max=200))
    area = fields.String(required=True, validate=validate.OneOf(AREAS))
    segment = fields.String(required=True, validate=validate.OneOf(SEGMENTS))
    account_executive = TrimmedString(load_default=None, validate=validate.Length(max=100))
    technical_specialist = TrimmedString(load_default=None, validate=validate.Length(max=100))
    contract_start_date = fields.Date(load_default=None)
    contract_renewal_date = fields.Date(load_default=None)
    subscriptions = fields.String(load_default="", metadata={"description": "Products separated by ';'."})
    is_strategic = fields.Boolean(load_default=False)
    is_reference = fields.Boolean(load_default=False)
    credit_hold = fields.Boolean(load_default=False)

    @post_load
    def _normalise_subscriptions(self, data, **kwargs):
        held = {s.strip() for s in data["subscriptions"].replace(",", ";").split(";") if s.strip()}
        unknown = held - set(PRODUCTS)
        if unknown:
            raise ValidationError(f"Unknown products: {', '.join(sorted(unknown))}.", "subscriptions")
        data["subscriptions"] = ",".join(p for p in PRODUCTS if p in held)
        return data


class ActualImport(_CsvSchema):
    area = fields.String(required=True, validate=validate.OneOf(AREAS))
    month = fields.String(required=True, metadata={"description": "YYYY-MM or YYYY-MM-01."})
    amount = Money(required=True)

    @post_load
    def _first_of_month(self, data, **kwargs):
        text = data["month"]
        try:
            parsed = date.fromisoformat(text if len(text) > 7 else f"{text}-01")
        except ValueError:
            raise ValidationError("Not a valid month (YYYY-MM).", "month") from None
        if parsed.day != 1:
            raise ValidationError("A month is given by its first day.", "month")
        data["month"] = parsed
        return data


class TargetImport(_CsvSchema):
    area = fields.String(required=True, validate=validate.OneOf(AREAS))
    fiscal_year = fields.Integer(required=True, validate=validate.Range(min=MIN_FISCAL_YEAR, max=MAX_FISCAL_YEAR))
    amount = Money(required=True)


@dataclass(frozen=True)
class ImportKind:
    model: type
    schema: type[Schema]
    key: tuple[str, ...]


KINDS = {
    "customers": ImportKind(Customer, CustomerImport, ("cid",)),
    "actuals": ImportKind(RevenueActual, ActualImport, ("area", "month")),
    "targets": ImportKind(RevenueTarget, TargetImport, ("area", "fiscal_year")),
}


@dataclass
class ImportResult:
    rows: list[dict] = field(default_factory=list)
    #: The schema's columns present in the file: an update writes only these.
    columns: set[str] = field(default_factory=set)
    rejected: list[tuple[int, str]] = field(default_factory=list)
    inserted: int = 0
    updated: int = 0


def _reason(error: ValidationError) -> str:
    messages = error.normalized_messages()
    return "; ".join(f"{name}: {' '.join(map(str, msgs))}" for name, msgs in messages.items())


def read_rows(kind: ImportKind, stream) -> ImportResult:
    result = ImportResult()
    schema = kind.schema()
    reader = csv.DictReader(stream)
    missing = [name for name, f in schema.fields.items() if f.required and name not in (reader.fieldnames or [])]
    if missing:
        result.rejected.append((1, f"missing columns: {', '.join(missing)}"))
        return result
    result.columns = set(schema.fields) & set(reader.fieldnames or [])
    seen: dict[tuple, int] = {}
    for row in reader:
        _read_row(kind, schema, reader.line_num, row, seen, result)
    return result


def _read_row(kind: ImportKind, schema: Schema, line: int, row: dict, seen: dict, result: ImportResult) -> None:
    if None in row:
        result.rejected.append((line, "more values than columns"))
        return
    try:
        data = schema.load({k: v for k, v in row.items() if k in schema.fields})
    except ValidationError as exc:
        result.rejected.append((line, _reason(exc)))
        return
    key = tuple(data[k] for k in kind.key)
    if key in seen:
        result.rejected.append((line, f"duplicate of line {seen[key]} for {', '.join(kind.key)} {key}"))
        return
    seen[key] = line
    result.rows.append(data)


def _existing_ids(kind: ImportKind, keys: list[tuple]) -> dict[tuple, object]:
    """Map each stored key to the row's primary key, looked up in chunks."""
    model = kind.model
    pk = model.__mapper__.primary_key[0]
    columns = [getattr(model, k) for k in kind.key]
    found = {}
    for start in range(0, len(keys), 500):
        chunk = keys[start : start + 500]
        key_expr = columns[0].in_([k[0] for k in chunk]) if len(columns) == 1 else tuple_(*columns).in_(chunk)
        for row in db.session.execute(select(pk, *columns).where(key_expr)):
            found[tuple(row[1:])] = row[0]
    return found


def upsert(kind: ImportKind, rows: list[dict], columns: set[str]) -> tuple[int, int]:
    """Insert new keys; on existing keys update only ``columns`` (the file's), so a file with
    fewer columns never blanks the others."""

    def work(attempt: int) -> tuple[int, int]:
        now = utcnow()
        existing = _existing_ids(kind, [tuple(r[k] for k in kind.key) for r in rows])
        pk_name = kind.model.__mapper__.primary_key[0].key
        fresh, changed = [], []
        for row in rows:
            pk = existing.get(tuple(row[k] for k in kind.key))
            if pk is None:
                fresh.append({**row, "created_at": now, "updated_at": now})
            else:
                written = {name: value for name, value in row.items() if name in columns}
                changed.append({**written, pk_name: pk, "updated_at": now})
        for start in range(0, len(fresh), 1000):
            db.session.execute(insert(kind.model), fresh[start : start + 1000])
        if changed:
            db.session.execute(update(kind.model), changed)
        return len(fresh), len(changed)

    return run_in_transaction(work)


def decode_csv(raw: bytes) -> tuple[str | None, int]:
    """The file's text (UTF-8, with or without BOM), or None and the line of the first bad byte."""
    try:
        return raw.decode("utf-8-sig"), 0
    except UnicodeDecodeError as exc:
        return None, raw.count(b"\n", 0, exc.start) + 1


def import_csv(kind_name: str, raw: bytes, *, dry_run: bool = False) -> ImportResult:
    kind = KINDS[kind_name]
    text, bad_line = decode_csv(raw)
    if text is None:
        return ImportResult(rejected=[(bad_line, "the file is not UTF-8 text")])
    result = read_rows(kind, io.StringIO(text, newline=""))
    if result.rejected or dry_run:
        return result
    result.inserted, result.updated = upsert(kind, result.rows, result.columns)
    return result
