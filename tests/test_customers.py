import json

from intrasoft.customers.models import Customer
from intrasoft.customers.schemas import CustomerSchema
from intrasoft.customers.service import LIST_COLUMNS, customer_row_to_dict

from .factories import CustomerFactory, OpportunityFactory
from .helpers import StatementCounter


def test_list_is_ordered_by_cid_with_page_metadata(client):
    for cid in (5, 2, 9):
        CustomerFactory(cid=cid)
    response = client.get("/api/customers?page_size=2")
    assert response.status_code == 200
    assert [c["cid"] for c in response.json] == [2, 5]
    meta = json.loads(response.headers["X-Pagination"])
    assert meta == {"total": 3, "total_pages": 2, "first_page": 1, "last_page": 2, "page": 1, "next_page": 2}
    second = client.get("/api/customers?page_size=2&page=2")
    assert [c["cid"] for c in second.json] == [9]
    assert json.loads(second.headers["X-Pagination"])["previous_page"] == 1


def test_keyset_cursor_walks_everything_without_count(client, db):
    for cid in range(1, 8):
        CustomerFactory(cid=cid)
    seen, after = [], 0
    with StatementCounter(db.engine) as counter:
        while after is not None:
            response = client.get(f"/api/customers?after={after}&page_size=3")
            assert response.status_code == 200
            meta = json.loads(response.headers["X-Pagination"])
            assert meta["page_size"] == 3
            seen += [c["cid"] for c in response.json]
            after = meta["next_after"]
    assert seen == list(range(1, 8))
    assert not [s for s in counter.statements if "count(" in s.lower()]


def test_cursor_last_page_has_null_next(client):
    CustomerFactory(cid=1)
    response = client.get("/api/customers?after=0")
    assert json.loads(response.headers["X-Pagination"]) == {"page_size": 50, "next_after": None}


def test_filters(client):
    CustomerFactory(
        cid=1,
        area="France",
        name="Boulangerie Dupont",
        customer_type="Enterprise",
        has_dedicated_account_manager=True,
        has_discounted_pricing=True,
    )
    CustomerFactory(cid=2, area="France", name="Atelier 100% Bio", account_executive="Marc Petit")
    CustomerFactory(cid=3, area="UK", name="Dupont & Sons", has_support_contract=False)
    CustomerFactory(
        cid=4, area="UK", name=None, customer_type="Key Account (EMEA)", has_dedicated_technical_consultant=True
    )

    def cids(query):
        response = client.get("/api/customers?" + query)
        assert response.status_code == 200, response.json
        return [c["cid"] for c in response.json]

    assert cids("area=France") == [1, 2]
    assert cids("q=dupont") == [1, 3]  # a customer without a name matches no name search
    assert cids("q=100%25") == [2]  # a literal %, not a wildcard
    assert cids("q=_") == []
    assert cids("customer_type=Enterprise") == [1]
    assert cids("customer_type=%20Key%20Account%20(EMEA)%20") == [4]  # free text, trimmed
    assert cids("has_dedicated_account_manager=true") == [1]
    assert cids("has_dedicated_account_manager=false") == [2, 3, 4]
    assert cids("has_dedicated_technical_consultant=true") == [4]
    assert cids("has_support_contract=false") == [3]
    assert cids("has_discounted_pricing=true&area=France") == [1]
    assert cids("account_executive=Marc%20Petit") == [2]
    assert cids("area=France&after=1") == [2]
    assert cids("area=UK&sort=-cid") == [4, 3]


def test_crm_fields_in_the_contract_order(client):
    CustomerFactory(cid=5987, name=None, area="France", customer_type="Mid-Market", has_dedicated_account_manager=True)
    item = client.get("/api/customers").json[0]
    assert list(item) == [
        "cid",
        "name",
        "area",
        "customer_type",
        "has_dedicated_account_manager",
        "has_dedicated_technical_consultant",
        "has_support_contract",
        "has_discounted_pricing",
        "account_executive",
        "technical_specialist",
        "contract_start_date",
        "contract_renewal_date",
        "subscriptions",
        "created_at",
        "updated_at",
    ]
    assert item["name"] is None and item["customer_type"] == "Mid-Market"
    assert item["has_dedicated_account_manager"] is True and item["has_discounted_pricing"] is False
    assert client.get("/api/customers/5987").json == item


def test_sort_by_cid_both_ways_with_offset_pages(client):
    for cid in (5, 2, 9, 7):
        CustomerFactory(cid=cid)

    def page(query):
        response = client.get("/api/customers?" + query)
        assert response.status_code == 200, response.json
        return [c["cid"] for c in response.json], json.loads(response.headers["X-Pagination"])

    assert page("sort=cid")[0] == [2, 5, 7, 9]
    assert page("sort=-cid")[0] == [9, 7, 5, 2]
    cids, meta = page("sort=-cid&page_size=3&page=2")
    assert cids == [2] and meta["total"] == 4 and meta["previous_page"] == 1


