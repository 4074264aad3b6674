"""The schema is the truth: a bounded property-based run of the OpenAPI schema against a
live server (schemathesis). A few generated requests per operation, as an administrator
(who reaches every operation), over a small data set of every kind; no answer may be a
server error or break the schema (body, content type). About 40 s on an idle machine."""

import pytest
import schemathesis
from django.utils import timezone
from hypothesis import HealthCheck, Phase, given, settings
from rest_framework.authtoken.models import Token
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
)

from complaints.tests.factories import ComplaintFactory
from customers.models import JobKind, JobRun, JobStatus
from customers.tests.factories import CustomerFactory
from customers.tests.grading_factories import (
    ChurnWarningFactory,
    GradeChangeFactory,
    MonthlyPurchaseFactory,
)
from visits.tests.factories import PlannedVisitFactory, ProductFactory, VisitFactory

pytestmark = pytest.mark.django_db(transaction=True)

EXAMPLES_PER_OPERATION = 3
CHECKS = [not_a_server_error, response_schema_conformance, content_type_conformance]


@pytest.fixture
def data_set(territory, manager, store, admin_user):
    """A little of everything, blank optional values included, so that lists and details
    answer with real rows to check against the schema."""
    today = timezone.localdate()
    CustomerFactory(territory=territory, manager=None)
    ProductFactory()
    MonthlyPurchaseFactory(customer=store, month=today.replace(day=1))
    GradeChangeFactory(customer=store)
    ChurnWarningFactory(customer=store, owner=manager)
    ComplaintFactory(customer=store, taken_by=admin_user)
    PlannedVisitFactory(customer=store, manager=manager)
    VisitFactory(customer=store, manager=manager)
    JobRun.objects.create(kind=JobKind.GRADES, as_of=today, status=JobStatus.INTERRUPTED)


def _failures_of(operation, base_url: str, headers: dict) -> list[str]:
    failures: list[str] = []

    @settings(max_examples=EXAMPLES_PER_OPERATION, deadline=None, derandomize=True,
              phases=[Phase.explicit, Phase.generate], database=None,
              suppress_health_check=list(HealthCheck))
    @given(case=operation.as_strategy())
    def run(case):
        try:
            case.call_and_validate(base_url=base_url, headers=headers, checks=CHECKS,
                                   timeout=20)
        except (Exception, BaseExceptionGroup) as error:  # keep going: report every operation
            failures.append(f"{operation.label}: {str(error).strip()[:1500]}")

    run()
    return failures


def test_the_api_answers_as_its_schema_says(live_server, admin_user, data_set):
    token = Token.objects.create(user=admin_user)
    headers = {"Authorization": f"Token {token.key}"}
    schema = schemathesis.openapi.from_url(f"{live_server.url}/api/schema/?format=json",
                                           headers=headers)
    failures: list[str] = []
    operations = 0
    for result in schema.get_all_operations():
        operation = result.ok()
        operations += 1
        failures += _failures_of(operation, live_server.url, headers)
    assert operations > 60
    assert failures == [], "\n\n".join(failures)
