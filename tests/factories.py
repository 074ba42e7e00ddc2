"""factory-boy factories; they commit, so HTTP requests in the same test see the rows.

Also ``opportunity_payload``, the one body tests send to ``POST /api/opportunities``.
"""

from __future__ import annotations

import hashlib
import uuid
from datetime import date, timedelta
from decimal import Decimal

import factory
from sqlalchemy import select

from intrasoft import database
from intrasoft.countries.models import SyncRun
from intrasoft.customers.models import Customer
from intrasoft.database import utcnow
from intrasoft.extensions import db
from intrasoft.opportunities.models import IdempotencyKey, Opportunity
from intrasoft.revenue.models import RevenueActual, RevenueTarget
from intrasoft.threads.models import Thread, ThreadMessage, ThreadParticipant
from intrasoft.usernames import username_key

from .conftest import TEST_TOKEN

#: The ``client`` an ``Idempotency-Key`` sent with the test token is stored under (its ``token_id``).
TEST_CLIENT = hashlib.sha256(TEST_TOKEN.encode()).hexdigest()[:32]


def delivery_date(days: int = 30) -> date:
    """``days`` after today in UTC: the server's today (``database.today``), wherever the tests run."""
    return database.today() + timedelta(days=days)


def opportunity_payload(**overrides) -> dict:
    """A valid create body for customer 1, due in 30 days; ``overrides`` replace or add fields,
    and an override of ``...`` leaves that field out (``opportunity_payload(name=...)``)."""
    body = {
        "cid": 1,
        "name": "Payroll roll-out",
        "product": "payroll",
        "monthly_estimated_revenue": "1250.00",
        "estimated_delivery_date": delivery_date().isoformat(),
        **overrides,
    }
    return {name: value for name, value in body.items() if value is not ...}


class BaseFactory(factory.alchemy.SQLAlchemyModelFactory):
    class Meta:
        abstract = True
        sqlalchemy_session_factory = lambda: db.session  # noqa: E731
        sqlalchemy_session_persistence = "commit"


class CustomerFactory(BaseFactory):
    class Meta:
        model = Customer

    cid = factory.Sequence(lambda n: n + 1)
    name = factory.Sequence(lambda n: f"Customer {n + 1} GmbH")
    area = "Germany"
    customer_type = "SMB"
    has_dedicated_account_manager = False
    has_dedicated_technical_consultant = False
    has_support_contract = True
    has_discounted_pricing = False
    account_executive = "Anna Schmidt"
    technical_specialist = "Jonas Weber"
    contract_start_date = date(2023, 1, 1)
    contract_renewal_date = date(2026, 1, 1)
    subscriptions = "accounting,payroll"


class OpportunityFactory(BaseFactory):
    class Meta:
        model = Opportunity

    oid = factory.LazyFunction(lambda: uuid.uuid4().hex)
    customer = factory.SubFactory(CustomerFactory)
    cid = factory.SelfAttribute("customer.cid")
    opportunity_sales_group = "Mid-Market AE"
    opportunity_status = "prospecting"
    monthly_estimated_revenue = Decimal("1000.00")
    estimated_delivery_date = factory.LazyFunction(lambda: utcnow().date() + timedelta(days=90))
    non_recurring = "No"
    name = factory.Sequence(lambda n: f"Deal {n}")
    product = "payroll"
    probability = 10
    currency = "EUR"
    account_executive = "Anna Schmidt"
    technical_specialist = "Jonas Weber"


class RevenueActualFactory(BaseFactory):
    class Meta:
        model = RevenueActual

    area = "Germany"
    month = date(2024, 7, 1)
    amount = Decimal("100000.00")


class RevenueTargetFactory(BaseFactory):
    class Meta:
        model = RevenueTarget

    area = "Germany"
    fiscal_year = 2025
    amount = Decimal("1200000.00")


class IdempotencyKeyFactory(BaseFactory):
    """A stored key of the test token's client: in flight (``oid`` None) unless given an oid."""

    class Meta:
        model = IdempotencyKey

    client = TEST_CLIENT
    key = factory.Sequence(lambda n: f"key-{n}")
    request_hash = "0" * 64
    oid = None
    created_at = factory.LazyFunction(utcnow)


class SyncRunFactory(BaseFactory):
    """A countries sync run as the sync records it: finished unless ``running``."""

    class Meta:
        model = SyncRun

    trigger = "seed"
    status = "succeeded"
    started_at = factory.LazyFunction(utcnow)
    finished_at = factory.LazyAttribute(lambda run: None if run.status == "running" else run.started_at)
    results_requested = 0
    rows_stored = 0


class ThreadMessageFactory(BaseFactory):
    """A message posted to ``thread`` by one of its participants, stored as
    ``threads.service.post_message`` stores it: the thread's count, last message and activity
    move, and so does the poster's read marker (to their own message)."""

    class Meta:
        model = ThreadMessage
        exclude = ("thread",)

    class Params:
        thread = factory.SubFactory("tests.factories.ThreadFactory")

    thread_id = factory.SelfAttribute("thread.id")
    username = "quinn"
    message = factory.Sequence(lambda n: f"message {n}")
    sent_at = factory.LazyAttribute(lambda message: max(utcnow(), message.thread.last_activity_at))

    @factory.post_generation
    def posted(message, create, extracted, **kwargs):
        if not create:
            return
        thread = db.session.get(Thread, message.thread_id)
        poster = db.session.scalars(
            select(ThreadParticipant).where(
                ThreadParticipant.thread_id == thread.id,
                ThreadParticipant.username_key == username_key(message.username),
            )
        ).one()
        thread.message_count += 1
        thread.last_message_id = message.id
        thread.last_activity_at = message.sent_at
        poster.last_read_message_id = message.id
        poster.read_count = thread.message_count
        db.session.commit()


class ThreadFactory(BaseFactory):
    """A thread with its participants (``users``, in order) and, optionally, ``messages``: a
    number of messages (the participants taking turns) or ``(username, text)`` pairs, posted
    in order. ``ThreadFactory(users=["quinn", "ana"], messages=[("ana", "hi")])``."""

    class Meta:
        model = Thread

    title = factory.Sequence(lambda n: f"Thread {n}")
    created_at = factory.LazyFunction(utcnow)
    last_activity_at = factory.SelfAttribute("created_at")
    message_count = 0

    @factory.post_generation
    def users(thread, create, extracted, **kwargs):
        if not create:
            return
        names = ("quinn", "ana") if extracted is None else extracted
        db.session.add_all(
            ThreadParticipant(thread_id=thread.id, username=name, username_key=username_key(name)) for name in names
        )
        db.session.commit()

    @factory.post_generation
    def messages(thread, create, extracted, **kwargs):
        if not create or not extracted:
            return
        if isinstance(extracted, int):
            users = db.session.scalars(
                select(ThreadParticipant.username)
                .where(ThreadParticipant.thread_id == thread.id)
                .order_by(ThreadParticipant.id)
            ).all()
            extracted = [(users[i % len(users)], f"message {i}") for i in range(extracted)]
        for username, text in extracted:
            ThreadMessageFactory(thread=thread, username=username, message=text)