def test_descending_cursor_walks_everything_from_after_zero(client, db):
    for cid in range(1, 8):
        CustomerFactory(cid=cid)
    seen, after = [], 0
    with StatementCounter(db.engine) as counter:
        while after is not None:
            response = client.get(f"/api/customers?sort=-cid&after={after}&page_size=3")
            assert response.status_code == 200, response.json
            seen += [c["cid"] for c in response.json]
            after = json.loads(response.headers["X-Pagination"])["next_after"]
    assert seen == [7, 6, 5, 4, 3, 2, 1]
    assert not [s for s in counter.statements if "count(" in s.lower()]
    # With -cid the page after a CID holds the CIDs below it.
    assert [c["cid"] for c in client.get("/api/customers?sort=-cid&after=5&page_size=2").json] == [4, 3]


def test_lean_list_renders_exactly_the_documented_schema(client, db):
    CustomerFactory(cid=1, contract_start_date=None, contract_renewal_date=None, subscriptions="", name=None)
    CustomerFactory(cid=2, name="Zürich Ærø 株式会社", has_dedicated_account_manager=True, has_discounted_pricing=True)
    listed = client.get("/api/customers").json
    documented = CustomerSchema(many=True).dump(db.session.query(Customer).order_by(Customer.cid).all())
    assert listed == documented
    assert list(listed[0]) == list(CustomerSchema().fields)


def test_row_serializer_matches_schema_for_every_field():
    # Guards the lean path against a field added to the schema but not to the serializer.
    assert set(CustomerSchema().fields) == set(customer_row_to_dict(_FAKE_ROW))
    assert [column.key for column in LIST_COLUMNS] == list(customer_row_to_dict(_FAKE_ROW))


#: A row in ``LIST_COLUMNS`` order, as the list query returns it.
_FAKE_ROW = (1, "x", "UK", "SMB", False, False, False, False, None, None, None, None, "", None, None)


def test_row_serializer_renders_aware_datetimes_in_utc():
    from datetime import datetime, timedelta, timezone

    paris = timezone(timedelta(hours=1))
    row = (*_FAKE_ROW[:13], datetime(2025, 1, 1, 13, 0, tzinfo=paris), datetime(2025, 1, 1, 12, 0, 0, 5))
    rendered = customer_row_to_dict(row)
    assert rendered["created_at"] == "2025-01-01T12:00:00Z"
    assert rendered["updated_at"] == "2025-01-01T12:00:00.000005Z"


def test_get_one_and_unknown(client):
    CustomerFactory(cid=42, name="Answer AG")
    assert client.get("/api/customers/42").json["name"] == "Answer AG"
    missing = client.get("/api/customers/43")
    assert missing.status_code == 404
    assert missing.json["code"] == 404 and "43" in missing.json["message"]
    assert client.get("/api/customers/99999999999").status_code == 404
    assert client.get("/api/customers/abc").status_code == 404


def test_customer_opportunities(client):
    customer = CustomerFactory(cid=7)
    mine = OpportunityFactory(customer=customer)
    OpportunityFactory()
    response = client.get("/api/customers/7/opportunities")
    assert [o["oid"] for o in response.json] == [mine.oid]
    assert client.get("/api/customers/8/opportunities").status_code == 404


def test_invalid_query_parameters(client):
    for query, field in [
        ("page_size=0", "page_size"),
        ("page_size=-1", "page_size"),
        ("page_size=1000", "page_size"),
        ("page=0", "page"),
        ("page=abc", "page"),
        ("page=1000001", "page"),
        ("after=-1", "after"),
        ("page=1&after=3", "after"),
        ("area=Mars", "area"),
        ("customer_type=" + "x" * 33, "customer_type"),
        ("customer_type=%20", "customer_type"),
        ("customer_type=a%00b", "customer_type"),
        ("has_support_contract=maybe", "has_support_contract"),
        ("has_support_contract=yes", "has_support_contract"),  # true or false, as the spec says
        ("has_dedicated_account_manager=1", "has_dedicated_account_manager"),
        ("has_discounted_pricing=True", "has_discounted_pricing"),
        ("sort=name", "sort"),
        ("sort=cid,-cid", "sort"),
        ("q=" + "x" * 101, "q"),
        ("q=%00", "q"),
        ("q=a%0Ab", "q"),
        ("account_executive=%00", "account_executive"),
    ]:
        response = client.get("/api/customers?" + query)
        assert response.status_code == 422, query
        assert field in response.json["errors"]["query"], (query, response.json)


def test_list_statement_count_does_not_grow_with_page_size(client, db):
    for cid in range(1, 61):
        CustomerFactory(cid=cid)

    def count_statements(url):
        with StatementCounter(db.engine) as counter:
            assert client.get(url).status_code == 200
        return len(counter)

    assert count_statements("/api/customers?page_size=2") == count_statements("/api/customers?page_size=60")
    assert count_statements("/api/customers?after=0&page_size=2") == count_statements(
        "/api/customers?after=0&page_size=60"
    )
    for _ in range(3):
        OpportunityFactory(customer=db.session.get(Customer, 1))
    assert count_statements("/api/opportunities?page_size=1") == count_statements("/api/opportunities?page_size=100")
