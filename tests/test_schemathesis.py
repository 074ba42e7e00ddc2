"""Property-based API fuzzing over the whole OpenAPI spec, in-process: default checks and ours
(``schemathesis_hooks``). ``test_schemathesis_cli`` runs the CLI over HTTP."""

from pathlib import Path

import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis.config import SchemathesisConfig

from . import schemathesis_hooks  # noqa: F401 - registers our checks for this run too
from .conftest import TEST_TOKEN
from .factories import CustomerFactory, OpportunityFactory

CONFIG = SchemathesisConfig.from_path(Path(__file__).resolve().parent.parent / "schemathesis.toml")


@pytest.fixture()
def api_schema(app, db, fake):
    for cid in (1, 2, 3):
        customer = CustomerFactory(cid=cid)
    OpportunityFactory(customer=customer)
    OpportunityFactory(customer=customer, opportunity_status="won", probability=100)
    return schemathesis.openapi.from_wsgi("/api/openapi.json", app, config=CONFIG)


schema = schemathesis.pytest.from_fixture("api_schema")


@schema.parametrize()
@settings(deadline=None, suppress_health_check=list(HealthCheck))
def test_api_conforms_to_its_spec(case):
    case.call_and_validate(headers={"Authorization": f"Bearer {TEST_TOKEN}"})
