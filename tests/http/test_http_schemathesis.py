"""Property-based conformance: schemathesis drives the app in-process from its document."""

from __future__ import annotations

import schemathesis
from falcon import testing
from http_support import Api, make_settings, token
from hypothesis import HealthCheck, settings
from schemathesis.config import SchemathesisConfig

from finance_http.app import build_dependencies, create_app

APP = create_app(build_dependencies(make_settings("memory://")))
AUTH = {"Authorization": f"Bearer {token(sub='fuzzer', tenant='fuzz')}"}


def _seed() -> None:
    """Give generated ids something to find: two accounts, a transaction, a transfer."""
    api = Api(testing.TestClient(APP), AUTH["Authorization"].split()[1])
    a, b = api.account("A", initial_balance="500.00"), api.account("B")
    api.transaction(a["id"])
    api.transfer(a["id"], b["id"])


_seed()
# Every default check runs. Valid-by-schema requests may still meet the ledger's
# business rules (a balance floor, split sums, a stale If-Match, two accounts in a
# transfer) that JSON Schema cannot express, so 412 and 422 count as acceptable
# answers to them as well. If-Match is evaluated before the body is processed
# (RFC 9110 section 13.2.1), so a stale tag with a bad body is rightly a 412.
CONFIG = SchemathesisConfig.from_dict(
    {
        "checks": {
            "positive_data_acceptance": {
                "expected-statuses": ["2xx", "401", "403", "404", "409", "412", "422"]
            },
            "negative_data_rejection": {
                "expected-statuses": [
                    "400",
                    "401",
                    "403",
                    "404",
                    "405",
                    "406",
                    "409",
                    "412",
                    "413",
                    "415",
                    "422",
                ]
            },
        }
    }
)
schema = schemathesis.openapi.from_wsgi("/openapi.json", APP, config=CONFIG)


@schema.parametrize()
@settings(max_examples=15, deadline=None, suppress_health_check=list(HealthCheck))
def test_api_conforms_to_its_document(case: schemathesis.Case) -> None:
    """No 5xx, and every response matches the documented status, type and schema."""
    case.call_and_validate(headers=AUTH)
